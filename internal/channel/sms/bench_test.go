package sms_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/channel/sms"
	"github.com/guidebot/guidebot/internal/channel/sms/smstest"
)

// BenchmarkInbound measures signed webhooks turned into replies in the outbox: the
// signature check, the keyword and opt-out checks, the bot's step and its commit in
// real Redis. Nothing is sent. Every message comes from a number of its own, so
// participants never wait on each other.
func BenchmarkInbound(b *testing.B) {
	for _, via := range []string{"handler", "http"} {
		b.Run(via, func(b *testing.B) {
			e := newEnv(b)
			var n atomic.Int64
			h := e.a.Inbound()
			b.SetParallelism(8) // the work waits on Redis, not the CPU
			b.ResetTimer()
			start := time.Now()
			// Keep-alive as Twilio's webhook client does: a drained body and enough idle
			// connections, so the figure is the server's, not the dialler's.
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					from := fmt.Sprintf("+4670%07d", i)
					form := inbound(from, fmt.Sprintf("SM%032x", i), "hello")
					var status int
					if via == "handler" {
						req := smstest.Webhook("http://replica"+sms.InboundPath, publicURL+sms.InboundPath, authToken, form)
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, req)
						status = rec.Code
					} else {
						req := smstest.Webhook(e.web.URL+sms.InboundPath, publicURL+sms.InboundPath, authToken, form)
						res, err := client.Do(req)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						status = res.StatusCode
					}
					if status != http.StatusOK {
						b.Errorf("status %d", status)
						return
					}
				}
			})
			elapsed := time.Since(start)
			b.StopTimer()
			if got := e.outboxLen(); got != int64(b.N) {
				b.Fatalf("outbox holds %d replies, want %d", got, b.N)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
		})
	}
}
