package match

import (
	"reflect"
	"testing"
)

func TestScore(t *testing.T) {
	fika := Programme{Name: "fika", Fields: []string{FieldInterests, FieldArea}}
	culture := Programme{Name: "culture", Fields: []string{FieldInterests}}
	profession := Programme{Name: "profession", Fields: []string{FieldProfession}}
	family := Programme{Name: "family", Fields: []string{FieldChildren}}
	dinner := Programme{Name: "dinner", Fields: []string{FieldGuests}}
	bare := Programme{Name: "bare"}
	areas := Areas{"Vivalla": {"Lundby"}, "Varberga": {"Oxhagen"}}

	newcomer := Person{ID: "n", Area: "Vivalla", Free: Weekend | WeekdayEvening, Languages: []string{"ar", "sv"}}
	volunteer := Person{ID: "v", Area: "Centrum", Free: Weekend, Languages: []string{"SV", "en"}, Guests: 4}
	with := func(p Person, change func(*Person)) Person {
		change(&p)
		return p
	}
	common := []Reason{{KindTime, "weekend"}, {KindLanguage, "sv"}}
	plus := func(more ...Reason) []Reason { return append(append([]Reason(nil), common...), more...) }

	tests := []struct {
		name                string
		programme           Programme
		newcomer, volunteer Person
		wantScore           int
		wantReasons         []Reason
		wantOK              bool
	}{
		{"common time and language are the base", bare, newcomer, volunteer, weightCommonGround, common, true},
		{"no common language", fika, with(newcomer, func(p *Person) { p.Languages = []string{"ar"} }), volunteer, 0, nil, false},
		{"no common free time", fika, with(newcomer, func(p *Person) { p.Free = WeekdayMorning }), volunteer, 0, nil, false},
		{"no free time at all", fika, with(newcomer, func(p *Person) { p.Free = 0 }), with(volunteer, func(p *Person) { p.Free = 0 }), 0, nil, false},
		{"every shared slot and language is a reason", bare,
			with(newcomer, func(p *Person) { p.Free = WeekdayMorning | Weekend; p.Languages = []string{"en", "sv"} }),
			with(volunteer, func(p *Person) { p.Free = WeekdayMorning | Weekend }),
			weightCommonGround,
			[]Reason{{KindTime, "weekday-morning"}, {KindTime, "weekend"}, {KindLanguage, "en"}, {KindLanguage, "sv"}}, true},
		{"interests ignore case and spacing, in the newcomer's spelling", culture,
			with(newcomer, func(p *Person) { p.Interests = []string{"Football", " board  GAMES", "chess"} }),
			with(volunteer, func(p *Person) { p.Interests = []string{"football", "Board games", "knitting"} }),
			weightCommonGround + 2*weightInterest, plus(Reason{KindInterest, "Football"}, Reason{KindInterest, "board  GAMES"}), true},
		{"an interest typed twice counts once", culture,
			with(newcomer, func(p *Person) { p.Interests = []string{"football", "FOOTBALL"} }),
			with(volunteer, func(p *Person) { p.Interests = []string{"Football"} }),
			weightCommonGround + weightInterest, plus(Reason{KindInterest, "football"}), true},
		{"shared interests are capped", culture,
			with(newcomer, func(p *Person) { p.Interests = []string{"a", "b", "c", "d", "e"} }),
			with(volunteer, func(p *Person) { p.Interests = []string{"e", "d", "c", "b", "a"} }),
			weightCommonGround + maxCountedInterests*weightInterest,
			plus(Reason{KindInterest, "a"}, Reason{KindInterest, "b"}, Reason{KindInterest, "c"}), true},
		{"interests do not count where the programme does not name them", profession,
			with(newcomer, func(p *Person) { p.Interests = []string{"football"} }),
			with(volunteer, func(p *Person) { p.Interests = []string{"football"} }),
			weightCommonGround, common, true},
		{"same area", fika, newcomer, with(volunteer, func(p *Person) { p.Area = "vivalla " }),
			weightCommonGround + weightSameArea, plus(Reason{KindArea, "Vivalla"}), true},
		{"neighbouring area, in the volunteer's spelling", fika, newcomer, with(volunteer, func(p *Person) { p.Area = "Lundby" }),
			weightCommonGround + weightNeighbourArea, plus(Reason{KindNeighbour, "Lundby"}), true},
		{"neighbours listed one way only count both ways", fika,
			with(newcomer, func(p *Person) { p.Area = "Oxhagen" }), with(volunteer, func(p *Person) { p.Area = "Varberga" }),
			weightCommonGround + weightNeighbourArea, plus(Reason{KindNeighbour, "Varberga"}), true},
		{"area does not count where the programme does not name it", culture, newcomer, with(volunteer, func(p *Person) { p.Area = "Vivalla" }),
			weightCommonGround, common, true},
		{"profession fits when the normalised names are equal", profession,
			with(newcomer, func(p *Person) { p.Profession = "Bus  Driver" }), with(volunteer, func(p *Person) { p.Profession = "bus driver" }),
			weightCommonGround + weightProfession, plus(Reason{KindProfession, "Bus  Driver"}), true},
		{"another profession adds nothing", profession,
			with(newcomer, func(p *Person) { p.Profession = "nurse" }), with(volunteer, func(p *Person) { p.Profession = "teacher" }),
			weightCommonGround, common, true},
		{"no profession on either side is no fit", profession, newcomer, volunteer, weightCommonGround, common, true},
		{"profession does not count outside the profession buddy", fika,
			with(newcomer, func(p *Person) { p.Profession = "nurse" }), with(volunteer, func(p *Person) { p.Profession = "nurse" }),
			weightCommonGround, common, true},
		{"children of the same age", family,
			with(newcomer, func(p *Person) { p.ChildAges = []int{12, 7} }), with(volunteer, func(p *Person) { p.ChildAges = []int{3, 7} }),
			weightCommonGround + weightChildren + childAgeWindow, plus(Reason{Kind: KindChildren}), true},
		{"children two years apart", family,
			with(newcomer, func(p *Person) { p.ChildAges = []int{5} }), with(volunteer, func(p *Person) { p.ChildAges = []int{16, 3} }),
			weightCommonGround + weightChildren + childAgeWindow - 2, plus(Reason{Kind: KindChildren}), true},
		{"children far apart in age", family,
			with(newcomer, func(p *Person) { p.ChildAges = []int{1} }), with(volunteer, func(p *Person) { p.ChildAges = []int{15} }),
			weightCommonGround + weightChildren, plus(Reason{Kind: KindChildren}), true},
		{"only one side with children", family,
			with(newcomer, func(p *Person) { p.ChildAges = []int{4} }), volunteer,
			weightCommonGround, common, true},
		{"guests that fit", dinner, with(newcomer, func(p *Person) { p.Guests = 3 }), volunteer,
			weightCommonGround + weightGuestsFit, plus(Reason{KindGuests, "3"}), true},
		{"a newcomer with no number comes alone", dinner, newcomer, with(volunteer, func(p *Person) { p.Guests = 1 }),
			weightCommonGround + weightGuestsFit, plus(Reason{KindGuests, "1"}), true},
		{"more guests than the volunteer can host", dinner, with(newcomer, func(p *Person) { p.Guests = 5 }), volunteer, 0, nil, false},
		{"a volunteer who hosts nobody", dinner, newcomer, with(volunteer, func(p *Person) { p.Guests = 0 }), 0, nil, false},
		{"guests do not matter outside dinner", fika, with(newcomer, func(p *Person) { p.Guests = 9 }), with(volunteer, func(p *Person) { p.Guests = 0 }),
			weightCommonGround, common, true},
		{"shared dietary restrictions at dinner", dinner,
			with(newcomer, func(p *Person) { p.Guests = 2; p.Restrictions = []string{"Halal", "vegetarian"} }),
			with(volunteer, func(p *Person) { p.Restrictions = []string{"vegetarian", "halal"} }),
			weightCommonGround + weightGuestsFit + 2*weightSharedRestriction,
			plus(Reason{KindGuests, "2"}, Reason{KindRestriction, "Halal"}, Reason{KindRestriction, "vegetarian"}), true},
		{"everything a programme names adds up", Programme{Fields: []string{FieldInterests, FieldArea, FieldProfession, FieldChildren}},
			with(newcomer, func(p *Person) {
				p.Interests = []string{"chess"}
				p.Profession = "nurse"
				p.ChildAges = []int{6}
			}),
			with(volunteer, func(p *Person) {
				p.Area = "Vivalla"
				p.Interests = []string{"Chess"}
				p.Profession = "Nurse"
				p.ChildAges = []int{7}
			}),
			weightCommonGround + weightInterest + weightSameArea + weightProfession + weightChildren + childAgeWindow - 1,
			plus(Reason{KindInterest, "chess"}, Reason{KindArea, "Vivalla"}, Reason{KindProfession, "nurse"}, Reason{Kind: KindChildren}), true},
		{"field names not known are ignored", Programme{Fields: []string{"shoe size", " Interests "}},
			with(newcomer, func(p *Person) { p.Interests = []string{"chess"} }),
			with(volunteer, func(p *Person) { p.Interests = []string{"chess"} }),
			weightCommonGround + weightInterest, plus(Reason{KindInterest, "chess"}), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			score, reasons, ok := Score(tc.programme, areas, tc.newcomer, tc.volunteer)
			if score != tc.wantScore || ok != tc.wantOK || !reflect.DeepEqual(reasons, tc.wantReasons) {
				t.Errorf("Score = %d, %v, %v; want %d, %v, %v", score, reasons, ok, tc.wantScore, tc.wantReasons, tc.wantOK)
			}
		})
	}
}

func TestSlotString(t *testing.T) {
	tests := []struct {
		slot Slot
		want string
	}{
		{WeekdayMorning, "weekday-morning"},
		{WeekdayAfternoon, "weekday-afternoon"},
		{WeekdayEvening, "weekday-evening"},
		{Weekend, "weekend"},
		{WeekdayEvening | Weekend, "weekday-evening+weekend"},
		{0, ""},
		{1 << 7, ""},
	}
	for _, tc := range tests {
		if got := tc.slot.String(); got != tc.want {
			t.Errorf("Slot(%d).String() = %q, want %q", tc.slot, got, tc.want)
		}
	}
}

func TestNormalise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"football", "football"},
		{"Football", "football"},
		{"  board   games ", "board games"},
		{"board\tgames", "board games"},
		{"Västhaga", "västhaga"},
		{"bus\u00a0driver", "bus driver"},
		{" ", ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := normalise(tc.in); got != tc.want {
			t.Errorf("normalise(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
