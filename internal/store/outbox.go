package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/pace"
)

// group is the consumer group every sender of a channel belongs to, so each outbox
// entry goes to exactly one replica.
const group = "senders"

// With more than one shard a sender cannot block on all its streams in one command
// (a cluster refuses a command across slots), so a watcher per shard blocks on its
// stream (XREAD, which claims nothing) and wakes the reader, which then reads every
// shard in one pipeline. A wake-up can be missed in the moment a watcher starts its
// next wait; the reader looks again after rescanEvery at the latest.
const (
	watchBlock  = 5 * time.Second
	rescanEvery = 100 * time.Millisecond
	watchRetry  = time.Second
)

// Entry is one outbox message as read by a sender. Its ID names the shard and the
// stream entry ("3/1700000000000-0").
type Entry struct {
	ID      string
	Payload string
}

// OutboxReader reads a channel's outbox, one stream per shard, through the
// consumer group.
type OutboxReader struct {
	rdb      redis.UniversalClient
	streams  []string // by shard
	consumer string

	mu       sync.Mutex
	watching bool
	wake     chan struct{}
}

// Outbox returns a reader of channel's outbox for one consumer (a replica's sender).
func (s *Store) Outbox(ctx context.Context, channel, consumer string) (*OutboxReader, error) {
	o := &OutboxReader{rdb: s.rdb, consumer: consumer, wake: make(chan struct{}, 1)}
	for shard := range s.opt.Shards {
		o.streams = append(o.streams, s.keys.stream(shard, Outbox(channel)))
	}
	for shard := range o.streams {
		if err := o.ensureGroup(ctx, shard); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// ensureGroup creates a shard's stream and its consumer group unless they exist.
func (o *OutboxReader) ensureGroup(ctx context.Context, shard int) error {
	err := o.rdb.XGroupCreateMkStream(ctx, o.streams[shard], group, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("store: outbox group: %w", err)
	}
	return nil
}

// Read returns up to count new entries (on several shards, up to one more a
// shard), waiting up to block (negative: not at all). A Redis that restarted without its data has lost the consumer groups too; Read
// makes them again rather than fail until guidebot restarts.
func (o *OutboxReader) Read(ctx context.Context, count int, block time.Duration) ([]Entry, error) {
	if len(o.streams) == 1 {
		return o.readShard(ctx, 0, count, block)
	}
	out, err := o.poll(ctx, count, true)
	if err != nil || len(out) > 0 || block < 0 {
		return out, err
	}
	o.watch(ctx)
	t := time.NewTimer(min(block, rescanEvery))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-o.wake:
	case <-t.C:
	}
	return o.poll(ctx, count, true)
}

// readShard reads one shard's stream, blocking as Read does.
func (o *OutboxReader) readShard(ctx context.Context, shard, count int, block time.Duration) ([]Entry, error) {
	args := &redis.XReadGroupArgs{
		Group: group, Consumer: o.consumer, Streams: []string{o.streams[shard], ">"},
		Count: int64(count), Block: block,
	}
	res, err := o.rdb.XReadGroup(ctx, args).Result()
	if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
		if gerr := o.ensureGroup(ctx, shard); gerr != nil {
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
		out = append(out, entries(shard, st.Messages)...)
	}
	return out, nil
}

// poll reads every shard without waiting. A shard whose group was lost gets it
// back and, when again is set, is read once more.
func (o *OutboxReader) poll(ctx context.Context, count int, again bool) ([]Entry, error) {
	out, failed := o.gather(ctx, count, func(pipe redis.Pipeliner, shard int, n int64) func() ([]redis.XMessage, error) {
		c := pipe.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: group, Consumer: o.consumer, Streams: []string{o.streams[shard], ">"}, Count: n, Block: -1})
		return func() ([]redis.XMessage, error) {
			res, err := c.Result()
			var msgs []redis.XMessage
			for _, st := range res {
				msgs = append(msgs, st.Messages...)
			}
			return msgs, err
		}
	})
	var err error
	regrouped := false
	for shard, ferr := range failed {
		if !strings.HasPrefix(ferr.Error(), "NOGROUP") {
			err = ferr
			continue
		}
		if gerr := o.ensureGroup(ctx, shard); gerr != nil {
			err = gerr
		}
		regrouped = true
	}
	if regrouped && again && err == nil && len(out) < count {
		more, err := o.poll(ctx, count-len(out), false)
		return append(out, more...), err
	}
	if len(out) == 0 && err != nil {
		return nil, fmt.Errorf("store: outbox read: %w", err)
	}
	return out, nil
}

