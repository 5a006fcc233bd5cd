// Package sms is the Twilio SMS channel: signed webhooks in, replies out through the outbox by REST, opt-out keywords and segment counting.
package sms
