package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/message"
)

func (k keys) suppressed(id string) string { return k.of(id) + "suppressed" }

// Suppress marks a participant as not to be sent anything (reminders included) until
// Unsuppress. It outlives "forget me" on purpose: an opt-out must hold.
func (s *Store) Suppress(ctx context.Context, id, reason string) error {
	if err := s.rdb.Set(ctx, s.keys.suppressed(id), reason, 0).Err(); err != nil {
		return fmt.Errorf("store: suppress: %w", err)
	}
	return nil
}

// Unsuppress lifts a suppression.
func (s *Store) Unsuppress(ctx context.Context, id string) error {
	if err := s.rdb.Del(ctx, s.keys.suppressed(id)).Err(); err != nil {
		return fmt.Errorf("store: unsuppress: %w", err)
	}
	return nil
}

// Suppressed returns the reason a participant is suppressed, or "" when not.
func (s *Store) Suppressed(ctx context.Context, id string) (string, error) {
	v, err := s.rdb.Get(ctx, s.keys.suppressed(id)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: suppressed: %w", err)
	}
	return v, nil
}

// SuppressedAmong returns the reason of each suppressed participant among ids, in one
// round trip (a pipeline of GETs, which a cluster client splits by node).
func (s *Store) SuppressedAmong(ctx context.Context, ids []string) (map[string]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.Get(ctx, s.keys.suppressed(id))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("store: suppressed: %w", err)
	}
	var out map[string]string
	for i, c := range cmds {
		if v := c.Val(); v != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[ids[i]] = v
		}
	}
	return out, nil
}

// Enqueue queues one outbound message on a channel's outbox outside a conversation
// step, such as a channel's own confirmation of an opt-out.
func (s *Store) Enqueue(ctx context.Context, channel string, msg message.Outbound) error {
	payload, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("store: enqueue: %w", err)
	}
	stream := s.keys.stream(s.keys.shard(recipient(channel, msg)), Outbox(channel))
	err = s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []string{"m", string(payload)}}).Err()
	if err != nil {
		return fmt.Errorf("store: enqueue: %w", err)
	}
	return nil
}

// recipient is whose shard a message is queued in: its participant's, so that it
// keeps its place among the replies their conversation queues.
func recipient(channel string, msg message.Outbound) string {
	if msg.Participant != "" {
		return msg.Participant
	}
	return message.ParticipantID(channel, msg.To)
}

// Remember claims a provider id for the dedupe TTL; false means it was seen before.
// Channels use it for ids that never reach a conversation (status callbacks, opt-outs).
func (s *Store) Remember(ctx context.Context, id, providerID string) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.keys.seen(id, providerID), "1", s.opt.DedupeTTL).Result()
	if err != nil {
		return false, fmt.Errorf("store: remember: %w", err)
	}
	return ok, nil
}

// recordScript writes a record's fields unless it already holds a later stage: Twilio's
// status callbacks may arrive out of order, and a late "sent" must not undo "delivered".
var recordScript = redis.NewScript(`
local stored = tonumber(redis.call('HGET', KEYS[1], 'rank') or '-1')
if tonumber(ARGV[1]) <= stored then return 0 end
redis.call('HSET', KEYS[1], 'rank', ARGV[1], unpack(ARGV, 3))
if tonumber(ARGV[2]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 1
`)

// SetRecord keeps a small channel record, such as an SMS delivery status, under a key
// of the caller's choosing below the prefix. rank orders the stages: a record of a
// lower or equal rank than the stored one is ignored (false).
func (s *Store) SetRecord(ctx context.Context, key string, rank int, fields map[string]string, ttlSeconds int) (bool, error) {
	args := make([]any, 0, 2+2*len(fields))
	args = append(args, rank, ttlSeconds)
	for k, v := range fields {
		args = append(args, k, v)
	}
	n, err := recordScript.Run(ctx, s.rdb, []string{s.keys.prefix + "gb:" + key}, args...).Int()
	if err != nil {
		return false, fmt.Errorf("store: record %s: %w", key, err)
	}
	return n == 1, nil
}

// Record reads a record written with SetRecord.
func (s *Store) Record(ctx context.Context, key string) (map[string]string, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.prefix+"gb:"+key).Result()
	if err != nil {
		return nil, fmt.Errorf("store: record %s: %w", key, err)
	}
	return m, nil
}

// spendScript adds ARGV[1] to a recipient's day unless the total would pass ARGV[2];
// the day's key lasts two days.
var spendScript = redis.NewScript(`
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if n == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], 172800) end
if n > tonumber(ARGV[2]) then
  redis.call('DECRBY', KEYS[1], ARGV[1])
  return 0
end
return 1`)

// Spend adds cost to what id was sent on day unless that would pass limit, and says
// whether it did: the outbox's daily cost guard (SMS parts a number gets a day).
func (s *Store) Spend(ctx context.Context, id, day string, cost, limit int) (bool, error) {
	ok, err := spendScript.Run(ctx, s.rdb, []string{s.keys.spent(id, day)}, cost, limit).Int()
	if err != nil {
		return false, fmt.Errorf("store: spend: %w", err)
	}
	return ok == 1, nil
}
