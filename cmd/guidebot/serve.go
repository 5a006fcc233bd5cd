package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/guidebot/guidebot/internal/server"
)

func serve(ctx context.Context, getenv func(string) string, logOut io.Writer) error {
	a, err := newApp(ctx, getenv, logOut, slog.LevelInfo)
	if err != nil {
		return err
	}
	defer a.close()
	srv := &http.Server{Addr: a.cfg.HTTPAddr, Handler: server.New(func(ctx context.Context) error { return a.rdb.Ping(ctx).Err() }, a.log).Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	a.log.Info("guidebot serving", "addr", a.cfg.HTTPAddr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
