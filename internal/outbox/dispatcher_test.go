package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/outbox"
	"github.com/guidebot/guidebot/internal/store"
)

func TestRetriesTransientAndDropsPermanent(t *testing.T) {
	tests := []struct {
		name     string
		errs     []error
		wantSent int
	}{
		{"ok", nil, 1},
		{"transient twice", []error{outbox.Retry(0, errors.New("503")), outbox.Retry(3*time.Second, errors.New("429"))}, 1},
		{"permanent", []error{errors.New("400 chat not found")}, 0},
		{"transient forever", repeat(outbox.Retry(0, errors.New("timeout")), 20), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.enqueue("123", 1)
			p := newProvider(f.clock.Now)
			var mu sync.Mutex
			errs := tc.errs
			p.fail = func(message.Outbound) error {
				mu.Lock()
				defer mu.Unlock()
				if len(errs) == 0 {
					return nil
				}
				err := errs[0]
				errs = errs[1:]
				return err
			}
			d := f.dispatcher("w", p, outbox.Options{})
			if err := d.Drain(f.ctx); err != nil {
				t.Fatal(err)
			}
			if got := len(p.deliveries()); got != tc.wantSent {
				t.Fatalf("sent %d, want %d", got, tc.wantSent)
			}
			if n := f.left(); n != 0 {
				t.Fatalf("%d entries left unacknowledged", n)
			}
		})
	}
}

// TestFloodingRecipientHoldsUpNobody is the fairness bar on a fake clock: one
// recipient with 40 (Telegram) or 60 (SMS) messages queued at its own pace of one a
// second, and 20 others with one message each. The others go out as they would
// without the flooder, give or take one slot of the global rate: the k-th of them
// to go no later than the k-th without it. (Which of them goes k-th may differ: the
// outbox's shards order messages queued in the same millisecond as they come.)
func TestFloodingRecipientHoldsUpNobody(t *testing.T) {
	tests := []struct {
		name   string
		flood  int
		limits outbox.Limits
	}{
		{"telegram", 40, outbox.Limits{Rate: 30, Pace: func(string) time.Duration { return time.Second }}},
		{"sms", 60, outbox.Limits{Pace: func(string) time.Duration { return time.Second }}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := func(flood int) map[string]time.Duration {
				f := newFixture(t)
				start := f.clock.Now()
				f.enqueue("flooder", flood)
				for i := 0; i < 20; i++ {
					f.enqueue("p"+strconv.Itoa(i), 1)
				}
				p := newProvider(f.clock.Now)
				d := f.dispatcher("w", p, outbox.Options{Limits: tc.limits, Senders: 4})
				if err := d.Drain(f.ctx); err != nil {
					t.Fatal(err)
				}
				waits := map[string]time.Duration{}
				for _, s := range p.deliveries() {
					if s.to != "flooder" {
						waits[s.to] = s.at.Sub(start)
					}
				}
				if flood > 0 {
					last := p.deliveries()[len(p.deliveries())-1]
					if last.to != "flooder" || last.at.Sub(start) < time.Duration(flood-1)*time.Second {
						t.Fatalf("the flooder's pace was not kept: last send %+v", last)
					}
				}
				return waits
			}
			with, without := run(tc.flood), run(0)
			if len(with) != 20 || len(without) != 20 {
				t.Fatalf("delivered %d and %d of 20", len(with), len(without))
			}
			withWaits, withoutWaits := slices.Sorted(maps.Values(with)), slices.Sorted(maps.Values(without))
			for k := range withWaits {
				if extra := withWaits[k] - withoutWaits[k]; extra > 50*time.Millisecond {
					t.Errorf("the %d. to go waited %s with the flooder, %s without", k+1, withWaits[k], withoutWaits[k])
				}
			}
		})
	}
}

