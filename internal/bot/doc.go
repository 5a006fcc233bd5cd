// Package bot handles one inbound message: load, step the flow, commit state, effects
// and replies to the outbox in one atomic write.
package bot
