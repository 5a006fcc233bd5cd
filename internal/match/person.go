package match

import "time"

// Slot is a set of times in the week someone is free for a meeting.
type Slot uint8

// The free-time slots; a person's Slot is any union of them.
const (
	WeekdayMorning Slot = 1 << iota
	WeekdayAfternoon
	WeekdayEvening
	Weekend
)

// allSlots masks bits no slot names, so a stray bit never makes two people
// look free at the same time.
const allSlots = WeekdayMorning | WeekdayAfternoon | WeekdayEvening | Weekend

// String is the code of a single slot, as it appears in a time Reason; a union
// joins its codes with "+". The codes are keys for the caller's wording, not text
// to show.
func (s Slot) String() string {
	code := ""
	for bit := WeekdayMorning; bit <= Weekend; bit <<= 1 {
		if s&bit == 0 {
			continue
		}
		if code != "" {
			code += "+"
		}
		code += bit.code()
	}
	return code
}

func (s Slot) code() string {
	switch s {
	case WeekdayMorning:
		return "weekday-morning"
	case WeekdayAfternoon:
		return "weekday-afternoon"
	case WeekdayEvening:
		return "weekday-evening"
	case Weekend:
		return "weekend"
	}
	return ""
}

// Person is a newcomer or a volunteer as matching sees them. Profession is the
// one a volunteer practises or the one a newcomer wants to work in. Guests is how
// many a volunteer can host for dinner, or how many come with a newcomer
// (themselves included); Restrictions are dietary ones, for dinner.
type Person struct {
	ID           string
	FirstName    string
	Area         string
	Interests    []string
	Free         Slot
	Languages    []string
	Profession   string
	ChildAges    []int
	Guests       int
	Restrictions []string
}

// The profile fields a Programme can count.
const (
	FieldInterests  = "interests"
	FieldArea       = "area"
	FieldProfession = "profession"
	FieldChildren   = "children"
	FieldGuests     = "guests"
)

// Programme is one kind of meeting (fika buddy, family buddy, dinner invitation
// …). Fields names which profile fields count towards a pair's score; a common
// free-time slot and a common language are always required. Names not among the
// Field constants are ignored. Meeting is how long the meeting lasts, for the
// caller's proposals; it does not change who suits whom.
type Programme struct {
	Name    string
	Fields  []string
	Meeting time.Duration
}

// Areas lists each area's neighbours. One direction is enough: a neighbour of
// one's is a neighbour of the other's.
type Areas map[string][]string

// Kind says what a Reason is about.
type Kind string

// The kinds of Reason.
const (
	KindTime        Kind = "time"
	KindLanguage    Kind = "language"
	KindInterest    Kind = "interest"
	KindArea        Kind = "area"
	KindNeighbour   Kind = "neighbour"
	KindProfession  Kind = "profession"
	KindChildren    Kind = "children"
	KindGuests      Kind = "guests"
	KindRestriction Kind = "restriction"
)

// Reason is one thing a pair has in common, for the caller to word in the
// reader's language. Value is the newcomer's own spelling (for a neighbouring
// area, the volunteer's area), a Slot code for time, the number of guests for
// guests, and empty for children.
type Reason struct {
	Kind  Kind
	Value string
}

// Pool is who is waiting. Only people free to be proposed belong in it; Excluded,
// when set, names pairs that must not be proposed, such as one already declined.
type Pool struct {
	Newcomers  []Person
	Volunteers []Person
	Excluded   func(newcomerID, volunteerID string) bool
}

// Pair is one proposal: indices into the Pool's Newcomers and Volunteers, its
// score and what it rests on.
type Pair struct {
	Newcomer  int
	Volunteer int
	Score     int
	Reasons   []Reason
}
