// Package handoff hands participants to human guides: invite codes, the guides' console on Telegram, tickets, the claim and the relay both ways.
package handoff
