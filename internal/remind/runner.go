package remind

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"
)

// releaseBatch bounds the reminders one round trip moves to the outboxes.
const releaseBatch = 1000

// everyMinute is the tick's cron spec: every replica ticks, and the store's atomic
// release means doubling the replicas never doubles a reminder.
const everyMinute = "* * * * *"

// Releaser moves due reminders into the outboxes; *store.Store is one.
type Releaser interface {
	ReleaseDue(ctx context.Context, now time.Time, max int, channels []string) (queued, dropped int, err error)
}

// Runner releases the reminders that are due into the outboxes of its channels,
// from where the outbox delivers them (suppressed participants get nothing there).
type Runner struct {
	st       Releaser
	channels []string
	now      func() time.Time
	log      *slog.Logger
	counted  *prometheus.CounterVec
}

// NewRunner returns a runner for channels; now is the clock; reg receives
// guidebot_reminders_total (nil: not registered).
func NewRunner(st Releaser, channels []string, now func() time.Time, log *slog.Logger, reg prometheus.Registerer) (*Runner, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "guidebot_reminders_total",
		Help: "Reminders released to the outbox (queued), or dropped because their session had begun.",
	}, []string{"outcome"})
	if reg != nil {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("remind: register metrics: %w", err)
		}
	}
	return &Runner{st: st, channels: channels, now: now, log: log, counted: c}, nil
}

// Tick releases everything due now, a batch at a time.
func (r *Runner) Tick(ctx context.Context) (queued, dropped int, err error) {
	for {
		q, d, err := r.st.ReleaseDue(ctx, r.now(), releaseBatch, r.channels)
		queued, dropped = queued+q, dropped+d
		r.counted.WithLabelValues("queued").Add(float64(q))
		r.counted.WithLabelValues("dropped").Add(float64(d))
		if err != nil {
			return queued, dropped, err
		}
		if q+d < releaseBatch {
			return queued, dropped, nil
		}
	}
}

// Run ticks every minute until ctx ends.
func (r *Runner) Run(ctx context.Context) error {
	c := cron.New(cron.WithLocation(time.UTC))
	if _, err := c.AddFunc(everyMinute, func() {
		queued, dropped, err := r.Tick(ctx)
		switch {
		case err != nil:
			r.log.Warn("reminders not released; the next tick tries again", "err", err)
		case dropped > 0:
			r.log.Warn("reminders dropped: their session had begun", "dropped", dropped, "queued", queued)
		case queued > 0:
			r.log.Info("reminders released", "queued", queued)
		}
	}); err != nil {
		return fmt.Errorf("remind: %w", err)
	}
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done()
	return nil
}
