package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/flow"
)

// A booking lives in three places: the session's roster (a hash of participant id
// → when the seat was claimed, whose length is the seats taken), the participant's
// bookings (a hash of booking key → flow.Booking and a sorted set of booking keys by
// start, in the participant's shard) and the booking's reminders and ticks (in the
// same shard). The rosters are shared by participants of every shard, so they live
// in a slot of their own, {r}, with two indexes: every roster kept (by expiry) and
// the sessions to come (by start), which TidyRosters walks.
func (k keys) roster(key string) string { return k.prefix + "gb:{r}:roster:" + key }
func (k keys) rosters() string          { return k.prefix + "gb:{r}:rosters" }
func (k keys) upcoming() string         { return k.prefix + "gb:{r}:upcoming" }
func (k keys) bookings(id string) string {
	return k.of(id) + "bookings"
}
func (k keys) booked(id string) string { return k.of(id) + "booked" }

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

// claimSeatScript takes a seat at a session for a participant unless it is full;
// one who holds a seat already keeps it ("held"). KEYS: roster, rosters, upcoming.
// ARGV: participant, capacity, now (s), roster expiry (s), key, start (s).
var claimSeatScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 'held' end
local cap = tonumber(ARGV[2])
if cap > 0 and redis.call('HLEN', KEYS[1]) >= cap then return 'full' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('EXPIREAT', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[5])
return 'ok'
`)

// bookScript drops the participant's bookings that have begun, then keeps the
// booking unless they hold it already or hold MaxOpen, and schedules its reminders
// and ticks, all or nothing. KEYS: bookings, booked, remindDue, remindData, tickDue,
// tickData. ARGV: key, max open, now (s), start (s), booking JSON, the number of
// reminders, then id, due (ms), data for each reminder and then for each tick.
var bookScript = redis.NewScript(`
for _, k in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])) do
  redis.call('HDEL', KEYS[1], k)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 'already' end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return 'limit' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
local ticks = 7 + 3 * tonumber(ARGV[6])
for i = 7, #ARGV, 3 do
  local due, data = 3, 4
  if i >= ticks then due, data = 5, 6 end
  redis.call('HSET', KEYS[data], ARGV[i], ARGV[i + 2])
  redis.call('ZADD', KEYS[due], ARGV[i + 1], ARGV[i])
end
return 'ok'
`)

// Book claims a seat for r.Participant in two steps, as the roster and the
// participant are in different slots: the seat first, then the booking in the
// participant's shard. A seat taken for a booking that then is not made (the
// participant holds it already, or too many) is given back at once; one left by a
// crash in between is given back by TidyRosters.
func (s *Store) Book(ctx context.Context, r BookingRequest) (Outcome, error) {
	b, err := json.Marshal(r.Booking)
	if err != nil {
		return "", fmt.Errorf("store: book: %w", err)
	}
	seat, err := claimSeatScript.Run(ctx, s.rdb, []string{s.keys.roster(r.Booking.Key), s.keys.rosters(), s.keys.upcoming()},
		r.Participant, r.Capacity, r.Now.Unix(), r.Ends.Add(rosterKeep).Unix(), r.Booking.Key, r.Booking.Start).Text()
	if err != nil {
		return "", fmt.Errorf("store: book: %w", err)
	}
	if seat == string(Full) {
		return Full, nil
	}
	shard := s.keys.shard(r.Participant)
	keys := []string{s.keys.bookings(r.Participant), s.keys.booked(r.Participant),
		s.keys.remindDue(shard), s.keys.remindData(shard), s.keys.tickDue(shard), s.keys.tickData(shard)}
	args := []any{r.Booking.Key, r.MaxOpen, r.Now.Unix(), r.Booking.Start, string(b), len(r.Reminders)}
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
	if err == nil && out == string(Booked) {
		return Booked, nil
	}
	if seat == "ok" {
		// The seat was taken for this attempt: give it back (on an error too, as the
		// booking was not made; if that fails as well, TidyRosters gives it back).
		s.rdb.HDel(ctx, s.keys.roster(r.Booking.Key), r.Participant)
	}
	if err != nil {
		return "", fmt.Errorf("store: book: %w", err)
	}
	return Outcome(out), nil
}

// cancelScript forgets the participant's booking, its reminders and its ticks.
// KEYS: bookings, booked, remindDue, remindData, tickDue, tickData. ARGV: key, the
// ids of reminders and ticks. It returns 0 when there was no such booking.
var cancelScript = redis.NewScript(`
local had = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
for i = 2, #ARGV do
  redis.call('ZREM', KEYS[3], ARGV[i])
  redis.call('HDEL', KEYS[4], ARGV[i])
  redis.call('ZREM', KEYS[5], ARGV[i])
  redis.call('HDEL', KEYS[6], ARGV[i])
