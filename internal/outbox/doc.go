// Package outbox delivers replies from a channel's outbox stream through that
// channel's sender, retrying transient failures and dropping permanent ones.
package outbox
