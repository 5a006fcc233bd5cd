package flow_test

import (
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/flow"
)

func count(m flow.Message) int {
	if m.Count == nil {
		return -1
	}
	return *m.Count
}

func TestIntakeBuildsThePlan(t *testing.T) {
	w := shipped(t)
	s, r, _ := talk(t, w.eng, at("main.menu", "sv"), "1")
	expect{step: "intake.topic", texts: []string{"intake.topic"}, opts: 12}.check(t, "menu 1", s, r)

	s, r, _ = step(t, w.eng, s, text("1"))
	expect{step: "intake.added", texts: []string{"intake.added", "intake.more"}, opts: 2}.check(t, "topic 1", s, r)
	if got := r.Texts[0].Refs["Topic"]; got != "topic.bills" {
		t.Errorf("intake.added Topic ref = %q, want topic.bills", got)
	}
	if !slices.Equal(s.Plan, []string{"bills"}) || s.Vars["topic"] != "bills" {
		t.Fatalf("plan %v, vars %v", s.Plan, s.Vars)
	}
	// The same topic again, by its label: no duplicate.
	s, r, _ = talk(t, w.eng, s, "ja", "Betala räkningar och internetbank")
	expect{step: "intake.added", texts: []string{"intake.added", "intake.more"}, opts: 2}.check(t, "same topic", s, r)
	if !slices.Equal(s.Plan, []string{"bills"}) {
		t.Errorf("plan %v after adding bills twice, want [bills]", s.Plan)
	}
	// Another topic, by its label in English, then done.
	s, _, _ = talk(t, w.eng, s, "yes", "passwords")
	if !slices.Equal(s.Plan, []string{"bills", "passwords"}) {
		t.Errorf("plan %v, want [bills passwords]", s.Plan)
	}
	s, r, _ = step(t, w.eng, s, text("nej"))
	expect{step: "intake.done", texts: []string{"intake.done", "plan.header", "plan.item", "plan.item"}, opts: 3}.check(t, "done", s, r)
	if n := count(r.Texts[1]); n != 2 {
		t.Errorf("plan.header Count = %d, want 2", n)
	}
	if r.Texts[2].Refs["Topic"] != "topic.bills" || r.Texts[3].Refs["Topic"] != "topic.passwords" {
		t.Errorf("plan items %+v %+v", r.Texts[2], r.Texts[3])
	}
	// "my plan" in English and the Swedish keyword both show it.
	for _, kw := range []string{"my plan", "Min plan!", "/plan"} {
		s2, r, _ := step(t, w.eng, s, text(kw))
		expect{step: "plan.show", texts: []string{"plan.header", "plan.item", "plan.item", "plan.next"}, opts: 3}.check(t, kw, s2, r)
		if n := count(r.Texts[0]); n != 2 {
			t.Errorf("%s: plan.header Count = %d, want 2", kw, n)
		}
	}
	// Emptying the plan.
	s, r, _ = talk(t, w.eng, s, "min plan", "2")
	expect{step: "main.menu", texts: []string{"plan.cleared", "menu.intro"}, opts: menuOptions}.check(t, "clear", s, r)
	if len(s.Plan) != 0 {
		t.Errorf("plan %v after clearing", s.Plan)
	}
}

