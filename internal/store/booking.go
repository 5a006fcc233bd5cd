package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/flow"
)

// A booking lives in three places, written together by one script: the session's
// roster (a hash of participant ids, whose length is the seats taken), the
// participant's bookings (a hash of booking key → flow.Booking and a sorted set of
// booking keys by start, in the participant's slot) and the booking's reminders.
func (k keys) roster(key string) string { return k.prefix + "gb:roster:" + key }
func (k keys) bookings(id string) string {
	return k.prefix + "gb:{p:" + id + "}:bookings"
}
func (k keys) booked(id string) string { return k.prefix + "gb:{p:" + id + "}:booked" }

// rosterKeep is how long a roster outlives its session, for the reports.
const rosterKeep = 30 * 24 * time.Hour

// Outcome is what a booking attempt came to; the flows branch on it.
type Outcome string

// The outcomes of Book.
const (
	Booked  Outcome = "ok"
	Full    Outcome = "full"
	Already Outcome = "already"
	// AtLimit: the participant holds as many open bookings as they may.
	AtLimit Outcome = "limit"
)

// BookingRequest is one participant asking for a seat.
type BookingRequest struct {
	Participant string
	Booking     flow.Booking
	Ends        time.Time // the session's end: the roster is kept a while after it
	Capacity    int       // 0: unlimited
	MaxOpen     int       // open bookings a participant may hold
	Now         time.Time
	Reminders   []Reminder
	Ticks       []Tick // follow-ups after the session
}

// bookScript drops the participant's bookings that have begun, then claims a seat
// unless they hold this one already, hold MaxOpen, or the session is full; with the
// seat it keeps the booking and schedules its reminders and ticks, all or nothing.
// KEYS: bookings, booked, roster, remindDue, remindData, tickDue, tickData.
// ARGV: participant, key, capacity, max open, now (s), start (s), roster expiry (s),
// booking JSON, the number of reminders, then id, due (ms), data for each reminder
// and then for each tick.
var bookScript = redis.NewScript(`
for _, k in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[5])) do
  redis.call('HDEL', KEYS[1], k)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[5])
if redis.call('ZSCORE', KEYS[2], ARGV[2]) then return 'already' end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return 'limit' end
local cap = tonumber(ARGV[3])
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0 and cap > 0 and redis.call('HLEN', KEYS[3]) >= cap then
  return 'full'
end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[5])
redis.call('EXPIREAT', KEYS[3], ARGV[7])
redis.call('HSET', KEYS[1], ARGV[2], ARGV[8])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[2])
local ticks = 10 + 3 * tonumber(ARGV[9])
for i = 10, #ARGV, 3 do
  local due, data = 4, 5
  if i >= ticks then due, data = 6, 7 end
  redis.call('HSET', KEYS[data], ARGV[i], ARGV[i + 2])
  redis.call('ZADD', KEYS[due], ARGV[i + 1], ARGV[i])
end
return 'ok'
`)

// Book claims a seat for r.Participant.
func (s *Store) Book(ctx context.Context, r BookingRequest) (Outcome, error) {
	b, err := json.Marshal(r.Booking)
	if err != nil {
		return "", fmt.Errorf("store: book: %w", err)
	}
	keys := []string{s.keys.bookings(r.Participant), s.keys.booked(r.Participant),
		s.keys.roster(r.Booking.Key), s.keys.remindDue(), s.keys.remindData(), s.keys.tickDue(), s.keys.tickData()}
	args := []any{r.Participant, r.Booking.Key, r.Capacity, r.MaxOpen, r.Now.Unix(),
		r.Booking.Start, r.Ends.Add(rosterKeep).Unix(), string(b), len(r.Reminders)}
	for _, rem := range r.Reminders {
		data, err := s.reminderData(rem)
		if err != nil {
			return "", err
		}
		args = append(args, rem.ID, rem.Due.UnixMilli(), data)
	}
	for _, t := range r.Ticks {
		data, err := tickData(t)
		if err != nil {
			return "", err
		}
		args = append(args, t.ID, t.Due.UnixMilli(), data)
	}
	out, err := bookScript.Run(ctx, s.rdb, keys, args...).Text()
	if err != nil {
		return "", fmt.Errorf("store: book: %w", err)
	}
	return Outcome(out), nil
}

// cancelScript frees the participant's seat and forgets the booking, its reminders
// and its ticks. KEYS: bookings, booked, roster, remindDue, remindData, tickDue,
// tickData. ARGV: participant, key, the ids of reminders and ticks. It returns 0
// when there was no such booking.
var cancelScript = redis.NewScript(`
local had = redis.call('HDEL', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[1])
for i = 3, #ARGV do
  redis.call('ZREM', KEYS[4], ARGV[i])
  redis.call('HDEL', KEYS[5], ARGV[i])
  redis.call('ZREM', KEYS[6], ARGV[i])
  redis.call('HDEL', KEYS[7], ARGV[i])
end
return had
`)

// CancelBooking gives b's seat back at once and removes its reminders and ticks.
// It reports whether the participant held the booking.
func (s *Store) CancelBooking(ctx context.Context, participant string, b flow.Booking) (bool, error) {
	keys := []string{s.keys.bookings(participant), s.keys.booked(participant),
		s.keys.roster(b.Key), s.keys.remindDue(), s.keys.remindData(), s.keys.tickDue(), s.keys.tickData()}
	args := []any{participant, b.Key}
	for _, id := range append(slices.Clone(b.Reminders), b.Ticks...) {
		args = append(args, id)
	}
	n, err := cancelScript.Run(ctx, s.rdb, keys, args...).Int()
	if err != nil {
		return false, fmt.Errorf("store: cancel booking: %w", err)
	}
	return n == 1, nil
}

// Roster counts the seats taken at the session key.
func (s *Store) Roster(ctx context.Context, key string) (int64, error) {
	n, err := s.rdb.HLen(ctx, s.keys.roster(key)).Result()
	if err != nil {
		return 0, fmt.Errorf("store: roster: %w", err)
	}
	return n, nil
}

// decodeBookings reads the participant's bookings hash, earliest first. Some may
// have begun since the book script last tidied them; the engine looks at the time.
func decodeBookings(fields map[string]string) ([]flow.Booking, error) {
	if len(fields) == 0 {
		return nil, nil
	}
	out := make([]flow.Booking, 0, len(fields))
	for k, v := range fields {
		var b flow.Booking
		if err := json.Unmarshal([]byte(v), &b); err != nil {
			return nil, fmt.Errorf("booking %s: %w", k, err)
		}
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b flow.Booking) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), strings.Compare(a.Key, b.Key))
	})
	return out, nil
}

// Rosters lists the booking keys that have a roster: every session someone booked
// in the last rosterKeep.
func (s *Store) Rosters(ctx context.Context) ([]string, error) {
	prefix := s.keys.roster("")
	var out []string
	iter := s.rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		out = append(out, strings.TrimPrefix(iter.Val(), prefix))
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("store: rosters: %w", err)
	}
	return out, nil
}

// RosterMembers lists the participants holding a seat at key.
func (s *Store) RosterMembers(ctx context.Context, key string) ([]string, error) {
	ids, err := s.rdb.HKeys(ctx, s.keys.roster(key)).Result()
	if err != nil {
		return nil, fmt.Errorf("store: roster: %w", err)
	}
	return ids, nil
}
