package channel

import (
	"strconv"
	"strings"

	"github.com/guidebot/guidebot/internal/flow"
)

// Channel names, as used in outbox streams and participant ids.
const (
	Telegram = "telegram"
	SMS      = "sms"
	Terminal = "terminal"
)

var idPrefix = map[string]string{Telegram: "tg", SMS: "sms", Terminal: "term"}

// ParticipantID is the participant a channel address belongs to.
func ParticipantID(channel, address string) string {
	p, ok := idPrefix[channel]
	if !ok {
		p = channel
	}
	return p + ":" + address
}

// Inbound is one message from a participant, normalised by its channel adapter.
type Inbound struct {
	Channel string
	Address string // Telegram chat id, E.164 number, "local"
	MsgID   string // the provider's id, for dedupe; "" when the channel has none
	Input   flow.Input
	Media   *Media // kept in the transcript so a guide can see it
}

// Media is an item the bot cannot read.
type Media struct {
	Kind   string `json:"k"` // photo, voice, document, sticker, location, …
	FileID string `json:"f,omitempty"`
}

// Outbound is one outbox entry: a reply for one address.
type Outbound struct {
	To          string     `json:"to"`
	Participant string     `json:"p"`
	Reply       flow.Reply `json:"r"`
	// System marks a channel's own notice (an opt-out confirmation) that goes out even
	// to a suppressed participant.
	System bool `json:"sys,omitempty"`
}

// Renderer localises messages; the i18n catalog is one.
type Renderer interface {
	Render(lang string, m flow.Message) string
	Label(lang string, c flow.Choice) string
}

// Body renders a reply's messages, one per line.
func Body(r Renderer, reply flow.Reply) string {
	var b strings.Builder
	for i, m := range reply.Texts {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(r.Render(reply.Lang, m))
	}
	return b.String()
}

// PlainText renders a reply for text-only channels (SMS, the terminal): the messages,
// then the options as a numbered list that a reply may answer by number.
func PlainText(r Renderer, reply flow.Reply) string {
	var b strings.Builder
	b.WriteString(Body(r, reply))
	for i, c := range reply.Options {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(". ")
		b.WriteString(r.Label(reply.Lang, c))
	}
	return b.String()
}
