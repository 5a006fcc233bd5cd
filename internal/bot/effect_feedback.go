package bot

import (
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/store"
)

// feedbackStream keeps ratings and comments without the participant's id, so the
// reports outlive "forget me".
const feedbackStream = "feedback"

func feedbackEffect(t *Turn, e flow.Effect) error {
	t.Commit.Appends = append(t.Commit.Appends, store.Append{Stream: feedbackStream, Payload: mustJSON(e.Args)})
	return nil
}
