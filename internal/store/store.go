package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
)

// Options tune retention.
type Options struct {
	Prefix        string        // prepended to every key; tests use their own
	DedupeTTL     time.Duration // how long a provider message id is remembered [24h]
	TranscriptTTL time.Duration // [30 days]
	TranscriptCap int           // entries kept per participant [50]
	// InboundWindow is the window of the per-sender inbound limit: Load counts a
	// participant's messages in the current one (Record.Recent); 0: not counted.
	InboundWindow time.Duration
	Now           func() time.Time // the clock of the inbound windows [time.Now]
	// Shards is how many shards participants are spread over [1 on one Redis,
	// DefaultClusterShards on Redis Cluster]. It must not change while data is kept:
	// CheckShards guards it.
	Shards int
}

// DefaultClusterShards is the shards on Redis Cluster: enough to spread over
// 16 masters, few enough that a sender's read of every shard stays cheap.
const DefaultClusterShards = 16

// Store is the Redis side of guidebot.
type Store struct {
	rdb  redis.UniversalClient
	keys keys
	opt  Options
}

// New returns a Store on rdb.
func New(rdb redis.UniversalClient, opt Options) *Store {
	if opt.DedupeTTL == 0 {
		opt.DedupeTTL = 24 * time.Hour
	}
	if opt.TranscriptTTL == 0 {
		opt.TranscriptTTL = 30 * 24 * time.Hour
	}
	if opt.TranscriptCap == 0 {
		opt.TranscriptCap = 50
	}
	if opt.Shards <= 0 {
		opt.Shards = 1
		if _, cluster := rdb.(*redis.ClusterClient); cluster {
			opt.Shards = DefaultClusterShards
		}
	}
	return &Store{rdb: rdb, keys: keys{prefix: opt.Prefix, shards: opt.Shards}, opt: opt}
}

// Shards is the number of shards the store spreads participants over.
func (s *Store) Shards() int { return s.opt.Shards }

// ErrShards means the data in Redis was written with another number of shards.
var ErrShards = errors.New("store: the data was written with another number of shards")

// CheckShards records the store's number of shards in Redis on first use and fails
// with ErrShards when the data there was written with another.
func (s *Store) CheckShards(ctx context.Context) error {
	if err := s.rdb.SetNX(ctx, s.keys.shardsKey(), s.opt.Shards, 0).Err(); err != nil {
		return fmt.Errorf("store: shards: %w", err)
	}
	n, err := s.rdb.Get(ctx, s.keys.shardsKey()).Int()
	if err != nil {
		return fmt.Errorf("store: shards: %w", err)
	}
	if n != s.opt.Shards {
		return fmt.Errorf("%w: %d, not %d", ErrShards, n, s.opt.Shards)
	}
	return nil
}

// Record is a participant's state with the version it was read at.
type Record struct {
	Version int64
	State   flow.State
	// Suppressed is the reason the participant is not to be sent anything, or "".
	Suppressed string
	// Recent is how many messages the participant sent in the inbound limit's
	// window, this one included; NewInWindow says this one was counted just now
	// (not a provider's retry). Zero when the store does not count.
	Recent      int64
	NewInWindow bool
}

// countInbound adds a message id to the window's set and returns its size: negative
// when the id was there already. The set expires after two windows.
const countInbound = `
local added = redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
local n = redis.call('SCARD', KEYS[1])
if added == 1 then return n end
return -n`

// ErrDuplicate means the provider message id was handled before.
var ErrDuplicate = errors.New("store: duplicate message")

// ErrConflict means another message for the participant committed first.
var ErrConflict = errors.New("store: version conflict")

// pendingField is the state hash's field that holds flow.State.Pending: written when
// a reminder goes out, cleared by the commit of the message that answered it.
const pendingField = "r"

// Load reads a participant, their bookings and their suppression in one round trip
// and reports a message id seen before.
func (s *Store) Load(ctx context.Context, id, msgID string) (Record, error) {
	return s.load(ctx, id, msgID, false)
}

// LoadInbound is Load for a message the participant sent, which counts in their
// inbound window (Options.InboundWindow; Record.Recent) in the same round trip. The
// service's own nudges (ticks) load with Load and count for nothing.
func (s *Store) LoadInbound(ctx context.Context, id, msgID string) (Record, error) {
	return s.load(ctx, id, msgID, true)
}

