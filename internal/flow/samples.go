package flow

import (
	"sort"
	"time"
)

// Sample is one reply the flows can send, as a participant reading Lang gets it.
type Sample struct {
	Lang string
	// Case says how it came about: "step KEY" (the step entered, with the steps it
	// runs on to), "miss KEY" (an answer the step does not understand), "first contact".
	Case  string
	Reply Reply
}

// sampleMiss is an answer no step understands: a number beyond every list, which
// is read the same in every language and script.
const sampleMiss = "99"

// Samples renders every reply the flows can send, in every language: each step
// entered from base (the caller fills it with the plan, feedback and bookings the
// views should show at their fullest), each waiting step answered with something it
// does not understand, and a new participant's first message. A step that runs on
// without input is sampled with the steps it runs on to, as it goes out. `guidebot
// check` measures them against the SMS budget.
func (e *Engine) Samples(base State, first []string, now time.Time) []Sample {
	keys := make([]string, 0, len(e.steps))
	for k := range e.steps {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	langs := make([]string, 0, len(e.langs))
	for l := range e.langs {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	var out []Sample
	for _, text := range first {
		fresh := State{ID: base.ID, Channel: base.Channel, Address: base.Address}
		if _, reply, _, err := e.Step(fresh, Input{Kind: Text, Text: text}, now); err == nil {
			out = append(out, Sample{Lang: reply.Lang, Case: "first contact " + text, Reply: reply})
		}
	}
	for _, lang := range langs {
		for _, key := range keys {
			s := base
			s.Lang, s.Step = lang, HomeStep
			if e.steps[key].When == "handoff_waiting" {
				s.Handoff = "sample"
			}
			after, reply, _, err := e.Step(s, Input{Kind: Tick, Step: key}, now)
			if err != nil || reply.Empty() {
				continue
			}
			out = append(out, Sample{Lang: lang, Case: "step " + key, Reply: reply})
			if reply.Step == "" {
				continue // nothing to answer: the step ended or awaits an effect
			}
			// A step that takes any text takes the miss too, and may run on to a step
			// that awaits an effect: nothing goes out until its outcome, which the
			// steps it leads to are sampled for.
			if _, miss, _, err := e.Step(after, Input{Kind: Text, Text: sampleMiss}, now); err == nil && !miss.Empty() {
				out = append(out, Sample{Lang: lang, Case: "miss " + reply.Step, Reply: miss})
			}
		}
	}
	return out
}
