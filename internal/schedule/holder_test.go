package schedule_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/schedule"
)

func TestReloadKeepsTheScheduleInForceOnAProblem(t *testing.T) {
	file := base
	h, err := schedule.NewHolder("s.yaml", func() ([]byte, error) { return []byte(file), nil })
	if err != nil {
		t.Fatal(err)
	}
	if n := len(h.Current().Sessions); n != 1 {
		t.Fatalf("%d sessions", n)
	}
	file = strings.Replace(base, `end: "14:00"`, `end: "10:00"`, 1) // a coordinator's typo
	var problems schedule.Problems
	if err := h.Reload(); !errors.As(err, &problems) || problems[0].Line != 12 {
		t.Fatalf("reload of a bad file: %v", err)
	}
	if got := h.Current().Sessions[0].End.String(); got != "14:00" {
		t.Fatalf("the bad file replaced the schedule in force (end %s)", got)
	}
	file = base + "  - {id: sunday, venue: library, kind: dropin, weekday: sunday, start: \"11:00\", end: \"14:00\"}\n"
	if err := h.Reload(); err != nil {
		t.Fatal(err)
	}
	if n := len(h.Current().Sessions); n != 2 {
		t.Fatalf("after a good reload: %d sessions", n)
	}
	if lines := h.Upcoming("sv", time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC), 2); len(lines) != 2 || lines[1].Weekday != time.Sunday {
		t.Fatalf("upcoming after the reload: %+v", lines)
	}
}
