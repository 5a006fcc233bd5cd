package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/outbox"
)

// emptyText stands in for a reply that has options but no message: sendMessage
// needs some text to hang the keyboard on.
const emptyText = "…"

// Sender returns the outbox sender: one sendMessage per message (more when the text
// is over Telegram's limit). The outbox keeps Telegram's pace (Limits).
func (a *Adapter) Sender() outbox.Sender { return sender{a} }

// Limits are Telegram's: TELEGRAM_RATE sends a second overall, TELEGRAM_CHAT_RATE to
// one private chat, and 20 a minute to a group (negative chat ids). A zero rate lifts
// that cap; a zero chat rate lifts the group cap too (a local Bot API server).
func (a *Adapter) Limits() outbox.Limits {
	l := outbox.Limits{Rate: a.cfg.Rate}
	if a.cfg.ChatRate > 0 {
		chat := time.Duration(float64(time.Second) / a.cfg.ChatRate)
		group := max(chat, groupInterval)
		l.Pace = func(to string) time.Duration {
			if strings.HasPrefix(to, "-") {
				return group
			}
			return chat
		}
	}
	return l
}

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
// and network failures come back as outbox.Retry; a chat that blocked the bot as
// outbox.Unreachable; anything else drops the message.
func (s sender) Send(ctx context.Context, msg message.Outbound) error {
	_, err := s.send(ctx, msg, false)
	return err
}

// SendID is Send that also returns the message_id of the (last) message sent, so
// the outbox can keep it for a later edit.
func (s sender) SendID(ctx context.Context, msg message.Outbound) (string, error) {
	return s.send(ctx, msg, true)
}

// send delivers msg; a message with an EditID edits that message instead (its
// text, and its keyboard replaced or dropped). Only with wantID is the answer's
// message_id decoded: most sends do not need it.
func (s sender) send(ctx context.Context, msg message.Outbound, wantID bool) (string, error) {
	a := s.a
	chatID, err := strconv.ParseInt(msg.To, 10, 64)
	if err != nil {
		return "", fmt.Errorf("telegram: send: chat id %q is not a number", msg.To)
	}
	parts := channel.Split(channel.Body(a.texts, msg), maxText)
	if len(parts) == 0 {
		if len(msg.Reply.Options) == 0 {
			return "", nil
		}
		parts = []string{emptyText}
	}
	markup := a.keyboard(msg.Reply)
	if msg.EditID != "" {
		done, err := a.edit(ctx, chatID, msg.EditID, parts[0], markup)
		if done || err != nil {
			return msg.EditID, err
		}
		// The message to edit is gone: the text goes out as a new one.
	}
	if msg.Media != nil {
		done, err := a.sendMedia(ctx, chatID, msg.Media, parts[0], markup)
		if done || err != nil {
			return "", err
		}
		// Telegram could not take the file: the text alone goes out.
	}
	var sent struct {
		MessageID int64 `json:"message_id"`
	}
	var result any
	if wantID {
		result = &sent
	}
	for i, text := range parts {
		params := &sendMessageParams{ChatID: chatID, Text: text}
		if i == len(parts)-1 && markup != nil {
			params.ReplyMarkup = markup
		}
		// A retry after a failure on a later part resends the earlier ones: rare (only
		// texts over 4096 characters have parts) and better than a lost reply.
		if err := a.sendMessage(ctx, params, result); err != nil {
			return "", a.sendError(err, chatID)
		}
	}
	a.log.Debug("sent", "chat", msg.To, "parts", len(parts), "step", msg.Reply.Step, "req", msg.Req)
	if !wantID {
		return "", nil
	}
	return strconv.FormatInt(sent.MessageID, 10), nil
}

// edit replaces a sent message's text and keyboard. done is false when Telegram
// no longer has the message, so the caller sends it anew; an edit that would
// change nothing (a retry of one that went through) is done.
func (a *Adapter) edit(ctx context.Context, chat int64, id, text string, markup *inlineKeyboard) (done bool, err error) {
	messageID, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, a.sendTimeout)
	defer cancel()
	err = a.call(ctx, "editMessageText", &editMessageParams{ChatID: chat, MessageID: messageID, Text: text, ReplyMarkup: markup}, nil)
	var api *apiError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &api) && strings.Contains(api.Description, "message is not modified"):
		return true, nil
	case errors.As(err, &api) && api.Code == http.StatusBadRequest:
		return false, nil
	}
	return false, a.sendError(err, chat)
}

// mediaMethods are the Bot API methods that send a file by kind, and the field that
// carries its file id or URL.
var mediaMethods = map[string][2]string{
	"photo": {"sendPhoto", "photo"}, "voice": {"sendVoice", "voice"}, "video": {"sendVideo", "video"},
	"video_note": {"sendVideoNote", "video_note"}, "animation": {"sendAnimation", "animation"},
	"audio": {"sendAudio", "audio"}, "document": {"sendDocument", "document"}, "sticker": {"sendSticker", "sticker"},
}

