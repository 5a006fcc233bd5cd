package matching

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

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
			// By reference: the id is a phone number, and this error is logged.
			return nil, fmt.Errorf("profile %s: %w", Ref(id), err)
		}
		out[id] = p
	}
	return out, nil
}

// Pairs assigns each programme's free newcomers and volunteers as a whole, so
// that the programme's total score is as high as it can be found (internal/match):
// not those with a proposal or a match open, nor a pair declined before. Someone
// in several programmes is paired in the first of them (the schedule's order)
// that has someone for them: one proposal at a time.
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
			if !p.in(prog) || engaged[id] != "" {
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
			engaged[n.ID], engaged[v.ID] = prog.ID, prog.ID
			out = append(out, Proposal{Programme: prog.ID, Score: pair.Score, Reasons: pair.Reasons,
				Newcomer: Side{n.ID, n.FirstName, n.Area}, Volunteer: Side{v.ID, v.FirstName, v.Area}})
		}
	}
	return out, nil
}

// Say renders a message in the coordinator's language; admin.Say is one.
type Say = func(id string, params map[string]string) string

// WritePairs prints proposals for a coordinator: programme, first names, areas,
// score and why, and no other personal data.
func WritePairs(w io.Writer, ps []Proposal, say Say) {
	if len(ps) == 0 {
		fmt.Fprintln(w, say("admin.match_none", nil))
		return
	}
	for _, p := range ps {
		why := make([]string, len(p.Reasons))
		for i, r := range p.Reasons {
			why[i] = say("match.reason."+string(r.Kind), map[string]string{"Value": r.Value})
		}
		fmt.Fprintln(w, say("admin.match_pair", map[string]string{"Programme": p.Programme,
			"Newcomer": nameOr(p.Newcomer.Name, say), "NewcomerArea": areaOr(p.Newcomer.Area, say),
			"Volunteer": nameOr(p.Volunteer.Name, say), "VolunteerArea": areaOr(p.Volunteer.Area, say),
			"Score": strconv.Itoa(p.Score), "Reasons": strings.Join(why, " ")}))
	}
}

func nameOr(name string, say Say) string {
	if name == "" {
		return say("admin.no_name", nil)
	}
	return name
}

func areaOr(area string, say Say) string {
	if area == "" {
		return say("admin.no_area", nil)
	}
	return area
}

// Stats counts the pool by programme: newcomers and volunteers waiting, volunteers
// waiting for approval, and those paused.
type Stats struct {
	Programme                     string
	Newcomers, Volunteers         int
	AwaitingApproval, PausedCount int
}

// Figures counts the pool, one line a programme of the schedule; someone in two
// programmes counts in both.
func (s *Service) Figures(ctx context.Context) ([]Stats, error) {
	profiles, err := s.pool(ctx)
	if err != nil {
		return nil, err
	}
	var out []Stats
	for _, prog := range s.matching().Programmes {
		st := Stats{Programme: prog.ID}
		for _, p := range profiles {
			switch {
			case !slices.Contains(p.Programmes, prog.ID):
			case p.Status == Paused:
				st.PausedCount++
			case p.awaiting(prog):
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
func WriteFigures(w io.Writer, stats []Stats, say Say) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", say("admin.programme", nil), say("admin.newcomers", nil),
		say("admin.volunteers", nil), say("admin.awaiting_approval", nil), say("admin.paused", nil))
	for _, s := range stats {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", s.Programme, s.Newcomers, s.Volunteers, s.AwaitingApproval, s.PausedCount)
	}
	tw.Flush()
}

// Candidate is a volunteer waiting for a coordinator's approval, as the
// coordinator sees them: by a reference to approve them with (never their phone
// number or chat), first name, area and the vetted programmes they wait for.
type Candidate struct {
	Ref, Name, Area string
	Programmes      []string
}

// Ref is the reference a coordinator approves a volunteer by: a digest of the
// participant id, so no phone number is shown, and the same wherever it is shown.
func Ref(participant string) string {
	sum := sha256.Sum256([]byte(participant))
	return hex.EncodeToString(sum[:refBytes])
}

// refBytes is how much of the digest a reference keeps: 10 hex digits, short to
// type and far too many for two volunteers to share by chance.
const refBytes = 5

// Awaiting lists the volunteers of vetted programmes who wait for a coordinator's
// approval, by reference.
func (s *Service) Awaiting(ctx context.Context) ([]Candidate, error) {
	profiles, err := s.pool(ctx)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	for id, p := range profiles {
		if v, ok := s.awaiting(id, p); ok {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b Candidate) int { return strings.Compare(a.Ref, b.Ref) })
	return out, nil
}

// awaiting is participant id as a volunteer waiting for approval, if they are one.
func (s *Service) awaiting(id string, p Profile) (Candidate, bool) {
	v := Candidate{Ref: Ref(id), Name: p.Name, Area: p.Area}
	for _, prog := range s.matching().Programmes {
		if p.awaiting(prog) {
			v.Programmes = append(v.Programmes, prog.ID)
		}
	}
	return v, len(v.Programmes) > 0
}

// ErrNotAwaiting means no volunteer waiting for approval has that reference.
var ErrNotAwaiting = errors.New("matching: nobody waiting for approval with that reference")

// Approve lets the volunteer with reference ref be matched in the vetted
// programmes they chose, and tells them so; it returns their first name.
func (s *Service) Approve(ctx context.Context, ref string) (string, error) {
	profiles, err := s.pool(ctx)
	if err != nil {
		return "", err
	}
	ref = strings.ToLower(strings.TrimSpace(ref))
	for id, p := range profiles {
		if _, ok := s.awaiting(id, p); !ok || Ref(id) != ref {
			continue
		}
		p.Approved = true
		if err := s.st.SaveProfile(ctx, id, p.encode()); err != nil {
			return "", fmt.Errorf("matching: approve: %w", err)
		}
		s.bringMessage(ctx, id, p.lang(), "match.approved", nil)
		return p.Name, nil
	}
	return "", ErrNotAwaiting
}
