package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"

	"github.com/guidebot/guidebot/internal/matching"
)

// matchCmd shows the matching pool: `match --dry-run` prints the pairs it would
// propose (first names and areas only), `match --stats` counts it.
func matchCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("match", flag.ContinueOnError)
	flags.SetOutput(stderr)
	dry := flags.Bool("dry-run", false, "print the pairs the pool would give, with scores and reasons")
	stats := flags.Bool("stats", false, "count the pool by programme")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *dry == *stats {
		return errors.New("match: usage: guidebot match --dry-run | --stats")
	}
	a, err := newApp(ctx, getenv, stderr, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer a.close()
	if *stats {
		figures, err := a.matching.Figures(ctx)
		if err != nil {
			return err
		}
		matching.WriteFigures(stdout, figures)
		return nil
	}
	pairs, err := a.matching.Pairs(ctx)
	if err != nil {
		return err
	}
	matching.WritePairs(stdout, pairs)
	return nil
}
