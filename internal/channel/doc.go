// Package channel defines what a messaging channel hands the bot, what it takes back
// from the outbox, and how a reply reads as plain text on text-only channels.
package channel
