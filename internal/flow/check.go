package flow

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Problem is one thing wrong with the flows, located by file, line and step.
type Problem struct {
	File string
	Line int
	Step string
	Msg  string
}

func (p Problem) String() string {
	if p.Step != "" {
		return fmt.Sprintf("%s:%d: step %s: %s", p.File, p.Line, p.Step, p.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
}

// shows are the builtin views a say entry may name.
var shows = []string{"plan", "data", "sessions", "more_sessions", "bookings", "more_bookings", "booking"}

// engineMessages are the message ids the engine itself says.
var engineMessages = []string{
	"language.name", "language.script", "common.expired", "common.unsupported",
	"reprompt.choice", "reprompt.empty", "reprompt.guide", "reprompt.script",
	"invalid.nonempty", "invalid.phone", "invalid.yesno", "invalid.int", "invalid.date",
	"plan.header", "plan.empty", "plan.item", "data.header", "data.language", "data.channel",
	"data.since", "data.plan", "data.feedback", "data.transcript",
	"keyword.yes", "keyword.no", "common.more", "date.long",
	"sessions.header", "sessions.none", "sessions.item", "bookings.header", "bookings.none",
	"remind.confirmed", "remind.cancelled", "remind.gone",
}

// Check validates flows against the locales: unknown targets, unreachable steps, dead
// ends, loops that never wait, unknown validators, and message ids missing in a locale.
func Check(flows []*Flow, texts Texts) []Problem {
	c := checker{texts: texts, langs: texts.Languages(), steps: map[string]*Step{}, where: map[string]*Flow{}}
	for _, f := range flows {
		c.flows = append(c.flows, f)
		for name, st := range f.Steps {
			c.steps[f.Name+"."+name] = st
			c.where[f.Name+"."+name] = f
		}
	}
	for _, id := range engineMessages {
		c.message(Problem{File: "locales", Line: 0}, id)
	}
	for _, w := range weekdays {
		c.message(Problem{File: "locales", Line: 0}, "weekday."+w)
	}
	for _, m := range months {
		c.message(Problem{File: "locales", Line: 0}, "month."+m)
	}
	for _, key := range []string{WelcomeStep, LanguageStep, HomeStep} {
		if c.steps[key] == nil {
			c.add(Problem{File: "flows", Msg: fmt.Sprintf("required step %s is missing", key)})
		}
	}
	for _, f := range flows {
		c.flow(f)
	}
	c.reachable()
	sort.SliceStable(c.probs, func(i, j int) bool {
		a, b := c.probs[i], c.probs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return c.probs
}

type checker struct {
	texts Texts
	langs []string
	flows []*Flow
	steps map[string]*Step
	where map[string]*Flow
	probs []Problem
	edges map[string][]string
}

func (c *checker) add(p Problem) { c.probs = append(c.probs, p) }

func (c *checker) target(at Problem, f *Flow, goto_ string) {
	if goto_ == "" {
		return
	}
	key := resolve(f, goto_)
	if c.steps[key] == nil {
		at.Msg = fmt.Sprintf("goes to unknown step %q", goto_)
		c.add(at)
		return
	}
	if at.Step != "" {
		if c.edges == nil {
			c.edges = map[string][]string{}
		}
		c.edges[at.Step] = append(c.edges[at.Step], key)
	}
}

func (c *checker) message(at Problem, id string) {
	if id == "" || strings.Contains(id, "$") {
		return
	}
	var missing []string
	for _, l := range c.langs {
		if _, ok := c.texts.Message(l, id); !ok {
			missing = append(missing, l)
		}
	}
	if len(missing) > 0 {
		at.Msg = fmt.Sprintf("message %q is missing in locale %s", id, strings.Join(missing, ", "))
		c.add(at)
	}
}

func (c *checker) flow(f *Flow) {
	if f.Steps[f.Start] == nil {
		c.add(Problem{File: f.File, Line: f.Line, Msg: fmt.Sprintf("flow %s: start step %q does not exist", f.Name, f.Start)})
	}
	for _, cmd := range f.Commands {
		at := Problem{File: f.File, Line: cmd.Line}
		c.message(at, cmd.Words)
		c.target(at, f, cmd.Goto)
	}
	names := make([]string, 0, len(f.Steps))
	for name := range f.Steps {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c.step(f, name, f.Steps[name])
	}
}

func (c *checker) step(f *Flow, name string, st *Step) {
	key := f.Name + "." + name
	at := Problem{File: f.File, Line: st.Line, Step: key}
	fail := func(format string, args ...any) {
		p := at
		p.Msg = fmt.Sprintf(format, args...)
		c.add(p)
	}
	for _, s := range st.Say {
		switch {
		case s.Show != "" && !slices.Contains(shows, s.Show):
			fail("unknown show %q (%s)", s.Show, strings.Join(shows, ", "))
		case s.Show == "" && s.ID == "":
			fail("a say entry has no message id")
		}
		c.message(at, s.ID)
		for _, ref := range s.Refs {
			c.message(at, ref)
		}
	}
	for _, a := range append(append(append([]Action{}, st.Do...), st.Then...), optionActions(st)...) {
		if target, ok := a.Args[FollowUpArg]; ok {
			c.target(at, f, target)
		}
		if a.Kind == "start" {
			found := false
			for _, other := range c.flows {
				if other.Name == a.Arg {
					found = true
					c.target(at, other, other.Start)
				}
			}
			if !found {
				fail("start names unknown flow %q", a.Arg)
			}
		}
	}
	waits := len(st.Choose) > 0 || st.Ask != nil || st.Pick != nil || st.List != nil
	if st.List != nil {
		if st.List.From == "" || st.List.Goto == "" || st.List.Save == "" {
			fail("list needs a from, a save and a goto")
		}
		c.target(at, f, st.List.Goto)
	}
	if st.Pick != nil {
		if st.Pick.Goto == "" || st.Pick.Save == "" {
			fail("pick needs a save and a goto")
		}
		c.message(at, st.Pick.Label)
		c.message(at, st.Pick.LabelOne)
		c.target(at, f, st.Pick.Goto)
	}
	if len(st.Await) > 0 {
		if waits {
			fail("a step that awaits an outcome cannot also wait for the participant")
		}
		if st.Goto == "" {
			fail("await needs a goto for any other outcome")
		}
		for _, target := range st.Await {
			c.target(at, f, target)
		}
	}
	if !waits && st.Goto == "" && !st.End {
		fail("dead end: no choice, no question, no goto and not end: true")
	}
	if waits && st.End {
		fail("end: true on a step that waits for input")
	}
	c.target(at, f, st.Goto)
	ids := map[string]bool{}
	for _, o := range st.Choose {
		if ids[o.ID] || o.ID == "" {
			fail("option id %q is empty or repeated", o.ID)
		}
		ids[o.ID] = true
		switch {
		case o.Lang != "":
			found := false
			for _, l := range c.langs {
				found = found || l == o.Lang
			}
			if !found {
				fail("option %s: no locale for language %q", o.ID, o.Lang)
			}
		case o.Label == "":
			fail("option %s has no label", o.ID)
		default:
			c.message(at, o.Label)
		}
		if o.Goto == "" && st.Goto == "" {
			fail("option %s leads nowhere: give it or the step a goto", o.ID)
		}
		c.target(at, f, o.Goto)
	}
	if st.Ask != nil {
		if !validValidator(st.Ask.Validate) {
			fail("bad validator %q (nonempty, phone, yesno, int:MIN-MAX, date)", st.Ask.Validate)
		}
		if st.Ask.Goto == "" {
			fail("ask has no goto")
		}
		c.target(at, f, st.Ask.Goto)
	}
	if _, ok := whens[st.When]; !ok {
		fail("unknown when %q (%s)", st.When, strings.Join(whenNames(), ", "))
	}
	for _, o := range st.Choose {
		if _, ok := whens[o.When]; !ok {
			fail("option %s: unknown when %q (%s)", o.ID, o.When, strings.Join(whenNames(), ", "))
		}
	}
	if (st.Timeout > 0) != (st.OnTimeout != "") {
		fail("timeout and on_timeout go together")
	}
	c.target(at, f, st.OnTimeout)
}

func whenNames() []string {
	var out []string
	for k := range whens {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func optionActions(st *Step) []Action {
	var out []Action
	for _, o := range st.Choose {
		out = append(out, o.Do...)
	}
	return out
}

// reachable reports steps no path reaches from the entry steps and commands, and
// loops of steps that never wait for input.
func (c *checker) reachable() {
	seen := map[string]bool{}
	queue := []string{WelcomeStep, HomeStep, LanguageStep}
	for _, f := range c.flows {
		for _, cmd := range f.Commands {
			queue = append(queue, resolve(f, cmd.Goto))
		}
		for name, st := range f.Steps {
			if st.Entry {
				queue = append(queue, f.Name+"."+name)
			}
		}
	}
	for len(queue) > 0 {
		k := queue[0]
		queue = queue[1:]
		if seen[k] || c.steps[k] == nil {
			continue
		}
		seen[k] = true
		queue = append(queue, c.edges[k]...)
	}
	keys := make([]string, 0, len(c.steps))
	for k := range c.steps {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		st := c.steps[k]
		if !seen[k] {
			c.add(Problem{File: c.where[k].File, Line: st.Line, Step: k, Msg: "unreachable: no step, command or entry leads here"})
		}
		// Follow gotos of steps that wait for nothing; coming back means a loop.
		at, hops := k, 0
		for hops = 0; hops <= len(c.steps); hops++ {
			s := c.steps[at]
			if s == nil || len(s.Choose) > 0 || s.Ask != nil || s.Pick != nil || s.List != nil || len(s.Await) > 0 || s.End || s.Goto == "" || hasStart(s) {
				break
			}
			at = resolve(c.where[at], s.Goto)
		}
		if hops > len(c.steps) {
			c.add(Problem{File: c.where[k].File, Line: st.Line, Step: k, Msg: "loops through steps that never wait for input"})
		}
	}
}

func hasStart(s *Step) bool {
	for _, a := range s.Do {
		if a.Kind == "start" {
			return true
		}
	}
	return false
}
