package schedule

import (
	"slices"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/guidebot/guidebot/internal/flow"
)

// Matching is what a programme that pairs newcomers with volunteers for an hour
// (Kompisbyrån) declares: its kinds of meeting and its town's areas. Zero: it
// does not match.
type Matching struct {
	Programmes []*MatchProgramme
	Areas      []*Area
}

// MatchProgramme is one kind of meeting (fika, dinner, a talk about a profession):
// the profile fields that count when pairs are scored, how long a meeting is, and
// whether its volunteers wait for a coordinator's approval. Its name in every
// language is the locales' match.programme.<id>.
type MatchProgramme struct {
	ID      string
	Fields  []string
	Meeting time.Duration
	Vetted  bool
	Line    int
}

// Area is a part of town; neighbours count as near.
type Area struct {
	Name       string
	Neighbours []string
}

// MatchFields are the profile fields a programme may name.
var MatchFields = []string{"interests", "area", "profession", "children", "guests"}

// defaultMeeting is a meeting's length where the programme does not say.
const defaultMeeting = time.Hour

// Programme returns the matching programme with id.
func (m Matching) Programme(id string) (*MatchProgramme, bool) {
	i := slices.IndexFunc(m.Programmes, func(p *MatchProgramme) bool { return p.ID == id })
	if i < 0 {
		return nil, false
	}
	return m.Programmes[i], true
}

// The lists the schedule keeps for the flows' steps (`list: {from: areas}`).
const (
	ListAreas      = "areas"      // the town's areas, each by its name as written
	ListProgrammes = "programmes" // the matching programmes, by match.programme.<id>
)

// List gives one of the schedule's lists as a flow step offers it.
func (s *Schedule) List(name string) []flow.ListItem {
	var out []flow.ListItem
	switch name {
	case ListAreas:
		for _, a := range s.Matching.Areas {
			out = append(out, flow.ListItem{ID: a.Name, Label: "list.name", Params: map[string]string{"Name": a.Name}})
		}
	case ListProgrammes:
		for _, p := range s.Matching.Programmes {
			out = append(out, flow.ListItem{ID: p.ID, Label: ProgrammeLabel(p.ID)})
		}
	}
	return out
}

// ProgrammeLabel is the message id of a matching programme's name.
func ProgrammeLabel(id string) string { return "match.programme." + id }

type rawMatching struct {
	Programmes []yaml.Node `yaml:"programmes"`
	Areas      []struct {
		Name       string   `yaml:"name"`
		Neighbours []string `yaml:"neighbours"`
	} `yaml:"areas"`
}

type rawProgramme struct {
	ID      string   `yaml:"id"`
	Fields  []string `yaml:"fields"`
	Meeting string   `yaml:"meeting"`
	Vetted  bool     `yaml:"vetted"`
}

// matching reads the matching section at n.
func (p *parser) matching(n *yaml.Node) Matching {
	var raw rawMatching
	if err := n.Decode(&raw); err != nil {
		p.add(n.Line, "matching: %v", err)
		return Matching{}
	}
	var m Matching
	for i := range raw.Programmes {
		node := &raw.Programmes[i]
		var r rawProgramme
		if err := node.Decode(&r); err != nil {
			p.add(node.Line, "matching programme: %v", err)
			continue
		}
		if r.ID == "" {
			p.add(node.Line, "a matching programme needs an id")
			continue
		}
		if _, dup := m.Programme(r.ID); dup {
			p.add(node.Line, "matching programme %q is defined twice", r.ID)
			continue
		}
		mp := &MatchProgramme{ID: r.ID, Fields: r.Fields, Meeting: defaultMeeting, Vetted: r.Vetted, Line: node.Line}
		for _, f := range r.Fields {
			if !slices.Contains(MatchFields, f) {
				p.add(lineOf(node, "fields"), "matching programme %s: unknown field %q (one of %v)", r.ID, f, MatchFields)
			}
		}
		if r.Meeting != "" {
			d, err := time.ParseDuration(r.Meeting)
			if err != nil || d <= 0 {
				p.add(lineOf(node, "meeting"), "matching programme %s: meeting %q: want a duration such as 1h", r.ID, r.Meeting)
			}
			mp.Meeting = d
		}
		m.Programmes = append(m.Programmes, mp)
	}
	names := map[string]bool{}
	for _, a := range raw.Areas {
		if a.Name == "" || names[a.Name] {
			p.add(lineOf(n, "areas"), "matching areas: each needs a name of its own (%q)", a.Name)
			continue
		}
		names[a.Name] = true
		m.Areas = append(m.Areas, &Area{Name: a.Name, Neighbours: a.Neighbours})
	}
	for _, a := range m.Areas {
		for _, nb := range a.Neighbours {
			if !names[nb] {
				p.add(lineOf(n, "areas"), "matching area %s: neighbour %q is not an area", a.Name, nb)
			}
		}
	}
	return m
}
