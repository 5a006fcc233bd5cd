package schedule

import (
	"slices"
	"time"
	// The time zones come with the binary: a distroless image has no zoneinfo.
	_ "time/tzdata"
)

// Session kinds and week rules, as the schedule file writes them.
const (
	KindDropin = "dropin"
	KindCourse = "course"

	WeeksEvery = "every"
	WeeksEven  = "even"
	WeeksOdd   = "odd"
)

// DefaultReminders are a venue's reminder offsets when it names none.
func DefaultReminders() []time.Duration { return []time.Duration{24 * time.Hour, 2 * time.Hour} }

// Schedule is a programme's venues and sessions.
type Schedule struct {
	Programme string
	// Country is where the programme works (ISO 3166 code such as SE or FI): its
	// participants read the first-aid cards written for that country's services.
	Country    string
	Target     Target
	QuietHours QuietHours
	Venues     []*Venue
	Sessions   []*Session
	// Matching pairs newcomers with volunteers for an hour; zero: not offered.
	Matching Matching
	venues   map[string]*Venue
}

// Target is the reach a programme reports against.
type Target struct {
	Participants int
	By           Date // zero: none
}

// QuietHours is when no SMS reminder goes out, in each venue's local time; From
// after To spans midnight.
type QuietHours struct {
	From, To Clock
}

// Venue is a place where guides meet people.
type Venue struct {
	ID        string
	Name      string
	Address   string
	Location  *time.Location
	Languages []string // empty: any language
	Capacity  int      // 0: unlimited
	Reminders []time.Duration
	Country   string // the programme's unless the venue names its own
	Line      int    // in the schedule file
}

// DefaultCountry is the country of a programme whose schedule names none.
const DefaultCountry = "SE"

// Countries lists the countries the programme and its venues are in, the
// programme's first: each needs its variant of every country-specific text.
func (s *Schedule) Countries() []string {
	out := []string{s.Country}
	for _, v := range s.Venues {
		if !slices.Contains(out, v.Country) {
			out = append(out, v.Country)
		}
	}
	return out
}

// Session is a weekly drop-in or a course with fixed dates.
type Session struct {
	ID        string
	Venue     *Venue
	Kind      string
	Title     string // optional; shown as given
	Weekday   time.Weekday
	Start     Clock // drop-in
	End       Clock // drop-in
	Weeks     string
	From      Date // zero: no bound
	Until     Date // zero: no bound
	Cancelled []Date
	Seats     int        // course
	Dates     []DateTime // course, sorted
	Length    time.Duration
	Line      int
}

// Venue returns the venue with id, or nil.
func (s *Schedule) Venue(id string) *Venue { return s.venues[id] }

// Speaks says whether the venue offers guidance in lang: a venue that lists no
// languages takes any.
func (v *Venue) Speaks(lang string) bool {
	if len(v.Languages) == 0 {
		return true
	}
	for _, l := range v.Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// cancelled says whether the session does not take place on d.
func (s *Session) cancelled(d Date) bool {
	for _, c := range s.Cancelled {
		if c == d {
			return true
		}
	}
	return false
}

// inRange says whether d is within the session's from and until.
func (s *Session) inRange(d Date) bool {
	return (s.From.IsZero() || !d.Before(s.From)) && (s.Until.IsZero() || !s.Until.Before(d))
}

// onWeek says whether the week rule lets the session take place on d (ISO weeks:
// the year's last week may be 53, and the next year's first is 1, both odd).
func (s *Session) onWeek(d Date) bool {
	_, w := d.Time(time.UTC).ISOWeek()
	switch s.Weeks {
	case WeeksEven:
		return w%2 == 0
	case WeeksOdd:
		return w%2 == 1
	}
	return true
}
