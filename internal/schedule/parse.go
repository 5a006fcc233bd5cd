package schedule

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Problem is one thing wrong with a schedule file, at a line of it.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg) }

// Problems is every problem Parse found; it is the error Parse returns.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// The file as written; venues and sessions stay nodes so problems can name lines.
type rawFile struct {
	Programme string `yaml:"programme"`
	Country   string `yaml:"country"`
	Target    struct {
		Participants int    `yaml:"participants"`
		By           string `yaml:"by"`
	} `yaml:"target"`
	QuietHours *struct {
		From string `yaml:"from"`
		To   string `yaml:"to"`
	} `yaml:"quiet_hours"`
	Venues   []yaml.Node `yaml:"venues"`
	Sessions []yaml.Node `yaml:"sessions"`
	Matching yaml.Node   `yaml:"matching"`
}

type rawVenue struct {
	ID        string   `yaml:"id"`
	Name      string   `yaml:"name"`
	Address   string   `yaml:"address"`
	Timezone  string   `yaml:"timezone"`
	Languages []string `yaml:"languages"`
	Capacity  int      `yaml:"capacity"`
	Reminders []string `yaml:"reminders"`
	Country   string   `yaml:"country"`
}

type rawSession struct {
	ID        string   `yaml:"id"`
	Venue     string   `yaml:"venue"`
	Kind      string   `yaml:"kind"`
	Title     string   `yaml:"title"`
	Weekday   string   `yaml:"weekday"`
	Start     string   `yaml:"start"`
	End       string   `yaml:"end"`
	Weeks     string   `yaml:"weeks"`
	From      string   `yaml:"from"`
	Until     string   `yaml:"until"`
	Cancelled []string `yaml:"cancelled"`
	Seats     int      `yaml:"seats"`
	Dates     []string `yaml:"dates"`
	Length    string   `yaml:"length"`
}

// Default quiet hours: no SMS reminder between 21:00 and 08:00.
const (
	defaultQuietFrom = Clock(21 * 60)
	defaultQuietTo   = Clock(8 * 60)
)

// parser gathers problems while it reads, so one run names all of them.
type parser struct {
	file     string
	problems Problems
}

