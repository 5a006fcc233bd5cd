package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/message"
)

// Reminder is one message to go out at a set time before a session.
type Reminder struct {
	ID      string // unique; the booking and the offset, so a cancel can name it
	Due     time.Time
	Starts  time.Time // the session's start: a reminder not out by then is dropped
	Channel string
	Message message.Outbound
	// Participant and Booking, when set, make the reminder the one the
	// participant's next "1" or "2" answers once it has gone out.
	Participant string
	Booking     string
}

// The reminder keys of a shard: a sorted set of ids by due time, and their payloads.
func (k keys) remindDue(shard int) string  { return k.inShard(shard) + "remind:due" }
func (k keys) remindData(shard int) string { return k.inShard(shard) + "remind:data" }

// recipient is whose shard the reminder is kept in.
func (r Reminder) recipient() string {
	if r.Participant != "" {
		return r.Participant
	}
	return r.Message.Participant
}

// ScheduleReminder keeps r until it is due; scheduling the same id again moves it.
func (s *Store) ScheduleReminder(ctx context.Context, r Reminder) error {
	data, err := s.reminderData(r)
	if err != nil {
		return err
	}
	shard := s.keys.shard(r.recipient())
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, s.keys.remindData(shard), r.ID, data)
	pipe.ZAdd(ctx, s.keys.remindDue(shard), redis.Z{Score: float64(r.Due.UnixMilli()), Member: r.ID})
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store: reminder: %w", err)
	}
	return nil
}

// CancelReminders forgets reminders (a cancelled booking's) kept for participant.
func (s *Store) CancelReminders(ctx context.Context, participant string, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	members := make([]any, len(ids))
	for i, id := range ids {
		members[i] = id
	}
	shard := s.keys.shard(participant)
	pipe := s.rdb.TxPipeline()
	pipe.ZRem(ctx, s.keys.remindDue(shard), members...)
	pipe.HDel(ctx, s.keys.remindData(shard), ids...)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store: cancel reminders: %w", err)
	}
	return nil
}

type reminderData struct {
	Starts  int64  `json:"s"` // Unix milliseconds
	Channel string `json:"c"`
	Message string `json:"m"`           // the outbox entry, encoded
	State   string `json:"p,omitempty"` // the participant's state key, for Pending
	Booking string `json:"k,omitempty"`
}

// reminderData encodes r as the release script reads it. The message goes into the
// outbox as it is encoded here: the script only moves it.
func (s *Store) reminderData(r Reminder) (string, error) {
	msg, err := json.Marshal(r.Message)
	if err != nil {
		return "", fmt.Errorf("store: reminder: %w", err)
	}
	d := reminderData{Starts: r.Starts.UnixMilli(), Channel: r.Channel, Message: string(msg), Booking: r.Booking}
	if r.Participant != "" {
		d.State = s.keys.state(r.Participant)
	}
	data, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("store: reminder: %w", err)
	}
	return string(data), nil
}

// releaseScript moves due reminders into their channels' outboxes, up to ARGV[2] of
// them, all in one step: a reminder is in the due set or in an outbox, never both
// and never neither, so any number of replicas may run it at once and none can
// leave a half-done batch. One whose session has begun is dropped and counted, as
// is one for a channel this replica does not serve (it should not happen: every
// replica serves the same channels). KEYS[3..] are the outboxes of the channels
// named in ARGV[3..], in order, so the script declares every key it writes.
var releaseScript = redis.NewScript(`
local outbox = {}
for i = 3, #KEYS do outbox[ARGV[i + 1]] = KEYS[i] end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local queued, dropped, late, answers = 0, 0, 0, {}
for j = 1, #due, 2 do
  local id = due[j]
  local data = redis.call('HGET', KEYS[2], id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  if data then
    local r = cjson.decode(data)
    local key = outbox[r['c']]
    if tonumber(r['s']) <= tonumber(ARGV[1]) or not key then
      dropped = dropped + 1
    else
      redis.call('XADD', key, '*', 'm', r['m'])
      queued = queued + 1
      if tonumber(due[j + 1]) < tonumber(ARGV[3]) then late = late + 1 end
      if r['p'] then table.insert(answers, r['p']) table.insert(answers, r['k']) end
    end
  end
end
return {queued, dropped, answers, late}
`)

// Released is what one ReleaseDue did: reminders queued (Late of them more than
// LateAfter after they were due: the service was down or behind) and dropped
// because their session had begun.
type Released struct {
	Queued, Dropped, Late int
}

// LateAfter is how long past its due time a reminder counts as late.
const LateAfter = 2 * time.Minute

// ReleaseDue moves up to max reminders of each shard due by now into the outboxes
// of channels and reports how many went, how many of those late, and how many were
// dropped because their session had begun (after downtime).
func (s *Store) ReleaseDue(ctx context.Context, now time.Time, max int, channels []string) (Released, error) {
	var rel Released
	for shard := range s.opt.Shards {
		r, err := s.releaseShard(ctx, shard, now, max, channels)
		rel.Queued, rel.Dropped, rel.Late = rel.Queued+r.Queued, rel.Dropped+r.Dropped, rel.Late+r.Late
		if err != nil {
			return rel, err
		}
	}
	return rel, nil
}

func (s *Store) releaseShard(ctx context.Context, shard int, now time.Time, max int, channels []string) (Released, error) {
	keys := []string{s.keys.remindDue(shard), s.keys.remindData(shard)}
	args := []any{now.UnixMilli(), max, now.Add(-LateAfter).UnixMilli()}
	for _, ch := range channels {
		keys = append(keys, s.keys.stream(shard, Outbox(ch)))
		args = append(args, ch)
	}
	res, err := releaseScript.Run(ctx, s.rdb, keys, args...).Slice()
	if err != nil {
		return Released{}, fmt.Errorf("store: release reminders: %w", err)
	}
	if len(res) != 4 {
		return Released{}, fmt.Errorf("store: release reminders: %d results", len(res))
	}
	q, _ := res[0].(int64)
	d, _ := res[1].(int64)
	l, _ := res[3].(int64)
	rel := Released{Queued: int(q), Dropped: int(d), Late: int(l)}
	// The participants' next "1" or "2" answers the reminder just queued. Set after
	// the script, not in it: a script must name every key it writes, and these are
	// known only once it has run; a crash in between only leaves an answer to be
	// made by button or menu.
	if answers, _ := res[2].([]any); len(answers) > 0 {
		pipe := s.rdb.Pipeline()
		for i := 0; i+1 < len(answers); i += 2 {
			state, _ := answers[i].(string)
			key, _ := answers[i+1].(string)
			pipe.HSet(ctx, state, pendingField, key)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return rel, fmt.Errorf("store: reminders queued, answers not marked: %w", err)
		}
	}
	return rel, nil
}

// PendingReminders counts the reminders not yet due.
func (s *Store) PendingReminders(ctx context.Context) (int64, error) {
	return s.countShards(ctx, s.keys.remindDue)
}

// countShards adds up the ZCARD of a sorted set of every shard, in one round trip
// (a pipeline, which a cluster client splits by node).
func (s *Store) countShards(ctx context.Context, key func(shard int) string) (int64, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.IntCmd, s.opt.Shards)
	for shard := range cmds {
		cmds[shard] = pipe.ZCard(ctx, key(shard))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("store: count: %w", err)
	}
	var n int64
	for _, c := range cmds {
		n += c.Val()
	}
	return n, nil
}
