package schedule

import (
	"strings"
	"time"

	"github.com/guidebot/guidebot/internal/flow"
)

// keyTime is the layout of an occurrence's local start in its key.
const keyTime = "2006-01-02T15:04"

// BookingKey names what a booking of o holds: the occurrence of a drop-in, or a
// seat on the whole course.
func (o Occurrence) BookingKey() string {
	if o.Session.Kind == KindCourse {
		return o.Session.ID
	}
	return o.Key()
}

// Line is o as the flows show it: the venue's local date and hours.
func (o Occurrence) Line() flow.SessionLine {
	v := o.Session.Venue
	name := v.Name
	if o.Session.Title != "" {
		name = o.Session.Title + ", " + v.Name
	}
	return flow.SessionLine{Key: o.BookingKey(), Venue: name, Address: v.Address, Weekday: o.Start.Weekday(),
		Day: o.Start.Day(), Month: o.Start.Month(), Start: o.Start.Format("15:04"), End: o.End.Format("15:04")}
}

// Bookable is what a booking key names from now on.
type Bookable struct {
	Key string
	// Occurrences are the meetings the booking covers that are still to come: one
	// for a drop-in, a course's remaining dates.
	Occurrences []Occurrence
	Capacity    int // 0: unlimited
	Reminders   []time.Duration
	Quiet       QuietHours
}

// Find returns what key names, if it is still to come in the schedule in force: a
// key of a date the coordinator has since cancelled, or that has begun, is not.
func (s *Schedule) Find(key string, now time.Time) (Bookable, bool) {
	id, at, dropin := strings.Cut(key, "@")
	ss := s.session(id)
	if ss == nil || dropin != (ss.Kind != KindCourse) {
		return Bookable{}, false
	}
	b := Bookable{Key: key, Capacity: ss.Seats, Reminders: ss.Venue.Reminders, Quiet: s.QuietHours}
	if !dropin {
		b.Occurrences = ss.Next(now, len(ss.Dates))
		return b, len(b.Occurrences) > 0
	}
	start, err := time.ParseInLocation(keyTime, at, ss.Venue.Location)
	if err != nil || start.Before(now) {
		return Bookable{}, false
	}
	o, ok := ss.first(start)
	if !ok || !o.Start.Equal(start) {
		return Bookable{}, false
	}
	b.Occurrences, b.Capacity = []Occurrence{o}, ss.Venue.Capacity
	return b, true
}

// Following is the next meeting, from now, of the session key belongs to: what a
// participant whose date was called off can book instead.
func (s *Schedule) Following(key string, now time.Time) (flow.SessionLine, bool) {
	id, _, _ := strings.Cut(key, "@")
	ss := s.session(id)
	if ss == nil {
		return flow.SessionLine{}, false
	}
	next := ss.Next(now, 1)
	if len(next) == 0 {
		return flow.SessionLine{}, false
	}
	return next[0].Line(), true
}

func (s *Schedule) session(id string) *Session {
	for _, ss := range s.Sessions {
		if ss.ID == id {
			return ss
		}
	}
	return nil
}

// Following is Schedule.Following on the schedule in force.
func (h *Holder) Following(key string, now time.Time) (flow.SessionLine, bool) {
	return h.Current().Following(key, now)
}

// Find is Schedule.Find on the schedule in force.
func (h *Holder) Find(key string, now time.Time) (Bookable, bool) { return h.Current().Find(key, now) }
