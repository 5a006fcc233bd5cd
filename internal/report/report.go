package report

import (
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SmallCell is the smallest count a report shows as a number: a cell of 1 to 4
// reads "<5", so that nobody in a small group can be singled out.
const SmallCell = 5

// Cell is a count that hides small numbers when shown.
type Cell int64

// String is the count, or "<5" for 1 to 4.
func (c Cell) String() string {
	if c > 0 && c < SmallCell {
		return "<" + strconv.Itoa(SmallCell)
	}
	return strconv.FormatInt(int64(c), 10)
}

// MarshalJSON writes the count as a number, or "<5" as a string.
func (c Cell) MarshalJSON() ([]byte, error) {
	if c > 0 && c < SmallCell {
		return json.Marshal(c.String())
	}
	return json.Marshal(int64(c))
}

// Counted is one event of the figures with its dimensions and count, as kept.
type Counted struct {
	Month string // "2026-11"
	Name  string
	Dims  map[string]string
	N     int64
}

// Feedback is one rating, without the participant.
type Feedback struct {
	At      time.Time
	Rating  string
	Comment string
	Lang    string
	About   string
}

// Target is the reach a programme promised: participants by a date.
type Target struct {
	Participants int
	By           time.Time // zero: none
}

// Input is what a report is built from.
type Input struct {
	From, To time.Time // the days reported on, in the programme's zone; To included
	Counts   []Counted
	Claims   []float64 // seconds from a request for a guide to its claim
	Feedback []Feedback
	Target   Target
	Reached  int64 // participants reached before From, for the target's pace
	Now      time.Time
	// Held is the sessions that took place in the period, by venue (the schedule's
	// occurrences up to now, cancelled dates left out); Venues names each session's
	// venue, for the bookings by venue.
	Held   map[string]int64
	Venues map[string]string
}

// Report is a programme's figures for a period; no personal data.
type Report struct {
	From     string         `json:"from"`
	To       string         `json:"to"`
	Reach    Reach          `json:"reach"`
	Target   *Pace          `json:"target,omitempty"`
	Sessions Sessions       `json:"sessions"`
	Tickets  Tickets        `json:"tickets"`
	Feedback FeedbackFigure `json:"feedback"`
	Cards    []CardRow      `json:"cards"`
	// Matching is meeting someone for an hour, by programme.
	Matching []MatchRow `json:"matching"`
}

// MatchRow is one matching programme: people signed up, pairs proposed and
// matched (both said yes), answers that they met and their ratings' average, and
// problems reported.
type MatchRow struct {
	Programme string  `json:"programme"`
	SignedUp  Cell    `json:"signed_up"`
	Proposed  Cell    `json:"proposed"`
	Matched   Cell    `json:"matched"`
	Met       Cell    `json:"met"`
	Ratings   Cell    `json:"ratings"`
	Average   float64 `json:"average_rating"`
	Reported  Cell    `json:"reported"`
}

// Reach is the participants reached for the first time, by month (with the running
// total), language and channel.
type Reach struct {
	Total      Cell            `json:"total"`
	ByMonth    []MonthRow      `json:"by_month"`
	ByLanguage map[string]Cell `json:"by_language"`
	ByChannel  map[string]Cell `json:"by_channel"`
}

// MonthRow is one month's new participants and the total reached by its end.
type MonthRow struct {
	Month      string `json:"month"`
	New        Cell   `json:"new"`
	Cumulative int64  `json:"cumulative"`
}

// Pace compares the reach with the target: how many are still to reach, and how
// many a month that takes until the target's date.
type Pace struct {
	Participants int     `json:"participants"`
	By           string  `json:"by"`
	Reached      int64   `json:"reached"`
	Remaining    int64   `json:"remaining"`
	MonthsLeft   float64 `json:"months_left"`
	PerMonth     float64 `json:"per_month_needed"`
}

// Sessions are the bookings of guidance sessions, and what came of them.
type Sessions struct {
	Held          Cell            `json:"held"`
	HeldByVenue   map[string]Cell `json:"held_by_venue"`
	Bookings      Cell            `json:"bookings"`
	Confirmations Cell            `json:"confirmations"`
	Cancellations Cell            `json:"cancellations"`
	RemindersSent Cell            `json:"reminders_sent"`
	// RemindersDropped were not sent: their session had begun when they came due
	// (the service was down).
	RemindersDropped   Cell            `json:"reminders_dropped"`
	RemindersDelivered Cell            `json:"reminders_delivered"`
	RemindersFailed    Cell            `json:"reminders_failed"`
	BySession          map[string]Cell `json:"bookings_by_session"`
	ByVenue            map[string]Cell `json:"bookings_by_venue"`
}

// Tickets are the requests for a person, their outcomes and how long a claim took.
type Tickets struct {
	Opened             Cell            `json:"opened"`
	ByOutcome          map[string]Cell `json:"closed_by_outcome"`
	MedianClaimSeconds float64         `json:"median_claim_seconds"`
}

// FeedbackFigure is the ratings' average (1–5) and the comments, text only.
type FeedbackFigure struct {
	Ratings  Cell     `json:"ratings"`
	Average  float64  `json:"average"`
	Comments []string `json:"comments"`
}

// CardRow is one first-aid card in one language: opened, read to the end, and
// whether it helped.
type CardRow struct {
	Card      string `json:"card"`
	Lang      string `json:"lang"`
	Opened    Cell   `json:"opened"`
	Finished  Cell   `json:"finished"`
	Helped    Cell   `json:"helped"`
	NotHelped Cell   `json:"not_helped"`
}

// The events the figures are made of, as the service counts them.
const (
	EventReached      = "reached"
	EventCardOpened   = "card_opened"
	EventCardFinished = "card_finished"
	EventCardHelped   = "card_helped"
	EventCardNot      = "card_not_helped"
	EventBooking      = "booking"
	EventConfirmation = "confirmation"
	EventCancellation = "cancellation"
	EventTicketOpened = "ticket_opened"
	EventTicketClosed = "ticket_closed"
	EventReminderSent = "reminder_sent"
	EventReminderLost = "reminder_dropped"
	// A reminder the provider took, or gave up on (after retries, or unreachable).
	EventReminderDelivered = "reminder_delivered"
	// Meeting someone for an hour (internal/matching counts them).
	EventMatchSignup    = "match_signup"
	EventMatchProposed  = "match_proposed"
	EventMatchMatched   = "match_matched"
	EventMatchMet       = "match_met"
	EventMatchRating    = "match_rating"
	EventMatchReported  = "match_reported"
	EventReminderFailed = "reminder_failed"
)

// Months lists the months from from to to, both included: "2026-01", "2026-02", ….
func Months(from, to time.Time) []string {
	var out []string
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(to); m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
	}
	return out
}

