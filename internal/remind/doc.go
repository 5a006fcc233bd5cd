// Package remind decides when the reminders of a booked session go out: the venue's
// offsets before the start, kept out of quiet hours in the venue's local time.
package remind
