package matching

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/guidebot/guidebot/internal/match"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/store"
)

// The steps the matcher brings a conversation to (ticks, as inbound messages).
const (
	stepProposed   = "match.proposed"
	stepIntroduced = "match.introduced"
	stepFollowUp   = "match.followup"
)

// The figures matching adds to the programme's reports (no one is named).
const (
	EventProposed = "match_proposed"
	EventMatched  = "match_matched"
	EventMet      = "match_met"
	EventRating   = "match_rating"
	EventReported = "match_reported"
)

// Round is one matching run: proposals that ran out are closed and both told,
// then each programme's free pool is paired and both of each pair are asked. It
// returns how many proposals it made.
func (s *Service) Round(ctx context.Context, log *slog.Logger) (int, error) {
	now := s.opt.Now()
	expired, err := s.st.ExpireProposals(ctx, now)
	if err != nil {
		return 0, err
	}
	for _, p := range expired {
		// Whoever said yes hears the other did not answer; the pool moves on.
		for _, id := range []string{p.Newcomer, p.Volunteer} {
			if p.Answers[id] == "yes" {
				s.tell(ctx, id, "match.expired", s.partnerName(ctx, p, id))
			}
		}
	}
	pairs, err := s.Pairs(ctx)
	if err != nil {
		return 0, err
	}
	made := 0
	for _, pair := range pairs {
		reasons, _ := json.Marshal(pair.Reasons)
		id, err := s.st.Propose(ctx, store.Proposal{Programme: pair.Programme, Newcomer: pair.Newcomer.ID,
			Volunteer: pair.Volunteer.ID, Reasons: string(reasons), Expires: now.Add(s.opt.ProposalTTL).Unix()})
		if err != nil {
			return made, err
		}
		if id == "" {
			continue // one of them was proposed someone meanwhile
		}
		made++
		for _, who := range []string{pair.Newcomer.ID, pair.Volunteer.ID} {
			if err := s.bring(ctx, who, stepProposed, proposalKey(id)); err != nil {
				return made, err
			}
		}
		s.count(ctx, log, store.Event{Name: EventProposed, Dims: map[string]string{"programme": pair.Programme}})
	}
	return made, nil
}

// proposalKey names the ticks that bring both of a proposal to it.
func proposalKey(id string) string { return "proposal:" + id }

// bring takes participant's conversation to step now (a tick, delivered by the
// reminder runner within a minute), once for key.
func (s *Service) bring(ctx context.Context, participant, step, key string) error {
	channel, address, ok := message.Address(participant)
	if !ok {
		return nil
	}
	return s.st.ScheduleTick(ctx, store.Tick{ID: key + ":" + participant + ":" + step, Participant: participant,
		Channel: channel, Address: address, Step: step, Due: s.opt.Now()})
}

// tell sends participant one message in their language outside a turn (a
// proposal that ran out).
func (s *Service) tell(ctx context.Context, participant, id, name string) {
	p, ok := s.profile(ctx, participant)
	if !ok {
		return
	}
	s.bringMessage(ctx, participant, p.lang(), id, map[string]string{"Name": name})
}

// partnerName is the first name of participant's partner in p.
func (s *Service) partnerName(ctx context.Context, p store.Proposal, participant string) string {
	other, _ := s.profile(ctx, partnerOf(p, participant))
	return other.Name
}

func partnerOf(p store.Proposal, participant string) string {
	if p.Newcomer == participant {
		return p.Volunteer
	}
	return p.Newcomer
}

// profile reads a participant's profile; ok is false for none or an unreadable one.
func (s *Service) profile(ctx context.Context, id string) (Profile, bool) {
	raw, ok, err := s.st.Profile(ctx, id)
	if err != nil || !ok {
		return Profile{}, false
	}
	p, err := decode(raw)
	return p, err == nil
}

// lang is the language the participant signed up in.
func (p Profile) lang() string {
	if len(p.Languages) == 0 {
		return ""
	}
	return p.Languages[0]
}

// reasonsOf reads the reasons a proposal keeps.
func reasonsOf(p store.Proposal) []match.Reason {
	var out []match.Reason
	_ = json.Unmarshal([]byte(p.Reasons), &out) // none shown rather than none proposed
	return out
}

func (s *Service) count(ctx context.Context, log *slog.Logger, events ...store.Event) {
	if err := s.st.Count(ctx, store.Month(s.opt.Now().In(s.opt.Zone)), events...); err != nil && log != nil {
		log.Warn("matching: not counted for the figures", "err", err)
	}
}
