package main

import (
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// outcome is how a fake provider answers one send.
type outcome uint8

const (
	delivered outcome = iota // success: the reply reached the provider
	failed                   // 502 Bad Gateway
	hung                     // no answer until the client gives up
	tooMany                  // 429 with retry_after
)

// faults decides the outcome of each send the fakes receive. It is shared by both
// fakes, so -429 N spreads N answers over all sends. Until begin is called every
// send succeeds: sends before the run are no part of it.
type faults struct {
	fail, hang float64
	tooMany    int64
	// Either 429s fall due half a gap after the run begins and then a gap apart (a
	// run of fixed length), or every everyN-th send gets one (a fixed number of
	// updates, about one send each).
	gap    time.Duration
	everyN int64

	begun  atomic.Int64 // Unix nanoseconds of the run's start; 0 before
	sends  atomic.Int64
	issued atomic.Int64
}

// newFaults spreads n429 answers over a run of length span or, when updates is
// positive, over about that many sends.
func newFaults(fail, hang float64, n429 int, span time.Duration, updates int) *faults {
	f := &faults{fail: fail, hang: hang, tooMany: int64(n429)}
	if n429 > 0 {
		if updates > 0 {
			f.everyN = max(1, int64(updates/n429))
		} else {
			f.gap = span / time.Duration(n429)
		}
	}
	return f
}

// begin starts injecting faults.
func (f *faults) begin(now time.Time) { f.begun.Store(now.UnixNano()) }

// on reports whether any fault is injected at all.
func (f *faults) on() bool { return f.fail > 0 || f.hang > 0 || f.tooMany > 0 }

// decide is the outcome of one send arriving at now.
func (f *faults) decide(now time.Time) outcome {
	begun := f.begun.Load()
	if begun == 0 || !f.on() {
		return delivered
	}
	n := f.sends.Add(1)
	if f.take429(n, now.Sub(time.Unix(0, begun))) {
		return tooMany
	}
	switch x := rand.Float64(); {
	case x < f.fail:
		return failed
	case x < f.fail+f.hang:
		return hung
	}
	return delivered
}

// take429 claims the next 429 if one is due for send number n, elapsed into the run.
func (f *faults) take429(n int64, elapsed time.Duration) bool {
	for {
		k := f.issued.Load()
		if k >= f.tooMany {
			return false
		}
		if f.everyN > 0 {
			if n%f.everyN != 0 {
				return false
			}
		} else if elapsed < f.gap/2+time.Duration(k)*f.gap {
			return false
		}
		if f.issued.CompareAndSwap(k, k+1) {
			return true
		}
	}
}
