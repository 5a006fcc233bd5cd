package bot_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/store/storetest"
)

// roundTrips counts calls to Redis: one per command, one per pipeline.
type roundTrips struct{ n atomic.Int64 }

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

// conversation is what each benchmark participant says, over and over: it walks the
// menu, a first-aid card and back, by number, by label and by command.
var conversation = []string{"1", "2", "2", "1", "1", "1", "yes", "menu", "3", "0"}

// BenchmarkHandle runs 64 participants at once against a real Redis:
//
//	go test -run x -bench Handle -benchtime 20000x ./internal/bot/
func BenchmarkHandle(b *testing.B) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(b)
	rt := &roundTrips{}
	rdb.AddHook(rt)
	f := newFixture(b, rdb, prefix)
	const participants = 64
	var next atomic.Int64
	// RunParallel starts parallelism × GOMAXPROCS goroutines.
	b.SetParallelism(max(1, participants/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	start := time.Now()
	rt.n.Store(0)
	b.RunParallel(func(pb *testing.PB) {
		p := next.Add(1)
		i := 0
		for pb.Next() {
			in := text(fmt.Sprint("bench", p), fmt.Sprint("m", p, "-", i), conversation[i%len(conversation)])
			if _, err := f.bot.Handle(ctx, in); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(rt.n.Load())/float64(b.N), "roundtrips/msg")
	if n, err := f.store.MemoryUsage(ctx, "tg:bench1"); err == nil {
		b.ReportMetric(float64(n), "bytes/participant")
	}
	rdb.Del(ctx, prefix+"gb:{s0}:outbox:"+message.Telegram) // one shard on one Redis
}
