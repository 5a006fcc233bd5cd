// Package channel is what the channel adapters share: how an outbound message reads
// as text, with its options as a numbered list on text-only channels.
package channel
