package bot

import (
	"context"
	"time"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/store"
)

// Turn is one handled message on its way to the store: whose it is, what came in,
// when, and the commit being built. Effect handlers add to the commit, so what a
// step does is written with the step, all or nothing.
type Turn struct {
	Participant string
	In          message.Inbound
	Now         time.Time
	Commit      *store.Commit
	// State is the participant's state after the step; a handler whose effect
	// changes what the engine sees next (a booking made) updates it.
	State *flow.State
	// Counts are the events the turn adds to the programme's figures, counted once
	// its commit succeeds.
	Counts []store.Event
}

// EffectHandler carries out one kind of effect: it adds what the effect writes to
// the turn's commit, or does work of its own that must happen before it (claiming a
// seat). outcome is fed back to a step that awaits it (flow.Effect.Await). An error
// fails the message (nothing is committed; the provider offers it again).
type EffectHandler func(ctx context.Context, t *Turn, e flow.Effect) (outcome string, err error)

// builtinEffects are the effects the bot knows by itself, one file each
// (effect_<kind>.go). Others (book, cancel, handoff, relay, …) are added with
// HandleEffect by the services that own them.
func builtinEffects() map[string]EffectHandler {
	return map[string]EffectHandler{
		"feedback": feedbackEffect,
		"forget":   forgetEffect,
		"count":    countEffect,
	}
}

// HandleEffect makes h handle effects of kind, replacing any handler before it. Call
// it while wiring, before the bot handles messages.
func (b *Bot) HandleEffect(kind string, h EffectHandler) { b.effects[kind] = h }

// Effect returns the handler of kind (nil for none), so a new one can wrap it.
func (b *Bot) Effect(kind string) EffectHandler { return b.effects[kind] }
