package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/outbox"
	"github.com/guidebot/guidebot/internal/store"
)

// emptyText stands in for a reply that has options but no message: sendMessage
// needs some text to hang the keyboard on.
const emptyText = "…"

// Sender returns the outbox sender: one sendMessage per reply (more when the text is
// over Telegram's limit), paced by the rate limiter.
func (a *Adapter) Sender() outbox.Sender { return sender{a} }

type sender struct{ a *Adapter }

// inlineKeyboard and inlineButton are reply_markup as sent. The library's
// InlineKeyboardButton always serialises an empty copy_text next to callback_data,
// and a button must have exactly one action; these carry only what we use.
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

// Send delivers one outbox entry. Its errors follow outbox.Sender: 429, 5xx, time-outs
// and network failures come back as outbox.Retry; anything else drops the message.
func (s sender) Send(ctx context.Context, msg channel.Outbound) error {
	a := s.a
	chatID, err := strconv.ParseInt(msg.To, 10, 64)
	if err != nil {
		return fmt.Errorf("telegram: send: chat id %q is not a number", msg.To)
	}
	participant := msg.Participant
	if participant == "" {
		participant = channel.ParticipantID(channel.Telegram, msg.To)
	}
	if !msg.System {
		reason, err := a.sup.Suppressed(ctx, participant)
		if err != nil {
			return outbox.Retry(0, fmt.Errorf("telegram: send: %w", err))
		}
		if reason != "" {
			a.log.Debug("not sent: participant suppressed", "participant", participant, "reason", reason)
			return nil
		}
	}
	parts := split(channel.Body(a.texts, msg.Reply), maxText)
	if len(parts) == 0 {
		if len(msg.Reply.Options) == 0 {
			return nil
		}
		parts = []string{emptyText}
	}
	markup := a.keyboard(msg.Reply)
	for i, text := range parts {
		params := &tgbot.SendMessageParams{ChatID: chatID, Text: text}
		if i == len(parts)-1 && markup != nil {
			params.ReplyMarkup = markup
		}
		// A retry after a failure on a later part resends the earlier ones: rare (the
		// limiter keeps us within limits) and better than a lost reply.
		if err := a.sleep(ctx, a.limit.reserve(chatID)); err != nil {
			return outbox.Retry(0, fmt.Errorf("telegram: send: %w", err))
		}
		if err := a.sendMessage(ctx, params); err != nil {
			return a.sendError(ctx, err, msg.To, participant)
		}
	}
	a.log.Debug("sent", "participant", participant, "parts", len(parts), "step", msg.Reply.Step)
	return nil
}

// keyboard is one button per option, each on its own row so long labels stay readable.
func (a *Adapter) keyboard(r flow.Reply) *inlineKeyboard {
	if len(r.Options) == 0 {
		return nil
	}
	kb := &inlineKeyboard{}
	for _, o := range r.Options {
		kb.InlineKeyboard = append(kb.InlineKeyboard, []inlineButton{{
			Text:         a.texts.Label(r.Lang, o),
			CallbackData: a.encodeCallback(r.Step, o.ID),
		}})
	}
	return kb
}

// sendError is one failed sendMessage call.
type sendError struct {
	status int // HTTP status; 0 when no response came
	err    error
}

func (e *sendError) Error() string { return e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

func (a *Adapter) sendMessage(ctx context.Context, params *tgbot.SendMessageParams) error {
	ctx, cancel := context.WithTimeout(ctx, a.sendTimeout)
	defer cancel()
	ctx, status := withStatus(ctx)
	if _, err := a.api.SendMessage(ctx, params); err != nil {
		return &sendError{status: *status, err: err}
	}
	return nil
}

// sendError sorts a failed send into retry, blocked or dropped.
func (a *Adapter) sendError(ctx context.Context, err error, chat, participant string) error {
	var se *sendError
	status := 0
	if errors.As(err, &se) {
		status = se.status
	}
	var tooMany *tgbot.TooManyRequestsError
	var migrated *tgbot.MigrateError
	switch {
	case errors.As(err, &tooMany):
		after := time.Duration(tooMany.RetryAfter) * time.Second
		a.limit.hold(after)
		a.log.Info("telegram rate limit hit; sends paused", "retry_after", after)
		return outbox.Retry(after, fmt.Errorf("telegram: send: %w", err))
	case errors.As(err, &migrated):
		// Only groups migrate; for the guides' chat an operator must change its id.
		a.log.Error("group chat became a supergroup: use its new chat id", "chat", chat, "new_chat_id", migrated.MigrateToChatID)
		return fmt.Errorf("telegram: send: %w", err)
	case errors.Is(err, tgbot.ErrorForbidden):
		// The user blocked the bot or deleted the account: nothing will reach them, so
		// stop trying (reminders included) until they write again.
		if serr := a.sup.Suppress(ctx, participant, store.Blocked); serr != nil {
			return outbox.Retry(0, fmt.Errorf("telegram: send: %w (and suppress: %v)", err, serr))
		}
		a.log.Info("participant blocked the bot; suppressed", "participant", participant)
		return fmt.Errorf("telegram: send: blocked: %w", err)
	case status == 0, status >= 500, status == http.StatusUnauthorized:
		// No answer (network, time-out), a server error, or a token rejected while an
		// operator fixes it: the worker backs off and tries again.
		return outbox.Retry(0, fmt.Errorf("telegram: send: %w", err))
	}
	// 400 and the other client errors: the message itself is wrong; resending it
	// cannot help.
	return fmt.Errorf("telegram: send: %w", err)
}
