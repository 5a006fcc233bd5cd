package booking

import (
	"context"
	"fmt"
	"slices"

	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/flow"
)

// cancel gives back the seat of a booking the participant holds, with its
// reminders: from "My bookings" or by answering a reminder with "2".
func (e *Effects) cancel(ctx context.Context, t *bot.Turn, eff flow.Effect) (string, error) {
	key := eff.Args["arg"]
	b, ok := t.State.Booked(key)
	if !ok {
		return outcomeNone, nil
	}
	if _, err := e.seats.CancelBooking(ctx, t.Participant, b); err != nil {
		return "", fmt.Errorf("cancel %s: %w", key, err)
	}
	t.State.Bookings = slices.DeleteFunc(slices.Clone(t.State.Bookings), func(x flow.Booking) bool { return x.Key == key })
	record(t, "cancel", key)
	return outcomeOK, nil
}