func TestRetryAndPaceHoldNoSender(t *testing.T) {
	f := newFixture(t)
	start := f.clock.Now()
	f.enqueue("slow", 3)
	for i := 0; i < 5; i++ {
		f.enqueue("q"+strconv.Itoa(i), 1)
	}
	p := newProvider(f.clock.Now)
	var failed atomic.Bool
	p.fail = func(msg message.Outbound) error {
		if msg.To == "slow" && !failed.Swap(true) {
			return outbox.Retry(time.Minute, errors.New("429 for this chat"))
		}
		return nil
	}
	// One sender: if the retry held it, nobody else could go for a minute.
	d := f.dispatcher("w", p, outbox.Options{Senders: 1, Limits: outbox.Limits{Pace: func(string) time.Duration { return time.Second }}})
	if err := d.Drain(f.ctx); err != nil {
		t.Fatal(err)
	}
	var slow []string
	for _, s := range p.deliveries() {
		if s.to == "slow" {
			slow = append(slow, s.text)
			if s.at.Sub(start) < time.Minute {
				t.Errorf("%s went before its retry was due", s.text)
			}
			continue
		}
		if s.at != start {
			t.Errorf("%s waited %s behind another recipient's retry", s.to, s.at.Sub(start))
		}
	}
	if strings.Join(slow, ",") != "slow#0,slow#1,slow#2" {
		t.Fatalf("the retried recipient's messages went %v, want in order", slow)
	}
}

func TestRetryEveryoneHoldsEveryone(t *testing.T) {
	f := newFixture(t)
	start := f.clock.Now()
	f.enqueue("a", 1)
	f.enqueue("b", 1)
	p := newProvider(f.clock.Now)
	var once atomic.Bool
	p.fail = func(msg message.Outbound) error {
		if !once.Swap(true) {
			return outbox.RetryEveryone(10*time.Second, errors.New("429 for the bot"))
		}
		return nil
	}
	d := f.dispatcher("w", p, outbox.Options{Senders: 1})
	if err := d.Drain(f.ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range p.deliveries() {
		if s.at.Sub(start) < 10*time.Second {
			t.Errorf("%s sent %s after a hold of 10s for everyone", s.to, s.at.Sub(start))
		}
	}
	if len(p.deliveries()) != 2 {
		t.Fatalf("delivered %d of 2", len(p.deliveries()))
	}
}

func TestUnreachableRecipientIsSuppressedAndItsQueueDropped(t *testing.T) {
	f := newFixture(t)
	f.enqueue("gone", 3)
	notice := message.Outbound{To: "gone", Participant: "p:gone", Text: "notice", System: true}
	if err := f.st.Enqueue(f.ctx, testChannel, notice); err != nil {
		t.Fatal(err)
	}
	f.enqueue("here", 1)
	p := newProvider(f.clock.Now)
	var refused atomic.Int32
	p.fail = func(msg message.Outbound) error {
		if msg.To == "gone" && !msg.System {
			refused.Add(1)
			return outbox.Unreachable(message.Blocked, errors.New("403 blocked by the user"))
		}
		return nil
	}
	d := f.dispatcher("w", p, outbox.Options{})
	if err := d.Drain(f.ctx); err != nil {
		t.Fatal(err)
	}
	if n := refused.Load(); n != 1 {
		t.Fatalf("the provider was asked %d times for an unreachable recipient, want 1", n)
	}
	if r, _ := f.st.Suppressed(f.ctx, "p:gone"); r != message.Blocked {
		t.Fatalf("suppressed %q, want %q", r, message.Blocked)
	}
	got := map[string]bool{}
	for _, s := range p.deliveries() {
		got[s.text] = true
	}
	if !got["notice"] || !got["here#0"] || len(got) != 2 {
		t.Fatalf("delivered %v, want the system notice and the other recipient's message", got)
	}
	if n := f.left(); n != 0 {
		t.Fatalf("%d entries left unacknowledged", n)
	}
}

func TestSuppressedParticipantIsSentNothing(t *testing.T) {
	f := newFixture(t)
	if err := f.st.Suppress(f.ctx, "p:stopped", message.OptedOut); err != nil {
		t.Fatal(err)
	}
	f.enqueue("stopped", 2)
	f.enqueue("other", 1)
	p := newProvider(f.clock.Now)
	d := f.dispatcher("w", p, outbox.Options{})
	if err := d.Drain(f.ctx); err != nil {
		t.Fatal(err)
	}
	if got := p.deliveries(); len(got) != 1 || got[0].to != "other" {
		t.Fatalf("delivered %+v, want only the other recipient's message", got)
	}
	if n := f.left(); n != 0 {
		t.Fatalf("%d entries left unacknowledged", n)
	}
}

func TestOrderKeptPerRecipientUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	const recipients, each = 40, 10
	for i := 0; i < each; i++ {
		for r := 0; r < recipients; r++ {
			f.enqueue("r"+strconv.Itoa(r), 1)
		}
	}
	p := newProvider(time.Now)
	p.fail = func(message.Outbound) error {
		time.Sleep(time.Duration(rand.IntN(1000)) * time.Microsecond) // answers out of order
		return nil
	}
	d := outbox.New(f.stream("w"), p, f.st, outbox.Options{Channel: testChannel, Senders: 16, Log: quiet})
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	waitFor(t, "every message", func() bool { return len(p.deliveries()) >= recipients*each })
	cancel()
	<-done
	next := map[string]int{}
	for _, s := range p.deliveries() {
		want := fmt.Sprintf("%s#%d", s.to, next[s.to])
		if s.text != want {
			t.Fatalf("%s got %s, want %s next", s.to, s.text, want)
		}
		next[s.to]++
	}
	if n := len(p.deliveries()); n != recipients*each {
		t.Fatalf("delivered %d, want %d", n, recipients*each)
	}
}

