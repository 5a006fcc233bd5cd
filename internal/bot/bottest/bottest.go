// Package bottest builds the real bot on the shipped flows and locales, over a real
// Redis with a key prefix of the test's own, for the tests of the bot and its channels.
package bottest

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/flows"
	"github.com/guidebot/guidebot/internal/booking"
	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/channel/sms"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/handoff"
	"github.com/guidebot/guidebot/internal/i18n"
	"github.com/guidebot/guidebot/internal/matching"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/schedule"
	"github.com/guidebot/guidebot/internal/store"
	"github.com/guidebot/guidebot/internal/store/storetest"
	"github.com/guidebot/guidebot/locales"
	"github.com/guidebot/guidebot/schedules"
)

// DefaultLang is the DEFAULT_LANGUAGE of the test bot.
const DefaultLang = "sv"

// CoordinatorsChat is the test bot's Telegram chat of guides and coordinators,
// told of a problem reported in a match.
const CoordinatorsChat = "9000"

// Env is a bot with everything it stands on.
type Env struct {
	Bot     *bot.Bot
	Store   *store.Store
	Catalog *i18n.Catalog
	Redis   redis.UniversalClient
	Prefix  string
	// Handoff routes guides' messages and carries out the handoff effects.
	Handoff *handoff.Service
	// Matching carries out the sign-up to meet someone and pairs the pool.
	Matching *matching.Service
}

// New builds the bot on storetest.Redis; now is its clock.
func New(t testing.TB, now func() time.Time) Env {
	t.Helper()
	rdb, prefix := storetest.Redis(t)
	return On(t, rdb, prefix, now)
}

// On builds the bot on a given Redis client and key prefix.
func On(t testing.TB, rdb redis.UniversalClient, prefix string, now func() time.Time) Env {
	t.Helper()
	return build(t, rdb, prefix, now, 0)
}

// Limited builds the bot with an inbound limit of limit messages a minute per
// sender, as serve wires INBOUND_LIMIT.
func Limited(t testing.TB, now func() time.Time, limit int) Env {
	t.Helper()
	rdb, prefix := storetest.Redis(t)
	return build(t, rdb, prefix, now, limit)
}

func build(t testing.TB, rdb redis.UniversalClient, prefix string, now func() time.Time, limit int) Env {
	t.Helper()
	cat, err := i18n.Load(locales.Files, DefaultLang)
	if err != nil {
		t.Fatal(err)
	}
	fl, err := flow.Load(flows.Files)
	if err != nil {
		t.Fatal(err)
	}
	sched, err := schedule.Parse(schedules.SampleName, schedules.Sample)
	if err != nil {
		t.Fatal(err)
	}
	// As guidebot serve wires it: the shipped sample schedule, one session per SMS.
	eng, err := flow.New(fl, cat, flow.Config{DefaultLang: DefaultLang, Sessions: sched, Lists: sched,
		SessionsShown: map[string]int{message.SMS: sms.SessionsPerReply},
		Fits:          map[string]flow.Fits{message.SMS: sms.Fits(cat, sms.PartsBudget)}})
	if err != nil {
		t.Fatal(err)
	}
	opt := store.Options{Prefix: prefix, Now: now}
	if limit > 0 {
		opt.InboundWindow = time.Minute
	}
	st := store.New(rdb, opt)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The programme's zone, as serve takes it: the first venue's.
	b := bot.New(eng, st, now, quiet, bot.InboundLimit(limit, DefaultLang), bot.ReportIn(sched.Venues[0].Location))
	booking.New(sched, st, booking.DefaultMaxOpen).Register(b)
	h := handoff.New(st, b, cat, handoff.Options{DefaultLang: DefaultLang, Now: now, Log: quiet})
	h.Register(b)
	m := matching.New(st, func() schedule.Matching { return sched.Matching }, matching.Options{Now: now,
		Places: func() []string { return []string{sched.Venues[0].Name} }, Zone: sched.Venues[0].Location,
		Coordinators: CoordinatorsChat, Lang: DefaultLang, Texts: cat})
	m.Register(b)
	m.RegisterHandoff(h)
	return Env{Bot: b, Store: st, Catalog: cat, Redis: rdb, Prefix: prefix, Handoff: h, Matching: m}
}
