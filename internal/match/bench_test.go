package match

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// BenchmarkAssign5000 is the size Assign is built for: 5 000 newcomers and
// 5 000 volunteers waiting at once.
func BenchmarkAssign5000(b *testing.B) {
	const size = 5000
	p, areas := programmes()[0], orebroAreas()
	pool := randomPool(1, size, size)
	b.ReportAllocs()
	var pairs []Pair
	for b.Loop() {
		pairs = Assign(p, areas, pool)
	}
	secondsPerRun := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(len(pairs))/secondsPerRun, "pairs/s")
	b.ReportMetric(heapAfterBuilding(func() { Assign(p, areas, pool) }), "MB-heap")
}

// heapAfterBuilding is the heap in use, in MB, right after build ran on a
// collected heap with collection held off: the pool and everything build
// allocated, an upper bound of its peak that, unlike a reading left to the
// collector's timing, is the same on every run.
func heapAfterBuilding(build func()) float64 {
	runtime.GC()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	build()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapInuse) / 1e6
}

// BenchmarkQuality300 reports the worst share of the optimum Assign reached
// over five pools of 300 × 300, and what the Hungarian reference took.
func BenchmarkQuality300(b *testing.B) {
	const size, seeds = 300, 5
	areas := orebroAreas()
	worst, hungarian := 1.0, time.Duration(0)
	for b.Loop() {
		for seed := uint64(1); seed <= seeds; seed++ {
			p := programmes()[int(seed)%len(programmes())]
			pool := randomPool(seed, size, size)
			got := total(Assign(p, areas, pool))
			started := time.Now()
			best := total(Optimal(p, areas, pool))
			hungarian += time.Since(started)
			worst = min(worst, float64(got)/float64(best))
		}
	}
	b.ReportMetric(worst, "ratio")
	b.ReportMetric(float64(hungarian.Milliseconds())/float64(b.N*seeds), "ms-optimal")
}