func TestHungCallHoldsOnlyItsRecipient(t *testing.T) {
	f := newFixture(t)
	f.enqueue("hung", 2)
	for i := 0; i < 10; i++ {
		f.enqueue("ok"+strconv.Itoa(i), 1)
	}
	release := make(chan struct{})
	p := newProvider(time.Now)
	p.fail = func(msg message.Outbound) error {
		if msg.To == "hung" {
			<-release // a provider call that does not answer
		}
		return nil
	}
	// One sender: the hung call must stop counting against it.
	d := outbox.New(f.stream("w"), p, f.st, outbox.Options{Channel: testChannel, Senders: 1, Log: quiet})
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	waitFor(t, "the other recipients' messages", func() bool { return len(p.deliveries()) == 10 })
	for _, s := range p.deliveries() {
		if s.to == "hung" {
			t.Fatalf("the hung recipient's second message overtook its first")
		}
	}
	close(release)
	waitFor(t, "the hung recipient's messages", func() bool { return len(p.deliveries()) == 12 })
	cancel()
	<-done
	if got := p.deliveries(); got[10].text != "hung#0" || got[11].text != "hung#1" {
		t.Fatalf("the hung recipient got %s, %s; want them in order", got[10].text, got[11].text)
	}
}

// TestStoppedDispatcherLeavesEveryMessageDeliveredOnce cancels a dispatcher mid-batch:
// what it had sent is acknowledged on the way out, and another replica sends the rest
// after the lease, each exactly once.
func TestStoppedDispatcherLeavesEveryMessageDeliveredOnce(t *testing.T) {
	f := newFixture(t)
	const total = 300
	for r := 0; r < 30; r++ {
		f.enqueue("r"+strconv.Itoa(r), total/30)
	}
	p := newProvider(time.Now)
	p.fail = func(message.Outbound) error { time.Sleep(time.Millisecond); return nil }
	lease := 200 * time.Millisecond
	a := outbox.New(f.stream("a"), p, f.st, outbox.Options{Channel: testChannel, Senders: 4, Lease: lease, Log: quiet})
	ctx, stop := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	waitFor(t, "a third delivered", func() bool { return len(p.deliveries()) >= total/3 })
	stop()
	<-done
	sentByA := len(p.deliveries())
	if sentByA >= total {
		t.Fatalf("the first dispatcher sent everything (%d) before it was stopped", sentByA)
	}
	b := outbox.New(f.stream("b"), p, f.st, outbox.Options{Channel: testChannel, Senders: 4, Lease: lease, Log: quiet})
	ctx, stop = context.WithCancel(f.ctx)
	go func() { done <- b.Run(ctx) }()
	waitFor(t, "every message", func() bool { return len(p.deliveries()) >= total })
	waitFor(t, "the outbox to empty", func() bool { return f.left() == 0 })
	stop()
	<-done
	for r := 0; r < 30; r++ {
		for i := 0; i < total/30; i++ {
			if n := p.times(fmt.Sprintf("r%d#%d", r, i)); n != 1 {
				t.Errorf("r%d#%d delivered %d times, want once", r, i, n)
			}
		}
	}
}

