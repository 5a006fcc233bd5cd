package sms_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/guidebot/guidebot/internal/channel/sms"
	"github.com/guidebot/guidebot/internal/channel/sms/smstest"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
)

const twiml = `<?xml version="1.0" encoding="UTF-8"?><Response/>`

func TestInboundSignature(t *testing.T) {
	const from = "+46701230001"
	const msgSid = "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	form := inbound(from, msgSid, "hello")
	signed := publicURL + sms.InboundPath
	// sign returns the signature to send for a post to target.
	type sign func(target string) string
	with := func(token, over string, f url.Values) sign {
		return func(string) string { return smstest.Sign(token, over, f) }
	}
	cases := []struct {
		name  string
		query string
		sign  sign
		want  int
	}{
		{"unsigned", "", func(string) string { return "" }, http.StatusForbidden},
		{"garbage signature", "", func(string) string { return "not-a-signature" }, http.StatusForbidden},
		{"signed with another token", "", with("ffffffffffffffffffffffffffffffff", signed, form), http.StatusForbidden},
		{"signed over the replica's own URL", "", func(target string) string { return smstest.Sign(authToken, target, form) }, http.StatusForbidden},
		{"signed for another body", "", with(authToken, signed, inbound(from, msgSid, "menu")), http.StatusForbidden},
		{"query string left out", "?x=1", with(authToken, signed, form), http.StatusForbidden},
		{"signed with the query string", "?x=1", with(authToken, signed+"?x=1", form), http.StatusOK},
		{"good signature", "", with(authToken, signed, form), http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			target := e.web.URL + sms.InboundPath + c.query
			before := e.keys()
			req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if sig := c.sign(target); sig != "" {
				req.Header.Set("X-Twilio-Signature", sig)
			}
			res := e.do(req)
			if res.StatusCode != c.want {
				t.Fatalf("status %d, want %d", res.StatusCode, c.want)
			}
			if c.want != http.StatusOK {
				if after := e.keys(); !slices.Equal(before, after) {
					t.Fatalf("a refused request stored something: %v → %v", before, after)
				}
				return
			}
			body, _ := io.ReadAll(res.Body)
			if string(body) != twiml || res.Header.Get("Content-Type") != "text/xml" {
				t.Fatalf("answer %q (%s), want the empty TwiML as text/xml", body, res.Header.Get("Content-Type"))
			}
			if e.outboxLen() != 1 {
				t.Fatalf("outbox has %d entries, want the welcome", e.outboxLen())
			}
		})
	}
}

func TestInboundLimits(t *testing.T) {
	e := newEnv(t)
	big := url.Values{"Body": {strings.Repeat("a", 1<<20)}, "From": {"+46701230002"}, "MessageSid": {sid()}}
	cases := []struct {
		name    string
		method  string
		body    io.Reader
		ctype   string
		chunked bool
		want    int
	}{
		{"oversize with length", http.MethodPost, strings.NewReader(big.Encode()), "application/x-www-form-urlencoded", false, http.StatusRequestEntityTooLarge},
		{"oversize chunked", http.MethodPost, strings.NewReader(big.Encode()), "application/x-www-form-urlencoded", true, http.StatusRequestEntityTooLarge},
		{"bad escape", http.MethodPost, strings.NewReader("Body=%zz&From=%2B46701230002"), "application/x-www-form-urlencoded", false, http.StatusBadRequest},
		{"bad content type", http.MethodPost, strings.NewReader("Body=hi"), "application/x-www-form-urlencoded; charset=\"", false, http.StatusBadRequest},
		{"GET", http.MethodGet, nil, "", false, http.StatusMethodNotAllowed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.keys()
			body := c.body
			if c.chunked {
				body = io.MultiReader(body) // hides the length, so the server sees chunks
			}
			req, _ := http.NewRequest(c.method, e.web.URL+sms.InboundPath, body)
			if c.ctype != "" {
				req.Header.Set("Content-Type", c.ctype)
			}
			req.Header.Set("X-Twilio-Signature", "irrelevant")
			if res := e.do(req); res.StatusCode != c.want {
				t.Fatalf("status %d, want %d", res.StatusCode, c.want)
			}
			if after := e.keys(); !slices.Equal(before, after) {
				t.Fatalf("stored something: %v → %v", before, after)
			}
		})
	}
}

