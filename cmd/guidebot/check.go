package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/guidebot/guidebot/internal/channel/sms"
	"github.com/guidebot/guidebot/internal/config"
	"github.com/guidebot/guidebot/internal/flow"
)

// check validates what would be served: flows against every locale, every locale
// against the source language, and the SMS length of every message. It prints each
// problem with file and line.
func check(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("check", flag.ContinueOnError)
	flags.SetOutput(stderr)
	listSMS := flags.Bool("sms", false, "list every message that can go out by SMS, per language, with its SMS parts")
	budget := flags.Int("sms-budget", 3, "the most SMS parts one message may take")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "guidebot check: %v\n", err)
		return 1
	}
	c, err := loadContent(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "guidebot check: %v\n", err)
		return 1
	}
	var problems []string
	for _, p := range c.catalog.Check() {
		problems = append(problems, p.String())
	}
	for _, p := range flow.Check(c.flows, c.catalog) {
		problems = append(problems, "flows/"+p.String())
	}
	report, over := sms.CheckSegments(c.catalog, *budget)
	for _, p := range over {
		problems = append(problems, fmt.Sprintf("locales/%s.yaml: %s: %d SMS parts, over the budget of %d", p.Lang, p.ID, p.Parts, *budget))
	}
	if *listSMS {
		for _, line := range report {
			fmt.Fprintln(stdout, line)
		}
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, p)
		}
		fmt.Fprintf(stderr, "guidebot check: %d problems\n", len(problems))
		return 1
	}
	steps := 0
	for _, f := range c.flows {
		steps += len(f.Steps)
	}
	fmt.Fprintf(stdout, "guidebot check: ok: %d flows, %d steps, %d locales (%s); every SMS message within %d parts (--sms lists them)\n",
		len(c.flows), steps, len(c.catalog.Languages()), strings.Join(c.catalog.Languages(), " "), *budget)
	return 0
}
