package flow_test

import (
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guidebot/guidebot/flows"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/i18n"
	"github.com/guidebot/guidebot/locales"
)

// now0 is the clock of every test: Step is deterministic, so a fixed time suffices.
var now0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// world is the shipped flows compiled against the shipped locales.
type world struct {
	eng   *flow.Engine
	flows []*flow.Flow
	cat   *i18n.Catalog
	steps map[string]*flow.Step // full step key → step
}

var (
	shippedOnce sync.Once
	shippedW    world
	shippedErr  error
)

// shipped loads flows/ and locales/ once; DEFAULT_LANGUAGE is sv as in production.
func shipped(tb testing.TB) world {
	tb.Helper()
	shippedOnce.Do(func() {
		cat, err := i18n.Load(locales.Files, "sv")
		if err != nil {
			shippedErr = err
			return
		}
		fl, err := flow.Load(flows.Files)
		if err != nil {
			shippedErr = err
			return
		}
		eng, err := flow.New(fl, cat, flow.Config{DefaultLang: "sv"})
		if err != nil {
			shippedErr = err
			return
		}
		shippedW = world{eng: eng, flows: fl, cat: cat, steps: stepMap(fl)}
	})
	if shippedErr != nil {
		tb.Fatalf("loading the shipped flows and locales: %v", shippedErr)
	}
	return shippedW
}

func stepMap(fl []*flow.Flow) map[string]*flow.Step {
	out := map[string]*flow.Step{}
	for _, f := range fl {
		for name, st := range f.Steps {
			out[f.Name+"."+name] = st
		}
	}
	return out
}

// sortedKeys lists the step keys in a stable order.
func sortedKeys(m map[string]*flow.Step) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// waits reports whether a step waits for input.
func waits(st *flow.Step) bool { return len(st.Choose) > 0 || st.Ask != nil || st.List != nil }

func text(s string) flow.Input { return flow.Input{Kind: flow.Text, Text: s} }

// at is a participant who waits at step in lang.
func at(step, lang string) flow.State {
	return flow.State{ID: "tg:1", Channel: "telegram", Address: "1", Lang: lang, Step: step,
		Created: now0.Add(-48 * time.Hour).Unix()}
}

// ids lists the message ids of a reply.
func ids(r flow.Reply) []string {
	out := make([]string, 0, len(r.Texts))
	for _, m := range r.Texts {
		out = append(out, m.ID)
	}
	return out
}

func optionIDs(r flow.Reply) []string {
	out := make([]string, 0, len(r.Options))
	for _, o := range r.Options {
		out = append(out, o.ID)
	}
	return out
}

// step runs one input and fails the test on an engine error.
func step(tb testing.TB, e *flow.Engine, s flow.State, in flow.Input) (flow.State, flow.Reply, []flow.Effect) {
	tb.Helper()
	next, reply, effects, err := e.Step(s, in, now0)
	if err != nil {
		tb.Fatalf("Step(%s, %+v): %v", s.Step, in, err)
	}
	return next, reply, effects
}

// talk runs inputs one after the other and returns the last outcome.
func talk(tb testing.TB, e *flow.Engine, s flow.State, inputs ...string) (flow.State, flow.Reply, []flow.Effect) {
	tb.Helper()
	var reply flow.Reply
	var effects []flow.Effect
	for _, in := range inputs {
		s, reply, effects = step(tb, e, s, text(in))
	}
	return s, reply, effects
}

// expect checks where an input led and what was said.
type expect struct {
	step  string   // the state's step afterwards
	texts []string // message ids, in order
	opts  int      // number of options shown; -1 to skip the check
}