func TestInboundDuplicateMessageSid(t *testing.T) {
	cases := []struct{ name, body string }{
		{"to the flow", "hello"},
		{"a keyword", "HELP"},
		{"an opt-out", "STOP"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			const from = "+46701230003"
			id := sid()
			e.sayAs(from, id, c.body)
			e.sayAs(from, id, c.body) // Twilio retried
			e.drain()
			if got := e.sent(from); len(got) != 1 {
				t.Fatalf("sent %d messages, want 1: %q", len(got), got)
			}
		})
	}
}

func TestConversation(t *testing.T) {
	e := newEnv(t)
	const sv, en = "+46701230004", "+46701230005"
	steps := []struct {
		from, say string
		want      []string // substrings of the one reply
	}{
		// A first message that says nothing of a language: the list, every language
		// named in its own script, in one SMS.
		{sv, "1", []string{e.render("sv", "welcome.hello"), e.render("sv", "language.choose"), "\n1. Svenska\n2. English\n3. العربية", "\n8. Suomi"}},
		{sv, "1", []string{"Okej, jag skriver på svenska.", e.render("sv", "menu.intro"), "\n1. ", "\n2. " + e.render("sv", "menu.option.cards")}},
		// The label in another case, without its diacritics, with punctuation.
		{sv, "  hjalp STEG for steg!! ", []string{e.render("sv", "cards.list"), "\n1. " + e.render("sv", "topic.bills")}},
		// A greeting in English: greeted in English, told how to change, the menu.
		{en, "Hi", []string{e.render("en", "welcome.hello"), e.render("en", "language.detected"), e.render("en", "menu.intro")}},
		{en, "STEP-BY-STEP help?", []string{e.render("en", "cards.list")}},
	}
	for _, s := range steps {
		got := e.exchange(s.from, s.say)
		if len(got) != 1 {
			t.Fatalf("%q: sent %d messages, want one: %q", s.say, len(got), got)
		}
		for _, w := range s.want {
			if !strings.Contains(got[0], w) {
				t.Fatalf("%q: reply\n%s\nlacks %q", s.say, got[0], w)
			}
		}
	}
}

