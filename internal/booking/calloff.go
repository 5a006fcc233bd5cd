package booking

import (
	"context"
	"fmt"
	"time"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/store"
)

// Booked is what CallOff needs of the store: who holds which seats, and a way to
// tell them; *store.Store is one.
type Booked interface {
	Rosters(ctx context.Context) ([]string, error)
	RosterMembers(ctx context.Context, key string) ([]string, error)
	Load(ctx context.Context, id, msgID string) (store.Record, error)
	CancelBooking(ctx context.Context, participant string, b flow.Booking) (bool, error)
	Enqueue(ctx context.Context, channel string, msg message.Outbound) error
}

// CallOff tells everyone booked on a session the schedule in force no longer has
// (a coordinator added its date to `cancelled`, or took the session out) that it is
// off, in their language, with the session's next meeting if it has one, and frees
// their seats and reminders. Run it after every reload. Any number of replicas may
// run it at once: a booking is cancelled once, and only the run that cancelled it
// tells the participant. It returns how many were told.
func (e *Effects) CallOff(ctx context.Context, st Booked, now time.Time) (int, error) {
	keys, err := st.Rosters(ctx)
	if err != nil {
		return 0, fmt.Errorf("call off: %w", err)
	}
	told := 0
	for _, key := range keys {
		if _, ok := e.sessions.Find(key, now); ok {
			continue
		}
		ids, err := st.RosterMembers(ctx, key)
		if err != nil {
			return told, fmt.Errorf("call off %s: %w", key, err)
		}
		for _, id := range ids {
			ok, err := e.callOff(ctx, st, id, key, now)
			if err != nil {
				return told, fmt.Errorf("call off %s: %w", key, err)
			}
			if ok {
				told++
			}
		}
	}
	return told, nil
}

func (e *Effects) callOff(ctx context.Context, st Booked, id, key string, now time.Time) (bool, error) {
	rec, err := st.Load(ctx, id, "")
	if err != nil {
		return false, err
	}
	b, ok := rec.State.Booked(key)
	if !ok || b.Start <= now.Unix() {
		return false, nil // held no more, or it has happened: nothing is called off
	}
	cancelled, err := st.CancelBooking(ctx, id, b)
	if err != nil || !cancelled {
		return false, err // another replica told them
	}
	texts := []flow.Message{{ID: "booking.called_off"}, flow.SessionMessage(b.Line)}
	if next, ok := e.sessions.Following(key, now); ok {
		texts = append(texts, flow.Message{ID: "booking.next_one"}, flow.SessionMessage(next))
	}
	s := rec.State
	notice := message.Outbound{To: s.Address, Participant: id, Reply: flow.Reply{Lang: s.Lang, Texts: texts}}
	if err := st.Enqueue(ctx, s.Channel, notice); err != nil {
		return false, err
	}
	return true, nil
}
