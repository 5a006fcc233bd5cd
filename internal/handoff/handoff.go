package handoff

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/store"
)

// Store is what the handoff needs of Redis; *store.Store is one.
type Store interface {
	CreateInvite(ctx context.Context, role string, ttl time.Duration) (string, error)
	RedeemInvite(ctx context.Context, code string) (role string, ok bool, err error)
	SaveGuide(ctx context.Context, g store.Guide) error
	Guides(ctx context.Context) ([]store.Guide, error)
	CurrentTicket(ctx context.Context, guide string) (string, error)
	OpenTicket(ctx context.Context, t store.Ticket, due time.Time, step string) (id string, position int, existing bool, err error)
	ClaimTicket(ctx context.Context, id string, g store.Guide, now time.Time) (won bool, holder string, t store.Ticket, err error)
	CloseTicket(ctx context.Context, id, outcome string, now time.Time) (store.Ticket, bool, error)
	Ticket(ctx context.Context, id string) (store.Ticket, error)
	Transcript(ctx context.Context, id string) ([]string, error)
	Enqueue(ctx context.Context, channel string, msg message.Outbound) error
	Seen(ctx context.Context, key string) (bool, error)
	Handled(ctx context.Context, key string, ttl time.Duration) error
	EnqueueOnce(ctx context.Context, key string, ttl time.Duration, channel string, msg message.Outbound) error
	ScheduleTick(ctx context.Context, t store.Tick) error
	ReleaseTicket(ctx context.Context, id, guide string) (store.Ticket, bool, error)
	Suppressed(ctx context.Context, id string) (string, error)
	Unsuppress(ctx context.Context, id string) error
	MarkTicket(ctx context.Context, id string, fields map[string]string) error
	HeldTickets(ctx context.Context, guide string) ([]string, error)
	SetCurrentTicket(ctx context.Context, guide, id string) error
	RemoveGuide(ctx context.Context, chat string) error
	Count(ctx context.Context, month string, events ...store.Event) error
	Observe(ctx context.Context, month, name string, value float64) error
	Load(ctx context.Context, id, msgID string) (store.Record, error)
}

// Participants is the bot, for what the guides do to a participant's conversation
// (the end of a handoff takes them back to the flows).
type Participants interface {
	Handle(ctx context.Context, in message.Inbound) (duplicate bool, err error)
}

// Texts are the locales, for language names.
type Texts interface {
	Languages() []string
	Message(lang, id string) (string, bool)
}

// The handoff's timeouts by default: a request waiting for a guide, and a claimed
// one waiting for its guide's answer.
const (
	DefaultClaimTimeout = 10 * time.Minute
	DefaultGuideTimeout = 30 * time.Minute
)

// InviteTTL is how long an invite code may be redeemed.
const InviteTTL = 7 * 24 * time.Hour

// The roles an invite gives.
const (
	RoleGuide       = "guide"
	RoleCoordinator = "coordinator"
)

// guidesRefresh is how often a replica rereads the guides: a guide registered on
// another replica is recognised within this. guidesReread bounds the rereads that
// a miss asks for (a language nobody speaks would otherwise reread every time).
const (
	guidesRefresh = 5 * time.Second
	guidesReread  = 250 * time.Millisecond
)

// Options configure the handoff.
type Options struct {
	GuidesChat  string // TELEGRAM_GUIDES_CHAT_ID; "" for none
	DefaultLang string
	// ClaimTimeout is how long a request waits for a guide before the participant
	// is told none has come yet [DefaultClaimTimeout].
	ClaimTimeout time.Duration
	// GuideTimeout is how long a guide may leave a claimed request unanswered
	// before a reminder, and as long again before it is released
	// [DefaultGuideTimeout].
	GuideTimeout time.Duration
	// Zone is where guides' /hours are read (the programme's time zone) [UTC].
	Zone *time.Location
	Now  func() time.Time
	Log  *slog.Logger
}

// Service is the handoff: the effects the flows raise and the guides' console.
type Service struct {
	st    Store
	bot   Participants
	texts Texts
	opt   Options
	m     *metrics

	// commands are the coordinators' commands other parts of guidebot carry out.
	commands map[string]CoordinatorCommand
	// optOuts run when a participant opts out.
	optOuts []func(ctx context.Context, participant string) error

	mu     sync.Mutex
	guides map[string]store.Guide // by chat
	loaded time.Time
}

// New returns the handoff service.
func New(st Store, participants Participants, texts Texts, opt Options) *Service {
	if opt.ClaimTimeout <= 0 {
		opt.ClaimTimeout = DefaultClaimTimeout
	}
	if opt.GuideTimeout <= 0 {
		opt.GuideTimeout = DefaultGuideTimeout
	}
	if opt.Zone == nil {
		opt.Zone = time.UTC
	}
	return &Service{st: st, bot: participants, texts: texts, opt: opt, m: newMetrics()}
}

