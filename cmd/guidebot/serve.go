package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/channel/sms"
	"github.com/guidebot/guidebot/internal/channel/telegram"
	"github.com/guidebot/guidebot/internal/outbox"
	"github.com/guidebot/guidebot/internal/server"
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

	var workers []func(context.Context) error
	addSender := func(ch string, s outbox.Sender) error {
		r, err := a.store.Outbox(ctx, ch, consumer)
		if err != nil {
			return err
		}
		w := outbox.NewWorker(r, s, a.now, a.log.With("channel", ch))
		workers = append(workers, w.Run)
		return nil
	}
	if a.cfg.Telegram.Token != "" {
		tg, err := telegram.New(a.cfg.Telegram, a.cfg.PublicURL, a.bot, a.store, cat, a.now, a.log)
		if err != nil {
			return err
		}
		// A Bot API that is down at start must not keep SMS and the webhook route down
		// too: register in the background until it works.
		workers = append(workers, func(ctx context.Context) error { return untilDone(ctx, a.log, "telegram setup", tg.Setup) })
		if a.cfg.Telegram.Mode == "webhook" {
			srv.Handle("POST "+telegram.WebhookPath, tg.Webhook())
		} else {
			workers = append(workers, tg.Poll)
		}
		if err := addSender(channel.Telegram, tg.Sender()); err != nil {
			return err
		}
	}
	if a.cfg.Twilio.AccountSID != "" {
		s, err := sms.New(a.cfg.Twilio, a.cfg.PublicURL, a.bot, a.store, cat, a.cfg.DefaultLang, a.now,
			a.log.With("channel", channel.SMS), srv.Registry())
		if err != nil {
			return err
		}
		srv.Handle("POST "+sms.InboundPath, s.Inbound())
		srv.Handle("POST "+sms.StatusPath, s.Status())
		if err := addSender(channel.SMS, s.Sender()); err != nil {
			return err
		}
	}

	httpSrv := &http.Server{Addr: a.cfg.HTTPAddr, Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
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
	}
	cancel()
	shutdown, stop := context.WithTimeout(context.Background(), 10*time.Second)
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

// untilDone runs f until it succeeds or ctx ends, backing off from 1 s to 5 min.
func untilDone(ctx context.Context, log *slog.Logger, what string, f func(context.Context) error) error {
	wait := time.Second
	for {
		err := f(ctx)
		if err == nil || ctx.Err() != nil {
			return nil
		}
		log.Warn(what+" failed; will retry", "after", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		wait = min(2*wait, 5*time.Minute)
	}
}
