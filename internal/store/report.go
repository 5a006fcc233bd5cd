package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Event is one thing a programme reports on — a participant reached, a card opened,
// a session booked — with the dimensions it is counted by (language, channel, card,
// venue). It names nobody, so the counts outlive "forget me".
type Event struct {
	Name string
	Dims map[string]string
}

// Field is the event's field in its month's counters: the name, then the
// dimensions sorted by name ("card_opened|card=bills|lang=ar").
func (e Event) Field() string {
	keys := make([]string, 0, len(e.Dims))
	for k := range e.Dims {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(e.Name)
	for _, k := range keys {
		b.WriteString("|" + k + "=" + e.Dims[k])
	}
	return b.String()
}

// ParseField reads a field back into its event.
func ParseField(field string) Event {
	parts := strings.Split(field, "|")
	e := Event{Name: parts[0], Dims: map[string]string{}}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		e.Dims[k] = v
	}
	return e
}

// Month names a calendar month, as the counters are kept: "2026-11".
func Month(t time.Time) string { return t.Format("2006-01") }

func (k keys) report(month string) string { return k.prefix + "gb:report:" + month }
func (k keys) observed(month, name string) string {
	return k.prefix + "gb:report:" + month + ":" + name
}

// Count adds one to each event's counter in month, in one round trip.
func (s *Store) Count(ctx context.Context, month string, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	pipe := s.rdb.Pipeline()
	for _, e := range events {
		pipe.HIncrBy(ctx, s.keys.report(month), e.Field(), 1)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store: count: %w", err)
	}
	return nil
}

// Observe keeps one measurement (a ticket's seconds to claim) in month, for medians.
func (s *Store) Observe(ctx context.Context, month, name string, value float64) error {
	if err := s.rdb.RPush(ctx, s.keys.observed(month, name), strconv.FormatFloat(value, 'f', -1, 64)).Err(); err != nil {
		return fmt.Errorf("store: observe: %w", err)
	}
	return nil
}

// Counts returns each month's counters, by field, in one round trip.
func (s *Store) Counts(ctx context.Context, months []string) (map[string]map[string]int64, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(months))
	for i, m := range months {
		cmds[i] = pipe.HGetAll(ctx, s.keys.report(m))
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("store: counts: %w", err)
	}
	out := make(map[string]map[string]int64, len(months))
	for i, m := range months {
		fields := map[string]int64{}
		for f, v := range cmds[i].Val() {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("store: counts %s %s: %q", m, f, v)
			}
			fields[f] = n
		}
		out[m] = fields
	}
	return out, nil
}

// Observations returns the measurements of name kept in months.
func (s *Store) Observations(ctx context.Context, months []string, name string) ([]float64, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.StringSliceCmd, len(months))
	for i, m := range months {
		cmds[i] = pipe.LRange(ctx, s.keys.observed(m, name), 0, -1)
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("store: observations: %w", err)
	}
	var out []float64
	for _, c := range cmds {
		for _, v := range c.Val() {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// feedbackStream is the stream of ratings the flows' feedback effect appends to.
const feedbackStream = "feedback"

// FeedbackEntry is one rating as the feedback stream keeps it: no participant.
type FeedbackEntry struct {
	At      time.Time
	Rating  string `json:"rating"`
	Comment string `json:"comment"`
	Lang    string `json:"lang"`
	About   string `json:"about"`
}

// Feedback returns the ratings given from from up to to, oldest first.
func (s *Store) Feedback(ctx context.Context, from, to time.Time) ([]FeedbackEntry, error) {
	entries, err := s.entriesBetween(ctx, feedbackStream,
		strconv.FormatInt(from.UnixMilli(), 10), strconv.FormatInt(to.UnixMilli()-1, 10))
	if err != nil {
		return nil, fmt.Errorf("store: feedback: %w", err)
	}
	out := make([]FeedbackEntry, 0, len(entries))
	for _, e := range entries {
		var f FeedbackEntry
		if json.Unmarshal([]byte(e.Payload), &f) != nil {
			continue
		}
		if at, ok := EntryTime(e.ID); ok {
			f.At = at
		}
		out = append(out, f)
	}
	return out, nil
}
