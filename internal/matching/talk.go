package matching

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/store"
)

// The outcomes of the effects after sign-up.
const (
	outcomeOffer    = "offer"
	outcomeWaiting  = "waiting"
	outcomeMatched  = "matched"
	outcomeGone     = "gone"
	outcomeBadTime  = "bad_time"
	outcomePast     = "past"
	outcomeDeclined = "declined"
	outcomeOpen     = "open"
)

// The variables the effects set for the flow's messages.
const (
	varPartner   = "partner"
	varProgramme = "programme"
	varWhy       = "why"
	varWhyValue  = "why_value"
	varPlaces    = "places"
)

// remindBefore is when both are reminded of a meeting; followUpAfter is when they
// are asked how it went.
const (
	remindBefore  = 2 * time.Hour
	followUpAfter = 20 * time.Hour
)

// status finds the participant's proposal or match and gives the flow what it
// shows: the partner's first name, the programme, the first reason.
func (s *Service) status(ctx context.Context, t *bot.Turn, _ flow.Effect) (string, error) {
	p, ok, err := s.st.OpenProposal(ctx, t.Participant)
	if err != nil {
		return "", fmt.Errorf("matching: status: %w", err)
	}
	if !ok {
		return outcomeNone, nil
	}
	s.setVar(t, varPartner, s.partnerName(ctx, p, t.Participant))
	s.setVar(t, varProgramme, p.Programme)
	s.setVar(t, varPlaces, strings.Join(s.opt.Places(), ", "))
	if rs := reasonsOf(p); len(rs) > 0 {
		best := rs[0]
		for _, r := range rs { // what the two share says more than when they are free
			if r.Value != "" && r.Kind != "time" && r.Kind != "language" {
				best = r
				break
			}
		}
		s.setVar(t, varWhy, string(best.Kind))
		s.setVar(t, varWhyValue, best.Value)
	}
	switch {
	case p.Status == store.ProposalMatched:
		return outcomeMatched, nil
	case p.Answers[t.Participant] == "yes":
		return outcomeWaiting, nil
	}
	return outcomeOffer, nil
}

func (s *Service) setVar(t *bot.Turn, name, value string) {
	vars := make(map[string]string, len(t.State.Vars)+1)
	for k, v := range t.State.Vars {
		vars[k] = v
	}
	vars[name] = value
	t.State.Vars = vars
}

// answer records a yes or a no. The second yes makes a match: the other is brought
// to the introduction too.
func (s *Service) answer(ctx context.Context, t *bot.Turn, e flow.Effect) (string, error) {
	p, ok, err := s.st.OpenProposal(ctx, t.Participant)
	if err != nil || !ok || p.Status != store.ProposalOpen {
		return outcomeGone, err
	}
	status, err := s.st.Answer(ctx, p.ID, t.Participant, e.Args["arg"] == "yes")
	if err != nil {
		return "", fmt.Errorf("matching: answer: %w", err)
	}
	switch status {
	case store.ProposalMatched:
		t.Counts = append(t.Counts, store.Event{Name: EventMatched, Dims: map[string]string{"programme": p.Programme}})
		return outcomeMatched, s.bring(ctx, partnerOf(p, t.Participant), stepIntroduced, "match:"+p.ID)
	case store.ProposalDeclined:
		return outcomeDeclined, nil
	case store.ProposalOpen:
		return outcomeOpen, nil
	}
	return outcomeGone, nil
}

// relay passes what the participant wrote to their match, as written, in the
// match's language around it; to a match who can no longer be reached (STOP), the
// match ends and the writer is told.
func (s *Service) relay(ctx context.Context, t *bot.Turn, e flow.Effect) (string, error) {
	p, ok, err := s.st.OpenProposal(ctx, t.Participant)
	if err != nil || !ok || p.Status != store.ProposalMatched {
		return outcomeGone, err
	}
	to := partnerOf(p, t.Participant)
	if reason, err := s.st.Suppressed(ctx, to); err != nil {
		return "", fmt.Errorf("matching: relay: %w", err)
	} else if reason != "" {
		if _, err := s.close(ctx, p); err != nil {
			return "", err
		}
		s.say(t, t.Participant, t.State.Lang, "match.stopped", map[string]string{"Name": s.partnerName(ctx, p, t.Participant)})
		return outcomeGone, nil
	}
	me, _ := s.profile(ctx, t.Participant)
	other, _ := s.profile(ctx, to)
	s.say(t, to, other.lang(), "match.relayed", map[string]string{"Name": me.Name, "Text": e.Args["arg"]})
	return outcomeOK, nil
}

// say queues one message to participant in the turn's commit.
func (s *Service) say(t *bot.Turn, participant, lang, id string, params map[string]string) {
	channel, out, ok := outboundTo(participant, lang, id, params)
	if !ok {
		return
	}
	b, _ := json.Marshal(out) // strings and maps of strings always encode
	t.Commit.Appends = append(t.Commit.Appends, store.Append{Stream: store.Outbox(channel), Payload: string(b)})
}

// bringMessage queues one message to participant outside a turn.
func (s *Service) bringMessage(ctx context.Context, participant, lang, id string, params map[string]string) {
	if channel, out, ok := outboundTo(participant, lang, id, params); ok {
		_ = s.st.Enqueue(ctx, channel, out)
	}
}

// outboundTo is message id in lang for participant, on their channel.
func outboundTo(participant, lang, id string, params map[string]string) (string, message.Outbound, bool) {
	channel, address, ok := message.Address(participant)
	return channel, message.Outbound{To: address, Participant: participant,
		Reply: flow.Reply{Lang: lang, Texts: []flow.Message{{ID: id, Params: params}}}}, ok
}

