package flow_test

import (
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/guidebot/guidebot/internal/flow"
)

func TestShippedFlowsHaveNoProblems(t *testing.T) {
	w := shipped(t)
	if probs := flow.Check(w.flows, w.cat); len(probs) != 0 {
		for _, p := range probs {
			t.Error(p)
		}
	}
	for _, f := range w.flows {
		if f.File != f.Name+".yaml" {
			t.Errorf("flow %s read from %s", f.Name, f.File)
		}
		for name, st := range f.Steps {
			if st.Line <= 1 {
				t.Errorf("%s.%s: no line recorded (%d)", f.Name, name, st.Line)
			}
		}
	}
	if probs := flow.Check(parseAll(t, "welcome.yaml", welcomeYAML, "main.yaml", mainYAML), synthTexts); len(probs) != 0 {
		t.Errorf("the synthetic base flows have problems: %v", probs)
	}
}

// TestCheckFindsProblems adds one broken flow file to a sound base and expects a
// problem naming that file and the line of the step (or command) at fault.
func TestCheckFindsProblems(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		marker  string // the line the problem is reported at contains this
		msg     string // the problem's message contains this
		missing map[string]string
	}{
		{
			name: "unknown goto target",
			yaml: `flow: x
start: a
commands:
  - {words: kw.x, goto: a}
steps:
  a:
    say: [msg.a]
    goto: nowhere
`, marker: "  a:", msg: `unknown step "nowhere"`,
		},
		{
			name: "unknown option target in another flow",
			yaml: `flow: x
start: a
commands:
  - {words: kw.x, goto: a}
steps:
  a:
    say: [msg.a]
    choose:
      - {id: o, label: opt.a, goto: main.nowhere}
`, marker: "  a:", msg: `unknown step "main.nowhere"`,
		},
		{
			name: "command to an unknown step",
			yaml: `flow: x
start: a
commands:
  - {words: kw.x, goto: a}
  - {words: kw.y, goto: b}
steps:
  a:
    say: [msg.a]
    goto: main.menu
`, marker: "kw.y", msg: `unknown step "b"`,
		},
		{
			name: "unreachable step",
			yaml: `flow: x
start: a
commands:
  - {words: kw.x, goto: a}
steps:
  a:
    say: [msg.a]
    goto: main.menu
  lonely:
    say: [msg.b]
    goto: main.menu
`, marker: "lonely:", msg: "unreachable",
		},
		{
			name: "message missing in a locale",
			yaml: `flow: x
start: a
commands:
  - {words: kw.x, goto: a}
steps:
  a:
    say: [msg.a]
    goto: b
  b:
    say: [msg.a, msg.gone]
    goto: main.menu
`, marker: "  b:", msg: `message "msg.gone" is missing in locale sv`, missing: map[string]string{"msg.gone": "sv"},
		},
		{
			name: "label missing in a locale",
			yaml: `flow: x
start: a
commands:
  - {words: kw.x, goto: a}
steps:
  a:
    say: [msg.a]
    choose:
      - {id: o, label: opt.gone, goto: main.menu}
`, marker: "  a:", msg: `message "opt.gone" is missing in locale en`, missing: map[string]string{"opt.gone": "en"},
		},
		{
			name: "command words missing in a locale",
			yaml: `flow: x
start: a
commands:
  - {words: kw.gone, goto: a}
steps:
  a:
    say: [msg.a]
    goto: main.menu
`, marker: "kw.gone", msg: `message "kw.gone" is missing in locale sv`, missing: map[string]string{"kw.gone": "sv"},
		},
		{
			name: "validator int:5-1",
			yaml: `flow: x
start: a
commands:
  - {words: kw.x, goto: a}
steps:
  a:
    say: [msg.a]
    ask: {validate: "int:5-1", save: n, goto: main.menu}
`, marker: "  a:", msg: `bad validator "int:5-1"`,
		},
		{
			name: "validator email",
			yaml: `flow: x
start: a
commands:
  - {words: kw.x, goto: a}
steps:
  a:
    say: [msg.a]
    goto: b
  b:
    say: [msg.b]
    ask: {validate: email, save: mail, goto: main.menu}
`, marker: "  b:", msg: `bad validator "email"`,
		},
		{
			name: "dead end",
			yaml: `flow: x
start: a
commands:
  - {words: kw.x, goto: a}
steps:
  a:
    say: [msg.a]
    goto: stuck
  stuck:
    say: [msg.b]
`, marker: "stuck:", msg: "dead end",
		},
		{
			name: "loop of steps without input",
			yaml: `flow: x
start: a
commands:
  - {words: kw.x, goto: a}
steps:
  a:
    say: [msg.a]
    goto: b
  b:
    say: [msg.b]
    goto: a
`, marker: "  b:", msg: "loops through steps that never wait",
		},
		{
			name: "option without goto",
			yaml: `flow: x
start: a
commands:
  - {words: kw.x, goto: a}
steps:
  a:
    say: [msg.a]
    choose:
      - {id: ok, label: opt.a, goto: main.menu}
      - {id: lost, label: opt.b}
`, marker: "  a:", msg: "option lost leads nowhere",
		},
		{
			name: "repeated option id",
			yaml: `flow: x
start: a
commands:
  - {words: kw.x, goto: a}
steps:
  a:
    say: [msg.a]
    goto: main.menu
    choose:
      - {id: same, label: opt.a}
      - {id: same, label: opt.b}
`, marker: "  a:", msg: `option id "same" is empty or repeated`,
		},
		{
			name: "start of an unknown flow",
			yaml: `flow: x
start: a
commands:
  - {words: kw.x, goto: a}
steps:
  a:
    do: [{start: nosuchflow}]
    say: [msg.a]
    goto: main.menu
`, marker: "  a:", msg: `start names unknown flow "nosuchflow"`,
		},
		{
			name: "timeout without on_timeout",
			yaml: `flow: x
start: a
commands:
  - {words: kw.x, goto: a}
steps:
  a:
    say: [msg.a]
    timeout: 10m
    choose:
      - {id: o, label: opt.a, goto: main.menu}
`, marker: "  a:", msg: "timeout and on_timeout go together",
		},
		{
			name: "language option without a locale",
			yaml: `flow: x
start: a
commands:
  - {words: kw.x, goto: a}
steps:
  a:
    say: [msg.a]
    choose:
      - {id: de, lang: de, goto: main.menu}
`, marker: "  a:", msg: `no locale for language "de"`,
		},
		{
			name: "unknown show",
			yaml: `flow: x
start: a
commands:
  - {words: kw.x, goto: a}
steps:
  a:
    say: [{show: everything}]
    goto: main.menu
`, marker: "  a:", msg: `unknown show "everything"`,
		},
		{
			name: "end on a step that waits",
			yaml: `flow: x
start: a
commands:
  - {words: kw.x, goto: a}
steps:
  a:
    say: [msg.a]
    end: true
    choose:
      - {id: o, label: opt.a, goto: main.menu}
`, marker: "  a:", msg: "end: true on a step that waits",
		},
		{
			name: "start step missing",
			yaml: `flow: x
start: nope
commands:
  - {words: kw.x, goto: a}
steps:
  a:
    say: [msg.a]
    goto: main.menu
`, marker: "flow: x", msg: `start step "nope" does not exist`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fl := parseAll(t, "welcome.yaml", welcomeYAML, "main.yaml", mainYAML, "broken.yaml", tc.yaml)
			texts := synthTexts
			texts.missing = tc.missing
			probs := flow.Check(fl, texts)
			line := lineOf(t, tc.yaml, tc.marker)
			found := false
			for _, p := range probs {
				if p.File != "broken.yaml" {
					t.Errorf("a problem outside the broken file: %s", p)
				}
				if strings.Contains(p.Msg, tc.msg) && p.Line == line {
					found = true
					if s := p.String(); !strings.HasPrefix(s, "broken.yaml:"+strconv.Itoa(line)+":") {
						t.Errorf("Problem.String() = %q does not start with file:line", s)
					}
				}
			}
			if !found {
				t.Errorf("want a problem %q at broken.yaml:%d, got %v", tc.msg, line, probs)
			}
			// New refuses what Check finds.
			if _, err := flow.New(fl, texts, flow.Config{DefaultLang: "en"}); err == nil {
				t.Errorf("New accepted flows with problems")
			}
		})
	}
}

