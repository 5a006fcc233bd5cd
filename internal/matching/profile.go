package matching

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/guidebot/guidebot/internal/match"
	"github.com/guidebot/guidebot/internal/schedule"
)

// The roles a participant signs up in.
const (
	Newcomer  = "newcomer"
	Volunteer = "volunteer"
)

// The states of a profile in the pool.
const (
	Waiting = "waiting" // in the pool
	Paused  = "paused"
)

// Profile is what a participant told the sign-up: the pool holds it as JSON.
type Profile struct {
	Role       string   `json:"role"`
	Programmes []string `json:"programmes"`
	// Approved: a coordinator has checked this volunteer, who may now be matched
	// in the vetted programmes too.
	Approved   bool     `json:"approved,omitempty"`
	Name       string   `json:"name,omitempty"`
	Area       string   `json:"area,omitempty"` // as the schedule names it; "": not given or not known
	Free       string   `json:"free"`           // any, or some of mornings, afternoons, evenings, weekends (comma-separated)
	Languages  []string `json:"langs"`
	Interests  []string `json:"interests,omitempty"`
	Profession string   `json:"profession,omitempty"`
	Children   []int    `json:"children,omitempty"`
	Guests     int      `json:"guests,omitempty"`
	// Restrictions are foods not eaten (a dinner invitation).
	Restrictions []string `json:"diet,omitempty"`
	Status       string   `json:"status"`
	Joined       int64    `json:"joined"` // Unix seconds
}

func decode(raw string) (Profile, error) {
	var p struct {
		Profile
		// The first release's one programme, and its status of a volunteer not yet
		// approved: read as the list and the approval they became.
		Programme string `json:"programme"`
	}
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return p.Profile, fmt.Errorf("matching: profile: %w", err)
	}
	if len(p.Programmes) == 0 && p.Programme != "" {
		p.Programmes = []string{p.Programme}
	}
	if p.Status == legacyVetting {
		p.Status = Waiting
	}
	return p.Profile, nil
}

// legacyVetting is the first release's status of a volunteer waiting for approval.
const legacyVetting = "vetting"

// in says whether p may be matched in prog now: signed up for it, waiting, and,
// as a volunteer of a vetted programme, approved.
func (p Profile) in(prog *schedule.MatchProgramme) bool {
	return p.Status == Waiting && slices.Contains(p.Programmes, prog.ID) && !p.awaiting(prog)
}

// awaiting says whether p waits for a coordinator's approval to be matched in prog.
func (p Profile) awaiting(prog *schedule.MatchProgramme) bool {
	return prog.Vetted && p.Role == Volunteer && !p.Approved && slices.Contains(p.Programmes, prog.ID)
}

func (p Profile) encode() string {
	b, _ := json.Marshal(p) // plain fields always encode
	return string(b)
}

// slots are the free-time answers as match's slots.
var slots = map[string]match.Slot{
	"mornings":   match.WeekdayMorning,
	"afternoons": match.WeekdayAfternoon,
	"evenings":   match.WeekdayEvening,
	"weekends":   match.Weekend,
	"any":        match.WeekdayMorning | match.WeekdayAfternoon | match.WeekdayEvening | match.Weekend,
}

// free is the free time written as slots ("mornings,weekends"): the slots of the
// known words, "" for none of them.
func free(written string) (match.Slot, string) {
	var s match.Slot
	var kept []string
	for _, w := range strings.Split(written, ",") {
		if slot, ok := slots[w]; ok && !slices.Contains(kept, w) {
			s |= slot
			kept = append(kept, w)
		}
	}
	if slices.Contains(kept, "any") {
		return slots["any"], "any"
	}
	return s, strings.Join(kept, ",")
}

// person is p as the matcher scores it; the participant id is its ID.
func (p Profile) person(id string) match.Person {
	slot, _ := free(p.Free)
	return match.Person{ID: id, FirstName: p.Name, Area: p.Area, Interests: p.Interests, Free: slot,
		Languages: p.Languages, Profession: p.Profession, ChildAges: p.Children, Guests: p.Guests,
		Restrictions: p.Restrictions}
}

// words splits a free-text list ("football, cooking and music") into its items.
func words(text string) []string {
	f := strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(",;/\n", r) })
	var out []string
	for _, w := range f {
		for _, part := range strings.Split(w, " and ") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// ages reads children's ages ("4, 7" or "4 and 7"); what is not a number is left out.
func ages(text string) []int {
	var out []int
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r < '0' || r > '9' }) {
		if n, err := strconv.Atoi(f); err == nil && n < 30 {
			out = append(out, n)
		}
	}
	return out
}

// areaOf is the schedule's name of the area written, "" for none it knows.
func areaOf(m schedule.Matching, written string) string {
	w := strings.ToLower(strings.TrimSpace(written))
	for _, a := range m.Areas {
		if strings.ToLower(a.Name) == w {
			return a.Name
		}
	}
	return ""
}

// areas are the schedule's areas as match's neighbours.
func areas(m schedule.Matching) match.Areas {
	out := match.Areas{}
	for _, a := range m.Areas {
		out[a.Name] = a.Neighbours
	}
	return out
}
