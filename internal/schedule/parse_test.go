package schedule_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/schedule"
	"github.com/guidebot/guidebot/schedules"
)

func TestSampleIsValid(t *testing.T) {
	s, err := schedule.Parse(schedules.SampleName, schedules.Sample)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Venues) != 4 || len(s.Sessions) != 5 || s.Programme == "" || s.Target.Participants != 110 {
		t.Fatalf("sample read as %d venues, %d sessions, %+v", len(s.Venues), len(s.Sessions), s.Target)
	}
	lib := s.Venue("library")
	if lib.Location.String() != "Europe/Stockholm" || lib.Capacity != 12 || !lib.Speaks("ar") || lib.Speaks("uk") {
		t.Fatalf("library: %+v", lib)
	}
	if s.Venue("ekebo").Reminders[0] != 24*time.Hour || !s.Venue("ekebo").Speaks("uk") {
		t.Fatalf("defaults: %+v", s.Venue("ekebo"))
	}
}

// base is a valid file that each case below breaks in one way.
const base = `programme: Test
venues:
  - id: library
    name: Library
    timezone: Europe/Stockholm
sessions:
  - id: saturday
    venue: library
    kind: dropin
    weekday: saturday
    start: "11:00"
    end: "14:00"
`

func TestParseProblemsNameTheLine(t *testing.T) {
	tests := []struct {
		name, file string
		line       int
		want       string
	}{
		{"unknown time zone", strings.Replace(base, "Europe/Stockholm", "Europe/Karlskoga", 1), 5, "unknown time zone"},
		{"unknown venue", strings.Replace(base, "venue: library", "venue: gym", 1), 8, `unknown venue "gym"`},
		{"end before start", strings.Replace(base, `end: "14:00"`, `end: "10:00"`, 1), 12, "end 10:00 is not after start 11:00"},
		{"weeks without weekday", strings.Replace(base, "    weekday: saturday\n", "    weeks: even\n", 1), 10, "weeks without a weekday"},
		{"bad weekday", strings.Replace(base, "weekday: saturday", "weekday: lördag", 1), 10, "is not a weekday"},
		{"bad date", base + "    from: 2026-13-01\n", 13, "is not a date"},
		{"bad country", "country: Sverige\n" + base, 1, `country "Sverige": want a two-letter ISO 3166 code`},
		{"bad venue country", strings.Replace(base, "    timezone: Europe/Stockholm\n", "    timezone: Europe/Stockholm\n    country: F1\n", 1), 6, `venue library: country "F1"`},
		{"until before from", base + "    from: 2026-06-01\n    until: 2026-01-01\n", 14, "until 2026-01-01 is before from 2026-06-01"},
		{"course without dates", base + "  - id: c\n    venue: library\n    kind: course\n    seats: 5\n", 15, "a course needs dates"},
		{"course without seats", base + "  - id: c\n    venue: library\n    kind: course\n    dates: [\"2026-12-01 10:00\"]\n", 15, "a course needs seats"},
		{"bad course date", base + "  - id: c\n    venue: library\n    kind: course\n    seats: 5\n    dates: [\"2026-12-01\"]\n", 17, "is not a date and time"},
		{"unknown kind", strings.Replace(base, "kind: dropin", "kind: workshop", 1), 9, "kind must be dropin or course"},
		{"overlapping drop-ins", base + "  - id: second\n    venue: library\n    kind: dropin\n    weekday: saturday\n    start: \"13:00\"\n    end: \"15:00\"\n", 13, "overlaps session saturday"},
		{"course inside a drop-in", base + "  - id: c\n    venue: library\n    kind: course\n    seats: 5\n    dates: [\"2026-12-05 12:00\"]\n", 13, "overlaps session saturday"},
		{"duplicate id", base + "  - id: saturday\n    venue: library\n    kind: dropin\n    weekday: sunday\n    start: \"11:00\"\n    end: \"14:00\"\n", 13, "defined twice"},
		{"not YAML", base + "  - id: [\n", 13, "yaml"},
		{"unknown matching field", base + "matching:\n  programmes:\n    - {id: fika, fields: [hobbies]}\n", 15, `unknown field "hobbies"`},
		{"bad meeting", base + "matching:\n  programmes:\n    - {id: fika, meeting: an hour}\n", 15, `meeting "an hour"`},
		{"programme twice", base + "matching:\n  programmes:\n    - {id: fika}\n    - {id: fika}\n", 16, `"fika" is defined twice`},
		{"unknown neighbour", base + "matching:\n  areas:\n    - {name: Centrum, neighbours: [Vivalla]}\n", 14, `neighbour "Vivalla" is not an area`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := schedule.Parse("s.yaml", []byte(tc.file))
			ps, ok := err.(schedule.Problems)
			if !ok || len(ps) == 0 {
				t.Fatalf("Parse = %v, want problems", err)
			}
			for _, p := range ps {
				if p.Line == tc.line && strings.Contains(p.Msg, tc.want) && p.File == "s.yaml" {
					return
				}
			}
			t.Fatalf("problems %q, want line %d with %q", err, tc.line, tc.want)
		})
	}
}

