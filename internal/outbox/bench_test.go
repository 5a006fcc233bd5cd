package outbox_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/outbox"
	"github.com/guidebot/guidebot/internal/store"
)

// countingSender accepts everything at once: the benchmark measures the outbox.
type countingSender struct{ n atomic.Int64 }

func (c *countingSender) Send(context.Context, message.Outbound) error {
	c.n.Add(1)
	return nil
}

// BenchmarkDispatch drains b.N queued messages to 1000 recipients through a
// dispatcher with a real Redis and an instant provider, limits lifted. It reports
// msgs/s and the Redis round trips per message of delivery (read, suppression
// lookup, ack; lease renewals included).
func BenchmarkDispatch(b *testing.B) {
	f := newFixture(b)
	// The dispatcher gets a client of its own, so only its round trips are counted.
	rdb := redis.NewClient(f.rdb.(*redis.Client).Options())
	defer rdb.Close()
	reg := prometheus.NewRegistry()
	if err := store.CountRoundTrips(rdb, reg); err != nil {
		b.Fatal(err)
	}
	st := store.New(rdb, store.Options{Prefix: f.prefix})
	stream, err := st.Outbox(f.ctx, testChannel, "bench")
	if err != nil {
		b.Fatal(err)
	}
	pipe := f.rdb.Pipeline()
	for i := 0; i < b.N; i++ {
		to := strconv.Itoa(i % 1000)
		payload := `{"to":"` + to + `","p":"p:` + to + `","x":"hello","r":{"l":"en"}}`
		// One shard on one Redis: the stream is {s0}'s.
		pipe.XAdd(f.ctx, &redis.XAddArgs{Stream: f.prefix + "gb:{s0}:" + store.Outbox(testChannel), Values: []string{"m", payload}})
		if pipe.Len() == 1000 {
			if _, err := pipe.Exec(f.ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := pipe.Exec(f.ctx); err != nil {
		b.Fatal(err)
	}
	s := &countingSender{}
	d := outbox.New(stream, s, st, outbox.Options{Channel: testChannel, Log: quiet})
	before := roundTrips(b, reg)
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	b.ResetTimer()
	start := time.Now()
	go func() { done <- d.Run(ctx) }()
	for s.n.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	for f.left() > 0 { // the last acknowledgements
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	trips := roundTrips(b, reg) - before
	cancel()
	<-done
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(trips/float64(b.N), "roundtrips/msg")
}

// roundTrips reads guidebot_redis_roundtrips_total from reg.
func roundTrips(b *testing.B, reg *prometheus.Registry) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "guidebot_redis_roundtrips_total" {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	b.Fatal("no guidebot_redis_roundtrips_total")
	return 0
}