func TestFeedback(t *testing.T) {
	w := shipped(t)
	s, r, _ := talk(t, w.eng, at("main.menu", "sv"), "4")
	expect{step: "feedback.rate", texts: []string{"feedback.rate"}, opts: 5}.check(t, "menu 4", s, r)
	s, r, _ = step(t, w.eng, s, text("5"))
	expect{step: "feedback.comment", texts: []string{"feedback.comment"}, opts: 1}.check(t, "rate 5", s, r)
	s, r, effects := step(t, w.eng, s, text("  Bra hjälp, tack!  "))
	expect{step: "main.menu", texts: []string{"feedback.thanks", "menu.intro"}, opts: menuOptions}.check(t, "comment", s, r)
	wantFB := flow.Feedback{At: now0.Unix(), Rating: "5", Comment: "Bra hjälp, tack!", Lang: "sv"}
	if len(s.Feedback) != 1 || s.Feedback[0] != wantFB {
		t.Errorf("feedback %+v, want [%+v]", s.Feedback, wantFB)
	}
	wantEffect := []flow.Effect{{Kind: "feedback", Args: map[string]string{
		"rating": "5", "comment": "Bra hjälp, tack!", "lang": "sv", "at": strconv.FormatInt(now0.Unix(), 10)}}}
	if !reflect.DeepEqual(effects, wantEffect) {
		t.Errorf("effects %+v, want %+v", effects, wantEffect)
	}

	// The label of a rating, then skip: no comment, not even the one before.
	s, _, _ = talk(t, w.eng, s, "4", "1 - Dåligt")
	if s.Step != "feedback.comment" || s.Vars["rating"] != "1" {
		t.Fatalf("at %s with rating %q, want feedback.comment with 1", s.Step, s.Vars["rating"])
	}
	s, _, effects = step(t, w.eng, s, text("hoppa över"))
	if len(s.Feedback) != 2 || s.Feedback[1].Rating != "1" || s.Feedback[1].Comment != "" {
		t.Errorf("feedback %+v, want a second one rated 1 without comment", s.Feedback)
	}
	if len(effects) != 1 || effects[0].Args["comment"] != "" || effects[0].Args["rating"] != "1" {
		t.Errorf("effects %+v", effects)
	}

	// In Arabic, with Arabic-Indic digits and a button for skip.
	s, _, _ = talk(t, w.eng, at("main.menu", "ar"), "٤", "٢")
	s, _, effects = step(t, w.eng, s, flow.Input{Kind: flow.Button, Step: "feedback.comment", Option: "skip"})
	if len(effects) != 1 || effects[0].Args["rating"] != "2" || effects[0].Args["lang"] != "ar" {
		t.Errorf("arabic feedback effects %+v", effects)
	}

	// A very long comment is kept bounded, on the state and in the effect.
	s, _, _ = talk(t, w.eng, at("feedback.rate", "sv"), "3")
	s, _, effects = step(t, w.eng, s, text(strings.Repeat("ö", 10000)))
	if n := len(s.Feedback[len(s.Feedback)-1].Comment); n == 0 || n > 500 {
		t.Errorf("a 10 000-character comment was kept as %d bytes", n)
	}
	if n := len(effects[0].Args["comment"]); n == 0 || n > 500 {
		t.Errorf("a 10 000-character comment went out as %d bytes", n)
	}

	// The feedback kept on the state is capped; the newest stays.
	s = at("main.menu", "sv")
	for i := 1; i <= 25; i++ {
		s, _, _ = talk(t, w.eng, s, "4", strconv.Itoa(i%5+1), "kommentar "+strconv.Itoa(i))
	}
	if len(s.Feedback) != 20 || s.Feedback[19].Comment != "kommentar 25" || s.Feedback[0].Comment != "kommentar 6" {
		t.Errorf("after 25 answers: %d kept, first %+v, last %+v", len(s.Feedback), s.Feedback[0], s.Feedback[len(s.Feedback)-1])
	}
}