func TestCheckRequiredSteps(t *testing.T) {
	fl := parseAll(t, "main.yaml", mainYAML)
	probs := flow.Check(fl, synthTexts)
	var got []string
	for _, p := range probs {
		if strings.Contains(p.Msg, "required step") {
			got = append(got, p.Msg)
		}
	}
	if len(got) != 2 || !strings.Contains(got[0]+got[1], flow.WelcomeStep) || !strings.Contains(got[0]+got[1], flow.LanguageStep) {
		t.Errorf("missing required steps reported as %v", got)
	}
	// A locale without an engine message is a problem of the locales.
	texts := synthTexts
	texts.missing = map[string]string{"reprompt.guide": "sv"}
	probs = flow.Check(parseAll(t, "welcome.yaml", welcomeYAML, "main.yaml", mainYAML), texts)
	if len(probs) != 1 || !strings.Contains(probs[0].Msg, `"reprompt.guide" is missing in locale sv`) {
		t.Errorf("engine message missing: %v", probs)
	}
	// New also wants the default language to exist.
	if _, err := flow.New(parseAll(t, "welcome.yaml", welcomeYAML, "main.yaml", mainYAML), synthTexts, flow.Config{DefaultLang: "de"}); err == nil {
		t.Errorf("New accepted a default language without a locale")
	}
}

