// Package smstest fakes Twilio for tests: its Messages REST API, and signed webhook posts.
package smstest
