package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/store"
)

// Sender delivers one reply on its channel. It returns a *RetryError for a failure
// worth retrying (5xx, time-out, 429); any other error drops the message.
type Sender interface {
	Send(ctx context.Context, msg channel.Outbound) error
}

// Reader is the outbox stream of one channel; *store.OutboxReader is one.
type Reader interface {
	Read(ctx context.Context, count int, block time.Duration) ([]store.Entry, error)
	Reclaim(ctx context.Context, minIdle time.Duration, count int) ([]store.Entry, error)
	Done(ctx context.Context, ids ...string) error
}

// RetryError asks for the message to be tried again, not before After.
type RetryError struct {
	After time.Duration
	Err   error
}

func (e *RetryError) Error() string { return fmt.Sprintf("retry after %s: %v", e.After, e.Err) }
func (e *RetryError) Unwrap() error { return e.Err }

// Retry wraps err as transient.
func Retry(after time.Duration, err error) error { return &RetryError{After: after, Err: err} }

// Worker moves one channel's outbox to its sender.
type Worker struct {
	r       Reader
	s       Sender
	log     *slog.Logger
	now     func() time.Time
	pending []retry
	// MaxAttempts bounds retries of one message before it is dropped and logged.
	MaxAttempts int
}

type retry struct {
	entry    store.Entry
	due      time.Time
	attempts int
}

// NewWorker returns a worker; now is the clock.
func NewWorker(r Reader, s Sender, now func() time.Time, log *slog.Logger) *Worker {
	return &Worker{r: r, s: s, now: now, log: log, MaxAttempts: 8}
}

// Drain sends everything now in the outbox without waiting for more.
func (w *Worker) Drain(ctx context.Context) error {
	for {
		entries, err := w.r.Read(ctx, 100, -1)
		if err != nil {
			return err
		}
		if len(entries) == 0 {
			return nil
		}
		for _, e := range entries {
			w.deliver(ctx, e, 0)
		}
	}
}

// Run delivers until ctx ends, taking over entries a crashed replica left behind.
func (w *Worker) Run(ctx context.Context) error {
	lastReclaim := time.Time{}
	for ctx.Err() == nil {
		if w.now().Sub(lastReclaim) > 30*time.Second {
			lastReclaim = w.now()
			stale, err := w.r.Reclaim(ctx, 2*time.Minute, 100)
			if err != nil {
				w.log.Warn("outbox reclaim failed", "err", err)
			}
			for _, e := range stale {
				w.deliver(ctx, e, 0)
			}
		}
		w.RetryDue(ctx)
		block := time.Second
		if len(w.pending) > 0 {
			block = 100 * time.Millisecond
		}
		entries, err := w.r.Read(ctx, 50, block)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			w.log.Warn("outbox read failed", "err", err)
			sleep(ctx, time.Second)
			continue
		}
		for _, e := range entries {
			w.deliver(ctx, e, 0)
		}
	}
	return nil
}

// RetryDue sends again the failed messages whose backoff has passed.
func (w *Worker) RetryDue(ctx context.Context) {
	now := w.now()
	keep := w.pending[:0]
	var due []retry
	for _, p := range w.pending {
		if now.Before(p.due) {
			keep = append(keep, p)
		} else {
			due = append(due, p)
		}
	}
	w.pending = keep
	for _, p := range due {
		w.deliver(ctx, p.entry, p.attempts)
	}
}

func (w *Worker) deliver(ctx context.Context, e store.Entry, attempts int) {
	var msg channel.Outbound
	if err := json.Unmarshal([]byte(e.Payload), &msg); err != nil {
		w.log.Error("outbox entry unreadable; dropped", "id", e.ID, "err", err)
		w.done(ctx, e.ID)
		return
	}
	err := w.s.Send(ctx, msg)
	var re *RetryError
	switch {
	case err == nil:
		w.done(ctx, e.ID)
	case errors.As(err, &re) && attempts+1 < w.MaxAttempts:
		after := re.After
		if after <= 0 {
			after = backoff(attempts)
		}
		w.log.Info("send failed; will retry", "id", e.ID, "attempt", attempts+1, "after", after, "err", err)
		w.pending = append(w.pending, retry{entry: e, due: w.now().Add(after), attempts: attempts + 1})
	default:
		// No participant id here: for SMS it is the phone number.
		w.log.Warn("send failed; message dropped", "id", e.ID, "err", err)
		w.done(ctx, e.ID)
	}
}

func (w *Worker) done(ctx context.Context, id string) {
	if err := w.r.Done(ctx, id); err != nil {
		// Left pending: another pass reclaims it; a rare resend beats a lost reply.
		w.log.Warn("outbox ack failed", "id", id, "err", err)
	}
}

// backoff is 1s, 2s, 4s … capped at 5 minutes.
func backoff(attempts int) time.Duration {
	d := time.Second << attempts
	if d > 5*time.Minute || d <= 0 {
		return 5 * time.Minute
	}
	return d
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
