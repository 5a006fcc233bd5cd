package match

import (
	"strconv"
	"strings"
)

// Weights of what a pair has in common. A wanted profession outweighs the rest
// because it is the whole point of a profession buddy; common ground is small
// because every pair that may be proposed has it; caps keep one long list of
// interests from drowning out everything else.
const (
	weightCommonGround      = 2
	weightInterest          = 3
	maxCountedInterests     = 3
	weightSameArea          = 4
	weightNeighbourArea     = 2
	weightProfession        = 10
	weightChildren          = 3
	childAgeWindow          = 4 // years: children this far apart or more add nothing beyond weightChildren
	weightGuestsFit         = 1
	weightSharedRestriction = 1
	maxCountedRestrictions  = 2
)

// fieldSet is a Programme's Fields as bits, read once instead of per pair.
type fieldSet uint8

const (
	countsInterests fieldSet = 1 << iota
	countsArea
	countsProfession
	countsChildren
	countsGuests
)

func fieldsOf(p Programme) fieldSet {
	var f fieldSet
	for _, name := range p.Fields {
		switch normalise(name) {
		case FieldInterests:
			f |= countsInterests
		case FieldArea:
			f |= countsArea
		case FieldProfession:
			f |= countsProfession
		case FieldChildren:
			f |= countsChildren
		case FieldGuests:
			f |= countsGuests
		}
	}
	return f
}

// Score is how well a newcomer and a volunteer suit each other in programme p,
// and why. ok is false when they may not be proposed at all: no common free
// time, no common language, or (when the programme counts guests) more guests
// than the volunteer can host; score and reasons are then zero.
func Score(p Programme, areas Areas, newcomer, volunteer Person) (score int, reasons []Reason, ok bool) {
	s := newScorer(p, areas, []Person{newcomer}, []Person{volunteer})
	score, ok = s.pair(0, 0, &reasons)
	if !ok {
		return 0, nil, false
	}
	return score, reasons, true
}

// scorer compares any newcomer of a pool with any volunteer of it. The pool's
// words are numbered once so that scoring a pair costs a few bit operations,
// which is what lets Assign look at every pair of a large pool.
type scorer struct {
	fields     fieldSet
	words      vocabularies
	newcomers  profiles
	volunteers profiles
	neighbours bitRows
}

func newScorer(p Programme, areas Areas, newcomers, volunteers []Person) *scorer {
	words := newVocabularies(newcomers, volunteers)
	return &scorer{
		fields:     fieldsOf(p),
		words:      words,
		newcomers:  newProfiles(newcomers, words),
		volunteers: newProfiles(volunteers, words),
		neighbours: neighbourRows(areas, words.areas),
	}
}

// pair scores newcomer n with volunteer v. It is the only place points are
// given, so Score, Assign and Optimal cannot disagree; reasons, when not nil,
// gets what scored, which is kept off the hot path of Assign.
func (s *scorer) pair(n, v int, reasons *[]Reason) (int, bool) {
	nc, vo := &s.newcomers, &s.volunteers
	slots := nc.slots[n] & vo.slots[v]
	if slots == 0 || !intersects(nc.languages.row(n), vo.languages.row(v)) {
		return 0, false
	}
	need := max(nc.guests[n], 1) // the newcomer comes too, even when they gave no number
	if s.fields&countsGuests != 0 && need > vo.guests[v] {
		return 0, false
	}

	total := weightCommonGround
	if reasons != nil {
		for bit := WeekdayMorning; bit <= Weekend; bit <<= 1 {
			if slots&bit != 0 {
				*reasons = append(*reasons, Reason{KindTime, bit.String()})
			}
		}
		s.explainShared(reasons, KindLanguage, nc.people[n].Languages, s.words.languages, vo.languages, v, -1)
	}

	if s.fields&countsInterests != 0 {
		shared := min(overlap(nc.interests.row(n), vo.interests.row(v)), maxCountedInterests)
		total += weightInterest * shared
		if reasons != nil {
			s.explainShared(reasons, KindInterest, nc.people[n].Interests, s.words.interests, vo.interests, v, maxCountedInterests)
		}
	}

	if s.fields&countsArea != 0 {
		a, b := nc.area[n], vo.area[v]
		switch {
		case a >= 0 && a == b:
			total += weightSameArea
			if reasons != nil {
				*reasons = append(*reasons, Reason{KindArea, strings.TrimSpace(nc.people[n].Area)})
			}
		case a >= 0 && s.neighbours.has(int(a), b):
			total += weightNeighbourArea
			if reasons != nil {
				*reasons = append(*reasons, Reason{KindNeighbour, strings.TrimSpace(vo.people[v].Area)})
			}
		}
	}

	if s.fields&countsProfession != 0 && nc.profession[n] >= 0 && nc.profession[n] == vo.profession[v] {
		total += weightProfession
		if reasons != nil {
			*reasons = append(*reasons, Reason{KindProfession, strings.TrimSpace(nc.people[n].Profession)})
		}
	}

	if s.fields&countsChildren != 0 {
		if gap, ok := closestAges(nc.childAges[n], vo.childAges[v]); ok {
			total += weightChildren + max(childAgeWindow-gap, 0)
			if reasons != nil {
				*reasons = append(*reasons, Reason{Kind: KindChildren})
			}
		}
	}

	if s.fields&countsGuests != 0 {
		total += weightGuestsFit
		shared := min(overlap(nc.restrictions.row(n), vo.restrictions.row(v)), maxCountedRestrictions)
		total += weightSharedRestriction * shared
		if reasons != nil {
			*reasons = append(*reasons, Reason{KindGuests, strconv.Itoa(int(need))})
			s.explainShared(reasons, KindRestriction, nc.people[n].Restrictions, s.words.restrictions, vo.restrictions, v, maxCountedRestrictions)
		}
	}
	return total, true
}

// explainShared appends one reason for each of the newcomer's words the
// volunteer shares, in the newcomer's order and spelling, once each and at most
// limit of them (limit < 0: all), matching how many the score counted.
func (s *scorer) explainShared(reasons *[]Reason, kind Kind, words []string, known vocabulary, theirs bitRows, v, limit int) {
	var seen []int32
	for _, w := range words {
		if limit >= 0 && len(seen) == limit {
			return
		}
		id := known.id(w)
		if !theirs.has(v, id) || containsID(seen, id) {
			continue
		}
		seen = append(seen, id)
		*reasons = append(*reasons, Reason{kind, strings.TrimSpace(w)})
	}
}

func containsID(ids []int32, id int32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
