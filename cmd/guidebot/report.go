package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/guidebot/guidebot/internal/admin"
	"github.com/guidebot/guidebot/internal/handoff"
	"github.com/guidebot/guidebot/internal/report"
	"github.com/guidebot/guidebot/internal/schedule"
	"github.com/guidebot/guidebot/internal/store"
)

// reachedLookback is how many months before a report's first the reach before it is
// summed over, for the running total and the target's pace.
const reachedLookback = 60

// figures gathers the programme's report for the days from..to from Redis: the
// months' counters, the times to claim, the feedback, and the schedule's target.
func figures(st *store.Store, sched *schedule.Holder, now func() time.Time) admin.Figures {
	return func(ctx context.Context, from, to time.Time) (report.Report, error) {
		s := sched.Current()
		zone := programmeZone(s)
		months := report.Months(from, to)
		counts, err := st.Counts(ctx, months)
		if err != nil {
			return report.Report{}, err
		}
		before, err := st.Counts(ctx, report.Months(from.AddDate(0, -reachedLookback, 0), from.AddDate(0, 0, -from.Day())))
		if err != nil {
			return report.Report{}, err
		}
		in := report.Input{From: from, To: to, Now: now().In(zone), Held: held(s, from, to, now()), Venues: map[string]string{}}
		for _, ss := range s.Sessions {
			in.Venues[ss.ID] = ss.Venue.Name
		}
		for m, fields := range counts {
			for f, n := range fields {
				e := store.ParseField(f)
				in.Counts = append(in.Counts, report.Counted{Month: m, Name: e.Name, Dims: e.Dims, N: n})
			}
		}
		for _, fields := range before {
			for f, n := range fields {
				if store.ParseField(f).Name == report.EventReached {
					in.Reached += n
				}
			}
		}
		if in.Claims, err = st.Observations(ctx, months, handoff.ClaimSeconds); err != nil {
			return report.Report{}, err
		}
		fb, err := st.Feedback(ctx, from, to.AddDate(0, 0, 1))
		if err != nil {
			return report.Report{}, err
		}
		for _, f := range fb {
			in.Feedback = append(in.Feedback, report.Feedback{At: f.At, Rating: f.Rating, Comment: f.Comment, Lang: f.Lang, About: f.About})
		}
		if s.Target.Participants > 0 && !s.Target.By.IsZero() {
			by := s.Target.By
			in.Target = report.Target{Participants: s.Target.Participants, By: time.Date(by.Year, by.Month, by.Day, 0, 0, 0, 0, zone)}
		}
		return report.Build(in), nil
	}
}

// reportCmd prints the programme's figures: `guidebot report [--from DATE] [--to
// DATE] [--format md|csv|json] [--lang CODE]`.
func reportCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("report", flag.ContinueOnError)
	flags.SetOutput(stderr)
	fromText := flags.String("from", "", "first day, YYYY-MM-DD [the first of the month 11 months before --to]")
	toText := flags.String("to", "", "last day, YYYY-MM-DD [today]")
	format := flags.String("format", "md", "md, csv or json")
	lang := flags.String("lang", "", "the language of md and csv: sv, fi or en [DEFAULT_LANGUAGE]")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if !slices.Contains(report.Formats, *format) {
		return fmt.Errorf("report: --format %q: want %s", *format, strings.Join(report.Formats, ", "))
	}
	a, err := newApp(ctx, getenv, stderr, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer a.close()
	from, to, err := admin.Period(*fromText, *toText, a.now().In(programmeZone(a.schedule.Current())))
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	rep, err := figures(a.store, a.schedule, a.now)(ctx, from, to)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if *lang == "" {
		*lang = a.cfg.DefaultLang
	}
	if !a.content.catalog.Has(*lang) {
		return fmt.Errorf("report: --lang %q: no such locale", *lang)
	}
	return report.Write(stdout, rep, *format, admin.Say(a.content.catalog, *lang))
}

// heldBatch is how many occurrences a report reads from the schedule at a time.
const heldBatch = 500

// held counts, by venue (its name), the sessions that took place from from to to (both days
// included) and before now.
func held(s *schedule.Schedule, from, to, now time.Time) map[string]int64 {
	end := to.AddDate(0, 0, 1)
	if now.Before(end) {
		end = now
	}
	out := map[string]int64{}
	for cursor := from; cursor.Before(end); {
		batch := s.Next(cursor, heldBatch, nil)
		for _, o := range batch {
			if !o.Start.Before(end) {
				return out
			}
			out[o.Session.Venue.Name]++
		}
		if len(batch) < heldBatch {
			return out
		}
		cursor = batch[len(batch)-1].Start.Add(time.Nanosecond)
	}
	return out
}

// board is what the coordinators' page shows besides the report: this week's
// sessions (Monday to Sunday at the programme) with their bookings against their
// places, and the requests for a guide not yet closed.
func board(st *store.Store, sched *schedule.Holder, langs []string) admin.Board {
	return func(ctx context.Context, now time.Time) ([]admin.WeekSession, []admin.OpenTicket, error) {
		s := sched.Current()
		day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
		monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		var week []admin.WeekSession
		for _, o := range s.Next(monday, heldBatch, nil) {
			if !o.Start.Before(monday.AddDate(0, 0, 7)) {
				break
			}
			booked, err := st.Roster(ctx, o.BookingKey())
			if err != nil {
				return nil, nil, err
			}
			places := o.Session.Venue.Capacity
			if o.Session.Kind == schedule.KindCourse {
				places = o.Session.Seats
			}
			week = append(week, admin.WeekSession{When: o.Start, Venue: o.Session.Venue.Name, Title: o.Session.Title,
				Booked: booked, Places: places})
		}
		open, err := st.OpenTickets(ctx, langs)
		if err != nil {
			return nil, nil, err
		}
		tickets := make([]admin.OpenTicket, 0, len(open))
		for _, t := range open {
			tickets = append(tickets, admin.OpenTicket{ID: t.ID, Lang: t.Lang, Status: t.Status, Opened: time.Unix(t.Opened, 0)})
		}
		return week, tickets, nil
	}
}
