package telegram

import (
	"sync"
	"time"
)

// groupInterval is Telegram's pace for one group chat: 20 messages a minute.
const groupInterval = 3 * time.Second

// limiter schedules sends within Telegram's limits: at most rate a second overall and
// chatRate a second to one private chat; groups (negative chat ids) at most 20 a
// minute. A zero rate lifts that cap; a zero chatRate lifts the group cap too (a
// local Bot API server, paid broadcasts).
//
// It hands out time slots rather than sleeping itself: reserve says how long the
// caller must wait, and the caller sleeps with its own (injectable) sleep. Sends are
// spaced evenly, never bursted, which keeps clear of Telegram's 429s.
type limiter struct {
	now          func() time.Time
	every        time.Duration // between any two sends; 0: no cap
	chatEvery    time.Duration // between two sends to one private chat
	groupEvery   time.Duration // between two sends to one group
	mu           sync.Mutex
	next         time.Time           // the next free slot overall
	heldUntil    time.Time           // no sends before this: Telegram said 429
	chats        map[int64]time.Time // the next free slot per chat
	sweepAt      int                 // prune chats when it grows past this
	minSweepSize int
}

func newLimiter(rate, chatRate float64, now func() time.Time) *limiter {
	l := &limiter{now: now, chats: map[int64]time.Time{}, minSweepSize: 1024}
	l.sweepAt = l.minSweepSize
	if rate > 0 {
		l.every = time.Duration(float64(time.Second) / rate)
	}
	if chatRate > 0 {
		l.chatEvery = time.Duration(float64(time.Second) / chatRate)
		l.groupEvery = max(l.chatEvery, groupInterval)
	}
	return l
}

// reserve books the next slot for a send to chat and returns how long to wait for it.
func (l *limiter) reserve(chat int64) time.Duration {
	per := l.chatEvery
	if chat < 0 {
		per = l.groupEvery
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	at := now
	if l.heldUntil.After(at) {
		at = l.heldUntil
	}
	if l.every > 0 && l.next.After(at) {
		at = l.next
	}
	if per > 0 {
		if t, ok := l.chats[chat]; ok && t.After(at) {
			at = t
		}
		l.chats[chat] = at.Add(per)
		if len(l.chats) > l.sweepAt {
			l.sweep(now)
		}
	}
	if l.every > 0 {
		l.next = at.Add(l.every)
	}
	return at.Sub(now)
}

// hold stops all sends for d: Telegram's retry_after. Whatever the 429 was about, it
// means we are going too fast, and pressing on only earns longer waits.
func (l *limiter) hold(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := l.now().Add(d); until.After(l.heldUntil) {
		l.heldUntil = until
	}
}

// sweep forgets chats whose next slot has passed: they constrain nothing. It runs
// when the map has doubled since the last sweep, so its cost is amortised.
func (l *limiter) sweep(now time.Time) {
	for chat, t := range l.chats {
		if !t.After(now) {
			delete(l.chats, chat)
		}
	}
	l.sweepAt = max(2*len(l.chats), l.minSweepSize)
}
