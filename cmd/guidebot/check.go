package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/guidebot/guidebot/internal/booking"
	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/channel/sms"
	"github.com/guidebot/guidebot/internal/config"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/i18n"
	"github.com/guidebot/guidebot/internal/matching"
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
	budget := flags.Int("sms-budget", sms.PartsBudget, "the most SMS parts one message may take")
	strict := flags.Bool("strict", false, "also fail on translations whose English source changed since they were made")
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
	if *strict {
		for _, p := range c.catalog.CheckStrict(false) {
			problems = append(problems, p.String())
		}
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
	if sched != nil {
		for _, p := range c.catalog.CheckCountries(sched.Current().Countries()) {
			problems = append(problems, p.String())
		}
		problems = append(problems, matching.CheckProgrammes(c.catalog, sched.Current().Matching)...)
	}
	var replies []string
	if sched != nil {
		var long []string
		replies, long = replySegments(c, cfg.DefaultLang, sched, *budget)
		problems = append(problems, long...)
	}
	if *listSMS {
		for _, line := range append(report, replies...) {
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
	cur := sched.Current()
	fmt.Fprintf(stdout, "guidebot check: ok: %d flows, %d steps, %d locales (%s); every SMS message within %d parts (--sms lists them); schedule: %d venues, %d sessions, %d matching programmes, %d areas\n",
		len(c.flows), steps, len(c.catalog.Languages()), strings.Join(c.catalog.Languages(), " "), *budget,
		len(cur.Venues), len(cur.Sessions), len(cur.Matching.Programmes), len(cur.Matching.Areas))
	return 0
}

// replySegments renders every reply the flows can send by SMS (flow.Samples: each
// step with the steps it runs on to and the views at their fullest, each re-prompt,
// the first reply), per language, and counts its parts: one line each for --sms, and
// a problem for each over the budget.
func replySegments(c content, defaultLang string, sched *schedule.Holder, budget int) (report, over []string) {
	now := time.Now()
	for _, country := range sched.Current().Countries() {
		cat := c.catalog.ForCountry(country)
		engine, err := flow.New(c.flows, cat, flow.Config{DefaultLang: defaultLang, Sessions: sched, Lists: sched, Zone: programmeZone(sched.Current()),
			SessionsShown: map[string]int{message.SMS: sms.SessionsPerReply},
			Fits:          map[string]flow.Fits{message.SMS: sms.Fits(cat, budget)}})
		if err != nil {
			return nil, []string{fmt.Sprintf("flows: %v", err)}
		}
		for _, sample := range engine.Samples(sampleState(c, sched, now), firstMessages, now) {
			text := channel.PlainText(cat, message.Outbound{Reply: sample.Reply})
			enc, parts := sms.Segments(text)
			line := fmt.Sprintf("%s %s %s: %s, %d characters, SMS parts: %d", country, sample.Lang, sample.Case, enc, channel.UTF16Len(text), parts)
			if slices.ContainsFunc(sample.Reply.Options, func(o flow.Choice) bool { return o.ID == flow.MoreOption }) {
				line += " (options paged)"
			}
			if parts > budget {
				over = append(over, fmt.Sprintf("flows: %s: %s: %s: %d SMS parts, over the budget of %d", sample.Lang, country, sample.Case, parts, budget))
				// The text itself, indented, so whoever shortens it sees what goes out.
				line += "\n\t" + strings.ReplaceAll(text, "\n", "\n\t")
			}
			if cat.RightToLeft(sample.Lang) {
				for _, l := range strings.Split(text, "\n") {
					if i18n.OutOfOrder(l) {
						over = append(over, fmt.Sprintf("flows: %s: %s: %s: line %q would read left to right", sample.Lang, country, sample.Case, l))
					}
				}
			}
			if asksLanguage(sample) && slices.ContainsFunc(sample.Reply.Options, func(o flow.Choice) bool { return o.ID == flow.MoreOption }) {
				over = append(over, fmt.Sprintf("flows: %s: %s: the language list does not fit one SMS of %d parts: a reader of the languages left out would not find theirs", sample.Lang, sample.Case, budget))
			}
			report = append(report, line)
		}
	}
	return report, over
}

// asksLanguage reports whether a sample is the language list a new participant gets.
func asksLanguage(s flow.Sample) bool {
	return s.Reply.Step == flow.LanguageStep
}

// firstMessages are first messages from a new number whose replies are measured.
// "1" says nothing of a language, so it gets the language list.
var firstMessages = []string{"1", "hello", "مرحبا", "سلام", "привіт", "ሰላም", "habari", "hei", "hej"}

// sampleState is a participant with everything the views show at its fullest: the
// most open bookings, a plan of every topic, the most feedback.
func sampleState(c content, sched *schedule.Holder, now time.Time) flow.State {
	s := flow.State{ID: "sms:+46700000000", Channel: message.SMS, Address: "+46700000000", Created: now.Add(-30 * 24 * time.Hour).Unix()}
	for _, lang := range c.catalog.Languages() {
		for _, line := range sched.Upcoming(lang, now, booking.DefaultMaxOpen) {
			if _, held := s.Booked(line.Key); !held && len(s.Bookings) < booking.DefaultMaxOpen {
				s.Bookings = append(s.Bookings, flow.Booking{Key: line.Key, Start: now.Add(24 * time.Hour).Unix(), Line: line})
			}
		}
	}
	for _, id := range c.catalog.IDs() {
		if topic, ok := strings.CutPrefix(id, "topic."); ok && !strings.Contains(topic, "@") && len(s.Plan) < flow.MaxPlan {
			s.Plan = append(s.Plan, topic)
		}
	}
	for i := 0; i < 3; i++ {
		s.Feedback = append(s.Feedback, flow.Feedback{At: now.Unix(), Rating: "5", Comment: "Bra hjälp, tack!"})
	}
	return s
}
