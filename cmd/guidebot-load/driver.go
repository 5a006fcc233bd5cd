package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/guidebot/guidebot/internal/channel/sms/smstest"
)

// Pacing of the drivers and the coordinator.
const (
	minRateTick   = 2 * time.Millisecond // rate mode starts updates in batches this far apart at most
	progressEvery = 2 * time.Second
	floodPoll     = 50 * time.Millisecond
	// floodPace is how fast default limits answer one participant: a message a
	// second per chat (Telegram) and per number (SMS).
	floodPace = time.Second
	// A guidebot on a Redis an earlier run used may first deliver that run's
	// outbox. The run waits until no send came for quietGap (at most quietMax), so
	// those sends are not taken for replies. Rate limits space a backlog's sends up
	// to a second apart, hence more than a second.
	quietGap       = 1500 * time.Millisecond
	quietMax       = 30 * time.Second
	quietPoll      = 100 * time.Millisecond
	loggedErrors   = 5   // webhook errors written to stderr in full; the rest are only counted
	errorBodyLimit = 200 // bytes of an error answer quoted in the log
)

// Paths guidebot serves the providers' webhooks on.
const (
	telegramWebhookPath = "/telegram/webhook"
	smsInboundPath      = "/sms/inbound"
	secretHeader        = "X-Telegram-Bot-Api-Secret-Token"
	signatureHeader     = "X-Twilio-Signature"
)

// stats are the run's counters. Except posted, unknown and stray, they count only
// what belongs to measured updates: a provider call is attributed to its
// participant's latest update.
type stats struct {
	mu     sync.Mutex
	normal []time.Duration // webhook post → reply at the provider
	flood  []time.Duration // the flooder's

	posted     atomic.Int64 // every update posted, for progress
	updates    atomic.Int64
	errors     atomic.Int64
	noReply    atomic.Int64
	unexpected atomic.Int64
	duplicates atomic.Int64
	late       atomic.Int64
	delivered  atomic.Int64
	skipped    atomic.Int64
	floodSent  atomic.Int64
	floodErrs  atomic.Int64
	fail       atomic.Int64
	hang       atomic.Int64
	tooMany    atomic.Int64
	unknown    atomic.Int64 // sends to an address that is no participant
	stray      atomic.Int64 // sends before the first update
}

// loadRun is one run: the participants, the webhook client and the counters. The
// fakes report every send to it (providerCall).
type loadRun struct {
	cfg    config
	log    *slog.Logger
	sc     *script
	client *http.Client
	faults *faults

	webhookURL string // where Telegram updates are posted
	inboundURL string // where SMS are posted
	signedURL  string // what Twilio signs: PUBLIC_URL + /sms/inbound

	byKind  [numKinds][]*participant // by index, for the fakes; nil where another kind sits
	normal  []*participant           // those who take turns
	flooder *participant
	pool    chan *participant // normal participants with nothing in flight

	// running is set once stray sends have stopped and the first update goes out;
	// lastSend is when a fake last heard a send, in Unix nanoseconds.
	running  atomic.Bool
	lastSend atomic.Int64

	updateID  atomic.Int64
	sidPrefix uint64
	sidSeq    atomic.Uint64
	errLogged atomic.Int64

	measureFrom time.Time
	budget      atomic.Int64 // measured updates left with -updates
	stopped     atomic.Bool
	stopOnce    sync.Once
	stopCh      chan struct{}

	st stats
}

func newLoadRun(cfg config, log *slog.Logger, f *faults) *loadRun {
	sc := newScript()
	r := &loadRun{
		cfg:       cfg,
		log:       log,
		sc:        sc,
		faults:    f,
		sidPrefix: rand.Uint64(),
		stopCh:    make(chan struct{}),
		pool:      make(chan *participant, cfg.participants),
	}
	// update_id and dedupe keys outlive a run in Redis: start past any earlier run.
	r.updateID.Store(time.Now().UnixMilli() * 1000)
	r.budget.Store(int64(cfg.updates))
	for k := range r.byKind {
		r.byKind[k] = make([]*participant, cfg.participants+1)
	}
	kinds := []channelKind{cfg.kind}
	if cfg.channel == channelBoth {
		kinds = []channelKind{telegramKind, smsKind}
	}
	for i := range cfg.participants {
		p := newParticipant(i, kinds[i%len(kinds)], sc, cfg.seed)
		p.pool = r.pool
		r.byKind[p.kind][i] = p
		r.normal = append(r.normal, p)
		r.pool <- p
	}
	if cfg.mode == modeFlood && cfg.floodN > 0 {
		p := newParticipant(cfg.participants, cfg.floodKind, sc, cfg.seed)
		p.flooder = true
		r.byKind[p.kind][p.idx] = p
		r.flooder = p
	}
	return r
}

