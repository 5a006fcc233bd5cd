package schedule

import (
	"fmt"
	"time"
)

// Date is a day in the calendar, without a place: the schedule file's dates.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	return DateOf(t), nil
}

// DateOf is the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// IsZero reports the zero date, which the schedule uses for "no bound".
func (d Date) IsZero() bool { return d == Date{} }

// Time is the start of the day in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// At is the clock time c of the day in loc. On a DST night a time that does not
// exist is moved on by the gap, as time.Date does, and a time that happens twice is
// the first of the two (time.Date leaves that choice open).
func (d Date) At(c Clock, loc *time.Location) time.Time {
	t := time.Date(d.Year, d.Month, d.Day, c.Hour(), c.Minute(), 0, 0, loc)
	if e := t.Add(-dstShift); e.Hour() == t.Hour() && e.Minute() == t.Minute() && DateOf(e) == DateOf(t) {
		return e
	}
	return t
}

// dstShift is how far clocks move on a DST night in the zones guidebot serves.
const dstShift = time.Hour

// AddDays is the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return DateOf(d.Time(time.UTC).AddDate(0, 0, n)) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// Weekday is the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.Time(time.UTC).Weekday() }

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Clock is a time of day in minutes after midnight.
type Clock int

// ParseClock reads HH:MM, 24-hour.
func ParseClock(s string) (Clock, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day (HH:MM)", s)
	}
	return Clock(t.Hour()*60 + t.Minute()), nil
}

// Hour and Minute of the clock time.
func (c Clock) Hour() int   { return int(c) / 60 }
func (c Clock) Minute() int { return int(c) % 60 }

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", c.Hour(), c.Minute()) }

// DateTime is a course date: a day and a clock time at the venue.
type DateTime struct {
	Date  Date
	Clock Clock
}

// ParseDateTime reads "YYYY-MM-DD HH:MM".
func ParseDateTime(s string) (DateTime, error) {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		return DateTime{}, fmt.Errorf("%q is not a date and time (YYYY-MM-DD HH:MM)", s)
	}
	return DateTime{Date: DateOf(t), Clock: Clock(t.Hour()*60 + t.Minute())}, nil
}
