package pace

import (
	"context"
	"time"
)

// Defaults of a zero Backoff.
const (
	DefaultBase = time.Second
	DefaultMax  = 5 * time.Minute
)

// Sleep waits d or until ctx ends, whichever comes first; it returns ctx's error
// when ctx ended. A d of zero or less returns at once.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Backoff doubles a wait from Base after each failed attempt, up to Max. The zero
// value waits 1 s, 2 s, 4 s … up to 5 minutes.
type Backoff struct {
	Base time.Duration
	Max  time.Duration
}

// Delay is the wait before the attempt that follows failed attempt n (0 for the
// first failure).
func (b Backoff) Delay(n int) time.Duration {
	base, most := b.Base, b.Max
	if base <= 0 {
		base = DefaultBase
	}
	if most <= 0 {
		most = DefaultMax
	}
	if n < 0 {
		n = 0
	}
	if n > 62 {
		return most
	}
	d := base << n
	if d > most || d <= 0 {
		return most
	}
	return d
}

// Retry calls f until it succeeds or ctx ends, waiting b.Delay between failures;
// failed is told of each failure and the wait that follows it.
func Retry(ctx context.Context, b Backoff, sleep func(context.Context, time.Duration) error,
	f func(context.Context) error, failed func(err error, wait time.Duration)) error {
	for n := 0; ; n++ {
		err := f(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := b.Delay(n)
		if failed != nil {
			failed(err, wait)
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}