func (x expect) check(tb testing.TB, name string, s flow.State, r flow.Reply) {
	tb.Helper()
	if s.Step != x.step {
		tb.Errorf("%s: step = %q, want %q (said %v)", name, s.Step, x.step, ids(r))
	}
	if got := ids(r); !slices.Equal(got, x.texts) {
		tb.Errorf("%s: said %v, want %v", name, got, x.texts)
	}
	if x.opts >= 0 && len(r.Options) != x.opts {
		tb.Errorf("%s: %d options shown (%v), want %d", name, len(r.Options), optionIDs(r), x.opts)
	}
	if len(r.Options) > 0 && r.Step != s.Step {
		tb.Errorf("%s: reply.Step = %q, want the state's step %q", name, r.Step, s.Step)
	}
}

// clone deep-copies a state, keeping nil as nil so reflect.DeepEqual compares exactly.
func clone(s flow.State) flow.State {
	c := s
	c.Vars = maps.Clone(s.Vars)
	c.Profile = maps.Clone(s.Profile)
	c.Plan = slices.Clone(s.Plan)
	c.Feedback = slices.Clone(s.Feedback)
	return c
}

func sameState(a, b flow.State) bool { return reflect.DeepEqual(a, b) }

// words splits a keyword message into the entries a participant may send.
func words(tb testing.TB, cat *i18n.Catalog, lang, id string) []string {
	tb.Helper()
	msg, ok := cat.Message(lang, id)
	if !ok {
		tb.Fatalf("locale %s has no %s", lang, id)
	}
	var out []string
	for _, w := range strings.Split(msg, ",") {
		if w = strings.TrimSpace(w); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// fakeTexts is a tiny Texts for synthetic flows: every message exists in en and sv
// with its id as text, unless msgs gives a text or missing removes it from a language.
type fakeTexts struct {
	msgs    map[string]map[string]string // lang → id → text
	missing map[string]string            // id → the language that lacks it
}

func (f fakeTexts) Languages() []string { return []string{"en", "sv"} }

func (f fakeTexts) Message(lang, id string) (string, bool) {
	if lang != "en" && lang != "sv" {
		return "", false
	}
	if f.missing[id] == lang {
		return "", false
	}
	if t, ok := f.msgs[lang][id]; ok {
		return t, true
	}
	return id, true
}

var synthTexts = fakeTexts{msgs: map[string]map[string]string{
	"en": {"language.script": "Latn", "language.name": "English", "keyword.yes": "yes, y", "keyword.no": "no, n",
		"kw.menu": "menu", "opt.a": "Apple", "opt.b": "Banana"},
	"sv": {"language.script": "Latn", "language.name": "Svenska", "keyword.yes": "ja, j", "keyword.no": "nej",
		"kw.menu": "meny", "opt.a": "Äpple", "opt.b": "Banan"},
}}

// The required steps, as small as they can be, for synthetic flow sets.
const welcomeYAML = `flow: welcome
start: start
steps:
  start:
    say: [hello]
    goto: language
  language:
    say: [choose]
    choose:
      - {id: en, lang: en, goto: main.menu}
      - {id: sv, lang: sv, goto: main.menu}
`

const mainYAML = `flow: main
start: menu
commands:
  - {words: kw.menu, slash: [menu], goto: menu}
steps:
  menu:
    say: [menu]
    choose:
      - {id: a, label: opt.a, goto: menu}
      - {id: b, label: opt.b, goto: menu}
`

// parseAll parses name → YAML pairs, failing the test on an error.
func parseAll(tb testing.TB, files ...string) []*flow.Flow {
	tb.Helper()
	var out []*flow.Flow
	for i := 0; i+1 < len(files); i += 2 {
		f, err := flow.Parse(files[i], []byte(files[i+1]))
		if err != nil {
			tb.Fatalf("Parse(%s): %v", files[i], err)
		}
		out = append(out, f)
	}
	return out
}

// lineOf is the 1-based line of the first line of src that contains marker.
func lineOf(tb testing.TB, src, marker string) int {
	tb.Helper()
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, marker) {
			return i + 1
		}
	}
	tb.Fatalf("marker %q not in source", marker)
	return 0
}

// menuOptions is how many options the shipped main menu has.
const menuOptions = 9

// sessionsOption is the main menu's "When and where can I get help?".
const sessionsOption = "8"
