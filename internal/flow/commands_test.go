package flow_test

import (
	"strings"
	"testing"

	"github.com/guidebot/guidebot/internal/flow"
)

// commandOutcome is what a global command does, whichever step it is sent from.
type commandOutcome struct {
	keyword string
	want    expect
	effect  string // kind of the one effect expected, or ""
}

var commandOutcomes = []commandOutcome{
	{"keyword.menu", expect{step: "main.menu", texts: []string{"menu.intro"}, opts: menuOptions}, ""},
	{"keyword.language", expect{step: "welcome.language", texts: []string{"language.choose"}, opts: 8}, ""},
	// The handoff awaits its outcome (the queue position), which the bot feeds back.
	{"keyword.guide", expect{step: "handoff.request", texts: []string{}, opts: 0}, "handoff"},
	{"keyword.help", expect{step: "main.menu", texts: []string{"help.text", "menu.intro"}, opts: menuOptions}, ""},
	{"keyword.plan", expect{step: "plan.show", texts: []string{"plan.empty", "plan.next"}, opts: 3}, ""},
	{"keyword.forget", expect{step: "privacy.confirm", texts: []string{"privacy.confirm"}, opts: 2}, ""},
	{"keyword.data", expect{step: "privacy.show", texts: []string{"data.header", "data.language", "data.channel",
		"data.since", "data.transcript"}, opts: 2}, ""},
}

// TestCommandsEverywhere sends every word of every command keyword of every locale
// from every step that waits for input, in the participant's language and in Swedish.
func TestCommandsEverywhere(t *testing.T) {
	w := shipped(t)
	var from []string
	for _, k := range sortedKeys(w.steps) {
		if waits(w.steps[k]) {
			from = append(from, k)
		}
	}
	if len(from) < 10 {
		t.Fatalf("only %d waiting steps in the shipped flows", len(from))
	}
	for _, lang := range w.cat.Languages() {
		for _, c := range commandOutcomes {
			for _, word := range words(t, w.cat, lang, c.keyword) {
				for _, key := range from {
					for _, pl := range []string{lang, "sv"} {
						if pl != lang && key != "main.menu" && key != "feedback.comment" {
							continue // cross-language from two steps is enough
						}
						s, r, effects := step(t, w.eng, at(key, pl), text(word))
						name := lang + " " + c.keyword + " " + `"` + word + `" at ` + key + " (" + pl + ")"
						c.want.check(t, name, s, r)
						checkEffect(t, name, effects, c.effect, key, pl)
					}
				}
			}
		}
	}
}

func checkEffect(t *testing.T, name string, effects []flow.Effect, kind, from, lang string) {
	t.Helper()
	if kind == "" {
		if len(effects) != 0 {
			t.Errorf("%s: effects %+v, want none", name, effects)
		}
		return
	}
	if len(effects) != 1 || effects[0].Kind != kind {
		t.Errorf("%s: effects %+v, want one %s", name, effects, kind)
		return
	}
	if kind == "handoff" && (effects[0].Args["reason"] != from || effects[0].Args["lang"] != lang) {
		t.Errorf("%s: handoff args %v, want reason %s and lang %s", name, effects[0].Args, from, lang)
	}
}

func TestSlashCommandsAndZero(t *testing.T) {
	w := shipped(t)
	menu := expect{step: "main.menu", texts: []string{"menu.intro"}, opts: menuOptions}
	tests := []struct {
		in   string
		want expect
	}{
		{"0", menu},
		{"٠", menu},
		{"۰", menu},
		{" 0 ", menu},
		{"/menu", menu},
		{"/start", menu},
		{"/START", menu},
		{"/menu@guidebot", menu},
		{"/start@GuideBot", menu},
		{"/start campaign-42", menu},
		{"/language", expect{step: "welcome.language", texts: []string{"language.choose"}, opts: 8}},
		{"/help", expect{step: "main.menu", texts: []string{"help.text", "menu.intro"}, opts: menuOptions}},
		{"/help@guidebot", expect{step: "main.menu", texts: []string{"help.text", "menu.intro"}, opts: menuOptions}},
		{"/plan", expect{step: "plan.show", texts: []string{"plan.empty", "plan.next"}, opts: 3}},
		{"/forget", expect{step: "privacy.confirm", texts: []string{"privacy.confirm"}, opts: 2}},
		{"/guide", expect{step: "handoff.request", texts: []string{}, opts: 0}},
		{"/nosuchcommand", expect{step: "cards.bills2", texts: []string{"reprompt.choice"}, opts: 2}},
	}
	for _, tc := range tests {
		for _, lang := range []string{"sv", "ar", "ti"} {
			if strings.HasPrefix(tc.in, "/nosuch") && lang != "sv" {
				continue // Latin letters from an ar or ti participant: reprompt.script
			}
			s, r, effects := step(t, w.eng, at("cards.bills2", lang), text(tc.in))
			tc.want.check(t, tc.in+" ("+lang+")", s, r)
			if (len(effects) == 1) != strings.HasPrefix(tc.in, "/guide") {
				t.Errorf("%s: effects %+v", tc.in, effects)
			}
		}
	}
	// A slash command derived from the flows works from a free-text question too.
	for _, f := range w.flows {
		for _, c := range f.Commands {
			for _, sl := range c.Slash {
				s, _, _ := step(t, w.eng, at("feedback.comment", "en"), text("/"+sl))
				if s.Step == "feedback.comment" || s.Vars["comment"] != "" {
					t.Errorf("/%s at feedback.comment was taken as a comment", sl)
				}
			}
		}
	}
}
