package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/guidebot/guidebot/internal/admin"
	"github.com/guidebot/guidebot/internal/channel/sms"
	"github.com/guidebot/guidebot/internal/channel/telegram"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/outbox"
	"github.com/guidebot/guidebot/internal/pace"
	"github.com/guidebot/guidebot/internal/remind"
	"github.com/guidebot/guidebot/internal/server"
	"github.com/guidebot/guidebot/internal/store"
)

const (
	// readHeaderTimeout bounds a client's request headers (slowloris).
	readHeaderTimeout = 10 * time.Second
	// shutdownTimeout bounds the wait for requests in progress at shutdown.
	shutdownTimeout = 10 * time.Second
	// drainDelay is how long a stopping replica fails /readyz and refuses webhooks
	// (503, the providers retry) before it stops listening, so a load balancer
	// notices before connections are refused.
	drainDelay = time.Second
	// readTimeout, writeTimeout and idleTimeout bound a request's body, its answer and
	// a kept-alive connection: a webhook is a few kilobytes, answered at once.
	readTimeout  = 30 * time.Second
	writeTimeout = 30 * time.Second
	idleTimeout  = 2 * time.Minute
)

// serve runs the HTTP routes, the enabled channels and their outbox senders.
func serve(ctx context.Context, getenv func(string) string, logOut io.Writer) error {
	a, err := newApp(ctx, getenv, logOut, slog.LevelInfo)
	if err != nil {
		return err
	}
	defer a.close()
	srv := server.New(func(ctx context.Context) error { return a.rdb.Ping(ctx).Err() }, a.log)
	cat := a.content.catalog
	host, _ := os.Hostname()
	consumer := fmt.Sprintf("%s-%d", host, os.Getpid())

	// Registered first: the outbox's metrics count what goes out on the series the
	// bot counts what comes in.
	if err := srv.Registry().Register(a.messages); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	metrics, err := outbox.NewMetrics(srv.Registry())
	if err != nil {
		return err
	}
	for _, c := range append(a.handoff.Collectors(), a.bot.Collectors()...) {
		if err := srv.Registry().Register(c); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
	}
	if err := store.CountRoundTrips(a.rdb, srv.Registry()); err != nil {
		return err
	}
	var workers []func(context.Context) error
	var channels []string // those enabled, whose outboxes reminders go to
	addSender := func(ch string, s outbox.Sender, limits outbox.Limits) error {
		channels = append(channels, ch)
		r, err := a.store.Outbox(ctx, ch, consumer)
		if err != nil {
			return err
		}
		d := outbox.New(r, s, a.store, outbox.Options{
			Channel: ch, Limits: limits, Senders: a.cfg.Senders, Now: a.now,
			Log: a.log.With("channel", ch), Metrics: metrics, Tracker: a.store, Spender: a.store,
			Figures: a.store, Zone: programmeZone(a.schedule.Current()),
		})
		workers = append(workers, d.Run)
		return nil
	}
	if a.cfg.Telegram.Token != "" {
		tg, err := telegram.New(a.cfg.Telegram, a.cfg.PublicURL, a.handoff, cat, a.now, a.log)
		if err != nil {
			return err
		}
		// A Bot API that is down at start must not keep SMS and the webhook route down
		// too: Setup retries in the background until the webhook is registered.
		workers = append(workers, tg.Setup)
		if a.cfg.Telegram.Mode == "webhook" {
			srv.Handle("POST "+telegram.WebhookPath, tg.Webhook())
		} else {
			workers = append(workers, tg.Poll)
		}
		if err := addSender(message.Telegram, tg.Sender(), tg.Limits()); err != nil {
			return err
		}
	}
	if a.cfg.Twilio.AccountSID != "" {
		s, err := sms.New(a.cfg.Twilio, a.cfg.PublicURL, a.handoff, a.store, cat, a.cfg.DefaultLang, a.now,
			a.log.With("channel", message.SMS), srv.Registry())
		if err != nil {
			return err
		}
		srv.Handle("POST "+sms.InboundPath, s.Inbound())
		srv.Handle("POST "+sms.StatusPath, s.Status())
		if err := addSender(message.SMS, s.Sender(), s.Limits()); err != nil {
			return err
		}
	}
	if a.cfg.AdminToken != "" {
		api := admin.NewAPI(a.cfg.AdminToken, figures(a.store, a.schedule, a.now), programmeZone(a.schedule.Current()), a.now, a.log)
		srv.Handle("GET "+admin.ReportPath, api)
		page := admin.NewPage(api, board(a.store, a.schedule, cat.Languages()), cat, strings.HasPrefix(a.cfg.PublicURL, "https://"))
		for pattern, h := range page.Routes() {
			srv.Handle(pattern, h)
		}
	}
	if err := srv.Registry().Register(a.store.BacklogCollector(channels)); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	reminders, err := remind.NewRunner(a.store, remind.Ticks{Source: a.store, Handler: a.handoff}, channels, a.now, a.log, srv.Registry(),
		remind.ReportIn(programmeZone(a.schedule.Current())), remind.TidyRosters(a.store))
	if err != nil {
		return err
	}
	workers = append(workers, reminders.Run, func(ctx context.Context) error {
		// The proposals of a round reach both at once, not at the next minute's tick.
		return a.matching.Run(ctx, a.cfg.MatchSchedule, a.log, func(ctx context.Context) {
			if _, err := reminders.DeliverTicks(ctx); err != nil {
				a.log.Warn("matching: proposals wait for the next minute", "err", err)
			}
		})
	})
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	workers = append(workers, func(ctx context.Context) error {
		return watchSchedule(ctx, a.schedule, a.cfg.ScheduleFile, scheduleCheckEvery, hup, a.callOff, a.log)
	})
	if a.cfg.PprofAddr != "" {
		workers = append(workers, func(ctx context.Context) error { return servePprof(ctx, a.cfg.PprofAddr, a.log) })
	}

	httpSrv := &http.Server{Addr: a.cfg.HTTPAddr, Handler: srv.Handler(), ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout: readTimeout, WriteTimeout: writeTimeout, IdleTimeout: idleTimeout}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, run := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("worker stopped", "err", err)
			}
		}()
	}
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.ListenAndServe() }()
	a.log.Info("guidebot serving", "addr", a.cfg.HTTPAddr,
		"telegram", a.cfg.Telegram.Mode, "sms", a.cfg.Twilio.AccountSID != "")
	select {
	case err = <-errc:
	case <-ctx.Done():
		a.log.Info("shutting down: not ready, webhooks refused with 503, then in-flight work finishes", "drain", drainDelay)
		srv.Drain()
		pace.Sleep(context.Background(), drainDelay)
	}
	cancel()
	shutdown, stop := context.WithTimeout(context.Background(), shutdownTimeout)
	defer stop()
	if serr := httpSrv.Shutdown(shutdown); serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// servePprof serves the runtime profiles on addr until ctx ends.
func servePprof(ctx context.Context, addr string, log *slog.Logger) error {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: readHeaderTimeout}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	log.Warn("pprof is on: profiles are served without authentication", "addr", addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("pprof: %w", err)
	}
	return nil
}

// callOff tells the participants booked on sessions the schedule no longer has.
func (a *app) callOff(ctx context.Context) {
	n, err := a.bookings.CallOff(ctx, a.store, a.now())
	if err != nil {
		a.log.Error("calling off cancelled sessions", "err", err, "told", n)
		return
	}
	if n > 0 {
		a.log.Info("cancelled sessions called off", "told", n)
	}
}
