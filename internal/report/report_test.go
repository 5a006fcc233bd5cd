package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/i18n"
	"github.com/guidebot/guidebot/locales"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func reached(month, lang, channel string, n int64) Counted {
	return Counted{Month: month, Name: EventReached, Dims: map[string]string{"lang": lang, "channel": channel}, N: n}
}

// seeded is a programme with known counts over three months.
func seeded() Input {
	return Input{
		From: day("2026-09-01"), To: day("2026-11-30"), Now: day("2026-12-01"),
		Target:  Target{Participants: 110, By: day("2027-06-30")},
		Reached: 20, // before September
		Counts: []Counted{
			reached("2026-09", "ar", "sms", 12), reached("2026-09", "sv", "telegram", 3),
			reached("2026-10", "ar", "sms", 4), reached("2026-10", "uk", "telegram", 9),
			reached("2026-11", "fa", "sms", 7),
			{Month: "2026-10", Name: EventCardOpened, Dims: map[string]string{"card": "bills", "lang": "ar"}, N: 9},
			{Month: "2026-10", Name: EventCardFinished, Dims: map[string]string{"card": "bills", "lang": "ar"}, N: 6},
			{Month: "2026-10", Name: EventCardHelped, Dims: map[string]string{"card": "bills", "lang": "ar"}, N: 5},
			{Month: "2026-10", Name: EventCardNot, Dims: map[string]string{"card": "bills", "lang": "ar"}, N: 1},
			{Month: "2026-11", Name: EventBooking, Dims: map[string]string{"session": "library-saturday"}, N: 8},
			{Month: "2026-11", Name: EventBooking, Dims: map[string]string{"session": "course"}, N: 3},
			{Month: "2026-11", Name: EventConfirmation, N: 6},
			{Month: "2026-11", Name: EventCancellation, N: 2},
			{Month: "2026-11", Name: EventReminderSent, N: 14},
			{Month: "2026-11", Name: EventReminderLost, N: 1},
			{Month: "2026-11", Name: EventReminderDelivered, N: 13},
			{Month: "2026-11", Name: EventReminderFailed, N: 1},
			{Month: "2026-11", Name: EventTicketOpened, Dims: map[string]string{"lang": "ar"}, N: 10},
			{Month: "2026-11", Name: EventTicketClosed, Dims: map[string]string{"outcome": "helped"}, N: 7},
			{Month: "2026-11", Name: EventTicketClosed, Dims: map[string]string{"outcome": "no_show"}, N: 2},
		},
		Claims:   []float64{60, 600, 120, 300},
		Held:     map[string]int64{"library": 12, "ekebo": 3},
		Venues:   map[string]string{"library-saturday": "library", "course": "library"},
		Feedback: []Feedback{{Rating: "5", Comment: "Tack för hjälpen"}, {Rating: "4"}, {Rating: "3", Comment: "bra | men långsamt"}, {Rating: "yes", About: "session"}},
	}
}