func (p *parser) add(line int, format string, args ...any) {
	p.problems = append(p.problems, Problem{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// Parse reads and validates a schedule file; name is how problems refer to it. On any
// problem it returns them all as Problems, each with its line.
func Parse(name string, data []byte) (*Schedule, error) {
	p := &parser{file: name}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Problems{{File: name, Line: yamlErrorLine(err), Msg: err.Error()}}
	}
	if len(doc.Content) == 0 {
		return nil, Problems{{File: name, Line: 1, Msg: "the file is empty"}}
	}
	var raw rawFile
	if err := doc.Content[0].Decode(&raw); err != nil {
		return nil, Problems{{File: name, Line: yamlErrorLine(err), Msg: err.Error()}}
	}
	s := &Schedule{Programme: raw.Programme, venues: map[string]*Venue{},
		QuietHours: QuietHours{From: defaultQuietFrom, To: defaultQuietTo}, Country: DefaultCountry}
	root := doc.Content[0]
	if raw.Country != "" {
		cc, ok := parseCountry(raw.Country)
		if !ok {
			p.add(lineOf(root, "country"), "country %q: want a two-letter ISO 3166 code such as SE or FI", raw.Country)
		}
		s.Country = cc
	}
	s.Target.Participants = raw.Target.Participants
	if raw.Target.By != "" {
		d, err := ParseDate(raw.Target.By)
		if err != nil {
			p.add(lineOf(root, "target"), "target.by: %v", err)
		}
		s.Target.By = d
	}
	if q := raw.QuietHours; q != nil {
		line := lineOf(root, "quiet_hours")
		from, err1 := ParseClock(q.From)
		to, err2 := ParseClock(q.To)
		if err1 != nil || err2 != nil {
			p.add(line, "quiet_hours needs from and to as HH:MM")
		} else {
			s.QuietHours = QuietHours{From: from, To: to}
		}
	}
	for i := range raw.Venues {
		if v := p.venue(&raw.Venues[i]); v != nil {
			if _, dup := s.venues[v.ID]; dup {
				p.add(v.Line, "venue %q is defined twice", v.ID)
				continue
			}
			if v.Country == "" {
				v.Country = s.Country
			}
			s.venues[v.ID] = v
			s.Venues = append(s.Venues, v)
		}
	}
	seen := map[string]bool{}
	for i := range raw.Sessions {
		if ss := p.session(&raw.Sessions[i], s.venues); ss != nil {
			if seen[ss.ID] {
				p.add(ss.Line, "session %q is defined twice", ss.ID)
				continue
			}
			seen[ss.ID] = true
			s.Sessions = append(s.Sessions, ss)
		}
	}
	p.overlaps(s.Sessions)
	if raw.Matching.Kind != 0 {
		s.Matching = p.matching(&raw.Matching)
	}
	if len(p.problems) > 0 {
		slices.SortStableFunc(p.problems, func(a, b Problem) int { return a.Line - b.Line })
		return nil, p.problems
	}
	return s, nil
}

func (p *parser) venue(n *yaml.Node) *Venue {
	var r rawVenue
	if err := n.Decode(&r); err != nil {
		p.add(n.Line, "venue: %v", err)
		return nil
	}
	v := &Venue{ID: r.ID, Name: r.Name, Address: r.Address, Languages: r.Languages, Capacity: r.Capacity, Line: n.Line}
	if r.ID == "" {
		p.add(n.Line, "a venue needs an id")
		return nil
	}
	if r.Country != "" {
		cc, ok := parseCountry(r.Country)
		if !ok {
			p.add(lineOf(n, "country"), "venue %s: country %q: want a two-letter ISO 3166 code such as SE or FI", r.ID, r.Country)
		}
		v.Country = cc
	}
	if r.Name == "" {
		p.add(n.Line, "venue %s needs a name", r.ID)
	}
	loc, err := time.LoadLocation(r.Timezone)
	switch {
	case r.Timezone == "":
		p.add(n.Line, "venue %s needs a timezone (such as Europe/Stockholm)", r.ID)
	case err != nil || r.Timezone == "Local":
		p.add(lineOf(n, "timezone"), "venue %s: unknown time zone %q", r.ID, r.Timezone)
	default:
		v.Location = loc
	}
	if r.Capacity < 0 {
		p.add(lineOf(n, "capacity"), "venue %s: capacity must be 0 (unlimited) or more", r.ID)
	}
	v.Reminders = DefaultReminders()
	if r.Reminders != nil {
		v.Reminders = nil
		for _, s := range r.Reminders {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				p.add(lineOf(n, "reminders"), "venue %s: reminder %q is not a positive duration (24h, 2h, 30m)", r.ID, s)
				continue
			}
			v.Reminders = append(v.Reminders, d)
		}
	}
	return v
}

func (p *parser) session(n *yaml.Node, venues map[string]*Venue) *Session {
	var r rawSession
	if err := n.Decode(&r); err != nil {
		p.add(n.Line, "session: %v", err)
		return nil
	}
	if r.ID == "" {
		p.add(n.Line, "a session needs an id")
		return nil
	}
	s := &Session{ID: r.ID, Kind: r.Kind, Title: r.Title, Seats: r.Seats, Line: n.Line}
	bad := func(key, format string, args ...any) {
		p.add(lineOf(n, key), "session %s: "+format, append([]any{r.ID}, args...)...)
	}
	if s.Venue = venues[r.Venue]; s.Venue == nil {
		bad("venue", "unknown venue %q", r.Venue)
	}
	date := func(key, value string) Date {
		if value == "" {
			return Date{}
		}
		d, err := ParseDate(value)
		if err != nil {
			bad(key, "%s: %v", key, err)
		}
		return d
	}
	s.From, s.Until = date("from", r.From), date("until", r.Until)
	if !s.From.IsZero() && !s.Until.IsZero() && s.Until.Before(s.From) {
		bad("until", "until %s is before from %s", s.Until, s.From)
	}
	for _, c := range r.Cancelled {
		if d := date("cancelled", c); !d.IsZero() {
			s.Cancelled = append(s.Cancelled, d)
		}
	}
	switch r.Kind {
	case KindDropin:
		p.dropin(s, r, bad)
	case KindCourse:
		p.course(s, r, bad)
	default:
		bad("kind", "kind must be dropin or course, not %q", r.Kind)
	}
	return s
}

func (p *parser) dropin(s *Session, r rawSession, bad func(key, format string, args ...any)) {
	if r.Weekday == "" {
		if r.Weeks != "" {
			bad("weeks", "weeks without a weekday")
		} else {
			bad("kind", "a drop-in needs a weekday")
		}
	} else if wd, ok := weekdays[strings.ToLower(r.Weekday)]; ok {
		s.Weekday = wd
	} else {
		bad("weekday", "%q is not a weekday (monday … sunday)", r.Weekday)
	}
	s.Weeks = r.Weeks
	switch r.Weeks {
	case "":
		s.Weeks = WeeksEvery
	case WeeksEvery, WeeksEven, WeeksOdd:
	default:
		bad("weeks", "weeks must be every, even or odd, not %q", r.Weeks)
	}
	start, err := ParseClock(r.Start)
	if err != nil {
		bad("start", "start: %v", err)
		return
	}
	end, err := ParseClock(r.End)
	if err != nil {
		bad("end", "end: %v", err)
		return
	}
	if end <= start {
		bad("end", "end %s is not after start %s", end, start)
	}
	s.Start, s.End = start, end
}

func (p *parser) course(s *Session, r rawSession, bad func(key, format string, args ...any)) {
	if r.Weeks != "" && r.Weekday == "" {
		bad("weeks", "weeks without a weekday")
	}
	if len(r.Dates) == 0 {
		bad("kind", "a course needs dates")
	}
	if r.Seats <= 0 {
		bad("kind", "a course needs seats (a number above 0)")
	}
	for _, ds := range r.Dates {
		dt, err := ParseDateTime(ds)
		if err != nil {
			bad("dates", "%v", err)
			continue
		}
		s.Dates = append(s.Dates, dt)
	}
	slices.SortFunc(s.Dates, func(a, b DateTime) int {
		switch {
		case a.Date.Before(b.Date):
			return -1
		case b.Date.Before(a.Date):
			return 1
		}
		return int(a.Clock - b.Clock)
	})
	s.Length = time.Hour
	if r.Length != "" {
		d, err := time.ParseDuration(r.Length)
		if err != nil || d <= 0 || d > 24*time.Hour {
			bad("length", "length %q is not a duration up to 24h (2h, 90m)", r.Length)
		} else {
			s.Length = d
		}
	}
}

var weekdays = map[string]time.Weekday{
	"monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday, "sunday": time.Sunday,
}

// lineOf is the line of key in mapping n, or n's own line.
func lineOf(n *yaml.Node, key string) int {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i].Line
			}
		}
	}
	return n.Line
}

// yamlErrorLine digs the line out of a YAML error ("yaml: line 7: …"), else 1.
func yamlErrorLine(err error) int {
	var line int
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i:], "line %d", &line)
	}
	return max(line, 1)
}

// parseCountry reads a two-letter country code, in either case.
func parseCountry(s string) (string, bool) {
	cc := strings.ToUpper(strings.TrimSpace(s))
	if len(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' {
		return cc, false
	}
	return cc, true
}
