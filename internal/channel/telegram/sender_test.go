package telegram

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/channel/telegram/telegramtest"
	"github.com/guidebot/guidebot/internal/config"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/i18n"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/outbox"
	"github.com/guidebot/guidebot/internal/pace"
)

// reply is an outbound reply to chat: the main menu in English.
func reply(chat string) message.Outbound {
	return message.Outbound{
		To: chat, Participant: message.ParticipantID(message.Telegram, chat),
		Reply: flow.Reply{
			Lang:    "en",
			Texts:   []flow.Message{{ID: "menu.intro"}},
			Options: []flow.Choice{{ID: "cards", Label: "menu.option.cards"}, {ID: "guide", Label: "menu.option.guide"}},
			Step:    flow.HomeStep,
		},
	}
}

func TestSendWireFormat(t *testing.T) {
	e := newEnv(t)
	if err := e.a.Sender().Send(e.ctx, reply("42")); err != nil {
		t.Fatal(err)
	}
	calls := e.fake.Calls("")
	if len(calls) != 1 || calls[0].Method != "sendMessage" {
		t.Fatalf("calls %v, want one sendMessage", calls)
	}
	c := calls[0]
	if c.Params["chat_id"] != "42" || c.Params["text"] != e.render("en", "menu.intro") {
		t.Fatalf("params %v", c.Params)
	}
	// The exact reply_markup: one button per row, text and callback_data only.
	want := `{"inline_keyboard":[[{"text":"Step-by-step help","callback_data":"main.menu|cards"}],[{"text":"Talk to a guide","callback_data":"main.menu|guide"}]]}`
	if c.Params["reply_markup"] != want {
		t.Fatalf("reply_markup\n got %s\nwant %s", c.Params["reply_markup"], want)
	}
	if _, ok := c.Params["parse_mode"]; ok {
		t.Fatal("parse_mode set: participants' and translators' text must go out verbatim")
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name      string
		failure   telegramtest.Failure
		retry     bool
		after     time.Duration
		suppress  bool
		callsMade int
	}{
		{"429 retry_after", telegramtest.Failure{Code: 429, Description: "Too Many Requests: retry after 3", RetryAfter: 3}, true, 3 * time.Second, false, 1},
		{"500", telegramtest.Failure{Code: 500, Description: "Internal Server Error"}, true, 0, false, 1},
		{"502", telegramtest.Failure{Code: 502}, true, 0, false, 1},
		{"400", telegramtest.Failure{Code: 400, Description: "Bad Request: chat not found"}, false, 0, false, 1},
		{"400 migrated", telegramtest.Failure{Code: 400, Description: "Bad Request: group chat was upgraded to a supergroup chat", MigrateTo: -1001234567890}, false, 0, false, 1},
		{"401", telegramtest.Failure{Code: 401, Description: "Unauthorized"}, true, 0, false, 1},
		{"403 blocked", telegramtest.Failure{Code: 403, Description: "Forbidden: bot was blocked by the user"}, false, 0, true, 1},
		{"403 deactivated", telegramtest.Failure{Code: 403, Description: "Forbidden: user is deactivated"}, false, 0, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.fake.Fail("sendMessage", 1, tt.failure)
			err := e.a.Sender().Send(e.ctx, reply("42"))
			if err == nil {
				t.Fatal("Send succeeded against a failing API")
			}
			var re *outbox.RetryError
			if got := errors.As(err, &re); got != tt.retry {
				t.Fatalf("retry %v, want %v: %v", got, tt.retry, err)
			}
			if tt.retry && re.After != tt.after {
				t.Fatalf("retry after %v, want %v", re.After, tt.after)
			}
			var ue *outbox.UnreachableError
			if errors.As(err, &ue) != tt.suppress || (tt.suppress && ue.Reason != message.Blocked) {
				t.Fatalf("error %v, want unreachable (blocked)=%v", err, tt.suppress)
			}
			if n := len(e.fake.Calls("sendMessage")); n != tt.callsMade {
				t.Fatalf("%d calls, want %d", n, tt.callsMade)
			}
		})
	}
}

