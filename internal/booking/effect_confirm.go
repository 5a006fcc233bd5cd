package booking

import (
	"context"

	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/flow"
)

// confirm counts a "yes, I am coming" to a reminder, for the reports.
func (e *Effects) confirm(_ context.Context, t *bot.Turn, eff flow.Effect) (string, error) {
	record(t, "confirm", eff.Args["arg"])
	return outcomeOK, nil
}
