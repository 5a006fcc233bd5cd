package matching

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/schedule"
	"github.com/guidebot/guidebot/internal/store"
)

// Store keeps the pool, the proposals and the ticks and reminders they bring;
// *store.Store is one.
type Store interface {
	SaveProfile(ctx context.Context, id, profile string) error
	Profile(ctx context.Context, id string) (string, bool, error)
	Profiles(ctx context.Context) (map[string]string, error)
	DeleteProfile(ctx context.Context, id string) (bool, error)
	Propose(ctx context.Context, p store.Proposal) (string, error)
	OpenProposal(ctx context.Context, participant string) (store.Proposal, bool, error)
	Answer(ctx context.Context, id, participant string, yes bool) (string, error)
	EndProposal(ctx context.Context, id, status string) (bool, error)
	MoveProposal(ctx context.Context, id, from, to string) (bool, error)
	ProposalByID(ctx context.Context, id string) (store.Proposal, bool, error)
	Share(ctx context.Context, id, participant, contact string) (store.Proposal, bool, error)
	ExpireProposals(ctx context.Context, now time.Time) ([]store.Proposal, error)
	Engaged(ctx context.Context) (map[string]string, error)
	DeclinedPairs(ctx context.Context) (map[string]bool, error)
	Enqueue(ctx context.Context, channel string, msg message.Outbound) error
	ScheduleTick(ctx context.Context, t store.Tick) error
	ScheduleReminder(ctx context.Context, r store.Reminder) error
	CancelReminders(ctx context.Context, participant string, ids ...string) error
	TickDone(ctx context.Context, t store.Tick) error
	ForgetPairs(ctx context.Context, participant string) error
	Suppressed(ctx context.Context, id string) (string, error)
	Count(ctx context.Context, month string, events ...store.Event) error
}

// Options tune the service.
type Options struct {
	// ProposalTTL is how long a proposal waits for both answers [DefaultProposalTTL].
	ProposalTTL time.Duration
	// Places are public places to suggest for a meeting: the schedule's venues.
	Places func() []string
	Now    func() time.Time
	Zone   *time.Location // where meeting times are meant [UTC]
	// Coordinators is the Telegram chat told of a problem reported in a match (the
	// guides' chat, TELEGRAM_GUIDES_CHAT_ID), in Lang; "": nobody is told.
	Coordinators string
	Lang         string
	// Texts are the locales, for an interest's name in a proposal's reasons
	// (match.interest.<id>); nil: the id is shown.
	Texts Texts
}

// Texts is what the service reads of the locales.
type Texts interface {
	Message(lang, id string) (string, bool)
}

// DefaultProposalTTL is how long a proposal waits for both answers.
const DefaultProposalTTL = 48 * time.Hour

// Service carries out the sign-up's effects, proposes pairs and relays between
// the two of a match.
type Service struct {
	st       Store
	matching func() schedule.Matching
	opt      Options
}