// TestRetryAfterForOneChatOrEveryone: a 429 alone holds its chat; 429s for two
// chats within one retry_after mean the bot is over its rate, and hold everyone.
func TestRetryAfterForOneChatOrEveryone(t *testing.T) {
	e := newEnv(t, func(c *config.Telegram, _ *envSettings) { c.Rate, c.ChatRate = 0, 0 })
	e.fake.Fail("sendMessage", 3, telegramtest.Failure{Code: 429, RetryAfter: 7})
	s := e.a.Sender()
	steps := []struct {
		chat     string
		advance  time.Duration
		everyone bool
	}{
		{"42", 0, false},
		{"42", time.Second, false},    // the same chat again: still its own limit
		{"43", 2 * time.Second, true}, // another chat within retry_after: the bot's
	}
	for i, st := range steps {
		e.clock.Advance(st.advance)
		err := s.Send(e.ctx, reply(st.chat))
		var re *outbox.RetryError
		if !errors.As(err, &re) || re.After != 7*time.Second || re.Everyone != st.everyone {
			t.Fatalf("step %d: %v, want a retry after 7s for everyone=%v", i, err, st.everyone)
		}
	}
}

// TestRetryAfterHoldsOnlyItsChat goes through the outbox on the fake clock: the chat
// that got the 429 waits its retry_after; another chat does not.
func TestRetryAfterHoldsOnlyItsChat(t *testing.T) {
	e := newEnv(t, func(c *config.Telegram, _ *envSettings) { c.Rate, c.ChatRate = 0, 0 })
	e.fake.Fail("sendMessage", 1, telegramtest.Failure{Code: 429, RetryAfter: 7})
	start := e.clock.Now()
	var at []string
	for _, chat := range []string{"42", "43"} {
		if err := e.st.Enqueue(e.ctx, message.Telegram, reply(chat)); err != nil {
			t.Fatal(err)
		}
	}
	e.w = outbox.New(e.reader, recordingSender{e.a.Sender(), e.clock.Now, start, &at}, e.st,
		outbox.Options{Channel: message.Telegram, Limits: e.a.Limits(), Now: e.clock.Now, Sleep: e.clock.Sleep, Senders: 1})
	e.drain()
	want := []string{"42 failed at 0s", "43 sent at 0s", "42 sent at 7s"}
	if strings.Join(at, ", ") != strings.Join(want, ", ") {
		t.Fatalf("sends %v, want %v", at, want)
	}
}

// recordingSender notes when each send happened on the clock.
type recordingSender struct {
	next  outbox.Sender
	now   func() time.Time
	start time.Time
	log   *[]string
}

func (r recordingSender) Send(ctx context.Context, msg message.Outbound) error {
	at := r.now()
	err := r.next.Send(ctx, msg)
	what := "sent"
	if err != nil {
		what = "failed"
	}
	*r.log = append(*r.log, fmt.Sprintf("%s %s at %s", msg.To, what, at.Sub(r.start)))
	return err
}

func TestSendNetworkErrorRetries(t *testing.T) {
	e := newEnv(t, func(c *config.Telegram, _ *envSettings) { c.APIURL = "http://127.0.0.1:1" })
	err := e.a.Sender().Send(e.ctx, reply("42"))
	var re *outbox.RetryError
	if !errors.As(err, &re) || re.After != 0 {
		t.Fatalf("a refused connection gave %v, want outbox.Retry(0, …)", err)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Fatalf("error leaks the token: %v", err)
	}
}

func TestSendTimeoutRetries(t *testing.T) {
	e := newEnv(t)
	e.a.sendTimeout = time.Nanosecond
	err := e.a.Sender().Send(e.ctx, reply("42"))
	var re *outbox.RetryError
	if !errors.As(err, &re) {
		t.Fatalf("a time-out gave %v, want outbox.Retry", err)
	}
}

