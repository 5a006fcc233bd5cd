package telegram

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkWebhook measures webhook request → reply in the outbox on real Redis, for
// many distinct chats in parallel: a first message from each, which loads (no state),
// steps, and commits state, transcript and reply in one script. Nothing is sent.
func BenchmarkWebhook(b *testing.B) {
	e := newEnv(b)
	srv := httptest.NewServer(e.a.Webhook())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	template := fixture(b, "text_message")
	var seq atomic.Int64
	var failed atomic.Int64

	b.SetParallelism(8) // Telegram opens up to 40 webhook connections; more requests than CPUs in flight
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			chat := strconv.FormatInt(6000000000+n, 10)
			body := bytes.Replace(template, []byte(fixtureChat), []byte(chat), 2)
			body = bytes.Replace(body, []byte(`"update_id": 846271001`), []byte(fmt.Sprintf(`"update_id": %d`, 900000000+n)), 1)
			req, _ := http.NewRequest(http.MethodPost, srv.URL+WebhookPath, bytes.NewReader(body))
			req.Header.Set(secretHeader, testSecret)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				failed.Add(1)
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				failed.Add(1)
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d webhook requests failed", f, b.N)
	}
	queued := 0
	for {
		entries, err := e.reader.Read(e.ctx, 1000, -1)
		if err != nil {
			b.Fatal(err)
		}
		if len(entries) == 0 {
			break
		}
		queued += len(entries)
	}
	if queued < b.N {
		b.Fatalf("%d replies in the outbox for %d messages", queued, b.N)
	}
	if len(e.fake.Calls("")) != 0 {
		b.Fatal("the benchmark called the Bot API")
	}
}
