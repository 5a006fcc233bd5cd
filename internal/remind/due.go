package remind

import (
	"slices"
	"time"

	"github.com/guidebot/guidebot/internal/schedule"
)

// day is an offset that counts in calendar days: "24h before" a 10:00 session is
// 10:00 the day before on the clock, even across a DST night, which a reader
// expects more than 24 hours to the second.
const day = 24 * time.Hour

// Due returns when the reminders of a session that starts at start go out, earliest
// first: each offset before the start, moved earlier out of quiet hours (in the
// venue's local time: start's location), never after the session and never before
// now. A reminder that quiet hours would push into the past is dropped (it cannot go
// now without breaking them), and two that land on the same instant go once.
func Due(start time.Time, offsets []time.Duration, quiet schedule.QuietHours, now time.Time) []time.Time {
	var out []time.Time
	for _, off := range offsets {
		if off <= 0 {
			continue
		}
		t := before(start, off)
		t = outOfQuiet(t, quiet)
		if t.Before(now) || !t.Before(start) {
			continue
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return slices.CompactFunc(out, func(a, b time.Time) bool { return a.Equal(b) })
}

// before is start less off: whole days on the local calendar, the rest in time.
func before(start time.Time, off time.Duration) time.Time {
	days := int(off / day)
	return start.AddDate(0, 0, -days).Add(-(off % day))
}

// outOfQuiet moves t to the start of the quiet hours it falls in, if any.
func outOfQuiet(t time.Time, q schedule.QuietHours) time.Time {
	if q.From == q.To {
		return t // no quiet hours
	}
	d := schedule.DateOf(t)
	c := schedule.Clock(t.Hour()*60 + t.Minute())
	switch {
	case q.From < q.To: // within one day, such as 12:00–13:00
		if c >= q.From && c < q.To {
			return d.At(q.From, t.Location())
		}
	case c >= q.From: // evening part of a night, such as 21:00–08:00
		return d.At(q.From, t.Location())
	case c < q.To: // morning part: the quiet hours began the evening before
		return d.AddDays(-1).At(q.From, t.Location())
	}
	return t
}
