package match

// Assign proposes pairs from the whole pool at once so that the total score is
// as high as it can be found (see doc.go for how close that is): a one-to-one
// assignment in which no pair is infeasible or excluded and anyone may stay
// unmatched. Pairs come in the order of their newcomers; the same input gives
// the same pairs.
func Assign(p Programme, areas Areas, pool Pool) []Pair {
	return assignKeeping(p, areas, pool, candidatesPerPerson)
}

// assignKeeping is Assign with keep candidates per person; keep at least the
// pool's size makes it exact, which the tests use to measure what shortlisting
// costs on pools too large for Optimal.
func assignKeeping(p Programme, areas Areas, pool Pool, keep int) []Pair {
	if len(pool.Newcomers) == 0 || len(pool.Volunteers) == 0 {
		return nil
	}
	s := newScorer(p, areas, pool.Newcomers, pool.Volunteers)
	return s.pairs(auction(shortlistGraph(s, pool.Excluded, keep)))
}

// pairs turns each newcomer's volunteer (or -1) into Pairs with their reasons.
func (s *scorer) pairs(volunteerOf []int32) []Pair {
	var out []Pair
	for n, v := range volunteerOf {
		if v < 0 {
			continue
		}
		var reasons []Reason
		score, _ := s.pair(n, int(v), &reasons)
		out = append(out, Pair{Newcomer: n, Volunteer: int(v), Score: score, Reasons: reasons})
	}
	return out
}
