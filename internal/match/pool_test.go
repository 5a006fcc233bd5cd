package match

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// Realistic pools for the quality test and the benchmarks: Örebro's areas with
// their neighbours, newcomers living mostly in a few of them, interests and
// languages with a few common ones and a long tail, evenings and weekends more
// often free than mornings.

func orebroAreas() Areas {
	return Areas{
		"Vivalla":       {"Lundby", "Västhaga"},
		"Västhaga":      {"Centrum"},
		"Lundby":        {"Västhaga"},
		"Varberga":      {"Oxhagen"},
		"Oxhagen":       {"Centrum"},
		"Baronbackarna": {"Brickebacken"},
		"Brickebacken":  {"Centrum"},
	}
}

type weighted struct {
	value  string
	weight float64
}

func pick(r *rand.Rand, choices []weighted) string {
	total := 0.0
	for _, c := range choices {
		total += c.weight
	}
	x := r.Float64() * total
	for _, c := range choices {
		if x -= c.weight; x < 0 {
			return c.value
		}
	}
	return choices[len(choices)-1].value
}

func newcomerAreas() []weighted {
	return []weighted{{"Vivalla", 5}, {"Varberga", 3}, {"Baronbackarna", 3}, {"Brickebacken", 2}, {"Oxhagen", 1}, {"Centrum", 1}, {"Lundby", 1}, {"Västhaga", 1}}
}

func volunteerAreas() []weighted {
	return []weighted{{"Centrum", 4}, {"Västhaga", 2}, {"Lundby", 2}, {"Oxhagen", 2}, {"Varberga", 1}, {"Vivalla", 1}, {"Baronbackarna", 1}, {"Brickebacken", 1}}
}

// interests is a Zipf-like list: football and cooking are everyone's, origami
// almost nobody's.
func interests() []weighted {
	names := []string{"football", "cooking", "walking", "music", "films", "chess", "cycling", "gardening",
		"reading", "swimming", "photography", "knitting", "dancing", "computers", "origami"}
	out := make([]weighted, len(names))
	for k, name := range names {
		out[k] = weighted{name, 1 / float64(k+1)}
	}
	return out
}

func professions() []weighted {
	return []weighted{{"nurse", 3}, {"teacher", 2}, {"engineer", 2}, {"electrician", 1}, {"chef", 1},
		{"accountant", 1}, {"bus driver", 1}, {"dentist", 0.5}, {"carpenter", 1}, {"pharmacist", 0.5}}
}

// spelled varies case and spacing the way people type, which scoring must ignore.
func spelled(r *rand.Rand, word string) string {
	switch r.IntN(6) {
	case 0:
		return strings.ToUpper(word[:1]) + word[1:]
	case 1:
		return " " + strings.ToUpper(word)
	}
	return word
}

func freeSlots(r *rand.Rand) Slot {
	chance := []struct {
		slot Slot
		p    float64
	}{{WeekdayMorning, 0.3}, {WeekdayAfternoon, 0.35}, {WeekdayEvening, 0.55}, {Weekend, 0.6}}
	var s Slot
	for s == 0 {
		for _, c := range chance {
			if r.Float64() < c.p {
				s |= c.slot
			}
		}
	}
	return s
}

func someOf(r *rand.Rand, choices []weighted, least, most int) []string {
	want := least + r.IntN(most-least+1)
	var got []string
	for tries := 0; len(got) < want && tries < 4*want; tries++ {
		w := pick(r, choices)
		dup := false
		for _, g := range got {
			dup = dup || normalise(g) == w
		}
		if !dup {
			got = append(got, spelled(r, w))
		}
	}
	return got
}

func children(r *rand.Rand, chance float64) []int {
	if r.Float64() >= chance {
		return nil
	}
	ages := make([]int, 1+r.IntN(3))
	for k := range ages {
		ages[k] = r.IntN(18)
	}
	return ages
}

func randomNewcomer(r *rand.Rand, k int) Person {
	langs := []string{pick(r, []weighted{{"ar", 35}, {"so", 15}, {"ti", 15}, {"fa", 15}, {"uk", 10}, {"en", 10}})}
	if r.Float64() < 0.45 {
		langs = append(langs, "sv")
	}
	if r.Float64() < 0.35 {
		langs = append(langs, "EN")
	}
	var diet []string
	if r.Float64() < 0.5 {
		diet = append(diet, "halal")
	}
	if r.Float64() < 0.1 {
		diet = append(diet, "vegetarian")
	}
	return Person{
		ID:           "n" + strconv.Itoa(k),
		FirstName:    "Newcomer",
		Area:         pick(r, newcomerAreas()),
		Interests:    someOf(r, interests(), 1, 4),
		Free:         freeSlots(r),
		Languages:    langs,
		Profession:   spelled(r, pick(r, professions())),
		ChildAges:    children(r, 0.55),
		Guests:       1 + r.IntN(5),
		Restrictions: diet,
	}
}

func randomVolunteer(r *rand.Rand, k int) Person {
	var langs []string
	if r.Float64() < 0.95 {
		langs = append(langs, "sv")
	}
	if r.Float64() < 0.75 {
		langs = append(langs, "en")
	}
	if r.Float64() < 0.2 {
		langs = append(langs, pick(r, []weighted{{"ar", 3}, {"fa", 2}, {"uk", 2}, {"so", 1}, {"ti", 1}}))
	}
	var diet []string
	if r.Float64() < 0.2 {
		diet = append(diet, "vegetarian")
	}
	if r.Float64() < 0.05 {
		diet = append(diet, "halal")
	}
	return Person{
		ID:           "v" + strconv.Itoa(k),
		FirstName:    "Volunteer",
		Area:         pick(r, volunteerAreas()),
		Interests:    someOf(r, interests(), 1, 5),
		Free:         freeSlots(r),
		Languages:    langs,
		Profession:   pick(r, professions()),
		ChildAges:    children(r, 0.4),
		Guests:       2 + r.IntN(7),
		Restrictions: diet,
	}
}

func randomPool(seed uint64, newcomers, volunteers int) Pool {
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	pool := Pool{Newcomers: make([]Person, newcomers), Volunteers: make([]Person, volunteers)}
	for k := range pool.Newcomers {
		pool.Newcomers[k] = randomNewcomer(r, k)
	}
	for k := range pool.Volunteers {
		pool.Volunteers[k] = randomVolunteer(r, k)
	}
	return pool
}

// programmes are Kompisbyrån's five, each counting different fields.
func programmes() []Programme {
	return []Programme{
		{Name: "fika", Fields: []string{FieldInterests, FieldArea}},
		{Name: "culture", Fields: []string{FieldInterests}},
		{Name: "family", Fields: []string{FieldChildren, FieldArea, FieldInterests}},
		{Name: "profession", Fields: []string{FieldProfession, FieldArea}},
		{Name: "dinner", Fields: []string{FieldGuests, FieldArea, FieldInterests}},
	}
}

func total(pairs []Pair) int {
	sum := 0
	for _, p := range pairs {
		sum += p.Score
	}
	return sum
}