// concurrency is about how many webhook posts can be open at once.
func (r *loadRun) concurrency() int {
	switch r.cfg.mode {
	case modeRate:
		return min(r.cfg.participants, r.cfg.rate)
	case modeFlood:
		return r.cfg.normal + r.cfg.floodN
	}
	return r.cfg.c
}

func (r *loadRun) stop() {
	r.stopOnce.Do(func() {
		r.stopped.Store(true)
		close(r.stopCh)
	})
}

// admit says whether an update may start at now and whether it is measured.
func (r *loadRun) admit(now time.Time) (ok, measured bool) {
	if r.stopped.Load() {
		return false, false
	}
	if now.Before(r.measureFrom) {
		return true, false
	}
	if r.cfg.updates > 0 && r.budget.Add(-1) < 0 {
		r.stop()
		return false, false
	}
	r.st.updates.Add(1)
	return true, true
}

func (r *loadRun) lookup(kind channelKind, idx int) *participant {
	if idx < 0 || idx >= len(r.byKind[kind]) {
		return nil
	}
	return r.byKind[kind][idx]
}

// request encodes p's next update as the provider would post it. Call with p.mu held.
func (r *loadRun) request(ctx context.Context, p *participant) (*http.Request, error) {
	m := p.next(r.sc)
	now := time.Now()
	if p.kind == telegramKind {
		body, err := p.telegramUpdate(r.updateID.Add(1), m, now)
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.webhookURL, bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("webhook: %w", err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(secretHeader, r.cfg.secret)
		return req, nil
	}
	sid := fmt.Sprintf("SM%016x%016x", r.sidPrefix, r.sidSeq.Add(1))
	form := p.smsForm(m, sid, r.cfg.twilioSID, r.cfg.twilioFrom)
	sig := smstest.Sign(r.cfg.twilioAuth, r.signedURL, form)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.inboundURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("inbound: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set(signatureHeader, sig)
	return req, nil
}

// post sends a webhook request; anything but 200 is an error.
func (r *loadRun) post(req *http.Request) error {
	res, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(res.Body, errorBodyLimit))
		return fmt.Errorf("webhook: status %d: %s", res.StatusCode, strings.TrimSpace(string(msg)))
	}
	// Drained so the connection goes back to the pool.
	io.Copy(io.Discard, res.Body)
	return nil
}

func (r *loadRun) logError(p *participant, err error) {
	if r.errLogged.Add(1) <= loggedErrors {
		r.log.Warn("update failed", "channel", p.kind, "participant", p.idx, "err", err)
	}
}

