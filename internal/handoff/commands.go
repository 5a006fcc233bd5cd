package handoff

import (
	"context"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/store"
)

// CoordinatorCommand carries out a coordinator's command that another part of
// guidebot owns (matching's /volunteers and /approve): arg is what follows the
// command, or the id of a button it offered. The answer is shown in the
// coordinator's language; its options come back to the same command when pressed.
type CoordinatorCommand func(ctx context.Context, arg string) (Answer, error)

// Answer is what a coordinator's command says back; a press on one of its options
// runs the command Step names (the command itself when "") with the option's id.
type Answer struct {
	Texts   []flow.Message
	Options []flow.Choice
	Step    string
}

// HandleCommand makes the console carry out name ("/approve") for coordinators
// with fn. Call it before the service takes messages.
func (s *Service) HandleCommand(name string, fn CoordinatorCommand) {
	if s.commands == nil {
		s.commands = map[string]CoordinatorCommand{}
	}
	s.commands[name] = fn
}

// command runs a registered command for g, or says that only coordinators may.
func (s *Service) command(ctx context.Context, g store.Guide, name, arg string) (handled bool, err error) {
	fn, ok := s.commands[name]
	if !ok {
		return false, nil
	}
	if g.Role != RoleCoordinator {
		return true, s.say(ctx, g, "", nil, flow.Message{ID: "guide.not_coordinator"})
	}
	a, err := fn(ctx, arg)
	if err != nil {
		return true, err
	}
	if a.Step == "" {
		a.Step = name
	}
	return true, s.say(ctx, g, a.Step, a.Options, a.Texts...)
}

// HandleOptOut makes fn run too when a participant opts out (SMS STOP), after
// their request for a guide is closed: matching ends their match.
func (s *Service) HandleOptOut(fn func(ctx context.Context, participant string) error) {
	s.optOuts = append(s.optOuts, fn)
}
