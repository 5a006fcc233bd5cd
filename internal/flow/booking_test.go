package flow_test

import (
	"slices"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/flow"
)

// bookable are two sessions to come, as the schedule lists them.
var bookable = []flow.SessionLine{
	{Key: "library@2026-12-05T11:00", Venue: "Karlskoga bibliotek", Address: "Bibliotekstorget 1", Weekday: time.Saturday, Day: 5, Month: time.December, Start: "11:00", End: "14:00"},
	{Key: "email-course", Venue: "E-post, Karlskoga bibliotek", Address: "Bibliotekstorget 1", Weekday: time.Tuesday, Day: 8, Month: time.December, Start: "10:00", End: "12:00"},
}

func bookingEngine(t *testing.T, channel string) (*flow.Engine, world) {
	t.Helper()
	w := shipped(t)
	var asked []string
	eng, err := flow.New(w.flows, w.cat, flow.Config{DefaultLang: "sv", Sessions: fakeSessions{bookable, &asked},
		SessionsShown: map[string]int{"sms": 1}})
	if err != nil {
		t.Fatal(err)
	}
	return eng, w
}

func result(outcome string) flow.Input { return flow.Input{Kind: flow.Result, Option: outcome} }

func held(lines ...flow.SessionLine) []flow.Booking {
	var out []flow.Booking
	for i, l := range lines {
		out = append(out, flow.Booking{Key: l.Key, Start: now0.Add(time.Duration(i+1) * 72 * time.Hour).Unix(), Line: l})
	}
	return out
}

// TestBookingOutcomes: picking a listed session starts an awaited book effect with
// its key and shows nothing to answer; each outcome fed back leads where it says.
func TestBookingOutcomes(t *testing.T) {
	eng, _ := bookingEngine(t, "telegram")
	s, r, effects := talk(t, eng, at("sessions.list", "en"), "menu", "8")
	if got := optionIDs(r); !slices.Equal(got, []string{"pick1", "pick2", "more", "mine", "menu"}) {
		t.Fatalf("options %v", got)
	}
	if l := r.Options[1]; l.Label != "sessions.book" || l.Refs["Weekday"] != "weekday.tuesday" || l.Params["Day"] != "8" {
		t.Fatalf("pick option %+v", l)
	}
	s, r, effects = step(t, eng, s, text("2"))
	if len(effects) != 1 || effects[0].Kind != "book" || effects[0].Args["session"] != "email-course" || effects[0].Args["follow_up"] != "sessions.followup" || !effects[0].Await {
		t.Fatalf("effects %+v", effects)
	}
	if s.Step != "sessions.book" || len(r.Options) != 0 {
		t.Fatalf("awaiting at %s with options %v", s.Step, optionIDs(r))
	}
	for _, tc := range []struct {
		outcome string
		booked  bool
		want    expect
	}{
		{"ok", true, expect{step: "sessions.booked", texts: []string{"booking.ok", "sessions.item"}, opts: 2}},
		{"already", true, expect{step: "sessions.already", texts: []string{"booking.already", "sessions.item"}, opts: 2}},
		// Full: the others are offered, not the full one again.
		{"full", false, expect{step: "sessions.full", texts: []string{"booking.full", "sessions.header", "sessions.item"}, opts: 4}},
		{"limit", false, expect{step: "sessions.mine", texts: []string{"booking.limit", "bookings.none"}, opts: 2}},
		{"gone", false, expect{step: "sessions.list", texts: []string{"booking.failed", "sessions.header", "sessions.item", "sessions.item"}, opts: 5}},
	} {
		t.Run(tc.outcome, func(t *testing.T) {
			waiting := s
			if tc.booked { // the book effect adds the booking before the outcome comes back
				waiting.Bookings = held(bookable[1])
			}
			got, r, _ := step(t, eng, waiting, result(tc.outcome))
			tc.want.check(t, tc.outcome, got, r)
			if tc.outcome == "full" && r.Texts[2].Params["Venue"] == bookable[1].Venue {
				t.Fatalf("the full session offered again: %+v", r.Texts[2])
			}
			if tc.booked && r.Texts[1].Params["Venue"] != bookable[1].Venue {
				t.Fatalf("shows %+v, want the booked session", r.Texts[1])
			}
		})
	}
	// A result that comes when nothing awaits it changes nothing.
	menu := at("main.menu", "en")
	if got, r, _ := step(t, eng, menu, result("ok")); got.Step != "main.menu" || !r.Empty() {
		t.Fatalf("a stray result: %s %v", got.Step, ids(r))
	}
}

