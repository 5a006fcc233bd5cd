package main

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// channelKind is the channel a participant writes on.
type channelKind uint8

const (
	telegramKind channelKind = iota
	smsKind
	numKinds
)

func (k channelKind) String() string {
	if k == smsKind {
		return "sms"
	}
	return "telegram"
}

// Addresses: a Telegram chat id chatBase+i and an SMS number smsPrefix followed by
// the seven digits of smsNumberBase+i, so the fakes find participant i without a map.
const (
	chatBase        int64 = 7_000_000_000
	smsPrefix             = "+4670"
	smsNumberBase         = 1_000_000
	maxParticipants       = 8_999_998 // one more (a flooder) must keep seven digits
)

// How participants answer. Telegram: press a button, type its label, or noise;
// SMS: the option's number, its label, or noise.
const (
	tgPressShare     = 0.75
	tgTypeLabelShare = 0.15
	smsNumberShare   = 0.70
	smsLabelShare    = 0.20
	longNoiseLen     = 300
	firstTelegram    = "/start"
	firstSMS         = "hello"
	menuWord         = "menu"
)

// script is what participants say: fixed for a run and shared read-only.
type script struct {
	langs []string // from.language_code of Telegram participants
	noise []string // said instead of an answer
	flood []string // the flooder's messages after the first, in turn
}

func newScript() *script {
	long := strings.Repeat("lorem ipsum ", longNoiseLen/len("lorem ipsum ")+1)[:longNoiseLen]
	return &script{
		langs: strings.Fields("sv en ar fa uk ti sw fi"),
		noise: []string{"hmm?", "🙂", "99", long, menuWord},
		flood: []string{menuWord, "hmm?", "1", "99", "🙂", "2"},
	}
}

// listItem is one "N. label" line of an SMS reply.
type listItem struct{ num, label string }

// parseList returns the numbered list that ends body: the trailing lines of the
// form "N. label", in order.
func parseList(body string) []listItem {
	lines := strings.Split(strings.TrimRight(body, " \r\n"), "\n")
	start := len(lines)
	for start > 0 {
		if _, ok := listLine(lines[start-1]); !ok {
			break
		}
		start--
	}
	if start == len(lines) {
		return nil
	}
	items := make([]listItem, 0, len(lines)-start)
	for _, l := range lines[start:] {
		it, _ := listLine(l)
		items = append(items, it)
	}
	return items
}

// listLine parses "N. label"; digits, a dot, a space and a non-empty label.
func listLine(line string) (listItem, bool) {
	line = strings.TrimRight(line, " \r")
	i := 0
	for i < len(line) && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	if i == 0 || !strings.HasPrefix(line[i:], ". ") {
		return listItem{}, false
	}
	label := strings.TrimSpace(line[i+2:])
	if label == "" {
		return listItem{}, false
	}
	return listItem{num: line[:i], label: label}, true
}

// reply is a message the bot sent a participant, as the fake provider received it.
type reply struct {
	text      string
	keyboard  *inlineKeyboard // Telegram
	items     []listItem      // SMS
	messageID int64
	date      int64
	sum       uint64 // of the text and markup: an identical second copy is a duplicate
}

// replySum is the fingerprint of a reply's text and markup.
func replySum(text, markup string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(text))
	h.Write([]byte{0})
	h.Write([]byte(markup))
	return h.Sum64()
}

// move is what a participant says next: text, or a press of a button.
type move struct {
	text  string
	press *inlineButton
}

// participant is one simulated person. Its mutex guards everything below it: the
// conversation and the update in flight, which the fakes and a driver share.
type participant struct {
	idx     int
	kind    channelKind
	chat    int64
	number  string
	lang    string
	name    string
	flooder bool
	// pool is where the participant waits while it has nothing in flight; nil for
	// the flooder, which has no turns.
	pool chan *participant

	mu        sync.Mutex
	rng       *rand.Rand
	started   bool
	last      reply
	nextMsgID int64
	floodTurn int

	// The update in flight (or the last one): waiting until its reply came,
	// timedOut when it gave up waiting, so a late reply can be told apart.
	waiting  bool
	timedOut bool
	measured bool
	start    time.Time
	done     chan struct{} // signalled, capacity one, when the reply comes

	// posts are the flooder's updates awaiting replies, oldest first.
	posts []floodPost
}

// floodPost is one flooder update in flight.
type floodPost struct {
	id    int64
	start time.Time
}