func TestBlockedParticipantGetsNothingMore(t *testing.T) {
	e := newEnv(t)
	e.fake.Block(42)
	enqueue := func(msg message.Outbound) {
		t.Helper()
		if err := e.st.Enqueue(e.ctx, message.Telegram, msg); err != nil {
			t.Fatal(err)
		}
	}
	enqueue(reply("42"))
	e.drain()
	if reason, _ := e.st.Suppressed(e.ctx, "tg:42"); reason != message.Blocked {
		t.Fatalf("after 403 suppressed = %q, want %q", reason, message.Blocked)
	}
	e.fake.Reset()
	enqueue(reply("42")) // a reminder, say
	e.drain()
	if calls := e.fake.Calls("sendMessage"); len(calls) != 0 {
		t.Fatalf("sent to a participant who blocked the bot: %v", calls)
	}
	// A channel's own notice still goes out to a suppressed participant.
	sys := reply("42")
	sys.System = true
	enqueue(sys)
	e.drain()
	if len(e.fake.Calls("sendMessage")) != 1 {
		t.Fatal("a System message was held back")
	}
}

func TestWritingAgainLiftsBlock(t *testing.T) {
	e := newEnv(t)
	id := "tg:" + fixtureChat
	if err := e.st.Suppress(e.ctx, id, message.Blocked); err != nil {
		t.Fatal(err)
	}
	e.mustPost(fixture(t, "text_message")) // only possible after unblocking the bot
	if len(e.drain()) != 1 {
		t.Fatal("the reply to a returning participant was held back")
	}
	// An SMS-style opt-out is not Telegram's to lift.
	if err := e.st.Suppress(e.ctx, id, message.OptedOut); err != nil {
		t.Fatal(err)
	}
	e.mustPost(fixtureAs(t, "text_message", 846271100, fixtureChat))
	if len(e.drain()) != 0 {
		t.Fatal("an opt-out was lifted by a Telegram message")
	}
}

// longTexts renders the message "long" as the text in its parameter, so a test can
// send a reply of any length through the real renderer for everything else.
type longTexts struct{ *i18n.Catalog }

func (l longTexts) Render(lang string, m flow.Message) string {
	if m.ID == "long" {
		return m.Params["text"]
	}
	return l.Catalog.Render(lang, m)
}

func TestSendSplitsLongText(t *testing.T) {
	e := newEnv(t, func(_ *config.Telegram, s *envSettings) {
		s.texts = func(c *i18n.Catalog) Texts { return longTexts{c} }
	})
	var b strings.Builder
	for i := 0; b.Len() < 10000; i++ {
		b.WriteString("Line " + strconv.Itoa(i) + ": Open the app. Tap the blue button and wait.\n")
	}
	text := strings.TrimSpace(b.String())[:10000]
	msg := reply("42")
	msg.Reply.Texts = []flow.Message{{ID: "long", Params: map[string]string{"text": text}}}
	if err := e.a.Sender().Send(e.ctx, msg); err != nil {
		t.Fatal(err)
	}
	sent := e.fake.Sent()
	if len(sent) != 3 {
		t.Fatalf("%d messages for 10 000 characters, want 3", len(sent))
	}
	var joined []string
	for i, c := range sent {
		if n := channel.UTF16Len(c.Params["text"]); n > maxText {
			t.Fatalf("part %d is %d units", i, n)
		}
		if i < len(sent)-1 && !strings.HasSuffix(c.Params["text"], "wait.") {
			t.Fatalf("part %d does not end at a line: …%q", i, c.Params["text"][len(c.Params["text"])-20:])
		}
		_, hasKB := c.Params["reply_markup"]
		if hasKB != (i == len(sent)-1) {
			t.Fatalf("part %d: keyboard %v; it belongs on the last part only", i, hasKB)
		}
		joined = append(joined, c.Params["text"])
	}
	if strings.Join(joined, "\n") != text {
		t.Fatal("the parts do not add up to the text")
	}
	// The parts go back to back: a reply split in three is still one reply, and the
	// chat's pace applies between replies.
}

