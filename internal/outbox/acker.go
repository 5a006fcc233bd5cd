package outbox

import (
	"context"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/guidebot/guidebot/internal/pace"
)

// acker acknowledges finished entries in batches: while one round trip is out, the
// next batch gathers, so a busy dispatcher pays far less than one per message. An
// acknowledgement that fails is kept and tried again; until it lands, the entry
// stays leased to this replica, so no other sends it.
type acker struct {
	stream  Stream
	kick    chan struct{}
	done    func(ids []string) // told of ids acknowledged
	unacked prometheus.Gauge
	failed  prometheus.Counter

	mu       sync.Mutex
	pending  []pendingAck
	flushing sync.Mutex // one flush at a time, so a batch is never taken twice
}

// pendingAck is an entry to acknowledge; sent says the provider accepted it, so a
// crash before its acknowledgement would send it twice (the unacked gauge).
type pendingAck struct {
	id   string
	sent bool
}

// add queues id's acknowledgement.
func (a *acker) add(id string, sent bool) {
	a.mu.Lock()
	a.pending = append(a.pending, pendingAck{id, sent})
	a.mu.Unlock()
	if sent {
		a.unacked.Inc()
	}
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// run flushes whenever there is something to flush, until ctx ends. It lets
// acknowledgements gather for ackLinger first: nobody waits for them, and at a
// moderate rate (1000 a second) it turns one round trip per message into one per
// five or so.
func (a *acker) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.kick:
		}
		if a.size() < ackBatch && pace.Sleep(ctx, ackLinger) != nil {
			return
		}
		if err := a.flush(ctx); err != nil && ctx.Err() == nil {
			_ = pace.Sleep(ctx, storeRetry)
		}
	}
}

func (a *acker) size() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.pending)
}

// flush acknowledges everything pending.
func (a *acker) flush(ctx context.Context) error {
	a.flushing.Lock()
	defer a.flushing.Unlock()
	for {
		a.mu.Lock()
		n := min(len(a.pending), ackBatch)
		ids := make([]string, n)
		sent := 0
		for i, p := range a.pending[:n] {
			ids[i] = p.id
			if p.sent {
				sent++
			}
		}
		a.mu.Unlock()
		if n == 0 {
			return nil
		}
		if err := a.stream.Done(ctx, ids...); err != nil {
			a.failed.Add(float64(n))
			return err
		}
		a.mu.Lock()
		a.pending = append(a.pending[:0], a.pending[n:]...)
		a.mu.Unlock()
		a.unacked.Sub(float64(sent))
		a.done(ids)
	}
}
