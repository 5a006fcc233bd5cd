package sms_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/booking"
	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/channel/sms"
	"github.com/guidebot/guidebot/internal/config"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/handoff"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/outbox"
	"github.com/guidebot/guidebot/internal/schedule"
	"github.com/guidebot/guidebot/internal/store"
	"github.com/guidebot/guidebot/schedules"
)

func outbound(to string, ids ...string) message.Outbound {
	r := flow.Reply{Lang: "sv"}
	for _, id := range ids {
		r.Texts = append(r.Texts, flow.Message{ID: id})
	}
	return message.Outbound{To: to, Participant: message.ParticipantID(message.SMS, to), Reply: r}
}

func TestSenderWireFormat(t *testing.T) {
	cases := []struct {
		name    string
		opts    []envOption
		from    string
		service string
	}{
		{"from a number", nil, botNumber, ""},
		{"from a messaging service", []envOption{withMessagingService("MG00000000000000000000000000000001")}, "", "MG00000000000000000000000000000001"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.opts...)
			const to = "+46701230101"
			msg := outbound(to, "menu.intro")
			msg.Reply.Options = []flow.Choice{{ID: "a", Label: "common.yes"}, {ID: "b", Label: "common.no"}}
			if err := e.a.Sender().Send(e.ctx, msg); err != nil {
				t.Fatal(err)
			}
			reqs := e.fake.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			r := reqs[0]
			want := map[string]string{
				"To": to, "From": c.from, "MessagingServiceSid": c.service,
				"Body":           e.render("sv", "menu.intro") + "\n1. Ja\n2. Nej",
				"StatusCallback": publicURL + "/sms/status",
			}
			for k, v := range want {
				if got := r.Form.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if r.Method != http.MethodPost || r.Path != "/2010-04-01/Accounts/"+accountSID+"/Messages.json" ||
				r.User != accountSID || r.Password != authToken || r.Status != http.StatusCreated {
				t.Errorf("request %s %s as %s:%s answered %d", r.Method, r.Path, r.User, r.Password, r.Status)
			}
			if got := e.segments(sms.GSM7); got != 1 {
				t.Errorf("GSM-7 segments counted %v, want 1", got)
			}
		})
	}
}

func TestSenderSegmentsCounted(t *testing.T) {
	e := newEnv(t)
	e.exchange("+46701230102", "1") // the language list names the languages in their own scripts
	body := e.sent("+46701230102")[0]
	enc, parts := sms.Segments(body)
	if enc != sms.UCS2 || e.segments(sms.UCS2) != float64(parts) || e.segments(sms.GSM7) != 0 {
		t.Fatalf("welcome is %s/%d; counted UCS-2 %v, GSM-7 %v", enc, parts, e.segments(sms.UCS2), e.segments(sms.GSM7))
	}
}

func TestSenderErrors(t *testing.T) {
	cases := []struct {
		name         string
		status, code int
		retry        bool
		everyone     bool
		unreachable  bool
	}{
		{"internal error", 500, 20500, true, false, false},
		{"unavailable", 503, 20503, true, false, false},
		{"too many requests", 429, 20429, true, true, false},
		{"unsubscribed recipient", 400, 21610, false, false, true},
		{"invalid number", 400, 21211, false, false, false},
		{"blocked by carrier", 400, 21612, false, false, false},
		{"not authorised", 401, 20003, false, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			const to = "+46701230103"
			e.fake.FailNext(1, c.status, c.code)
			err := e.a.Sender().Send(e.ctx, outbound(to, "menu.intro"))
			var re *outbox.RetryError
			if err == nil || errors.As(err, &re) != c.retry {
				t.Fatalf("error %v; want retry=%v", err, c.retry)
			}
			if c.retry && re.Everyone != c.everyone {
				t.Fatalf("retry for everyone %v, want %v", re.Everyone, c.everyone)
			}
			var ue *outbox.UnreachableError
			if errors.As(err, &ue) != c.unreachable || (c.unreachable && ue.Reason != message.OptedOut) {
				t.Fatalf("error %v; want unreachable=%v (opted out)", err, c.unreachable)
			}
			// The sender writes nothing itself: the outbox records a suppression.
			if r, _ := e.st.Suppressed(e.ctx, message.ParticipantID(message.SMS, to)); r != "" {
				t.Fatalf("the sender suppressed %q behind the outbox's back", r)
			}
		})
	}
}

