package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/clocktest"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/outbox"
	"github.com/guidebot/guidebot/internal/store"
	"github.com/guidebot/guidebot/internal/store/storetest"
)

// scripted fails each send with the next error of its script, then succeeds.
type scripted struct {
	errs []error
	sent []string
}

func (s *scripted) Send(_ context.Context, msg channel.Outbound) error {
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		return err
	}
	s.sent = append(s.sent, msg.To)
	return nil
}

func TestWorkerRetriesTransientAndDropsPermanent(t *testing.T) {
	tests := []struct {
		name     string
		errs     []error
		wantSent int
	}{
		{"ok", nil, 1},
		{"transient twice", []error{outbox.Retry(0, errors.New("503")), outbox.Retry(3*time.Second, errors.New("429"))}, 1},
		{"permanent", []error{errors.New("400 chat not found")}, 0},
		{"transient forever", repeat(outbox.Retry(0, errors.New("timeout")), 20), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			rdb, prefix := storetest.Redis(t)
			st := store.New(rdb, store.Options{Prefix: prefix})
			payload, _ := json.Marshal(channel.Outbound{To: "123", Reply: flow.Reply{Lang: "en", Texts: []flow.Message{{ID: "common.next"}}}})
			if err := st.Enqueue(ctx, store.Outbox("test"), string(payload)); err != nil {
				t.Fatal(err)
			}
			r, _ := st.Outbox(ctx, "test", "w")
			clock := clocktest.New(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
			s := &scripted{errs: tc.errs}
			w := outbox.NewWorker(r, s, clock.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err := w.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			// Let the fake clock pass every backoff; each pass retries what is due.
			for i := 0; i < 30; i++ {
				clock.Advance(10 * time.Minute)
				w.RetryDue(ctx)
			}
			if len(s.sent) != tc.wantSent {
				t.Fatalf("sent %d, want %d", len(s.sent), tc.wantSent)
			}
			if pending, _ := r.Reclaim(ctx, 0, 10); len(pending) != 0 {
				t.Fatalf("entries left unacknowledged: %v", pending)
			}
		})
	}
}

func repeat(err error, n int) []error {
	out := make([]error, n)
	for i := range out {
		out[i] = err
	}
	return out
}
