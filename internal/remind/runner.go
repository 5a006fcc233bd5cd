package remind

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/store"
)

// releaseBatch bounds the reminders one round trip moves to the outboxes.
const releaseBatch = 1000

// everyMinute is the tick's cron spec: every replica ticks, and the store's atomic
// release means doubling the replicas never doubles a reminder.
const everyMinute = "* * * * *"

// Releaser moves due reminders into the outboxes; *store.Store is one.
type Releaser interface {
	ReleaseDue(ctx context.Context, now time.Time, max int, channels []string) (store.Released, error)
	Count(ctx context.Context, month string, events ...store.Event) error
}

// TickSource leases due ticks and forgets delivered ones; *store.Store is one.
type TickSource interface {
	ClaimTicks(ctx context.Context, now time.Time, lease time.Duration, max int) ([]store.Tick, error)
	TickDone(ctx context.Context, t store.Tick) error
}

// RosterTidier gives back the seats a crash left between a booking's two steps;
// *store.Store is one.
type RosterTidier interface {
	TidyRosters(ctx context.Context, now time.Time, grace time.Duration) (int, error)
}

// rosterGrace is how old a seat without its booking must be before it is given
// back: a booking's two steps take milliseconds.
const rosterGrace = time.Minute

// Handler handles a tick as an inbound message; *bot.Bot is one.
type Handler interface {
	Handle(ctx context.Context, in message.Inbound) (duplicate bool, err error)
}

// Ticks is where the runner finds due ticks and what it hands them to.
type Ticks struct {
	Source  TickSource
	Handler Handler
}

// tickLease is how long a claimed tick is this replica's: long enough to handle a
// batch, short enough that a dead replica's ticks come due again on a later tick.
const tickLease = 2 * time.Minute

// Runner releases the reminders that are due into the outboxes of its channels,
// from where the outbox delivers them (suppressed participants get nothing there),
// and delivers due ticks to the conversations.
type Runner struct {
	st       Releaser
	ticks    Ticks
	channels []string
	now      func() time.Time
	log      *slog.Logger
	counted  *prometheus.CounterVec
	zone     *time.Location // where the figures' months begin
	rosters  RosterTidier   // nil: none to tidy
}

// Option configures a Runner.
type Option func(*Runner)

// ReportIn counts the reminders in the programme's figures by the months of zone
// (the programme's time zone); without it, UTC's.
func ReportIn(zone *time.Location) Option { return func(r *Runner) { r.zone = zone } }

// TidyRosters has the runner give back, each minute, the seats a crash left
// between a booking's two steps.
func TidyRosters(t RosterTidier) Option { return func(r *Runner) { r.rosters = t } }

// The programme's figures the runner adds to.
const (
	ReminderSent    = "reminder_sent"
	ReminderDropped = "reminder_dropped"
)

// NewRunner returns a runner for channels; ticks may be zero (no follow-ups); now
// is the clock; reg receives guidebot_reminders_total (nil: not registered).
func NewRunner(st Releaser, ticks Ticks, channels []string, now func() time.Time, log *slog.Logger, reg prometheus.Registerer, opts ...Option) (*Runner, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "guidebot_reminders_total",
		Help: "Reminders released to the outbox (queued; late: of those, more than 2 minutes after they were due), or dropped because their session had begun.",
	}, []string{"outcome"})
	if reg != nil {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("remind: register metrics: %w", err)
		}
	}
	r := &Runner{st: st, ticks: ticks, channels: channels, now: now, log: log, counted: c, zone: time.UTC}
	for _, o := range opts {
		o(r)
	}
	return r, nil
}

