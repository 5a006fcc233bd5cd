package message

import (
	"strings"

	"github.com/guidebot/guidebot/internal/flow"
)

// Channel names, as used in outbox streams and participant ids.
const (
	Telegram = "telegram"
	SMS      = "sms"
	Terminal = "terminal"
)

// Suppression reasons: the participant opted out by SMS keyword, or blocked the bot.
// A suppressed participant is sent nothing but a channel's own notices.
const (
	OptedOut = "opted-out"
	Blocked  = "blocked"
)

// ParticipantID is the participant a channel address belongs to.
func ParticipantID(channel, address string) string {
	switch channel {
	case Telegram:
		return "tg:" + address
	case SMS:
		return "sms:" + address
	case Terminal:
		return "term:" + address
	}
	return channel + ":" + address
}

// Address is the channel and address of a participant id (ParticipantID's
// inverse); ok is false for an id of no known channel.
func Address(id string) (channel, address string, ok bool) {
	prefix, address, found := strings.Cut(id, ":")
	switch prefix {
	case "tg":
		return Telegram, address, found
	case "sms":
		return SMS, address, found
	case "term":
		return Terminal, address, found
	}
	return "", "", false
}

// Inbound is one message from a participant, normalised by its channel adapter.
type Inbound struct {
	Channel string
	Address string // Telegram chat id, E.164 number, "local"
	MsgID   string // the provider's id, for dedupe; "" when the channel has none
	Input   flow.Input
	Media   *Media // kept in the transcript so a guide can see it
	// Name is the sender's first name where the channel gives one (Telegram): what
	// a guide is called when they register. The bot keeps no participant's name.
	Name string
	// Sender is who acted in a group chat (a Telegram user id, which is also their
	// private chat's id), "" in a one-to-one chat: a group is never a participant.
	Sender string
	// Reachable says the participant can be reached again: a Telegram user who writes
	// has unblocked the bot, so a "blocked" suppression is lifted in the same commit.
	Reachable bool
	// OnlyIfNotSuppressed drops the message unhandled when the participant is
	// suppressed: an SMS from an opted-out number must not queue replies that would
	// go out the moment they write START.
	OnlyIfNotSuppressed bool
}

// Media is an item the bot cannot read.
type Media struct {
	Kind   string `json:"k"` // photo, voice, document, sticker, location, …
	FileID string `json:"f,omitempty"`
}

// Outbound is one outbox entry: a message for one address. It is a flow reply
// (message ids the channel renders in the reply's language), literal text (a
// guide's words relayed), or both: the text comes first, then the reply's messages
// and its options.
type Outbound struct {
	To          string     `json:"to"`
	Participant string     `json:"p"`
	Text        string     `json:"x,omitempty"`
	Reply       flow.Reply `json:"r"`
	// System marks a channel's own notice (an opt-out confirmation) that goes out even
	// to a suppressed participant.
	System bool `json:"sys,omitempty"`
	// CheckedAt is when the producer found the participant not suppressed, in Unix
	// milliseconds (0: it did not look). The outbox looks again only when that is
	// no longer fresh, which saves a lookup per reply the bot just committed.
	CheckedAt int64 `json:"ck,omitempty"`
	// Track keeps the provider's id of the message under this key (an announcement
	// that is edited later), where the channel has ids and edits (Telegram).
	Track string `json:"tr,omitempty"`
	// Edit replaces the text of the message tracked under this key in the same chat
	// instead of sending a new one; where there is none, it is sent as new.
	Edit string `json:"ed,omitempty"`
	// EditID is the provider's id of the message to edit: the outbox fills it in
	// from Edit just before the send.
	EditID string `json:"-"`
	// Media is a participant's photo or file passed to a guide, where the channel
	// can carry it (Telegram, by its file id or a URL); the text is its caption.
	Media *Media `json:"md,omitempty"`
	// Req is the request id of the inbound message this answers (the provider's
	// message id), so the logs of its handling, its outbox entry and the provider
	// call can be followed as one.
	Req string `json:"rq,omitempty"`
	// Figure names the programme's figure its delivery counts in ("reminder":
	// reminder_delivered or reminder_failed), "" for none.
	Figure string `json:"fg,omitempty"`
}

// Empty reports an outbound message with nothing to show.
func (o Outbound) Empty() bool { return o.Text == "" && o.Reply.Empty() }

// LangLabel is the lang label of metrics for a message or participant in lang:
// "none" for no language yet (a first message, a guide's own words).
func LangLabel(lang string) string {
	if lang == "" {
		return "none"
	}
	return lang
}