func TestOptOut(t *testing.T) {
	cases := []struct {
		first, word, lang string
	}{
		// Twilio's standard words: the participant's own language.
		{"hej", "STOP", "sv"},
		{"hello", "Stop.", "en"},
		{"مرحبا", "STOP", "ar"},
		{"Українська", "STOPALL", "uk"},
		// A language's own word: the participant's language when it lists the word
		// (Persian and Arabic both say توقف), else the word's language.
		{"فارسی", "توقف", "fa"},
		{"العربية", "توقف", "ar"},
		{"hej", "LOPETA", "fi"},
		{"hei", "Lopetä", "fi"},
		{"hej", "sluta!", "sv"},
		{"hello", "STOPP", "en"}, // Swedish and English list it: the participant's
		{"1", "STOPP", "sv"},     // no language chosen yet: the default language wins
	}
	for _, c := range cases {
		t.Run(c.first+" "+c.word, func(t *testing.T) {
			e := newEnv(t)
			const from = "+46701230006"
			id := message.ParticipantID(message.SMS, from)
			e.exchange(from, c.first)
			got := e.exchange(from, c.word)
			if want := e.render(c.lang, "sms.stopped"); len(got) != 1 || got[0] != want {
				t.Fatalf("confirmation %q, want [%q]", got, want)
			}
			if r, _ := e.st.Suppressed(e.ctx, id); r != message.OptedOut {
				t.Fatalf("suppressed %q, want %q", r, message.OptedOut)
			}
			// Nothing more: answers are not handled, a reminder is not sent, a second
			// STOP is not confirmed again.
			before := e.outboxLen()
			for _, s := range []string{"menu", "1", "hello", c.word} {
				if got := e.exchange(from, s); len(got) != 0 {
					t.Fatalf("after opt-out %q got %q", s, got)
				}
			}
			if e.outboxLen() != before {
				t.Fatalf("replies queued up while opted out")
			}
			reminder := message.Outbound{To: from, Participant: id, Reply: flow.Reply{Lang: "sv", Texts: []flow.Message{{ID: "menu.intro"}}}}
			if err := e.st.Enqueue(e.ctx, message.SMS, reminder); err != nil {
				t.Fatal(err)
			}
			e.drain()
			if got := e.sent(from); len(got) != 2 {
				t.Fatalf("sent to an opted-out number: %q", got[2:])
			}
			// START resumes, confirmed in the participant's language.
			own, _ := e.st.Language(e.ctx, id)
			if got := e.exchange(from, "start"); len(got) != 1 || got[0] != e.render(own, "sms.started") {
				t.Fatalf("START answered %q, want it in %s", got, own)
			}
			if r, _ := e.st.Suppressed(e.ctx, id); r != "" {
				t.Fatalf("still suppressed after START: %q", r)
			}
			if got := e.exchange(from, "menu"); len(got) != 1 || !strings.Contains(got[0], e.render(own, "menu.intro")) {
				t.Fatalf("after START the flow answered %q", got)
			}
		})
	}
}

func TestOptInWords(t *testing.T) {
	e := newEnv(t)
	const from = "+46701230007"
	id := message.ParticipantID(message.SMS, from)
	e.exchange(from, "hej")
	// Not opted out: YES is an answer for the flow (here: not one of the languages).
	got := e.exchange(from, "YES")
	if len(got) != 1 || got[0] == e.render("sv", "sms.started") {
		t.Fatalf("YES while subscribed answered %q; want the flow's answer", got)
	}
	for _, word := range []string{"yes", "UNSTOP", "Start"} {
		e.exchange(from, "STOP")
		got := e.exchange(from, word)
		if len(got) != 1 || got[0] != e.render("sv", "sms.started") {
			t.Fatalf("%s while opted out answered %q", word, got)
		}
		if r, _ := e.st.Suppressed(e.ctx, id); r != "" {
			t.Fatalf("%s: still suppressed: %q", word, r)
		}
	}
}

func TestHelp(t *testing.T) {
	e := newEnv(t)
	const from = "+46701230008"
	// A number the bot does not know yet: the default language.
	for _, word := range []string{"HELP", "info", "Help!"} {
		got := e.exchange(from, word)
		if want := e.render("sv", "sms.help"); len(got) != 1 || got[0] != want {
			t.Fatalf("%s answered %q, want %q", word, got, want)
		}
	}
	// A participant who reads Arabic: in Arabic.
	const arabic = "+46701230009"
	e.exchange(arabic, "مرحبا")
	if got := e.exchange(arabic, "HELP"); len(got) != 1 || got[0] != e.render("ar", "sms.help") {
		t.Fatalf("HELP from an Arabic reader answered %q", got)
	}
	// HELP never reached the flow: the first real message is still a first contact.
	if got := e.exchange(from, "hej"); len(got) != 1 || !strings.HasPrefix(got[0], e.render("sv", "welcome.hello")) {
		t.Fatalf("first flow reply %q, want the welcome", got)
	}
	// Answered while opted out too.
	e.exchange(from, "STOP")
	if got := e.exchange(from, "HELP"); len(got) != 1 || got[0] != e.render("sv", "sms.help") {
		t.Fatalf("HELP while opted out answered %q", got)
	}
}