// TestSMSBookingByNumbers: on SMS one session a reply; "1" books it, "2" reads on.
func TestSMSBookingByNumbers(t *testing.T) {
	eng, _ := bookingEngine(t, "sms")
	s := at("main.menu", "sv")
	s.Channel = "sms"
	s, r, _ := step(t, eng, s, text("8"))
	if got := optionIDs(r); !slices.Equal(got, []string{"pick1", "more", "mine", "menu"}) {
		t.Fatalf("options %v", got)
	}
	s, _, _ = step(t, eng, s, text("2"))
	_, _, effects := step(t, eng, s, text("1"))
	if len(effects) != 1 || effects[0].Args["session"] != "email-course" {
		t.Fatalf("the second page's 1 booked %+v", effects)
	}
}

// TestCancelFromMyBookings: "My bookings" lists what the participant holds; picking
// one asks first, and yes starts an awaited cancel with its key.
func TestCancelFromMyBookings(t *testing.T) {
	eng, _ := bookingEngine(t, "telegram")
	s := at("main.menu", "en")
	s.Bookings = held(bookable...)
	s, r, _ := step(t, eng, s, text("My bookings"))
	expect{step: "sessions.mine", texts: []string{"bookings.header", "sessions.item", "sessions.item"}, opts: 4}.check(t, "mine", s, r)
	s, r, _ = step(t, eng, s, flow.Input{Kind: flow.Button, Step: "sessions.mine", Option: "pick2"})
	expect{step: "sessions.confirm_cancel", texts: []string{"sessions.item", "bookings.confirm_cancel"}, opts: 2}.check(t, "confirm", s, r)
	s, _, effects := step(t, eng, s, text("yes"))
	if len(effects) != 1 || effects[0].Kind != "cancel" || effects[0].Args["arg"] != "email-course" || !effects[0].Await {
		t.Fatalf("effects %+v", effects)
	}
	s.Bookings = s.Bookings[:1]
	s, r, _ = step(t, eng, s, result("ok"))
	expect{step: "sessions.mine", texts: []string{"bookings.cancelled", "bookings.header", "sessions.item"}, opts: 3}.check(t, "cancelled", s, r)
	// A booking whose session has begun is not listed, and cannot be picked.
	s.Bookings[0].Start = now0.Add(-time.Minute).Unix()
	_, r, _ = step(t, eng, s, text("My bookings"))
	if got := ids(r); !slices.Equal(got, []string{"bookings.none"}) {
		t.Fatalf("with a begun booking: %v", got)
	}
}

// TestReminderAnswers: after a reminder, the next "1" or yes word confirms and "2"
// cancels its booking wherever the conversation is; anything else uses the answer
// up; a reminder's button answers its own booking even after a later reminder.
func TestReminderAnswers(t *testing.T) {
	eng, _ := bookingEngine(t, "sms")
	first, second := bookable[0].Key, bookable[1].Key
	base := at("main.menu", "sv")
	base.Bookings = held(bookable...)
	base.Pending = second
	tests := []struct {
		name   string
		in     flow.Input
		effect string // kind:key, "" for none
		says   string
		step   string
	}{
		{"1 confirms", text("1"), "confirm:" + second, "remind.confirmed", "main.menu"},
		{"a yes word confirms", text("Ja"), "confirm:" + second, "remind.confirmed", "main.menu"},
		{"2 cancels", text("2"), "cancel:" + second, "remind.cancelled", "main.menu"},
		{"other text is for the step", text("hjälp"), "", "help.text", "main.menu"},
		{"an earlier reminder's button answers its own booking", flow.Input{Kind: flow.Button, Step: flow.RemindStep + first, Option: flow.RemindYes}, "confirm:" + first, "remind.confirmed", "main.menu"},
		{"a button of a booking no longer held", flow.Input{Kind: flow.Button, Step: flow.RemindStep + "gone@2026-01-01T10:00", Option: flow.RemindYes}, "", "remind.gone", "main.menu"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, r, effects := step(t, eng, base, tc.in)
			if s.Pending != "" {
				t.Fatalf("pending %q after an input", s.Pending)
			}
			var got string
			if len(effects) == 1 {
				got = effects[0].Kind + ":" + effects[0].Args["arg"]
			}
			if got != tc.effect || len(effects) > 1 {
				t.Fatalf("effects %+v, want %s", effects, tc.effect)
			}
			if len(r.Texts) == 0 || r.Texts[0].ID != tc.says || s.Step != tc.step {
				t.Fatalf("said %v at %s, want %s at %s", ids(r), s.Step, tc.says, tc.step)
			}
		})
	}
	// Once the session has begun, "1" is the menu's first option again.
	begun := base
	begun.Bookings = held(bookable...)
	begun.Bookings[1].Start = now0.Unix()
	if s, _, effects := step(t, eng, begun, text("1")); len(effects) != 0 || s.Step == "main.menu" {
		t.Fatalf("a reminder of a begun session took the 1: %+v at %s", effects, s.Step)
	}
}