func (s *Store) load(ctx context.Context, id, msgID string, inbound bool) (Record, error) {
	pipe := s.rdb.Pipeline()
	get := pipe.HMGet(ctx, s.keys.state(id), "v", "d", pendingField)
	handoff := pipe.HGet(ctx, s.keys.handoffOpen(), id)
	bookings := pipe.HGetAll(ctx, s.keys.bookings(id))
	suppressed := pipe.Get(ctx, s.keys.suppressed(id))
	var seen *redis.IntCmd
	var recent *redis.Cmd
	if msgID != "" {
		seen = pipe.Exists(ctx, s.keys.seen(id, msgID))
		if w := s.opt.InboundWindow; w > 0 && inbound {
			// In the same round trip: the message ids of the window, so a provider's
			// retry or a version conflict's second load is not counted twice.
			window := s.now().UnixNano() / int64(w)
			recent = pipe.Eval(ctx, countInbound, []string{s.keys.inbound(id, window)}, msgID, int(2*w/time.Second))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return Record{}, fmt.Errorf("store: load: %w", err)
	}
	if seen != nil && seen.Val() > 0 {
		return Record{}, ErrDuplicate
	}
	vals := get.Val()
	rec := Record{Suppressed: suppressed.Val()}
	if recent != nil {
		if n, err := recent.Int64(); err == nil {
			rec.Recent, rec.NewInWindow = max(n, -n), n > 0
		}
	}
	if len(vals) == 3 && vals[0] != nil && vals[1] != nil {
		v, _ := vals[0].(string)
		d, _ := vals[1].(string)
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return Record{}, fmt.Errorf("store: load %s: bad version %q", id, v)
		}
		rec.Version = n
		if err := json.Unmarshal([]byte(d), &rec.State); err != nil {
			return Record{}, fmt.Errorf("store: load %s: %w", id, err)
		}
		rec.State.Pending, _ = vals[2].(string)
		rec.State.Handoff, rec.State.Relay = splitHandoff(handoff.Val())
		bs, err := decodeBookings(bookings.Val())
		if err != nil {
			return Record{}, fmt.Errorf("store: load %s: %w", id, err)
		}
		rec.State.Bookings = bs
	}
	return rec, nil
}

// Language returns the language a participant reads, "" for one not (or no longer)
// known: the channel answers its own keywords (STOP, HELP) in it.
func (s *Store) Language(ctx context.Context, id string) (string, error) {
	d, err := s.rdb.HGet(ctx, s.keys.state(id), "d").Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: language: %w", err)
	}
	var st struct {
		Lang string `json:"l"`
	}
	if err := json.Unmarshal([]byte(d), &st); err != nil {
		return "", fmt.Errorf("store: language %s: %w", id, err)
	}
	return st.Lang, nil
}

// Commit is everything one handled message changes, written atomically.
type Commit struct {
	ID      string
	MsgID   string // dedupe key; "" for none
	Version int64  // the version the state was read at
	State   flow.State
	Forget  bool // delete the participant instead of saving
	// Unblock lifts a "blocked" suppression: the participant wrote, so they can be
	// reached again. An opt-out is not lifted this way.
	Unblock    bool
	Transcript []string // entries to append
	Appends    []Append // stream entries: outbox messages, feedback, bookings
	// ClearPending is the reminder answer the message consumed (flow.State.Pending
	// as loaded): cleared unless a newer reminder went out meanwhile.
	ClearPending string
	// Release lists the bookings a forgotten participant held: their seats are
	// freed and their reminders removed with the rest.
	Release []flow.Booking
}

// Append is one entry for a stream; Stream is "outbox:<channel>", "feedback", ….
type Append struct {
	Stream  string
	Payload string
}

// Outbox names a channel's outbox stream for an Append.
func Outbox(channel string) string { return "outbox:" + channel }