func TestInboundHandleError(t *testing.T) {
	e := newEnv(t, withHandler(failingHandler{}))
	res := e.post(sms.InboundPath, inbound("+46701230009", sid(), "hello"))
	if res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500 so that Twilio retries", res.StatusCode)
	}
}

type failingHandler struct{}

func (failingHandler) Handle(context.Context, message.Inbound) (bool, error) {
	return false, io.ErrUnexpectedEOF
}

// recorder is a Handler that keeps what it was handed.
type recorder struct {
	mu sync.Mutex
	in []message.Inbound
}

func (r *recorder) Handle(_ context.Context, in message.Inbound) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.in = append(r.in, in)
	return false, nil
}

func TestInboundFixtures(t *testing.T) {
	cases := []struct {
		file  string
		want  message.Inbound
		media *message.Media
	}{
		{"inbound_sms.form", message.Inbound{Address: "+46701234567", MsgID: "SM1f0e2d3c4b5a69788796a5b4c3d2e1f0",
			Input: flow.Input{Kind: flow.Text, Text: "Hej! Jag behöver hjälp med BankID."}}, nil},
		{"inbound_emoji.form", message.Inbound{Address: "+46709876543", MsgID: "SM2a3b4c5d6e7f80918273645546372819",
			Input: flow.Input{Kind: flow.Text, Text: "Tack 👍😊"}}, nil},
		{"inbound_arabic.form", message.Inbound{Address: "+46761112233", MsgID: "SM3c4d5e6f708192a3b4c5d6e7f8091a2b",
			Input: flow.Input{Kind: flow.Text, Text: "مرحبا، أحتاج مساعدة"}}, nil},
		{"inbound_mms.form", message.Inbound{Address: "+358401234567", MsgID: "MM4d5e6f708192a3b4c5d6e7f8091a2b3c",
			Input: flow.Input{Kind: flow.Media}},
			&message.Media{Kind: "photo", FileID: "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/MM4d5e6f708192a3b4c5d6e7f8091a2b3c/Media/ME5e6f708192a3b4c5d6e7f8091a2b3c4d"}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			rec := &recorder{}
			e := newEnv(t, withHandler(rec))
			raw, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			form, err := url.ParseQuery(string(raw))
			if err != nil {
				t.Fatal(err)
			}
			res := e.do(smstest.SignedBody(e.web.URL+sms.InboundPath, publicURL+sms.InboundPath, authToken, string(raw), form))
			if body, _ := io.ReadAll(res.Body); res.StatusCode != http.StatusOK || string(body) != twiml {
				t.Fatalf("answer %d %q", res.StatusCode, body)
			}
			if len(rec.in) != 1 {
				t.Fatalf("handled %d messages", len(rec.in))
			}
			got, want := rec.in[0], c.want
			want.Channel = message.SMS
			if got.Channel != want.Channel || got.Address != want.Address || got.MsgID != want.MsgID ||
				got.Input != want.Input {
				t.Fatalf("inbound\n%+v\nwant\n%+v", got, want)
			}
			if (got.Media == nil) != (c.media == nil) || got.Media != nil && *got.Media != *c.media {
				t.Fatalf("media %+v, want %+v", got.Media, c.media)
			}
		})
	}
}

func TestLogsMaskNumbers(t *testing.T) {
	e := newEnv(t)
	const from = "+46701234567"
	e.exchange(from, "Mitt hemliga meddelande")
	e.exchange(from, "STOP")
	e.exchange(from, "START")
	logs := e.logs.String()
	if strings.Contains(logs, from) || strings.Contains(logs, "hemliga") {
		t.Fatalf("logs show a number or message text:\n%s", logs)
	}
	if !strings.Contains(logs, "+4670*****67") {
		t.Fatalf("logs lack the masked number:\n%s", logs)
	}
}
