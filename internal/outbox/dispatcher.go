package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/pace"
	"github.com/guidebot/guidebot/internal/store"
)

// Defaults of a zero Options.
const (
	// DefaultSenders is how many provider calls a dispatcher has going at once:
	// Telegram allows 30 messages a second and answers in ~50–300 ms, so a few would
	// do; the margin keeps slow answers from eating the budget.
	DefaultSenders = 32
	// DefaultMaxAttempts bounds the tries of one message before it is dropped.
	DefaultMaxAttempts = 8
	// DefaultLease is how long a replica's claim on a message it read lasts without
	// renewal; a replica that dies leaves its messages to another after about this.
	DefaultLease = 8 * time.Second
	// DefaultMaxQueued bounds the messages one dispatcher holds in memory; past it,
	// it reads no more until some are done.
	DefaultMaxQueued = 10000
)

const (
	// readBatch is how many entries one read takes from the stream.
	readBatch = 256
	// readBlock is how long a read waits for new entries.
	readBlock = time.Second
	// suppressionFresh is how long a "not suppressed" answer holds for a queued
	// message; one that waited longer (its pace, a retry) is checked again.
	suppressionFresh = time.Second
	// slowSend is how long a provider call may take before it stops counting against
	// the senders: a call that hangs holds up its own recipient, not the others.
	slowSend = 2 * time.Second
	// maxCallsFactor bounds all calls at the provider, hung ones included, to this
	// many times the senders.
	maxCallsFactor = 16
	// sendBound ends a provider call that its adapter did not bound itself.
	sendBound = time.Minute
	// shutdownGrace is how long a stopping dispatcher waits for calls at the provider
	// to answer, so what they sent is acknowledged rather than sent again.
	shutdownGrace = 15 * time.Second
	// ackBatch bounds the ids acknowledged in one round trip.
	ackBatch = 512
	// ackLinger is how long acknowledgements gather before a round trip. It widens
	// the window in which a crash sends a message twice (guidebot_outbox_unacked)
	// by as much, and shortens nobody's wait.
	ackLinger = 5 * time.Millisecond
	// renewBatch bounds the ids renewed in one round trip.
	renewBatch = 1000
	// storeRetry is the wait after a failed Redis call in a background loop.
	storeRetry = time.Second
)

// Stream is one channel's outbox as one consumer sees it; *store.OutboxReader is one.
type Stream interface {
	Read(ctx context.Context, count int, block time.Duration) ([]store.Entry, error)
	// Reclaim takes over entries whose lease ran out (idle for minIdle).
	Reclaim(ctx context.Context, minIdle time.Duration, count int) ([]store.Entry, error)
	// Renew extends the lease on ids and returns those another consumer owns now.
	Renew(ctx context.Context, ids []string) ([]string, error)
	// Done acknowledges and deletes entries that are finished with.
	Done(ctx context.Context, ids ...string) error
}

// Suppressions are the participants not to be sent anything; *store.Store is one.
type Suppressions interface {
	// SuppressedAmong returns the reason of each suppressed participant among ids.
	SuppressedAmong(ctx context.Context, ids []string) (map[string]string, error)
	Suppress(ctx context.Context, id, reason string) error
}

// Options tune a Dispatcher; zero fields take the defaults above.
type Options struct {
	Channel     string // for participant ids, logs and metrics
	Limits      Limits
	Senders     int
	MaxAttempts int
	Lease       time.Duration
	MaxQueued   int
	Backoff     pace.Backoff
	Now         func() time.Time                                 // the clock [time.Now]
	Sleep       func(ctx context.Context, d time.Duration) error // Drain's wait [pace.Sleep]
	Log         *slog.Logger
	Metrics     *Metrics
	// Tracker keeps the ids of tracked messages for later edits; nil: every edit
	// goes out as a new message.
	Tracker Tracker
	// Spender keeps the daily cost of Limits.DailyCost; nil: no cost guard.
	Spender Spender
	// Figures counts deliveries of messages that name a figure, by the months of
	// Zone; nil: not counted.
	Figures Counter
	Zone    *time.Location
}

