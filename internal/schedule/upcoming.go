package schedule

import (
	"time"

	"github.com/guidebot/guidebot/internal/flow"
)

// Upcoming lists the next n occurrences at venues that speak lang, as the flows
// show them: the venue's local date and hours. A course is listed once, at its next
// date: a booking takes a seat on all of it.
func (s *Schedule) Upcoming(lang string, now time.Time, n int) []flow.SessionLine {
	extra := 0 // a course's later dates, which are skipped
	for _, ss := range s.Sessions {
		if ss.Kind == KindCourse {
			extra += len(ss.Dates)
		}
	}
	occ := s.Next(now, n+extra, func(ss *Session) bool { return ss.Venue.Speaks(lang) })
	out := make([]flow.SessionLine, 0, min(n, len(occ)))
	listed := map[string]bool{}
	for _, o := range occ {
		if len(out) == n {
			break
		}
		if listed[o.BookingKey()] {
			continue
		}
		listed[o.BookingKey()] = true
		out = append(out, o.Line())
	}
	return out
}
