package store

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Connect opens REDIS_URL, or starts an embedded in-process Redis-compatible server
// when url is empty so that there is one code path. close stops both.
func Connect(ctx context.Context, url string) (rdb redis.UniversalClient, embedded bool, close func(), err error) {
	if url == "" {
		srv, err := miniredis.Run()
		if err != nil {
			return nil, false, nil, fmt.Errorf("embedded redis: %w", err)
		}
		c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
		return c, true, func() { c.Close(); srv.Close() }, nil
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, false, nil, fmt.Errorf("REDIS_URL is not a redis:// URL: %w", err)
	}
	c := redis.NewClient(opt)
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		c.Close()
		return nil, false, nil, fmt.Errorf("REDIS_URL: cannot reach Redis at %s: %w", opt.Addr, err)
	}
	return c, false, func() { c.Close() }, nil
}

// CountRoundTrips counts every round trip rdb makes (a command, a pipeline, a
// transaction) in guidebot_redis_roundtrips_total on reg: what the load tool divides
// by the messages handled.
func CountRoundTrips(rdb redis.UniversalClient, reg prometheus.Registerer) error {
	c := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "guidebot_redis_roundtrips_total",
		Help: "Round trips to Redis: single commands, pipelines and transactions.",
	})
	if err := reg.Register(c); err != nil {
		return fmt.Errorf("store: register metrics: %w", err)
	}
	rdb.AddHook(roundTrips{c})
	return nil
}

type roundTrips struct{ c prometheus.Counter }

func (roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.c.Inc()
		return next(ctx, cmd)
	}
}

func (r roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.c.Inc()
		return next(ctx, cmds)
	}
}

// LogClientTo sends the Redis client's own messages (a pool that cannot dial, say)
// to log as warnings, so they come out in the service's format rather than as
// plain lines on standard error. The client keeps one logger for the process.
func LogClientTo(log *slog.Logger) { redis.SetLogger(clientLog{log}) }

type clientLog struct{ log *slog.Logger }

func (c clientLog) Printf(ctx context.Context, format string, v ...any) {
	c.log.WarnContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...))
}