func TestPrivacy(t *testing.T) {
	w := shipped(t)
	s := at("main.menu", "sv")
	s.Plan = []string{"eid"}
	s.Feedback = []flow.Feedback{{At: now0.Unix() - 3600, Rating: "4", Comment: "bra", Lang: "sv"}}
	// Counts: the plan's topics are under "my plan", the answers' words with a guide.
	wantData := []string{"data.header", "data.language", "data.channel", "data.since", "data.plan",
		"data.feedback", "data.transcript"}
	for _, in := range [][]string{{"mina uppgifter"}, {"My data"}, {"/data"}, {"7", "1"}} {
		got, r, effects := talk(t, w.eng, s, in...)
		expect{step: "privacy.show", texts: wantData, opts: 2}.check(t, strings.Join(in, ","), got, r)
		if len(effects) != 0 {
			t.Errorf("%v: effects %+v", in, effects)
		}
		if len(r.Texts) != len(wantData) {
			continue
		}
		m := map[string]flow.Message{}
		for _, x := range r.Texts {
			m[x.ID] = x
		}
		checks := []struct {
			name      string
			got, want any
		}{
			{"language ref", m["data.language"].Refs, map[string]string{"Language": "language.name"}},
			{"channel", m["data.channel"].Params, map[string]string{"Channel": "telegram", "Address": "1"}},
			{"since", m["data.since"].Params, map[string]string{"Date": "21 november 2026"}},
			{"plan count", count(m["data.plan"]), 1},
			{"feedback count", count(m["data.feedback"]), 1},
			{"transcript days", count(m["data.transcript"]), 30},
		}
		for _, c := range checks {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("%v: %s = %v, want %v", in, c.name, c.got, c.want)
			}
		}
	}

	// Forget me: confirm, no keeps everything, yes returns the effect and ends.
	for _, path := range [][]string{{"glöm mig", "ja"}, {"forget me", "JA!"}, {"7", "2", "1"}} {
		got, r, effects := talk(t, w.eng, s, path[:len(path)-1]...)
		expect{step: "privacy.confirm", texts: []string{"privacy.confirm"}, opts: 2}.check(t, "confirm", got, r)
		if len(effects) != 0 {
			t.Errorf("%v: effects before the confirmation: %+v", path, effects)
		}
		no, r, effects := step(t, w.eng, got, text("nej"))
		expect{step: "main.menu", texts: []string{"menu.intro"}, opts: menuOptions}.check(t, "no", no, r)
		if len(effects) != 0 {
			t.Errorf("%v: no returned effects %+v", path, effects)
		}
		end, r, effects := step(t, w.eng, got, text(path[len(path)-1]))
		expect{step: "privacy.forgotten", texts: []string{"privacy.forgotten"}, opts: 0}.check(t, "yes", end, r)
		if r.Step != "" {
			t.Errorf("an end step names reply.Step %q", r.Step)
		}
		if !reflect.DeepEqual(effects, []flow.Effect{{Kind: "forget"}}) {
			t.Errorf("%v: effects %+v, want one forget", path, effects)
		}
		// The next input starts over.
		again, r, effects := step(t, w.eng, end, text("hej igen"))
		expect{step: "welcome.language", texts: []string{"welcome.hello", "language.choose"}, opts: 8}.check(t, "after the end", again, r)
		if len(effects) != 0 {
			t.Errorf("after the end: effects %+v", effects)
		}
	}

	// TranscriptDays comes from the configuration.
	e, err := flow.New(w.flows, w.cat, flow.Config{DefaultLang: "en", TranscriptDays: 7})
	if err != nil {
		t.Fatal(err)
	}
	_, r, _ := step(t, e, at("main.menu", "en"), text("my data"))
	for _, m := range r.Texts {
		if m.ID == "data.transcript" && count(m) != 7 {
			t.Errorf("data.transcript Count = %d, want 7", count(m))
		}
	}
}

