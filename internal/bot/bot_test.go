package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/bot/bottest"
	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/i18n"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/store"
	"github.com/guidebot/guidebot/internal/store/storetest"
)

type fixture struct {
	bot   *bot.Bot
	store *store.Store
	rdb   redis.UniversalClient
	cat   *i18n.Catalog
}

func newFixture(t testing.TB, rdb redis.UniversalClient, prefix string) fixture {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }
	e := bottest.On(t, rdb, prefix, now)
	return fixture{bot: e.Bot, store: e.Store, rdb: rdb, cat: e.Catalog}
}

func text(address, msgID, s string) message.Inbound {
	return message.Inbound{Channel: message.Telegram, Address: address, MsgID: msgID,
		Input: flow.Input{Kind: flow.Text, Text: s}}
}

// replies reads and acknowledges the channel's outbox, rendered as plain text.
func (f fixture) replies(t testing.TB, ch string) []string {
	t.Helper()
	ctx := context.Background()
	r, err := f.store.Outbox(ctx, ch, "test")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := r.Read(ctx, 1000, -1)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		var msg message.Outbound
		if err := json.Unmarshal([]byte(e.Payload), &msg); err != nil {
			t.Fatal(err)
		}
		out = append(out, channel.PlainText(f.cat, msg))
		r.Done(ctx, e.ID)
	}
	return out
}

func TestConversationThroughRedis(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(t)
	f := newFixture(t, rdb, prefix)
	steps := []struct {
		say  string
		want string
	}{
		{"1", "Vilket språk"}, // a first message in no language: the list
		{"2", "OK, I will write in English."},
		{"1", "What do you need help with?"},
		{"E-MAIL", "I added E-mail to your plan."},
		{"no", "Your plan has 1 topic:"},
		{"my plan", "- E-mail"},
	}
	for i, s := range steps {
		if _, err := f.bot.Handle(ctx, text("42", fmt.Sprint("u", i), s.say)); err != nil {
			t.Fatalf("%q: %v", s.say, err)
		}
		got := f.replies(t, message.Telegram)
		if len(got) != 1 || !strings.Contains(got[0], s.want) {
			t.Fatalf("after %q: got %q, want one reply containing %q", s.say, got, s.want)
		}
	}
	log, _ := f.store.Transcript(ctx, "tg:42")
	if len(log) != 2*len(steps) {
		t.Fatalf("transcript has %d entries, want %d", len(log), 2*len(steps))
	}
}

func TestDuplicateMessageIsHandledOnce(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(t)
	f := newFixture(t, rdb, prefix)
	for i, want := range []bool{false, true} {
		dup, err := f.bot.Handle(ctx, text("7", "u100", "hello"))
		if err != nil || dup != want {
			t.Fatalf("delivery %d: duplicate=%v %v, want duplicate=%v", i, dup, err, want)
		}
	}
	if got := f.replies(t, message.Telegram); len(got) != 1 {
		t.Fatalf("%d replies, want 1", len(got))
	}
}

// Messages of one participant arriving at once are serialised: every one is stepped
// on the state the previous one left, so none is lost and none interleaves. A hundred
// at once in one replica (a flooder) all go through: they wait their turn rather
// than race on the version check; two replicas at once fall back on the check.
func TestConcurrentMessagesOfOneParticipant(t *testing.T) {
	tests := []struct {
		name     string
		replicas int
		each     int
	}{
		{"a flood in one replica", 1, 100},
		{"two replicas", 2, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			rdb, prefix := storetest.Redis(t)
			f := newFixture(t, rdb, prefix)
			bots := []*bot.Bot{f.bot}
			for len(bots) < tc.replicas {
				bots = append(bots, newFixture(t, rdb, prefix).bot)
			}
			n := tc.replicas * tc.each
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					_, err := bots[i%len(bots)].Handle(ctx, text("5", fmt.Sprint("c", i), "xyz"))
					errs <- err
				}(i)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			rec, _ := f.store.Load(ctx, "tg:5", "")
			if rec.Version != int64(n) {
				t.Fatalf("version %d after %d messages: an update was lost", rec.Version, n)
			}
			if got := f.replies(t, message.Telegram); len(got) != n {
				t.Fatalf("%d replies, want %d", len(got), n)
			}
		})
	}
}

