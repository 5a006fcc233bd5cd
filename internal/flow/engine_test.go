package flow_test

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/guidebot/guidebot/internal/flow"
)

// menuAnswers is where each option of main.menu leads and what it says on the way.
var menuAnswers = []expect{
	{step: "intake.topic", texts: []string{"intake.topic"}, opts: 12},
	{step: "cards.list", texts: []string{"cards.list"}, opts: 12},
	{step: "plan.show", texts: []string{"plan.empty", "plan.next"}, opts: 3},
	{step: "feedback.rate", texts: []string{"feedback.rate"}, opts: 5},
	{step: "handoff.request", texts: []string{}, opts: 0},
	{step: "welcome.language", texts: []string{"language.choose"}, opts: 8},
	{step: "privacy.menu", texts: []string{"privacy.menu"}, opts: 3},
}

func TestChoiceByNumber(t *testing.T) {
	w := shipped(t)
	for i, want := range menuAnswers {
		n := string(rune('1' + i))
		s, r, _ := step(t, w.eng, at("main.menu", "sv"), text(n))
		want.check(t, "main.menu "+n, s, r)
		if s.Misses != 0 {
			t.Errorf("%s: misses = %d after a good answer", n, s.Misses)
		}
	}
	// Every number of a long list, in the participant's own digits too.
	cards := w.steps["cards.list"].Choose
	for i, o := range cards {
		want := "cards." + o.Goto
		if strings.Contains(o.Goto, ".") {
			want = o.Goto
		}
		for _, n := range []string{itoa(i + 1), arabicDigits(i + 1), persianDigits(i + 1), " " + itoa(i+1) + ". "} {
			s, _, _ := step(t, w.eng, at("cards.list", "ar"), text(n))
			if s.Step != want {
				t.Errorf("cards.list %q: step = %s, want %s (option %s)", n, s.Step, want, o.ID)
			}
		}
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + itoa(n%10)
}

func shiftDigits(s string, zero rune) string {
	return strings.Map(func(r rune) rune { return zero + r - '0' }, s)
}

func arabicDigits(n int) string  { return shiftDigits(itoa(n), '٠') }
func persianDigits(n int) string { return shiftDigits(itoa(n), '۰') }

func TestInputKinds(t *testing.T) {
	w := shipped(t)
	reprompt := expect{step: "main.menu", texts: []string{"reprompt.choice"}, opts: menuOptions}
	tests := []struct {
		name string
		from flow.State
		in   flow.Input
		want expect
		// params of the first message, when they matter
		params map[string]string
		misses int
	}{
		{name: "label in own language", from: at("main.menu", "sv"), in: text("Hjälp steg för steg"),
			want: expect{step: "cards.list", texts: []string{"cards.list"}, opts: 12}},
		{name: "label ignoring case, accents and punctuation", from: at("main.menu", "sv"), in: text("  HJALP, steg för STEG!!! "),
			want: expect{step: "cards.list", texts: []string{"cards.list"}, opts: 12}},
		{name: "label without accents", from: at("main.menu", "sv"), in: text("hjalp steg for steg"),
			want: expect{step: "cards.list", texts: []string{"cards.list"}, opts: 12}},
		{name: "label in another language", from: at("main.menu", "sv"), in: text("step-by-step help"),
			want: expect{step: "cards.list", texts: []string{"cards.list"}, opts: 12}},
		{name: "label in another script", from: at("main.menu", "sv"), in: text("شرح خطوة بخطوة"),
			want: expect{step: "cards.list", texts: []string{"cards.list"}, opts: 12}},
		{name: "option id", from: at("main.menu", "fi"), in: text("Intake"),
			want: expect{step: "intake.topic", texts: []string{"intake.topic"}, opts: 12}},
		{name: "language by its own name", from: at("welcome.language", "sv"), in: text("العربية"),
			want: expect{step: "main.menu", texts: []string{"language.set", "menu.intro"}, opts: menuOptions}},
		{name: "language by code", from: at("welcome.language", "sv"), in: text("UK"),
			want: expect{step: "main.menu", texts: []string{"language.set", "menu.intro"}, opts: menuOptions}},
		{name: "Arabic-Indic digit", from: at("main.menu", "sv"), in: text("٣"),
			want: expect{step: "plan.show", texts: []string{"plan.empty", "plan.next"}, opts: 3}},
		{name: "Persian digit", from: at("main.menu", "fa"), in: text("۳"),
			want: expect{step: "plan.show", texts: []string{"plan.empty", "plan.next"}, opts: 3}},
		{name: "Arabic-Indic nine", from: at("cards.list", "ar"), in: text("٩"),
			want: expect{step: "cards.tickets1", texts: []string{"card.tickets.1"}, opts: 2}},
		{name: "Persian nine", from: at("cards.list", "fa"), in: text("۹"),
			want: expect{step: "cards.tickets1", texts: []string{"card.tickets.1"}, opts: 2}},
		{name: "number out of range", from: at("main.menu", "sv"), in: text("10"),
			want: reprompt, params: map[string]string{"Max": strconv.Itoa(menuOptions)}, misses: 1},
		{name: "big number", from: at("main.menu", "sv"), in: text("99999999999999999999"),
			want: reprompt, params: map[string]string{"Max": strconv.Itoa(menuOptions)}, misses: 1},
		{name: "out of range on the language step", from: at("welcome.language", "sv"), in: text("9"),
			want:   expect{step: "welcome.language", texts: []string{"reprompt.choice"}, opts: 8},
			params: map[string]string{"Max": "8"}, misses: 1},
		{name: "unmatched words", from: at("main.menu", "sv"), in: text("vad är detta"),
			want: reprompt, params: map[string]string{"Max": strconv.Itoa(menuOptions)}, misses: 1},
		{name: "empty", from: at("main.menu", "sv"), in: text(""),
			want: expect{step: "main.menu", texts: []string{"reprompt.empty"}, opts: menuOptions}},
		{name: "blank", from: at("main.menu", "sv"), in: text(" \t\n "),
			want: expect{step: "main.menu", texts: []string{"reprompt.empty"}, opts: menuOptions}},
		{name: "10 000 characters", from: at("main.menu", "sv"), in: text(strings.Repeat("a", 10000)),
			want: reprompt, params: map[string]string{"Max": strconv.Itoa(menuOptions)}, misses: 1},
		{name: "10 000 characters of a label", from: at("main.menu", "sv"), in: text(strings.Repeat("Se min plan ", 834)),
			want: reprompt, params: map[string]string{"Max": strconv.Itoa(menuOptions)}, misses: 1},
		{name: "emoji only", from: at("main.menu", "sv"), in: text("👍🙂"),
			want: reprompt, params: map[string]string{"Max": strconv.Itoa(menuOptions)}, misses: 1},
		{name: "another script than the language (Cyrillic for sv)", from: at("main.menu", "sv"), in: text("привіт, що це"),
			want: expect{step: "welcome.language", texts: []string{"reprompt.script", "language.choose"}, opts: 8}},
		{name: "another script than the language (Arabic for en)", from: at("cards.list", "en"), in: text("ما هذا"),
			want: expect{step: "welcome.language", texts: []string{"reprompt.script", "language.choose"}, opts: 8}},
		{name: "another script than the language (Latin for ti)", from: at("main.menu", "ti"), in: text("what is this"),
			want: expect{step: "welcome.language", texts: []string{"reprompt.script", "language.choose"}, opts: 8}},
		{name: "same script, unmatched (Russian for uk)", from: at("main.menu", "uk"), in: text("что это"),
			want: reprompt, params: map[string]string{"Max": strconv.Itoa(menuOptions)}, misses: 1},
		{name: "another script on the language step is only a miss", from: at("welcome.language", "sv"), in: text("привіт"),
			want: expect{step: "welcome.language", texts: []string{"reprompt.choice"}, opts: 8}, misses: 1},
		{name: "button of the current step", from: at("main.menu", "sv"),
			in:   flow.Input{Kind: flow.Button, Step: "main.menu", Option: "cards"},
			want: expect{step: "cards.list", texts: []string{"cards.list"}, opts: 12}},
		{name: "button choosing a language", from: at("welcome.language", "sv"),
			in:   flow.Input{Kind: flow.Button, Step: "welcome.language", Option: "fa"},
			want: expect{step: "main.menu", texts: []string{"language.set", "menu.intro"}, opts: menuOptions}},
		{name: "stale button of another step", from: at("main.menu", "sv"),
			in:   flow.Input{Kind: flow.Button, Step: "intake.added", Option: "yes"},
			want: expect{step: "main.menu", texts: []string{"common.expired", "menu.intro"}, opts: menuOptions}},
		{name: "button with an unknown option", from: at("main.menu", "sv"),
			in:   flow.Input{Kind: flow.Button, Step: "main.menu", Option: "nope"},
			want: expect{step: "main.menu", texts: []string{"common.expired", "menu.intro"}, opts: menuOptions}},
		{name: "media", from: at("cards.list", "sv"), in: flow.Input{Kind: flow.Media},
			want: expect{step: "cards.list", texts: []string{"common.unsupported"}, opts: 12}},
		{name: "media on a question", from: at("feedback.comment", "sv"), in: flow.Input{Kind: flow.Media},
			want: expect{step: "feedback.comment", texts: []string{"common.unsupported"}, opts: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, r, effects := step(t, w.eng, tc.from, tc.in)
			tc.want.check(t, tc.name, s, r)
			if tc.params != nil && (len(r.Texts) == 0 || !reflect.DeepEqual(r.Texts[0].Params, tc.params)) {
				t.Errorf("params = %v, want %v", r.Texts[0].Params, tc.params)
			}
			if s.Misses != tc.misses {
				t.Errorf("misses = %d, want %d", s.Misses, tc.misses)
			}
			for _, e := range effects {
				if e.Kind != "count" { // opening a card is counted for the figures
					t.Errorf("unexpected effect %+v", e)
				}
			}
			if r.Lang != s.Lang {
				t.Errorf("reply.Lang = %q, state.Lang = %q", r.Lang, s.Lang)
			}
		})
	}
}

// TestYesNoAnyLanguage answers a yes/no step with every yes and no word of every locale,
// for a participant of another language.
func TestYesNoAnyLanguage(t *testing.T) {
	w := shipped(t)
	from := at("intake.added", "sv")
	from.Vars = map[string]string{"topic": "bills"}
	from.Plan = []string{"bills"}
	for _, lang := range w.cat.Languages() {
		for kw, want := range map[string]string{"keyword.yes": "intake.topic", "keyword.no": "intake.done",
			"common.yes": "intake.topic", "common.no": "intake.done"} {
			for _, word := range words(t, w.cat, lang, kw) {
				for _, typed := range []string{word, strings.ToUpper(word) + "!"} {
					s, _, _ := step(t, w.eng, from, text(typed))
					if s.Step != want {
						t.Errorf("%s %s %q on a yes/no step: step = %s, want %s", lang, kw, typed, s.Step, want)
					}
				}
			}
		}
	}
	// yes/no words do not choose on a step without yes and no.
	s, r, _ := step(t, w.eng, at("main.menu", "sv"), text("ja"))
	expect{step: "main.menu", texts: []string{"reprompt.choice"}, opts: menuOptions}.check(t, "ja at main.menu", s, r)
}

func TestTimeout(t *testing.T) {
	w := shipped(t)
	// Arrive at the menu by choosing a language: the menu's 24h deadline is set.
	s, _, _ := step(t, w.eng, at("welcome.language", "sv"), text("1"))
	if s.Step != "main.menu" || s.Deadline != now0.Add(24*time.Hour).Unix() {
		t.Fatalf("at %s with deadline %d, want main.menu with %d", s.Step, s.Deadline, now0.Add(24*time.Hour).Unix())
	}
	before := now0.Add(24*time.Hour - time.Second)
	s2, r, effects, err := w.eng.Step(s, flow.Input{Kind: flow.Tick}, before)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Step != "main.menu" || !r.Empty() || len(effects) != 0 || s2.Deadline != s.Deadline {
		t.Errorf("tick before the deadline: step %s, reply %+v, deadline %d; want nothing to happen", s2.Step, r, s2.Deadline)
	}
	after := now0.Add(24 * time.Hour)
	s3, r, _, err := w.eng.Step(s, flow.Input{Kind: flow.Tick}, after)
	if err != nil {
		t.Fatal(err)
	}
	expect{step: "welcome.language", texts: []string{"welcome.hello", "language.choose"}, opts: 8}.check(t, "tick after the deadline", s3, r)
	if s3.Deadline != 0 {
		t.Errorf("deadline %d left after the timeout fired", s3.Deadline)
	}
	if s3.Lang != "sv" {
		t.Errorf("the timeout changed the language to %q", s3.Lang)
	}
	// A tick at a step without a timeout does nothing, however late.
	s4, r, _, err := w.eng.Step(at("cards.list", "sv"), flow.Input{Kind: flow.Tick}, now0.Add(1000*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if s4.Step != "cards.list" || !r.Empty() {
		t.Errorf("tick at cards.list: %s %+v", s4.Step, r)
	}
}

func TestNeverADeadEnd(t *testing.T) {
	w := shipped(t)
	s := at("main.menu", "sv")
	var r flow.Reply
	var effects []flow.Effect
	for i, miss := range []string{"xyz", "abc"} {
		s, r, _ = step(t, w.eng, s, text(miss))
		expect{step: "main.menu", texts: []string{"reprompt.choice"}, opts: menuOptions}.check(t, "miss "+itoa(i+1), s, r)
		if s.Misses != i+1 {
			t.Errorf("miss %d: misses = %d", i+1, s.Misses)
		}
	}
	// The third miss asks a guide to help: the handoff's outcome comes back from the
	// bot in the same turn, and the participant is at the menu again.
	s, r, effects = step(t, w.eng, s, text("nej nej nej"))
	expect{step: "handoff.request", texts: []string{"reprompt.choice"}, opts: 0}.check(t, "miss 3", s, r)
	if len(effects) != 1 || effects[0].Kind != "handoff" || s.Misses != 0 {
		t.Fatalf("third miss: effects %+v, misses %d", effects, s.Misses)
	}
	s, r, _ = step(t, w.eng, s, flow.Input{Kind: flow.Result, Option: "opened", Text: "1"})
	expect{step: "main.menu", texts: []string{"handoff.requested", "handoff.position", "menu.intro"}, opts: menuOptions}.check(t, "guide asked", s, r)
	// A good answer resets the count: the next miss is the first again.
	s.Misses = 1
	s, _, _ = step(t, w.eng, s, text("2"))
	if s.Step != "cards.list" || s.Misses != 0 {
		t.Fatalf("after a good answer: %s, misses %d", s.Step, s.Misses)
	}
	s, r, _ = step(t, w.eng, s, text("xyz"))
	expect{step: "cards.list", texts: []string{"reprompt.choice"}, opts: 12}.check(t, "miss after reset", s, r)
	if r.Texts[0].Params["Max"] != "12" {
		t.Errorf("Max = %q, want 12", r.Texts[0].Params["Max"])
	}
	// Empty messages and media neither count nor reset.
	s = at("main.menu", "sv")
	s.Misses = 2
	s, r, _ = step(t, w.eng, s, text(" "))
	if s.Misses != 2 || ids(r)[0] != "reprompt.empty" {
		t.Errorf("empty message: misses %d, said %v", s.Misses, ids(r))
	}
	// With a guide asked already, the third miss says how to reach them.
	s.Handoff = "7"
	s, r, _ = step(t, w.eng, s, text("???!"))
	if s.Misses != 3 || s.Step != "main.menu" || !contains(ids(r), "reprompt.guide") {
		t.Errorf("third miss with a request open: at %s, misses %d, said %v", s.Step, s.Misses, ids(r))
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func TestNewParticipant(t *testing.T) {
	w := shipped(t)
	langs := w.cat.Languages()
	tests := []struct{ hint, want string }{
		{"ar", "ar"}, {"ar-SA", "ar"}, {"AR", "ar"}, {"fa-IR", "fa"}, {"uk", "uk"}, {"en-GB", "en"},
		{"de", "sv"}, {"", "sv"}, {"pt-BR", "sv"},
	}
	for _, tc := range tests {
		in := flow.Input{Kind: flow.Text, Text: "1", Lang: tc.hint} // a first message in no language
		s, r, effects := step(t, w.eng, flow.State{ID: "tg:9"}, in)
		expect{step: "welcome.language", texts: []string{"welcome.hello", "language.choose"}, opts: len(langs)}.check(t, "hint "+tc.hint, s, r)
		if s.Lang != tc.want || r.Lang != tc.want {
			t.Errorf("hint %q: lang %q, reply lang %q, want %q", tc.hint, s.Lang, r.Lang, tc.want)
		}
		if s.Created != now0.Unix() || s.LastSeen != now0.Unix() {
			t.Errorf("hint %q: created %d, last seen %d, want %d", tc.hint, s.Created, s.LastSeen, now0.Unix())
		}
		if len(effects) != 0 {
			t.Errorf("hint %q: effects %+v", tc.hint, effects)
		}
		seen := map[string]bool{}
		for _, o := range r.Options {
			if o.Lang == "" || o.Lang != o.ID || o.Label != "language.name" {
				t.Errorf("language option %+v: want Lang = ID and Label language.name", o)
			}
			seen[o.Lang] = true
		}
		for _, l := range langs {
			if !seen[l] {
				t.Errorf("hint %q: no option for %s", tc.hint, l)
			}
		}
	}
	// A known participant keeps the language chosen, whatever the hint says.
	s, _, _ := step(t, w.eng, at("", "fi"), flow.Input{Kind: flow.Text, Text: "moi", Lang: "ar"})
	if s.Lang != "fi" {
		t.Errorf("a participant with a language got %q from a hint", s.Lang)
	}
}

func TestFreeTextValidators(t *testing.T) {
	const askYAML = `flow: ask
start: nonempty
steps:
  nonempty:
    say: [q.nonempty]
    ask: {validate: nonempty, save: v_nonempty, goto: done}
  phone:
    say: [q.phone]
    ask: {validate: phone, save: profile.phone, goto: done}
  yesno:
    say: [q.yesno]
    ask: {validate: yesno, save: v_yesno, goto: done}
  int:
    say: [q.int]
    ask: {validate: "int:1-5", save: v_int, goto: done}
  date:
    say: [q.date]
    ask: {validate: date, save: v_date, goto: done}
  done:
    say: [saved]
    goto: main.menu
`
	const mainAskYAML = `flow: main
start: menu
commands:
  - {words: kw.menu, slash: [menu], goto: menu}
steps:
  menu:
    say: [menu]
    choose:
      - {id: nonempty, label: opt.a, goto: ask.nonempty}
      - {id: phone, label: opt.b, goto: ask.phone}
      - {id: yesno, label: opt.c, goto: ask.yesno}
      - {id: int, label: opt.d, goto: ask.int}
      - {id: date, label: opt.e, goto: ask.date}
`
	fl := parseAll(t, "welcome.yaml", welcomeYAML, "main.yaml", mainAskYAML, "ask.yaml", askYAML)
	e, err := flow.New(fl, synthTexts, flow.Config{DefaultLang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("ä", 5000) // 10 000 bytes
	tests := []struct {
		step, in string
		ok       bool
		save     string // variable, or profile.field
		want     string // saved value
		params   map[string]string
	}{
		{"nonempty", "  a few words  ", true, "v_nonempty", "a few words", nil},
		{"nonempty", "👍", true, "v_nonempty", "👍", nil},
		{"nonempty", long, true, "v_nonempty", "", nil}, // bounded: checked below
		{"phone", "+46 70-123 45 67", true, "profile.phone", "+46701234567", nil},
		{"phone", "0046 70 123 45 67", true, "profile.phone", "+46701234567", nil},
		{"phone", "+358 (40) 123.4567", true, "profile.phone", "+358401234567", nil},
		{"phone", "+٤٦ ٧٠ ١٢٣ ٤٥ ٦٧", true, "profile.phone", "+46701234567", nil},
		{"phone", "+۴۶ ۷۰ ۱۲۳ ۴۵ ۶۹", true, "profile.phone", "+46701234569", nil},
		{"phone", "12345", false, "", "", nil},
		{"phone", "070-123 45 67", false, "", "", nil},
		{"phone", "+46 70 abc", false, "", "", nil},
		{"phone", "+00 123 456 789", false, "", "", nil},
		{"phone", strings.Repeat("1", 10000), false, "", "", nil},
		{"yesno", "Ja!", true, "v_yesno", "yes", nil},
		{"yesno", "YES", true, "v_yesno", "yes", nil},
		{"yesno", "nej", true, "v_yesno", "no", nil},
		{"yesno", "maybe", false, "", "", nil},
		{"int", "3", true, "v_int", "3", nil},
		{"int", " 5. ", true, "v_int", "5", nil},
		{"int", "٣", true, "v_int", "3", nil},
		{"int", "0", false, "", "", map[string]string{"Min": "1", "Max": "5"}},
		{"int", "6", false, "", "", map[string]string{"Min": "1", "Max": "5"}},
		{"int", "x", false, "", "", map[string]string{"Min": "1", "Max": "5"}},
		{"int", strings.Repeat("3", 10000), false, "", "", map[string]string{"Min": "1", "Max": "5"}},
		{"date", "2026-12-24", true, "v_date", "2026-12-24", nil},
		{"date", "24.12.2026", true, "v_date", "2026-12-24", nil},
		{"date", "24/12/2026", true, "v_date", "2026-12-24", nil},
		{"date", "1.2.2027", true, "v_date", "2027-02-01", nil},
		{"date", "۲۹.۱۲.۲۰۲۶", true, "v_date", "2026-12-29", nil},
		{"date", "31.02.2026", false, "", "", nil},
		{"date", "2026-13-01", false, "", "", nil},
		{"date", "tomorrow", false, "", "", nil},
	}
	for _, tc := range tests {
		name := tc.step + " " + tc.in
		if len(name) > 40 {
			name = name[:40]
		}
		from := at("ask."+tc.step, "en")
		s, r, effects := step(t, e, from, text(tc.in))
		if len(effects) != 0 {
			t.Errorf("%s: effects %+v", name, effects)
		}
		if !tc.ok {
			expect{step: "ask." + tc.step, texts: []string{"invalid." + tc.step}, opts: 0}.check(t, name, s, r)
			if s.Misses != 1 {
				t.Errorf("%s: misses = %d, want 1", name, s.Misses)
			}
			if !reflect.DeepEqual(r.Texts[0].Params, tc.params) {
				t.Errorf("%s: params %v, want %v", name, r.Texts[0].Params, tc.params)
			}
			if len(s.Vars) != 0 || len(s.Profile) != 0 {
				t.Errorf("%s: saved %v %v on a rejected answer", name, s.Vars, s.Profile)
			}
			continue
		}
		expect{step: "main.menu", texts: []string{"saved", "menu"}, opts: 5}.check(t, name, s, r)
		got := s.Vars[tc.save]
		if f, ok := strings.CutPrefix(tc.save, "profile."); ok {
			got = s.Profile[f]
		}
		if tc.in == long {
			if len(got) == 0 || len(got) > 500 || !utf8.ValidString(got) || !strings.HasPrefix(long, got) {
				t.Errorf("%s: saved %d bytes (valid UTF-8: %v), want a bounded prefix of at most 500", name, len(got), utf8.ValidString(got))
			}
			continue
		}
		if got != tc.want {
			t.Errorf("%s: saved %s = %q, want %q", name, tc.save, got, tc.want)
		}
	}
}

func TestE164(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"+46 70-123 45 67", "+46701234567", true},
		{"0046701234567", "+46701234567", true},
		{"  +1 (555) 010.9999 ", "+15550109999", true},
		{"12345", "", false},
		{"0701234567", "", false},
		{"+46 70 123 45 67 89 01 23", "", false},
		{"+4670+1234567", "", false},
		{"+", "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		got, ok := flow.E164(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("E164(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestPurityAndDeterminism steps rich states through inputs that write every kind of
// data, twice, and checks that the input state is untouched and the outputs equal.
func TestPurityAndDeterminism(t *testing.T) {
	w := shipped(t)
	rich := func(step string) flow.State {
		s := at(step, "sv")
		s.Vars = map[string]string{"topic": "eid", "rating": "4", "comment": "old", "card": "bills"}
		s.Profile = map[string]string{"phone": "+46701234567"}
		s.Plan = make([]string, 2, 8) // spare capacity: an append in place would show
		copy(s.Plan, []string{"eid", "email"})
		s.Feedback = make([]flow.Feedback, 1, 8)
		s.Feedback[0] = flow.Feedback{At: 1, Rating: "3", Lang: "sv"}
		s.Misses = 1
		return s
	}
	full := rich("feedback.comment")
	for i := 0; i < 25; i++ {
		full.Feedback = append(full.Feedback, flow.Feedback{At: int64(i), Rating: "5"})
	}
	tests := []struct {
		name string
		s    flow.State
		in   flow.Input
	}{
		{"plan_add via then", rich("intake.topic"), text("1")},
		{"plan_add of a present topic", rich("intake.topic"), text("2")},
		{"plan_clear", rich("plan.show"), text("2")},
		{"save rating", rich("feedback.rate"), text("5")},
		{"ask saves comment and feedback", rich("feedback.comment"), text("very good")},
		{"skip sets comment", rich("feedback.comment"), text("hoppa över")},
		{"feedback at the cap", full, text("fine")},
		{"set card", rich("cards.list"), text("3")},
		{"language choice", rich("welcome.language"), text("2")},
		{"handoff", rich("main.menu"), text("guide")},
		{"data", rich("main.menu"), text("mina uppgifter")},
		{"forget", rich("privacy.confirm"), text("ja")},
		{"miss", rich("main.menu"), text("xyz")},
		{"script", rich("main.menu"), text("привіт")},
		{"stale button", rich("main.menu"), flow.Input{Kind: flow.Button, Step: "x.y", Option: "z"}},
		{"timeout", func() flow.State { s := rich("main.menu"); s.Deadline = now0.Unix() - 1; return s }(), flow.Input{Kind: flow.Tick}},
		{"ended", rich("privacy.forgotten"), text("hej")},
		{"new", flow.State{}, text("hej")},
	}
	for _, tc := range tests {
		before := clone(tc.s)
		s1, r1, e1, err1 := w.eng.Step(tc.s, tc.in, now0)
		if !sameState(tc.s, before) {
			t.Errorf("%s: Step changed its input state:\n got %+v\nwant %+v", tc.name, tc.s, before)
		}
		// Step again on the untouched copy, and on the first output's input again.
		s2, r2, e2, err2 := w.eng.Step(before, tc.in, now0)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", tc.name, err1, err2)
		}
		if !reflect.DeepEqual(s1, s2) || !reflect.DeepEqual(r1, r2) || !reflect.DeepEqual(e1, e2) {
			t.Errorf("%s: two runs differ:\n%+v %+v %+v\n%+v %+v %+v", tc.name, s1, r1, e1, s2, r2, e2)
		}
		// The output must not share storage the engine writes to: stepping the same
		// input state again (a retry after a conflict does) leaves it as it was.
		snap := clone(s1)
		for _, again := range []flow.Input{tc.in, text("6"), text("5"), text("4"), text("other words")} {
			_, _, _, _ = w.eng.Step(tc.s, again, now0)
		}
		if !sameState(s1, snap) {
			t.Errorf("%s: a later Step on the same input changed an earlier output:\n got %+v\nwant %+v", tc.name, s1, snap)
		}
	}
	// Concurrent use of one engine (run with -race).
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for _, tc := range tests {
				_, _, _, _ = w.eng.Step(tc.s, tc.in, now0)
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}
