package outbox_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/clocktest"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/outbox"
	"github.com/guidebot/guidebot/internal/store"
	"github.com/guidebot/guidebot/internal/store/storetest"
)

// testChannel is the outbox stream the tests use.
const testChannel = "test"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fixture is a store on a real Redis with an outbox to fill.
type fixture struct {
	t      testing.TB
	ctx    context.Context
	st     *store.Store
	rdb    redis.UniversalClient
	prefix string
	clock  *clocktest.Clock
	next   map[string]int // the number of each recipient's next message
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	rdb, prefix := storetest.Redis(t)
	return &fixture{t: t, ctx: context.Background(), st: store.New(rdb, store.Options{Prefix: prefix, Shards: testShards}),
		rdb: rdb, prefix: prefix, next: map[string]int{},
		clock: clocktest.New(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))}
}

// enqueue queues n more messages to to, numbered in their text from 0 on.
func (f *fixture) enqueue(to string, n int) {
	f.t.Helper()
	for i := 0; i < n; i++ {
		msg := message.Outbound{To: to, Participant: "p:" + to, Text: fmt.Sprintf("%s#%d", to, f.next[to]),
			Reply: flow.Reply{Lang: "en"}}
		if err := f.st.Enqueue(f.ctx, testChannel, msg); err != nil {
			f.t.Fatal(err)
		}
		f.next[to]++
	}
}

// testShards spreads the test outbox over several streams even on one Redis, as
// on a cluster: the dispatcher must not care.
const testShards = 3

// stream is a consumer of the test outbox.
func (f *fixture) stream(consumer string) *store.OutboxReader {
	f.t.Helper()
	r, err := f.st.Outbox(f.ctx, testChannel, consumer)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// dispatcher returns a dispatcher on the fixture's clock.
func (f *fixture) dispatcher(consumer string, s outbox.Sender, opt outbox.Options) *outbox.Dispatcher {
	opt.Channel = testChannel
	if opt.Now == nil {
		opt.Now, opt.Sleep = f.clock.Now, f.clock.Sleep
	}
	opt.Log = quiet
	return outbox.New(f.stream(consumer), s, f.st, opt)
}

// left is how many entries are still in the outbox: a finished one is deleted.
func (f *fixture) left() int {
	f.t.Helper()
	entries, err := f.st.Entries(f.ctx, store.Outbox(testChannel))
	if err != nil {
		f.t.Fatal(err)
	}
	return len(entries)
}

// provider records what it accepted, with the time on a clock.
type provider struct {
	mu    sync.Mutex
	now   func() time.Time
	sent  []delivery
	count map[string]int // text → times accepted
	fail  func(msg message.Outbound) error
}

type delivery struct {
	to, text string
	at       time.Time
}

func newProvider(now func() time.Time) *provider {
	return &provider{now: now, count: map[string]int{}}
}

func (p *provider) Send(_ context.Context, msg message.Outbound) error {
	if p.fail != nil {
		if err := p.fail(msg); err != nil {
			return err
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, delivery{to: msg.To, text: msg.Text, at: p.now()})
	p.count[msg.Text]++
	return nil
}

func (p *provider) deliveries() []delivery {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]delivery(nil), p.sent...)
}

func (p *provider) times(text string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.count[text]
}

// waitFor polls cond until it holds or the test's patience ends.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ctxWithCancel is a context for a dispatcher's Run that the test ends.
func (f *fixture) ctxWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(f.ctx)
}
