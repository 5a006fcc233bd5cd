package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/booking"
	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/config"
	"github.com/guidebot/guidebot/internal/handoff"
	"github.com/guidebot/guidebot/internal/matching"
	"github.com/guidebot/guidebot/internal/remind"
	"github.com/guidebot/guidebot/internal/report"
	"github.com/guidebot/guidebot/internal/store"
	"github.com/guidebot/guidebot/internal/store/storetest"
)

// TestReportCounts: six people read the bills card to its end in the terminal and
// say it helped, one more only greets; `guidebot report` counts them by month,
// language and card in every format, with counts of 1 to 4 shown as <5, and keeps
// them after "forget me".
func TestReportCounts(t *testing.T) {
	vars := map[string]string{"REDIS_URL": redisURL(t)}
	for i := 0; i < 6; i++ {
		// Swedish: the menu; step-by-step help; bills; three steps; yes, it helped.
		if code, _, e := runCmd(t, vars, "hej\n2\n1\n1\n1\n1\n1\n", "chat", "--as", fmt.Sprint("reader", i)); code != 0 {
			t.Fatal(e)
		}
	}
	if code, _, e := runCmd(t, vars, "hello\nforget me\nyes\n", "chat", "--as", "passer-by"); code != 0 {
		t.Fatal(e)
	}
	code, out, e := runCmd(t, vars, "", "report", "--format", "json")
	if code != 0 {
		t.Fatalf("report: exit %d %s", code, e)
	}
	var rep struct {
		Reach struct {
			Total      any            `json:"total"`
			ByLanguage map[string]any `json:"by_language"`
			ByMonth    []struct {
				Month string `json:"month"`
				New   any    `json:"new"`
			} `json:"by_month"`
		} `json:"reach"`
		Cards []struct {
			Card, Lang                        string
			Opened, Finished, Helped, NotHelp any
		} `json:"cards"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	month := time.Now().Format("2006-01")
	last := rep.Reach.ByMonth[len(rep.Reach.ByMonth)-1]
	if rep.Reach.Total != 7.0 || rep.Reach.ByLanguage["sv"] != 6.0 || rep.Reach.ByLanguage["en"] != "<5" ||
		last.Month != month || last.New != 7.0 {
		t.Fatalf("reach: %+v", rep.Reach)
	}
	if len(rep.Cards) != 1 || rep.Cards[0].Card != "bills" || rep.Cards[0].Lang != "sv" ||
		rep.Cards[0].Opened != 6.0 || rep.Cards[0].Finished != 6.0 || rep.Cards[0].Helped != 6.0 {
		t.Fatalf("cards: %+v", rep.Cards)
	}
	if code, out, _ := runCmd(t, vars, "", "report"); code != 0 || !strings.Contains(out, "| bills | sv | 6 | 6 | 6 | 0 |") ||
		!strings.Contains(out, "| en | <5 |") || !strings.Contains(out, "## Första hjälpen-kort") { // DEFAULT_LANGUAGE
		t.Fatalf("markdown (exit %d):\n%s", code, out)
	}
	if code, out, _ := runCmd(t, vars, "", "report", "--format", "csv", "--lang", "en"); code != 0 || !strings.Contains(out, "First-aid cards,bills sv,Helped,6") {
		t.Fatalf("csv (exit %d):\n%s", code, out)
	}
	for _, bad := range [][]string{{"--from", "2026-13-01"}, {"--format", "pdf"}, {"--from", "2026-05-01", "--to", "2026-04-01"}, {"--lang", "xx"}} {
		if code, _, _ := runCmd(t, vars, "", append([]string{"report"}, bad...)...); code == 0 {
			t.Errorf("report %v passed", bad)
		}
	}
}

// BenchmarkReportYear: a year of a programme of 100 000 participants (each reached
// once, opening and finishing cards, booking, giving feedback; 20 000 requests for
// a guide) in Redis, and the report over it.
func BenchmarkReportYear(b *testing.B) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(b)
	st := store.New(rdb, store.Options{Prefix: prefix})
	sched, err := loadSchedule(config.Config{})
	if err != nil {
		b.Fatal(err)
	}
	langs := []string{"sv", "en", "ar", "fa", "uk", "ti", "sw", "fi"}
	cards := []string{"bills", "eid", "email", "authorities", "finland", "health", "video", "social", "tickets", "scams", "passwords"}
	year := time.Date(time.Now().Year(), 1, 1, 0, 0, 0, 0, time.UTC) // the feedback is added now
	pipe := rdb.Pipeline()
	for p := 0; p < 100000; p++ {
		month := store.Month(year.AddDate(0, p%12, 0))
		lang, channel := langs[p%len(langs)], []string{"sms", "telegram"}[p%2]
		events := []store.Event{{Name: report.EventReached, Dims: map[string]string{"lang": lang, "channel": channel}}}
		for _, stage := range []string{report.EventCardOpened, report.EventCardFinished, report.EventCardHelped} {
			events = append(events, store.Event{Name: stage, Dims: map[string]string{"card": cards[p%len(cards)], "lang": lang, "channel": channel}})
		}
		events = append(events, store.Event{Name: report.EventBooking, Dims: map[string]string{"session": "library-saturday", "lang": lang, "channel": channel}})
		for _, e := range events {
			pipe.HIncrBy(ctx, prefix+"gb:report:"+month, e.Field(), 1)
		}
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: prefix + "gb:{s0}:feedback", // this year: now (in shard 0; the report reads all)
			Values: map[string]any{"m": `{"rating":"4","comment":"Bra hjälp, tack","lang":"` + lang + `"}`}})
		if p%5 == 0 {
			pipe.RPush(ctx, prefix+"gb:report:"+month+":"+handoff.ClaimSeconds, p%900)
		}
		if p%1000 == 999 {
			if _, err := pipe.Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		b.Fatal(err)
	}
	build := figures(st, sched, func() time.Time { return year.AddDate(1, 0, -1) })
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := build(ctx, year, year.AddDate(1, 0, -1))
		if err != nil || rep.Reach.Total != 100000 || len(rep.Feedback.Comments) != 100000 {
			b.Fatalf("%v: reached %v, %d comments", err, rep.Reach.Total, len(rep.Feedback.Comments))
		}
	}
}

// TestSessionsHeld: the sessions held in a period are those of the schedule that
// started in it and before now; two halves of a period add up to the whole, and
// none later than now counts.
func TestSessionsHeld(t *testing.T) {
	h, err := loadSchedule(config.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := h.Current()
	day := func(d string) time.Time {
		v, _ := time.ParseInLocation(time.DateOnly, d, s.Venues[0].Location)
		return v
	}
	sum := func(m map[string]int64) (n int64) {
		for _, v := range m {
			n += v
		}
		return n
	}
	later := day("2027-06-01")
	whole := held(s, day("2026-11-01"), day("2026-12-31"), later)
	first, second := held(s, day("2026-11-01"), day("2026-11-30"), later), held(s, day("2026-12-01"), day("2026-12-31"), later)
	const library = "Karlskoga bibliotek"
	if sum(whole) == 0 || sum(whole) != sum(first)+sum(second) || whole[library] != first[library]+second[library] {
		t.Fatalf("November and December %v, %v; both %v", first, second, whole)
	}
	// The library's Saturdays of December but for the 26th, which is called off (3),
	// and the course's meetings on 1 and 8 December (2).
	if second[library] != 5 {
		t.Fatalf("library sessions held in December: %d, want 5", second[library])
	}
	if sofar := held(s, day("2026-12-01"), day("2026-12-31"), day("2026-12-06")); sofar[library] != 2 {
		t.Fatalf("held by 6 December: %v", sofar)
	}
}

// TestEventNames: what the service counts is what the report reads.
func TestEventNames(t *testing.T) {
	for counted, read := range map[string]string{
		bot.ReachedEvent: report.EventReached, handoff.TicketOpened: report.EventTicketOpened,
		handoff.TicketClosed: report.EventTicketClosed, remind.ReminderSent: report.EventReminderSent,
		remind.ReminderDropped:                report.EventReminderLost,
		booking.ReminderFigure + "_delivered": report.EventReminderDelivered,
		booking.ReminderFigure + "_failed":    report.EventReminderFailed,
		matching.EventSignup:                  report.EventMatchSignup, matching.EventProposed: report.EventMatchProposed,
		matching.EventMatched: report.EventMatchMatched, matching.EventMet: report.EventMatchMet,
		matching.EventRating: report.EventMatchRating, matching.EventReported: report.EventMatchReported,
	} {
		if counted != read {
			t.Errorf("counted as %q, read as %q", counted, read)
		}
	}
}
