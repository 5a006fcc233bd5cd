package matching

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/schedule"
	"github.com/guidebot/guidebot/internal/store"
)

// Store keeps the pool; *store.Store is one.
type Store interface {
	SaveProfile(ctx context.Context, id, profile string) error
	Profile(ctx context.Context, id string) (string, bool, error)
	Profiles(ctx context.Context) (map[string]string, error)
	DeleteProfile(ctx context.Context, id string) (bool, error)
}

// Service carries out the sign-up's effects and pairs the pool.
type Service struct {
	st       Store
	matching func() schedule.Matching
}

// New returns a Service on st; matching gives the schedule's programmes and areas
// in force (a reloaded schedule file's from then on).
func New(st Store, matching func() schedule.Matching) *Service {
	return &Service{st: st, matching: matching}
}

// The outcomes the sign-up flow awaits.
const (
	outcomeOK     = "ok"
	outcomeVetted = "vetted"
	outcomeOff    = "off"
	outcomeNone   = "none"
)

// EventSignup is the figure a sign-up adds to the programme's reports.
const EventSignup = "match_signup"

// Register makes b carry out the sign-up's effects, and removes a forgotten
// participant's profile with the rest of them.
func (s *Service) Register(b *bot.Bot) {
	b.HandleEffect("match_question", s.question)
	b.HandleEffect("match_join", s.join)
	b.HandleEffect("match_pause", s.pause)
	b.HandleEffect("match_leave", s.leave)
	forget := b.Effect("forget")
	b.HandleEffect("forget", func(ctx context.Context, t *bot.Turn, e flow.Effect) (string, error) {
		if _, err := s.st.DeleteProfile(ctx, t.Participant); err != nil {
			return "", fmt.Errorf("matching: forget: %w", err)
		}
		if forget == nil {
			return "", nil
		}
		return forget(ctx, t, e)
	})
}

// question is the one more question the programme asks, by the first of its
// fields that has one; "" asks none.
func (s *Service) question(_ context.Context, _ *bot.Turn, e flow.Effect) (string, error) {
	p, ok := s.matching().Programme(e.Args["arg"])
	if !ok {
		return "", nil
	}
	for _, f := range p.Fields {
		switch f {
		case "profession", "children", "guests":
			return f, nil
		}
	}
	return "", nil
}

// join puts the participant's answers in the pool: waiting, or, as a volunteer of
// a vetted programme, waiting for a coordinator's approval.
func (s *Service) join(ctx context.Context, t *bot.Turn, e flow.Effect) (string, error) {
	m := s.matching()
	prog, ok := m.Programme(e.Args["programme"])
	role := e.Args["role"]
	if !ok || (role != Newcomer && role != Volunteer) {
		return outcomeOff, nil
	}
	p := Profile{Role: role, Programme: prog.ID, Name: e.Args["name"], Area: areaOf(m, e.Args["area"]),
		Free: e.Args["free"], Languages: []string{t.State.Lang}, Interests: words(e.Args["interests"]),
		Profession: e.Args["profession"], Children: ages(e.Args["children"]), Status: Waiting, Joined: t.Now.Unix()}
	if _, known := slots[p.Free]; !known {
		p.Free = "any"
	}
	if also := e.Args["also"]; also != "" && also != "none" && !slices.Contains(p.Languages, also) {
		p.Languages = append(p.Languages, also)
	}
	p.Guests, _ = strconv.Atoi(e.Args["guests"])
	outcome := outcomeOK
	if prog.Vetted && role == Volunteer {
		p.Status, outcome = Vetting, outcomeVetted
	}
	if err := s.st.SaveProfile(ctx, t.Participant, p.encode()); err != nil {
		return "", fmt.Errorf("matching: join: %w", err)
	}
	t.Counts = append(t.Counts, store.Event{Name: EventSignup,
		Dims: map[string]string{"programme": prog.ID, "role": role, "lang": t.State.Lang}})
	return outcome, nil
}

// pause keeps the participant's profile out of the pairing until they sign up again.
func (s *Service) pause(ctx context.Context, t *bot.Turn, _ flow.Effect) (string, error) {
	raw, ok, err := s.st.Profile(ctx, t.Participant)
	if err != nil || !ok {
		return outcomeNone, err
	}
	p, err := decode(raw)
	if err != nil {
		return "", err
	}
	p.Status = Paused
	if err := s.st.SaveProfile(ctx, t.Participant, p.encode()); err != nil {
		return "", fmt.Errorf("matching: pause: %w", err)
	}
	return outcomeOK, nil
}

// leave removes the participant's profile.
func (s *Service) leave(ctx context.Context, t *bot.Turn, _ flow.Effect) (string, error) {
	had, err := s.st.DeleteProfile(ctx, t.Participant)
	if err != nil {
		return "", fmt.Errorf("matching: leave: %w", err)
	}
	if !had {
		return outcomeNone, nil
	}
	return outcomeOK, nil
}
