// Package store keeps participants, conversation state, dedupe keys, transcripts and
// the outbox in Redis, committing each handled message in one atomic script.
package store