// TestParseErrors: mistakes the YAML decoder catches, each naming file and line.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		yaml   string
		marker string // the line the error names contains this
		shift  int    // added to the marker's line
		msg    string
	}{
		{
			name: "unknown action",
			yaml: `flow: x
start: a
steps:
  a:
    say: [msg.a]
    do:
      - {shout: hello}
    goto: main.menu
`, marker: "shout", msg: `unknown action "shout"`,
		},
		{
			name: "action that is not a one-key map",
			yaml: `flow: x
start: a
steps:
  a:
    do: [plan_add]
    goto: main.menu
`, marker: "plan_add", msg: "an action is a map with one key",
		},
		{
			name: "typo in a step field",
			yaml: `flow: x
start: a
steps:
  a:
    sya: [msg.a]
    goto: main.menu
`, marker: "sya", msg: "field sya not found",
		},
		{
			name: "typo in an option field",
			yaml: `flow: x
start: a
steps:
  a:
    say: [msg.a]
    choose:
      - {id: o, lable: opt.a, goto: main.menu}
`, marker: "lable", msg: "field lable not found",
		},
		{
			name: "typo in a say entry",
			yaml: `flow: x
start: a
steps:
  a:
    say:
      - {id: msg.a, parms: {Name: x}}
    goto: main.menu
`, marker: "parms", msg: "parms",
		},
		{
			name: "typo at the top",
			yaml: `flow: x
strat: a
steps:
  a:
    say: [msg.a]
    goto: main.menu
`, marker: "strat", msg: "field strat not found",
		},
		{
			name: "bad duration",
			yaml: `flow: x
start: a
steps:
  a:
    say: [msg.a]
    timeout: 3 days
    on_timeout: main.menu
    goto: main.menu
`, marker: "timeout: 3", msg: `bad duration "3 days"`,
		},
		{
			name: "bad YAML: a character that starts no token",
			yaml: `flow: x
start: a
steps:
  a:
    say: [` + "`" + `msg.a]
    goto: main.menu
`, marker: "say:", msg: "found character that cannot start any token",
		},
		{
			name:   "bad YAML: a tab for indentation",
			yaml:   "flow: x\nstart: a\nsteps:\n  a:\n    say: [msg.a]\n\tgoto: main.menu\n",
			marker: "\tgoto", msg: "found character that cannot start any token",
		},
		{
			name: "bad YAML: a colon in a plain value",
			yaml: `flow: x
start: a
steps:
  a:
    say: [msg.a]
    goto: main: menu
`, marker: "goto", msg: "mapping values are not allowed",
		},
		{
			name: "bad YAML: an unclosed quote",
			yaml: `flow: x
start: a
steps:
  a:
    say: "msg.a
    goto: main.menu
`, marker: "say:", msg: "found unexpected end of stream",
		},
		// yaml.v3 reports parser (not scanner) errors at the 0-based line of the
		// construct it was parsing, that is one line above it: asserted as it is.
		{
			name: "bad YAML: an unclosed list",
			yaml: `flow: x
start: a
steps:
  a:
    say: [msg.a
    goto: main.menu
`, marker: "say: [msg.a", shift: -1, msg: "did not find expected ',' or ']'",
		},
		{
			name: "bad YAML: indentation",
			yaml: `flow: x
start: a
steps:
  a:
    say: [msg.a]
   goto: main.menu
`, marker: "  a:", shift: -1, msg: "did not find expected key",
		},
		{
			name: "dot in a flow name",
			yaml: `flow: x.y
start: a
steps:
  a:
    say: [msg.a]
    goto: main.menu
`, marker: "flow: x.y", msg: "must not contain a dot",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := flow.Parse("flows/broken.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("Parse accepted it")
			}
			line := lineOf(t, tc.yaml, tc.marker) + tc.shift
			e := err.Error()
			if !strings.HasPrefix(e, "flows/broken.yaml:") {
				t.Errorf("error %q does not start with the file", e)
			}
			if !strings.Contains(e, "line "+strconv.Itoa(line)+":") && !strings.HasPrefix(e, "flows/broken.yaml:"+strconv.Itoa(line)+":") {
				t.Errorf("error %q does not name line %d", e, line)
			}
			if !strings.Contains(e, tc.msg) {
				t.Errorf("error %q does not say %q", e, tc.msg)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"welcome.yaml": {Data: []byte(welcomeYAML)},
		"main.yaml":    {Data: []byte(mainYAML)},
		"README.md":    {Data: []byte("not a flow")},
	}
	fl, err := flow.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(fl) != 2 || fl[0].Name != "main" || fl[1].Name != "welcome" {
		t.Errorf("loaded %d flows", len(fl))
	}
	if st := fl[1].Steps["language"]; st == nil || st.Line != lineOf(t, welcomeYAML, "  language:") {
		t.Errorf("welcome.language line = %v", st)
	}
	if c := fl[0].Commands[0]; c.Line != lineOf(t, mainYAML, "kw.menu") {
		t.Errorf("command line = %d", c.Line)
	}

	// The same flow name in two files.
	fsys["other.yaml"] = &fstest.MapFile{Data: []byte("flow: main\nstart: menu\nsteps: {}\n")}
	if _, err := flow.Load(fsys); err == nil || !strings.Contains(err.Error(), "other.yaml:1:") || !strings.Contains(err.Error(), "main.yaml") {
		t.Errorf("a repeated flow name: %v", err)
	}
	delete(fsys, "other.yaml")

	// A broken file names itself.
	fsys["zz.yaml"] = &fstest.MapFile{Data: []byte("flow: zz\nstart: a\nsteps:\n  a: {sya: x}\n")}
	if _, err := flow.Load(fsys); err == nil || !strings.Contains(err.Error(), "zz.yaml") || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("a broken file: %v", err)
	}

	if _, err := flow.Load(fstest.MapFS{}); err == nil {
		t.Errorf("Load of no flows succeeded")
	}
}
