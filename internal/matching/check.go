package matching

import (
	"fmt"
	"strings"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/schedule"
)

// CheckProgrammes makes sure every programme of the schedule has a name in every
// locale (match.programme.<id>): the sign-up offers the schedule's programmes as a
// list, so a programme a coordinator adds needs its name translated, not code.
func CheckProgrammes(texts flow.Texts, m schedule.Matching) []string {
	var problems []string
	for _, p := range m.Programmes {
		var missing []string
		for _, l := range texts.Languages() {
			if _, ok := texts.Message(l, schedule.ProgrammeLabel(p.ID)); !ok {
				missing = append(missing, l)
			}
		}
		if len(missing) > 0 {
			problems = append(problems, fmt.Sprintf("schedule: line %d: matching programme %q has no name (%s) in locale %s",
				p.Line, p.ID, schedule.ProgrammeLabel(p.ID), strings.Join(missing, ", ")))
		}
	}
	return problems
}