// crashable is a consumer that dies: after crash, nothing it says reaches Redis, as
// when its process is killed.
type crashable struct {
	*store.OutboxReader
	crashed atomic.Bool
	acked   atomic.Int64
}

var errDead = errors.New("process killed")

func (c *crashable) Done(ctx context.Context, ids ...string) error {
	if c.crashed.Load() {
		return errDead
	}
	if err := c.OutboxReader.Done(ctx, ids...); err != nil {
		return err
	}
	c.acked.Add(int64(len(ids)))
	return nil
}

func (c *crashable) Renew(ctx context.Context, ids []string) ([]string, error) {
	if c.crashed.Load() {
		return nil, errDead
	}
	return c.OutboxReader.Renew(ctx, ids)
}

// TestKilledReplicaLosesNothing kills a dispatcher mid-batch: everything it held comes
// back after the lease and is delivered; a message is sent twice only when the
// provider had accepted it and the ack never reached Redis — exactly the messages the
// unacked gauge counts.
func TestKilledReplicaLosesNothing(t *testing.T) {
	f := newFixture(t)
	const total = 300
	for r := 0; r < 30; r++ {
		f.enqueue("r"+strconv.Itoa(r), total/30)
	}
	var dead atomic.Bool
	p := newProvider(time.Now)
	p.fail = func(message.Outbound) error {
		time.Sleep(time.Millisecond)
		if dead.Load() {
			return errors.New("the process is gone") // a dead replica sends nothing more
		}
		return nil
	}
	lease := 200 * time.Millisecond
	killed := &crashable{OutboxReader: f.stream("a")}
	reg := prometheus.NewRegistry()
	metrics, err := outbox.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	a := outbox.New(killed, p, f.st, outbox.Options{Channel: testChannel, Senders: 4, Lease: lease, Log: quiet, Metrics: metrics})
	ctx, stop := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	waitFor(t, "a third delivered", func() bool { return len(p.deliveries()) >= total/3 })
	killed.crashed.Store(true)
	dead.Store(true)
	stop()
	<-done
	sentByA, ackedByA := len(p.deliveries()), int(killed.acked.Load())
	// The gauge an operator watches counts exactly the window a crash sends twice.
	if window := testutil.ToFloat64(metrics.Unacked(testChannel)); int(window) != sentByA-ackedByA {
		t.Fatalf("guidebot_outbox_unacked is %v; %d were accepted but not acknowledged", window, sentByA-ackedByA)
	}
	dead.Store(false)

	b := outbox.New(f.stream("b"), p, f.st, outbox.Options{Channel: testChannel, Senders: 4, Lease: lease, Log: quiet})
	ctx, stop = context.WithCancel(f.ctx)
	go func() { done <- b.Run(ctx) }()
	waitFor(t, "the outbox to empty", func() bool { return f.left() == 0 })
	stop()
	<-done
	twice := 0
	for r := 0; r < 30; r++ {
		for i := 0; i < total/30; i++ {
			switch n := p.times(fmt.Sprintf("r%d#%d", r, i)); n {
			case 0:
				t.Errorf("r%d#%d lost", r, i)
			case 1:
			default:
				twice += n - 1
			}
		}
	}
	if window := sentByA - ackedByA; twice != window {
		t.Fatalf("%d messages sent twice; the killed replica had %d accepted but unacknowledged", twice, window)
	}
	t.Logf("killed after %d sends, %d acknowledged: %d sent twice", sentByA, ackedByA, twice)
}