// Tick releases everything due now, a batch at a time.
func (r *Runner) Tick(ctx context.Context) (queued, dropped int, err error) {
	for {
		rel, err := r.st.ReleaseDue(ctx, r.now(), releaseBatch, r.channels)
		q, d := rel.Queued, rel.Dropped
		queued, dropped = queued+q, dropped+d
		r.counted.WithLabelValues("queued").Add(float64(q))
		r.counted.WithLabelValues("dropped").Add(float64(d))
		r.counted.WithLabelValues("late").Add(float64(rel.Late))
		r.countFigures(ctx, rel)
		if err != nil {
			return queued, dropped, err
		}
		if q+d < releaseBatch {
			return queued, dropped, nil
		}
	}
}

// DeliverTicks hands every tick due now to the conversations, as an inbound
// message whose id is the tick's, so a tick delivered twice (a replica that died
// after handling it) is handled once. A tick whose handling fails stays leased and
// comes due again.
func (r *Runner) DeliverTicks(ctx context.Context) (delivered int, err error) {
	if r.ticks.Source == nil {
		return 0, nil
	}
	for {
		due, err := r.ticks.Source.ClaimTicks(ctx, r.now(), tickLease, releaseBatch)
		if err != nil {
			return delivered, err
		}
		for _, t := range due {
			in := message.Inbound{Channel: t.Channel, Address: t.Address, MsgID: "tick:" + t.ID,
				Input: flow.Input{Kind: flow.Tick, Step: t.Step}, OnlyIfNotSuppressed: true}
			if _, err := r.ticks.Handler.Handle(ctx, in); err != nil {
				r.log.Warn("tick not delivered; it comes due again", "step", t.Step, "err", err)
				continue
			}
			if err := r.ticks.Source.TickDone(ctx, t); err != nil {
				return delivered, err
			}
			delivered++
		}
		if len(due) < releaseBatch {
			return delivered, nil
		}
	}
}

// Run ticks every minute until ctx ends.
func (r *Runner) Run(ctx context.Context) error {
	c := cron.New(cron.WithLocation(time.UTC))
	if _, err := c.AddFunc(everyMinute, func() { r.Minute(ctx) }); err != nil {
		return fmt.Errorf("remind: %w", err)
	}
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done()
	return nil
}

// Minute is what the runner does each minute: release the reminders due, deliver
// the ticks due and give back seats nobody holds. What fails is logged and tried
// again the next minute.
func (r *Runner) Minute(ctx context.Context) {
	queued, dropped, err := r.Tick(ctx)
	switch {
	case err != nil:
		r.log.Warn("reminders not released; the next tick tries again", "err", err)
	case dropped > 0:
		r.log.Warn("reminders dropped: their session had begun", "dropped", dropped, "queued", queued)
	case queued > 0:
		r.log.Info("reminders released", "queued", queued)
	}
	if n, err := r.DeliverTicks(ctx); err != nil {
		r.log.Warn("ticks not delivered; the next tick tries again", "err", err, "delivered", n)
	}
	r.tidyRosters(ctx)
}

// tidyRosters gives back seats nobody holds a booking for.
func (r *Runner) tidyRosters(ctx context.Context) {
	if r.rosters == nil {
		return
	}
	n, err := r.rosters.TidyRosters(ctx, r.now(), rosterGrace)
	switch {
	case err != nil:
		r.log.Warn("rosters not tidied; the next tick tries again", "err", err)
	case n > 0:
		r.log.Warn("seats given back that no booking held (a replica stopped between a booking's two steps)", "seats", n)
	}
}

// countFigures adds what one release did to the programme's figures; a count that
// fails is logged, as the reminders are out already.
func (r *Runner) countFigures(ctx context.Context, rel store.Released) {
	var events []store.Event
	for i := 0; i < rel.Queued; i++ {
		events = append(events, store.Event{Name: ReminderSent})
	}
	for i := 0; i < rel.Dropped; i++ {
		events = append(events, store.Event{Name: ReminderDropped})
	}
	if err := r.st.Count(ctx, store.Month(r.now().In(r.zone)), events...); err != nil {
		r.log.Warn("reminders not counted for the figures", "err", err)
	}
}