// TestWalkEveryStep explores the shipped flows breadth first from a new participant,
// with every option number, every slash command and a valid answer to each question,
// and checks that each step of the flows is reached and that no reply is a dead end.
func TestWalkEveryStep(t *testing.T) {
	w := shipped(t)
	var commands []string
	for _, f := range w.flows {
		for _, c := range f.Commands {
			if len(c.Slash) == 0 {
				t.Fatalf("%s: a command without a slash form", f.Name)
			}
			commands = append(commands, "/"+c.Slash[0])
		}
	}
	valid := map[string]string{"nonempty": "some words", "phone": "+46701234567", "yesno": "yes", "date": "2026-12-24"}

	reached := map[string]bool{}
	// A step that waits for nothing is recognised by what it says; one that waits, by
	// the participant's step afterwards.
	markSaid := func(r flow.Reply) {
		said := ids(r)
		for key, st := range w.steps {
			if !waits(st) && len(st.Say) > 0 && saysInOrder(said, st.Say) {
				reached[key] = true
			}
		}
	}

	// Sessions to book and bookings held, so the booking steps are walked too.
	var asked []string
	// One a page, so the bookings held need "more" (a channel without a name is
	// this walk's).
	eng, err := flow.New(w.flows, w.cat, flow.Config{DefaultLang: "sv", Sessions: fakeSessions{bookable, &asked},
		SessionsShown: map[string]int{"": 1}, Lists: fakeLists{"areas": places("Centrum"), "programmes": places("fika")}})
	if err != nil {
		t.Fatal(err)
	}
	start := flow.State{ID: "walk", Bookings: held(bookable...)}
	first, r, _ := step(t, eng, start, flow.Input{Kind: flow.Text, Text: "hi", Lang: "en"})
	markSaid(r)
	type visit struct {
		s       flow.State
		options int // shown with the step: its own and the picks
	}
	queue := []visit{{first, len(r.Options)}}
	for key, st := range w.steps {
		if st.Entry { // the service takes conversations there: a tick stands for it
			waiting := first
			waiting.Handoff = "9" // a request waits for a guide: every guard holds
			s, r, _ := step(t, eng, waiting, flow.Input{Kind: flow.Tick, Step: key})
			markSaid(r)
			queue = append(queue, visit{s, len(r.Options)})
			// An entry step that awaits an effect goes on by each of its outcomes.
			if ast := w.steps[s.Step]; ast != nil && len(ast.Await) > 0 {
				reached[s.Step] = true
				for _, outcome := range slices.Sorted(maps.Keys(ast.Await)) {
					after, r, _ := step(t, eng, s, flow.Input{Kind: flow.Result, Option: outcome})
					markSaid(r)
					queue = append(queue, visit{after, len(r.Options)})
				}
			}
		}
	}
	expanded := map[string]bool{}
	transitions := 0
	for len(queue) > 0 {
		v := queue[0]
		s := v.s
		queue = queue[1:]
		reached[s.Step] = true
		if expanded[s.Step] {
			continue
		}
		expanded[s.Step] = true
		st := w.steps[s.Step]
		if st == nil {
			t.Fatalf("the engine left the participant at unknown step %q", s.Step)
		}
		var inputs []string
		for i := range v.options {
			inputs = append(inputs, strconv.Itoa(i+1))
		}
		if st.Ask != nil {
			kind, arg, _ := strings.Cut(st.Ask.Validate, ":")
			v, ok := valid[kind]
			if kind == "int" {
				v, _, ok = strings.Cut(arg, "-")
			}
			if !ok {
				t.Fatalf("%s: no valid answer known for validator %q", s.Step, st.Ask.Validate)
			}
			inputs = append(inputs, v)
		}
		if st.End {
			inputs = append(inputs, "hello again")
		}
		inputs = append(inputs, commands...)
		for _, in := range inputs {
			next, r, _ := step(t, eng, s, text(in))
			transitions++
			markSaid(r)
			if ast := w.steps[next.Step]; ast != nil && len(ast.Await) > 0 {
				// An awaited effect: each outcome the step names, and one it does not.
				if len(r.Options) != 0 {
					t.Errorf("%s %q: options shown while awaiting at %s", s.Step, in, next.Step)
				}
				for _, a := range ast.Do {
					// The follow-up the effect schedules comes back later as a tick.
					if target, ok := a.Args[flow.FollowUpArg]; ok {
						if !strings.Contains(target, ".") {
							target = strings.SplitN(next.Step, ".", 2)[0] + "." + target
						}
						after, r, _ := step(t, eng, next, flow.Input{Kind: flow.Tick, Step: target})
						transitions++
						markSaid(r)
						queue = append(queue, visit{after, len(r.Options)})
					}
				}
				// An outcome may lead to another step that awaits one (the sign-up's
				// questions, then joining): each of its outcomes too.
				var outcomes func(at flow.State, depth int)
				outcomes = func(at flow.State, depth int) {
					ast := w.steps[at.Step]
					reached[at.Step] = true
					for _, outcome := range append(slices.Sorted(maps.Keys(ast.Await)), "unexpected") {
						after, r, _ := step(t, eng, at, flow.Input{Kind: flow.Result, Option: outcome})
						transitions++
						markSaid(r)
						if nst := w.steps[after.Step]; nst != nil && len(nst.Await) > 0 && depth < 3 && !expanded[after.Step+"?"] {
							expanded[after.Step+"?"] = true
							outcomes(after, depth+1)
							continue
						}
						queue = append(queue, visit{after, len(r.Options)})
					}
				}
				outcomes(next, 0)
				continue
			}
			nst := w.steps[next.Step]
			switch {
			case nst == nil:
				t.Errorf("%s %q: left at unknown step %q", s.Step, in, next.Step)
				continue
			case nst.End:
				if len(r.Options) != 0 {
					t.Errorf("%s %q: options shown at end step %s", s.Step, in, next.Step)
				}
			case len(r.Options) == 0 && nst.Ask == nil:
				t.Errorf("%s %q: dead end at %s: no options and no question", s.Step, in, next.Step)
			}
			if len(r.Texts) == 0 {
				t.Errorf("%s %q: nothing said", s.Step, in)
			}
			if next.Misses != 0 {
				t.Errorf("%s %q: a valid input counted as a miss", s.Step, in)
			}
			queue = append(queue, visit{next, len(r.Options)})
		}
	}
	var missed []string
	for _, key := range sortedKeys(w.steps) {
		if !reached[key] {
			missed = append(missed, key)
		}
	}
	if len(missed) > 0 {
		t.Errorf("steps never reached: %v", missed)
	}
	t.Logf("%d steps reached with %d transitions", len(reached), transitions)
}