func TestTwoReplicasShareTheWorkOnce(t *testing.T) {
	f := newFixture(t)
	const total = 500
	for r := 0; r < 50; r++ {
		f.enqueue("r"+strconv.Itoa(r), total/50)
	}
	p := newProvider(time.Now)
	ctx, stop := context.WithCancel(f.ctx)
	var wg sync.WaitGroup
	for _, name := range []string{"a", "b"} {
		d := outbox.New(f.stream(name), p, f.st, outbox.Options{Channel: testChannel, Senders: 8, Log: quiet})
		wg.Add(1)
		go func() { defer wg.Done(); d.Run(ctx) }()
	}
	waitFor(t, "the outbox to empty", func() bool { return len(p.deliveries()) >= total && f.left() == 0 })
	stop()
	wg.Wait()
	if n := len(p.deliveries()); n != total {
		t.Fatalf("delivered %d, want %d exactly", n, total)
	}
}

func repeat(err error, n int) []error {
	out := make([]error, n)
	for i := range out {
		out[i] = err
	}
	return out
}

// countingSuppressions counts the lookups the dispatcher makes.
type countingSuppressions struct {
	*store.Store
	looked atomic.Int64
}

func (c *countingSuppressions) SuppressedAmong(ctx context.Context, ids []string) (map[string]string, error) {
	c.looked.Add(int64(len(ids)))
	return c.Store.SuppressedAmong(ctx, ids)
}

// TestFreshCheckIsTrusted: a message whose producer just found the participant not
// suppressed is not looked up again; one that was not checked, or checked long ago,
// is, and a suppression found then holds.
func TestFreshCheckIsTrusted(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now()
	if err := f.st.Suppress(f.ctx, "p:stale", message.OptedOut); err != nil {
		t.Fatal(err)
	}
	for _, m := range []message.Outbound{
		{To: "fresh", Participant: "p:fresh", Text: "fresh", CheckedAt: now.UnixMilli()},
		{To: "stale", Participant: "p:stale", Text: "stale", CheckedAt: now.Add(-time.Minute).UnixMilli()},
		{To: "unchecked", Participant: "p:unchecked", Text: "unchecked"},
	} {
		if err := f.st.Enqueue(f.ctx, testChannel, m); err != nil {
			t.Fatal(err)
		}
	}
	sup := &countingSuppressions{Store: f.st}
	p := newProvider(f.clock.Now)
	d := outbox.New(f.stream("w"), p, sup, outbox.Options{Channel: testChannel, Now: f.clock.Now, Sleep: f.clock.Sleep, Log: quiet})
	if err := d.Drain(f.ctx); err != nil {
		t.Fatal(err)
	}
	if n := sup.looked.Load(); n != 2 {
		t.Fatalf("%d participants looked up, want 2 (the stale and the unchecked)", n)
	}
	var got []string
	for _, s := range p.deliveries() {
		got = append(got, s.text)
	}
	if strings.Join(got, ",") != "fresh,unchecked" && strings.Join(got, ",") != "unchecked,fresh" {
		t.Fatalf("delivered %v, want fresh and unchecked", got)
	}
}

// countingStream counts the acknowledgement round trips.
type countingStream struct {
	*store.OutboxReader
	dones atomic.Int64
}

func (c *countingStream) Done(ctx context.Context, ids ...string) error {
	c.dones.Add(1)
	return c.OutboxReader.Done(ctx, ids...)
}

// TestAcksAreBatched: 300 messages to 30 recipients are acknowledged in a handful of
// round trips, not one each.
func TestAcksAreBatched(t *testing.T) {
	f := newFixture(t)
	for r := 0; r < 30; r++ {
		f.enqueue("r"+strconv.Itoa(r), 10)
	}
	s := &countingStream{OutboxReader: f.stream("w")}
	p := newProvider(time.Now)
	d := outbox.New(s, p, f.st, outbox.Options{Channel: testChannel, Log: quiet})
	ctx, stop := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }() // the serving path: the acker, not Drain's flush
	waitFor(t, "every message acknowledged", func() bool { return len(p.deliveries()) == 300 && f.left() == 0 })
	stop()
	<-done
	if n := s.dones.Load(); n > 30 {
		t.Fatalf("%d acknowledgement round trips for 300 messages", n)
	}
	t.Logf("300 messages, %d acknowledgement round trips", s.dones.Load())
}
