package remind_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/outbox"
	"github.com/guidebot/guidebot/internal/remind"
	"github.com/guidebot/guidebot/internal/store"
	"github.com/guidebot/guidebot/internal/store/storetest"
)

var channels = []string{message.Telegram, message.SMS}

type fixture struct {
	ctx    context.Context
	st     *store.Store
	rdb    redis.UniversalClient
	count  func(ch string) int64
	now    time.Time
	prefix string
}

func newFixture(t testing.TB) fixture {
	rdb, prefix := storetest.Redis(t)
	ctx := context.Background()
	st := store.New(rdb, store.Options{Prefix: prefix})
	return fixture{ctx: ctx, st: st, rdb: rdb, prefix: prefix,
		now: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC),
		count: func(ch string) int64 {
			entries, err := st.Entries(ctx, store.Outbox(ch))
			if err != nil {
				t.Fatal(err)
			}
			return int64(len(entries))
		}}
}

// schedule adds n reminders due at due for sessions starting at starts.
func (f fixture) schedule(t testing.TB, n int, due, starts time.Time) {
	for i := range n {
		ch := channels[i%2]
		r := store.Reminder{ID: fmt.Sprintf("b%d@2h", i), Due: due, Starts: starts, Channel: ch,
			Message: message.Outbound{To: strconv.Itoa(1000 + i), Participant: "p" + strconv.Itoa(i), Text: "reminder " + strconv.Itoa(i)}}
		if err := f.st.ScheduleReminder(f.ctx, r); err != nil {
			t.Fatal(err)
		}
	}
}

// TestThreeReplicasReleaseEachReminderOnce: 10 000 due reminders, three replicas
// ticking at once: every reminder is queued to its outbox exactly once.
func TestThreeReplicasReleaseEachReminderOnce(t *testing.T) {
	f := newFixture(t)
	const n = 10000
	f.schedule(t, n, f.now.Add(-time.Minute), f.now.Add(2*time.Hour))
	var wg sync.WaitGroup
	total := make([]int, 3)
	for i := range 3 {
		r, err := remind.NewRunner(f.st, remind.Ticks{}, channels, func() time.Time { return f.now }, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			q, d, err := r.Tick(f.ctx)
			if err != nil || d != 0 {
				t.Errorf("replica %d: queued %d, dropped %d, %v", i, q, d, err)
			}
			total[i] = q
		}()
	}
	wg.Wait()
	if sum := total[0] + total[1] + total[2]; sum != n {
		t.Fatalf("replicas queued %v, %d in all; want %d", total, sum, n)
	}
	if got := f.count(message.Telegram) + f.count(message.SMS); got != n {
		t.Fatalf("%d outbox entries, want %d", got, n)
	}
	if left, _ := f.st.PendingReminders(f.ctx); left != 0 {
		t.Fatalf("%d reminders left", left)
	}
	t.Logf("three replicas queued %v", total)
}