func TestRateLimitSchedule(t *testing.T) {
	tests := []struct {
		name          string
		rate, chat    float64
		chats         func(i int) string
		min, max      time.Duration
		sends         int
		wantLimiterOn bool
	}{
		{"100 to one chat at ChatRate 1", 30, 1, func(int) string { return "42" }, 99 * time.Second, 100 * time.Second, 100, true},
		{"100 to 100 chats at Rate 30", 30, 1, func(i int) string { return strconv.Itoa(1000 + i) }, 3 * time.Second, 4 * time.Second, 100, true},
		{"10 to a group: 20 a minute", 30, 1, func(int) string { return "-1001234567890" }, 27 * time.Second, 28 * time.Second, 10, true},
		{"no caps", 0, 0, func(int) string { return "42" }, 0, 0, 100, false},
		{"only a chat cap", 0, 2, func(int) string { return "42" }, 49500 * time.Millisecond, 50 * time.Second, 100, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *config.Telegram, _ *envSettings) { c.Rate, c.ChatRate = tt.rate, tt.chat })
			start := e.clock.Now()
			for i := 0; i < tt.sends; i++ {
				if err := e.st.Enqueue(e.ctx, message.Telegram, reply(tt.chats(i))); err != nil {
					t.Fatal(err)
				}
			}
			e.drain()
			took := e.clock.Now().Sub(start)
			if took < tt.min || took > tt.max {
				t.Fatalf("%d sends took %v of fake time, want %v…%v", tt.sends, took, tt.min, tt.max)
			}
			if len(e.fake.Sent()) != tt.sends {
				t.Fatalf("%d sent, want %d", len(e.fake.Sent()), tt.sends)
			}
		})
	}
}

// TestFaultyBotAPILosesNothing: with a fifth of sendMessage calls answered 502 and one
// in twenty hanging, every reply still arrives, once, in order per chat.
func TestFaultyBotAPILosesNothing(t *testing.T) {
	e := newEnv(t, func(c *config.Telegram, _ *envSettings) { c.Rate, c.ChatRate = 0, 0 })
	// A hung call is given up after this. It must be long enough that an answered call
	// never times out on a loaded CI machine: a call the fake recorded as sent but the
	// client gave up on is the at-least-once window, and would show here as a repeat.
	e.a.sendTimeout = time.Second
	e.fake.Faults("sendMessage", 0.20, 0.05, 7)
	const chats, each = 40, 5
	for i := 0; i < each; i++ {
		for c := 0; c < chats; c++ {
			msg := message.Outbound{To: strconv.Itoa(1000 + c), Text: fmt.Sprintf("%d#%d", 1000+c, i)}
			if err := e.st.Enqueue(e.ctx, message.Telegram, msg); err != nil {
				t.Fatal(err)
			}
		}
	}
	d := outbox.New(e.reader, e.a.Sender(), e.st, outbox.Options{Channel: message.Telegram, Limits: e.a.Limits(),
		Senders: 8, MaxAttempts: 50, Backoff: pace.Backoff{Base: time.Millisecond, Max: 20 * time.Millisecond}})
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for len(e.fake.Sent()) < chats*each && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	failed := len(e.fake.Calls("sendMessage")) - len(e.fake.Sent())
	if failed == 0 {
		t.Fatal("the fake injected no faults")
	}
	next := map[string]int{}
	for _, c := range e.fake.Sent() {
		chat := c.Params["chat_id"]
		if want := fmt.Sprintf("%s#%d", chat, next[chat]); c.Params["text"] != want {
			t.Fatalf("chat %s got %q, want %q next (lost, repeated or out of order)", chat, c.Params["text"], want)
		}
		next[chat]++
	}
	if n := len(e.fake.Sent()); n != chats*each {
		t.Fatalf("delivered %d of %d", n, chats*each)
	}
	t.Logf("%d delivered once each, in order, through %d 502s and the hung calls", chats*each, failed)
}

