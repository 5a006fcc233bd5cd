package main

import (
	"io"
	"strconv"
	"testing"
	"time"
)

func testRun(t *testing.T, mode string, floodN int) *loadRun {
	t.Helper()
	cfg, err := parseFlags([]string{"-participants", "4", "-mode", mode, "-flood-n", strconv.Itoa(floodN)}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	r := newLoadRun(cfg, quietLog(), noFaults())
	r.running.Store(true)
	return r
}

// begin marks an update of p in flight, as exchange does.
func begin(p *participant, measured bool, at time.Time) {
	p.mu.Lock()
	p.waiting, p.timedOut, p.measured, p.start = true, false, measured, at
	p.mu.Unlock()
}

func TestProviderCallBookkeeping(t *testing.T) {
	t0 := time.Now()
	a := &reply{text: "menu", sum: replySum("menu", "")}
	b := &reply{text: "other", sum: replySum("other", "")}
	send := func(rep *reply, o outcome, after time.Duration) func(r *loadRun, p *participant) {
		return func(r *loadRun, p *participant) { r.providerCall(p.kind, "", p.idx, o, rep, t0.Add(after)) }
	}
	tests := []struct {
		name  string
		steps []func(r *loadRun, p *participant)
		check func(t *testing.T, r *loadRun)
	}{
		{
			name: "a reply ends the update",
			steps: []func(r *loadRun, p *participant){
				func(_ *loadRun, p *participant) { begin(p, true, t0) },
				send(a, delivered, 20*time.Millisecond),
			},
			check: func(t *testing.T, r *loadRun) {
				if len(r.st.normal) != 1 || r.st.normal[0] != 20*time.Millisecond || r.st.delivered.Load() != 1 {
					t.Errorf("latencies %v, delivered %d", r.st.normal, r.st.delivered.Load())
				}
			},
		},
		{
			name: "the same reply again is a duplicate, another one unexpected",
			steps: []func(r *loadRun, p *participant){
				func(_ *loadRun, p *participant) { begin(p, true, t0) },
				send(a, delivered, time.Millisecond),
				send(a, delivered, 2*time.Millisecond),
				send(b, delivered, 3*time.Millisecond),
			},
			check: func(t *testing.T, r *loadRun) {
				if r.st.duplicates.Load() != 1 || r.st.unexpected.Load() != 1 || r.st.delivered.Load() != 3 {
					t.Errorf("duplicates %d, unexpected %d, delivered %d", r.st.duplicates.Load(), r.st.unexpected.Load(), r.st.delivered.Load())
				}
			},
		},
		{
			name: "failed sends count as faults, not replies",
			steps: []func(r *loadRun, p *participant){
				func(_ *loadRun, p *participant) { begin(p, true, t0) },
				send(nil, failed, time.Millisecond),
				send(nil, tooMany, time.Millisecond),
				send(nil, hung, time.Millisecond),
				send(a, delivered, time.Second),
			},
			check: func(t *testing.T, r *loadRun) {
				if r.st.fail.Load() != 1 || r.st.tooMany.Load() != 1 || r.st.hang.Load() != 1 || r.st.delivered.Load() != 1 ||
					len(r.st.normal) != 1 || r.st.normal[0] != time.Second {
					t.Errorf("fail %d, 429 %d, hang %d, delivered %d, latencies %v",
						r.st.fail.Load(), r.st.tooMany.Load(), r.st.hang.Load(), r.st.delivered.Load(), r.st.normal)
				}
			},
		},
		{
			name: "a reply after the wait gave up is late and frees the participant",
			steps: []func(r *loadRun, p *participant){
				func(r *loadRun, p *participant) {
					<-r.pool // p is in flight
					begin(p, true, t0)
					p.mu.Lock()
					p.waiting, p.timedOut = false, true
					p.mu.Unlock()
				},
				send(a, delivered, 11*time.Second),
			},
			check: func(t *testing.T, r *loadRun) {
				if r.st.late.Load() != 1 || len(r.st.normal) != 0 || len(r.pool) != cap(r.pool) {
					t.Errorf("late %d, latencies %v, pool %d of %d", r.st.late.Load(), r.st.normal, len(r.pool), cap(r.pool))
				}
			},
		},
		{
			name: "warm-up updates are not counted",
			steps: []func(r *loadRun, p *participant){
				func(_ *loadRun, p *participant) { begin(p, false, t0) },
				send(a, delivered, time.Millisecond),
				send(a, delivered, time.Millisecond),
			},
			check: func(t *testing.T, r *loadRun) {
				if len(r.st.normal) != 0 || r.st.delivered.Load() != 0 || r.st.duplicates.Load() != 0 {
					t.Errorf("latencies %v, delivered %d, duplicates %d", r.st.normal, r.st.delivered.Load(), r.st.duplicates.Load())
				}
			},
		},
		{
			name: "sends before the run are stray",
			steps: []func(r *loadRun, p *participant){
				func(r *loadRun, p *participant) { r.running.Store(false); begin(p, true, t0) },
				send(a, delivered, time.Millisecond),
			},
			check: func(t *testing.T, r *loadRun) {
				if r.st.stray.Load() != 1 || r.st.delivered.Load() != 0 {
					t.Errorf("stray %d, delivered %d", r.st.stray.Load(), r.st.delivered.Load())
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRun(t, modeSaturate, 0)
			p := r.normal[1]
			for _, s := range tt.steps {
				s(r, p)
			}
			tt.check(t, r)
		})
	}

	t.Run("unknown address", func(t *testing.T) {
		r := testRun(t, modeSaturate, 0)
		r.providerCall(telegramKind, "42", -1, delivered, a, t0)
		r.providerCall(telegramKind, "7000000099", 99, delivered, a, t0)
		if r.st.unknown.Load() != 2 || r.st.unexpected.Load() != 2 {
			t.Errorf("unknown %d, unexpected %d", r.st.unknown.Load(), r.st.unexpected.Load())
		}
	})
}

func TestFlooderRepliesInOrder(t *testing.T) {
	r := testRun(t, modeFlood, 3)
	p := r.flooder
	if p == nil || r.lookup(p.kind, p.idx) != p {
		t.Fatal("no flooder to be found")
	}
	t0 := time.Now()
	for i := range 3 {
		p.posts = append(p.posts, floodPost{id: int64(i), start: t0.Add(time.Duration(i) * time.Millisecond)})
	}
	rep := &reply{text: "x"}
	for i := range 4 {
		r.providerCall(p.kind, "", p.idx, delivered, rep, t0.Add(time.Second*time.Duration(i+1)))
	}
	want := []time.Duration{time.Second, 2*time.Second - time.Millisecond, 3*time.Second - 2*time.Millisecond}
	if len(r.st.flood) != 3 || r.st.flood[0] != want[0] || r.st.flood[1] != want[1] || r.st.flood[2] != want[2] {
		t.Errorf("flood latencies %v, want %v", r.st.flood, want)
	}
	if r.st.unexpected.Load() != 1 || r.floodPending() != 0 {
		t.Errorf("unexpected %d, pending %d", r.st.unexpected.Load(), r.floodPending())
	}
}
