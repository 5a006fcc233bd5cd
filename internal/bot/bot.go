package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/pace"
	"github.com/guidebot/guidebot/internal/store"
)

// maxTranscriptText bounds the text of one message kept in the transcript.
const maxTranscriptText = 1000

// maxAttempts bounds retries when messages of one participant race.
const maxAttempts = 16

// Store is what the bot needs of the Redis store.
type Store interface {
	Load(ctx context.Context, id, msgID string) (store.Record, error)
	LoadInbound(ctx context.Context, id, msgID string) (store.Record, error)
	Commit(ctx context.Context, c store.Commit) (int64, error)
	Enqueue(ctx context.Context, channel string, msg message.Outbound) error
	Count(ctx context.Context, month string, events ...store.Event) error
}

// Engine steps a conversation; *flow.Engine is one.
type Engine interface {
	Step(s flow.State, in flow.Input, now time.Time) (flow.State, flow.Reply, []flow.Effect, error)
}

// Bot ties the store, the engine and the effects together.
type Bot struct {
	engine  Engine
	store   Store
	now     func() time.Time
	log     *slog.Logger
	turns   *participantLocks
	effects map[string]EffectHandler
	// limit is InboundLimit's; limited counts what it dropped.
	limit       int64
	defaultLang string
	limited     *prometheus.CounterVec
	messages    *prometheus.CounterVec // nil: not counted
	handled     *prometheus.HistogramVec
	// zone is where the figures' months begin (ReportIn).
	zone *time.Location
}

// ReportIn counts the programme's figures by the months of zone (the programme's
// time zone); the default is UTC.
func ReportIn(zone *time.Location) Option { return func(b *Bot) { b.zone = zone } }

// ReachedEvent is a participant's first contact, counted by channel and language.
const ReachedEvent = "reached"

// New returns a Bot; now is the clock.
func New(engine Engine, st Store, now func() time.Time, log *slog.Logger, opts ...Option) *Bot {
	b := &Bot{engine: engine, store: st, now: now, log: log, turns: newParticipantLocks(), effects: builtinEffects(),
		limited: limitedCounter(), handled: handledHistogram(), zone: time.UTC}
	for _, o := range opts {
		o(b)
	}
	return b
}

// conflictPause is the first wait after repeated version conflicts: it grows with
// each attempt, so two racing messages of one participant stop colliding.
const conflictPause = time.Millisecond

// Handle processes one inbound message. duplicate says the provider message id was
// handled before and nothing changed. On error nothing was written, so the caller
// must not report the message as handled (a webhook answers 5xx and is retried).
func (b *Bot) Handle(ctx context.Context, in message.Inbound) (duplicate bool, err error) {
	if in.Sender != "" {
		return false, nil // an action in a group chat: a group is nobody's conversation
	}
	began := time.Now() // the handling's own duration, whatever the injected clock says
	id := message.ParticipantID(in.Channel, in.Address)
	unlock, err := b.turns.lock(ctx, id)
	if err != nil {
		return false, fmt.Errorf("bot: %w", err)
	}
	defer unlock()
	// What the participant sent counts against the inbound limit; the service's own
	// nudges (a follow-up tick, a guide's end of a talk) do not.
	load := b.store.LoadInbound
	if in.Input.Kind == flow.Tick || in.Input.Kind == flow.Result {
		load = b.store.Load
	}
	for attempt := 0; attempt < maxAttempts; attempt++ {
		rec, err := load(ctx, id, in.MsgID)
		if errors.Is(err, store.ErrDuplicate) {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("bot: %w", err)
		}
		if attempt == 0 {
			if over, err := b.overLimit(ctx, id, in, rec); over || err != nil {
				return false, err
			}
		}
		if in.OnlyIfNotSuppressed && rec.Suppressed != "" {
			b.log.Debug("message from a suppressed participant; not handled", "channel", in.Channel, "reason", rec.Suppressed)
			return false, nil
		}
		c, counts, err := b.step(ctx, rec, id, in)
		if err != nil {
			return false, err
		}
		_, err = b.store.Commit(ctx, c)
		switch {
		case err == nil:
			if rec.Version == 0 && !c.Forget {
				counts = append(counts, store.Event{Name: ReachedEvent,
					Dims: map[string]string{"channel": in.Channel, "lang": message.LangLabel(c.State.Lang)}})
			}
			if err := b.store.Count(ctx, store.Month(b.now().In(b.zone)), counts...); err != nil {
				// The message is handled and answered; only the figures miss it.
				b.log.Warn("figures not counted", "req", in.MsgID, "err", err)
			}
			b.handled.WithLabelValues(in.Channel).Observe(time.Since(began).Seconds())
			if b.messages != nil {
				b.messages.WithLabelValues(in.Channel, "in", message.LangLabel(c.State.Lang)).Inc()
			}
			return false, nil
		case errors.Is(err, store.ErrDuplicate):
			return true, nil
		case errors.Is(err, store.ErrConflict):
			// Another message of this participant committed first: step again on
			// the state it left, so the two never interleave.
			if attempt > 2 {
				if err := pace.Sleep(ctx, time.Duration(attempt)*conflictPause); err != nil {
					return false, fmt.Errorf("bot: %w", err)
				}
			}
			continue
		default:
			return false, fmt.Errorf("bot: %w", err)
		}
	}
	return false, fmt.Errorf("bot: participant busy: %d conflicting attempts", maxAttempts)
}

