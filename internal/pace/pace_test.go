package pace_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/pace"
)

func TestBackoffDelay(t *testing.T) {
	tests := []struct {
		b    pace.Backoff
		n    int
		want time.Duration
	}{
		{pace.Backoff{}, 0, time.Second},
		{pace.Backoff{}, 3, 8 * time.Second},
		{pace.Backoff{}, 20, 5 * time.Minute},
		{pace.Backoff{}, 500, 5 * time.Minute},
		{pace.Backoff{}, -1, time.Second},
		{pace.Backoff{Base: time.Millisecond, Max: 10 * time.Millisecond}, 2, 4 * time.Millisecond},
		{pace.Backoff{Base: time.Millisecond, Max: 10 * time.Millisecond}, 4, 10 * time.Millisecond},
	}
	for _, tc := range tests {
		if got := tc.b.Delay(tc.n); got != tc.want {
			t.Errorf("%+v.Delay(%d) = %s, want %s", tc.b, tc.n, got, tc.want)
		}
	}
}

func TestSleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := pace.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on an ended context = %v, want context.Canceled", err)
	}
	if err := pace.Sleep(context.Background(), 0); err != nil {
		t.Fatalf("Sleep(0) = %v", err)
	}
}

func TestRetryWaitsTheCurveUntilSuccess(t *testing.T) {
	var waits []time.Duration
	calls := 0
	sleep := func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	err := pace.Retry(context.Background(), pace.Backoff{}, sleep, func(context.Context) error {
		calls++
		if calls < 4 {
			return errors.New("down")
		}
		return nil
	}, nil)
	if err != nil || calls != 4 {
		t.Fatalf("Retry = %v after %d calls, want nil after 4", err, calls)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}
	if len(waits) != len(want) {
		t.Fatalf("waits %v, want %v", waits, want)
	}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", waits, want)
		}
	}
}
