package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Connect opens REDIS_URL — one Redis (redis://, rediss://) or a Redis Cluster
// (redis+cluster://host:port,host:port,…, rediss+cluster:// with TLS; user,
// password and go-redis's options as for one) — or starts an embedded in-process
// Redis-compatible server when url is empty so that there is one code path. close
// stops both. shards is the store's (0: its default); every replica's senders keep
// a connection blocked on each, so the pools grow with it.
func Connect(ctx context.Context, url string, shards int) (rdb redis.UniversalClient, embedded bool, close func(), err error) {
	if url == "" {
		srv, err := miniredis.Run()
		if err != nil {
			return nil, false, nil, fmt.Errorf("embedded redis: %w", err)
		}
		c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
		return c, true, func() { c.Close(); srv.Close() }, nil
	}
	var addr string
	if cluster, ok := ClusterURL(url); ok {
		opt, err := redis.ParseClusterURL(cluster)
		if err != nil {
			return nil, false, nil, fmt.Errorf("REDIS_URL is not a redis+cluster:// URL: %w", err)
		}
		opt.PoolSize = poolSize(opt.PoolSize, cmp.Or(shards, DefaultClusterShards))
		opt.DisableIdentity = true
		rdb, addr = redis.NewClusterClient(opt), strings.Join(opt.Addrs, ",")
	} else {
		opt, err := redis.ParseURL(url)
		if err != nil {
			return nil, false, nil, fmt.Errorf("REDIS_URL is not a redis:// URL: %w", err)
		}
		if shards > 1 {
			opt.PoolSize = poolSize(opt.PoolSize, shards)
		}
		opt.DisableIdentity = true
		rdb, addr = redis.NewClient(opt), opt.Addr
	}
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		rdb.Close()
		return nil, false, nil, fmt.Errorf("REDIS_URL: cannot reach Redis at %s: %w", addr, err)
	}
	return rdb, false, func() { rdb.Close() }, nil
}

// Both clients leave out CLIENT SETINFO on connect (DisableIdentity): Redis before
// 7.2 refuses it, which would count as a failure for every new connection, and
// nothing here reads the library's name in CLIENT LIST.

// blockedPerShard is the connections a replica keeps blocked on one shard: a
// watcher for each channel's outbox.
const blockedPerShard = 2

// poolSize is go-redis's pool (10 a CPU unless the URL sets one) with room for the
// connections the watchers of shards keep blocked, should all be on one node.
func poolSize(set, shards int) int {
	if set == 0 {
		set = 10 * runtime.GOMAXPROCS(0)
	}
	return set + blockedPerShard*shards
}

// ClusterURL turns a redis+cluster:// URL into the form go-redis parses (the first
// address as the host, the others as addr= parameters); ok is false for any other.
func ClusterURL(url string) (string, bool) {
	scheme, rest, ok := strings.Cut(url, "+cluster://")
	if !ok || (scheme != "redis" && scheme != "rediss") {
		return "", false
	}
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	user := ""
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		user, authority = authority[:i+1], authority[i+1:]
	}
	hosts := strings.Split(authority, ",")
	var extra []string
	for _, h := range hosts[1:] {
		if h != "" {
			extra = append(extra, "addr="+h)
		}
	}
	if len(extra) > 0 {
		sep := "?"
		if strings.Contains(tail, "?") {
			sep = "&"
		}
		tail += sep + strings.Join(extra, "&")
	}
	return scheme + "://" + user + hosts[0] + tail, true
}

// CountRoundTrips counts every round trip rdb makes (a command, a pipeline, a
// transaction) in guidebot_redis_roundtrips_total on reg: what the load tool divides
// by the messages handled. Those that fail (Redis unreachable, a timeout, a script
// error; not a key that is not there) count in guidebot_errors_total{kind="redis"}.
func CountRoundTrips(rdb redis.UniversalClient, reg prometheus.Registerer) error {
	c := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "guidebot_redis_roundtrips_total",
		Help: "Round trips to Redis: single commands, pipelines and transactions.",
	})
	failed := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "guidebot_errors_total",
		Help: "Failures by kind: redis (a round trip to Redis that failed).",
	}, []string{"kind"})
	for _, m := range []prometheus.Collector{c, failed} {
		if err := reg.Register(m); err != nil {
			return fmt.Errorf("store: register metrics: %w", err)
		}
	}
	rdb.AddHook(roundTrips{c, failed.WithLabelValues("redis")})
	return nil
}

type roundTrips struct{ c, failed prometheus.Counter }

func (roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.c.Inc()
		return r.count(next(ctx, cmd))
	}
}

func (r roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.c.Inc()
		return r.count(next(ctx, cmds))
	}
}

// expectedReplies are error replies the store asks for and handles: a script not
// yet loaded (go-redis then sends it), a consumer group that exists.
var expectedReplies = []string{"NOSCRIPT", "BUSYGROUP"}

// count counts err unless it is none, a key that is not there or an expected reply.
func (r roundTrips) count(err error) error {
	if err == nil || errors.Is(err, redis.Nil) ||
		slices.ContainsFunc(expectedReplies, func(p string) bool { return strings.HasPrefix(err.Error(), p) }) {
		return err
	}
	r.failed.Inc()
	return err
}

// LogClientTo sends the Redis client's own messages (a pool that cannot dial, say)
// to log as warnings, so they come out in the service's format rather than as
// plain lines on standard error. The client keeps one logger for the process.
func LogClientTo(log *slog.Logger) { redis.SetLogger(clientLog{log}) }

type clientLog struct{ log *slog.Logger }

func (c clientLog) Printf(ctx context.Context, format string, v ...any) {
	c.log.WarnContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...))
}
