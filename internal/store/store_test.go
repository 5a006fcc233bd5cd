package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/store"
	"github.com/guidebot/guidebot/internal/store/storetest"
)

// testShards is the shards the store's tests spread participants over unless a test
// names its own: more than one, so that what crosses shards is tried on one Redis.
const testShards = 3

func newStore(t *testing.T, opt store.Options) *store.Store {
	rdb, prefix := storetest.Redis(t)
	opt.Prefix = prefix
	if opt.Shards == 0 {
		opt.Shards = testShards
	}
	return store.New(rdb, opt)
}

func TestCommitAndLoad(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, store.Options{})
	rec, err := st.Load(ctx, "tg:1", "")
	if err != nil || rec.Version != 0 || rec.State.ID != "" {
		t.Fatalf("new participant: %+v %v", rec, err)
	}
	state := flow.State{ID: "tg:1", Lang: "ar", Step: "main.menu", Plan: []string{"bills"}}
	v, err := st.Commit(ctx, store.Commit{ID: "tg:1", MsgID: "u1", State: state,
		Transcript: []string{"a", "b"}, Appends: []store.Append{{Stream: store.Outbox("telegram"), Payload: "reply"}}})
	if err != nil || v != 1 {
		t.Fatalf("commit: %d %v", v, err)
	}
	rec, err = st.Load(ctx, "tg:1", "u2")
	if err != nil || rec.Version != 1 || rec.State.Lang != "ar" || rec.State.Plan[0] != "bills" {
		t.Fatalf("load: %+v %v", rec, err)
	}
	if _, err := st.Load(ctx, "tg:1", "u1"); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("seen message id: got %v, want ErrDuplicate", err)
	}
	r, err := st.Outbox(ctx, "telegram", "c1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Read(ctx, 10, -1)
	if err != nil || len(got) != 1 || got[0].Payload != "reply" {
		t.Fatalf("outbox: %+v %v", got, err)
	}
}

func TestCommitConflictAndDuplicate(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, store.Options{})
	c := store.Commit{ID: "sms:+46700000001", State: flow.State{Step: "main.menu"}}
	if _, err := st.Commit(ctx, c); err != nil {
		t.Fatal(err)
	}
	// Still at version 0: someone else committed in between.
	if _, err := st.Commit(ctx, c); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale version: got %v, want ErrConflict", err)
	}
	c.Version, c.MsgID = 1, "SM1"
	if _, err := st.Commit(ctx, c); err != nil {
		t.Fatal(err)
	}
	c.Version = 2
	if _, err := st.Commit(ctx, c); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("reused message id: got %v, want ErrDuplicate", err)
	}
	rec, _ := st.Load(ctx, c.ID, "")
	if rec.Version != 2 {
		t.Fatalf("a rejected commit changed the version: %d", rec.Version)
	}
}

