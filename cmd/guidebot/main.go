// Command guidebot is the digital first-aid bot: `serve` runs the service, `chat`
// talks to the flows in a terminal, `check` validates flows and locales.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: guidebot [serve | chat [--lang CODE] | check [--sms] [--strict] | guide invite [--role coordinator] |
                locales export [--dir DIR] [LANG…] | locales import FILE.csv… |
                report [--from DATE] [--to DATE] [--format md|csv|json] | match --dry-run|--stats |
                volunteers [--approve REF]]

  serve   run the service (the default)
  chat    talk to the flows in this terminal: one message per line on standard input
  check   validate flows, locales and SMS lengths (--sms lists them, --sms-budget N;
          --strict also fails on translations whose English source changed)
  locales export: one CSV sheet per language for translators (source, translation,
          status); import: read sheets back into the locale files, validated
  report  the programme's figures (reach against the target, sessions, requests for
          a guide, feedback, first-aid cards), no personal data; counts of 1-4 show <5
  match   --dry-run: the pairs the matching pool would propose now, by programme, with
          scores and reasons (first names and areas only); --stats: the pool's counts
  volunteers  the volunteers of vetted programmes waiting for a coordinator's approval
          (reference, first name, area); --approve REF: approve one, who is told
  guide   invite: print a one-time code (valid 7 days) that a guide redeems by
          sending /guide CODE to the bot in a private Telegram chat
  health  ask a running service on HTTP_ADDR for /healthz (the Docker HEALTHCHECK)
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, getenv, stderr)
	case "chat":
		err = chat(ctx, args, getenv, stdin, stdout, stderr)
	case "check":
		return check(args, getenv, stdout, stderr)
	case "health":
		err = health(ctx, getenv)
	case "guide":
		err = guide(ctx, args, getenv, stdout, stderr)
	case "locales":
		err = localesCmd(args, getenv, stdout, stderr)
	case "report":
		err = reportCmd(ctx, args, getenv, stdout, stderr)
	case "match":
		err = matchCmd(ctx, args, getenv, stdout, stderr)
	case "volunteers":
		err = volunteersCmd(ctx, args, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "guidebot: unknown command %q\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "guidebot: %v\n", err)
		return 1
	}
	return 0
}