// failCommits makes the commit script fail, as a Redis that dies mid-conversation would.
type failCommits struct{ on atomic.Bool }

func (h *failCommits) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *failCommits) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if h.on.Load() && strings.HasPrefix(cmd.Name(), "eval") {
			return errors.New("connection reset by peer")
		}
		return next(ctx, cmd)
	}
}
func (h *failCommits) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func TestRedisFailingMidConversationWritesNothing(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(t)
	hook := &failCommits{}
	rdb.AddHook(hook)
	f := newFixture(t, rdb, prefix)
	if _, err := f.bot.Handle(ctx, text("8", "u1", "1")); err != nil {
		t.Fatal(err)
	}
	f.replies(t, message.Telegram)
	before, _ := f.store.Load(ctx, "tg:8", "")

	hook.on.Store(true)
	if _, err := f.bot.Handle(ctx, text("8", "u2", "2")); err == nil {
		t.Fatal("Handle reported success while Redis failed")
	}
	hook.on.Store(false)
	after, _ := f.store.Load(ctx, "tg:8", "")
	if after.Version != before.Version || after.State.Step != before.State.Step {
		t.Fatalf("state changed by a failed message: %+v → %+v", before, after)
	}
	if got := f.replies(t, message.Telegram); len(got) != 0 {
		t.Fatalf("a failed message queued replies: %q", got)
	}
	// The provider retries; the message is handled then, not taken for a duplicate.
	if dup, err := f.bot.Handle(ctx, text("8", "u2", "2")); err != nil || dup {
		t.Fatalf("retry: duplicate=%v %v", dup, err)
	}
	if got := f.replies(t, message.Telegram); len(got) != 1 || !strings.Contains(got[0], "English") {
		t.Fatalf("retry replies %q", got)
	}
}

func TestRedisUnreachable(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	f := newFixture(t, rdb, "x:")
	if _, err := f.bot.Handle(context.Background(), text("1", "u1", "hi")); err == nil {
		t.Fatal("Handle succeeded without Redis")
	}
}

