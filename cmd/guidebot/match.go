package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/guidebot/guidebot/internal/admin"
	"github.com/guidebot/guidebot/internal/matching"
)

// matchCmd shows the matching pool: `match --dry-run` prints the pairs it would
// propose (first names and areas only), `match --stats` counts it, `match
// --vetting` lists the volunteers waiting for approval and `match --approve ID`
// approves one.
func matchCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("match", flag.ContinueOnError)
	flags.SetOutput(stderr)
	dry := flags.Bool("dry-run", false, "print the pairs the pool would give, with scores and reasons")
	stats := flags.Bool("stats", false, "count the pool by programme")
	vetting := flags.Bool("vetting", false, "list the volunteers of vetted programmes waiting for approval")
	approve := flags.String("approve", "", "approve the volunteer with this participant id")
	lang := flags.String("lang", "", "the language of the output [DEFAULT_LANGUAGE]")
	if err := flags.Parse(args); err != nil {
		return err
	}
	chosen := 0
	for _, on := range []bool{*dry, *stats, *vetting, *approve != ""} {
		if on {
			chosen++
		}
	}
	if chosen != 1 {
		return errors.New("match: usage: guidebot match --dry-run | --stats | --vetting | --approve ID")
	}
	a, err := newApp(ctx, getenv, stderr, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer a.close()
	if *lang == "" {
		*lang = a.cfg.DefaultLang
	}
	if !a.content.catalog.Has(*lang) {
		return fmt.Errorf("match: --lang %q: no such locale", *lang)
	}
	say := admin.Say(a.content.catalog, *lang)
	switch {
	case *vetting:
		waiting, err := a.matching.Awaiting(ctx)
		if err != nil {
			return err
		}
		for _, w := range waiting {
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\n", w.Volunteer.ID, w.Volunteer.Name, w.Volunteer.Area, w.Programme)
		}
		return nil
	case *approve != "":
		return a.matching.Approve(ctx, *approve)
	}
	if *stats {
		figures, err := a.matching.Figures(ctx)
		if err != nil {
			return err
		}
		matching.WriteFigures(stdout, figures, say)
		return nil
	}
	pairs, err := a.matching.Pairs(ctx)
	if err != nil {
		return err
	}
	matching.WritePairs(stdout, pairs, say)
	return nil
}
