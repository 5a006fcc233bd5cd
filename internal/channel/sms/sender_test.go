package sms_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/channel/sms"
	"github.com/guidebot/guidebot/internal/config"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/outbox"
	"github.com/guidebot/guidebot/internal/store"
)

func outbound(to string, ids ...string) channel.Outbound {
	r := flow.Reply{Lang: "sv"}
	for _, id := range ids {
		r.Texts = append(r.Texts, flow.Message{ID: id})
	}
	return channel.Outbound{To: to, Participant: channel.ParticipantID(channel.SMS, to), Reply: r}
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
	e.exchange("+46701230102", "hello") // the language list names the languages in their own scripts
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
		suppressed   bool
	}{
		{"internal error", 500, 20500, true, false},
		{"unavailable", 503, 20503, true, false},
		{"too many requests", 429, 20429, true, false},
		{"unsubscribed recipient", 400, 21610, false, true},
		{"invalid number", 400, 21211, false, false},
		{"blocked by carrier", 400, 21612, false, false},
		{"not authorised", 401, 20003, false, false},
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
			r, _ := e.st.Suppressed(e.ctx, channel.ParticipantID(channel.SMS, to))
			if (r == store.OptedOut) != c.suppressed {
				t.Fatalf("suppressed %q, want %v", r, c.suppressed)
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
	if r, _ := e.st.Suppressed(e.ctx, channel.ParticipantID(channel.SMS, from)); r != store.OptedOut {
		t.Fatalf("suppressed %q after 21610", r)
	}
	e.exchange(from, "1") // not handled, not queued, not tried
	if n := len(e.fake.Requests()); n != 1 {
		t.Fatalf("%d requests to Twilio, want the one refused", n)
	}
}

// A 5xx is retried by the worker, and once Twilio has accepted the message it is
// never sent again.
func TestSenderRetryThenNeverTwice(t *testing.T) {
	e := newEnv(t)
	const from = "+46701230106"
	e.fake.FailNext(1, http.StatusServiceUnavailable, 20503)
	e.say(from, "hello")
	e.drain()
	if reqs, msgs := len(e.fake.Requests()), len(e.fake.Messages()); reqs != 1 || msgs != 0 {
		t.Fatalf("after the failure: %d requests, %d messages", reqs, msgs)
	}
	e.clock.Advance(time.Minute) // past the worker's back-off
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- e.w.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(e.fake.Messages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // let the worker go round a few more times
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

func TestSenderRateLimitPerNumber(t *testing.T) {
	e := newEnv(t)
	const a, b = "+46701230107", "+46701230108"
	t0 := e.clock.Now()
	for _, to := range []string{a, a, b, a} {
		if err := e.a.Sender().Send(e.ctx, outbound(to, "menu.intro")); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := e.clock.Slept(), []time.Duration{time.Second, time.Second}; !slices.Equal(got, want) {
		t.Fatalf("slept %v, want %v", got, want)
	}
	var at []time.Duration
	for _, r := range e.fake.Messages() {
		at = append(at, r.At.Sub(t0))
	}
	// a at 0s and 1s; b at once (1s, where the clock stood); a again 1s after its last.
	if want := []time.Duration{0, time.Second, time.Second, 2 * time.Second}; !slices.Equal(at, want) {
		t.Fatalf("sent at %v, want %v", at, want)
	}
	// A second later the slot is free again: no wait.
	e.clock.Advance(5 * time.Second)
	if err := e.a.Sender().Send(e.ctx, outbound(a, "menu.intro")); err != nil {
		t.Fatal(err)
	}
	if n := len(e.clock.Slept()); n != 2 {
		t.Fatalf("waited again after a pause: %v", e.clock.Slept())
	}
}

func TestSenderCutsOverlongBody(t *testing.T) {
	e := newEnv(t)
	const to = "+46701230109"
	msg := outbound(to)
	for i := 0; i < 30; i++ {
		msg.Reply.Texts = append(msg.Reply.Texts, flow.Message{ID: "help.text"})
	}
	if err := e.a.Sender().Send(e.ctx, msg); err != nil {
		t.Fatal(err)
	}
	got := e.sent(to)
	if len(got) != 1 || len([]rune(got[0])) > 1600 || strings.HasSuffix(got[0], "\n") {
		t.Fatalf("body of %d characters", len([]rune(got[0])))
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