func TestForgetMeDeletesEverything(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(t)
	f := newFixture(t, rdb, prefix)
	// A request for a guide names the participant; forget me closes it and takes the
	// name away, and leaves another participant's request alone.
	for i, s := range []string{"hello", "guide"} {
		if _, err := f.bot.Handle(ctx, text("33", fmt.Sprint("o", i), s)); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range []string{"hello", "2", "guide", "forget me", "yes"} {
		if _, err := f.bot.Handle(ctx, text("3", fmt.Sprint("f", i), s)); err != nil {
			t.Fatal(err)
		}
	}
	got := f.replies(t, message.Telegram)
	if !strings.Contains(got[len(got)-1], "Everything is deleted") {
		t.Fatalf("last reply %q", got[len(got)-1])
	}
	rec, _ := f.store.Load(ctx, "tg:3", "")
	log, _ := f.store.Transcript(ctx, "tg:3")
	if rec.Version != 0 || rec.State.ID != "" || len(log) != 0 {
		t.Fatalf("data left after forget me: %+v, %d transcript entries", rec, len(log))
	}
	// tg:3's request is closed and keeps nothing of them; tg:33's waits on.
	for id, want := range map[string]string{"1": store.TicketOpen, "2": store.TicketClosed} {
		tk, err := f.store.Ticket(ctx, id)
		if err != nil || tk.Status != want {
			t.Fatalf("ticket %s: %+v %v, want %s", id, tk, err, want)
		}
		if want == store.TicketClosed && (tk.Participant != "" || tk.Address != "" || tk.Outcome != "forgotten") {
			t.Fatalf("a forgotten participant's ticket keeps %+v", tk)
		}
	}
}

func TestFeedbackGoesToTheReportStream(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(t)
	f := newFixture(t, rdb, prefix)
	for i, s := range []string{"1", "8", "4", "5", "Kela-sivut ovat vaikeita"} {
		if _, err := f.bot.Handle(ctx, text("4", fmt.Sprint("k", i), s)); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := f.store.Entries(ctx, "feedback")
	if err != nil || len(entries) != 1 {
		t.Fatalf("feedback stream: %v %v", entries, err)
	}
	var fb map[string]string
	json.Unmarshal([]byte(entries[0].Payload), &fb)
	if fb["rating"] != "5" || fb["lang"] != "fi" || fb["comment"] != "Kela-sivut ovat vaikeita" || fb["participant"] != "" {
		t.Fatalf("feedback entry %v", fb)
	}
}

func TestOversizeMessageIsKeptBounded(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(t)
	f := newFixture(t, rdb, prefix)
	// "x" first, so that the cut at 1000 bytes falls inside a two-byte rune.
	if _, err := f.bot.Handle(ctx, text("10", "u1", "x"+strings.Repeat("ä", 10000))); err != nil {
		t.Fatal(err)
	}
	log, _ := f.store.Transcript(ctx, "tg:10")
	var in struct{ X string }
	if len(log) == 0 || json.Unmarshal([]byte(log[0]), &in) != nil {
		t.Fatalf("transcript %v", log)
	}
	if len(in.X) == 0 || len(in.X) > 1000 || !utf8.ValidString(in.X) {
		t.Fatalf("kept %d bytes (valid UTF-8: %v), want 1..1000 valid", len(in.X), utf8.ValidString(in.X))
	}
	if got := f.replies(t, message.Telegram); len(got) != 1 {
		t.Fatalf("%d replies to an oversize first message, want 1", len(got))
	}
}

// TestEffectHandlersPlugIn: a handler registered for an effect kind replaces the
// built-in one and writes with the step's commit; one that fails fails the message,
// and nothing of it is written.
func TestEffectHandlersPlugIn(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(t)
	f := newFixture(t, rdb, prefix)
	var seen []flow.Effect
	fail := true
	f.bot.HandleEffect("feedback", func(_ context.Context, turn *bot.Turn, e flow.Effect) (string, error) {
		seen = append(seen, e)
		if fail {
			return "", errors.New("reports are down")
		}
		turn.Commit.Appends = append(turn.Commit.Appends, store.Append{Stream: "ratings", Payload: e.Args["rating"]})
		return "", nil
	})
	for i, s := range []string{"1", "8", "4", "5"} {
		if _, err := f.bot.Handle(ctx, text("4", fmt.Sprint("k", i), s)); err != nil {
			t.Fatal(err)
		}
	}
	const comment = "Kela-sivut ovat vaikeita"
	if _, err := f.bot.Handle(ctx, text("4", "k4", comment)); err == nil || !strings.Contains(err.Error(), "reports are down") {
		t.Fatalf("a failing effect handler: %v", err)
	}
	fail = false
	if _, err := f.bot.Handle(ctx, text("4", "k4", comment)); err != nil { // the provider retries
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[1].Kind != "feedback" {
		t.Fatalf("handler saw %v", seen)
	}
	got, _ := f.store.Entries(ctx, "ratings")
	if len(got) != 1 || got[0].Payload != "5" {
		t.Fatalf("ratings stream %v, want the one rating", got)
	}
	if fb, _ := f.store.Entries(ctx, "feedback"); len(fb) != 0 {
		t.Fatalf("the built-in handler ran too: %d feedback entries", len(fb))
	}
}

// TestInboundLimit: a sender over the limit gets one notice in their language and
// then silence until the window passes; a provider's retry of the message that went
// over brings no second notice; other senders are answered all along; the next
// window is answered again. Nothing over the limit reaches the flows.
func TestInboundLimit(t *testing.T) {
	ctx := context.Background()
	var clock atomic.Int64
	clock.Store(time.Date(2026, 11, 23, 10, 0, 5, 0, time.UTC).UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	e := bottest.Limited(t, now, 3)
	f := fixture{bot: e.Bot, store: e.Store, rdb: e.Redis, cat: e.Catalog}
	send := func(address, msgID, s string) {
		t.Helper()
		if _, err := f.bot.Handle(ctx, text(address, msgID, s)); err != nil {
			t.Fatal(err)
		}
	}
	send("500", "m1", "مرحبا") // Arabic
	for i := 2; i <= 3; i++ {
		send("500", fmt.Sprint("m", i), "1")
	}
	if got := f.replies(t, message.Telegram); len(got) != 3 {
		t.Fatalf("%d replies to the first three, want 3", len(got))
	}
	send("500", "m4", "1")
	notice := f.cat.Render("ar", flow.Message{ID: "flood.notice"})
	if got := f.replies(t, message.Telegram); len(got) != 1 || got[0] != notice {
		t.Fatalf("the fourth got %q, want the notice %q", got, notice)
	}
	rec, _ := f.store.Load(ctx, "tg:500", "")
	send("500", "m4", "1") // Telegram's retry
	for i := 5; i <= 30; i++ {
		send("500", fmt.Sprint("m", i), "menu")
	}
	send("501", "x1", "hello") // someone else meanwhile
	if got := f.replies(t, message.Telegram); len(got) != 1 || !strings.Contains(got[0], "guidebot") {
		t.Fatalf("during the flood: %q, want only the other sender's welcome", got)
	}
	if after, _ := f.store.Load(ctx, "tg:500", ""); after.Version != rec.Version {
		t.Fatalf("messages over the limit reached the flows: version %d → %d", rec.Version, after.Version)
	}
	if n := testutil.ToFloat64(f.bot.Collectors()[0].(*prometheus.CounterVec).WithLabelValues(message.Telegram)); n != 28 {
		t.Fatalf("guidebot_inbound_limited_total %v, want 28 (m4 twice and m5…m30)", n)
	}
	clock.Add(int64(time.Minute))
	send("500", "m31", "menu")
	if got := f.replies(t, message.Telegram); len(got) != 1 || !strings.Contains(got[0], f.cat.Render("ar", flow.Message{ID: "menu.intro"})) {
		t.Fatalf("the next window: %q, want the menu", got)
	}
}

// TestFiguresCountedInTheProgrammesMonth: a first contact at 23:30 UTC on 30
// November is 00:30 on 1 December in Karlskoga, and counts in December; a message
// that fails is not counted; a repeat of one that was is not counted again.
func TestFiguresCountedInTheProgrammesMonth(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC) }
	e := bottest.New(t, now)
	for i := 0; i < 2; i++ { // the second is Telegram's retry of the first
		if _, err := e.Bot.Handle(ctx, text("700", "first", "hej")); err != nil {
			t.Fatal(err)
		}
	}
	counts, err := e.Store.Counts(ctx, []string{"2026-11", "2026-12"})
	if err != nil {
		t.Fatal(err)
	}
	want := store.Event{Name: bot.ReachedEvent, Dims: map[string]string{"channel": message.Telegram, "lang": "sv"}}.Field()
	if len(counts["2026-11"]) != 0 || counts["2026-12"][want] != 1 {
		t.Fatalf("counts %v, want one %s in 2026-12", counts, want)
	}
}

// TestTicksDoNotCountAgainstTheLimit: the service's own nudges (a follow-up tick)
// are handled whatever the participant sent, and leave their window as it was.
func TestTicksDoNotCountAgainstTheLimit(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 11, 23, 10, 0, 5, 0, time.UTC) }
	e := bottest.Limited(t, now, 2)
	f := fixture{bot: e.Bot, store: e.Store, rdb: e.Redis, cat: e.Catalog}
	for i, s := range []string{"hej", "1"} {
		if _, err := f.bot.Handle(ctx, text("600", fmt.Sprint("m", i), s)); err != nil {
			t.Fatal(err)
		}
	}
	f.replies(t, message.Telegram)
	for i := 0; i < 3; i++ {
		tick := message.Inbound{Channel: message.Telegram, Address: "600", MsgID: fmt.Sprint("tick", i),
			Input: flow.Input{Kind: flow.Tick, Step: "main.menu"}}
		if _, err := f.bot.Handle(ctx, tick); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.replies(t, message.Telegram); len(got) != 3 || strings.Contains(strings.Join(got, ""), f.cat.Render("sv", flow.Message{ID: "flood.notice"})) {
		t.Fatalf("ticks: %q, want three menus and no notice", got)
	}
	// The participant's own third message is the first over the limit.
	if _, err := f.bot.Handle(ctx, text("600", "m2", "meny")); err != nil {
		t.Fatal(err)
	}
	if got := f.replies(t, message.Telegram); len(got) != 1 || got[0] != f.cat.Render("sv", flow.Message{ID: "flood.notice"}) {
		t.Fatalf("third message: %q, want the notice", got)
	}
}
