// Package outbox delivers a channel's outbox stream through that channel's sender:
// concurrently, in order per recipient, and with no recipient holding up another.
package outbox
