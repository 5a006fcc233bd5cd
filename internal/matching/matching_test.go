package matching_test

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/bot/bottest"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/match"
	"github.com/guidebot/guidebot/internal/matching"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/schedule"
)

// person is one participant talking to the bot on one channel.
type person struct {
	t       *testing.T
	env     bottest.Env
	channel string
	address string
	n       *int
}

func (p person) id() string { return message.ParticipantID(p.channel, p.address) }

// says sends each line as a message.
func (p person) says(lines ...string) {
	p.t.Helper()
	for _, l := range lines {
		*p.n++
		in := message.Inbound{Channel: p.channel, Address: p.address, MsgID: fmt.Sprint("m", *p.n),
			Input: flow.Input{Kind: flow.Text, Text: l}}
		if _, err := p.env.Bot.Handle(context.Background(), in); err != nil {
			p.t.Fatalf("%s says %q: %v", p.id(), l, err)
		}
	}
}

// step is where the person's conversation is.
func (p person) step() string {
	p.t.Helper()
	rec, err := p.env.Store.Load(context.Background(), p.id(), "")
	if err != nil {
		p.t.Fatal(err)
	}
	return rec.State.Step
}

func profile(t *testing.T, env bottest.Env, id string) (string, bool) {
	t.Helper()
	raw, ok, err := env.Store.Profile(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return raw, ok
}

// TestSignUpAndDryRun: an Arabic-speaking newcomer on SMS and a Swedish volunteer on
// Telegram sign up for a fika; the pool pairs them, with why; a volunteer of the
// vetted profession programme waits for approval and is never proposed; pause
// keeps one out, leave and "forget me" remove the profile.
func TestSignUpAndDryRun(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	env := bottest.New(t, func() time.Time { return now })
	n := 0
	amal := person{t, env, message.SMS, "+46700000001", &n}
	erik := person{t, env, message.Telegram, "501", &n}
	sara := person{t, env, message.Telegram, "502", &n}

	// Amal: Arabic, a newcomer, fika, Centrum (typed: the list has it), weekends,
	// speaks Swedish and English too.
	amal.says("مرحبا", "buddy", "1", "1", "1", "Amal", "centrum", "4", "1", "2", "3", "1", "football, music", "1")
	if got := amal.step(); got != "main.menu" {
		t.Fatalf("Amal's sign-up ended at %q, want the menu", got)
	}
	// Erik: Swedish, a volunteer, fika, Bregården (Centrum's neighbour: the second
	// of the list, after Skip), any time, no other language.
	erik.says("hej", "kompis", "2", "1", "1", "Erik", "3", "5", "1", "Football", "1")
	// Sara: a volunteer for the vetted profession buddy and a fika: asked her
	// profession, and waits for approval for the profession buddy only.
	sara.says("hej", "kompis", "2", "4", "2", "1", "Sara", "hoppa över", "2", "5", "1", "3", "1", "läsning", "1")
	if got := sara.step(); got != "match.profession" {
		t.Fatalf("Sara is at %q, want the profession question", got)
	}
	sara.says("sjuksköterska")

	raw, ok := profile(t, env, amal.id())
	if !ok || !strings.Contains(raw, `"langs":["ar","sv","en"]`) || !strings.Contains(raw, `"area":"Centrum"`) ||
		!strings.Contains(raw, `"free":"weekends"`) || !strings.Contains(raw, `"interests":["football","music"]`) {
		t.Fatalf("Amal's profile: %s", raw)
	}
	if raw, _ := profile(t, env, sara.id()); !strings.Contains(raw, `"free":"afternoons,weekends"`) ||
		!strings.Contains(raw, `"programmes":["profession","fika"]`) || strings.Contains(raw, `"approved"`) ||
		!strings.Contains(raw, `"profession":"sjuksköterska"`) {
		t.Fatalf("Sara's profile: %s", raw)
	}
	if raw, _ := profile(t, env, erik.id()); !strings.Contains(raw, `"area":"Bregården"`) || !strings.Contains(raw, `"langs":["sv"]`) {
		t.Fatalf("Erik's profile: %s", raw)
	}

	ctx := context.Background()
	pairs, err := env.Matching.Pairs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Sara shares no time with Amal (afternoons and weekends against weekends: she
	// does), but Erik is nearer and shares football: the pool gives Amal to Erik.
	if len(pairs) != 1 || pairs[0].Newcomer.ID != amal.id() || pairs[0].Volunteer.ID != erik.id() || pairs[0].Programme != "fika" {
		t.Fatalf("pairs %+v, want Amal and Erik for a fika", pairs)
	}
	kinds := []match.Kind{}
	for _, r := range pairs[0].Reasons {
		kinds = append(kinds, r.Kind)
	}
	for _, want := range []match.Kind{match.KindInterest, match.KindNeighbour, match.KindTime, match.KindLanguage} {
		if !slices.Contains(kinds, want) {
			t.Errorf("reasons %v lack %s", pairs[0].Reasons, want)
		}
	}
	say := func(id string, params map[string]string) string {
		return env.Catalog.Render("en", flow.Message{ID: id, Params: params})
	}
	var out bytes.Buffer
	matching.WritePairs(&out, pairs, say)
	if got := out.String(); !strings.HasPrefix(got, "fika: Amal (Centrum) + Erik (Bregården), score") ||
		!strings.Contains(got, "You both like football.") ||
		strings.Contains(got, "+46700000001") || strings.Contains(got, "501") {
		t.Fatalf("dry run: %q", got)
	}
	figures, _ := env.Matching.Figures(ctx)
	out.Reset()
	matching.WriteFigures(&out, figures, say)
	if !regexp.MustCompile(`Awaiting approval\s+Paused`).MatchString(out.String()) ||
		!regexp.MustCompile(`fika\s+1\s+2\s+0\s+0`).MatchString(out.String()) ||
		!regexp.MustCompile(`profession\s+0\s+0\s+1\s+0`).MatchString(out.String()) {
		t.Fatalf("stats:\n%s", out.String())
	}

	// Paused, Erik is proposed to nobody: Sara, in the fika too, is.
	erik.says("paus")
	if pairs, _ := env.Matching.Pairs(ctx); len(pairs) != 1 || pairs[0].Volunteer.ID != sara.id() {
		t.Fatalf("pairs with Erik paused: %+v", pairs)
	}
	// Leaving removes the profile; leaving again says there is none.
	erik.says("lämna")
	if _, ok := profile(t, env, erik.id()); ok {
		t.Fatal("Erik's profile is still there after he left")
	}
	erik.says("lämna")
	if got := erik.step(); got != "main.menu" {
		t.Fatalf("leaving twice ended at %q", got)
	}
	// Sara signs up again, for a fika: nothing of her first sign-up is carried over.
	sara.says("kompis", "2", "1", "1", "Sara", "Ekebo", "5", "1", "1")
	if raw, _ := profile(t, env, sara.id()); !strings.Contains(raw, `"programmes":["fika"]`) || strings.Contains(raw, "sjuksköterska") ||
		strings.Contains(raw, "läsning") || !strings.Contains(raw, `"status":"waiting"`) {
		t.Fatalf("Sara's second sign-up: %s", raw)
	}
	// "forget me" removes Amal's profile with everything else.
	amal.says("forget me", "1")
	if _, ok := profile(t, env, amal.id()); ok {
		t.Fatal("Amal's profile outlived forget me")
	}
}

// TestCheckProgrammes: a programme of the schedule needs a name in every locale.
func TestCheckProgrammes(t *testing.T) {
	env := bottest.New(t, time.Now)
	m := schedule.Matching{Programmes: []*schedule.MatchProgramme{{ID: "fika", Line: 3}, {ID: "chess", Line: 4}}}
	got := matching.CheckProgrammes(env.Catalog, m)
	if len(got) != 1 || !strings.Contains(got[0], `line 4: matching programme "chess" has no name (match.programme.chess) in locale ar, en,`) {
		t.Fatalf("problems %q", got)
	}
	if got := matching.CheckProgrammes(env.Catalog, schedule.Matching{}); got != nil {
		t.Fatalf("a schedule that matches nobody: %q", got)
	}
}

// TestDinnerAsksGuestsAndFood: the dinner invitation asks how many people and what
// food they do not eat.
func TestDinnerAsksGuestsAndFood(t *testing.T) {
	env := bottest.New(t, func() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) })
	n := 0
	lena := person{t, env, message.Telegram, "701", &n}
	lena.says("hej", "kompis", "2", "5", "1", "Lena", "Ekebo", "5", "1", "3", "1") // cooking, from the list
	if got := lena.step(); got != "match.guests" {
		t.Fatalf("after the interests: %q, want the guests", got)
	}
	lena.says("11") // too many: asked again
	if got := lena.step(); got != "match.guests" {
		t.Fatalf("11 guests: %q", got)
	}
	lena.says("4", "fläskkött, nötter")
	raw, ok := profile(t, env, lena.id())
	if !ok || !strings.Contains(raw, `"guests":4`) || !strings.Contains(raw, `"interests":["cooking"]`) || !strings.Contains(raw, `"diet":["fläskkött","nötter"]`) ||
		!strings.Contains(raw, `"programmes":["dinner"]`) {
		t.Fatalf("Lena's profile: %s", raw)
	}
}

