package schedule_test

import (
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/schedule"
	"github.com/guidebot/guidebot/schedules"
)

// FuzzParse reads arbitrary bytes as a schedule file: Parse never panics, and a file
// it takes lists its next sessions in every language without panicking either, on a
// DST night included.
func FuzzParse(f *testing.F) {
	f.Add(schedules.Sample)
	f.Add([]byte(base))
	f.Add([]byte("country: fi\nvenues:\n  - {id: a, name: A, timezone: Europe/Helsinki, country: se}\n"))
	f.Add([]byte("sessions:\n  - {id: c, venue: a, kind: course, dates: [\"2026-03-29 02:30\"], length: 2h, seats: 1}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := schedule.Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		for _, now := range []time.Time{time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC), time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)} {
			for _, lang := range []string{"sv", "ar", ""} {
				s.Upcoming(lang, now, 5)
			}
		}
		s.Countries()
	})
}
