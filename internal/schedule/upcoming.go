package schedule

import (
	"time"

	"github.com/guidebot/guidebot/internal/flow"
)

// Upcoming lists the next n occurrences at venues that speak lang, as the flows
// show them: the venue's local date and hours.
func (s *Schedule) Upcoming(lang string, now time.Time, n int) []flow.SessionLine {
	occ := s.Next(now, n, func(ss *Session) bool { return ss.Venue.Speaks(lang) })
	out := make([]flow.SessionLine, len(occ))
	for i, o := range occ {
		v := o.Session.Venue
		name := v.Name
		if o.Session.Title != "" {
			name = o.Session.Title + ", " + v.Name
		}
		out[i] = flow.SessionLine{Venue: name, Address: v.Address, Weekday: o.Start.Weekday(),
			Day: o.Start.Day(), Month: o.Start.Month(),
			Start: o.Start.Format("15:04"), End: o.End.Format("15:04")}
	}
	return out
}