// commitScript checks the version, claims the dedupe key, lifts a "blocked"
// suppression when asked, clears an answered reminder, saves or deletes the state
// (with a forgotten participant's bookings, reminders and ticks), appends the
// transcript and the stream entries: all or nothing, all in the participant's shard.
//
// KEYS: state, seen, transcript, suppressed, bookings, booked, remindDue, remindData,
// tickDue, tickData, then the streams to append to.
// ARGV: version, data (” forgets), dedupe ttl, transcript cap, transcript ttl,
// n transcript entries, unblock, the blocked reason, pending to clear, nm reminder
// and tick ids; then those ids, the transcript entries and the stream payloads.
var commitScript = redis.NewScript(`
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if v ~= tonumber(ARGV[1]) then return -1 end
if ARGV[3] ~= '0' then
  if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) then return -2 end
end
if ARGV[7] == '1' and redis.call('GET', KEYS[4]) == ARGV[8] then
  redis.call('DEL', KEYS[4])
end
local nv = v + 1
local n = tonumber(ARGV[6])
local nm = tonumber(ARGV[10])
local first = 11 + nm
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1], KEYS[3], KEYS[5], KEYS[6])
  nv = 0
  for i = 11, 10 + nm do
    redis.call('ZREM', KEYS[7], ARGV[i])
    redis.call('HDEL', KEYS[8], ARGV[i])
    redis.call('ZREM', KEYS[9], ARGV[i])
    redis.call('HDEL', KEYS[10], ARGV[i])
  end
else
  redis.call('HSET', KEYS[1], 'v', nv, 'd', ARGV[2])
  if ARGV[9] ~= '' and redis.call('HGET', KEYS[1], 'r') == ARGV[9] then
    redis.call('HDEL', KEYS[1], 'r')
  end
  if n > 0 then
    redis.call('RPUSH', KEYS[3], unpack(ARGV, first, first - 1 + n))
    redis.call('LTRIM', KEYS[3], -tonumber(ARGV[4]), -1)
    redis.call('EXPIRE', KEYS[3], ARGV[5])
  end
end
local i = first + n
for k = 11, #KEYS do
  redis.call('XADD', KEYS[k], '*', 'm', ARGV[i])
  i = i + 1
end
return nv
`)

// Commit writes c in one round trip. It returns the new version, ErrConflict when
// another message won the race, or ErrDuplicate when the message id was taken.
// A forgotten participant's seats are given back after the commit (the rosters
// are in another slot); a crash in between leaves them to TidyRosters.
func (s *Store) Commit(ctx context.Context, c Commit) (int64, error) {
	data := ""
	if !c.Forget {
		b, err := json.Marshal(c.State)
		if err != nil {
			return 0, fmt.Errorf("store: encode: %w", err)
		}
		data = string(b)
	}
	ttl := "0"
	seenKey := s.keys.state(c.ID) // any key of the same slot when there is no id
	if c.MsgID != "" {
		ttl = strconv.Itoa(int(s.opt.DedupeTTL / time.Second))
		seenKey = s.keys.seen(c.ID, c.MsgID)
	}
	var release []flow.Booking
	var reminders []string
	if c.Forget {
		release = c.Release
		for _, b := range release {
			reminders = append(append(reminders, b.Reminders...), b.Ticks...)
		}
	}
	shard := s.keys.shard(c.ID)
	keys := make([]string, 0, 10+len(c.Appends))
	keys = append(keys, s.keys.state(c.ID), seenKey, s.keys.transcript(c.ID), s.keys.suppressed(c.ID),
		s.keys.bookings(c.ID), s.keys.booked(c.ID), s.keys.remindDue(shard), s.keys.remindData(shard),
		s.keys.tickDue(shard), s.keys.tickData(shard))
	unblock := "0"
	if c.Unblock {
		unblock = "1"
	}
	args := make([]any, 0, 10+len(reminders)+len(c.Transcript)+len(c.Appends))
	args = append(args, c.Version, data, ttl, s.opt.TranscriptCap,
		int(s.opt.TranscriptTTL/time.Second), len(c.Transcript),
		unblock, message.Blocked, c.ClearPending, len(reminders))
	for _, r := range reminders {
		args = append(args, r)
	}
	for _, t := range c.Transcript {
		args = append(args, t)
	}
	for _, a := range c.Appends {
		keys = append(keys, s.keys.stream(shard, a.Stream))
		args = append(args, a.Payload)
	}
	n, err := commitScript.Run(ctx, s.rdb, keys, args...).Int64()
	switch {
	case err != nil:
		return 0, fmt.Errorf("store: commit: %w", err)
	case n == -1:
		return 0, ErrConflict
	case n == -2:
		return 0, ErrDuplicate
	}
	if len(release) > 0 {
		// The participant is forgotten whatever comes of this: a seat not given
		// back now is TidyRosters's to give back.
		_ = s.leaveRosters(ctx, c.ID, release)
	}
	return n, nil
}

// Transcript returns a participant's kept transcript entries, oldest first.
func (s *Store) Transcript(ctx context.Context, id string) ([]string, error) {
	out, err := s.rdb.LRange(ctx, s.keys.transcript(id), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("store: transcript: %w", err)
	}
	return out, nil
}

// MemoryUsage reports Redis's MEMORY USAGE of a participant's state record.
func (s *Store) MemoryUsage(ctx context.Context, id string) (int64, error) {
	n, err := s.rdb.MemoryUsage(ctx, s.keys.state(id)).Result()
	if err != nil {
		return 0, fmt.Errorf("store: memory usage: %w", err)
	}
	return n, nil
}

func (s *Store) now() time.Time {
	if s.opt.Now != nil {
		return s.opt.Now()
	}
	return time.Now()
}