// maxResults bounds the outcomes fed back in one turn: a flow whose awaited steps
// lead to more awaited steps must still end.
const maxResults = 4

func (b *Bot) step(ctx context.Context, rec store.Record, id string, in message.Inbound) (store.Commit, []store.Event, error) {
	now := b.now()
	state := rec.State
	if state.ID == "" {
		state.ID, state.Channel, state.Address = id, in.Channel, in.Address
	}
	next, reply, effects, err := b.engine.Step(state, in.Input, now)
	if err != nil {
		return store.Commit{}, nil, fmt.Errorf("bot: step %s: %w", next.Step, err)
	}
	c := store.Commit{ID: id, MsgID: in.MsgID, Version: rec.Version, Unblock: in.Reachable}
	if rec.State.Pending != "" && next.Pending == "" {
		c.ClearPending = rec.State.Pending
	}
	t := &Turn{Participant: id, In: in, Now: now, Commit: &c, State: &next}
	for round := 0; ; round++ {
		outcome, awaited, err := b.apply(ctx, t, effects)
		if err != nil {
			return store.Commit{}, nil, err
		}
		if !awaited || round == maxResults {
			break
		}
		// The step waits for the effect's outcome: step on with it in the same turn,
		// so the participant hears how it went in this reply.
		var more flow.Reply
		// "queued:3" is the outcome queued with a value the flow may show ($result).
		name, value, _ := strings.Cut(outcome, ":")
		next, more, effects, err = b.engine.Step(next, flow.Input{Kind: flow.Result, Option: name, Text: value}, now)
		if err != nil {
			return store.Commit{}, nil, fmt.Errorf("bot: step %s: %w", next.Step, err)
		}
		reply.Texts = append(reply.Texts, more.Texts...)
		reply.Options, reply.Step, reply.Lang = more.Options, more.Step, more.Lang
	}
	c.State = next
	c.Transcript = append(c.Transcript, transcriptIn(now, in), transcriptOut(now, reply))
	// A participant who wrote has not blocked the bot; any other suppression (an SMS
	// opt-out) stands, and the reply is not queued at all.
	suppressed := rec.Suppressed
	if in.Reachable && suppressed == message.Blocked {
		suppressed = ""
	}
	if !reply.Empty() && suppressed == "" {
		out, err := json.Marshal(message.Outbound{To: in.Address, Participant: id, Reply: reply, CheckedAt: now.UnixMilli(), Req: in.MsgID})
		if err != nil {
			return store.Commit{}, nil, fmt.Errorf("bot: encode reply: %w", err)
		}
		// The reply goes first, before what effects appended, as before.
		c.Appends = append([]store.Append{{Stream: store.Outbox(in.Channel), Payload: string(out)}}, c.Appends...)
	}
	return c, t.Counts, nil
}

// apply carries out effects and returns the outcome of the last awaited one.
func (b *Bot) apply(ctx context.Context, t *Turn, effects []flow.Effect) (outcome string, awaited bool, err error) {
	for _, e := range effects {
		h, ok := b.effects[e.Kind]
		if !ok {
			b.log.Warn("effect not supported", "effect", e.Kind, "step", t.State.Step, "req", t.In.MsgID)
			awaited = awaited || e.Await // an empty outcome: the step's way on for failures
			continue
		}
		out, err := h(ctx, t, e)
		if err != nil {
			return "", false, fmt.Errorf("bot: effect %s: %w", e.Kind, err)
		}
		if e.Await {
			outcome, awaited = out, true
		}
	}
	return outcome, awaited, nil
}

// TranscriptEntry is one line of a participant's transcript, as the store keeps it:
// what came in ("in": text or media) or which messages went out ("out"). A guide who
// takes a request reads the last ones.
type TranscriptEntry struct {
	At    int64          `json:"t"`
	Dir   string         `json:"d"`
	Text  string         `json:"x,omitempty"`
	Media *message.Media `json:"m,omitempty"`
	IDs   []string       `json:"ids,omitempty"`
}

func transcriptIn(now time.Time, in message.Inbound) string {
	text := in.Input.Text
	if in.Input.Kind == flow.Button {
		text = "[" + in.Input.Option + "]"
	}
	if len(text) > maxTranscriptText {
		text = strings.ToValidUTF8(text[:maxTranscriptText], "") // no half rune at the cut
	}
	return mustJSON(TranscriptEntry{At: now.Unix(), Dir: "in", Text: text, Media: in.Media})
}

func transcriptOut(now time.Time, r flow.Reply) string {
	ids := make([]string, 0, len(r.Texts))
	for _, m := range r.Texts {
		ids = append(ids, m.ID)
	}
	return mustJSON(TranscriptEntry{At: now.Unix(), Dir: "out", IDs: ids})
}

// mustJSON encodes values that cannot fail to encode (strings, maps of strings).
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("bot: encode %T: %v", v, err))
	}
	return string(b)
}
