package match

import (
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"
)

// normalise makes the spellings people type compare equal: case and runs of
// white space do not tell two interests, languages or areas apart.
func normalise(word string) string {
	if !plainlySpaced(word) {
		word = strings.Join(strings.Fields(word), " ")
	}
	return strings.ToLower(word)
}

// plainlySpaced reports a word that splitting on white space would leave as it
// is, which is most of them; it spares normalise an allocation per word. Any
// byte that might be part of Unicode white space sends the word the long way.
func plainlySpaced(word string) bool {
	for k := 0; k < len(word); k++ {
		switch c := word[k]; {
		case c == ' ':
			if k == 0 || k == len(word)-1 || word[k-1] == ' ' {
				return false
			}
		case c < ' ' || c >= utf8.RuneSelf:
			return false
		}
	}
	return true
}

// vocabulary numbers each distinct normalised word, so that what two people
// share becomes a bit operation instead of string comparisons.
type vocabulary map[string]int32

func (v vocabulary) add(words ...string) {
	for _, word := range words {
		w := normalise(word)
		if _, known := v[w]; w != "" && !known {
			v[w] = int32(len(v))
		}
	}
}

// id is the word's number, or -1 for a blank or unknown word.
func (v vocabulary) id(word string) int32 {
	if id, ok := v[normalise(word)]; ok {
		return id
	}
	return -1
}

// bitRows is one bit set per person (or per area), all in one allocation.
type bitRows struct {
	words int
	bits  []uint64
}

func newBitRows(rows, size int) bitRows {
	words := (size + 63) / 64
	return bitRows{words: words, bits: make([]uint64, rows*words)}
}

func (r bitRows) row(i int) []uint64 { return r.bits[i*r.words : (i+1)*r.words] }

func (r bitRows) set(i int, bit int32) {
	if bit >= 0 {
		r.bits[i*r.words+int(bit>>6)] |= 1 << (bit & 63)
	}
}

func (r bitRows) has(i int, bit int32) bool {
	return bit >= 0 && r.bits[i*r.words+int(bit>>6)]&(1<<(bit&63)) != 0
}

func intersects(a, b []uint64) bool {
	for k := range a {
		if a[k]&b[k] != 0 {
			return true
		}
	}
	return false
}

func overlap(a, b []uint64) int {
	n := 0
	for k := range a {
		n += bits.OnesCount64(a[k] & b[k])
	}
	return n
}

// vocabularies are shared by both sides of a pool so that equal words get equal
// numbers.
type vocabularies struct {
	languages, interests, restrictions, areas, professions vocabulary
}

func newVocabularies(sides ...[]Person) vocabularies {
	v := vocabularies{vocabulary{}, vocabulary{}, vocabulary{}, vocabulary{}, vocabulary{}}
	for _, people := range sides {
		for _, p := range people {
			v.languages.add(p.Languages...)
			v.interests.add(p.Interests...)
			v.restrictions.add(p.Restrictions...)
			v.areas.add(p.Area)
			v.professions.add(p.Profession)
		}
	}
	return v
}

// profiles is one side of a pool turned into numbers.
type profiles struct {
	people       []Person
	slots        []Slot
	area         []int32
	profession   []int32
	guests       []int32
	childAges    [][]int
	languages    bitRows
	interests    bitRows
	restrictions bitRows
}

func newProfiles(people []Person, v vocabularies) profiles {
	n := len(people)
	p := profiles{
		people:       people,
		slots:        make([]Slot, n),
		area:         make([]int32, n),
		profession:   make([]int32, n),
		guests:       make([]int32, n),
		childAges:    make([][]int, n),
		languages:    newBitRows(n, len(v.languages)),
		interests:    newBitRows(n, len(v.interests)),
		restrictions: newBitRows(n, len(v.restrictions)),
	}
	for i, person := range people {
		p.slots[i] = person.Free & allSlots
		p.area[i] = v.areas.id(person.Area)
		p.profession[i] = v.professions.id(person.Profession)
		p.guests[i] = int32(person.Guests)
		p.childAges[i] = sortedAges(person.ChildAges)
		for _, w := range person.Languages {
			p.languages.set(i, v.languages.id(w))
		}
		for _, w := range person.Interests {
			p.interests.set(i, v.interests.id(w))
		}
		for _, w := range person.Restrictions {
			p.restrictions.set(i, v.restrictions.id(w))
		}
	}
	return p
}

// sortedAges drops impossible ages and sorts the rest, so the closest pair of
// two families' children is one merge away.
func sortedAges(ages []int) []int {
	var kept []int
	for _, a := range ages {
		if a >= 0 {
			kept = append(kept, a)
		}
	}
	slices.Sort(kept)
	return kept
}

// closestAges is the smallest age difference between a child of one family and
// a child of the other; ok is false when either has none.
func closestAges(a, b []int) (gap int, ok bool) {
	if len(a) == 0 || len(b) == 0 {
		return 0, false
	}
	gap = -1
	for i, j := 0, 0; i < len(a) && j < len(b); {
		d := a[i] - b[j]
		if d < 0 {
			d = -d
			i++
		} else {
			j++
		}
		if gap < 0 || d < gap {
			gap = d
		}
	}
	return gap, true
}

// neighbourRows turns Areas into one bit set per known area, both directions.
// Iterating the map is safe here: setting bits does not depend on the order.
func neighbourRows(areas Areas, known vocabulary) bitRows {
	rows := newBitRows(len(known), len(known))
	for area, next := range areas {
		a := known.id(area)
		if a < 0 {
			continue
		}
		for _, n := range next {
			if b := known.id(n); b >= 0 && b != a {
				rows.set(int(a), b)
				rows.set(int(b), a)
			}
		}
	}
	return rows
}
