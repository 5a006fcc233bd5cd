package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/channel/sms"
	"github.com/guidebot/guidebot/internal/config"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/schedule"
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
	sched, err := loadSchedule(cfg)
	var schedProblems schedule.Problems
	switch {
	case errors.As(err, &schedProblems):
		for _, p := range schedProblems {
			problems = append(problems, p.String())
		}
	case err != nil:
		problems = append(problems, err.Error())
	}
	replies, longReplies := replySegments(c, *budget)
	if *listSMS {
		for _, line := range append(report, replies...) {
			fmt.Fprintln(stdout, line)
		}
	}
	if longReplies > 0 {
		// A warning, not a failure: a step's messages and its numbered options go out
		// as one SMS, which may be longer than any one message.
		fmt.Fprintf(stderr, "guidebot check: warning: %d step replies take more than %d SMS parts (--sms lists them)\n", longReplies, *budget)
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
	fmt.Fprintf(stdout, "guidebot check: ok: %d flows, %d steps, %d locales (%s); every SMS message within %d parts (--sms lists them); schedule: %d venues, %d sessions\n",
		len(c.flows), steps, len(c.catalog.Languages()), strings.Join(c.catalog.Languages(), " "), *budget,
		len(sched.Current().Venues), len(sched.Current().Sessions))
	return 0
}

// replySegments renders every step's own messages and options as one SMS would carry
// them, per language, and counts the parts. Builtin views (show: plan|data) and
// parameters are left out, so the counts are a lower bound.
func replySegments(c content, budget int) (report []string, over int) {
	for _, f := range c.flows {
		names := make([]string, 0, len(f.Steps))
		for name := range f.Steps {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			st := f.Steps[name]
			var reply flow.Reply
			for _, say := range st.Say {
				if say.ID != "" && len(say.Refs) == 0 {
					reply.Texts = append(reply.Texts, flow.Message{ID: say.ID})
				}
			}
			for _, o := range st.Choose {
				ch := flow.Choice{ID: o.ID, Label: o.Label, Lang: o.Lang}
				if o.Lang != "" {
					ch.Label = "language.name"
				}
				reply.Options = append(reply.Options, ch)
			}
			if reply.Empty() {
				continue
			}
			for _, lang := range c.catalog.Languages() {
				reply.Lang = lang
				enc, parts := sms.Segments(channel.PlainText(c.catalog, message.Outbound{Reply: reply}))
				report = append(report, fmt.Sprintf("%s step %s.%s: %s, SMS parts: %d", lang, f.Name, name, enc, parts))
				if parts > budget {
					over++
				}
			}
		}
	}
	return report, over
}
