package outbox_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/outbox"
	"github.com/guidebot/guidebot/internal/store"
	"github.com/guidebot/guidebot/internal/store/storetest"
)

// TestRedisOutageLosesNothing makes a private Redis stop answering for 0.8 s while messages are on their
// way (CLIENT PAUSE: every client waits, nothing is lost, as in a failover or a
// network stall) and then answer again: every message arrives, once, including
// those queued after the stall.
func TestRedisOutageLosesNothing(t *testing.T) {
	// A server of its own: a pause would stall every other test on a shared one.
	rdb := storetest.Private(t)
	f := &fixture{t: t, ctx: context.Background(), st: store.New(rdb, store.Options{}), rdb: rdb,
		next: map[string]int{}}
	const total, before = 300, 200
	enqueue := func(from, to int) {
		for i := from; i < to; i++ {
			msg := message.Outbound{To: "r" + strconv.Itoa(i%20), Participant: "p" + strconv.Itoa(i%20), Text: fmt.Sprint("m", i)}
			if err := f.st.Enqueue(f.ctx, testChannel, msg); err != nil {
				t.Fatal(err)
			}
		}
	}
	enqueue(0, before)
	p := newProvider(time.Now)
	p.fail = func(message.Outbound) error { time.Sleep(time.Millisecond); return nil }
	d := outbox.New(f.stream("w"), p, f.st, outbox.Options{Channel: testChannel, Senders: 2, Lease: 400 * time.Millisecond, Log: quiet})
	ctx, stop := f.ctxWithCancel()
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	waitFor(t, "some messages", func() bool { return len(p.deliveries()) >= before/10 })
	if err := f.rdb.Do(f.ctx, "CLIENT", "PAUSE", "800", "ALL").Err(); err != nil {
		t.Fatal(err)
	}
	enqueue(before, total) // waits for the pause to end, like every other client
	waitFor(t, "every message", func() bool { return len(p.deliveries()) >= total })
	waitFor(t, "the outbox to empty", func() bool { return f.left() == 0 })
	stop()
	<-done
	for i := range total {
		if n := p.times(fmt.Sprint("m", i)); n != 1 {
			t.Errorf("m%d delivered %d times", i, n)
		}
	}
}