// maxText is sendMessage's limit on text, counted in UTF-16 code units as Telegram
// counts it.
const maxText = 4096

// maxCaption is Telegram's limit on a file's caption, in characters.
const maxCaption = 1024

// sendMedia sends a file with the text as its caption. done is false when the
// kind cannot be sent, takes no caption, or Telegram refused the file (a 400): the
// caller then sends the text as a message.
func (a *Adapter) sendMedia(ctx context.Context, chat int64, m *message.Media, caption string, markup *inlineKeyboard) (done bool, err error) {
	method, ok := mediaMethods[m.Kind]
	if !ok || m.FileID == "" {
		return false, nil
	}
	if channel.UTF16Len(caption) > maxCaption {
		caption = ""
	}
	params := map[string]any{"chat_id": chat, method[1]: m.FileID}
	captioned := caption != "" && m.Kind != "sticker" && m.Kind != "video_note"
	if captioned {
		params["caption"] = caption
		if markup != nil {
			params["reply_markup"] = markup
		}
	}
	ctx, cancel := context.WithTimeout(ctx, a.sendTimeout)
	defer cancel()
	err = a.call(ctx, method[0], params, nil)
	var api *apiError
	switch {
	case err == nil:
		return captioned, nil // without a caption, the text follows as a message
	case errors.As(err, &api) && api.Code == http.StatusBadRequest:
		return false, nil
	}
	return false, a.sendError(err, chat)
}

// editMessageParams are editMessageText's parameters as sent.
type editMessageParams struct {
	ChatID      int64           `json:"chat_id"`
	MessageID   int64           `json:"message_id"`
	Text        string          `json:"text"`
	ReplyMarkup *inlineKeyboard `json:"reply_markup,omitempty"`
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

// sendMessageParams are sendMessage's parameters as sent.
type sendMessageParams struct {
	ChatID      int64           `json:"chat_id"`
	Text        string          `json:"text"`
	ReplyMarkup *inlineKeyboard `json:"reply_markup,omitempty"`
}

func (a *Adapter) sendMessage(ctx context.Context, params *sendMessageParams, result any) error {
	ctx, cancel := context.WithTimeout(ctx, a.sendTimeout)
	defer cancel()
	return a.call(ctx, "sendMessage", params, result)
}

// sendError sorts a failed send into retry, unreachable or dropped.
func (a *Adapter) sendError(err error, chat int64) error {
	var api *apiError
	if !errors.As(err, &api) {
		// No answer (network, time-out): the outbox backs off and tries again.
		return outbox.Retry(0, fmt.Errorf("telegram: send: %w", err))
	}
	switch {
	case api.Code == http.StatusTooManyRequests:
		after := time.Duration(api.RetryAfter) * time.Second
		if a.floods.everyone(chat, a.now(), after) {
			a.log.Info("telegram rate limit hit for the bot; all sends paused", "retry_after", after)
			return outbox.RetryEveryone(after, fmt.Errorf("telegram: send: %w", err))
		}
		a.log.Info("telegram rate limit hit for one chat; its sends paused", "retry_after", after)
		return outbox.Retry(after, fmt.Errorf("telegram: send: %w", err))
	case api.MigrateTo != 0:
		// Only groups migrate; for the guides' chat an operator must change its id.
		a.log.Error("group chat became a supergroup: use its new chat id", "chat", chat, "new_chat_id", api.MigrateTo)
		return fmt.Errorf("telegram: send: %w", err)
	case api.Code == http.StatusForbidden:
		// The user blocked the bot or deleted the account: nothing will reach them, so
		// the outbox stops trying (reminders included) until they write again.
		return outbox.Unreachable(message.Blocked, fmt.Errorf("telegram: send: blocked: %w", err))
	case api.Status >= http.StatusInternalServerError, api.Code >= http.StatusInternalServerError, api.Code == http.StatusUnauthorized:
		// A server error, or a token rejected while an operator fixes it: the outbox
		// backs off and tries again.
		return outbox.Retry(0, fmt.Errorf("telegram: send: %w", err))
	}
	// 400 and the other client errors: the message itself is wrong; resending it
	// cannot help.
	return fmt.Errorf("telegram: send: %w", err)
}

// floodWatch tells a 429 for one chat from one for the whole bot. Telegram does not
// say which; a chat kept to its own pace that is refused alone is the chat's limit
// (a group's 20 a minute), while refusals for several chats within one retry_after
// mean the bot as a whole is over its rate.
type floodWatch struct {
	mu    sync.Mutex
	chat  int64
	until time.Time
}

func (f *floodWatch) everyone(chat int64, now time.Time, after time.Duration) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	other := f.chat != chat && now.Before(f.until)
	f.chat, f.until = chat, now.Add(max(after, time.Second))
	return other
}
