// Package store keeps participants, conversation state, dedupe keys, transcripts and
// the outbox in Redis, committing each handled message in one atomic script.
//
// # Shards, and what they cost
//
// Redis Cluster runs a script or transaction only when all its keys are in one hash
// slot. A commit writes the participant's state, dedupe key and transcript and
// appends to the outboxes, the feedback and the bookings streams, and a booking
// schedules reminders: so participants are spread over a fixed number of shards
// (Options.Shards: 1 on one Redis, DefaultClusterShards on a cluster), a hash of the
// id choosing one, and every key of a participant, and the streams, reminders and
// ticks of their shard, carry the shard's hash tag {sN}. A commit, a booking's
// second step and a reminder's release each touch one slot, and a message queued
// for a participant keeps its place among their other replies.
//
// The costs: a sender reads every shard's outbox — one pipelined read across them
// and a watcher blocked on each (two connections a shard per replica) — and the
// reminder and tick runners walk the shards one script each; the shards' entries
// are ordered across shards by their milliseconds only. The number of shards bounds
// how far the participants spread (16 slots over at most 16 masters) and cannot
// change while data is kept (CheckShards refuses a mismatch). What several
// participants share lives in slots of its own: the rosters of the sessions in {r},
// so a booking claims a seat first and then writes the booking in the
// participant's shard, and a crash in between leaves a seat TidyRosters gives back;
// the requests for a guide in {h}, read by every Load beside the participant's own
// keys. The programme's counters (one hash a month) and the dedupe keys of guides'
// messages are single keys wherever they fall.
package store