// exchange posts p's next update and waits for the reply to reach a fake. It
// reports whether p is free again: one that gave up waiting is held back until its
// late reply comes, so that reply is not taken for the answer to a newer update.
func (r *loadRun) exchange(ctx context.Context, p *participant, measured bool, timer *time.Timer) bool {
	if r.cfg.think > 0 && !sleepCtx(ctx, r.cfg.think) {
		return true
	}
	p.mu.Lock()
	req, err := r.request(ctx, p)
	if err != nil {
		p.mu.Unlock()
		r.log.Error("cannot build update", "err", err)
		return true
	}
	select {
	case <-p.done: // a signal left from an update that failed after its reply came
	default:
	}
	p.waiting, p.timedOut, p.measured = true, false, measured
	p.start = time.Now()
	start := p.start
	p.mu.Unlock()
	r.st.posted.Add(1)

	if err := r.post(req); err != nil {
		if measured {
			r.st.errors.Add(1)
		}
		r.logError(p, err)
		p.mu.Lock()
		p.waiting = false
		p.mu.Unlock()
		return true
	}
	timer.Reset(time.Until(start.Add(r.cfg.replyTimeout)))
	select {
	case <-p.done:
		timer.Stop()
		return true
	case <-ctx.Done():
		timer.Stop()
		return true
	case <-timer.C:
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.waiting {
		return true // the reply came as the timer fired
	}
	p.waiting, p.timedOut = false, true
	if measured {
		r.st.noReply.Add(1)
	}
	return false
}

// providerCall is a fake's report of one send to participant idx of kind.
func (r *loadRun) providerCall(kind channelKind, addr string, idx int, o outcome, rep *reply, at time.Time) {
	r.lastSend.Store(at.UnixNano())
	if !r.running.Load() {
		if r.st.stray.Add(1) == 1 {
			r.log.Warn("a send before the first update: left in the outbox by an earlier run?", "channel", kind, "to", addr)
		}
		return
	}
	p := r.lookup(kind, idx)
	if p == nil {
		if r.st.unknown.Add(1) == 1 {
			r.log.Warn("a send to an address that is no participant", "channel", kind, "to", addr)
		}
		if o == delivered {
			r.st.unexpected.Add(1)
		}
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	measured := p.measured || p.flooder
	if measured {
		switch o {
		case failed:
			r.st.fail.Add(1)
		case hung:
			r.st.hang.Add(1)
		case tooMany:
			r.st.tooMany.Add(1)
		}
	}
	if o != delivered {
		return
	}
	if measured {
		r.st.delivered.Add(1)
	}
	if p.flooder {
		if len(p.posts) == 0 {
			r.st.unexpected.Add(1)
		} else {
			r.record(&r.st.flood, at.Sub(p.posts[0].start))
			p.posts = p.posts[1:]
		}
		p.last = *rep
		return
	}
	switch {
	case p.waiting:
		p.waiting = false
		p.last = *rep
		if measured {
			r.record(&r.st.normal, at.Sub(p.start))
		}
		select {
		case p.done <- struct{}{}:
		default:
		}
	case p.timedOut:
		p.timedOut = false
		p.last = *rep
		if measured {
			r.st.late.Add(1)
		}
		select {
		case p.pool <- p:
		default:
		}
	case rep.sum == p.last.sum:
		if measured {
			r.st.duplicates.Add(1)
		}
	default:
		if measured {
			r.st.unexpected.Add(1)
		}
		p.last = *rep
	}
}

func (r *loadRun) record(into *[]time.Duration, d time.Duration) {
	r.st.mu.Lock()
	*into = append(*into, d)
	r.st.mu.Unlock()
}

// saturate keeps c updates in flight, each from a participant taken from the pool.
func (r *loadRun) saturate(ctx context.Context, c int, wg *sync.WaitGroup) {
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			timer := time.NewTimer(time.Hour)
			timer.Stop()
			for {
				var p *participant
				select {
				case <-r.stopCh:
					return
				case <-ctx.Done():
					return
				case p = <-r.pool:
				}
				ok, measured := r.admit(time.Now())
				if !ok {
					r.pool <- p
					return
				}
				if r.exchange(ctx, p, measured, timer) {
					r.pool <- p
				}
			}
		}()
	}
}

// rateLoop starts updates at a fixed rate from whoever is free: an open loop, so a
// slow service gets more in flight, not fewer starts. It returns when the run stops.
func (r *loadRun) rateLoop(ctx context.Context, rate int, wg *sync.WaitGroup) {
	tick := max(time.Second/time.Duration(rate), minRateTick)
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	begin := time.Now()
	var started int64
	for {
		select {
		case <-r.stopCh:
			return
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			due := int64(now.Sub(begin).Seconds()*float64(rate)) - started
			for ; due > 0; due-- {
				started++
				var p *participant
				select {
				case p = <-r.pool:
				default:
					if !now.Before(r.measureFrom) {
						r.st.skipped.Add(1)
					}
					continue
				}
				ok, measured := r.admit(now)
				if !ok {
					r.pool <- p
					return
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					timer := time.NewTimer(time.Hour)
					timer.Stop()
					if r.exchange(ctx, p, measured, timer) {
						r.pool <- p
					}
				}()
			}
		}
	}
}

// floodBurst has the flooder post floodN updates at once, not waiting for replies.
func (r *loadRun) floodBurst(ctx context.Context, wg *sync.WaitGroup) {
	p := r.flooder
	reqs := make([]*http.Request, 0, r.cfg.floodN)
	p.mu.Lock()
	for range r.cfg.floodN {
		req, err := r.request(ctx, p)
		if err != nil {
			p.mu.Unlock()
			r.log.Error("cannot build flood update", "err", err)
			return
		}
		reqs = append(reqs, req)
	}
	p.mu.Unlock()
	gate := make(chan struct{})
	for i, req := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			p.mu.Lock()
			p.posts = append(p.posts, floodPost{id: int64(i), start: time.Now()})
			p.mu.Unlock()
			r.st.posted.Add(1)
			r.st.floodSent.Add(1)
			if err := r.post(req); err != nil {
				r.st.floodErrs.Add(1)
				r.logError(p, err)
				p.mu.Lock()
				for j, fp := range p.posts {
					if fp.id == int64(i) {
						p.posts = append(p.posts[:j], p.posts[j+1:]...)
						break
					}
				}
				p.mu.Unlock()
			}
		}()
	}
	close(gate)
}