func TestForgetDeletesStateAndTranscript(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, store.Options{})
	id := "tg:9"
	if _, err := st.Commit(ctx, store.Commit{ID: id, State: flow.State{Lang: "fi"}, Transcript: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Commit(ctx, store.Commit{ID: id, Version: 1, Forget: true, Transcript: []string{"y"}}); err != nil {
		t.Fatal(err)
	}
	rec, _ := st.Load(ctx, id, "")
	log, _ := st.Transcript(ctx, id)
	if rec.Version != 0 || rec.State.Lang != "" || len(log) != 0 {
		t.Fatalf("after forget: %+v, transcript %v", rec, log)
	}
}

func TestTranscriptIsCapped(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, store.Options{TranscriptCap: 5})
	for i := 0; i < 8; i++ {
		c := store.Commit{ID: "tg:2", Version: int64(i), Transcript: []string{fmt.Sprint(i)}}
		if _, err := st.Commit(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	log, _ := st.Transcript(ctx, "tg:2")
	if fmt.Sprint(log) != "[3 4 5 6 7]" {
		t.Fatalf("transcript %v, want the last 5", log)
	}
}

func TestOutboxReclaimsWhatACrashedConsumerLeft(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, store.Options{})
	if err := st.Enqueue(ctx, "sms", message.Outbound{To: "p1"}); err != nil {
		t.Fatal(err)
	}
	crashed, _ := st.Outbox(ctx, "sms", "crashed")
	if got, _ := crashed.Read(ctx, 10, -1); len(got) != 1 {
		t.Fatalf("read %v", got)
	}
	other, _ := st.Outbox(ctx, "sms", "other")
	if got, _ := other.Read(ctx, 10, -1); len(got) != 0 {
		t.Fatalf("an entry read by one consumer went to another: %v", got)
	}
	time.Sleep(20 * time.Millisecond)
	got, err := other.Reclaim(ctx, 10*time.Millisecond, 10)
	if err != nil || len(got) != 1 || !strings.Contains(got[0].Payload, `"to":"p1"`) {
		t.Fatalf("reclaim: %v %v", got, err)
	}
	if err := other.Done(ctx, got[0].ID); err != nil {
		t.Fatal(err)
	}
	if again, _ := other.Reclaim(ctx, 0, 10); len(again) != 0 {
		t.Fatalf("done entry came back: %v", again)
	}
}

func TestSuppression(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, store.Options{})
	id := "sms:+46700000002"
	if r, _ := st.Suppressed(ctx, id); r != "" {
		t.Fatalf("fresh participant suppressed: %q", r)
	}
	st.Suppress(ctx, id, message.OptedOut)
	if r, _ := st.Suppressed(ctx, id); r != message.OptedOut {
		t.Fatalf("got %q", r)
	}
	st.Unsuppress(ctx, id)
	if r, _ := st.Suppressed(ctx, id); r != "" {
		t.Fatalf("after unsuppress: %q", r)
	}
	first, _ := st.Remember(ctx, id, "SMx")
	second, _ := st.Remember(ctx, id, "SMx")
	if !first || second {
		t.Fatalf("remember: %v %v", first, second)
	}
}

