package match

import (
	"testing"
	"time"
)

// minQuality is the share of the optimum Assign must reach on realistic pools.
const minQuality = 0.97

func TestAssignNearOptimal300(t *testing.T) {
	const size = 300
	areas := orebroAreas()
	for seed := uint64(1); seed <= 10; seed++ {
		p := programmes()[int(seed)%len(programmes())]
		pool := randomPool(seed, size, size)
		started := time.Now()
		got := Assign(p, areas, pool)
		assigned := time.Since(started)
		started = time.Now()
		best := Optimal(p, areas, pool)
		optimal := time.Since(started)
		ratio := float64(total(got)) / float64(total(best))
		byHand := float64(total(firstComeFirstServed(p, areas, pool))) / float64(total(best))
		t.Logf("seed %2d %-10s Assign %4d in %4s, Optimal %4d in %4s: ratio %.4f (first come first served %.4f)",
			seed, p.Name, total(got), assigned.Round(time.Millisecond), total(best), optimal.Round(time.Millisecond), ratio, byHand)
		if ratio < minQuality {
			t.Errorf("seed %d %s: Assign reached %.4f of the optimum, want ≥ %.2f", seed, p.Name, ratio, minQuality)
		}
	}
}

// The auction itself is exact: with nothing shortlisted away it must find the
// optimum's total (the pairs may differ where scores tie).
func TestAuctionExactWithoutShortlist(t *testing.T) {
	areas := orebroAreas()
	for seed := uint64(1); seed <= 10; seed++ {
		p := programmes()[int(seed)%len(programmes())]
		n, m := 40+int(seed)*13, 170-int(seed)*11 // both wider and taller than square
		pool := randomPool(seed, n, m)
		got, want := total(assignKeeping(p, areas, pool, max(n, m))), total(Optimal(p, areas, pool))
		if got != want {
			t.Errorf("seed %d %s %d×%d: unpruned auction total %d, Hungarian %d", seed, p.Name, n, m, got, want)
		}
	}
}

// At 300 × 300 a shortlist holds a fair share of everyone's options, so what it
// costs shows only on larger pools; there the unpruned auction is the optimum.
func TestShortlistCostAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every pair of a 1 500 × 1 500 pool")
	}
	const size = 1500
	p, areas := programmes()[0], orebroAreas()
	pool := randomPool(99, size, size)
	got, best := total(Assign(p, areas, pool)), total(assignKeeping(p, areas, pool, size))
	ratio := float64(got) / float64(best)
	t.Logf("%d × %d %s: Assign %d, optimum %d, ratio %.5f", size, size, p.Name, got, best, ratio)
	if ratio < minQuality {
		t.Errorf("Assign reached %.5f of the optimum, want ≥ %.2f", ratio, minQuality)
	}
}
