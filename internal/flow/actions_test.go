package flow_test

import (
	"testing"

	"github.com/guidebot/guidebot/internal/flow"
)

const actionsYAML = `flow: extra
start: go
commands:
  - {slash: [extra], goto: go}
steps:
  go:
    say: [go]
    goto: done
    choose:
      - {id: a, label: opt.a, do: [{set: {profile.name: "Ann $lang"}}, {book: {session: s1}}]}
      - {id: b, label: opt.b, do: [{start: other}]}
  done:
    say: [{id: done, params: {Name: $profile.name}}]
    goto: main.menu
`

const otherYAML = `flow: other
start: hello
steps:
  hello:
    say: [other.hello]
    goto: main.menu
`

func TestActions(t *testing.T) {
	fl := parseAll(t, "welcome.yaml", welcomeYAML, "main.yaml", mainYAML, "extra.yaml", actionsYAML, "other.yaml", otherYAML)
	e, err := flow.New(fl, synthTexts, flow.Config{DefaultLang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	start := flow.State{ID: "t:1", Lang: "sv", Step: "extra.go"}

	// set writes a profile field with a variable expanded; book is an effect for the
	// sessions service; the next step reads the field.
	s, r, effects := step(t, e, start, text("1"))
	if s.Profile["name"] != "Ann sv" || s.Step != "main.menu" {
		t.Fatalf("after a: profile %v, step %s", s.Profile, s.Step)
	}
	if len(r.Texts) == 0 || r.Texts[0].ID != "done" || r.Texts[0].Params["Name"] != "Ann sv" {
		t.Fatalf("after a: said %+v", r.Texts)
	}
	if len(effects) != 1 || effects[0].Kind != "book" || effects[0].Args["session"] != "s1" {
		t.Fatalf("after a: effects %+v", effects)
	}
	if start.Profile != nil {
		t.Fatal("Step wrote into the caller's profile map")
	}

	// start jumps to another flow's start instead of the step's goto.
	s, r, _ = step(t, e, start, text("2"))
	if got := ids(r); len(got) < 1 || got[0] != "other.hello" || s.Step != "main.menu" {
		t.Fatalf("after b: said %v at %s, want other.hello then the menu", got, s.Step)
	}

	// A slash command of a flow other than main reaches it from anywhere.
	s, _, _ = step(t, e, flow.State{ID: "t:1", Lang: "en", Step: "main.menu"}, text("/extra"))
	if s.Step != "extra.go" {
		t.Fatalf("/extra led to %s", s.Step)
	}
}