// Dispatcher moves one channel's outbox to its sender: several calls at once, one
// at a time per recipient, each recipient at its own pace.
type Dispatcher struct {
	stream Stream
	sender Sender
	sup    Suppressions
	opt    Options
	log    *slog.Logger
	m      *Metrics

	mu     sync.Mutex
	sched  *sched
	owned  map[string]string // id → recipient of every entry held: queued, at the provider, or awaiting its ack
	active int               // calls counting against the senders
	slow   int               // calls past slowSend
	calls  sync.WaitGroup
	wake   chan struct{} // something changed: a call ended, entries came
	room   chan struct{} // the queue has room again
	acks   acker
}

// New returns a dispatcher of stream through sender.
func New(stream Stream, sender Sender, sup Suppressions, opt Options) *Dispatcher {
	if opt.Senders <= 0 {
		opt.Senders = DefaultSenders
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = DefaultMaxAttempts
	}
	if opt.Lease <= 0 {
		opt.Lease = DefaultLease
	}
	if opt.MaxQueued <= 0 {
		opt.MaxQueued = DefaultMaxQueued
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Sleep == nil {
		opt.Sleep = pace.Sleep
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m := opt.Metrics
	if m == nil {
		m, _ = NewMetrics(nil) // unregistered series cannot fail
	}
	d := &Dispatcher{
		stream: stream, sender: sender, sup: sup, opt: opt, log: log, m: m,
		sched: newSched(opt.Limits),
		owned: map[string]string{},
		wake:  make(chan struct{}, 1),
		room:  make(chan struct{}, 1),
	}
	d.acks = acker{stream: stream, kick: make(chan struct{}, 1), done: d.released,
		unacked: m.unacked.WithLabelValues(opt.Channel), failed: m.ackFailed.WithLabelValues(opt.Channel)}
	return d
}

// Run delivers until ctx ends, renewing its leases and taking over those of replicas
// that died. On the way out it lets calls at the provider answer and acknowledges
// what they sent; what it still held goes to another replica after the lease.
func (d *Dispatcher) Run(ctx context.Context) error {
	var bg sync.WaitGroup
	bg.Add(2)
	go func() { defer bg.Done(); d.readLoop(ctx) }()
	// Leases are renewed until the last call has answered, so no other replica takes
	// over (and sends again) what this one is still sending.
	leaseCtx, stopLeases := context.WithCancel(context.WithoutCancel(ctx))
	go func() { defer bg.Done(); d.leaseLoop(leaseCtx, ctx) }()
	ackCtx, stopAcks := context.WithCancel(context.WithoutCancel(ctx))
	acksDone := make(chan struct{})
	go func() { defer close(acksDone); d.acks.run(ackCtx) }()

	d.pump(ctx, false)
	waitFor(&d.calls, shutdownGrace)
	stopLeases()
	bg.Wait()
	stopAcks()
	<-acksDone
	flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeRetry)
	defer cancel()
	if err := d.acks.flush(flushCtx); err != nil {
		d.log.Warn("outbox: acknowledgements lost at shutdown; those messages will be sent again", "err", err)
	}
	return nil
}

// Drain sends everything now in the outbox and returns: the terminal chat and tests.
// Waits (a recipient's pace, a retry's backoff) go through Options.Sleep, so a test
// with a fake clock drains a minute of pacing at once.
func (d *Dispatcher) Drain(ctx context.Context) error {
	for {
		entries, err := d.stream.Read(ctx, readBatch, -1)
		if err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		d.admit(ctx, entries)
		d.mu.Lock()
		idle := d.sched.queued == 0
		d.mu.Unlock()
		if len(entries) == 0 && idle {
			d.calls.Wait()
			return d.acks.flush(ctx)
		}
		d.pump(ctx, true)
		// The pump is idle once the last call gave back its sender, which is a moment
		// before that call hands its entries to the acker: wait for it.
		d.calls.Wait()
		if err := d.acks.flush(ctx); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// pump starts sends as lanes become ready until ctx ends or, with untilIdle, until
// nothing is queued and no call is out.
func (d *Dispatcher) pump(ctx context.Context, untilIdle bool) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for ctx.Err() == nil {
		d.mu.Lock()
		wait := d.startReady(ctx)
		busy := d.active + d.slow
		queued := d.sched.queued
		d.mu.Unlock()
		if untilIdle && queued == 0 && busy == 0 {
			return
		}
		switch {
		case untilIdle && busy == 0 && wait > 0:
			// Nothing at the provider and everything waits for its time.
			if d.opt.Sleep(ctx, wait) != nil {
				return
			}
			continue
		case wait >= 0 && busy < d.opt.Senders:
			timer.Reset(max(wait, time.Millisecond))
		default:
			timer.Reset(time.Hour)
		}
		select {
		case <-ctx.Done():
		case <-d.wake:
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// startReady starts the sends that may go now, as far as the senders allow, and
// returns how long until the next may (negative: nothing waits for a time). d.mu is
// held. Whoever makes work ready calls it at once (a read, a finished call), so a
// message does not wait for the pump's goroutine to be scheduled.
func (d *Dispatcher) startReady(ctx context.Context) time.Duration {
	maxCalls := d.opt.Senders * maxCallsFactor
	for d.active < d.opt.Senders && d.active+d.slow < maxCalls {
		now := d.opt.Now()
		l, j, w := d.sched.take(now)
		if j == nil {
			return w
		}
		d.start(ctx, l, j, now)
	}
	return -1
}

// start sends j in its own goroutine; d.mu is held.
func (d *Dispatcher) start(ctx context.Context, l *lane, j *job, now time.Time) {
	d.active++
	d.calls.Add(1)
	c := &call{}
	watch := time.AfterFunc(slowSend, func() {
		d.mu.Lock()
		if !c.over {
			c.slowed = true
			d.active--
			d.slow++
		}
		d.mu.Unlock()
		d.signal(d.wake)
	})
	go func() {
		defer d.calls.Done()
		o, after, everyone := d.attempt(ctx, j)
		watch.Stop()
		d.finish(ctx, l, j, c, o, after, everyone, now)
	}()
}

// call is one provider call's standing with the senders.
type call struct{ over, slowed bool }

// attempt makes one try at j and says how it went.
func (d *Dispatcher) attempt(ctx context.Context, j *job) (outcome, time.Duration, bool) {
	msg := j.msg
	id := d.participant(msg)
	// Calls outlive a shutdown by shutdownGrace, so that what the provider accepted
	// is acknowledged rather than sent again by the next replica.
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendBound)
	defer cancel()
	if !msg.System && d.opt.Now().Sub(j.checked) > suppressionFresh {
		reasons, err := d.sup.SuppressedAmong(callCtx, []string{id})
		if err != nil {
			d.log.Warn("outbox: suppression lookup failed; will retry", "id", j.id, "err", err)
			return retried, d.opt.Backoff.Delay(j.attempts), false
		}
		if reasons[id] != "" {
			d.m.outcomes.WithLabelValues(d.opt.Channel, "suppressed").Inc()
			return dropped, 0, false
		}
		j.checked = d.opt.Now()
	}
	if capped, err := d.overBudget(callCtx, j, id); err != nil {
		d.log.Warn("outbox: cost lookup failed; will retry", "id", j.id, "err", err)
		return retried, d.opt.Backoff.Delay(j.attempts), false
	} else if capped {
		d.m.outcomes.WithLabelValues(d.opt.Channel, "capped").Inc()
		d.log.Warn("outbox: the recipient's daily cost cap is reached; message dropped",
			"id", j.id, "req", msg.Req, "cap", d.opt.Limits.DailyCost)
		return dropped, 0, false
	}
	err := d.send(callCtx, &msg, j.id)
	var re *RetryError
	var ue *UnreachableError
	switch {
	case err == nil:
		d.m.outcomes.WithLabelValues(d.opt.Channel, "sent").Inc()
		d.m.messages.WithLabelValues(d.opt.Channel, "out", message.LangLabel(msg.Reply.Lang)).Inc()
		d.figure(callCtx, msg, "delivered")
		if at, ok := store.EntryTime(j.id); ok {
			d.m.latency.WithLabelValues(d.opt.Channel).Observe(d.opt.Now().Sub(at).Seconds())
		}
		return sent, 0, false
	case errors.As(err, &ue):
		d.m.outcomes.WithLabelValues(d.opt.Channel, "unreachable").Inc()
		// The entry id, not the participant: for SMS that would be a phone number.
		d.log.Info("outbox: recipient unreachable; suppressed", "id", j.id, "req", msg.Req, "reason", ue.Reason)
		if serr := d.sup.Suppress(callCtx, id, ue.Reason); serr != nil {
			d.log.Warn("outbox: suppression not recorded", "id", j.id, "err", serr)
		}
		d.figure(callCtx, msg, "failed")
		return unreachable, 0, false
	case errors.As(err, &re) && j.attempts+1 < d.opt.MaxAttempts:
		d.m.outcomes.WithLabelValues(d.opt.Channel, "retried").Inc()
		after := re.After
		if after <= 0 {
			after = d.opt.Backoff.Delay(j.attempts)
		}
		d.log.Info("outbox: send failed; will retry", "id", j.id, "req", msg.Req, "attempt", j.attempts+1, "after", after, "everyone", re.Everyone, "err", err)
		return retried, after, re.Everyone
	default:
		// No participant id at this level: for SMS it is the phone number.
		d.m.outcomes.WithLabelValues(d.opt.Channel, "dropped").Inc()
		d.log.Warn("outbox: send failed; message dropped", "id", j.id, "req", msg.Req, "attempts", j.attempts+1, "err", err)
		d.figure(callCtx, msg, "failed")
		return dropped, 0, false
	}
}

// figure counts how a message that names a figure fared: delivered or failed.
func (d *Dispatcher) figure(ctx context.Context, msg message.Outbound, outcome string) {
	if msg.Figure == "" || d.opt.Figures == nil {
		return
	}
	zone := d.opt.Zone
	if zone == nil {
		zone = time.UTC
	}
	if err := d.opt.Figures.Count(ctx, store.Month(d.opt.Now().In(zone)), store.Event{Name: msg.Figure + "_" + outcome}); err != nil {
		d.log.Warn("outbox: figure not counted", "figure", msg.Figure, "err", err)
	}
}

// send makes the provider call, tracking or editing where the message asks and the
// channel and options allow.
func (d *Dispatcher) send(ctx context.Context, msg *message.Outbound, entry string) error {
	t := d.opt.Tracker
	if msg.Edit != "" && t != nil {
		id, err := t.Tracked(ctx, msg.Edit, msg.To)
		if err != nil {
			return Retry(0, fmt.Errorf("outbox: tracked message: %w", err))
		}
		msg.EditID = id // none kept: the message goes out as a new one
	}
	ids, ok := d.sender.(IDSender)
	if msg.Track == "" || t == nil || !ok {
		return d.sender.Send(ctx, *msg)
	}
	providerID, err := ids.SendID(ctx, *msg)
	if err == nil && providerID != "" {
		if terr := t.Track(ctx, msg.Track, msg.To, providerID); terr != nil {
			// Sent: only a later edit is lost, which then goes out as a new message.
			d.log.Warn("outbox: sent message not tracked", "id", entry, "err", terr)
		}
	}
	return err
}

// finish books a call's outcome and frees its sender.
func (d *Dispatcher) finish(ctx context.Context, l *lane, j *job, c *call, o outcome, after time.Duration, everyone bool, start time.Time) {
	d.mu.Lock()
	now := d.opt.Now()
	c.over = true
	if c.slowed {
		d.slow--
	} else {
		d.active--
	}
	if everyone {
		d.sched.holdAll(now.Add(after))
	}
	gone := d.sched.finish(l, o, after, start, now)
	d.m.queued.WithLabelValues(d.opt.Channel).Set(float64(d.sched.queued))
	if ctx.Err() == nil {
		d.startReady(ctx)
	}
	d.mu.Unlock()
	for i, g := range gone {
		d.acks.add(g.id, o == sent && i == 0) // gone[0] is the job that was tried
	}
	d.signal(d.wake)
	d.signal(d.room)
}

// readLoop reads new entries while there is room for them.
func (d *Dispatcher) readLoop(ctx context.Context) {
	for ctx.Err() == nil {
		d.mu.Lock()
		full := d.sched.queued >= d.opt.MaxQueued
		d.mu.Unlock()
		if full {
			select {
			case <-ctx.Done():
			case <-d.room:
			}
			continue
		}
		entries, err := d.stream.Read(ctx, readBatch, readBlock)
		if err != nil {
			if ctx.Err() == nil {
				d.log.Warn("outbox: read failed", "err", err)
				_ = pace.Sleep(ctx, storeRetry)
			}
			continue
		}
		d.admit(ctx, entries)
	}
}

// leaseLoop renews this replica's leases until ctx ends and, until run ends, takes
// over expired ones, four times a lease: a live replica never loses one and a dead
// one's come back soon.
func (d *Dispatcher) leaseLoop(ctx, run context.Context) {
	every := d.opt.Lease / 4
	for pace.Sleep(ctx, every) == nil {
		d.renew(ctx)
		if run.Err() == nil {
			d.reclaim(run)
		}
	}
}

// renew extends the lease on everything held, and lets go of what another replica
// took over meanwhile.
func (d *Dispatcher) renew(ctx context.Context) {
	d.mu.Lock()
	ids := make([]string, 0, len(d.owned))
	for id := range d.owned {
		ids = append(ids, id)
	}
	d.mu.Unlock()
	for len(ids) > 0 {
		n := min(len(ids), renewBatch)
		lost, err := d.stream.Renew(ctx, ids[:n])
		ids = ids[n:]
		if err != nil {
			if ctx.Err() == nil {
				d.log.Warn("outbox: lease renewal failed", "err", err)
			}
			return
		}
		// An id may be gone because its acknowledgement landed since the snapshot;
		// only a message still waiting here was really taken over.
		taken := 0
		d.mu.Lock()
		for _, id := range lost {
			if d.sched.remove(d.owned[id], id) {
				delete(d.owned, id)
				taken++
			}
		}
		d.mu.Unlock()
		if taken > 0 {
			d.m.lost.WithLabelValues(d.opt.Channel).Add(float64(taken))
			d.log.Warn("outbox: another replica took over messages this one held", "count", taken)
		}
	}
}

// reclaim takes over entries whose lease ran out: their replica died.
func (d *Dispatcher) reclaim(ctx context.Context) {
	for ctx.Err() == nil {
		d.mu.Lock()
		room := d.opt.MaxQueued - d.sched.queued
		d.mu.Unlock()
		if room <= 0 {
			return
		}
		entries, err := d.stream.Reclaim(ctx, d.opt.Lease, min(room, readBatch))
		if err != nil {
			if ctx.Err() == nil {
				d.log.Warn("outbox: reclaim failed", "err", err)
			}
			return
		}
		if len(entries) == 0 {
			return
		}
		n := d.admit(ctx, entries)
		d.m.reclaimed.WithLabelValues(d.opt.Channel).Add(float64(n))
		if n > 0 {
			d.log.Info("outbox: took over messages of a replica whose lease ran out", "count", n)
		}
		if len(entries) < readBatch {
			return
		}
	}
}

// admit queues entries, dropping those for suppressed participants: one lookup for
// the batch, of the entries whose producer did not look just before. It returns how
// many it took on (entries held already are skipped).
func (d *Dispatcher) admit(ctx context.Context, entries []store.Entry) int {
	if len(entries) == 0 {
		return 0
	}
	jobs := make([]*job, 0, len(entries))
	d.mu.Lock()
	for _, e := range entries {
		if _, held := d.owned[e.ID]; held {
			continue
		}
		var msg message.Outbound
		if err := json.Unmarshal([]byte(e.Payload), &msg); err != nil || msg.To == "" {
			d.log.Error("outbox: entry unreadable; dropped", "id", e.ID, "err", err)
			d.owned[e.ID] = ""
			d.mu.Unlock()
			d.acks.add(e.ID, false)
			d.mu.Lock()
			continue
		}
		d.owned[e.ID] = msg.To
		jobs = append(jobs, &job{id: e.ID, msg: msg})
	}
	d.mu.Unlock()

	now := d.opt.Now()
	var ids []string
	var looked []*job
	for _, j := range jobs {
		if j.msg.CheckedAt > 0 {
			j.checked = time.UnixMilli(j.msg.CheckedAt)
		}
		if !j.msg.System && now.Sub(j.checked) > suppressionFresh {
			ids = append(ids, d.participant(j.msg))
			looked = append(looked, j)
		}
	}
	var reasons map[string]string
	if len(ids) > 0 {
		var err error
		if reasons, err = d.sup.SuppressedAmong(ctx, ids); err != nil {
			// Each is looked up again before it goes (its check stays stale).
			d.log.Warn("outbox: suppression lookup failed", "err", err)
		} else {
			for _, j := range looked {
				j.checked = now
			}
		}
	}
	d.mu.Lock()
	now = d.opt.Now()
	taken := 0
	var drop []string
	for _, j := range jobs {
		if !j.msg.System && reasons[d.participant(j.msg)] != "" {
			drop = append(drop, j.id)
			continue
		}
		d.sched.add(j, now)
		taken++
	}
	d.m.queued.WithLabelValues(d.opt.Channel).Set(float64(d.sched.queued))
	if ctx.Err() == nil {
		d.startReady(ctx)
	}
	d.mu.Unlock()
	for _, id := range drop {
		d.m.outcomes.WithLabelValues(d.opt.Channel, "suppressed").Inc()
		d.acks.add(id, false)
	}
	d.signal(d.wake)
	return taken + len(drop)
}

// released forgets acknowledged entries.
func (d *Dispatcher) released(ids []string) {
	d.mu.Lock()
	for _, id := range ids {
		delete(d.owned, id)
	}
	d.mu.Unlock()
}

func (d *Dispatcher) participant(msg message.Outbound) string {
	if msg.Participant != "" {
		return msg.Participant
	}
	return message.ParticipantID(d.opt.Channel, msg.To)
}

func (d *Dispatcher) signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// waitFor waits for wg, at most d.
func waitFor(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// overBudget charges a message's cost to its recipient's day, on its first attempt,
// and says whether the day's cap holds it back.
func (d *Dispatcher) overBudget(ctx context.Context, j *job, id string) (bool, error) {
	l := d.opt.Limits
	if l.DailyCost <= 0 || l.Cost == nil || d.opt.Spender == nil || j.msg.System || j.attempts > 0 {
		return false, nil
	}
	ok, err := d.opt.Spender.Spend(ctx, id, d.opt.Now().UTC().Format(time.DateOnly), l.Cost(j.msg), l.DailyCost)
	return !ok, err
}