func newParticipant(idx int, kind channelKind, sc *script, seed uint64) *participant {
	rng := rand.New(rand.NewPCG(seed, uint64(idx)))
	p := &participant{
		idx:  idx,
		kind: kind,
		name: "P" + strconv.Itoa(idx),
		rng:  rng,
		done: make(chan struct{}, 1),
	}
	switch kind {
	case telegramKind:
		p.chat = chatBase + int64(idx)
		p.lang = sc.langs[rng.IntN(len(sc.langs))]
	case smsKind:
		p.number = smsPrefix + strconv.Itoa(smsNumberBase+idx)
	}
	return p
}

// smsIndex is the participant index of an SMS number, or -1.
func smsIndex(number string) int {
	digits, ok := strings.CutPrefix(number, smsPrefix)
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < smsNumberBase {
		return -1
	}
	return n - smsNumberBase
}

// next picks what to say to the last reply. Call with p.mu held.
func (p *participant) next(sc *script) move {
	if !p.started {
		p.started = true
		if p.kind == smsKind {
			return move{text: firstSMS}
		}
		return move{text: firstTelegram}
	}
	if p.flooder {
		p.floodTurn++
		return move{text: sc.flood[p.floodTurn%len(sc.flood)]}
	}
	x := p.rng.Float64()
	switch p.kind {
	case telegramKind:
		if kb := p.last.keyboard; kb != nil {
			if b := p.pickButton(kb); b != nil {
				switch {
				case x < tgPressShare:
					return move{press: b}
				case x < tgPressShare+tgTypeLabelShare:
					return move{text: b.Text}
				}
				return move{text: p.noise(sc)}
			}
		}
	case smsKind:
		if items := p.last.items; len(items) > 0 {
			it := items[p.rng.IntN(len(items))]
			switch {
			case x < smsNumberShare:
				return move{text: it.num}
			case x < smsNumberShare+smsLabelShare:
				return move{text: it.label}
			}
			return move{text: p.noise(sc)}
		}
	}
	if p.rng.IntN(2) == 0 {
		return move{text: menuWord}
	}
	return move{text: p.noise(sc)}
}

func (p *participant) pickButton(kb *inlineKeyboard) *inlineButton {
	n := 0
	for _, row := range kb.InlineKeyboard {
		n += len(row)
	}
	if n == 0 {
		return nil
	}
	k := p.rng.IntN(n)
	for _, row := range kb.InlineKeyboard {
		if k < len(row) {
			return &row[k]
		}
		k -= len(row)
	}
	return nil
}

func (p *participant) noise(sc *script) string { return sc.noise[p.rng.IntN(len(sc.noise))] }

// telegramUpdate encodes m as the Update Telegram would post. Call with p.mu held.
func (p *participant) telegramUpdate(updateID int64, m move, now time.Time) ([]byte, error) {
	user := &tgUser{ID: p.chat, FirstName: p.name, LanguageCode: p.lang}
	chat := tgChat{ID: p.chat, Type: "private", FirstName: p.name}
	u := tgUpdate{UpdateID: updateID}
	if m.press != nil {
		u.CallbackQuery = &tgCallbackQuery{
			ID:           strconv.FormatInt(updateID, 10),
			From:         *user,
			ChatInstance: strconv.FormatInt(-p.chat, 10),
			Data:         m.press.CallbackData,
			Message: &tgMessage{
				MessageID:   p.last.messageID,
				Chat:        chat,
				Date:        p.last.date,
				Text:        p.last.text,
				ReplyMarkup: p.last.keyboard,
			},
		}
	} else {
		p.nextMsgID++
		msg := &tgMessage{MessageID: p.nextMsgID, From: user, Chat: chat, Date: now.Unix(), Text: m.text}
		if strings.HasPrefix(m.text, "/") {
			cmd, _, _ := strings.Cut(m.text, " ")
			msg.Entities = []tgEntity{{Type: "bot_command", Offset: 0, Length: len(cmd)}}
		}
		u.Message = msg
	}
	b, err := json.Marshal(u)
	if err != nil {
		return nil, fmt.Errorf("encode update: %w", err)
	}
	return b, nil
}

// smsForm is the form Twilio posts for an incoming SMS m, to the number to.
func (p *participant) smsForm(m move, sid, accountSID, to string) url.Values {
	return url.Values{
		"ToCountry":     {"SE"},
		"ToState":       {""},
		"SmsMessageSid": {sid},
		"NumMedia":      {"0"},
		"ToCity":        {""},
		"FromZip":       {""},
		"SmsSid":        {sid},
		"FromState":     {""},
		"SmsStatus":     {"received"},
		"FromCity":      {""},
		"Body":          {m.text},
		"FromCountry":   {"SE"},
		"To":            {to},
		"ToZip":         {""},
		"NumSegments":   {"1"},
		"MessageSid":    {sid},
		"AccountSid":    {accountSID},
		"From":          {p.number},
		"ApiVersion":    {"2010-04-01"},
	}
}