// TestReminderButtonsNameTheirBooking: a reminder's buttons carry its booking in
// their callback data, so a press answers that booking even after a later reminder,
// and the press decodes back to the step and answer the engine takes.
func TestReminderButtonsNameTheirBooking(t *testing.T) {
	e := newEnv(t)
	const key = "library-saturday@2026-12-05T11:00"
	msg := message.Outbound{To: "42", Participant: message.ParticipantID(message.Telegram, "42"), Reply: flow.Reply{
		Lang:    "en",
		Texts:   []flow.Message{{ID: "remind.gone"}},
		Options: []flow.Choice{{ID: flow.RemindYes, Label: "remind.yes"}, {ID: flow.RemindNo, Label: "remind.no"}},
		Step:    flow.RemindStep + key,
	}}
	if err := e.a.Sender().Send(e.ctx, msg); err != nil {
		t.Fatal(err)
	}
	want := `{"inline_keyboard":[[{"text":"Yes, I am coming","callback_data":"remind:` + key + `|yes"}],[{"text":"No, cancel","callback_data":"remind:` + key + `|no"}]]}`
	if got := e.fake.Calls("sendMessage")[0].Params["reply_markup"]; got != want {
		t.Fatalf("reply_markup\n got %s\nwant %s", got, want)
	}
	if step, option := e.a.decodeCallback("remind:" + key + "|yes"); step != flow.RemindStep+key || option != flow.RemindYes {
		t.Fatalf("decoded %q %q", step, option)
	}
}

// TestSendIDAndEdit: a tracked send returns Telegram's message_id; an edit replaces
// that message's text and drops its keyboard; an edit that changes nothing (a retry)
// is done; an edit of a message Telegram no longer has goes out as a new message.
func TestSendIDAndEdit(t *testing.T) {
	e := newEnv(t)
	s := e.a.Sender().(outbox.IDSender)
	id, err := s.SendID(e.ctx, reply("42"))
	if err != nil || id == "" || id == "0" {
		t.Fatalf("SendID: %q %v", id, err)
	}
	edit := message.Outbound{To: "42", Text: "taken", EditID: id}
	for range 2 { // the second is a retry of the first
		if err := e.a.Sender().Send(e.ctx, edit); err != nil {
			t.Fatal(err)
		}
	}
	edits := e.fake.Edited()
	if len(edits) != 1 || edits[0].Params["message_id"] != id || edits[0].Params["text"] != "taken" {
		t.Fatalf("edits %+v", edits)
	}
	if _, kb := edits[0].Params["reply_markup"]; kb {
		t.Fatal("the edit kept a keyboard")
	}
	sent := len(e.fake.Sent())
	gone := message.Outbound{To: "42", Text: "taken", EditID: "999999"}
	if err := e.a.Sender().Send(e.ctx, gone); err != nil {
		t.Fatal(err)
	}
	if got := e.fake.Sent(); len(got) != sent+1 || got[sent].Params["text"] != "taken" {
		t.Fatalf("an edit of a missing message was not sent anew: %d sent", len(got))
	}
}

// TestSendMedia: a participant's photo goes to a guide as a photo with the text as
// its caption; a sticker takes no caption, so the text follows; a file Telegram
// does not know goes as the text alone.
func TestSendMedia(t *testing.T) {
	tests := []struct {
		name    string
		media   message.Media
		methods []string
	}{
		{"photo", message.Media{Kind: "photo", FileID: "AgACph"}, []string{"sendPhoto"}},
		{"sticker", message.Media{Kind: "sticker", FileID: "CAACst"}, []string{"sendSticker", "sendMessage"}},
		{"unknown file", message.Media{Kind: "document", FileID: "bad-id"}, []string{"sendDocument", "sendMessage"}},
		{"location", message.Media{Kind: "location"}, []string{"sendMessage"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			m := tt.media
			if err := e.a.Sender().Send(e.ctx, message.Outbound{To: "42", Text: "#3 sent a file", Media: &m}); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range e.fake.Calls("") {
				got = append(got, c.Method)
			}
			if strings.Join(got, " ") != strings.Join(tt.methods, " ") {
				t.Fatalf("calls %v, want %v", got, tt.methods)
			}
			first := e.fake.Calls("")[0]
			if tt.name == "photo" && (first.Params["photo"] != "AgACph" || first.Params["caption"] != "#3 sent a file") {
				t.Fatalf("sendPhoto %v", first.Params)
			}
		})
	}
}