func TestNoOverlapAcrossEvenAndOddWeeks(t *testing.T) {
	file := base + "  - id: even\n    venue: library\n    kind: dropin\n    weekday: sunday\n    start: \"13:00\"\n    end: \"16:00\"\n    weeks: even\n" +
		"  - id: odd\n    venue: library\n    kind: dropin\n    weekday: sunday\n    start: \"13:00\"\n    end: \"16:00\"\n    weeks: odd\n"
	if _, err := schedule.Parse("s.yaml", []byte(file)); err != nil {
		t.Fatalf("even and odd weeks at one venue were taken for an overlap: %v", err)
	}
}

// TestCountries: the programme's country is SE unless it names one; a venue is in
// the programme's country unless it names its own; Countries lists each once.
func TestCountries(t *testing.T) {
	s, err := schedule.Parse("t.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if s.Country != schedule.DefaultCountry || s.Venue("library").Country != "SE" {
		t.Fatalf("default: %s, venue %s", s.Country, s.Venue("library").Country)
	}
	s, err = schedule.Parse("t.yaml", []byte("country: fi\n"+base))
	if err != nil {
		t.Fatal(err)
	}
	if s.Country != "FI" || s.Venue("library").Country != "FI" {
		t.Fatalf("country: fi read as %s, venue %s", s.Country, s.Venue("library").Country)
	}
	sample, err := schedule.Parse(schedules.SampleName, schedules.Sample)
	if err != nil {
		t.Fatal(err)
	}
	if got := sample.Countries(); !slices.Equal(got, []string{"SE", "FI"}) {
		t.Fatalf("the sample's countries: %v", got)
	}
}

// TestParseMatching: the sample's programmes and areas, with a meeting's length
// defaulting to an hour.
func TestParseMatching(t *testing.T) {
	s, err := schedule.Parse("s.yaml", []byte(base+`matching:
  programmes:
    - {id: fika, fields: [interests, area]}
    - {id: profession, fields: [profession], meeting: 90m, vetted: true}
  areas:
    - {name: Centrum, neighbours: [Vivalla]}
    - {name: Vivalla, neighbours: [Centrum]}
`))
	if err != nil {
		t.Fatal(err)
	}
	m := s.Matching
	fika, ok := m.Programme("fika")
	prof, _ := m.Programme("profession")
	if !ok || fika.Meeting != time.Hour || fika.Vetted || prof.Meeting != 90*time.Minute || !prof.Vetted ||
		len(m.Areas) != 2 || m.Areas[0].Neighbours[0] != "Vivalla" {
		t.Fatalf("matching %+v %+v %+v", fika, prof, m.Areas)
	}
	if _, ok := m.Programme("dinner"); ok {
		t.Fatal("a programme the file does not name")
	}
}
