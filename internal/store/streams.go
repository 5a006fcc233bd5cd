package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"
)

// Entries lists a stream's entries in every shard, oldest first: the bookings and
// feedback a commit appended, an outbox's waiting messages.
func (s *Store) Entries(ctx context.Context, stream string) ([]Entry, error) {
	return s.entriesBetween(ctx, stream, "-", "+")
}

// entriesBetween is Entries from stream id from to to (XRANGE's bounds), in one
// pipeline (which a cluster client splits by node).
func (s *Store) entriesBetween(ctx context.Context, stream, from, to string) ([]Entry, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.XMessageSliceCmd, s.opt.Shards)
	for shard := range cmds {
		cmds[shard] = pipe.XRange(ctx, s.keys.stream(shard, stream), from, to)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: stream %s: %w", stream, err)
	}
	var out []Entry
	for shard, c := range cmds {
		out = append(out, entries(shard, c.Val())...)
	}
	// The shards' entries interleave in time; their stream ids order them.
	slices.SortStableFunc(out, compareEntries)
	return out, nil
}

// compareEntries orders outbox entries of any shards by when they were added.
func compareEntries(a, b Entry) int {
	_, x, _ := splitEntryID(a.ID)
	_, y, _ := splitEntryID(b.ID)
	return compareIDs(x, y)
}
