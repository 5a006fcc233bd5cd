package bot

import (
	"context"

	"strconv"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/store"
)

// handoffStream queues requests for a guide; its entries name the participant.
const handoffStream = "handoff"

func handoffEffect(_ context.Context, t *Turn, e flow.Effect) (string, error) {
	args := map[string]string{"participant": t.Participant, "channel": t.In.Channel, "at": strconv.FormatInt(t.Now.Unix(), 10)}
	for k, v := range e.Args {
		args[k] = v
	}
	t.Commit.Appends = append(t.Commit.Appends, store.Append{Stream: handoffStream, Payload: mustJSON(args)})
	return "", nil
}