func TestReleaseOnlyWhatIsDueAndDropWhatIsLate(t *testing.T) {
	f := newFixture(t)
	f.schedule(t, 4, f.now.Add(time.Minute), f.now.Add(2*time.Hour)) // not yet due
	reg := prometheus.NewRegistry()
	r, err := remind.NewRunner(f.st, remind.Ticks{}, channels, func() time.Time { return f.now }, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	if q, d, err := r.Tick(f.ctx); q != 0 || d != 0 || err != nil {
		t.Fatalf("before they were due: queued %d, dropped %d, %v", q, d, err)
	}
	// After downtime: one reminder still before its session goes, one after is dropped.
	late := store.Reminder{ID: "late", Due: f.now.Add(-3 * time.Hour), Starts: f.now.Add(-time.Hour), Channel: message.SMS,
		Message: message.Outbound{To: "+46700000001", Text: "too late"}}
	onTime := store.Reminder{ID: "on-time", Due: f.now.Add(-3 * time.Hour), Starts: f.now.Add(time.Hour), Channel: message.SMS,
		Message: message.Outbound{To: "+46700000002", Text: "still useful"}}
	for _, x := range []store.Reminder{late, onTime} {
		if err := f.st.ScheduleReminder(f.ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if q, d, err := r.Tick(f.ctx); q != 1 || d != 1 || err != nil {
		t.Fatalf("after downtime: queued %d, dropped %d, %v; want 1 and 1", q, d, err)
	}
	// A cancelled booking's reminders never go.
	for i, id := range []string{"b0@2h", "b1@2h"} {
		if err := f.st.CancelReminders(f.ctx, "p"+strconv.Itoa(i), id); err != nil {
			t.Fatal(err)
		}
	}
	f.now = f.now.Add(2 * time.Minute)
	if q, _, _ := r.Tick(f.ctx); q != 2 {
		t.Fatalf("after the cancel: queued %d, want the 2 left", q)
	}
	// The one released three hours after it was due was late; the two a minute
	// after, on a tick's usual delay, were not.
	want := `
# HELP guidebot_reminders_total Reminders released to the outbox (queued; late: of those, more than 2 minutes after they were due), or dropped because their session had begun.
# TYPE guidebot_reminders_total counter
guidebot_reminders_total{outcome="dropped"} 1
guidebot_reminders_total{outcome="late"} 1
guidebot_reminders_total{outcome="queued"} 3
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "guidebot_reminders_total"); err != nil {
		t.Fatal(err)
	}
	// And in the programme's figures, by month.
	month := store.Month(f.now)
	counts, err := f.st.Counts(f.ctx, []string{month})
	if err != nil || counts[month][remind.ReminderSent] != 3 || counts[month][remind.ReminderDropped] != 1 {
		t.Fatalf("figures %v %v", counts, err)
	}
}

// BenchmarkRelease moves b.N due reminders into the outboxes with a real Redis and
// reports reminders/s and the memory one scheduled reminder takes in Redis.
func BenchmarkRelease(b *testing.B) {
	f := newFixture(b)
	before := usedMemory(b, f)
	f.schedule(b, b.N, f.now.Add(-time.Minute), f.now.Add(time.Hour))
	perReminder := float64(usedMemory(b, f)-before) / float64(b.N)
	r, err := remind.NewRunner(f.st, remind.Ticks{}, channels, func() time.Time { return f.now }, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	q, _, err := r.Tick(f.ctx)
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil || q != b.N {
		b.Fatalf("queued %d of %d: %v", q, b.N, err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "reminders/s")
	b.ReportMetric(perReminder, "bytes/reminder")
}

// usedMemory is the Redis server's used_memory: shared with other runs, so the
// figure per reminder is an estimate over many.
func usedMemory(b *testing.B, f fixture) int64 {
	info, err := f.rdb.Info(f.ctx, "memory").Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	b.Fatal("no used_memory in INFO")
	return 0
}

// instantSender accepts everything at once: the benchmark measures guidebot.
type instantSender struct{ n atomic.Int64 }

func (s *instantSender) Send(context.Context, message.Outbound) error {
	s.n.Add(1)
	return nil
}

// BenchmarkRemindersThroughLanes: b.N reminders to 1000 participants come due; the
// runner releases them into the outbox and a dispatcher delivers them to an instant
// provider, limits lifted. reminders/s is due → accepted by the provider, end to end.
func BenchmarkRemindersThroughLanes(b *testing.B) {
	f := newFixture(b)
	due, starts := f.now.Add(-time.Minute), f.now.Add(time.Hour)
	for i := range b.N {
		to := strconv.Itoa(1000 + i%1000)
		r := store.Reminder{ID: fmt.Sprintf("b%d@2h", i), Due: due, Starts: starts, Channel: message.SMS,
			Message: message.Outbound{To: to, Participant: "sms:" + to, Text: "reminder " + strconv.Itoa(i)}}
		if err := f.st.ScheduleReminder(f.ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	r, err := remind.NewRunner(f.st, remind.Ticks{}, []string{message.SMS}, func() time.Time { return f.now }, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	stream, err := f.st.Outbox(f.ctx, message.SMS, "bench")
	if err != nil {
		b.Fatal(err)
	}
	s := &instantSender{}
	d := outbox.New(stream, s, f.st, outbox.Options{Channel: message.SMS,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	b.ResetTimer()
	start := time.Now()
	if q, _, err := r.Tick(f.ctx); err != nil || q != b.N {
		b.Fatalf("released %d of %d: %v", q, b.N, err)
	}
	for s.n.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	for f.count(message.SMS) > 0 { // the last acknowledgements
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	<-done
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "reminders/s")
}

// TestMinuteGivesBackSeatsACrashLeft: a seat whose booking was never written (the
// replica stopped between the two steps) is free again after the next minutes,
// and a booked seat is kept.
func TestMinuteGivesBackSeatsACrashLeft(t *testing.T) {
	f := newFixture(t)
	start := f.now.Add(24 * time.Hour)
	book := func(p string) store.BookingRequest {
		return store.BookingRequest{Participant: p, Capacity: 1, MaxOpen: 3, Now: f.now, Ends: start.Add(time.Hour),
			Booking: flow.Booking{Key: "s@1", Start: start.Unix()}}
	}
	if out, err := f.st.Book(f.ctx, book("p1")); err != nil || out != store.Booked {
		t.Fatalf("book: %v %v", out, err)
	}
	if _, err := f.st.CancelBooking(f.ctx, "p1", book("p1").Booking); err != nil {
		t.Fatal(err)
	}
	// The seat is taken as a first step takes it, and the second never comes.
	if err := f.rdb.HSet(f.ctx, f.prefix+"gb:{r}:roster:s@1", "p2", f.now.Unix()).Err(); err != nil {
		t.Fatal(err)
	}
	if out, _ := f.st.Book(f.ctx, book("p3")); out != store.Full {
		t.Fatalf("with the stray seat: %v, want full", out)
	}
	r, err := remind.NewRunner(f.st, remind.Ticks{}, channels, func() time.Time { return f.now }, nil, nil, remind.TidyRosters(f.st))
	if err != nil {
		t.Fatal(err)
	}
	r.Minute(f.ctx)
	if out, _ := f.st.Book(f.ctx, book("p3")); out != store.Full {
		t.Fatalf("within the grace: %v, want the seat still held", out)
	}
	f.now = f.now.Add(2 * time.Minute)
	r.Minute(f.ctx)
	if out, err := f.st.Book(f.ctx, book("p3")); err != nil || out != store.Booked {
		t.Fatalf("after the grace: %v %v, want the seat free", out, err)
	}
	r.Minute(f.ctx)
	if n, _ := f.st.Roster(f.ctx, "s@1"); n != 1 {
		t.Fatalf("roster %d, want p3's booked seat kept", n)
	}
}
