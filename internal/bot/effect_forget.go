package bot

import (
	"context"

	"github.com/guidebot/guidebot/internal/flow"
)

// forgetEffect deletes the participant with the commit, and their bookings with
// them (the handoff service closes their request for a guide). The suppression key stays: an opt-out must hold.
func forgetEffect(_ context.Context, t *Turn, _ flow.Effect) (string, error) {
	c := t.Commit
	c.Forget = true
	// Their seats are freed and their reminders go with them.
	c.Release = t.State.Bookings
	return "", nil
}
