package telegram

import (
	"context"
	"fmt"
	"strconv"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
)

// update is one Telegram update made ready for the bot.
type update struct {
	in         message.Inbound
	callbackID string // a button press to acknowledge, "" for none
	handle     bool   // false: nothing for the bot (an update type or chat we ignore)
}

// normalise turns an update into an Inbound. Only messages and button presses in
// private chats are conversations: the guides' group, channels and edits are not.
func (a *Adapter) normalise(u *models.Update) update {
	msgID := "u" + strconv.FormatInt(u.ID, 10)
	switch {
	case u.Message != nil:
		m := u.Message
		if m.Chat.Type != models.ChatTypePrivate {
			return update{}
		}
		in := message.Inbound{Channel: message.Telegram, Address: strconv.FormatInt(m.Chat.ID, 10), MsgID: msgID}
		if m.From != nil {
			in.Input.Lang = m.From.LanguageCode
		}
		if m.Text != "" {
			in.Input.Kind, in.Input.Text = flow.Text, m.Text
			return update{in: in, handle: true}
		}
		media := mediaOf(m)
		if media == nil {
			// A service message (pinned, chat photo changed…): nothing was said.
			return update{}
		}
		in.Input.Kind, in.Media = flow.Media, media
		return update{in: in, handle: true}
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		out := update{callbackID: q.ID}
		chat := callbackChat(q)
		if chat == nil || chat.Type != models.ChatTypePrivate {
			return out
		}
		step, option := a.decodeCallback(q.Data)
		out.in = message.Inbound{Channel: message.Telegram, Address: strconv.FormatInt(chat.ID, 10), MsgID: msgID,
			Input: flow.Input{Kind: flow.Button, Step: step, Option: option, Lang: q.From.LanguageCode}}
		out.handle = true
		return out
	}
	return update{}
}

// callbackChat is the chat of the message whose button was pressed; an old message
// comes as an InaccessibleMessage, which still names its chat.
func callbackChat(q *models.CallbackQuery) *models.Chat {
	switch {
	case q.Message.Message != nil:
		return &q.Message.Message.Chat
	case q.Message.InaccessibleMessage != nil && q.Message.InaccessibleMessage.Chat.ID != 0:
		return &q.Message.InaccessibleMessage.Chat
	}
	return nil
}

// mediaOf names what a message without text carries, or nil for none.
func mediaOf(m *models.Message) *message.Media {
	switch {
	case len(m.Photo) > 0:
		// Sizes come smallest first; the largest is what a guide wants to see.
		return &message.Media{Kind: "photo", FileID: m.Photo[len(m.Photo)-1].FileID}
	case m.Voice != nil:
		return &message.Media{Kind: "voice", FileID: m.Voice.FileID}
	case m.VideoNote != nil:
		return &message.Media{Kind: "video_note", FileID: m.VideoNote.FileID}
	case m.Video != nil:
		return &message.Media{Kind: "video", FileID: m.Video.FileID}
	case m.Animation != nil: // before Document: an animation also fills document
		return &message.Media{Kind: "animation", FileID: m.Animation.FileID}
	case m.Audio != nil:
		return &message.Media{Kind: "audio", FileID: m.Audio.FileID}
	case m.Document != nil:
		return &message.Media{Kind: "document", FileID: m.Document.FileID}
	case m.Sticker != nil:
		return &message.Media{Kind: "sticker", FileID: m.Sticker.FileID}
	case m.Venue != nil: // before Location: a venue also fills location
		return &message.Media{Kind: "venue"}
	case m.Location != nil:
		return &message.Media{Kind: "location"}
	case m.Contact != nil:
		return &message.Media{Kind: "contact"}
	case m.Poll != nil:
		return &message.Media{Kind: "poll"}
	case m.Dice != nil:
		return &message.Media{Kind: "dice"}
	case m.Story != nil:
		return &message.Media{Kind: "story"}
	}
	return nil
}

// process hands one update to the bot and acknowledges a button press. The error is
// the bot's: the update was not handled and must be offered again.
func (a *Adapter) process(ctx context.Context, u *models.Update) error {
	up := a.normalise(u)
	if up.callbackID != "" {
		// Always answered, handled or not, so the client stops its spinner.
		defer a.answerCallback(ctx, up.callbackID)
	}
	if !up.handle {
		a.log.Debug("update ignored", "update_id", u.ID)
		return nil
	}
	// Whoever writes has not blocked the bot (any more): the bot's commit lifts a
	// "blocked" suppression, so the reply to this very message reaches them.
	up.in.Reachable = true
	dup, err := a.h.Handle(ctx, up.in)
	if err != nil {
		return fmt.Errorf("telegram: update %d: %w", u.ID, err)
	}
	a.log.Debug("update handled", "update_id", u.ID, "kind", up.in.Input.Kind, "duplicate", dup)
	return nil
}

func (a *Adapter) answerCallback(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(ctx, a.sendTimeout)
	defer cancel()
	if _, err := a.api.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: id}); err != nil {
		// Too old or answered before (a redelivered update): the spinner has stopped anyway.
		a.log.Debug("answerCallbackQuery failed", "err", err)
	}
}