// saysInOrder reports whether said holds the messages of says in their order; a
// {show: plan} is plan.header or plan.empty, a {show: data} is data.header.
func saysInOrder(said []string, says []flow.Say) bool {
	i := 0
	for _, s := range says {
		found := false
		for ; i < len(said) && !found; i++ {
			switch s.Show {
			case "plan":
				found = said[i] == "plan.header" || said[i] == "plan.empty"
			case "data":
				found = said[i] == "data.header"
			default:
				found = said[i] == s.ID
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// TestEveryLabelIsTypeable types each option's label, in each language, at its step:
// it must lead where the option leads (a command that is also a label must agree).
func TestEveryLabelIsTypeable(t *testing.T) {
	w := shipped(t)
	for _, f := range w.flows {
		for name, st := range f.Steps {
			key := f.Name + "." + name
			for _, o := range st.Choose {
				base := clone(at(key, ""))
				for _, lang := range w.cat.Languages() {
					label, textLang := o.Label, lang
					if o.Lang != "" {
						label, textLang = "language.name", o.Lang
					}
					txt, ok := w.cat.Message(textLang, label)
					if !ok {
						t.Fatalf("%s: no %s in %s", key, label, textLang)
					}
					s := base
					s.Lang = lang
					// The number it has as shown: an option whose guard does not
					// hold is not shown, and its label leads where the guard allows.
					_, shown, _ := step(t, w.eng, s, text("99"))
					n := slices.IndexFunc(shown.Options, func(c flow.Choice) bool { return c.ID == o.ID }) + 1
					if n == 0 {
						continue
					}
					byLabel, _, _ := step(t, w.eng, s, text(txt))
					byNumber, _, _ := step(t, w.eng, s, text(strconv.Itoa(n)))
					if byLabel.Step != byNumber.Step {
						t.Errorf("%s (%s): typing %q led to %s, option %d leads to %s", key, lang, txt, byLabel.Step, n, byNumber.Step)
					}
				}
			}
		}
	}
}

// fakeSessions lists fixed sessions and notes the language it was asked for.
type fakeSessions struct {
	lines []flow.SessionLine
	asked *[]string
}

func (f fakeSessions) Upcoming(lang string, _ time.Time, n int) []flow.SessionLine {
	*f.asked = append(*f.asked, lang)
	return f.lines[:min(n, len(f.lines))]
}

// TestSessionsListing: the menu's last option and a card's "no, it did not help"
// both show the next sessions in the participant's language, weekday and month as
// locale messages; with none planned the participant is told so and offered a guide.
func TestSessionsListing(t *testing.T) {
	w := shipped(t)
	var asked []string
	lines := []flow.SessionLine{
		{Venue: "Karlskoga bibliotek", Address: "Bibliotekstorget 1", Weekday: time.Saturday, Day: 5, Month: time.December, Start: "11:00", End: "14:00"},
		{Venue: "Kouvolan pääkirjasto", Address: "Salpausselänkatu 33", Weekday: time.Tuesday, Day: 8, Month: time.December, Start: "14:00", End: "16:00"},
	}
	eng, err := flow.New(w.flows, w.cat, flow.Config{DefaultLang: "sv", Sessions: fakeSessions{lines, &asked}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		from flow.State
		in   []string
	}{
		{"from the menu", at("main.menu", "ar"), []string{sessionsOption}},
		{"from a card that did not help", at("cards.helped", "ar"), []string{"2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			asked = nil
			got, r, _ := talk(t, eng, tc.from, tc.in...)
			if got.Step == "handoff.from_card" {
				// A guide is asked first; the bot feeds the outcome back.
				var before []string
				before = append(before, ids(r)...)
				got, r, _ = step(t, eng, got, flow.Input{Kind: flow.Result, Option: "opened", Text: "2"})
				if len(r.Texts) != 2 || r.Texts[0].ID != "handoff.requested" || r.Texts[1].Params["Position"] != "2" {
					t.Fatalf("after the card: %v then %v", before, ids(r))
				}
				// Meanwhile, the sessions are the first choice.
				got, r, _ = step(t, eng, got, text("1"))
			}
			// Two to book, then more, my bookings, the menu.
			expect{step: "sessions.list", texts: []string{"sessions.header", "sessions.item", "sessions.item"}, opts: 5}.check(t, tc.name, got, r)
			if len(asked) != 1 || asked[0] != "ar" {
				t.Fatalf("sessions asked for %v, want the participant's language", asked)
			}
			item := r.Texts[1]
			if item.Refs["Weekday"] != "weekday.saturday" || item.Refs["Month"] != "month.december" ||
				item.Params["Day"] != "5" || item.Params["Start"] != "11:00" || item.Params["Venue"] != "Karlskoga bibliotek" {
				t.Fatalf("item %+v", item)
			}
			if want := "السبت 5 ديسمبر، 11:00–14:00: Karlskoga bibliotek، Bibliotekstorget 1"; w.cat.Render("ar", item) != want {
				t.Fatalf("rendered %q, want %q", w.cat.Render("ar", item), want)
			}
		})
	}
	// SMS lists one a reply (Config.SessionsShown), and "More sessions" goes on to the
	// next page; past the last, the participant is told there are none.
	sms, err := flow.New(w.flows, w.cat, flow.Config{DefaultLang: "sv", Sessions: fakeSessions{lines, &asked},
		SessionsShown: map[string]int{"sms": 1}})
	if err != nil {
		t.Fatal(err)
	}
	s := at("main.menu", "sv")
	s.Channel = "sms"
	var r flow.Reply
	var venues []string
	for _, in := range []string{sessionsOption, "2", "2"} { // 1 books, 2 reads on
		s, r, _ = step(t, sms, s, text(in))
		if len(r.Texts) > 1 {
			venues = append(venues, r.Texts[1].Params["Venue"])
		} else {
			venues = append(venues, ids(r)[0])
		}
	}
	if strings.Join(venues, "|") != "Karlskoga bibliotek|Kouvolan pääkirjasto|sessions.none" {
		t.Fatalf("SMS pages: %v", venues)
	}
	// With no sessions planned (no schedule), the participant is told so.
	_, r, _ = talk(t, w.eng, at("main.menu", "fi"), sessionsOption)
	if ids := ids(r); len(ids) != 1 || ids[0] != "sessions.none" {
		t.Fatalf("no sessions: %v", ids)
	}
}
