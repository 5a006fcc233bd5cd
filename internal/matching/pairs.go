package matching

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/guidebot/guidebot/internal/match"
)

// Proposal is a pair the pool would propose, by first names and areas only.
type Proposal struct {
	Programme string
	Newcomer  Side
	Volunteer Side
	Score     int
	Reasons   []match.Reason
}

// Side is one of a proposal's two people as a coordinator may see them.
type Side struct {
	ID, Name, Area string
}

// pool is the profiles, read once.
func (s *Service) pool(ctx context.Context) (map[string]Profile, error) {
	raw, err := s.st.Profiles(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Profile, len(raw))
	for id, r := range raw {
		p, err := decode(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		out[id] = p
	}
	return out, nil
}

// Pairs assigns each programme's free newcomers and volunteers as a whole, so
// that the programme's total score is as high as it can be found (internal/match):
// not those with a proposal or a match open, nor a pair declined before.
func (s *Service) Pairs(ctx context.Context) ([]Proposal, error) {
	profiles, err := s.pool(ctx)
	if err != nil {
		return nil, err
	}
	engaged, err := s.st.Engaged(ctx)
	if err != nil {
		return nil, err
	}
	declined, err := s.st.DeclinedPairs(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(profiles))
	for id := range profiles {
		ids = append(ids, id)
	}
	slices.Sort(ids) // the same pool gives the same pairs
	m := s.matching()
	near := areas(m)
	var out []Proposal
	for _, prog := range m.Programmes {
		pool := match.Pool{Excluded: func(n, v string) bool { return declined[n+"|"+v] }}
		for _, id := range ids {
			p := profiles[id]
			if p.Programme != prog.ID || p.Status != Waiting || engaged[id] != "" {
				continue
			}
			if p.Role == Newcomer {
				pool.Newcomers = append(pool.Newcomers, p.person(id))
			} else {
				pool.Volunteers = append(pool.Volunteers, p.person(id))
			}
		}
		mp := match.Programme{Name: prog.ID, Fields: prog.Fields, Meeting: prog.Meeting}
		for _, pair := range match.Assign(mp, near, pool) {
			n, v := pool.Newcomers[pair.Newcomer], pool.Volunteers[pair.Volunteer]
			out = append(out, Proposal{Programme: prog.ID, Score: pair.Score, Reasons: pair.Reasons,
				Newcomer: Side{n.ID, n.FirstName, n.Area}, Volunteer: Side{v.ID, v.FirstName, v.Area}})
		}
	}
	return out, nil
}

// WritePairs prints proposals for a coordinator: programme, first names, areas,
// score and why, and no other personal data.
func WritePairs(w io.Writer, ps []Proposal) {
	if len(ps) == 0 {
		fmt.Fprintln(w, "No pairs: nobody waiting in a programme has someone to meet there yet.")
		return
	}
	for _, p := range ps {
		why := make([]string, len(p.Reasons))
		for i, r := range p.Reasons {
			why[i] = string(r.Kind)
			if r.Value != "" {
				why[i] += " " + r.Value
			}
		}
		fmt.Fprintf(w, "%s: %s (%s) + %s (%s): score %d: %s\n", p.Programme, nameOf(p.Newcomer), areaName(p.Newcomer),
			nameOf(p.Volunteer), areaName(p.Volunteer), p.Score, strings.Join(why, ", "))
	}
}

func nameOf(s Side) string {
	if s.Name == "" {
		return "(no name given)"
	}
	return s.Name
}

func areaName(s Side) string {
	if s.Area == "" {
		return "area not given"
	}
	return s.Area
}

// Stats counts the pool by programme: newcomers and volunteers waiting, volunteers
// waiting for approval, and those paused.
type Stats struct {
	Programme                     string
	Newcomers, Volunteers         int
	AwaitingApproval, PausedCount int
}

// Figures counts the pool, one line a programme of the schedule.
func (s *Service) Figures(ctx context.Context) ([]Stats, error) {
	profiles, err := s.pool(ctx)
	if err != nil {
		return nil, err
	}
	var out []Stats
	for _, prog := range s.matching().Programmes {
		st := Stats{Programme: prog.ID}
		for _, p := range profiles {
			if p.Programme != prog.ID {
				continue
			}
			switch {
			case p.Status == Paused:
				st.PausedCount++
			case p.Status == Vetting:
				st.AwaitingApproval++
			case p.Role == Newcomer:
				st.Newcomers++
			default:
				st.Volunteers++
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// WriteFigures prints the pool's counts as a table.
func WriteFigures(w io.Writer, stats []Stats) {
	fmt.Fprintf(w, "%-12s %10s %10s %18s %7s\n", "programme", "newcomers", "volunteers", "awaiting approval", "paused")
	for _, s := range stats {
		fmt.Fprintf(w, "%-12s %10d %10d %18d %7d\n", s.Programme, s.Newcomers, s.Volunteers, s.AwaitingApproval, s.PausedCount)
	}
}

// Awaiting lists the volunteers of vetted programmes who wait for a coordinator's
// approval, by participant id (which a coordinator approves them by), first name,
// area and programme.
func (s *Service) Awaiting(ctx context.Context) ([]Proposal, error) {
	profiles, err := s.pool(ctx)
	if err != nil {
		return nil, err
	}
	var out []Proposal
	for id, p := range profiles {
		if p.Status == Vetting {
			out = append(out, Proposal{Programme: p.Programme, Volunteer: Side{ID: id, Name: p.Name, Area: p.Area}})
		}
	}
	slices.SortFunc(out, func(a, b Proposal) int { return strings.Compare(a.Volunteer.ID, b.Volunteer.ID) })
	return out, nil
}

// ErrNotAwaiting means the participant is no volunteer waiting for approval.
var ErrNotAwaiting = errors.New("matching: nobody waiting for approval with that id")

// Approve puts a vetted programme's volunteer in the pool and tells them so.
func (s *Service) Approve(ctx context.Context, id string) error {
	p, ok := s.profile(ctx, id)
	if !ok || p.Status != Vetting {
		return ErrNotAwaiting
	}
	p.Status = Waiting
	if err := s.st.SaveProfile(ctx, id, p.encode()); err != nil {
		return fmt.Errorf("matching: approve: %w", err)
	}
	s.bringMessage(ctx, id, p.lang(), "match.joined", nil)
	return nil
}
