package schedule_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/schedule"
	"github.com/guidebot/guidebot/schedules"
)

const zones = `venues:
  - {id: se, name: Bibliotek, timezone: Europe/Stockholm}
  - {id: fi, name: Kirjasto, timezone: Europe/Helsinki}
sessions:
  - {id: se-sunday, venue: se, kind: dropin, weekday: sunday, start: "11:00", end: "13:00"}
  - {id: fi-sunday, venue: fi, kind: dropin, weekday: sunday, start: "11:00", end: "13:00"}
  - {id: se-night, venue: se, kind: dropin, weekday: sunday, start: "02:30", end: "03:30"}
`

func parse(t *testing.T, name string, data []byte) *schedule.Schedule {
	t.Helper()
	s, err := schedule.Parse(name, data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// utc lists occurrences as session@UTC start, to show the offsets.
func utc(os []schedule.Occurrence) string {
	var out []string
	for _, o := range os {
		out = append(out, o.Session.ID+"@"+o.Start.UTC().Format("2006-01-02T15:04"))
	}
	return strings.Join(out, " ")
}

func TestNextAcrossDSTNights(t *testing.T) {
	s := parse(t, "zones.yaml", []byte(zones))
	only := func(id string) func(*schedule.Session) bool {
		return func(ss *schedule.Session) bool { return ss.ID == id }
	}
	tests := []struct {
		name, session string
		from          time.Time
		want          string
	}{
		{"Stockholm, spring forward (2027-03-28)", "se-sunday", time.Date(2027, 3, 20, 0, 0, 0, 0, time.UTC),
			"se-sunday@2027-03-21T10:00 se-sunday@2027-03-28T09:00 se-sunday@2027-04-04T09:00"},
		{"Helsinki, spring forward", "fi-sunday", time.Date(2027, 3, 20, 0, 0, 0, 0, time.UTC),
			"fi-sunday@2027-03-21T09:00 fi-sunday@2027-03-28T08:00 fi-sunday@2027-04-04T08:00"},
		{"Stockholm, fall back (2026-10-25)", "se-sunday", time.Date(2026, 10, 17, 0, 0, 0, 0, time.UTC),
			"se-sunday@2026-10-18T09:00 se-sunday@2026-10-25T10:00 se-sunday@2026-11-01T10:00"},
		{"Helsinki, fall back", "fi-sunday", time.Date(2026, 10, 17, 0, 0, 0, 0, time.UTC),
			"fi-sunday@2026-10-18T08:00 fi-sunday@2026-10-25T09:00 fi-sunday@2026-11-01T09:00"},
		// 02:30 does not exist on the spring night: it is moved on by the gap, to 03:30 CEST.
		{"a start inside the spring gap", "se-night", time.Date(2027, 3, 27, 0, 0, 0, 0, time.UTC),
			"se-night@2027-03-28T01:30 se-night@2027-04-04T00:30 se-night@2027-04-11T00:30"},
		// 02:30 happens twice on the autumn night; the first (summer time) is meant.
		{"a start inside the repeated autumn hour", "se-night", time.Date(2026, 10, 24, 0, 0, 0, 0, time.UTC),
			"se-night@2026-10-25T00:30 se-night@2026-11-01T01:30 se-night@2026-11-08T01:30"},
		{"from exactly at a start includes it", "se-sunday", time.Date(2027, 3, 28, 9, 0, 0, 0, time.UTC),
			"se-sunday@2027-03-28T09:00 se-sunday@2027-04-04T09:00 se-sunday@2027-04-11T09:00"},
		{"from a moment after a start skips it", "se-sunday", time.Date(2027, 3, 28, 9, 0, 0, 1, time.UTC),
			"se-sunday@2027-04-04T09:00 se-sunday@2027-04-11T09:00 se-sunday@2027-04-18T09:00"},
		// Saturday 23:30 UTC is already Sunday in Helsinki: that Sunday counts.
		{"the venue's date, not UTC's", "fi-sunday", time.Date(2027, 4, 3, 23, 30, 0, 0, time.UTC),
			"fi-sunday@2027-04-04T08:00 fi-sunday@2027-04-11T08:00 fi-sunday@2027-04-18T08:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := utc(s.Next(tc.from, 3, only(tc.session))); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestEvenOddWeeksOverAYearWithWeek53: 2026 has an ISO week 53, so the odd-week venue
// meets two Saturdays running (weeks 53 and 1) and the even-week one skips three.
func TestEvenOddWeeksOverAYearWithWeek53(t *testing.T) {
	s := parse(t, schedules.SampleName, schedules.Sample)
	from := time.Date(2026, 12, 14, 0, 0, 0, 0, time.UTC)
	tests := []struct{ session, want string }{
		{"ekebo-even", "2026-12-26 2027-01-16 2027-01-30"},
		{"bregardsgarden-odd", "2026-12-19 2027-01-02 2027-01-09 2027-01-23"},
		{"library-saturday", "2026-12-19 2027-01-02 2027-01-09 2027-01-16"}, // 2026-12-26 cancelled
	}
	for _, tc := range tests {
		var ss *schedule.Session
		for _, x := range s.Sessions {
			if x.ID == tc.session {
				ss = x
			}
		}
		n := len(strings.Fields(tc.want))
		var got []string
		for _, o := range ss.Next(from, n) {
			got = append(got, o.Date().String())
			if o.Start.Location().String() != "Europe/Stockholm" || o.Start.Hour() != int(ss.Start.Hour()) {
				t.Fatalf("%s starts %s", tc.session, o.Start)
			}
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s: %v, want %s", tc.session, got, tc.want)
		}
	}
}

func TestNextBoundsCoursesAndFilters(t *testing.T) {
	file := `venues:
  - {id: v, name: V, timezone: Europe/Stockholm, languages: [sv, ar]}
  - {id: w, name: W, timezone: Europe/Helsinki, languages: [fi]}
sessions:
  - {id: bounded, venue: v, kind: dropin, weekday: monday, start: "10:00", end: "11:00", from: 2026-12-01, until: 2026-12-21}
  - {id: course, venue: v, kind: course, seats: 4, length: 90m, dates: ["2026-12-09 09:00", "2026-12-02 09:00", "2026-12-16 09:00"], cancelled: [2026-12-09]}
  - {id: finnish, venue: w, kind: dropin, weekday: tuesday, start: "14:00", end: "16:00"}
`
	s := parse(t, "b.yaml", []byte(file))
	from := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) // a Monday, after 10:00 local
	all := s.Next(from, 20, nil)
	var got []string
	for _, o := range all {
		got = append(got, fmt.Sprintf("%s %s", o.Session.ID, o.Start.Format("01-02 15:04")))
	}
	want := []string{"bounded 12-07 10:00", "finnish 12-01 14:00", "course 12-02 09:00", "finnish 12-08 14:00",
		"bounded 12-14 10:00", "finnish 12-15 14:00", "course 12-16 09:00", "bounded 12-21 10:00"}
	if len(got) < len(want) {
		t.Fatalf("got %v", got)
	}
	in := strings.Join(got, ", ")
	for _, w := range want {
		if !strings.Contains(in, w) {
			t.Fatalf("%q missing from %s", w, in)
		}
	}
	if strings.Contains(in, "12-09") || strings.Contains(in, "bounded 12-28") || strings.Contains(in, "bounded 11-30") {
		t.Fatalf("a cancelled, out-of-range or past occurrence came back: %s", in)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Start.Before(all[i-1].Start) {
			t.Fatalf("not in order: %s", in)
		}
	}
	if c := all[1]; c.Session.ID != "course" || c.End.Sub(c.Start) != 90*time.Minute {
		t.Fatalf("second is %s lasting %s, want the course's 90 minutes", c.Session.ID, c.End.Sub(c.Start))
	}
	arabic := s.Next(from, 3, func(ss *schedule.Session) bool { return ss.Venue.Speaks("ar") })
	for _, o := range arabic {
		if o.Session.Venue.ID != "v" {
			t.Fatalf("a venue that does not speak Arabic: %s", o.Session.ID)
		}
	}
}

// BenchmarkNext: the next five occurrences among 200 sessions.
func BenchmarkNext(b *testing.B) {
	var f strings.Builder
	f.WriteString("venues:\n")
	for v := range 50 {
		fmt.Fprintf(&f, "  - {id: v%d, name: V, timezone: %s}\n", v, []string{"Europe/Stockholm", "Europe/Helsinki"}[v%2])
	}
	f.WriteString("sessions:\n")
	days := []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
	for i := range 200 {
		fmt.Fprintf(&f, "  - {id: s%d, venue: v%d, kind: dropin, weekday: %s, start: \"%02d:00\", end: \"%02d:30\", weeks: %s}\n",
			i, i%50, days[(i/50)%7], 8+i/50, 8+i/50, []string{"every", "even", "odd"}[i%3])
	}
	s, err := schedule.Parse("bench.yaml", []byte(f.String()))
	if err != nil {
		b.Fatal(err)
	}
	from := time.Date(2026, 12, 24, 12, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if got := s.Next(from, 5, nil); len(got) != 5 {
			b.Fatalf("%d occurrences", len(got))
		}
	}
}

func TestUpcomingInTheParticipantsLanguage(t *testing.T) {
	s := parse(t, schedules.SampleName, schedules.Sample)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) // Tuesday; the course ended at 11:00 UTC
	tests := []struct {
		lang string
		want []string
	}{
		// Kouvola speaks fi, sv, uk, en; the library sv, ar, fa, ti, en; the senior
		// housings any language. 5 December is in ISO week 49: the odd-week housing.
		{"fi", []string{"Kouvolan pääkirjasto Tuesday 1 14:00–16:00", "Träffpunkt Bregårdsgården (seniorboende) Saturday 5 13:00–16:00", "Kouvolan pääkirjasto Tuesday 8 14:00–16:00"}},
		{"ar", []string{"Karlskoga bibliotek Saturday 5 11:00–14:00", "Träffpunkt Bregårdsgården (seniorboende) Saturday 5 13:00–16:00", "E-post för nybörjare, Karlskoga bibliotek Tuesday 8 10:00–12:00"}},
	}
	for _, tc := range tests {
		var got []string
		for _, l := range s.Upcoming(tc.lang, now, 3) {
			got = append(got, fmt.Sprintf("%s %s %d %s–%s", l.Venue, l.Weekday, l.Day, l.Start, l.End))
		}
		if strings.Join(got, " | ") != strings.Join(tc.want, " | ") {
			t.Errorf("%s:\n got  %v\n want %v", tc.lang, got, tc.want)
		}
	}
}
