// Package message is what crosses guidebot's boundaries: a participant's inbound
// message, an outbound one, and the names a channel addresses them by.
package message
