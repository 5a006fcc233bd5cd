package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// group is the consumer group every sender of a channel belongs to, so each outbox
// entry goes to exactly one replica.
const group = "senders"

// Entry is one outbox message as read by a sender.
type Entry struct {
	ID      string
	Payload string
}

// OutboxReader reads a channel's outbox through the consumer group.
type OutboxReader struct {
	rdb      redis.UniversalClient
	stream   string
	consumer string
}

// Outbox returns a reader of channel's outbox for one consumer (a replica's sender).
func (s *Store) Outbox(ctx context.Context, channel, consumer string) (*OutboxReader, error) {
	o := &OutboxReader{rdb: s.rdb, stream: s.keys.stream(Outbox(channel)), consumer: consumer}
	if err := o.ensureGroup(ctx); err != nil {
		return nil, err
	}
	return o, nil
}

// ensureGroup creates the stream and its consumer group unless they exist.
func (o *OutboxReader) ensureGroup(ctx context.Context) error {
	err := o.rdb.XGroupCreateMkStream(ctx, o.stream, group, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("store: outbox group: %w", err)
	}
	return nil
}

// Read returns up to count new entries, waiting up to block (negative: not at all).
// A Redis that restarted without its data has lost the consumer group too; Read
// makes it again rather than fail until guidebot restarts.
func (o *OutboxReader) Read(ctx context.Context, count int, block time.Duration) ([]Entry, error) {
	args := &redis.XReadGroupArgs{
		Group: group, Consumer: o.consumer, Streams: []string{o.stream, ">"},
		Count: int64(count), Block: block,
	}
	res, err := o.rdb.XReadGroup(ctx, args).Result()
	if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
		if gerr := o.ensureGroup(ctx); gerr != nil {
			return nil, gerr
		}
		res, err = o.rdb.XReadGroup(ctx, args).Result()
	}
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: outbox read: %w", err)
	}
	var out []Entry
	for _, st := range res {
		out = append(out, entries(st.Messages)...)
	}
	return out, nil
}

// Reclaim takes over entries another consumer read but did not finish within minIdle
// (it crashed, or a send is being retried).
func (o *OutboxReader) Reclaim(ctx context.Context, minIdle time.Duration, count int) ([]Entry, error) {
	msgs, _, err := o.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: o.stream, Group: group, Consumer: o.consumer, MinIdle: minIdle, Start: "0", Count: int64(count),
	}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("store: outbox reclaim: %w", err)
	}
	return entries(msgs), nil
}

// Done acknowledges and deletes delivered (or permanently failed) entries.
func (o *OutboxReader) Done(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	pipe := o.rdb.TxPipeline()
	pipe.XAck(ctx, o.stream, group, ids...)
	pipe.XDel(ctx, o.stream, ids...)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store: outbox done: %w", err)
	}
	return nil
}

func entries(msgs []redis.XMessage) []Entry {
	out := make([]Entry, 0, len(msgs))
	for _, m := range msgs {
		p, _ := m.Values["m"].(string)
		out = append(out, Entry{ID: m.ID, Payload: p})
	}
	return out
}

// renewScript extends the lease on the entries this consumer still owns (XCLAIM with
// JUSTID resets their idle time without counting a delivery) and returns the ids it
// no longer owns: another consumer reclaimed them, or they are gone.
var renewScript = redis.NewScript(`
local mine = {}
local lost = {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    mine[#mine + 1] = ARGV[i]
  else
    lost[#lost + 1] = ARGV[i]
  end
end
if #mine > 0 then
  mine[#mine + 1] = 'JUSTID'
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, unpack(mine))
end
return lost
`)

// Renew extends this consumer's lease on ids and returns those it lost.
func (o *OutboxReader) Renew(ctx context.Context, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, 0, 2+len(ids))
	args = append(args, group, o.consumer)
	for _, id := range ids {
		args = append(args, id)
	}
	lost, err := renewScript.Run(ctx, o.rdb, []string{o.stream}, args...).StringSlice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("store: outbox renew: %w", err)
	}
	return lost, nil
}
