package telegram

import (
	"context"
	"fmt"
	"strconv"

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
func (a *Adapter) normalise(u *wireUpdate) update {
	msgID := "u" + strconv.FormatInt(u.ID, 10)
	switch {
	case u.Message != nil:
		m := u.Message
		if m.Chat.Type != chatPrivate {
			return update{}
		}
		in := message.Inbound{Channel: message.Telegram, Address: strconv.FormatInt(m.Chat.ID, 10), MsgID: msgID}
		if m.From != nil {
			in.Input.Lang = m.From.LanguageCode
			in.Name = m.From.FirstName
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
		// An old message comes as an InaccessibleMessage, which still names its chat.
		if q.Message == nil || q.Message.Chat.ID == 0 {
			return out
		}
		step, option := a.decodeCallback(q.Data)
		out.in = message.Inbound{Channel: message.Telegram, Address: strconv.FormatInt(q.Message.Chat.ID, 10), MsgID: msgID,
			Input: flow.Input{Kind: flow.Button, Step: step, Option: option, Lang: q.From.LanguageCode}, Name: q.From.FirstName}
		if q.Message.Chat.Type != chatPrivate {
			// A button pressed in a group (the guides' chat): who pressed it matters.
			if q.From.ID == 0 {
				return out
			}
			out.in.Sender = strconv.FormatInt(q.From.ID, 10)
		}
		out.handle = true
		return out
	}
	return update{}
}

// chatPrivate is a one-to-one chat's type: the only chats that are conversations.
const chatPrivate = "private"

// mediaOf names what a message without text carries, or nil for none.
func mediaOf(m *wireMessage) *message.Media {
	file := func(kind string, f *wireFile) *message.Media { return &message.Media{Kind: kind, FileID: f.FileID} }
	switch {
	case len(m.Photo) > 0:
		// Sizes come smallest first; the largest is what a guide wants to see.
		return file("photo", &m.Photo[len(m.Photo)-1])
	case m.Voice != nil:
		return file("voice", m.Voice)
	case m.VideoNote != nil:
		return file("video_note", m.VideoNote)
	case m.Video != nil:
		return file("video", m.Video)
	case m.Animation != nil: // before Document: an animation also fills document
		return file("animation", m.Animation)
	case m.Audio != nil:
		return file("audio", m.Audio)
	case m.Document != nil:
		return file("document", m.Document)
	case m.Sticker != nil:
		return file("sticker", m.Sticker)
	case present(m.Venue): // before Location: a venue also fills location
		return &message.Media{Kind: "venue"}
	case present(m.Location):
		return &message.Media{Kind: "location"}
	case present(m.Contact):
		return &message.Media{Kind: "contact"}
	case present(m.Poll):
		return &message.Media{Kind: "poll"}
	case present(m.Dice):
		return &message.Media{Kind: "dice"}
	case present(m.Story):
		return &message.Media{Kind: "story"}
	}
	return nil
}

// process hands one update to the bot; answer acknowledges a button press. The error
// is the bot's: the update was not handled and must be offered again.
func (a *Adapter) process(ctx context.Context, u *wireUpdate, answer func(ctx context.Context, callbackID string)) error {
	up := a.normalise(u)
	if up.callbackID != "" {
		// Always answered, handled or not, so the client stops its spinner.
		defer answer(ctx, up.callbackID)
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
	a.log.Debug("update handled", "req", up.in.MsgID, "kind", up.in.Input.Kind, "duplicate", dup)
	return nil
}

func (a *Adapter) answerCallback(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(ctx, a.sendTimeout)
	defer cancel()
	if err := a.call(ctx, "answerCallbackQuery", answerCallbackParams{CallbackQueryID: id}, nil); err != nil {
		// Too old or answered before (a redelivered update): the spinner has stopped anyway.
		a.log.Debug("answerCallbackQuery failed", "err", err)
	}
}

type answerCallbackParams struct {
	// Method is set only when the answer rides on a webhook response.
	Method          string `json:"method,omitempty"`
	CallbackQueryID string `json:"callback_query_id"`
}