// Register makes b open tickets for the handoff effect, relay what a participant
// writes to their guide, and close a forgotten participant's ticket.
func (s *Service) Register(b *bot.Bot) {
	b.HandleEffect("handoff", s.open)
	b.HandleEffect("relay", s.relay)
	forget := b.Effect("forget")
	b.HandleEffect("forget", func(ctx context.Context, t *bot.Turn, e flow.Effect) (string, error) {
		if err := s.forgotten(ctx, t); err != nil {
			return "", err
		}
		if forget == nil {
			return "", nil
		}
		return forget(ctx, t, e)
	})
}

// Collectors are the handoff's metrics, for the service's /metrics.
func (s *Service) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.m.tickets, s.m.waited}
}

// guide returns the registered guide of chat, from a copy at most guidesRefresh old.
func (s *Service) guide(ctx context.Context, chat string) (store.Guide, bool, error) {
	if err := s.refresh(ctx, false); err != nil {
		return store.Guide{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.guides[chat]
	return g, ok, nil
}

// knownGuide is guide, read afresh when this replica does not know chat yet (they
// registered on another replica within guidesRefresh).
func (s *Service) knownGuide(ctx context.Context, chat string) (store.Guide, bool, error) {
	g, ok, err := s.guide(ctx, chat)
	if err != nil || ok {
		return g, ok, err
	}
	if err := s.reread(ctx); err != nil {
		return store.Guide{}, false, err
	}
	return s.guide(ctx, chat)
}

// speakers are the guides who take tickets in lang, from a copy at most
// guidesRefresh old, read afresh when it has none: a guide who registered on
// another replica a moment ago, the only one for the language, hears of the next
// request.
func (s *Service) speakers(ctx context.Context, lang string) ([]store.Guide, error) {
	if err := s.refresh(ctx, false); err != nil {
		return nil, err
	}
	if out := s.cachedSpeakers(lang); len(out) > 0 {
		return out, nil
	}
	if err := s.reread(ctx); err != nil {
		return nil, err
	}
	return s.cachedSpeakers(lang), nil
}

func (s *Service) cachedSpeakers(lang string) []store.Guide {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []store.Guide
	for _, g := range s.guides {
		if g.Speaks(lang) {
			out = append(out, g)
		}
	}
	return out
}

// refresh rereads the guides if the copy is older than guidesRefresh, or always
// with force (this replica just changed a guide).
func (s *Service) refresh(ctx context.Context, force bool) error {
	return s.reload(ctx, func(age time.Duration) bool { return !force && age < guidesRefresh })
}

// reread rereads the guides after a miss (someone this replica does not know), at
// most every guidesReread.
func (s *Service) reread(ctx context.Context) error {
	return s.reload(ctx, func(age time.Duration) bool { return age < guidesReread })
}

func (s *Service) reload(ctx context.Context, fresh func(age time.Duration) bool) error {
	s.mu.Lock()
	skip := s.guides != nil && fresh(s.opt.Now().Sub(s.loaded))
	s.mu.Unlock()
	if skip {
		return nil
	}
	all, err := s.st.Guides(ctx)
	if err != nil {
		return err
	}
	m := make(map[string]store.Guide, len(all))
	for _, g := range all {
		m[g.Chat] = g
	}
	s.mu.Lock()
	s.guides, s.loaded = m, s.opt.Now()
	s.mu.Unlock()
	return nil
}

// saveGuide stores g and updates this replica's copy at once.
func (s *Service) saveGuide(ctx context.Context, g store.Guide) error {
	if err := s.st.SaveGuide(ctx, g); err != nil {
		return err
	}
	return s.refresh(ctx, true)
}

// languageName is lang's own name ("العربية").
func (s *Service) languageName(lang string) string {
	if n, ok := s.texts.Message(lang, "language.name"); ok {
		return n
	}
	return lang
}

// say queues messages to a guide in their language, with options on step.
func (s *Service) say(ctx context.Context, g store.Guide, step string, options []flow.Choice, texts ...flow.Message) error {
	return s.st.Enqueue(ctx, message.Telegram, message.Outbound{To: g.Chat, Participant: guideID(g.Chat),
		Reply: flow.Reply{Lang: g.Lang, Texts: texts, Options: options, Step: step}})
}

// guideID names a guide in the outbox, apart from their own conversation as a
// participant: a guide who blocks the bot is suppressed as a guide.
func guideID(chat string) string { return "guide:" + chat }
