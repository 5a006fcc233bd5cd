package outbox

import (
	"container/heap"
	"time"

	"github.com/guidebot/guidebot/internal/message"
)

// job is one outbox entry on its way to the provider.
type job struct {
	id       string
	msg      message.Outbound
	attempts int
	// checked is when the recipient was last found not suppressed (zero: never). A
	// job that waited longer than suppressionFresh is checked again before it goes.
	checked time.Time
}

// laneState says where a lane is: waiting for work, for its turn, for its time, or
// for the provider to answer.
type laneState uint8

const (
	laneIdle laneState = iota
	laneReady
	laneDelayed
	laneBusy
)

// lane is one recipient's queue. It has at most one message at the provider, so two
// messages to one recipient never swap; while it waits (its pace, a retry) it holds
// no sender, so it holds up nobody else.
type lane struct {
	to      string
	jobs    []*job
	next    time.Time // no send to this recipient before this
	state   laneState
	heapIdx int
}

// outcome is what a send attempt came to.
type outcome uint8

const (
	sent        outcome = iota // the provider accepted it
	dropped                    // it will never go: refused, unreadable, suppressed, out of attempts
	retried                    // try it again after a wait
	unreachable                // the recipient cannot be reached: drop it and the rest
)

// sched decides which message goes next. It is pure bookkeeping on a clock it is
// given, so the dispatcher's fairness is tested at any instant without goroutines.
type sched struct {
	pace       func(to string) time.Duration
	every      time.Duration // between any two sends; 0: no cap
	globalNext time.Time
	heldUntil  time.Time // the provider asked everyone to wait
	lanes      map[string]*lane
	ready      []*lane // round robin: a lane sends one message, then goes to the back
	delayed    laneHeap
	queued     int // jobs in lanes, in flight included
}

func newSched(l Limits) *sched {
	s := &sched{pace: l.Pace, lanes: map[string]*lane{}}
	if l.Rate > 0 {
		s.every = time.Duration(float64(time.Second) / l.Rate)
	}
	return s
}

// add queues j behind its recipient's earlier messages.
func (s *sched) add(j *job, now time.Time) {
	l, ok := s.lanes[j.msg.To]
	if !ok {
		l = &lane{to: j.msg.To, heapIdx: -1}
		s.lanes[j.msg.To] = l
	}
	l.jobs = append(l.jobs, j)
	s.queued++
	if l.state == laneIdle {
		s.place(l, now)
	}
}

// place puts an idle lane where it belongs. A lane without work is kept while its
// pace still binds, so a message that follows soon still waits its turn.
func (s *sched) place(l *lane, now time.Time) {
	switch {
	case l.next.After(now):
		l.state = laneDelayed
		heap.Push(&s.delayed, l)
	case len(l.jobs) == 0:
		l.state = laneIdle
		delete(s.lanes, l.to)
	default:
		l.state = laneReady
		s.ready = append(s.ready, l)
	}
}

// promote moves the lanes whose time has come from delayed to ready.
func (s *sched) promote(now time.Time) {
	for len(s.delayed) > 0 && !s.delayed[0].next.After(now) {
		l := heap.Pop(&s.delayed).(*lane)
		l.state = laneIdle
		s.place(l, now)
	}
}

// take returns the next message to send and marks its lane busy. With nothing to
// send now it returns nil and how long until something may be (negative: nothing is
// queued that a clock can release).
func (s *sched) take(now time.Time) (*lane, *job, time.Duration) {
	s.promote(now)
	if len(s.ready) == 0 {
		if len(s.delayed) > 0 {
			return nil, nil, s.delayed[0].next.Sub(now)
		}
		return nil, nil, -1
	}
	at := s.heldUntil
	if s.globalNext.After(at) {
		at = s.globalNext
	}
	if at.After(now) {
		return nil, nil, at.Sub(now)
	}
	var l *lane
	for l == nil {
		if len(s.ready) == 0 {
			return nil, nil, -1
		}
		l = s.ready[0]
		s.ready[0] = nil
		s.ready = s.ready[1:]
		if len(l.jobs) == 0 { // its work was removed while it waited its turn
			l.state = laneIdle
			s.place(l, now)
			l = nil
		}
	}
	l.state = laneBusy
	if s.every > 0 {
		s.globalNext = now.Add(s.every)
	}
	return l, l.jobs[0], 0
}

// finish records how the send of l's first job, started at start, ended. It returns
// the jobs that leave the lane for good (to be acknowledged).
func (s *sched) finish(l *lane, o outcome, after time.Duration, start, now time.Time) []*job {
	var gone []*job
	switch o {
	case sent, dropped:
		gone = append(gone, l.jobs[0])
		l.jobs[0] = nil
		l.jobs = l.jobs[1:]
		if s.pace != nil && o == sent {
			if p := s.pace(l.to); p > 0 {
				l.next = start.Add(p)
			}
		}
	case retried:
		l.jobs[0].attempts++
		l.next = now.Add(after)
	case unreachable:
		keep := l.jobs[:0]
		for i, j := range l.jobs {
			if i > 0 && j.msg.System {
				keep = append(keep, j)
			} else {
				gone = append(gone, j)
			}
		}
		clear(l.jobs[len(keep):])
		l.jobs = keep
	}
	s.queued -= len(gone)
	l.state = laneIdle
	s.place(l, now)
	return gone
}

// remove takes a queued job out of its lane (another replica owns it now). A job at
// the provider cannot be called back; it reports false.
func (s *sched) remove(to, id string) bool {
	l, ok := s.lanes[to]
	if !ok {
		return false
	}
	for i, j := range l.jobs {
		if j.id != id {
			continue
		}
		if i == 0 && l.state == laneBusy {
			return false
		}
		l.jobs = append(l.jobs[:i], l.jobs[i+1:]...)
		s.queued--
		return true
	}
	return false
}

// holdAll stops every send until until: the provider's limit for everyone.
func (s *sched) holdAll(until time.Time) {
	if until.After(s.heldUntil) {
		s.heldUntil = until
	}
}

// laneHeap orders delayed lanes by their next time.
type laneHeap []*lane

func (h laneHeap) Len() int           { return len(h) }
func (h laneHeap) Less(i, j int) bool { return h[i].next.Before(h[j].next) }
func (h laneHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx, h[j].heapIdx = i, j
}
func (h *laneHeap) Push(x any) {
	l := x.(*lane)
	l.heapIdx = len(*h)
	*h = append(*h, l)
}
func (h *laneHeap) Pop() any {
	old := *h
	l := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	l.heapIdx = -1
	return l
}