// TestFollowUpTick: a scheduled tick takes the conversation to its step from
// wherever it is, without counting as the participant showing up; one for nobody,
// or for a step the flows no longer have, does nothing.
func TestFollowUpTick(t *testing.T) {
	eng, _ := bookingEngine(t, "sms")
	tick := flow.Input{Kind: flow.Tick, Step: "sessions.followup"}
	s := at("intake.topic", "sv")
	s.LastSeen = 7
	got, r, _ := step(t, eng, s, tick)
	expect{step: "sessions.followup", texts: []string{"followup.question"}, opts: 2}.check(t, "tick", got, r)
	if got.LastSeen != 7 {
		t.Fatalf("LastSeen %d after a tick, want it left at 7", got.LastSeen)
	}
	for name, tc := range map[string]struct {
		s  flow.State
		in flow.Input
	}{
		"nobody":       {flow.State{}, tick},
		"unknown step": {at("main.menu", "sv"), flow.Input{Kind: flow.Tick, Step: "gone.step"}},
	} {
		if got, r, _ := step(t, eng, tc.s, tc.in); !r.Empty() || got.Step != tc.s.Step {
			t.Fatalf("%s: went to %q saying %v", name, got.Step, ids(r))
		}
	}
	_, _, effects := step(t, eng, got, text("nej"))
	if len(effects) != 1 || effects[0].Kind != "feedback" || effects[0].Args["about"] != "session" || effects[0].Args["rating"] != "no" {
		t.Fatalf("effects %+v", effects)
	}
}

// TestHandoffOutcomesAndRelay: the request awaits the handoff's outcome and shows
// the queue position it came with; while a guide has the ticket, what the
// participant writes becomes a relay effect and nothing is said, except "forget
// me" and "help", which still work.
func TestHandoffOutcomesAndRelay(t *testing.T) {
	eng, _ := bookingEngine(t, "sms")
	s, _, effects := step(t, eng, at("main.menu", "en"), text("5"))
	if s.Step != "handoff.request" || len(effects) != 1 || effects[0].Kind != "handoff" || !effects[0].Await {
		t.Fatalf("at %s, effects %+v", s.Step, effects)
	}
	for _, tc := range []struct {
		outcome, value string
		want           expect
	}{
		{"opened", "3", expect{step: "main.menu", texts: []string{"handoff.requested", "handoff.position", "menu.intro"}, opts: menuOptions}},
		{"waiting", "2", expect{step: "main.menu", texts: []string{"handoff.waiting", "menu.intro"}, opts: menuOptions}},
		{"nobody", "1", expect{step: "handoff.nobody", texts: []string{"handoff.nobody"}, opts: 2}},
	} {
		got, r, _ := step(t, eng, s, flow.Input{Kind: flow.Result, Option: tc.outcome, Text: tc.value})
		tc.want.check(t, tc.outcome, got, r)
		for _, m := range r.Texts {
			if p, ok := m.Params["Position"]; ok && p != tc.value {
				t.Fatalf("%s: position %q, want %q", tc.outcome, p, tc.value)
			}
		}
	}
	talking := at("cards.bills2", "ar")
	talking.Handoff, talking.Relay = "12", true
	for _, in := range []string{"كيف أدفع؟", "1", "menu", "/menu"} {
		got, r, effects := step(t, eng, talking, text(in))
		if !r.Empty() || got.Step != "cards.bills2" || len(effects) != 1 || effects[0].Kind != "relay" ||
			effects[0].Args["text"] != in || effects[0].Args["ticket"] != "12" {
			t.Fatalf("%q while a guide talks: said %v at %s, effects %+v", in, ids(r), got.Step, effects)
		}
	}
	if got, _, _ := step(t, eng, talking, text("/forget")); got.Step != "privacy.confirm" {
		t.Fatalf("forget me while a guide talks went to %s", got.Step)
	}
	if _, r, effects := step(t, eng, talking, text("/help")); len(effects) != 0 || len(r.Texts) == 0 || r.Texts[0].ID != "help.text" {
		t.Fatalf("help while a guide talks: said %v, effects %+v", ids(r), effects)
	}
}
