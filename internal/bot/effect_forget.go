package bot

import "github.com/guidebot/guidebot/internal/flow"

// forgetEffect deletes the participant with the commit, and their requests for a
// guide with them. The suppression key stays: an opt-out must hold.
func forgetEffect(t *Turn, _ flow.Effect) error {
	c := t.Commit
	c.Forget = true
	c.Purge = append(c.Purge, handoffStream)
	// The handoff entries are JSON objects with "participant":"ID" in them.
	c.PurgeMarker = `"participant":` + mustJSON(t.Participant)
	return nil
}