func TestSenderNetworkErrorRetries(t *testing.T) {
	e := newEnv(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close() // nothing listens there any more
	a, err := sms.New(config.Twilio{AccountSID: accountSID, AuthToken: authToken, From: botNumber, APIURL: dead},
		publicURL, failingHandler{}, e.st, e.cat, "sv", e.clock.Now, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = a.Sender().Send(e.ctx, outbound("+46701230104", "menu.intro"))
	var re *outbox.RetryError
	if !errors.As(err, &re) {
		t.Fatalf("error %v, want a retry", err)
	}
}

func TestSender21610FromTheFake(t *testing.T) {
	e := newEnv(t)
	const from = "+46701230105"
	e.fake.OptOut(from) // the participant once sent STOP to Twilio itself
	if got := e.exchange(from, "hello"); len(got) != 0 {
		t.Fatalf("sent %q", got)
	}
	if r, _ := e.st.Suppressed(e.ctx, message.ParticipantID(message.SMS, from)); r != message.OptedOut {
		t.Fatalf("suppressed %q after 21610", r)
	}
	e.exchange(from, "1") // not handled, not queued, not tried
	if n := len(e.fake.Requests()); n != 1 {
		t.Fatalf("%d requests to Twilio, want the one refused", n)
	}
}

// A 5xx is retried by the outbox, and once Twilio has accepted the message it is
// never sent again, however long the dispatcher goes on.
func TestSenderRetryThenNeverTwice(t *testing.T) {
	e := newEnv(t)
	const from = "+46701230106"
	e.fake.FailNext(1, http.StatusServiceUnavailable, 20503)
	e.say(from, "hello")
	e.drain() // sleeps through the back-off on the fake clock
	if reqs, msgs := len(e.fake.Requests()), len(e.fake.Messages()); reqs != 2 || msgs != 1 {
		t.Fatalf("after the failure and the retry: %d requests, %d messages", reqs, msgs)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- e.w.Run(ctx) }()
	time.Sleep(300 * time.Millisecond) // let the dispatcher go round a few times
	e.clock.Advance(time.Hour)
	time.Sleep(300 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	e.drain()
	if got := e.sent(from); len(got) != 1 {
		t.Fatalf("sent %d times, want once", len(got))
	}
	if n := len(e.fake.Requests()); n != 2 {
		t.Fatalf("%d requests, want the failure and the success", n)
	}
	if n := e.outboxLen(); n != 0 {
		t.Fatalf("outbox still holds %d entries", n)
	}
}

// TestSenderRateLimitPerNumber: one number gets a message a second; another number
// is not held up by it.
func TestSenderRateLimitPerNumber(t *testing.T) {
	e := newEnv(t)
	const a, b = "+46701230107", "+46701230108"
	t0 := e.clock.Now()
	for _, to := range []string{a, a, b, a} {
		if err := e.st.Enqueue(e.ctx, message.SMS, outbound(to, "menu.intro")); err != nil {
			t.Fatal(err)
		}
	}
	e.drain()
	at := map[string][]time.Duration{}
	for _, r := range e.fake.Messages() {
		at[r.Form.Get("To")] = append(at[r.Form.Get("To")], r.At.Sub(t0))
	}
	if want := []time.Duration{0, time.Second, 2 * time.Second}; !slices.Equal(at[a], want) {
		t.Fatalf("%s got messages at %v, want %v", a, at[a], want)
	}
	if want := []time.Duration{0}; !slices.Equal(at[b], want) {
		t.Fatalf("%s got its message at %v, want at once: %v", b, at[b], want)
	}
	// Later on, the slot is free again: no wait.
	e.clock.Advance(5 * time.Second)
	slept := len(e.clock.Slept())
	if err := e.st.Enqueue(e.ctx, message.SMS, outbound(a, "menu.intro")); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if n := len(e.clock.Slept()); n != slept {
		t.Fatalf("waited again after a pause: %v", e.clock.Slept()[slept:])
	}
}

// TestSenderSplitsOverlongText: a guide's answer over Twilio's 1600 characters goes
// as several messages, in order, each within the limit, nothing lost.
func TestSenderSplitsOverlongText(t *testing.T) {
	e := newEnv(t)
	const to = "+46701230109"
	var lines []string
	for i := range 60 {
		lines = append(lines, fmt.Sprintf("Step %d: open the bank app and choose pay, then scan the invoice.", i+1))
	}
	text := strings.Join(lines, "\n")
	if err := e.a.Sender().Send(e.ctx, message.Outbound{To: to, Participant: "sms:" + to, Text: text}); err != nil {
		t.Fatal(err)
	}
	got := e.sent(to)
	if len(got) < 3 {
		t.Fatalf("%d messages for %d characters", len(got), len(text))
	}
	for i, body := range got {
		if n := len([]rune(body)); n > 1600 || strings.HasSuffix(body, "\n") {
			t.Fatalf("message %d: %d characters", i, n)
		}
	}
	if strings.Join(got, "\n") != text {
		t.Fatal("the messages do not add up to the text, in order")
	}
}

func TestNewRefuses(t *testing.T) {
	e := newEnv(t)
	good := config.Twilio{AccountSID: accountSID, AuthToken: authToken, From: botNumber}
	cases := []struct {
		name   string
		cfg    func(config.Twilio) config.Twilio
		public string
		lang   string
	}{
		{"no account", func(c config.Twilio) config.Twilio { c.AccountSID = ""; return c }, publicURL, "sv"},
		{"no sender", func(c config.Twilio) config.Twilio { c.From = ""; return c }, publicURL, "sv"},
		{"relative API URL", func(c config.Twilio) config.Twilio { c.APIURL = "localhost:8080"; return c }, publicURL, "sv"},
		{"no public URL", func(c config.Twilio) config.Twilio { return c }, "", "sv"},
		{"unknown default language", func(c config.Twilio) config.Twilio { return c }, publicURL, "xx"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := sms.New(c.cfg(good), c.public, failingHandler{}, e.st, e.cat, c.lang, nil, nil, nil)
			if err == nil || !strings.HasPrefix(err.Error(), "sms: ") {
				t.Fatalf("error %v", err)
			}
		})
	}
}

// TestSessionsFitAnSMSInEveryLanguage: a senior on SMS asks "when and where" in each
// language and reads on with "More sessions": every reply lists one session, by its
// venue and address, within three SMS parts.
func TestSessionsFitAnSMSInEveryLanguage(t *testing.T) {
	e := newEnv(t)
	for i, lang := range []string{"sv", "en", "ar", "fa", "uk", "ti", "sw", "fi"} {
		from := fmt.Sprintf("+467012302%02d", i)
		e.start(from, lang)
		for page, say := range []string{e.render(lang, "menu.option.sessions"), "2", "2"} { // then "More sessions"
			got := e.exchange(from, say)
			if len(got) != 1 {
				t.Fatalf("%s page %d: %d messages", lang, page, len(got))
			}
			// The header, one session, and four options: book it, more, my bookings,
			// the menu. Past the last page, no session and nothing to book.
			if n := strings.Count(got[0], "\n"); n != 5 && !(page == 2 && n == 3) {
				t.Errorf("%s page %d lists more or less than one session:\n%s", lang, page, got[0])
			}
			if enc, parts := sms.Segments(got[0]); parts > 3 {
				t.Errorf("%s page %d: %d %s parts, over the budget of 3:\n%s", lang, page, parts, enc, got[0])
			}
		}
	}
}

// TestDeliveryLogsNoPhoneNumber: a number Twilio refuses (its error quotes the
// number) and one that opted out at Twilio go through the outbox's logs masked or
// not at all.
func TestDeliveryLogsNoPhoneNumber(t *testing.T) {
	e := newEnv(t)
	const refused, optedOut = "+46701239901", "+46701239902"
	e.fake.OptOut(optedOut)
	e.fake.FailNext(1, http.StatusBadRequest, 21211)
	for _, to := range []string{refused, optedOut} { // one at a time: the failure is the first send's
		if err := e.st.Enqueue(e.ctx, message.SMS, outbound(to, "menu.intro")); err != nil {
			t.Fatal(err)
		}
		e.drain()
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "error 21211") || !strings.Contains(logs, "unreachable") {
		t.Fatalf("the refusal and the opt-out were not logged:\n%s", logs)
	}
	for _, number := range []string{refused, optedOut, refused[1:], optedOut[1:]} {
		if strings.Contains(logs, number) {
			t.Fatalf("a phone number reached the logs:\n%s", logs)
		}
	}
}

// TestBookingFitsAnSMSInEveryLanguage: a senior books the session shown, opens "My
// bookings", cancels it, and gets a reminder, in each language: every reply within
// three SMS parts.
func TestBookingFitsAnSMSInEveryLanguage(t *testing.T) {
	e := newEnv(t)
	sched, err := schedule.Parse(schedules.SampleName, schedules.Sample)
	if err != nil {
		t.Fatal(err)
	}
	longest := longestOccurrence(sched, e.clock.Now())
	for i, lang := range []string{"sv", "en", "ar", "fa", "uk", "ti", "sw", "fi"} { // the language list's order
		from := fmt.Sprintf("+467012303%02d", i)
		e.start(from, lang)
		e.choose(from, lang, "menu.option.sessions")
		for _, step := range []struct{ say, want string }{
			{"1", "booking.ok"},              // book the session shown
			{"1", "bookings.header"},         // My bookings
			{"1", "bookings.confirm_cancel"}, // Cancel it
			{"1", "bookings.cancelled"},      // yes
		} {
			got := e.exchange(from, step.say)
			if len(got) != 1 || !strings.Contains(got[0], firstLine(e.render(lang, step.want))) {
				t.Fatalf("%s %q: %q, want %s", lang, step.say, got, step.want)
			}
			if enc, parts := sms.Segments(got[0]); parts > 3 {
				t.Errorf("%s, %s: %d %s parts, over the budget of 3:\n%s", lang, step.want, parts, enc, got[0])
			}
		}
		reminder := channel.PlainText(e.cat, message.Outbound{Reply: booking.Reminder(lang, longest)})
		if enc, parts := sms.Segments(reminder); parts > 3 {
			t.Errorf("%s reminder: %d %s parts, over the budget of 3:\n%s", lang, parts, enc, reminder)
		}
	}
}

// longestOccurrence is the next occurrence with the longest venue name and address.
func longestOccurrence(s *schedule.Schedule, now time.Time) schedule.Occurrence {
	var best schedule.Occurrence
	for _, o := range s.Next(now, 50, nil) {
		if l := o.Line(); best.Session == nil || len(l.Venue)+len(l.Address) > len(best.Line().Venue)+len(best.Line().Address) {
			best = o
		}
	}
	return best
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// TestCardThatDidNotHelpFitsAnSMS: "no" after a first-aid card asks a guide, says
// the participant's place in the queue and offers the sessions, within three SMS
// parts in every language; "1" then lists the sessions.
func TestCardThatDidNotHelpFitsAnSMS(t *testing.T) {
	e := newEnv(t)
	e.registerGuide("77")
	for i, lang := range []string{"sv", "en", "ar", "fa", "uk", "ti", "sw", "fi"} {
		from := fmt.Sprintf("+467012304%02d", i)
		e.start(from, lang)
		e.choose(from, lang, "menu.option.cards")
		var got []string
		for _, say := range []string{e.render(lang, "topic.bills"), "1", "1", "1", "2"} { // bills, three steps, "no"
			got = e.exchange(from, say)
		}
		position := e.cat.Render(lang, flow.Message{ID: "handoff.position", Params: map[string]string{"Position": "1"}})
		want := firstLine(e.render(lang, "handoff.requested"))
		if len(got) != 1 || !strings.HasPrefix(got[0], want) || !strings.Contains(got[0], position) {
			t.Fatalf("%s: %q, want the request and the place in the queue", lang, got)
		}
		if enc, parts := sms.Segments(got[0]); parts > 3 {
			t.Errorf("%s: %d %s parts, over the budget of 3:\n%s", lang, parts, enc, got[0])
		}
		if sessions := e.exchange(from, "1"); len(sessions) != 1 || !strings.Contains(sessions[0], firstLine(e.render(lang, "sessions.header"))) {
			t.Fatalf("%s: the sessions after the card: %q", lang, sessions)
		}
	}
}

// TestNoGuideYetFitsAnSMS: with no guide for the language, asking for one says so
// and lists the next session, within three SMS parts in every language.
func TestNoGuideYetFitsAnSMS(t *testing.T) {
	e := newEnv(t)
	for i, lang := range []string{"sv", "en", "ar", "fa", "uk", "ti", "sw", "fi"} {
		from := fmt.Sprintf("+467012305%02d", i)
		e.start(from, lang)
		got := e.choose(from, lang, "menu.option.guide")
		if len(got) != 1 || !strings.HasPrefix(got[0], firstLine(e.render(lang, "handoff.nobody"))) {
			t.Fatalf("%s: %q", lang, got)
		}
		if enc, parts := sms.Segments(got[0]); parts > 3 {
			t.Errorf("%s: %d %s parts, over the budget of 3:\n%s", lang, parts, enc, got[0])
		}
	}
}

// registerGuide registers Telegram chat as a guide who speaks every language.
func (e *env) registerGuide(chat string) {
	e.t.Helper()
	code, err := e.st.CreateInvite(e.ctx, handoff.RoleGuide, handoff.InviteTTL)
	if err != nil {
		e.t.Fatal(err)
	}
	e.guide(chat, flow.Input{Kind: flow.Text, Text: "/guide " + code})
	for _, l := range e.cat.Languages() {
		e.guide(chat, flow.Input{Kind: flow.Button, Step: "guide.languages", Option: l})
	}
}

// guide is one message from a guide on Telegram.
func (e *env) guide(chat string, input flow.Input) {
	e.t.Helper()
	if _, err := e.guides.Handle(e.ctx, message.Inbound{Channel: message.Telegram, Address: chat, Input: input}); err != nil {
		e.t.Fatal(err)
	}
}

// TestStopDuringAHandoff: a participant who sends STOP while a guide talks to them
// gets the opt-out confirmation and nothing more; the guide is told at once and the
// request closes.
func TestStopDuringAHandoff(t *testing.T) {
	e := newEnv(t)
	e.registerGuide("78")
	const from = "+46701230601"
	e.exchange(from, "hello")
	e.exchange(from, "5") // Talk to a guide
	rec, err := e.st.Load(e.ctx, message.ParticipantID(message.SMS, from), "")
	if err != nil || rec.State.Handoff == "" {
		t.Fatalf("no request: %+v %v", rec.State, err)
	}
	id := rec.State.Handoff
	e.guide("78", flow.Input{Kind: flow.Button, Step: "guide.claim:" + id, Option: "claim"})
	e.exchange(from, "")
	// STOP is an English word: the confirmation is in English.
	if got := e.exchange(from, "STOP"); len(got) != 1 || got[0] != e.render("en", "sms.stopped") {
		t.Fatalf("STOP: %q", got)
	}
	if tk, err := e.st.Ticket(e.ctx, id); err != nil || tk.Status != store.TicketClosed || tk.Outcome != "stopped" {
		t.Fatalf("ticket after STOP: %+v %v", tk, err)
	}
	told := false
	entries, _ := e.st.Entries(e.ctx, store.Outbox(message.Telegram))
	for _, en := range entries {
		if m := en.Payload; strings.Contains(m, `"to":"78"`) && strings.Contains(m, "guide.stopped") {
			told = true
		}
	}
	if !told {
		t.Fatal("the guide was not told of the STOP")
	}
	e.guide("78", flow.Input{Kind: flow.Text, Text: "are you there?"})
	if got := e.exchange(from, ""); len(got) != 0 {
		t.Fatalf("sent after STOP: %q", got)
	}
}

// TestDailyPartsCap: a number that has had its day's SMS parts gets no more replies
// that day (counted as capped, logged without the number), but the opt-out
// confirmation still goes out; the next day it is answered again.
func TestDailyPartsCap(t *testing.T) {
	e := newEnv(t, withDailyParts(4))
	const from = "+46701230701"
	first := e.exchange(from, "hej") // greeting and menu: 3 parts
	if len(first) != 1 {
		t.Fatalf("first reply %q", first)
	}
	if _, parts := sms.Segments(first[0]); parts != 3 {
		t.Fatalf("the first reply takes %d parts; the test needs 3", parts)
	}
	if got := e.exchange(from, "meny"); len(got) != 0 {
		t.Fatalf("a reply past the day's 4 parts went out: %q", got)
	}
	if !strings.Contains(e.logs.String(), "daily cost cap") || strings.Contains(e.logs.String(), from[1:]) {
		t.Fatalf("the cap was not logged, or logged with the number:\n%s", e.logs.String())
	}
	if got := e.exchange(from, "STOP"); len(got) != 1 || got[0] != e.render("sv", "sms.stopped") {
		t.Fatalf("the opt-out confirmation was held back: %q", got)
	}
	e.exchange(from, "START")
	e.clock.Advance(24 * time.Hour)
	if got := e.exchange(from, "meny"); len(got) != 1 {
		t.Fatalf("the next day: %q", got)
	}
}

// TestReminderDeliveriesCounted: a reminder Twilio accepts counts as delivered in
// the programme's figures, one it refuses as failed; other messages count nothing.
func TestReminderDeliveriesCounted(t *testing.T) {
	e := newEnv(t)
	remind := func(to string) message.Outbound {
		m := outbound(to, "menu.intro")
		m.Figure = "reminder"
		return m
	}
	e.fake.FailNext(1, http.StatusBadRequest, 21211) // the first send: an invalid number
	for _, m := range []message.Outbound{remind("+46701230801"), remind("+46701230802"), outbound("+46701230803", "menu.intro")} {
		if err := e.st.Enqueue(e.ctx, message.SMS, m); err != nil {
			t.Fatal(err)
		}
		e.drain()
	}
	month := store.Month(e.clock.Now())
	counts, err := e.st.Counts(e.ctx, []string{month})
	if err != nil || counts[month]["reminder_failed"] != 1 || counts[month]["reminder_delivered"] != 1 || len(counts[month]) != 2 {
		t.Fatalf("figures %v %v", counts, err)
	}
}

// TestMaxPartsCutsLongMessages: a message longer than SMS_MAX_PARTS (a guide's or a
// match's long words) goes out cut to that many parts with "..." at the end, and
// says so in the log without the number; a short one goes out whole.
func TestMaxPartsCutsLongMessages(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.twilio.MaxParts = 2 })
	const to = "+46701230901"
	long := strings.Repeat("Det här är ett långt svar från en guide. ", 20) // 820 GSM-7 characters
	for _, text := range []string{long, "Kort svar."} {
		if err := e.st.Enqueue(e.ctx, message.SMS, message.Outbound{To: to, Participant: "sms:" + to, Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	e.drain()
	got := e.fake.MessagesTo(to)
	if len(got) != 2 {
		t.Fatalf("sent %d messages, want 2", len(got))
	}
	if enc, parts := sms.Segments(got[0]); enc != sms.GSM7 || parts != 2 || !strings.HasSuffix(got[0], "...") ||
		!strings.HasPrefix(long, strings.TrimSuffix(got[0], "...")) || len(got[0]) < 250 {
		t.Fatalf("the long one went out as %s in %d parts: %q", enc, parts, got[0])
	}
	if got[1] != "Kort svar." {
		t.Fatalf("the short one: %q", got[1])
	}
	if !strings.Contains(e.logs.String(), "cut to SMS_MAX_PARTS") || strings.Contains(e.logs.String(), to[1:]) {
		t.Fatalf("the cut was not logged, or logged with the number:\n%s", e.logs.String())
	}
}
