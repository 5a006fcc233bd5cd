package matching

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/handoff"
	"github.com/guidebot/guidebot/internal/store"
)

// The coordinators' commands in their chat with the bot.
const (
	commandVolunteers = "/volunteers"
	commandApprove    = "/approve"
	commandResume     = "/resume"
	commandClose      = "/close"
)

// RegisterHandoff plugs matching into the handoff, which owns the coordinators'
// console and hears of opt-outs: the coordinators get /volunteers (those waiting
// for approval, each with a button that approves them), /approve REF, and
// /resume N or /close N for a match on hold after a report; a participant who opts
// out (SMS STOP) has their match ended (talk.go).
func (s *Service) RegisterHandoff(h *handoff.Service) {
	h.HandleCommand(commandVolunteers, s.volunteersCommand)
	h.HandleCommand(commandApprove, s.approveCommand)
	h.HandleCommand(commandResume, s.resumeCommand)
	h.HandleCommand(commandClose, s.closeCommand)
	h.HandleOptOut(s.stopped)
}

// resumeCommand takes a match on hold after a report back up: both are told.
func (s *Service) resumeCommand(ctx context.Context, id string) (handoff.Answer, error) {
	p, ok, err := s.onHold(ctx, id)
	if !ok || err != nil {
		return notOnHold(id), err
	}
	if moved, err := s.st.MoveProposal(ctx, p.ID, store.ProposalPaused, store.ProposalMatched); err != nil || !moved {
		return notOnHold(id), err
	}
	s.tellBoth(ctx, p, "match.resumed")
	return handoff.Answer{Texts: []flow.Message{{ID: "admin.resumed", Params: map[string]string{"Match": p.ID}}}}, nil
}

// closeCommand ends a match on hold after a report: both are told.
func (s *Service) closeCommand(ctx context.Context, id string) (handoff.Answer, error) {
	p, ok, err := s.onHold(ctx, id)
	if !ok || err != nil {
		return notOnHold(id), err
	}
	if ended, err := s.close(ctx, p); err != nil || !ended {
		return notOnHold(id), err
	}
	s.tellBoth(ctx, p, "match.closed")
	return handoff.Answer{Texts: []flow.Message{{ID: "admin.closed", Params: map[string]string{"Match": p.ID}}}}, nil
}

// onHold is match id when it is on hold after a report.
func (s *Service) onHold(ctx context.Context, id string) (store.Proposal, bool, error) {
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return store.Proposal{}, false, nil // matches are numbered
	}
	p, ok, err := s.st.ProposalByID(ctx, id)
	return p, ok && p.Status == store.ProposalPaused, err
}

func notOnHold(id string) handoff.Answer {
	return handoff.Answer{Texts: []flow.Message{{ID: "admin.not_on_hold", Params: map[string]string{"Match": id}}}}
}

// tellBoth sends each of p's two message id, naming the other.
func (s *Service) tellBoth(ctx context.Context, p store.Proposal, id string) {
	for _, who := range []string{p.Newcomer, p.Volunteer} {
		s.tell(ctx, who, id, s.partnerName(ctx, p, who))
	}
}

func (s *Service) volunteersCommand(ctx context.Context, _ string) (handoff.Answer, error) {
	waiting, err := s.Awaiting(ctx)
	if err != nil {
		return handoff.Answer{}, err
	}
	if len(waiting) == 0 {
		return handoff.Answer{Texts: []flow.Message{{ID: "admin.volunteers_none"}}}, nil
	}
	a := handoff.Answer{Step: commandApprove}
	for _, v := range waiting {
		a.Texts = append(a.Texts, flow.Message{ID: "admin.volunteer", Params: v.Params()})
		a.Options = append(a.Options, flow.Choice{ID: v.Ref, Label: "admin.approve", Params: v.Params()})
	}
	return a, nil
}

func (s *Service) approveCommand(ctx context.Context, ref string) (handoff.Answer, error) {
	if ref == "" {
		return handoff.Answer{Texts: []flow.Message{{ID: "admin.approve_usage"}}}, nil
	}
	name, err := s.Approve(ctx, ref)
	if errors.Is(err, ErrNotAwaiting) {
		return handoff.Answer{Texts: []flow.Message{{ID: "admin.not_awaiting"}}}, nil
	}
	if err != nil {
		return handoff.Answer{}, err
	}
	return handoff.Answer{Texts: []flow.Message{{ID: "admin.approved", Params: map[string]string{"Name": nameOrDash(name)}}}}, nil
}

// Params are what the coordinators' messages show of a volunteer waiting.
func (v Candidate) Params() map[string]string {
	return map[string]string{"Ref": v.Ref, "Name": nameOrDash(v.Name), "Area": nameOrDash(v.Area),
		"Programmes": strings.Join(v.Programmes, ", ")}
}
