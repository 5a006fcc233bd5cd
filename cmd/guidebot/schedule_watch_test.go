package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/config"
)

const oneSession = `venues:
  - {id: lib, name: Library, timezone: Europe/Stockholm}
sessions:
  - {id: sat, venue: lib, kind: dropin, weekday: saturday, start: "11:00", end: "14:00"}
`

// TestScheduleReloadsOnChangeAndSIGHUP: a saved file is picked up; a broken one
// leaves the schedule in force and logs the problem with its line; SIGHUP reloads.
func TestScheduleReloadsOnChangeAndSIGHUP(t *testing.T) {
	path := filepath.Join(t.TempDir(), "schedule.yaml")
	write := func(s string, mod time.Time) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(path, mod, mod) // a distinct stamp even within one clock tick
	}
	t0 := time.Now().Add(-time.Hour)
	write(oneSession, t0)
	h, err := loadSchedule(config.Config{ScheduleFile: path})
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	hup := make(chan os.Signal, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- watchSchedule(ctx, h, path, 10*time.Millisecond, hup, nil, slog.New(slog.NewTextHandler(logs, nil)))
	}()
	defer func() { cancel(); <-done }()

	write(oneSession+`  - {id: sun, venue: lib, kind: dropin, weekday: sunday, start: "11:00", end: "14:00"}`+"\n", t0.Add(time.Minute))
	waitFor(t, "the changed file to be reloaded", func() bool { return len(h.Current().Sessions) == 2 })

	write(strings.Replace(oneSession, `end: "14:00"`, `end: "10:00"`, 1), t0.Add(2*time.Minute))
	waitFor(t, "the broken file to be logged", func() bool { return strings.Contains(logs.String(), "schedule.yaml:4: session sat: end 10:00") })
	if n := len(h.Current().Sessions); n != 2 {
		t.Fatalf("a broken file replaced the schedule in force: %d sessions", n)
	}

	write(oneSession, t0.Add(2*time.Minute)) // same stamp as the broken one: only SIGHUP notices
	hup <- syscall.SIGHUP
	waitFor(t, "SIGHUP to reload", func() bool { return len(h.Current().Sessions) == 1 })
}
