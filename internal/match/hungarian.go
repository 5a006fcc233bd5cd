package match

import "math"

// Optimal is the exact maximum-score assignment of the pool, by the Hungarian
// method: same rules and output as Assign. It holds every pair's score and takes
// time cubic in the pool's size (tens of milliseconds at 300 × 300, minutes at
// 5 000 × 5 000), so it is the reference the package's quality test holds Assign
// to, and fit for production only on pools of a few hundred.
func Optimal(p Programme, areas Areas, pool Pool) []Pair {
	n, m := len(pool.Newcomers), len(pool.Volunteers)
	if n == 0 || m == 0 {
		return nil
	}
	s := newScorer(p, areas, pool.Newcomers, pool.Volunteers)
	// Infeasible and excluded pairs weigh 0, the same as staying unmatched, so a
	// full assignment of the smaller side with them dropped is a best matching.
	weight := make([]int32, n*m)
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			score, ok := s.pair(i, j, nil)
			if ok && (pool.Excluded == nil || !pool.Excluded(pool.Newcomers[i].ID, pool.Volunteers[j].ID)) {
				weight[i*m+j] = int32(score)
			}
		}
	}
	volunteerOf := make([]int32, n)
	for i := range volunteerOf {
		volunteerOf[i] = -1
	}
	if n <= m {
		for j, i := range hungarian(n, m, func(r, c int) int64 { return int64(weight[r*m+c]) }) {
			if i >= 0 && weight[i*m+j] > 0 {
				volunteerOf[i] = int32(j)
			}
		}
	} else {
		for i, j := range hungarian(m, n, func(r, c int) int64 { return int64(weight[c*m+r]) }) {
			if j >= 0 && weight[i*m+j] > 0 {
				volunteerOf[i] = int32(j)
			}
		}
	}
	return s.pairs(volunteerOf)
}

// hungarian assigns each of rows ≤ cols rows a distinct column so that the sum
// of weight is greatest, and returns each column's row or -1. It is the
// shortest-augmenting-path form with potentials, O(rows² · cols).
func hungarian(rows, cols int, weight func(r, c int) int64) []int {
	const unreached = math.MaxInt64
	// 1-based, with column 0 a virtual start, as the method is usually written.
	u := make([]int64, rows+1)
	v := make([]int64, cols+1)
	rowOf := make([]int, cols+1)
	way := make([]int, cols+1)
	minv := make([]int64, cols+1)
	used := make([]bool, cols+1)
	for r := 1; r <= rows; r++ {
		rowOf[0] = r
		c0 := 0
		for c := range minv {
			minv[c], used[c] = unreached, false
		}
		for {
			used[c0] = true
			r0, delta, c1 := rowOf[c0], int64(unreached), 0
			for c := 1; c <= cols; c++ {
				if used[c] {
					continue
				}
				// Costs are negated weights: the method minimises.
				if cur := -weight(r0-1, c-1) - u[r0] - v[c]; cur < minv[c] {
					minv[c], way[c] = cur, c0
				}
				if minv[c] < delta {
					delta, c1 = minv[c], c
				}
			}
			for c := 0; c <= cols; c++ {
				if used[c] {
					u[rowOf[c]] += delta
					v[c] -= delta
				} else {
					minv[c] -= delta
				}
			}
			c0 = c1
			if rowOf[c0] == 0 {
				break
			}
		}
		for c0 != 0 {
			c1 := way[c0]
			rowOf[c0] = rowOf[c1]
			c0 = c1
		}
	}
	got := make([]int, cols)
	for c := 1; c <= cols; c++ {
		got[c-1] = rowOf[c] - 1
	}
	return got
}