// Build makes the report of in.
func Build(in Input) Report {
	r := Report{From: in.From.Format(time.DateOnly), To: in.To.Format(time.DateOnly),
		Reach:    Reach{ByLanguage: map[string]Cell{}, ByChannel: map[string]Cell{}},
		Sessions: Sessions{BySession: map[string]Cell{}, ByVenue: map[string]Cell{}, HeldByVenue: map[string]Cell{}},
		Tickets:  Tickets{ByOutcome: map[string]Cell{}}}
	perMonth := map[string]int64{}
	cards := map[[2]string]*CardRow{}
	matching := map[string]*MatchRow{}
	programme := func(c Counted) *MatchRow {
		p := c.Dims["programme"]
		if matching[p] == nil {
			matching[p] = &MatchRow{Programme: p}
		}
		return matching[p]
	}
	ratingSum := map[string]int64{}
	card := func(c Counted) *CardRow {
		k := [2]string{c.Dims["card"], c.Dims["lang"]}
		if cards[k] == nil {
			cards[k] = &CardRow{Card: k[0], Lang: k[1]}
		}
		return cards[k]
	}
	// totals are the events that add up to one figure each, whatever their dimensions.
	totals := map[string]*Cell{
		EventConfirmation: &r.Sessions.Confirmations, EventCancellation: &r.Sessions.Cancellations,
		EventReminderSent: &r.Sessions.RemindersSent, EventReminderLost: &r.Sessions.RemindersDropped,
		EventReminderDelivered: &r.Sessions.RemindersDelivered, EventReminderFailed: &r.Sessions.RemindersFailed,
		EventTicketOpened: &r.Tickets.Opened,
	}
	for _, c := range in.Counts {
		n := Cell(c.N)
		if total, ok := totals[c.Name]; ok {
			*total += n
			continue
		}
		switch c.Name {
		case EventReached:
			r.Reach.Total += n
			perMonth[c.Month] += c.N
			r.Reach.ByLanguage[c.Dims["lang"]] += n
			r.Reach.ByChannel[c.Dims["channel"]] += n
		case EventCardOpened:
			card(c).Opened += n
		case EventCardFinished:
			card(c).Finished += n
		case EventCardHelped:
			card(c).Helped += n
		case EventCardNot:
			card(c).NotHelped += n
		case EventBooking:
			r.Sessions.Bookings += n
			r.Sessions.BySession[c.Dims["session"]] += n
			if v, ok := in.Venues[c.Dims["session"]]; ok {
				r.Sessions.ByVenue[v] += n
			}
		case EventTicketClosed:
			r.Tickets.ByOutcome[c.Dims["outcome"]] += n
		case EventMatchSignup:
			programme(c).SignedUp += n
		case EventMatchProposed:
			programme(c).Proposed += n
		case EventMatchMatched:
			programme(c).Matched += n
		case EventMatchMet:
			programme(c).Met += n
		case EventMatchReported:
			programme(c).Reported += n
		case EventMatchRating:
			rating, _ := strconv.ParseInt(c.Dims["rating"], 10, 64)
			programme(c).Ratings += n
			ratingSum[c.Dims["programme"]] += rating * c.N
		}
	}
	for p, row := range matching {
		if row.Ratings > 0 {
			row.Average = float64(ratingSum[p]) / float64(row.Ratings)
		}
		r.Matching = append(r.Matching, *row)
	}
	slices.SortFunc(r.Matching, func(a, b MatchRow) int { return strings.Compare(a.Programme, b.Programme) })
	for venue, n := range in.Held {
		r.Sessions.Held += Cell(n)
		r.Sessions.HeldByVenue[venue] += Cell(n)
	}
	cumulative := in.Reached
	for _, m := range Months(in.From, in.To) {
		cumulative += perMonth[m]
		r.Reach.ByMonth = append(r.Reach.ByMonth, MonthRow{Month: m, New: Cell(perMonth[m]), Cumulative: cumulative})
	}
	if in.Target.Participants > 0 && !in.Target.By.IsZero() {
		p := &Pace{Participants: in.Target.Participants, By: in.Target.By.Format(time.DateOnly), Reached: cumulative}
		p.Remaining = max(int64(in.Target.Participants)-cumulative, 0)
		p.MonthsLeft = math.Max(in.Target.By.Sub(in.Now).Hours()/24/(365.25/12), 0)
		if p.Remaining > 0 {
			p.PerMonth = float64(p.Remaining)
			if p.MonthsLeft >= 1 {
				p.PerMonth = math.Round(float64(p.Remaining)/p.MonthsLeft*10) / 10
			}
		}
		p.MonthsLeft = math.Round(p.MonthsLeft*10) / 10
		r.Target = p
	}
	r.Tickets.MedianClaimSeconds = median(in.Claims)
	sum, rated := 0.0, 0
	r.Feedback.Comments = []string{}
	for _, f := range in.Feedback {
		if v, err := strconv.Atoi(f.Rating); err == nil && v >= 1 && v <= 5 {
			sum += float64(v)
			rated++
		}
		if f.Comment != "" {
			r.Feedback.Comments = append(r.Feedback.Comments, f.Comment)
		}
	}
	r.Feedback.Ratings = Cell(rated)
	if rated > 0 {
		r.Feedback.Average = math.Round(sum/float64(rated)*100) / 100
	}
	for _, c := range cards {
		r.Cards = append(r.Cards, *c)
	}
	sort.Slice(r.Cards, func(i, j int) bool {
		if r.Cards[i].Card != r.Cards[j].Card {
			return r.Cards[i].Card < r.Cards[j].Card
		}
		return r.Cards[i].Lang < r.Cards[j].Lang
	})
	return r
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
