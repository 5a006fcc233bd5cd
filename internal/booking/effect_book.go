package booking

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/remind"
	"github.com/guidebot/guidebot/internal/schedule"
	"github.com/guidebot/guidebot/internal/store"
)

// book claims a seat at the session the effect names and schedules its reminders,
// one set per meeting it covers, in the participant's language and channel.
func (e *Effects) book(ctx context.Context, t *bot.Turn, eff flow.Effect) (string, error) {
	key := eff.Args["session"]
	if key == "" {
		key = eff.Args["arg"] // {book: $session}
	}
	found, ok := e.sessions.Find(key, t.Now)
	if !ok {
		return outcomeGone, nil
	}
	first := found.Occurrences[0]
	b := flow.Booking{Key: key, Start: first.Start.Unix(), Line: first.Line()}
	var reminders []store.Reminder
	for i, o := range found.Occurrences {
		for j, due := range remind.Due(o.Start, found.Reminders, found.Quiet, t.Now) {
			id := t.Participant + "|" + key + "|" + strconv.Itoa(i) + "." + strconv.Itoa(j)
			reminders = append(reminders, store.Reminder{ID: id, Due: due, Starts: o.Start,
				Channel: t.In.Channel, Participant: t.Participant, Booking: key,
				Message: message.Outbound{To: t.In.Address, Participant: t.Participant, Reply: Reminder(t.State.Lang, o),
					Figure: ReminderFigure}})
			b.Reminders = append(b.Reminders, id)
		}
	}
	last := found.Occurrences[len(found.Occurrences)-1]
	var ticks []store.Tick
	if step := eff.Args[flow.FollowUpArg]; step != "" {
		id := t.Participant + "|" + key + "|follow-up"
		ticks = append(ticks, store.Tick{ID: id, Participant: t.Participant, Channel: t.In.Channel,
			Address: t.In.Address, Step: step, Due: followUpAt(last.End)})
		b.Ticks = append(b.Ticks, id)
	}
	out, err := e.seats.Book(ctx, store.BookingRequest{Participant: t.Participant, Booking: b,
		Ends: last.End, Capacity: found.Capacity, MaxOpen: e.maxOpen, Now: t.Now,
		Reminders: reminders, Ticks: ticks})
	if err != nil {
		return "", fmt.Errorf("book %s: %w", key, err)
	}
	if out == store.Booked {
		t.State.Bookings = append(t.State.Bookings[:len(t.State.Bookings):len(t.State.Bookings)], b)
		record(t, "book", key)
	}
	return string(out), nil
}

// followUpHour is when, on the day after a session, its follow-up asks how it went:
// mid-morning at the venue, well outside anyone's quiet hours.
const followUpHour = 10

// followUpAt is followUpHour on the day after end, at the venue (end's location).
func followUpAt(end time.Time) time.Time {
	return time.Date(end.Year(), end.Month(), end.Day()+1, followUpHour, 0, 0, 0, end.Location())
}

// Reminder is the message that reminds a participant of o: where and when, and
// the two answers (numbered on SMS, buttons on Telegram) that name the booking.
func Reminder(lang string, o schedule.Occurrence) flow.Reply {
	l := o.Line()
	return flow.Reply{Lang: lang,
		Texts: []flow.Message{{ID: "remind.text",
			Params: map[string]string{"Day": strconv.Itoa(l.Day), "Start": l.Start, "Venue": l.Venue, "Address": l.Address},
			Refs:   flow.DateRefs(l.Weekday, l.Month)}},
		Options: []flow.Choice{{ID: flow.RemindYes, Label: "remind.yes"}, {ID: flow.RemindNo, Label: "remind.no"}},
		Step:    flow.RemindStep + l.Key}
}
