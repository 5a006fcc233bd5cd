package match

import (
	"hash/fnv"
	"reflect"
	"testing"
)

// firstComeFirstServed is matching by hand: each newcomer in turn, by arrival,
// takes the best volunteer still free. It is the baseline Assign must beat.
func firstComeFirstServed(p Programme, areas Areas, pool Pool) []Pair {
	s := newScorer(p, areas, pool.Newcomers, pool.Volunteers)
	taken := make([]bool, len(pool.Volunteers))
	volunteerOf := make([]int32, len(pool.Newcomers))
	for i := range pool.Newcomers {
		volunteerOf[i] = -1
		bestScore := 0
		for j := range pool.Volunteers {
			if taken[j] || pool.Excluded != nil && pool.Excluded(pool.Newcomers[i].ID, pool.Volunteers[j].ID) {
				continue
			}
			if score, ok := s.pair(i, j, nil); ok && score > bestScore {
				bestScore, volunteerOf[i] = score, int32(j)
			}
		}
		if volunteerOf[i] >= 0 {
			taken[volunteerOf[i]] = true
		}
	}
	return s.pairs(volunteerOf)
}

func TestAssignBeatsFirstComeFirstServed(t *testing.T) {
	fika := Programme{Name: "fika", Fields: []string{FieldInterests, FieldArea}}
	areas := Areas{"Vivalla": {"Lundby"}}
	// Amal arrived first and suits Karin best, but Karin is the only one Hodan
	// can talk to; Erik suits Amal nearly as well.
	pool := Pool{
		Newcomers: []Person{
			{ID: "amal", Area: "Vivalla", Interests: []string{"football", "chess"}, Free: Weekend, Languages: []string{"ar", "sv"}},
			{ID: "hodan", Area: "Vivalla", Interests: []string{"cooking"}, Free: Weekend, Languages: []string{"so"}},
		},
		Volunteers: []Person{
			{ID: "karin", Area: "Vivalla", Interests: []string{"football", "chess"}, Free: Weekend, Languages: []string{"sv", "so"}},
			{ID: "erik", Area: "Lundby", Interests: []string{"football"}, Free: Weekend, Languages: []string{"sv"}},
		},
	}
	byHand := firstComeFirstServed(fika, areas, pool)
	got := Assign(fika, areas, pool)
	if len(byHand) != 1 || total(byHand) != 12 {
		t.Fatalf("first come first served = %+v, want Amal with Karin alone, 12 points", byHand)
	}
	want := []Pair{
		{Newcomer: 0, Volunteer: 1, Score: 7, Reasons: []Reason{{KindTime, "weekend"}, {KindLanguage, "sv"}, {KindInterest, "football"}, {KindNeighbour, "Lundby"}}},
		{Newcomer: 1, Volunteer: 0, Score: 6, Reasons: []Reason{{KindTime, "weekend"}, {KindLanguage, "so"}, {KindArea, "Vivalla"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Assign = %+v,\nwant %+v", got, want)
	}
	if o := Optimal(fika, areas, pool); !reflect.DeepEqual(o, want) {
		t.Errorf("Optimal = %+v,\nwant %+v", o, want)
	}
}

func TestAssignKeepsTheRules(t *testing.T) {
	areas := orebroAreas()
	for k, p := range programmes() {
		pool := randomPool(uint64(40+k), 260, 180)
		// Exclude about a third of all pairs, and one volunteer altogether.
		pool.Excluded = func(n, v string) bool {
			h := fnv.New32a()
			h.Write([]byte(n + "|" + v))
			return h.Sum32()%3 == 0 || v == "v7"
		}
		for name, assign := range map[string]func(Programme, Areas, Pool) []Pair{"Assign": Assign, "Optimal": Optimal} {
			pairs := assign(p, areas, pool)
			if len(pairs) == 0 {
				t.Fatalf("%s %s proposed nobody", name, p.Name)
			}
			newcomerSeen, volunteerSeen := map[int]bool{}, map[int]bool{}
			for _, pair := range pairs {
				n, v := pool.Newcomers[pair.Newcomer], pool.Volunteers[pair.Volunteer]
				if newcomerSeen[pair.Newcomer] || volunteerSeen[pair.Volunteer] {
					t.Errorf("%s %s: %s or %s proposed twice", name, p.Name, n.ID, v.ID)
				}
				newcomerSeen[pair.Newcomer], volunteerSeen[pair.Volunteer] = true, true
				if pool.Excluded(n.ID, v.ID) {
					t.Errorf("%s %s: proposed excluded pair %s–%s", name, p.Name, n.ID, v.ID)
				}
				score, reasons, ok := Score(p, areas, n, v)
				if !ok {
					t.Errorf("%s %s: proposed infeasible pair %s–%s", name, p.Name, n.ID, v.ID)
				}
				if pair.Score != score || !reflect.DeepEqual(pair.Reasons, reasons) {
					t.Errorf("%s %s: pair %s–%s = %d %v, Score says %d %v", name, p.Name, n.ID, v.ID, pair.Score, pair.Reasons, score, reasons)
				}
			}
		}
	}
}

func TestAssignIsDeterministic(t *testing.T) {
	areas := orebroAreas()
	for k, p := range programmes() {
		pool := randomPool(uint64(70+k), 400, 350)
		first, second := Assign(p, areas, pool), Assign(p, areas, pool)
		if !reflect.DeepEqual(first, second) {
			t.Errorf("%s: two runs on the same pool differ", p.Name)
		}
	}
}

func TestAssignEdgeCases(t *testing.T) {
	p := Programme{Fields: []string{FieldInterests}}
	alone := Person{ID: "a", Free: Weekend, Languages: []string{"sv"}}
	other := Person{ID: "b", Free: Weekend, Languages: []string{"sv"}}
	tests := []struct {
		name string
		pool Pool
		want int
	}{
		{"empty pool", Pool{}, 0},
		{"no volunteers", Pool{Newcomers: []Person{alone}}, 0},
		{"no newcomers", Pool{Volunteers: []Person{alone}}, 0},
		{"one pair", Pool{Newcomers: []Person{alone}, Volunteers: []Person{other}}, 1},
		{"the only pair excluded", Pool{Newcomers: []Person{alone}, Volunteers: []Person{other},
			Excluded: func(n, v string) bool { return n == "a" && v == "b" }}, 0},
		{"nothing in common", Pool{Newcomers: []Person{alone}, Volunteers: []Person{{ID: "c", Free: WeekdayMorning, Languages: []string{"sv"}}}}, 0},
		{"more volunteers than newcomers", Pool{Newcomers: []Person{alone}, Volunteers: []Person{other, other, other}}, 1},
		{"more newcomers than volunteers", Pool{Newcomers: []Person{alone, alone, alone}, Volunteers: []Person{other}}, 1},
	}
	for _, tc := range tests {
		for name, assign := range map[string]func(Programme, Areas, Pool) []Pair{"Assign": Assign, "Optimal": Optimal} {
			if got := assign(p, nil, tc.pool); len(got) != tc.want {
				t.Errorf("%s: %s proposed %d pairs, want %d", tc.name, name, len(got), tc.want)
			}
		}
	}
}