// New returns a Service on st; matching gives the schedule's programmes and areas
// in force (a reloaded schedule file's from then on).
func New(st Store, matching func() schedule.Matching, opt Options) *Service {
	if opt.ProposalTTL <= 0 {
		opt.ProposalTTL = DefaultProposalTTL
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Zone == nil {
		opt.Zone = time.UTC
	}
	if opt.Places == nil {
		opt.Places = func() []string { return nil }
	}
	return &Service{st: st, matching: matching, opt: opt}
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
	b.HandleEffect("match_status", s.status)
	b.HandleEffect("match_answer", s.answer)
	b.HandleEffect("match_relay", s.relay)
	b.HandleEffect("match_meeting", s.meeting)
	b.HandleEffect("match_end", s.end)
	b.HandleEffect("match_feedback", s.feedback)
	b.HandleEffect("match_share", s.share)
	forget := b.Effect("forget")
	b.HandleEffect("forget", func(ctx context.Context, t *bot.Turn, e flow.Effect) (string, error) {
		if _, err := s.end(ctx, t, flow.Effect{Args: map[string]string{"arg": store.ProposalEnded}}); err != nil {
			return "", err
		}
		if err := s.st.ForgetPairs(ctx, t.Participant); err != nil {
			return "", fmt.Errorf("matching: forget: %w", err)
		}
		if _, err := s.st.DeleteProfile(ctx, t.Participant); err != nil {
			return "", fmt.Errorf("matching: forget: %w", err)
		}
		if forget == nil {
			return "", nil
		}
		return forget(ctx, t, e)
	})
}

// The questions the sign-up asks for a programme's fields, in the order it asks them.
var questions = []string{"profession", "children", "guests"}

// question is the next question the chosen programmes need that the sign-up has
// not asked yet; "" when none is left.
func (s *Service) question(_ context.Context, _ *bot.Turn, e flow.Effect) (string, error) {
	m := s.matching()
	asked := strings.Split(e.Args["asked"], ",")
	for _, q := range questions {
		if slices.Contains(asked, q) {
			continue
		}
		for _, id := range strings.Split(e.Args["programmes"], ",") {
			if p, ok := m.Programme(id); ok && slices.Contains(p.Fields, q) {
				return q, nil
			}
		}
	}
	return "", nil
}

// join puts the participant's answers in the pool of each programme chosen, and
// says whether a coordinator must approve them first (a volunteer of a vetted
// programme), or that no programme chosen is offered (any more).
func (s *Service) join(ctx context.Context, t *bot.Turn, e flow.Effect) (string, error) {
	m := s.matching()
	role := e.Args["role"]
	var progs []*schedule.MatchProgramme
	for _, id := range strings.Split(e.Args["programmes"], ",") {
		if prog, ok := m.Programme(id); ok && !slices.Contains(progs, prog) {
			progs = append(progs, prog)
		}
	}
	if len(progs) == 0 || (role != Newcomer && role != Volunteer) {
		return outcomeOff, nil
	}
	p := Profile{Role: role, Name: e.Args["name"], Area: areaOf(m, e.Args["area"]),
		Free: e.Args["free"], Languages: []string{t.State.Lang}, Interests: words(e.Args["interests"]),
		Profession: e.Args["profession"], Children: ages(e.Args["children"]), Status: Waiting, Joined: t.Now.Unix()}
	if _, p.Free = free(p.Free); p.Free == "" {
		p.Free = "any" // not said: any time rather than never
	}
	for _, l := range strings.Split(e.Args["also"], ",") {
		if l != "" && l != "none" && !slices.Contains(p.Languages, l) {
			p.Languages = append(p.Languages, l)
		}
	}
	p.Guests, _ = strconv.Atoi(e.Args["guests"])
	p.Restrictions = words(e.Args["diet"])
	outcome := outcomeOK
	for _, prog := range progs {
		p.Programmes = append(p.Programmes, prog.ID)
		t.Counts = append(t.Counts, store.Event{Name: EventSignup,
			Dims: map[string]string{"programme": prog.ID, "role": role, "lang": t.State.Lang}})
		if p.awaiting(prog) {
			outcome = outcomeVetted
		}
	}
	if err := s.st.SaveProfile(ctx, t.Participant, p.encode()); err != nil {
		return "", fmt.Errorf("matching: join: %w", err)
	}
	if outcome == outcomeVetted {
		s.askApproval(t, t.Participant, p)
	}
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

// Run makes a matching round on spec (robfig/cron, in the programme's zone) until
// ctx ends, and after a round that proposed calls deliver, which brings both of
// each pair to their proposal now (the ticks the round scheduled). Every replica
// runs it: a proposal is made for a pair only while both are free, so a round that
// two replicas make at once proposes nobody twice.
func (s *Service) Run(ctx context.Context, spec string, log *slog.Logger, deliver func(context.Context)) error {
	c := cron.New(cron.WithLocation(s.opt.Zone))
	if _, err := c.AddFunc(spec, func() {
		n, err := s.Round(ctx, log)
		switch {
		case err != nil:
			log.Warn("matching round failed; the next one tries again", "err", err)
		case n > 0:
			log.Info("matching round", "proposed", n)
		}
		if n > 0 && deliver != nil {
			deliver(ctx)
		}
	}); err != nil {
		return fmt.Errorf("matching: schedule %q: %w", spec, err)
	}
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done()
	return nil
}

// askApproval tells the coordinators (the guides' chat, in their language) that a
// volunteer waits for approval, by first name, area and reference only.
func (s *Service) askApproval(t *bot.Turn, id string, p Profile) {
	c := s.opt.Coordinators
	if c == "" {
		return
	}
	v, ok := s.awaiting(id, p)
	if !ok {
		return
	}
	s.say(t, message.ParticipantID(message.Telegram, c), s.opt.Lang, "guide.match_approval", v.Params())
}

// nameOrDash shows an answer skipped as a dash.
func nameOrDash(v string) string {
	if v == "" {
		return "-"
	}
	return v
}
