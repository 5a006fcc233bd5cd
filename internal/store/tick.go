package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Tick is a nudge for one participant's conversation at a set time: the flows'
// follow-ups ("did you get the help you needed?" the day after a session). The
// runner delivers it as an inbound message, so it goes through the same handling,
// locking and deduplication as anything the participant writes.
type Tick struct {
	ID          string    `json:"id"` // unique; the dedupe key of its handling
	Participant string    `json:"p"`
	Channel     string    `json:"c"`
	Address     string    `json:"a"`
	Step        string    `json:"s"` // the step the conversation goes to
	Due         time.Time `json:"-"`
}

// The tick keys: a sorted set of ids by due time (or lease expiry, once claimed)
// and their payloads.
func (k keys) tickDue(shard int) string  { return k.inShard(shard) + "tick:due" }
func (k keys) tickData(shard int) string { return k.inShard(shard) + "tick:data" }

func tickData(t Tick) (string, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return "", fmt.Errorf("store: tick: %w", err)
	}
	return string(b), nil
}

// claimTicksScript leases up to ARGV[3] ticks due by ARGV[1]: each is pushed back to
// ARGV[2] (now + lease), so a replica that dies before it is done leaves it to come
// due again, and returned with its payload.
var claimTicksScript = redis.NewScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], ARGV[2], id)
  local data = redis.call('HGET', KEYS[2], id)
  if data then table.insert(out, data) else redis.call('ZREM', KEYS[1], id) end
end
return out
`)

// ClaimTicks leases up to max ticks of each shard due by now for lease.
func (s *Store) ClaimTicks(ctx context.Context, now time.Time, lease time.Duration, max int) ([]Tick, error) {
	var out []Tick
	for shard := range s.opt.Shards {
		res, err := claimTicksScript.Run(ctx, s.rdb, []string{s.keys.tickDue(shard), s.keys.tickData(shard)},
			now.UnixMilli(), now.Add(lease).UnixMilli(), max).StringSlice()
		if err != nil {
			return out, fmt.Errorf("store: claim ticks: %w", err)
		}
		for _, data := range res {
			var t Tick
			if err := json.Unmarshal([]byte(data), &t); err != nil {
				return out, fmt.Errorf("store: claim ticks: %w", err)
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// TickDone forgets a delivered tick.
func (s *Store) TickDone(ctx context.Context, t Tick) error {
	shard := s.keys.shard(t.Participant)
	pipe := s.rdb.TxPipeline()
	pipe.ZRem(ctx, s.keys.tickDue(shard), t.ID)
	pipe.HDel(ctx, s.keys.tickData(shard), t.ID)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store: tick done: %w", err)
	}
	return nil
}

// PendingTicks counts the ticks not yet delivered.
func (s *Store) PendingTicks(ctx context.Context) (int64, error) {
	return s.countShards(ctx, s.keys.tickDue)
}

// ScheduleTick keeps t until it is due; scheduling the same id again moves it.
func (s *Store) ScheduleTick(ctx context.Context, t Tick) error {
	data, err := tickData(t)
	if err != nil {
		return err
	}
	shard := s.keys.shard(t.Participant)
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, s.keys.tickData(shard), t.ID, data)
	pipe.ZAdd(ctx, s.keys.tickDue(shard), redis.Z{Score: float64(t.Due.UnixMilli()), Member: t.ID})
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store: tick: %w", err)
	}
	return nil
}
