package schedule

import (
	"container/heap"
	"time"
)

// maxWeeksAhead bounds the search for a drop-in's next occurrence: a rule that
// matches no week (every date cancelled) must not loop for ever.
const maxWeeksAhead = 520

// Occurrence is one meeting of a session: when, in the venue's time zone.
type Occurrence struct {
	Session    *Session
	Start, End time.Time
}

// Key names the occurrence for bookings: the session and its local start.
func (o Occurrence) Key() string { return o.Session.ID + "@" + o.Start.Format(keyTime) }

// Date is the occurrence's day at its venue.
func (o Occurrence) Date() Date { return DateOf(o.Start) }

// Next returns up to n occurrences that start at from or later, earliest first,
// among the sessions keep accepts (nil keeps all). Occurrences are computed, not
// stored: the schedule file is the truth, and a reload changes them at once. Each
// session's next occurrence waits in a heap, so n of them cost about n + sessions
// steps however far the schedule reaches.
func (s *Schedule) Next(from time.Time, n int, keep func(*Session) bool) []Occurrence {
	h := make(occurrenceHeap, 0, len(s.Sessions))
	for _, ss := range s.Sessions {
		if keep != nil && !keep(ss) {
			continue
		}
		if o, ok := ss.first(from); ok {
			h = append(h, o)
		}
	}
	heap.Init(&h)
	out := make([]Occurrence, 0, min(n, len(h)))
	for len(out) < n && len(h) > 0 {
		o := h[0]
		out = append(out, o)
		if next, ok := o.Session.first(o.Start.Add(time.Nanosecond)); ok {
			h[0] = next
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return out
}

// Next returns up to n of the session's occurrences that start at from or later.
func (s *Session) Next(from time.Time, n int) []Occurrence {
	var out []Occurrence
	for len(out) < n {
		o, ok := s.first(from)
		if !ok {
			break
		}
		out = append(out, o)
		from = o.Start.Add(time.Nanosecond)
	}
	return out
}

// first is the session's first occurrence that starts at from or later.
func (s *Session) first(from time.Time) (Occurrence, bool) {
	if s.Venue == nil || s.Venue.Location == nil {
		return Occurrence{}, false
	}
	loc := s.Venue.Location
	if s.Kind == KindCourse {
		for _, dt := range s.Dates {
			start := dt.Date.At(dt.Clock, loc)
			if start.Before(from) || s.cancelled(dt.Date) || !s.inRange(dt.Date) {
				continue
			}
			return Occurrence{Session: s, Start: start, End: start.Add(s.Length)}, true
		}
		return Occurrence{}, false
	}
	d := DateOf(from.In(loc))
	if !s.From.IsZero() && d.Before(s.From) {
		d = s.From
	}
	d = d.AddDays((int(s.Weekday) - int(d.Weekday()) + 7) % 7)
	for range maxWeeksAhead {
		if !s.Until.IsZero() && s.Until.Before(d) {
			break
		}
		if s.onWeek(d) && !s.cancelled(d) {
			// Each date's own offset: the week after a DST night starts at the same
			// local time, an hour apart in UTC.
			if start := d.At(s.Start, loc); !start.Before(from) {
				return Occurrence{Session: s, Start: start, End: d.At(s.End, loc)}, true
			}
		}
		d = d.AddDays(7)
	}
	return Occurrence{}, false
}

// occurrenceHeap orders occurrences by start, then by session id.
type occurrenceHeap []Occurrence

func (h occurrenceHeap) Len() int { return len(h) }
func (h occurrenceHeap) Less(i, j int) bool {
	if c := h[i].Start.Compare(h[j].Start); c != 0 {
		return c < 0
	}
	return h[i].Session.ID < h[j].Session.ID
}
func (h occurrenceHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *occurrenceHeap) Push(x any)   { *h = append(*h, x.(Occurrence)) }
func (h *occurrenceHeap) Pop() any {
	old := *h
	o := old[len(old)-1]
	*h = old[:len(old)-1]
	return o
}

// overlaps reports sessions at one venue whose times can coincide: two drop-ins on
// the same weekday, hours, weeks and dates; a course date inside a drop-in; two
// course dates that meet.
func (p *parser) overlaps(sessions []*Session) {
	for i, a := range sessions {
		for _, b := range sessions[i+1:] {
			if a.Venue == nil || a.Venue != b.Venue || a.Venue.Location == nil {
				continue
			}
			if when, ok := overlap(a, b); ok {
				p.add(b.Line, "session %s overlaps session %s at venue %s (%s)", b.ID, a.ID, a.Venue.ID, when)
			}
		}
	}
}

func overlap(a, b *Session) (string, bool) {
	switch {
	case a.Kind == KindDropin && b.Kind == KindDropin:
		if a.Weekday != b.Weekday || a.End <= b.Start || b.End <= a.Start || !rangesMeet(a, b) {
			return "", false
		}
		if a.Weeks != WeeksEvery && b.Weeks != WeeksEvery && a.Weeks != b.Weeks {
			return "", false
		}
		return a.Weekday.String() + "s " + max(a.Start, b.Start).String(), true
	case a.Kind == KindCourse && b.Kind == KindCourse:
		for _, x := range a.Dates {
			for _, y := range b.Dates {
				if x.Date == y.Date && clocksMeet(x.Clock, a.Length, y.Clock, b.Length) {
					return x.Date.String(), true
				}
			}
		}
	case a.Kind == KindCourse:
		a, b = b, a
		fallthrough
	default: // a is the drop-in, b the course
		if a.Kind != KindDropin || b.Kind != KindCourse {
			return "", false
		}
		for _, dt := range b.Dates {
			d := dt.Date
			if d.Weekday() == a.Weekday && a.inRange(d) && a.onWeek(d) && !a.cancelled(d) &&
				clocksMeet(dt.Clock, b.Length, a.Start, time.Duration(a.End-a.Start)*time.Minute) {
				return d.String(), true
			}
		}
	}
	return "", false
}

// rangesMeet says whether two sessions' from–until ranges share a day.
func rangesMeet(a, b *Session) bool {
	aEndsBefore := !a.Until.IsZero() && !b.From.IsZero() && a.Until.Before(b.From)
	bEndsBefore := !b.Until.IsZero() && !a.From.IsZero() && b.Until.Before(a.From)
	return !aEndsBefore && !bEndsBefore
}

// clocksMeet says whether [x, x+xl) and [y, y+yl) share a minute.
func clocksMeet(x Clock, xl time.Duration, y Clock, yl time.Duration) bool {
	xe := int(x) + int(xl/time.Minute)
	ye := int(y) + int(yl/time.Minute)
	return int(x) < ye && int(y) < xe
}
