package bot

import (
	"context"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/store"
)

// feedbackStream keeps ratings and comments without the participant's id, so the
// reports outlive "forget me".
const feedbackStream = "feedback"

func feedbackEffect(_ context.Context, t *Turn, e flow.Effect) (string, error) {
	t.Commit.Appends = append(t.Commit.Appends, store.Append{Stream: feedbackStream, Payload: mustJSON(e.Args)})
	return "", nil
}
