package matching

import (
	"fmt"
	"slices"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/schedule"
)

// The sign-up step that offers the programmes.
const (
	signupFlow    = "match"
	programmeStep = "programme"
)

// CheckProgrammes holds the sign-up's programme options to the schedule's
// programmes, both ways: an option the schedule lacks would sign people up for
// nothing, a programme without an option could not be chosen. (Each option's
// label, match.programme.<id>, is checked in every locale with the flows.)
func CheckProgrammes(flows []*flow.Flow, m schedule.Matching) []string {
	var offered []string
	for _, f := range flows {
		if st := f.Steps[programmeStep]; f.Name == signupFlow && st != nil {
			for _, o := range st.Choose {
				offered = append(offered, o.ID)
			}
		}
	}
	if len(m.Programmes) == 0 || offered == nil {
		return nil // the schedule matches nobody, or no flow signs anybody up
	}
	var problems []string
	for _, id := range offered {
		if _, ok := m.Programme(id); !ok {
			problems = append(problems, fmt.Sprintf("flows/%s.yaml: step %s.%s offers %q, which the schedule's matching.programmes lacks",
				signupFlow, signupFlow, programmeStep, id))
		}
	}
	for _, p := range m.Programmes {
		if !slices.Contains(offered, p.ID) {
			problems = append(problems, fmt.Sprintf("schedule: line %d: matching programme %q is not offered by step %s.%s (flows/%s.yaml)",
				p.Line, p.ID, signupFlow, programmeStep, signupFlow))
		}
	}
	return problems
}