// floodPending is how many flooder updates still wait for a reply.
func (r *loadRun) floodPending() int {
	r.flooder.mu.Lock()
	defer r.flooder.mu.Unlock()
	return len(r.flooder.posts)
}

// drive runs the load and measures it.
func (r *loadRun) drive(ctx context.Context, m *meter, progress io.Writer) (*result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := r.waitQuiet(ctx); err != nil {
		return nil, err
	}
	begin := time.Now()
	r.faults.begin(begin)
	r.measureFrom = begin.Add(r.cfg.warmup)
	var wg, floodWG sync.WaitGroup
	switch r.cfg.mode {
	case modeSaturate:
		r.saturate(ctx, r.cfg.c, &wg)
	case modeFlood:
		r.saturate(ctx, r.cfg.normal, &wg)
	case modeRate:
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.rateLoop(ctx, r.cfg.rate, &wg)
		}()
	}
	abort := func(err error) (*result, error) {
		r.stop()
		cancel()
		wg.Wait()
		floodWG.Wait()
		return nil, err
	}
	if !sleepCtx(ctx, time.Until(r.measureFrom)) {
		return abort(fmt.Errorf("load: %w", ctx.Err()))
	}
	s0 := m.read(ctx)
	if r.flooder != nil {
		r.floodBurst(ctx, &floodWG)
	}
	floodStart := time.Now()
	var limit <-chan time.Time
	if r.cfg.updates == 0 {
		t := time.NewTimer(r.cfg.duration)
		defer t.Stop()
		limit = t.C
	}
	ticker := time.NewTicker(progressEvery)
	defer ticker.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			return abort(fmt.Errorf("load: %w", ctx.Err()))
		case <-limit:
			break loop
		case <-r.stopCh:
			break loop
		case now := <-ticker.C:
			fmt.Fprintf(progress, "guidebot-load: %5.1fs posted=%d measured=%d replies=%d errors=%d no_reply=%d\n",
				now.Sub(begin).Seconds(), r.st.posted.Load(), r.st.updates.Load(), r.st.delivered.Load(),
				r.st.errors.Load(), r.st.noReply.Load())
		}
	}
	r.stop()
	s1 := m.read(ctx)
	// Drain: the updates in flight get their replies or time out; none start.
	wg.Wait()
	floodWG.Wait()
	if r.flooder != nil {
		// Wait out the flooder's backlog, paced by default limits: its latency is
		// then whole, and its replies do not reach the next run on the same Redis.
		deadline := s1.at.Add(r.cfg.replyTimeout)
		if d := floodStart.Add(time.Duration(r.cfg.floodN)*floodPace + r.cfg.replyTimeout); d.After(deadline) {
			deadline = d
		}
		if n := r.floodPending(); n > 0 {
			fmt.Fprintf(progress, "guidebot-load: waiting up to %s for the flooder's %d replies\n",
				time.Until(deadline).Round(time.Second), n)
		}
		for r.floodPending() > 0 && time.Now().Before(deadline) {
			if !sleepCtx(ctx, floodPoll) {
				break
			}
		}
	}
	// Late and duplicate sends may still come after the last expected one.
	sleepCtx(ctx, r.cfg.settle)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	return r.result(s0, s1, m.ticks), nil
}

// waitQuiet waits until the fakes have heard no send for quietGap, then lets
// sends count as replies.
func (r *loadRun) waitQuiet(ctx context.Context) error {
	begin := time.Now()
	for {
		now := time.Now()
		last := time.Unix(0, r.lastSend.Load())
		if now.Sub(last) >= quietGap && now.Sub(begin) >= quietGap {
			break
		}
		if now.Sub(begin) >= quietMax {
			r.log.Warn("sends keep coming before the first update; starting anyway", "waited", quietMax)
			break
		}
		if !sleepCtx(ctx, quietPoll) {
			return fmt.Errorf("load: %w", ctx.Err())
		}
	}
	r.running.Store(true)
	if n := r.st.stray.Load(); n > 0 {
		r.log.Warn("sends before the first update ignored", "sends", n)
	}
	return nil
}

// sleepCtx sleeps d unless ctx ends first; it reports whether it slept the whole d.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
