package matching_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/bot/bottest"
	"github.com/guidebot/guidebot/internal/channel"
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

// minute runs what the service does each minute: reminders due, ticks due.
func (w *world) minute() { w.runner.Minute(context.Background()) }

// sent returns, rendered, what p was sent since the last call.
func (w *world) sent(p person) []string {
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
			if json.Unmarshal([]byte(e.Payload), &m); m.Participant != p.id() || w.read[key] {
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
	got := strings.Join(w.sent(p), "\n---\n")
	for _, want := range wants {
		if !strings.Contains(got, want) {
			w.t.Fatalf("%s: %s was sent %q, which lacks %q", what, p.id(), got, want)
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
	amal.says("مرحبا", "buddy", "1", "1", "Amal", "Centrum", "4", "1", "2", "football", "1")
	erik.says("hej", "kompis", "2", "1", "Erik", "Centrum", "5", "1", "football", "1")
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
// expires after 48 hours and the one who said yes is told; a report ends a match
// and nothing more is relayed; after STOP on one side, the other is told.
func TestDeclineExpiryReportAndStop(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	noor := w.person(message.SMS, "+46700000002")
	anna := w.person(message.Telegram, "601")
	bo := w.person(message.Telegram, "602")
	noor.says("hello", "buddy", "1", "1", "Noor", "Centrum", "5", "1", "chess", "1")
	anna.says("hej", "kompis", "2", "1", "Anna", "Centrum", "5", "3", "chess", "1") // speaks English too

	w.env.Matching.Round(ctx, nil)
	w.minute()
	w.sent(noor)
	anna.says("2") // no, thank you
	w.expect(anna, "Anna's no", "Okej. Vi letar efter någon annan.")
	if n, _ := w.env.Matching.Round(ctx, nil); n != 0 {
		t.Fatalf("a declined pair proposed again (%d)", n)
	}
	bo.says("hej", "kompis", "2", "1", "Bo", "Karlberg", "5", "3", "chess", "1")
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
	carl.says("hello", "buddy", "1", "1", "Carl", "Centrum", "5", "1", "chess", "1")
	w.env.Matching.Round(ctx, nil)
	w.minute()
	w.sent(carl)
	w.sent(anna)
	volunteer := w.proposedTo(carl, anna, bo)
	carl.says("1")
	volunteer.says("1")
	w.minute()
	w.sent(carl)
	volunteer.says("3") // report a problem
	w.expect(volunteer, "report", "En samordnare tittar på det.")
	w.expect(w.person(message.Telegram, bottest.CoordinatorsChat), "the coordinators told",
		"Ett problem har anmälts i en matchning (fika)", "Carl")
	w.expect(carl, "told it ended", "ended the meeting plan")
	carl.says("buddy")
	if _, ok, _ := w.env.Store.OpenProposal(ctx, carl.id()); ok {
		t.Fatal("the reported match is still open")
	}

	// STOP on one side: the other hears it when they write, and nothing goes there.
	dana := w.person(message.SMS, "+46700000004")
	dana.says("hello", "buddy", "1", "1", "Dana", "Ekebo", "5", "1", "chess", "1")
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
	amal.says("hello", "buddy", "1", "1", "Amal", "Centrum", "4", "1", "2", "football", "1")
	erik.says("hej", "kompis", "2", "1", "Erik", "Centrum", "5", "1", "football", "1")
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