// meeting keeps the day, time and place the participant wrote: the other is told,
// both are reminded before and asked afterwards how it went.
func (s *Service) meeting(ctx context.Context, t *bot.Turn, e flow.Effect) (string, error) {
	p, ok, err := s.st.OpenProposal(ctx, t.Participant)
	if err != nil || !ok || p.Status != store.ProposalMatched {
		return outcomeGone, err
	}
	day, err := time.ParseInLocation(time.DateOnly, e.Args["day"], s.opt.Zone)
	if err != nil {
		return outcomePast, nil
	}
	clock, err := time.Parse("15:04", strings.ReplaceAll(strings.TrimSpace(e.Args["time"]), ".", ":"))
	if err != nil {
		return outcomeBadTime, nil
	}
	at := time.Date(day.Year(), day.Month(), day.Day(), clock.Hour(), clock.Minute(), 0, 0, s.opt.Zone)
	if !at.After(t.Now) {
		return outcomePast, nil
	}
	place := e.Args["place"]
	when := map[string]string{"Day": e.Args["day"], "Time": at.Format("15:04"), "Place": place}
	to := partnerOf(p, t.Participant)
	me, _ := s.profile(ctx, t.Participant)
	other, _ := s.profile(ctx, to)
	s.say(t, to, other.lang(), "match.meeting_told", with(when, "Name", me.Name))
	for _, side := range []struct {
		id, lang, name string
	}{{t.Participant, t.State.Lang, other.Name}, {to, other.lang(), me.Name}} {
		channel, address, ok := message.Address(side.id)
		if !ok {
			continue
		}
		key := matchKey(p.ID, side.id)
		if err := s.st.ScheduleReminder(ctx, store.Reminder{ID: key + ":remind", Due: at.Add(-remindBefore), Starts: at,
			Channel: channel, Message: message.Outbound{To: address, Participant: side.id, Reply: flow.Reply{Lang: side.lang,
				Texts: []flow.Message{{ID: "match.reminder", Params: with(when, "Name", side.name)}}}}}); err != nil {
			return "", fmt.Errorf("matching: meeting: %w", err)
		}
		if err := s.st.ScheduleTick(ctx, store.Tick{ID: key + ":followup", Participant: side.id, Channel: channel,
			Address: address, Step: stepFollowUp, Due: at.Add(followUpAfter)}); err != nil {
			return "", fmt.Errorf("matching: meeting: %w", err)
		}
	}
	return outcomeOK, nil
}

// matchKey names what a match schedules for one of its two: the reminder and the
// follow-up of their meeting, and the tick that introduces them.
func matchKey(proposal, participant string) string { return "match:" + proposal + ":" + participant }

// close ends p for both and takes back what it scheduled for them (the proposal's
// and the introduction's ticks, the meeting's reminders and follow-ups), so that
// nothing of it reaches either afterwards.
func (s *Service) close(ctx context.Context, p store.Proposal) (bool, error) {
	ended, err := s.st.EndProposal(ctx, p.ID, store.ProposalEnded)
	if err != nil {
		return false, fmt.Errorf("matching: end: %w", err)
	}
	for _, who := range []string{p.Newcomer, p.Volunteer} {
		key := matchKey(p.ID, who)
		if err := s.st.CancelReminders(ctx, who, key+":remind"); err != nil {
			return ended, fmt.Errorf("matching: end: %w", err)
		}
		for _, id := range []string{key + ":followup", key + ":" + stepIntroduced, proposalKey(p.ID) + ":" + who + ":" + stepProposed} {
			if err := s.st.TickDone(ctx, store.Tick{ID: id, Participant: who}); err != nil {
				return ended, fmt.Errorf("matching: end: %w", err)
			}
		}
	}
	return ended, nil
}

func with(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}

// end closes the participant's proposal or match for both ("ended", or "reported"
// a problem: counted for the coordinators, and nothing more is relayed); the
// other is told it has ended.
func (s *Service) end(ctx context.Context, t *bot.Turn, e flow.Effect) (string, error) {
	p, ok, err := s.st.OpenProposal(ctx, t.Participant)
	if err != nil {
		return "", fmt.Errorf("matching: end: %w", err)
	}
	if !ok {
		return outcomeOK, nil
	}
	ended, err := s.close(ctx, p)
	if err != nil || !ended {
		return outcomeOK, err
	}
	if e.Args["arg"] == "reported" {
		t.Counts = append(t.Counts, store.Event{Name: EventReported, Dims: map[string]string{"programme": p.Programme}})
		if c := s.opt.Coordinators; c != "" {
			me, _ := s.profile(ctx, t.Participant)
			s.say(t, message.ParticipantID(message.Telegram, c), s.opt.Lang, "match.problem",
				map[string]string{"Name": me.Name, "Other": s.partnerName(ctx, p, t.Participant), "Programme": p.Programme})
		}
	}
	if p.Status == store.ProposalMatched {
		to := partnerOf(p, t.Participant)
		other, _ := s.profile(ctx, to)
		me, _ := s.profile(ctx, t.Participant)
		s.say(t, to, other.lang(), "match.ended_by_other", map[string]string{"Name": me.Name})
	}
	return outcomeOK, nil
}

// feedback counts how a meeting went for the reports: met or not, the rating;
// whether they would meet again is the participant's own and is not kept.
func (s *Service) feedback(_ context.Context, t *bot.Turn, e flow.Effect) (string, error) {
	prog := t.State.Vars[varProgramme]
	if e.Args["met"] == "yes" {
		t.Counts = append(t.Counts, store.Event{Name: EventMet, Dims: map[string]string{"programme": prog}})
		if r := e.Args["rating"]; r != "" {
			t.Counts = append(t.Counts, store.Event{Name: EventRating, Dims: map[string]string{"programme": prog, "rating": r}})
		}
	}
	return "", nil
}
