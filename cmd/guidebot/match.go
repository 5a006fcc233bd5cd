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
	"github.com/guidebot/guidebot/internal/report"
)

// matchCmd shows the matching pool: `match --dry-run` prints the pairs it would
// propose (first names and areas only), `match --stats` counts it.
func matchCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("match", flag.ContinueOnError)
	flags.SetOutput(stderr)
	dry := flags.Bool("dry-run", false, "print the pairs the pool would give, with scores and reasons")
	stats := flags.Bool("stats", false, "count the pool by programme")
	lang := flags.String("lang", "", "the language of the output [DEFAULT_LANGUAGE]")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *dry == *stats {
		return errors.New("match: usage: guidebot match --dry-run | --stats")
	}
	a, say, err := adminApp(ctx, "match", *lang, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.close()
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

// volunteersCmd lists the volunteers of vetted programmes who wait for a
// coordinator's approval (by reference, first name, area and programmes: no phone
// number), and `volunteers --approve REF` approves one, who is told so.
func volunteersCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("volunteers", flag.ContinueOnError)
	flags.SetOutput(stderr)
	approve := flags.String("approve", "", "approve the volunteer with this reference")
	lang := flags.String("lang", "", "the language of the output [DEFAULT_LANGUAGE]")
	if err := flags.Parse(args); err != nil {
		return err
	}
	a, say, err := adminApp(ctx, "volunteers", *lang, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	if *approve != "" {
		name, err := a.matching.Approve(ctx, *approve)
		if errors.Is(err, matching.ErrNotAwaiting) {
			return fmt.Errorf("volunteers: %s", say("admin.not_awaiting", nil))
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, say("admin.approved", map[string]string{"Name": name}))
		return nil
	}
	waiting, err := a.matching.Awaiting(ctx)
	if err != nil {
		return err
	}
	if len(waiting) == 0 {
		fmt.Fprintln(stdout, say("admin.volunteers_none", nil))
	}
	for _, v := range waiting {
		fmt.Fprintln(stdout, say("admin.volunteer", v.Params()))
	}
	return nil
}

// adminApp opens the app for a coordinator's command that speaks lang (or
// DEFAULT_LANGUAGE).
func adminApp(ctx context.Context, cmd, lang string, getenv func(string) string, stderr io.Writer) (*app, report.Say, error) {
	a, err := newApp(ctx, getenv, stderr, slog.LevelWarn)
	if err != nil {
		return nil, nil, err
	}
	if lang == "" {
		lang = a.cfg.DefaultLang
	}
	if !a.content.catalog.Has(lang) {
		a.close()
		return nil, nil, fmt.Errorf("%s: --lang %q: no such locale", cmd, lang)
	}
	return a, admin.Say(a.content.catalog, lang), nil
}