func TestRenewKeepsOwnLeasesAndReportsLostOnes(t *testing.T) {
	ctx := context.Background()
	// One shard: a reclaim of one takes exactly one (on more, one a shard).
	st := newStore(t, store.Options{Shards: 1})
	for _, to := range []string{"a", "b"} {
		if err := st.Enqueue(ctx, "sms", message.Outbound{To: to}); err != nil {
			t.Fatal(err)
		}
	}
	mine, _ := st.Outbox(ctx, "sms", "mine")
	got, _ := mine.Read(ctx, 10, -1)
	if len(got) != 2 {
		t.Fatalf("read %v", got)
	}
	time.Sleep(30 * time.Millisecond)
	// Another consumer takes over both (this one looked dead), then this one renews.
	other, _ := st.Outbox(ctx, "sms", "other")
	if taken, err := other.Reclaim(ctx, 20*time.Millisecond, 1); err != nil || len(taken) != 1 {
		t.Fatalf("reclaim one: %v %v", taken, err)
	}
	lost, err := mine.Renew(ctx, []string{got[0].ID, got[1].ID, "0/0-1"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(lost) != fmt.Sprint([]string{got[0].ID, "0/0-1"}) {
		t.Fatalf("lost %v, want the reclaimed entry and the unknown id", lost)
	}
	// The renewed entry is fresh again: a reclaim with the same idle finds nothing.
	if taken, _ := other.Reclaim(ctx, 20*time.Millisecond, 10); len(taken) != 0 {
		t.Fatalf("a renewed lease was taken over: %v", taken)
	}
}

func TestSuppressedAmong(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, store.Options{})
	st.Suppress(ctx, "tg:1", message.Blocked)
	st.Suppress(ctx, "sms:+46700000003", message.OptedOut)
	got, err := st.SuppressedAmong(ctx, []string{"tg:1", "tg:2", "sms:+46700000003"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"tg:1": message.Blocked, "sms:+46700000003": message.OptedOut}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestCommitUnblockLiftsBlockedButNotOptedOut(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, store.Options{})
	tests := []struct {
		id, reason, want string
	}{
		{"tg:10", message.Blocked, ""},
		{"sms:+46700000004", message.OptedOut, message.OptedOut},
	}
	for _, tc := range tests {
		st.Suppress(ctx, tc.id, tc.reason)
		if _, err := st.Commit(ctx, store.Commit{ID: tc.id, State: flow.State{ID: tc.id, Step: "main.menu"}, Unblock: true}); err != nil {
			t.Fatal(err)
		}
		if r, _ := st.Suppressed(ctx, tc.id); r != tc.want {
			t.Errorf("%s suppressed %q after an unblocking commit, want %q", tc.id, r, tc.want)
		}
	}
}

// TestOutboxSurvivesALostGroup: a Redis that restarted without its data has no
// consumer group; the next read makes it again and goes on.
func TestOutboxSurvivesALostGroup(t *testing.T) {
	for _, shards := range []int{1, testShards} {
		t.Run(fmt.Sprint(shards, " shards"), func(t *testing.T) {
			ctx := context.Background()
			rdb, prefix := storetest.Redis(t)
			st := store.New(rdb, store.Options{Prefix: prefix, Shards: shards})
			r, err := st.Outbox(ctx, "sms", "c")
			if err != nil {
				t.Fatal(err)
			}
			for shard := range shards { // the streams and their groups
				if err := rdb.Del(ctx, fmt.Sprintf("%sgb:{s%d}:outbox:sms", prefix, shard)).Err(); err != nil {
					t.Fatal(err)
				}
			}
			if err := st.Enqueue(ctx, "sms", message.Outbound{To: "x"}); err != nil {
				t.Fatal(err)
			}
			for _, block := range []time.Duration{-1, time.Second} {
				got, err := r.Read(ctx, 10, block)
				if err != nil || len(got) != 1 {
					t.Fatalf("read (block %v) after the group was lost: %v %v", block, got, err)
				}
				if err := st.Enqueue(ctx, "sms", message.Outbound{To: "y"}); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestOutboxBacklog: what waits in an outbox, unread and read but not acknowledged,
// and how old the oldest is, by the entries' own times; an outbox nobody wrote to
// waits for nothing.
func TestOutboxBacklog(t *testing.T) {
	ctx := context.Background()
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	st := newStore(t, store.Options{Now: func() time.Time { return time.Unix(0, clock.Load()) }})
	if b, err := st.OutboxBacklog(ctx, "telegram"); err != nil || b.Waiting != 0 || b.Oldest != 0 {
		t.Fatalf("an empty outbox: %+v %v", b, err)
	}
	r, _ := st.Outbox(ctx, "sms", "a")
	for i := 0; i < 3; i++ {
		if err := st.Enqueue(ctx, "sms", message.Outbound{To: fmt.Sprint("p", i)}); err != nil {
			t.Fatal(err)
		}
	}
	clock.Add(int64(90 * time.Second))
	if b, err := st.OutboxBacklog(ctx, "sms"); err != nil || b.Waiting != 3 || b.Oldest < 89*time.Second || b.Oldest > 92*time.Second {
		t.Fatalf("three unread, 90 s old: %+v %v", b, err)
	}
	got, _ := r.Read(ctx, 10, -1)
	if len(got) != 3 {
		t.Fatalf("read %v, want all three", got)
	}
	if err := r.Done(ctx, got[0].ID); err != nil {
		t.Fatal(err)
	}
	// Two read and not acknowledged.
	if b, err := st.OutboxBacklog(ctx, "sms"); err != nil || b.Waiting != 2 || b.Oldest < 89*time.Second {
		t.Fatalf("after one delivered: %+v %v", b, err)
	}
	// One unread again beside them.
	if err := st.Enqueue(ctx, "sms", message.Outbound{To: "p3"}); err != nil {
		t.Fatal(err)
	}
	if b, err := st.OutboxBacklog(ctx, "sms"); err != nil || b.Waiting != 3 || b.Oldest < 89*time.Second {
		t.Fatalf("two read, one unread: %+v %v", b, err)
	}
	rest, _ := r.Read(ctx, 10, -1)
	if err := r.Done(ctx, append([]string{got[1].ID, got[2].ID}, rest[0].ID)...); err != nil {
		t.Fatal(err)
	}
	if b, err := st.OutboxBacklog(ctx, "sms"); err != nil || b.Waiting != 0 || b.Oldest != 0 {
		t.Fatalf("all delivered: %+v %v", b, err)
	}
}

// TestOpenTickets: the requests waiting in a language's queue and those a guide
// holds are open, oldest first; a closed one is not.
func TestOpenTickets(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, store.Options{})
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	open := func(p, lang string, at time.Time) string {
		id, _, _, err := st.OpenTicket(ctx, store.Ticket{Participant: p, Channel: "sms", Address: "+4670000000" + p[len(p)-1:],
			Lang: lang, Opened: at.Unix()}, at.Add(time.Hour), "handoff.unclaimed")
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	a := open("sms:p1", "ar", now.Add(-time.Hour))
	b := open("sms:p2", "sv", now.Add(-2*time.Hour))
	c := open("sms:p3", "ar", now)
	g := store.Guide{Chat: "77", Name: "Omar", Langs: []string{"ar"}}
	if err := st.SaveGuide(ctx, g); err != nil {
		t.Fatal(err)
	}
	if won, _, _, err := st.ClaimTicket(ctx, a, g, now); err != nil || !won {
		t.Fatalf("claim: %v %v", won, err)
	}
	if _, closed, err := st.CloseTicket(ctx, c, "helped", now); err != nil || !closed {
		t.Fatalf("close: %v %v", closed, err)
	}
	got, err := st.OpenTickets(ctx, []string{"ar", "sv"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != b || got[1].ID != a || got[1].Status != store.TicketClaimed {
		t.Fatalf("open tickets %+v, want %s waiting then %s claimed", got, b, a)
	}
}

// TestOutboxReadsEveryShard: messages for many participants land in the shards of
// their participants; a reader takes them all, in the order they were queued (to
// the millisecond: the shards' streams have no common sequence), and a waiting
// read wakes for a message queued while it waits.
func TestOutboxReadsEveryShard(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, store.Options{Shards: 8})
	r, err := st.Outbox(ctx, "sms", "c")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		if err := st.Enqueue(ctx, "sms", message.Outbound{To: fmt.Sprint(i), Participant: fmt.Sprint("sms:", i)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := r.Read(ctx, 100, -1)
	if err != nil || len(got) != 40 {
		t.Fatalf("read %d, %v; want 40", len(got), err)
	}
	shards, seen := map[string]bool{}, map[string]bool{}
	var last time.Time
	for _, e := range got {
		shard, _, _ := strings.Cut(e.ID, "/")
		shards[shard] = true
		var m message.Outbound
		json.Unmarshal([]byte(e.Payload), &m)
		seen[m.To] = true
		at, ok := store.EntryTime(e.ID)
		if !ok || at.Before(last) {
			t.Fatalf("entry %s comes after one of %s", e.ID, last)
		}
		last = at
	}
	if len(seen) != 40 {
		t.Fatalf("%d of 40 recipients read", len(seen))
	}
	if len(shards) < 4 {
		t.Fatalf("40 participants in %d of 8 shards", len(shards))
	}
	// A read of ten takes ten, however they are spread.
	for i := range 30 {
		st.Enqueue(ctx, "sms", message.Outbound{To: "x", Participant: fmt.Sprint("sms:", i%3)})
	}
	if got, _ := r.Read(ctx, 10, -1); len(got) < 10 || len(got) > 10+8 {
		t.Fatalf("a read of ten took %d", len(got))
	}
	rest, _ := r.Read(ctx, 100, -1)
	if len(rest) < 30-18 {
		t.Fatalf("the rest: %d", len(rest))
	}
	done := make(chan []store.Entry)
	go func() {
		got, _ := r.Read(ctx, 10, 10*time.Second)
		done <- got
	}()
	time.Sleep(50 * time.Millisecond)
	if err := st.Enqueue(ctx, "sms", message.Outbound{To: "late", Participant: "sms:late"}); err != nil {
		t.Fatal(err)
	}
	if got := <-done; len(got) != 1 || !strings.Contains(got[0].Payload, `"late"`) {
		t.Fatalf("the waiting read got %v", got)
	}
}

func TestClusterURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"redis+cluster://a:7000,b:7001,c:7002", "redis://a:7000?addr=b:7001&addr=c:7002"},
		{"rediss+cluster://u:p@a:7000,b:7001/?dial_timeout=3s", "rediss://u:p@a:7000/?dial_timeout=3s&addr=b:7001"},
		{"redis+cluster://a:7000", "redis://a:7000"},
	}
	for _, tt := range tests {
		if got, ok := store.ClusterURL(tt.in); !ok || got != tt.want {
			t.Errorf("ClusterURL(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	for _, in := range []string{"redis://a:6379/0", "http+cluster://a", ""} {
		if _, ok := store.ClusterURL(in); ok {
			t.Errorf("ClusterURL(%q) took it for a cluster", in)
		}
	}
}

// TestRedisFailuresAreCounted: a round trip that fails counts in
// guidebot_errors_total{kind="redis"}; a key that is not there, a script loaded on
// first use and a consumer group that exists do not.
func TestRedisFailuresAreCounted(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(t)
	reg := prometheus.NewRegistry()
	if err := store.CountRoundTrips(rdb, reg); err != nil {
		t.Fatal(err)
	}
	st := store.New(rdb, store.Options{Prefix: prefix})
	if _, err := st.Load(ctx, "tg:1", "m1"); err != nil {
		t.Fatal(err)
	}
	rdb.ScriptFlush(ctx) // the commit script must be sent again
	if _, err := st.Commit(ctx, store.Commit{ID: "tg:1", MsgID: "m1", State: flow.State{ID: "tg:1"}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := st.Outbox(ctx, "sms", "c"); err != nil {
			t.Fatal(err)
		}
	}
	if lang, err := st.Language(ctx, "tg:2"); err != nil || lang != "" {
		t.Fatalf("language of nobody: %q %v", lang, err)
	}
	failed := func() float64 { return counterValue(t, reg, "guidebot_errors_total", "redis") }
	if n := failed(); n != 0 {
		t.Fatalf("%v failures counted where none failed", n)
	}
	if err := rdb.Do(ctx, "NO-SUCH-COMMAND").Err(); err == nil {
		t.Fatal("an unknown command did not fail")
	}
	if n := failed(); n != 1 {
		t.Fatalf("%v failures counted, want 1", n)
	}
}

// counterValue reads the counter of name whose one label has value among reg's.
func counterValue(t *testing.T, reg *prometheus.Registry, name, value string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			if f.GetName() == name && len(m.GetLabel()) == 1 && m.GetLabel()[0].GetValue() == value {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestScheduledGauge: the reminders and ticks scheduled in every shard are counted
// at a scrape.
func TestScheduledGauge(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, store.Options{})
	due := time.Now().Add(time.Hour)
	for i := range 5 {
		p := fmt.Sprint("sms:+4670000000", i)
		if err := st.ScheduleReminder(ctx, store.Reminder{ID: fmt.Sprint("r", i), Due: due, Starts: due.Add(time.Hour),
			Channel: "sms", Participant: p, Message: message.Outbound{To: "x", Participant: p}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.ScheduleTick(ctx, store.Tick{ID: "t1", Participant: "tg:1", Due: due}); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(st.BacklogCollector([]string{"sms"}))
	got := map[string]float64{}
	families, _ := reg.Gather()
	for _, f := range families {
		for _, m := range f.GetMetric() {
			if f.GetName() == "guidebot_scheduled" {
				got[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
			}
		}
	}
	if got["reminder"] != 5 || got["tick"] != 1 {
		t.Fatalf("scheduled %v, want 5 reminders and 1 tick", got)
	}
}
