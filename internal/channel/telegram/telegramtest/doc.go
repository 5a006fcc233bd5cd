// Package telegramtest is a fake Telegram Bot API server for tests, speaking the real wire format.
package telegramtest
