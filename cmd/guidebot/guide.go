package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/guidebot/guidebot/internal/handoff"
)

// guide manages guides: `guide invite [--role coordinator]` prints a one-time code.
func guide(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "invite" {
		return errors.New("guide: usage: guidebot guide invite [--role coordinator]")
	}
	flags := flag.NewFlagSet("guide invite", flag.ContinueOnError)
	flags.SetOutput(stderr)
	role := flags.String("role", handoff.RoleGuide, "guide or coordinator")
	if err := flags.Parse(args[1:]); err != nil {
		return err
	}
	if *role != handoff.RoleGuide && *role != handoff.RoleCoordinator {
		return fmt.Errorf("guide invite: --role %q: guide or coordinator", *role)
	}
	if getenv("REDIS_URL") == "" {
		return errors.New("guide invite: REDIS_URL is not set: a code kept in an embedded Redis is gone when this command exits")
	}
	a, err := newApp(ctx, getenv, stderr, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer a.close()
	code, err := a.store.CreateInvite(ctx, *role, handoff.InviteTTL)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", code)
	fmt.Fprintf(stderr, "A one-time %s code, valid for 7 days: the %s sends /guide %s to the bot in a private Telegram chat.\n", *role, *role, code)
	return nil
}
