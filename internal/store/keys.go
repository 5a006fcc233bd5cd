package store

import (
	"hash/fnv"
	"strconv"
)

// keys names every key. A participant's keys and the shard's streams, reminders
// and ticks share the hash tag {sN} of the participant's shard, so each commit,
// booking and release script touches one slot on Redis Cluster; the handoff's keys
// share {h} and the rosters {r}. See the package doc for why and what it costs.
type keys struct {
	prefix string
	shards int
}

// shard is the shard a participant's keys live in: a hash of the id, so any
// replica finds it without a lookup.
func (k keys) shard(id string) int {
	if k.shards <= 1 {
		return 0
	}
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % uint32(k.shards))
}

// inShard is the start of every key of shard n.
func (k keys) inShard(n int) string { return k.prefix + "gb:{s" + strconv.Itoa(n) + "}:" }

// of is the start of every key of participant id.
func (k keys) of(id string) string { return k.inShard(k.shard(id)) + "p:" + id + ":" }

func (k keys) state(id string) string               { return k.of(id) + "state" }
func (k keys) transcript(id string) string          { return k.of(id) + "log" }
func (k keys) seen(id, msgID string) string         { return k.of(id) + "seen:" + msgID }
func (k keys) stream(shard int, name string) string { return k.inShard(shard) + name }

// inbound is the set of a participant's message ids in one window of the inbound limit.
func (k keys) inbound(id string, window int64) string {
	return k.of(id) + "in:" + strconv.FormatInt(window, 10)
}

// spent is what a participant was sent on one day, for the outbox's cost guard.
func (k keys) spent(id, day string) string { return k.of(id) + "spent:" + day }

// shardsKey records the number of shards the data was written with: a participant
// read with another number would be looked for in the wrong shard.
func (k keys) shardsKey() string { return k.prefix + "gb:shards" }