// gather takes up to count entries from the shards, in pipelines (which a cluster
// client splits by node): each shard is asked for an equal share, rounded up, and
// those that gave all they were asked are asked again for a share of what is left,
// so a busy shard is not held to its share while the others are empty, nor does it
// keep them waiting. It returns the shards that failed, and why.
func (o *OutboxReader) gather(ctx context.Context, count int,
	read func(pipe redis.Pipeliner, shard int, n int64) func() ([]redis.XMessage, error)) ([]Entry, map[int]error) {
	shards := make([]int, len(o.streams))
	for i := range shards {
		shards[i] = i
	}
	var out []Entry
	var failed map[int]error
	for len(shards) > 0 && len(out) < count {
		share := (count - len(out) + len(shards) - 1) / len(shards)
		pipe := o.rdb.Pipeline()
		results := make([]func() ([]redis.XMessage, error), len(shards))
		for i, shard := range shards {
			results[i] = read(pipe, shard, int64(share))
		}
		_, _ = pipe.Exec(ctx)
		var more []int
		for i, shard := range shards {
			msgs, err := results[i]()
			if err != nil && !errors.Is(err, redis.Nil) {
				if failed == nil {
					failed = map[int]error{}
				}
				failed[shard] = err
				continue
			}
			out = append(out, entries(shard, msgs)...)
			if len(msgs) == share {
				more = append(more, shard)
			}
		}
		shards = more
	}
	// In the order they were queued, as one stream would give them: the
	// dispatcher's fairness starts from that order.
	slices.SortStableFunc(out, compareEntries)
	return out, failed
}

// watch starts the watchers unless they run; they stop with ctx.
func (o *OutboxReader) watch(ctx context.Context) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.watching {
		return
	}
	o.watching = true
	var wg sync.WaitGroup
	for _, stream := range o.streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o.watchStream(ctx, stream)
		}()
	}
	go func() {
		wg.Wait()
		o.mu.Lock()
		o.watching = false
		o.mu.Unlock()
	}()
}

// watchStream wakes the reader whenever an entry is added to stream. A watcher
// with a wake-up pending waits for the reader to take it before it watches again,
// so a busy outbox costs no extra reads.
func (o *OutboxReader) watchStream(ctx context.Context, stream string) {
	for ctx.Err() == nil {
		err := o.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{stream, "$"}, Count: 1, Block: watchBlock}).Err()
		switch {
		case errors.Is(err, redis.Nil):
			continue
		case err != nil:
			_ = pace.Sleep(ctx, watchRetry)
			continue
		}
		select {
		case o.wake <- struct{}{}:
		case <-ctx.Done():
		}
	}
}

// Reclaim takes over entries another consumer read but did not finish within minIdle
// (it crashed, or a send is being retried).
func (o *OutboxReader) Reclaim(ctx context.Context, minIdle time.Duration, count int) ([]Entry, error) {
	out, failed := o.gather(ctx, count, func(pipe redis.Pipeliner, shard int, n int64) func() ([]redis.XMessage, error) {
		c := pipe.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream: o.streams[shard], Group: group, Consumer: o.consumer, MinIdle: minIdle, Start: "0", Count: n,
		})
		return func() ([]redis.XMessage, error) {
			msgs, _, err := c.Result()
			return msgs, err
		}
	})
	for _, err := range failed {
		return out, fmt.Errorf("store: outbox reclaim: %w", err)
	}
	return out, nil
}

// Done acknowledges and deletes delivered (or permanently failed) entries.
func (o *OutboxReader) Done(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	byShard, err := o.byShard(ids)
	if err != nil {
		return fmt.Errorf("store: outbox done: %w", err)
	}
	pipe := o.rdb.Pipeline()
	for shard, ids := range byShard {
		// Acknowledged first: an entry acknowledged and not deleted is never sent
		// again, one deleted and not acknowledged would be.
		pipe.XAck(ctx, o.streams[shard], group, ids...)
		pipe.XDel(ctx, o.streams[shard], ids...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store: outbox done: %w", err)
	}
	return nil
}

// byShard splits entry ids into the stream ids of each shard.
func (o *OutboxReader) byShard(ids []string) (map[int][]string, error) {
	out := map[int][]string{}
	for _, id := range ids {
		shard, streamID, err := splitEntryID(id)
		if err != nil {
			return nil, err
		}
		if shard >= len(o.streams) {
			return nil, fmt.Errorf("entry %q: no shard %d", id, shard)
		}
		out[shard] = append(out[shard], streamID)
	}
	return out, nil
}

func entries(shard int, msgs []redis.XMessage) []Entry {
	out := make([]Entry, 0, len(msgs))
	prefix := strconv.Itoa(shard) + "/"
	for _, m := range msgs {
		p, _ := m.Values["m"].(string)
		out = append(out, Entry{ID: prefix + m.ID, Payload: p})
	}
	return out
}

// splitEntryID reads an Entry's ID back into its shard and stream id.
func splitEntryID(id string) (int, string, error) {
	s, streamID, ok := strings.Cut(id, "/")
	shard, err := strconv.Atoi(s)
	if !ok || err != nil || shard < 0 {
		return 0, "", fmt.Errorf("entry %q: not shard/id", id)
	}
	return shard, streamID, nil
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
	byShard, err := o.byShard(ids)
	if err != nil {
		return nil, fmt.Errorf("store: outbox renew: %w", err)
	}
	var lost []string
	for shard, ids := range byShard {
		args := make([]any, 0, 2+len(ids))
		args = append(args, group, o.consumer)
		for _, id := range ids {
			args = append(args, id)
		}
		l, err := renewScript.Run(ctx, o.rdb, []string{o.streams[shard]}, args...).StringSlice()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("store: outbox renew: %w", err)
		}
		for _, id := range l {
			lost = append(lost, strconv.Itoa(shard)+"/"+id)
		}
	}
	return lost, nil
}
