package bot

import (
	"context"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/store"
)

// countEffect adds a flow's event ({count: {event: card_opened, card: $card}}) to
// the programme's figures, by the participant's language and channel.
func countEffect(_ context.Context, t *Turn, e flow.Effect) (string, error) {
	name := e.Args["event"]
	if name == "" {
		return "", nil
	}
	dims := map[string]string{"lang": message.LangLabel(t.State.Lang), "channel": t.In.Channel}
	for k, v := range e.Args {
		if k != "event" {
			dims[k] = v
		}
	}
	t.Counts = append(t.Counts, store.Event{Name: name, Dims: dims})
	return "", nil
}
