package match

// candidatesPerPerson is how many of their best partners each newcomer and each
// volunteer keeps for the auction. Every pair of the pool is scored, but only
// these are stored, so memory grows with the pool, not with its square; keeping
// the best of both sides means nobody is left without options because the
// people they suit best are everyone's favourites. See doc.go for what it costs.
const candidatesPerPerson = 64

// candidate is an offered partner. key holds the score in its upper half and a
// hash of the pair in its lower half, so equal scores are broken the same way on
// every run but differently for each person, which keeps everyone's shortlist
// from filling with the same first few people of the pool.
type candidate struct {
	key   uint64
	other int32
}

func (c candidate) score() int32 { return int32(c.key >> 32) }

func (c candidate) better(d candidate) bool {
	return c.key > d.key || c.key == d.key && c.other < d.other
}

func candidateKey(score, newcomer, volunteer int) uint64 {
	return uint64(score)<<32 | uint64(spread(uint64(newcomer)<<32|uint64(volunteer)))
}

// spread is the splitmix64 finaliser: cheap, and equal inputs give equal output,
// unlike a random source.
func spread(x uint64) uint32 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return uint32(x ^ x>>31)
}

// shortlist keeps the best candidates offered to it, up to its capacity, as a
// heap with the weakest on top so that most offers are turned away after one
// comparison.
type shortlist []candidate

func (h shortlist) admits(c candidate) bool {
	return len(h) < cap(h) || c.better(h[0])
}

// floor is the weakest key kept once full, and 0 while there is room.
func (h shortlist) floor() uint64 {
	if len(h) < cap(h) {
		return 0
	}
	return h[0].key
}

// offer adds c, dropping the weakest when full; call it only when admits(c).
func (h *shortlist) offer(c candidate) {
	s := *h
	if len(s) < cap(s) {
		s = append(s, c)
		*h = s
		for i := len(s) - 1; i > 0; {
			parent := (i - 1) / 2
			if !s[parent].better(s[i]) {
				break
			}
			s[parent], s[i] = s[i], s[parent]
			i = parent
		}
		return
	}
	s[0] = c
	for i := 0; ; {
		weakest, l, r := i, 2*i+1, 2*i+2
		if l < len(s) && s[weakest].better(s[l]) {
			weakest = l
		}
		if r < len(s) && s[weakest].better(s[r]) {
			weakest = r
		}
		if weakest == i {
			return
		}
		s[i], s[weakest] = s[weakest], s[i]
		i = weakest
	}
}

// graph is the pairs that may be proposed, as arcs from each newcomer.
type graph struct {
	newcomers, volunteers int
	start                 []int32 // newcomer i's arcs are start[i]:start[i+1]
	volunteer             []int32
	score                 []int32
}

// shortlistGraph scores every pair and keeps, for each newcomer and each
// volunteer, its keep best feasible and not excluded partners. Excluded is asked
// only about pairs that would be kept, which is a small share of the pool.
func shortlistGraph(s *scorer, excluded func(newcomerID, volunteerID string) bool, keep int) graph {
	n, m := len(s.newcomers.people), len(s.volunteers.people)
	rowCap, colCap := min(keep, m), min(keep, n)

	picked := make([]candidate, n*rowCap)
	pickedLen := make([]int32, n)
	colStore := make([]candidate, m*colCap)
	cols := make([]shortlist, m)
	for j := range cols {
		cols[j] = colStore[j*colCap : j*colCap : (j+1)*colCap]
	}
	// A full shortlist's weakest key, 0 while it has room (every key is above 0
	// because every feasible pair scores), read from one small array so turning
	// an offer away does not touch the shortlist itself.
	colFloor := make([]uint64, m)

	for i := 0; i < n; i++ {
		row := shortlist(picked[i*rowCap : i*rowCap : (i+1)*rowCap])
		var rowFloor uint64
		for j := 0; j < m; j++ {
			score, ok := s.pair(i, j, nil)
			if !ok {
				continue
			}
			key := candidateKey(score, i, j)
			toRow := key > rowFloor || key == rowFloor && row.admits(candidate{key, int32(j)})
			toCol := key > colFloor[j] || key == colFloor[j] && cols[j].admits(candidate{key, int32(i)})
			if !toRow && !toCol {
				continue
			}
			if excluded != nil && excluded(s.newcomers.people[i].ID, s.volunteers.people[j].ID) {
				continue
			}
			if toRow {
				row.offer(candidate{key, int32(j)})
				rowFloor = row.floor()
			}
			if toCol {
				cols[j].offer(candidate{key, int32(i)})
				colFloor[j] = cols[j].floor()
			}
		}
		pickedLen[i] = int32(len(row))
	}

	// Regroup the volunteers' picks by newcomer, then merge them with the
	// newcomers' own, each pair once.
	byNewcomer := make([]int32, n+1)
	for _, col := range cols {
		for _, c := range col {
			byNewcomer[c.other+1]++
		}
	}
	for i := 0; i < n; i++ {
		byNewcomer[i+1] += byNewcomer[i]
	}
	fill := append([]int32(nil), byNewcomer[:n]...)
	fromCols := make([]candidate, byNewcomer[n])
	for j, col := range cols {
		for _, c := range col {
			fromCols[fill[c.other]] = candidate{c.key, int32(j)}
			fill[c.other]++
		}
	}

	g := graph{newcomers: n, volunteers: m, start: make([]int32, n+1)}
	arcs := len(fromCols)
	for _, l := range pickedLen {
		arcs += int(l)
	}
	g.volunteer = make([]int32, 0, arcs)
	g.score = make([]int32, 0, arcs)
	lastSeenBy := make([]int32, m)
	for j := range lastSeenBy {
		lastSeenBy[j] = -1
	}
	for i := 0; i < n; i++ {
		for _, c := range picked[i*rowCap : i*rowCap+int(pickedLen[i])] {
			lastSeenBy[c.other] = int32(i)
			g.volunteer = append(g.volunteer, c.other)
			g.score = append(g.score, c.score())
		}
		for _, c := range fromCols[byNewcomer[i]:byNewcomer[i+1]] {
			if lastSeenBy[c.other] != int32(i) {
				g.volunteer = append(g.volunteer, c.other)
				g.score = append(g.score, c.score())
			}
		}
		g.start[i+1] = int32(len(g.volunteer))
	}
	return g
}
