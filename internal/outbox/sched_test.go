package outbox

import (
	"strconv"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/message"
)

// TestSchedForgetsIdleLanes: a lane is kept only while its pace still binds, so the
// scheduler's memory follows the last second's recipients, not every one it served.
func TestSchedForgetsIdleLanes(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s := newSched(Limits{Pace: func(string) time.Duration { return time.Second }})
	for i := range 10000 {
		s.add(&job{id: strconv.Itoa(i), msg: message.Outbound{To: strconv.Itoa(i)}}, now)
		l, j, _ := s.take(now)
		if j == nil {
			t.Fatalf("message %d not ready", i)
		}
		s.finish(l, sent, 0, now, now)
		now = now.Add(10 * time.Millisecond)
	}
	s.take(now)
	if n := len(s.lanes); n > 101 {
		t.Fatalf("the scheduler remembers %d recipients, want only the last second's (100)", n)
	}
}