// TestProfileOfTheFirstRelease: a profile written before a participant could sign
// up for several programmes is read as signed up for its one, and a volunteer it
// kept waiting for approval still waits.
func TestProfileOfTheFirstRelease(t *testing.T) {
	env := bottest.New(t, time.Now)
	ctx := context.Background()
	old := map[string]string{
		"sms:+46700000009": `{"role":"newcomer","programme":"fika","name":"Noor","free":"any","langs":["sv"],"status":"waiting","joined":1}`,
		"telegram:909":     `{"role":"volunteer","programme":"profession","name":"Sam","free":"any","langs":["sv"],"status":"vetting","joined":1}`,
		"telegram:910":     `{"role":"volunteer","programme":"fika","name":"Ida","free":"any","langs":["sv"],"status":"waiting","joined":1}`,
	}
	for id, raw := range old {
		if err := env.Store.SaveProfile(ctx, id, raw); err != nil {
			t.Fatal(err)
		}
	}
	pairs, err := env.Matching.Pairs(ctx)
	if err != nil || len(pairs) != 1 || pairs[0].Newcomer.Name != "Noor" || pairs[0].Volunteer.Name != "Ida" {
		t.Fatalf("pairs %+v, %v", pairs, err)
	}
	waiting, err := env.Matching.Awaiting(ctx)
	if err != nil || len(waiting) != 1 || waiting[0].Name != "Sam" || waiting[0].Ref != matching.Ref("telegram:909") {
		t.Fatalf("awaiting %+v, %v", waiting, err)
	}
}