end
return had
`)

// CancelBooking removes b with its reminders and ticks, then gives its seat back:
// in that order, so a crash in between leaves a seat nobody holds (TidyRosters
// frees it), never a booking without a seat.
func (s *Store) CancelBooking(ctx context.Context, participant string, b flow.Booking) (bool, error) {
	shard := s.keys.shard(participant)
	keys := []string{s.keys.bookings(participant), s.keys.booked(participant),
		s.keys.remindDue(shard), s.keys.remindData(shard), s.keys.tickDue(shard), s.keys.tickData(shard)}
	args := []any{b.Key}
	for _, id := range append(slices.Clone(b.Reminders), b.Ticks...) {
		args = append(args, id)
	}
	n, err := cancelScript.Run(ctx, s.rdb, keys, args...).Int()
	if err != nil {
		return false, fmt.Errorf("store: cancel booking: %w", err)
	}
	if err := s.rdb.HDel(ctx, s.keys.roster(b.Key), participant).Err(); err != nil {
		return n == 1, fmt.Errorf("store: cancel booking: %w", err)
	}
	return n == 1, nil
}

// leaveRosters gives back the seats of a forgotten participant's bookings.
func (s *Store) leaveRosters(ctx context.Context, participant string, bs []flow.Booking) error {
	pipe := s.rdb.Pipeline()
	for _, b := range bs {
		pipe.HDel(ctx, s.keys.roster(b.Key), participant)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store: leave rosters: %w", err)
	}
	return nil
}

// freeSeatScript gives a seat back if it is still the claim TidyRosters looked at.
// KEYS: roster. ARGV: participant, claimed at.
var freeSeatScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
return redis.call('HDEL', KEYS[1], ARGV[1])
`)

// TidyRosters gives back the seats at sessions to come whose participant holds no
// booking for them, claimed more than grace ago (a booking still being made has a
// seat before it has the booking): what a crash between Book's or CancelBooking's
// two steps leaves. It returns the seats it freed.
func (s *Store) TidyRosters(ctx context.Context, now time.Time, grace time.Duration) (int, error) {
	pipe := s.rdb.Pipeline()
	pipe.ZRemRangeByScore(ctx, s.keys.upcoming(), "-inf", strconv.FormatInt(now.Unix(), 10))
	pipe.ZRemRangeByScore(ctx, s.keys.rosters(), "-inf", strconv.FormatInt(now.Unix(), 10))
	upcoming := pipe.ZRange(ctx, s.keys.upcoming(), 0, -1)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("store: tidy rosters: %w", err)
	}
	type seat struct{ key, participant, claimed string }
	var seats []seat
	for _, key := range upcoming.Val() {
		claims, err := s.rdb.HGetAll(ctx, s.keys.roster(key)).Result()
		if err != nil {
			return 0, fmt.Errorf("store: tidy rosters: %w", err)
		}
		for p, at := range claims {
			if n, _ := strconv.ParseInt(at, 10, 64); now.Sub(time.Unix(n, 0)) > grace {
				seats = append(seats, seat{key, p, at})
			}
		}
	}
	if len(seats) == 0 {
		return 0, nil
	}
	pipe = s.rdb.Pipeline()
	held := make([]*redis.BoolCmd, len(seats))
	for i, st := range seats {
		held[i] = pipe.HExists(ctx, s.keys.bookings(st.participant), st.key)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("store: tidy rosters: %w", err)
	}
	freed := 0
	for i, st := range seats {
		if held[i].Val() {
			continue
		}
		n, err := freeSeatScript.Run(ctx, s.rdb, []string{s.keys.roster(st.key)}, st.participant, st.claimed).Int()
		if err != nil {
			return freed, fmt.Errorf("store: tidy rosters: %w", err)
		}
		freed += n
	}
	return freed, nil
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
	out, err := s.rdb.ZRangeByScore(ctx, s.keys.rosters(), &redis.ZRangeBy{
		Min: "(" + strconv.FormatInt(s.now().Unix(), 10), Max: "+inf"}).Result()
	if err != nil {
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
