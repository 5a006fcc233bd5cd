package bot

import (
	"context"
	"sync"
)

// participantLocks lets one message per participant through at a time in this
// replica. A burst from one participant (sixty SMS at once) then waits in line for
// its own turn instead of racing on the version check, where it ran out of retries
// and lost messages; other participants never wait on it. Across replicas the
// version check still decides.
type participantLocks struct {
	mu   sync.Mutex
	held map[string]*participantLock
}

type participantLock struct {
	turn chan struct{} // holds a token while a message of the participant is handled
	refs int           // holders and waiters; the entry goes when it drops to zero
}

func newParticipantLocks() *participantLocks {
	return &participantLocks{held: map[string]*participantLock{}}
}

// lock waits for id's turn or for ctx to end; unlock gives the turn to the next.
func (p *participantLocks) lock(ctx context.Context, id string) (unlock func(), err error) {
	p.mu.Lock()
	l, ok := p.held[id]
	if !ok {
		l = &participantLock{turn: make(chan struct{}, 1)}
		p.held[id] = l
	}
	l.refs++
	p.mu.Unlock()
	select {
	case l.turn <- struct{}{}:
		return func() { <-l.turn; p.release(id, l) }, nil
	case <-ctx.Done():
		p.release(id, l)
		return nil, ctx.Err()
	}
}

func (p *participantLocks) release(id string, l *participantLock) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l.refs--; l.refs == 0 {
		delete(p.held, id)
	}
}
