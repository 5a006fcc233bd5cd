package bot

import (
	"context"

	"github.com/guidebot/guidebot/internal/flow"
)

// forgetEffect deletes the participant with the commit, and their requests for a
// guide and their bookings with them. The suppression key stays: an opt-out must hold.
func forgetEffect(_ context.Context, t *Turn, _ flow.Effect) (string, error) {
	c := t.Commit
	c.Forget = true
	c.Purge = append(c.Purge, handoffStream)
	// The handoff entries are JSON objects with "participant":"ID" in them.
	c.PurgeMarker = `"participant":` + mustJSON(t.Participant)
	// Their seats are freed and their reminders go with them.
	c.Release = t.State.Bookings
	return "", nil
}
