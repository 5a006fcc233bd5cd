package match

import "math"

// ε-scaling: the first round of bidding settles prices roughly with a coarse
// step, each later round refines them with a step auctionRefine times smaller,
// ending at a step small enough to be exact. On 5 000 × 5 000 pools these took
// about the fewest bids; other choices from 2 to 40 and from 3 to 8 took up to
// half again as many.
const (
	auctionFirstStep = 10 // the first step is the top score over this
	auctionRefine    = 3
)

// auction finds a maximum-score matching of g exactly, by Bertsekas' auction
// algorithm with ε-scaling, and returns each newcomer's volunteer or -1.
//
// The auction needs a problem where everyone is assigned, so g is made square:
// each newcomer also has a stand-in object worth 0 that means "stays unmatched",
// and each volunteer a stand-in bidder worth 0 to it. A stand-in bidder may
// instead take the "unmatched" object of any newcomer who could have had its
// volunteer, so every matching of g extends to a full assignment of the same
// score and back. Scores are scaled by the number of bidders plus one so that
// the last step, 1, is below one point shared among all bidders: the result is
// then optimal, not just close.
func auction(g graph) []int32 {
	n, m := g.newcomers, g.volunteers
	bidders := n + m // newcomers, then a stand-in per volunteer
	objects := m + n // volunteers, then an "unmatched" per newcomer
	unmatched := func(newcomer int) int32 { return int32(m + newcomer) }

	wanting := make([]int32, m+1) // who could have volunteer j, grouped by j
	for _, j := range g.volunteer {
		wanting[j+1]++
	}
	for j := 0; j < m; j++ {
		wanting[j+1] += wanting[j]
	}
	start := make([]int32, bidders+1)
	for i := 0; i < n; i++ {
		start[i+1] = start[i] + (g.start[i+1] - g.start[i]) + 1
	}
	for j := 0; j < m; j++ {
		start[n+j+1] = start[n+j] + (wanting[j+1] - wanting[j]) + 1
	}
	object := make([]int32, start[bidders])
	score := make([]int32, start[bidders])
	fill := append([]int32(nil), start[n:bidders]...)
	for j := range fill {
		object[fill[j]] = int32(j)
		fill[j]++
	}
	for i := 0; i < n; i++ {
		at := start[i]
		for a := g.start[i]; a < g.start[i+1]; a++ {
			object[at], score[at] = g.volunteer[a], g.score[a]
			at++
			j := g.volunteer[a]
			object[fill[j]] = unmatched(i)
			fill[j]++
		}
		object[at] = unmatched(i)
	}

	scale := int64(bidders + 1)
	var top int64
	for _, s := range g.score {
		top = max(top, int64(s))
	}
	top *= scale

	price := make([]int64, objects)
	owner := make([]int32, objects)
	holds := make([]int32, bidders)
	waiting := newRing(bidders)
	for step := max(top/auctionFirstStep, 1); ; step = max(step/auctionRefine, 1) {
		for k := range owner {
			owner[k] = -1
		}
		for i := range holds {
			holds[i] = -1
			waiting.push(int32(i))
		}
		for !waiting.empty() {
			i := waiting.pop()
			best, bestValue, secondValue := int32(-1), int64(math.MinInt64), int64(math.MinInt64)
			for a := start[i]; a < start[i+1]; a++ {
				o := object[a]
				v := int64(score[a])*scale - price[o]
				if v > bestValue {
					best, bestValue, secondValue = o, v, bestValue
				} else if v > secondValue {
					secondValue = v
				}
			}
			if secondValue == math.MinInt64 {
				// A single option is nobody else's (see the construction above),
				// so any raise keeps the bid valid.
				secondValue = bestValue - top
			}
			price[best] += bestValue - secondValue + step
			if previous := owner[best]; previous >= 0 {
				holds[previous] = -1
				waiting.push(previous)
			}
			owner[best], holds[i] = i, best
		}
		if step == 1 {
			break
		}
	}

	got := make([]int32, n)
	for i := range got {
		got[i] = -1
		if holds[i] < int32(m) {
			got[i] = holds[i]
		}
	}
	return got
}

// ring is a FIFO of bidders waiting to bid; each waits at most once at a time,
// so it never holds more than all of them, and first-in-first-out keeps the
// order of bids, and so the result, the same on every run.
type ring struct {
	items      []int32
	head, size int
}

func newRing(capacity int) *ring { return &ring{items: make([]int32, capacity)} }

func (r *ring) empty() bool { return r.size == 0 }

func (r *ring) push(x int32) {
	r.items[(r.head+r.size)%len(r.items)] = x
	r.size++
}

func (r *ring) pop() int32 {
	x := r.items[r.head]
	r.head = (r.head + 1) % len(r.items)
	r.size--
	return x
}
