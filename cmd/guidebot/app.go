package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/flows"
	"github.com/guidebot/guidebot/internal/booking"
	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/channel/sms"
	"github.com/guidebot/guidebot/internal/config"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/handoff"
	"github.com/guidebot/guidebot/internal/i18n"
	"github.com/guidebot/guidebot/internal/matching"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/outbox"
	"github.com/guidebot/guidebot/internal/schedule"
	"github.com/guidebot/guidebot/internal/store"
	"github.com/guidebot/guidebot/locales"
	"github.com/guidebot/guidebot/schedules"
)

// content is the flows and locales, loaded from FLOWS_DIR/LOCALES_DIR or the binary.
type content struct {
	flows   []*flow.Flow
	catalog *i18n.Catalog
}

func loadContent(cfg config.Config) (content, error) {
	var flowFS, localeFS fs.FS = flows.Files, locales.Files
	if cfg.FlowsDir != "" {
		flowFS = os.DirFS(cfg.FlowsDir)
	}
	if cfg.LocalesDir != "" {
		localeFS = os.DirFS(cfg.LocalesDir)
	}
	fl, err := flow.Load(flowFS)
	if err != nil {
		return content{}, err
	}
	cat, err := i18n.Load(localeFS, cfg.DefaultLang)
	if err != nil {
		return content{}, err
	}
	return content{flows: fl, catalog: cat}, nil
}

// loadSchedule reads SCHEDULE_FILE, or the sample built into the binary.
func loadSchedule(cfg config.Config) (*schedule.Holder, error) {
	if cfg.ScheduleFile == "" {
		return schedule.NewHolder(schedules.SampleName, func() ([]byte, error) { return schedules.Sample, nil })
	}
	return schedule.NewHolder(cfg.ScheduleFile, func() ([]byte, error) {
		data, err := os.ReadFile(cfg.ScheduleFile)
		if err != nil {
			return nil, fmt.Errorf("SCHEDULE_FILE: %w", err)
		}
		return data, nil
	})
}

// inboundWindow is the window INBOUND_LIMIT counts in.
const inboundWindow = time.Minute

// app is what serve and chat share: Redis, the store, the engine and the bot.
type app struct {
	cfg      config.Config
	content  content
	rdb      redis.UniversalClient
	store    *store.Store
	bot      *bot.Bot
	log      *slog.Logger
	close    func()
	now      func() time.Time
	schedule *schedule.Holder
	bookings *booking.Effects
	// messages counts messages in and out (guidebot_messages_total); serve
	// registers it.
	messages *prometheus.CounterVec
	// handoff routes Telegram messages: guides to their console, others to the bot.
	handoff *handoff.Service
	// matching keeps the sign-ups to meet someone for an hour and pairs them.
	matching *matching.Service
}

func newApp(ctx context.Context, getenv func(string) string, logOut io.Writer, level slog.Level) (*app, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, err
	}
	log := newLogger(cfg, logOut, level)
	store.LogClientTo(log)
	c, err := loadContent(cfg)
	if err != nil {
		return nil, err
	}
	sched, err := loadSchedule(cfg)
	var problems schedule.Problems
	if errors.As(err, &problems) {
		return nil, fmt.Errorf("SCHEDULE_FILE: %s (guidebot check lists all %d problems)", problems[0], len(problems))
	}
	if err != nil {
		return nil, err
	}
	// The programme's country picks the variant of each card that names a
	// country's services (card.bills.1@FI in Finland).
	c.catalog = c.catalog.ForCountry(sched.Current().Country)
	engine, err := flow.New(c.flows, c.catalog, flow.Config{DefaultLang: cfg.DefaultLang, TranscriptDays: cfg.TranscriptDays,
		Sessions: sched, Lists: sched, Zone: programmeZone(sched.Current()), SessionsShown: map[string]int{message.SMS: sms.SessionsPerReply},
		Fits: map[string]flow.Fits{message.SMS: sms.Fits(c.catalog, sms.PartsBudget)}})
	if err != nil {
		return nil, fmt.Errorf("%w (run guidebot check for the full list)", err)
	}
	rdb, embedded, closeRedis, err := store.Connect(ctx, cfg.RedisURL, cfg.RedisShards)
	if err != nil {
		return nil, err
	}
	if embedded {
		fmt.Fprintln(logOut, "WARNING: REDIS_URL is not set: using an embedded in-memory Redis. Everything is lost when guidebot exits.")
	}
	opt := store.Options{TranscriptTTL: time.Duration(cfg.TranscriptDays) * 24 * time.Hour,
		Prefix: cfg.RedisPrefix, Shards: cfg.RedisShards}
	if cfg.InboundLimit > 0 {
		opt.InboundWindow = inboundWindow
	}
	st := store.New(rdb, opt)
	if err := st.CheckShards(ctx); err != nil {
		closeRedis()
		return nil, fmt.Errorf("REDIS_SHARDS: %w (participants would be looked for in the wrong place)", err)
	}
	messages := outbox.NewMessagesCounter()
	b := bot.New(engine, st, time.Now, log, bot.InboundLimit(cfg.InboundLimit, cfg.DefaultLang), bot.CountMessages(messages),
		bot.ReportIn(programmeZone(sched.Current())))
	bookings := booking.New(sched, st, booking.DefaultMaxOpen)
	bookings.Register(b)
	var guidesChat string
	if cfg.Telegram.GuidesChatID != 0 {
		guidesChat = strconv.FormatInt(cfg.Telegram.GuidesChatID, 10)
	}
	guides := handoff.New(st, b, c.catalog, handoff.Options{GuidesChat: guidesChat, DefaultLang: cfg.DefaultLang,
		ClaimTimeout: cfg.ClaimTimeout, GuideTimeout: cfg.GuideTimeout, Zone: programmeZone(sched.Current()),
		Now: time.Now, Log: log})
	guides.Register(b)
	pool := matching.New(st, func() schedule.Matching { return sched.Current().Matching }, matching.Options{
		ProposalTTL: cfg.MatchProposalTTL, Places: func() []string { return venueNames(sched.Current()) },
		Coordinators: guidesChat, Lang: cfg.DefaultLang, Texts: c.catalog,
		Now: time.Now, Zone: programmeZone(sched.Current())})
	pool.Register(b)
	pool.RegisterHandoff(guides)
	return &app{
		cfg: cfg, content: c, rdb: rdb, store: st, log: log, close: closeRedis, now: time.Now, schedule: sched,
		bot: b, bookings: bookings, handoff: guides, messages: messages, matching: pool,
	}, nil
}

// programmeZone is the programme's time zone, where guides' hours are read: its
// first venue's.
func programmeZone(s *schedule.Schedule) *time.Location {
	if s == nil || len(s.Venues) == 0 || s.Venues[0].Location == nil {
		return time.UTC
	}
	return s.Venues[0].Location
}

// newLogger logs JSON, one object a line, unless LOG_FORMAT=text or the log goes to a
// terminal, where people read it; at LOG_LEVEL, else level.
func newLogger(cfg config.Config, out io.Writer, level slog.Level) *slog.Logger {
	if cfg.LogLevel != nil {
		level = *cfg.LogLevel
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" || (cfg.LogFormat == "" && isTerminal(out)) {
		return slog.New(slog.NewTextHandler(out, opts))
	}
	return slog.New(slog.NewJSONHandler(out, opts))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// venueNames are the schedule's venues: public places to suggest for a meeting.
func venueNames(s *schedule.Schedule) []string {
	out := make([]string, 0, len(s.Venues))
	for _, v := range s.Venues {
		out = append(out, v.Name)
	}
	return out
}