func TestFigures(t *testing.T) {
	r := Build(seeded())
	for _, c := range []struct {
		name string
		got  any
		want any
	}{
		{"reach total", r.Reach.Total, Cell(35)},
		{"September", r.Reach.ByMonth[0], MonthRow{"2026-09", 15, 35}},
		{"October", r.Reach.ByMonth[1], MonthRow{"2026-10", 13, 48}},
		{"November", r.Reach.ByMonth[2], MonthRow{"2026-11", 7, 55}},
		{"Arabic", r.Reach.ByLanguage["ar"], Cell(16)},
		{"Swedish (small)", r.Reach.ByLanguage["sv"].String(), "<5"},
		{"SMS", r.Reach.ByChannel["sms"], Cell(23)},
		{"target remaining", r.Target.Remaining, int64(55)},
		{"bookings", r.Sessions.Bookings, Cell(11)},
		{"by venue", r.Sessions.ByVenue["library"], Cell(11)},
		{"held", r.Sessions.Held, Cell(15)},
		{"held at Ekebo (small)", r.Sessions.HeldByVenue["ekebo"].String(), "<5"},
		{"by session", r.Sessions.BySession["course"].String(), "<5"},
		{"confirmations", r.Sessions.Confirmations, Cell(6)},
		{"reminders sent", r.Sessions.RemindersSent, Cell(14)},
		{"reminders not sent", r.Sessions.RemindersDropped.String(), "<5"},
		{"reminders delivered", r.Sessions.RemindersDelivered, Cell(13)},
		{"reminders failed", r.Sessions.RemindersFailed.String(), "<5"},
		{"tickets", r.Tickets.Opened, Cell(10)},
		{"no-shows (small)", r.Tickets.ByOutcome["no_show"].String(), "<5"},
		{"median claim", r.Tickets.MedianClaimSeconds, 210.0},
		{"ratings", r.Feedback.Ratings.String(), "<5"},
		{"average", r.Feedback.Average, 4.0},
		{"comments", len(r.Feedback.Comments), 2},
		{"cards", r.Cards, []CardRow{{"bills", "ar", 9, 6, 5, 1}}},
	} {
		if !equal(c.got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	// 55 to reach in the seven months from 1 December to 30 June: about 7.9 a month.
	if r.Target.MonthsLeft < 6.9 || r.Target.MonthsLeft > 7.1 || r.Target.PerMonth < 7.7 || r.Target.PerMonth > 8.1 {
		t.Errorf("pace: %+v", r.Target)
	}
}

func equal(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestSmallCells: every count of 1 to 4 shows as <5 in every format, 0 and 5 as
// themselves.
func TestSmallCells(t *testing.T) {
	for n, want := range map[Cell]string{0: "0", 1: "<5", 4: "<5", 5: "5", 120: "120"} {
		if got := n.String(); got != want {
			t.Errorf("%d shows %q, want %q", n, got, want)
		}
	}
	r := Build(seeded())
	var md, js, cs bytes.Buffer
	for f, buf := range map[string]*bytes.Buffer{"md": &md, "json": &js, "csv": &cs} {
		if err := Write(buf, r, f, english(t)); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"| sv | <5 |", "| 2026-10 | 13 | 48 |", "- bra | men långsamt", "| 110 | 2027-06-30 | 55 | 55 |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	var back map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if lang := back["reach"].(map[string]any)["by_language"].(map[string]any); lang["sv"] != "<5" || lang["ar"] != 16.0 {
		t.Errorf("json by language: %v", lang)
	}
	rows, err := csv.NewReader(&cs).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, row := range rows {
		if row[0] == "Language" && row[1] == "sv" && row[3] == "<5" {
			found = true
		}
		if row[0] == "First-aid cards" && row[1] == "bills ar" && row[2] == "helped" && row[3] != "5" {
			t.Errorf("csv card row %v", row)
		}
	}
	if !found {
		t.Errorf("csv lacks the small Swedish cell:\n%s", cs.String())
	}
	if err := Write(&md, r, "pdf", english(t)); err == nil {
		t.Error("an unknown format was written")
	}
}

func TestMonths(t *testing.T) {
	got := Months(day("2026-11-15"), day("2027-02-01"))
	if strings.Join(got, " ") != "2026-11 2026-12 2027-01 2027-02" {
		t.Fatalf("months %v", got)
	}
	if got := Months(day("2026-11-15"), day("2026-11-20")); len(got) != 1 {
		t.Fatalf("one month %v", got)
	}
}

// english is the report's words as the shipped English locale has them.
func english(t *testing.T) Say {
	t.Helper()
	cat, err := i18n.Load(locales.Files, "sv")
	if err != nil {
		t.Fatal(err)
	}
	return func(id string, params map[string]string) string {
		text := cat.Render("en", flow.Message{ID: id, Params: params})
		if text == id {
			t.Errorf("the report uses %s, which the locales lack", id)
		}
		return text
	}
}

// TestMatchingFigures: meeting someone for an hour, by programme: sign-ups, pairs
// proposed and matched, answers that they met with the ratings' average, problems.
func TestMatchingFigures(t *testing.T) {
	ev := func(name, programme string, n int64, dims ...string) Counted {
		d := map[string]string{"programme": programme}
		for i := 0; i+1 < len(dims); i += 2 {
			d[dims[i]] = dims[i+1]
		}
		return Counted{Month: "2026-12", Name: name, Dims: d, N: n}
	}
	r := Build(Input{From: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		Counts: []Counted{
			ev(EventMatchSignup, "fika", 9, "role", "newcomer", "lang", "ar"), ev(EventMatchSignup, "fika", 7, "role", "volunteer", "lang", "sv"),
			ev(EventMatchProposed, "fika", 8), ev(EventMatchMatched, "fika", 6), ev(EventMatchMet, "fika", 10),
			ev(EventMatchRating, "fika", 6, "rating", "5"), ev(EventMatchRating, "fika", 4, "rating", "4"),
			ev(EventMatchReported, "dinner", 1), ev(EventMatchSignup, "dinner", 2),
		}})
	if len(r.Matching) != 2 || r.Matching[0].Programme != "dinner" || r.Matching[1].Programme != "fika" {
		t.Fatalf("programmes %+v", r.Matching)
	}
	f := r.Matching[1]
	if f.SignedUp != 16 || f.Proposed != 8 || f.Matched != 6 || f.Met != 10 || f.Ratings != 10 || f.Average != 4.6 {
		t.Fatalf("fika %+v", f)
	}
	if d := r.Matching[0]; d.Reported.String() != "<5" || d.SignedUp.String() != "<5" {
		t.Fatalf("dinner %+v: small counts must not show", d)
	}
	tables := Tables(r, func(id string, _ map[string]string) string { return id })
	last := tables[len(tables)-1]
	if last.ID != "matching" || len(last.Rows) != 2 || last.Rows[1][0] != "fika" || last.Rows[1][5] != "4.60" {
		t.Fatalf("matching table %+v", last)
	}
}
