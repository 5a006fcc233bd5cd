package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/guidebot/guidebot/internal/schedule"
)

// scheduleCheckEvery is how often the schedule file is looked at for changes: a
// coordinator who saves it sees the new sessions within seconds, no signal needed.
const scheduleCheckEvery = 5 * time.Second

// watchSchedule reloads the schedule when hup delivers (SIGHUP) and when the file at
// path changes (its size or modification time), until ctx ends. A reload that fails
// keeps the schedule in force and logs why, every problem with its line. An empty
// path (the built-in sample) has nothing to watch, but SIGHUP is still answered.
// reloaded runs at the start and after every reload that took (it tells people
// whose sessions a coordinator called off); nil runs nothing.
func watchSchedule(ctx context.Context, h *schedule.Holder, path string, every time.Duration, hup <-chan os.Signal,
	reloaded func(context.Context), log *slog.Logger) error {
	if reloaded == nil {
		reloaded = func(context.Context) {}
	}
	// The schedule was loaded before the watch began: the first look reloads it if
	// the file changed in between, and says nothing if it did not.
	last := stamp(path)
	if path != "" {
		if err := h.Reload(); err != nil {
			logReloadFailure(err, "start", log)
		}
	}
	reloaded(ctx)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			last = stamp(path)
			if reloadSchedule(h, "SIGHUP", log) {
				reloaded(ctx)
			}
		case <-tick.C:
			if path == "" {
				continue
			}
			if now := stamp(path); now != last {
				last = now
				if reloadSchedule(h, "file changed", log) {
					reloaded(ctx)
				}
			}
		}
	}
}

// fileStamp tells whether a file changed: its size and modification time.
type fileStamp struct {
	size int64
	mod  time.Time
}

func stamp(path string) fileStamp {
	if path == "" {
		return fileStamp{}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{size: -1}
	}
	return fileStamp{size: fi.Size(), mod: fi.ModTime()}
}

func reloadSchedule(h *schedule.Holder, why string, log *slog.Logger) bool {
	if err := h.Reload(); err != nil {
		logReloadFailure(err, why, log)
		return false
	}
	s := h.Current()
	log.Info("schedule reloaded", "why", why, "venues", len(s.Venues), "sessions", len(s.Sessions))
	return true
}

// logReloadFailure says why a reload kept the schedule in force, each problem with
// its line.
func logReloadFailure(err error, why string, log *slog.Logger) {
	var problems schedule.Problems
	if !errors.As(err, &problems) {
		log.Error("schedule not reloaded: the schedule in force stays", "why", why, "err", err)
		return
	}
	for _, p := range problems {
		log.Error("schedule not reloaded: the schedule in force stays", "why", why, "problem", p.String())
	}
}
