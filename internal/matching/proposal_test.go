package matching_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/bot/bottest"
	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/matching"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/remind"
	"github.com/guidebot/guidebot/internal/store"
	"github.com/guidebot/guidebot/internal/store/storetest"
)

// world is the bot, its clock, the runner that delivers ticks and reminders, and
// what each participant has been sent so far.
type world struct {
	t      *testing.T
	env    bottest.Env
	now    *time.Time
	runner *remind.Runner
	read   map[string]bool
	n      int
}

func newWorld(t *testing.T) *world {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	w := &world{t: t, now: &now, read: map[string]bool{}}
	w.env = bottest.New(t, func() time.Time { return *w.now })
	r, err := remind.NewRunner(w.env.Store, remind.Ticks{Source: w.env.Store, Handler: w.env.Bot},
		[]string{message.Telegram, message.SMS}, func() time.Time { return *w.now }, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.runner = r
	return w
}

func (w *world) person(channel, address string) person {
	return person{w.t, w.env, channel, address, &w.n}
}

// proposedTo is the one of volunteers whom newcomer was proposed to.
func (w *world) proposedTo(newcomer person, volunteers ...person) person {
	w.t.Helper()
	p, ok, err := w.env.Store.OpenProposal(context.Background(), newcomer.id())
	if err != nil || !ok {
		w.t.Fatalf("%s has no proposal: %v", newcomer.id(), err)
	}
	for _, v := range volunteers {
		if p.Volunteer == v.id() {
			return v
		}
	}
	w.t.Fatalf("%s was proposed %s, none of the volunteers expected", newcomer.id(), p.Volunteer)
	return person{}
}

// guide is a coordinator writing to the bot in their private Telegram chat.
type guide struct {
	person
	w *world
}

// coordinator registers a coordinator who reads Swedish.
func (w *world) coordinator(chat string) guide {
	w.t.Helper()
	if err := w.env.Store.SaveGuide(context.Background(), store.Guide{Chat: chat, Name: "Kim", Role: "coordinator", Lang: "sv"}); err != nil {
		w.t.Fatal(err)
	}
	return guide{w.person(message.Telegram, chat), w}
}

// command sends a coordinator's command, or presses a button of the last answer
// when step is given.
func (g guide) command(text string) { g.handle(flow.Input{Kind: flow.Text, Text: text}) }

func (g guide) press(step, option string) {
	g.handle(flow.Input{Kind: flow.Button, Step: step, Option: option})
}

// expect checks what the coordinator was sent as a guide since the last look.
func (g guide) expect(what string, wants ...string) {
	g.t.Helper()
	g.w.expectTo("guide:"+g.address, what, wants...)
}

func (g guide) handle(in flow.Input) {
	g.t.Helper()
	g.w.n++
	if _, err := g.env.Handoff.Handle(context.Background(), message.Inbound{Channel: message.Telegram,
		Address: g.address, MsgID: fmt.Sprint("g", g.w.n), Reachable: true, Input: in}); err != nil {
		g.t.Fatal(err)
	}
}

// minute runs what the service does each minute: reminders due, ticks due.
func (w *world) minute() { w.runner.Minute(context.Background()) }

// sent returns, rendered, what p was sent since the last call.
func (w *world) sent(p person) []string { return w.sentTo(p.id()) }

// sentTo returns, rendered, what the outbox has for participant since the last call.
func (w *world) sentTo(participant string) []string {
	w.t.Helper()
	var got []string
	for _, ch := range []string{message.Telegram, message.SMS} {
		entries, err := w.env.Store.Entries(context.Background(), store.Outbox(ch))
		if err != nil {
			w.t.Fatal(err)
		}
		for _, e := range entries {
			var m message.Outbound
			key := ch + e.ID // entry ids are unique within a channel's outbox only
			if json.Unmarshal([]byte(e.Payload), &m); m.Participant != participant || w.read[key] {
				continue
			}
			w.read[key] = true
			got = append(got, channel.PlainText(w.env.Catalog, m))
		}
	}
	return got
}

func (w *world) expect(p person, what string, wants ...string) {
	w.t.Helper()
	w.expectTo(p.id(), what, wants...)
}

func (w *world) expectTo(participant, what string, wants ...string) {
	w.t.Helper()
	got := strings.Join(w.sentTo(participant), "\n---\n")
	for _, want := range wants {
		if !strings.Contains(got, want) {
			w.t.Fatalf("%s: %s was sent %q, which lacks %q", what, participant, got, want)
		}
	}
}

// TestProposalToMeeting: an Arabic-speaking newcomer on SMS and a Swedish volunteer
// on Telegram are proposed to each other with the reason, each in their language;
// both accept and are introduced; what one writes reaches the other; a time and
// place are agreed, both are reminded before and asked afterwards how it went.
func TestProposalToMeeting(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	amal := w.person(message.SMS, "+46700000001")
	erik := w.person(message.Telegram, "501")
	amal.says("مرحبا", "buddy", "1", "1", "1", "Amal", "Centrum", "4", "1", "2", "1", "football", "1")
	erik.says("hej", "kompis", "2", "1", "1", "Erik", "Centrum", "5", "1", "football", "1")
	w.sent(amal)
	w.sent(erik)

	if n, err := w.env.Matching.Round(ctx, nil); err != nil || n != 1 {
		t.Fatalf("round: %d proposals, %v", n, err)
	}
	if n, _ := w.env.Matching.Round(ctx, nil); n != 0 {
		t.Fatalf("a second round proposed %d more: one proposal a person", n)
	}
	w.minute()
	w.expect(erik, "Erik's proposal", "Vi har hittat någon åt dig: Amal, för Fikakompis.", "football", "Ja, jag vill träffas")
	amalOffer := w.sent(amal)
	if len(amalOffer) != 1 || !strings.Contains(amalOffer[0], "Erik") || !strings.Contains(amalOffer[0], "football") {
		t.Fatalf("Amal's proposal: %q", amalOffer)
	}

	amal.says("1")
	w.expect(amal, "Amal's yes", "Erik")
	erik.says("1")
	w.expect(erik, "Erik's yes", "Du och Amal sa båda ja!", "Karlskoga bibliotek")
	w.minute() // Amal is brought to the introduction
	w.expect(amal, "Amal's introduction", "Erik", "Karlskoga bibliotek")

	erik.says("Hej Amal! Ses vi på biblioteket?")
	w.expect(amal, "relayed to Amal", "Erik: Hej Amal! Ses vi på biblioteket?")
	w.expect(erik, "Erik's receipt", "Skickat till Amal.")
	amal.says("نعم، شكرا")
	w.expect(erik, "relayed to Erik", "Amal: نعم، شكرا")
	if strings.Contains(strings.Join(w.sent(erik), ""), "+46700000001") {
		t.Fatal("Amal's number reached Erik")
	}
	// Erik shares how to reach him; Amal sees it only once she shares hers too.
	erik.says("2", "@erik_k")
	w.expect(erik, "Erik's share kept", "Amal ser det när hen också delar sitt.")
	if got := strings.Join(w.sent(amal), ""); strings.Contains(got, "@erik_k") {
		t.Fatalf("Erik's contact reached Amal before she shared: %q", got)
	}
	amal.says("2", "0701234567")
	w.expect(amal, "Erik's contact", "@erik_k")
	w.expect(erik, "Amal's contact", "Amal delar hur du når hen: 0701234567")

	erik.says("1", "2026-12-05", "14:00", "Biblioteket")
	w.expect(erik, "meeting set", "vi påminner er båda innan du träffar Amal")
	w.expect(amal, "meeting told", "2026-12-05", "14:00", "Biblioteket")
	*w.now = time.Date(2026, 12, 5, 12, 1, 0, 0, time.UTC)
	w.minute()
	w.expect(erik, "Erik's reminder", "Påminnelse: du träffar Amal 2026-12-05 klockan 14:00, Biblioteket.")
	w.expect(amal, "Amal's reminder", "Erik", "14:00", "Biblioteket")
	*w.now = time.Date(2026, 12, 6, 10, 1, 0, 0, time.UTC)
	w.minute()
	w.expect(erik, "Erik's follow-up", "Träffade du Amal?")
	erik.says("1", "5", "1")
	w.expect(erik, "Erik's thanks", "Tack! Det hjälper oss att matcha bra.")

	month := store.Month(*w.now)
	all, err := w.env.Store.Counts(ctx, []string{month})
	if err != nil {
		t.Fatal(err)
	}
	counts := all[month]
	for _, want := range []string{"match_proposed|programme=fika", "match_matched|programme=fika",
		"match_met|programme=fika", "match_rating|programme=fika|rating=5"} {
		if counts[want] != 1 {
			t.Errorf("figure %s = %d, want 1 (%v)", want, counts[want], counts)
		}
	}
}

// TestDeclineExpiryReportAndStop: a decline frees both and the pair is never
// proposed again, the newcomer goes to someone else; a proposal nobody answers
// expires after 48 hours and the one who said yes is told; a report puts a match
// on hold (nothing relayed, the coordinators told) until a coordinator resumes or
// closes it from Telegram; after STOP on one side, the other is told.
func TestDeclineExpiryReportAndStop(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	noor := w.person(message.SMS, "+46700000002")
	anna := w.person(message.Telegram, "601")
	bo := w.person(message.Telegram, "602")
	noor.says("hello", "buddy", "1", "1", "1", "Noor", "Centrum", "5", "1", "chess", "1")
	anna.says("hej", "kompis", "2", "1", "1", "Anna", "Centrum", "5", "3", "1", "chess", "1") // speaks English too

	w.env.Matching.Round(ctx, nil)
	w.minute()
	w.sent(noor)
	anna.says("2") // no, thank you
	w.expect(anna, "Anna's no", "Okej. Vi letar efter någon annan.")
	if n, _ := w.env.Matching.Round(ctx, nil); n != 0 {
		t.Fatalf("a declined pair proposed again (%d)", n)
	}
	bo.says("hej", "kompis", "2", "1", "1", "Bo", "Karlberg", "5", "3", "1", "chess", "1")
	if n, _ := w.env.Matching.Round(ctx, nil); n != 1 {
		t.Fatalf("Noor and Bo: %d proposals", n)
	}
	w.minute()
	w.expect(noor, "Noor's second proposal", "Bo")
	noor.says("1")
	// Bo never answers: after 48 hours the proposal expires and Noor is told.
	*w.now = w.now.Add(49 * time.Hour)
	if _, err := w.env.Matching.Round(ctx, nil); err != nil {
		t.Fatal(err)
	}
	w.expect(noor, "expired", "Bo did not answer in time.")

	// Anna and Bo are matched; Anna reports a problem: it ends, Bo is told it ended,
	// and what Bo writes is no longer passed on.
	carl := w.person(message.SMS, "+46700000003")
	carl.says("hello", "buddy", "1", "1", "1", "Carl", "Centrum", "5", "1", "chess", "1")
	w.env.Matching.Round(ctx, nil)
	w.minute()
	w.sent(carl)
	w.sent(anna)
	volunteer := w.proposedTo(carl, anna, bo)
	carl.says("1")
	volunteer.says("1")
	w.minute()
	w.sent(carl)
	volunteer.says("4") // report a problem: the match is on hold
	w.expect(volunteer, "report", "En samordnare tittar på det.")
	coordinators := w.person(message.Telegram, bottest.CoordinatorsChat)
	w.expect(coordinators, "the coordinators told", "Ett problem har anmälts i matchning", "(fika)", "Carl", "/resume")
	w.expect(carl, "told it is on hold", "is on hold for now")
	carl.says("buddy", "Hello?")
	w.expect(carl, "nothing passed on", "on hold while a coordinator looks at it")
	if got := w.sent(volunteer); len(got) != 0 {
		t.Fatalf("passed on during the hold: %q", got)
	}
	p, ok, _ := w.env.Store.OpenProposal(ctx, carl.id())
	if !ok || p.Status != store.ProposalPaused {
		t.Fatalf("the reported match: %+v, %v", p, ok)
	}
	if n, _ := w.env.Matching.Round(ctx, nil); n != 0 {
		t.Fatalf("a round proposed %d while the match is on hold", n)
	}
	// A coordinator resumes it from Telegram: both are told and talk again.
	kim := w.coordinator("9100")
	kim.command("/resume " + p.ID)
	kim.expect("resumed", "fortsätter")
	w.expect(carl, "resumed", "goes on")
	w.expect(volunteer, "resumed", "fortsätter")
	carl.says("buddy", "Hello again")
	w.expect(volunteer, "relayed after the resume", "Carl: Hello again")
	// Reported again, by the word, from wherever the volunteer is; then closed:
	// both are told, and both are free.
	volunteer.says("rapportera")
	w.expect(volunteer, "the second report", "En samordnare tittar på det.")
	kim.command("/close " + p.ID)
	kim.expect("closed", "är stängd")
	w.expect(carl, "closed", "has ended your meeting plan")
	if _, ok, _ := w.env.Store.OpenProposal(ctx, carl.id()); ok {
		t.Fatal("the closed match is still open")
	}
	kim.command("/close " + p.ID)
	kim.expect("closed twice", "Ingen matchning "+p.ID+" är pausad.")
	carl.says("report")
	w.expect(carl, "a report with nothing open", "Nothing is open for you just now")

	// STOP on one side: the other hears it when they write, and nothing goes there.
	dana := w.person(message.SMS, "+46700000004")
	dana.says("hello", "buddy", "1", "1", "1", "Dana", "Ekebo", "5", "1", "chess", "1")
	w.env.Matching.Round(ctx, nil)
	w.minute()
	other := w.proposedTo(dana, anna, bo) // both are free again and speak English
	dana.says("1")
	other.says("1")
	w.minute()
	w.sent(other)
	w.sent(dana)
	if err := w.env.Store.Suppress(ctx, dana.id(), message.OptedOut); err != nil {
		t.Fatal(err)
	}
	other.says("Hello?")
	w.expect(other, "told of the STOP", "får inga fler meddelanden")
	if got := w.sent(dana); len(got) != 0 {
		t.Fatalf("Dana got %q after STOP", got)
	}
}

// TestForgetMeLeavesNothingOfAMatch: a newcomer matched with a meeting set asks to
// be forgotten: the other is told it has ended, the meeting's reminders and
// follow-ups are gone for both, and nothing in the matching slot names them.
func TestForgetMeLeavesNothingOfAMatch(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	amal := w.person(message.SMS, "+46700000001")
	erik := w.person(message.Telegram, "501")
	amal.says("hello", "buddy", "1", "1", "1", "Amal", "Centrum", "4", "1", "2", "1", "football", "1")
	erik.says("hej", "kompis", "2", "1", "1", "Erik", "Centrum", "5", "1", "football", "1")
	w.env.Matching.Round(ctx, nil)
	w.minute()
	amal.says("1")
	erik.says("1", "1", "2026-12-05", "14:00", "Biblioteket")
	w.sent(erik)
	reminders, _ := w.env.Store.PendingReminders(ctx)
	ticks, _ := w.env.Store.PendingTicks(ctx)
	if reminders != 2 || ticks < 2 {
		t.Fatalf("after the meeting was set: %d reminders, %d ticks", reminders, ticks)
	}
	amal.says("forget me", "1")
	w.sent(amal)
	w.expect(erik, "told it ended", "Amal har avslutat träffen.")
	if n, _ := w.env.Store.PendingReminders(ctx); n != 0 {
		t.Fatalf("%d reminders left", n)
	}
	if n, _ := w.env.Store.PendingTicks(ctx); n != 0 {
		t.Fatalf("%d ticks left", n)
	}
	for _, key := range storetest.Keys(t, w.env.Redis, w.env.Prefix+"gb:{m}:") {
		dump, _ := w.env.Redis.Dump(ctx, key).Result()
		if strings.Contains(dump, amal.id()) || strings.Contains(dump, "46700000001") {
			t.Errorf("%s still names Amal", key)
		}
	}
	*w.now = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	w.minute()
	if got := w.sent(amal); len(got) != 0 {
		t.Fatalf("Amal was sent %q after forget me", got)
	}
}

// TestCoordinatorApprovesFromTelegram: a volunteer of the vetted profession buddy
// waits; the coordinators' chat is told by first name and reference (no number); a
// coordinator lists those waiting with /volunteers and approves with the button;
// the volunteer is told and is proposed from the next round. A guide who is no
// coordinator may not.
func TestCoordinatorApprovesFromTelegram(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	sara := w.person(message.SMS, "+46700000005")
	omar := w.person(message.Telegram, "801")
	sara.says("hej", "kompis", "2", "4", "1", "Sara", "Centrum", "5", "1", "2", "1", "sjuksköterska") // sport, from the list
	w.expect(sara, "Sara waits", "En samordnare kollar nya kompisar")
	omar.says("hello", "buddy", "1", "4", "1", "Omar", "Centrum", "5", "2", "1", "2", "1", "sjuksköterska")
	if n, _ := w.env.Matching.Round(ctx, nil); n != 0 {
		t.Fatalf("a volunteer waiting for approval was proposed (%d)", n)
	}
	ref := matching.Ref(sara.id())
	w.expect(w.person(message.Telegram, bottest.CoordinatorsChat), "the coordinators told",
		"En volontär väntar på godkännande (profession): Sara, Centrum", "/approve "+ref)
	if got := strings.Join(w.sentTo("telegram:"+bottest.CoordinatorsChat), ""); strings.Contains(got, "46700000005") {
		t.Fatalf("the number reached the coordinators: %q", got)
	}

	guideOnly := w.coordinator("9200")
	if err := w.env.Store.SaveGuide(ctx, store.Guide{Chat: "9200", Name: "Ali", Role: "guide", Lang: "sv"}); err != nil {
		t.Fatal(err)
	}
	kim := w.coordinator("9100")
	kim.command("/volunteers")
	kim.expect("the list", ref+": Sara (Centrum), profession", "Godkänn Sara")
	guideOnly.command("/approve " + ref)
	if got := w.sent(sara); len(got) != 0 {
		t.Fatalf("a guide who is no coordinator approved: %q", got)
	}
	kim.press("/approve", ref)
	kim.expect("approved", "Godkänd: Sara.")
	w.expect(sara, "Sara told", "En samordnare har godkänt dig.")
	kim.command("/approve " + ref)
	kim.expect("approved twice", "Ingen väntar på godkännande med den referensen.")
	if n, _ := w.env.Matching.Round(ctx, nil); n != 1 {
		t.Fatalf("after the approval: %d proposals", n)
	}
	w.proposedTo(omar, sara)
	// Each is told the two best reasons, the interest by its name in their language.
	w.minute()
	w.expect(omar, "Omar's proposal", "We found someone for you: Sara, for Profession buddy", "You both like sport.",
		"You share the work: sjuksköterska. Do you want to meet?")
	w.expect(sara, "Sara's proposal", "Ni gillar båda idrott.", "Ni delar yrket: sjuksköterska.")

	// Omar reports the proposal before answering it: it closes for both, the
	// coordinators are told, and Sara hears nothing of it.
	omar.says("report")
	w.expect(omar, "Omar's report", "A coordinator will look at it.")
	w.expect(w.person(message.Telegram, bottest.CoordinatorsChat), "the coordinators told",
		"Ett problem har anmälts om ett förslag (profession): Omar om Sara. Förslaget är stängt.")
	if _, ok, _ := w.env.Store.OpenProposal(ctx, sara.id()); ok {
		t.Fatal("the reported proposal is still open")
	}
	if got := w.sent(sara); len(got) != 0 {
		t.Fatalf("Sara was sent %q", got)
	}
}
