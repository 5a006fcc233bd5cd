package telegram

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/channel/telegram/telegramtest"
	"github.com/guidebot/guidebot/internal/config"
)

func polling(c *config.Telegram, _ *envSettings) { c.Mode, c.WebhookSecret = modePolling, "" }

func TestPollEndToEnd(t *testing.T) {
	var fl *flaky
	e := newEnv(t, polling, func(_ *config.Telegram, s *envSettings) {
		// The first two attempts at the first update fail: it must be retried, not lost.
		s.handler = func(h Handler) Handler { fl = &flaky{Handler: h, n: 2}; return fl }
	})
	e.a.pollTimeout = time.Second
	if err := e.a.Setup(e.ctx); err != nil {
		t.Fatal(err)
	}
	if len(e.fake.Calls("deleteWebhook")) != 1 || len(e.fake.Calls("setWebhook")) != 0 {
		t.Fatal("polling mode must delete the webhook, not set one")
	}
	e.fake.Queue(t, fixture(t, "text_message"), fixture(t, "edited_message"), fixture(t, "callback_query"))

	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- e.a.Poll(ctx) }()
	waitFor(t, func() bool { return e.fake.Pending() == 0 && len(e.fake.Calls("answerCallbackQuery")) == 1 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Poll did not end with its context")
	}

	if got := fl.calls.Load(); got != 4 {
		t.Fatalf("Handle called %d times, want 4 (2 failures, hello, the button)", got)
	}
	sent := e.drain()
	if len(sent) != 2 {
		t.Fatalf("%d replies, want 2 (hello, the button)", len(sent))
	}
	contains(t, sent[0].Params["text"], e.render("en", "welcome.hello"))
	contains(t, sent[1].Params["text"], e.render("sv", "language.set"))

	// The offset only moved past an update after it was handled; the edited message
	// (update 846271006) is ignored but confirmed too.
	var offsets []int64
	for _, c := range e.fake.Calls("getUpdates") {
		n, _ := strconv.ParseInt(c.Params["offset"], 10, 64)
		offsets = append(offsets, n)
		if c.Params["timeout"] != "1" {
			t.Fatalf("getUpdates timeout %q, want 1", c.Params["timeout"])
		}
	}
	if len(offsets) < 2 || offsets[0] != 0 || offsets[len(offsets)-1] != 846271007 {
		t.Fatalf("getUpdates offsets %v: want 0 first, then past the last update", offsets)
	}
	if e.clock.TotalSlept() < 1500*time.Millisecond {
		t.Fatalf("retries slept %v of fake time; want backoff between attempts", e.clock.TotalSlept())
	}
}

func TestPollSurvivesAPIErrors(t *testing.T) {
	e := newEnv(t, polling)
	e.a.pollTimeout = time.Second
	e.fake.Fail("getUpdates", 2, telegramtest.Failure{Code: 502})
	e.fake.Queue(t, fixture(t, "text_message"))
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.a.Poll(ctx) }()
	waitFor(t, func() bool { return e.fake.Pending() == 0 && e.state(fixtureChat).Version == 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestPollWrongTokenStops(t *testing.T) {
	e := newEnv(t, polling)
	e.a.pollTimeout = time.Second
	e.a.cfg.Token = "1:wrong"
	err := e.a.Poll(e.ctx)
	if err == nil {
		t.Fatal("Poll with a rejected token returned nil")
	}
	if strings.Contains(err.Error(), "1:wrong") {
		t.Fatalf("error leaks the token: %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
