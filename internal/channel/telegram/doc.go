// Package telegram is the Telegram channel: webhook and long polling in, sendMessage out.
package telegram
