package matching

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/match"
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
	outcomePaused   = "paused"
	outcomeBoth     = "both"
)

// The variables the effects set for the flow's messages.
const (
	varPartner   = "partner"
	varProgramme = "programme"
	varPlaces    = "places"
)

// whyVars are the variables of a proposal's two reasons shown: kind and value.
var whyVars = [2][2]string{{"why", "why_value"}, {"also", "also_value"}}

// telling are the n reasons that say most about a pair: what the two share (an
// interest, the area, work) before when they are free and the language they speak,
// which every pair shares.
func telling(rs []match.Reason, n int) []match.Reason {
	common := func(r match.Reason) bool { return r.Kind == match.KindTime || r.Kind == match.KindLanguage }
	out := make([]match.Reason, 0, len(rs))
	for _, r := range rs {
		if !common(r) {
			out = append(out, r)
		}
	}
	for _, r := range rs {
		if common(r) && !slices.ContainsFunc(out, func(o match.Reason) bool { return o.Kind == r.Kind }) {
			out = append(out, r) // once each: "you are free at the same time" says it all
		}
	}
	return out[:min(n, len(out))]
}

// reasonValue is what a reason names, in lang: an interest chosen from the list by
// its name there, anything else as the newcomer wrote it.
func (s *Service) reasonValue(lang string, r match.Reason) string {
	if r.Kind == match.KindInterest && s.opt.Texts != nil {
		if name, ok := s.opt.Texts.Message(lang, "match.interest."+r.Value); ok {
			return strings.ToLower(name) // a label ("Sport") inside a sentence
		}
	}
	return r.Value
}

// remindBefore is when both are reminded of a meeting; followUpAfter is when they
// are asked how it went.
const (
	remindBefore  = 2 * time.Hour
	followUpAfter = 20 * time.Hour
)

// status finds the participant's proposal or match and gives the flow what it
// shows: the partner's first name, the programme, the places to meet, the two
// reasons that say most.
func (s *Service) status(ctx context.Context, t *bot.Turn, _ flow.Effect) (string, error) {
	p, ok, err := s.st.OpenProposal(ctx, t.Participant)
	if err != nil {
		return "", fmt.Errorf("matching: status: %w", err)
	}
	if !ok {
		if len(s.matching().Programmes) == 0 {
			return outcomeOff, nil // the schedule matches nobody: nothing to sign up for
		}
		return outcomeNone, nil
	}
	vars := map[string]string{varPartner: s.partnerName(ctx, p, t.Participant), varProgramme: p.Programme,
		varPlaces: strings.Join(s.opt.Places(), ", ")}
	for i, r := range telling(reasonsOf(p), len(whyVars)) {
		vars[whyVars[i][0]], vars[whyVars[i][1]] = string(r.Kind), s.reasonValue(t.State.Lang, r)
	}
	setVars(t, vars)
	switch {
	case p.Status == store.ProposalPaused:
		return outcomePaused, nil
	case p.Status == store.ProposalMatched:
		return outcomeMatched, nil
	case p.Answers[t.Participant] == "yes":
		return outcomeWaiting, nil
	}
	return outcomeOffer, nil
}

// setVars sets variables of the turn's state; the state's map is copied, never
// changed: the turn's state shares it with the stored one.
func setVars(t *bot.Turn, set map[string]string) {
	vars := maps.Clone(t.State.Vars)
	if vars == nil {
		vars = make(map[string]string, len(set))
	}
	maps.Copy(vars, set)
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
	p, outcome, err := s.match(ctx, t)
	if outcome != "" {
		return outcome, err
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

// match is the participant's match when it is on; otherwise the outcome that says
// why not: gone (no match), paused (on hold after a report).
func (s *Service) match(ctx context.Context, t *bot.Turn) (store.Proposal, string, error) {
	p, ok, err := s.st.OpenProposal(ctx, t.Participant)
	switch {
	case err != nil:
		return p, outcomeGone, fmt.Errorf("matching: %w", err)
	case ok && p.Status == store.ProposalPaused:
		return p, outcomePaused, nil
	case !ok || p.Status != store.ProposalMatched:
		return p, outcomeGone, nil
	}
	return p, "", nil
}

// share keeps how the participant may be reached, as they wrote it; once both of
// the match have shared, each is sent the other's. Until then nothing is shown.
func (s *Service) share(ctx context.Context, t *bot.Turn, e flow.Effect) (string, error) {
	p, outcome, err := s.match(ctx, t)
	if outcome != "" {
		return outcome, err
	}
	p, ok, err := s.st.Share(ctx, p.ID, t.Participant, e.Args["arg"])
	if err != nil || !ok {
		return outcomeGone, err
	}
	to := partnerOf(p, t.Participant)
	if p.Contacts[to] == "" {
		return outcomeOK, nil
	}
	me, _ := s.profile(ctx, t.Participant)
	other, _ := s.profile(ctx, to)
	s.say(t, t.Participant, t.State.Lang, "match.contact", map[string]string{"Name": other.Name, "Contact": p.Contacts[to]})
	s.say(t, to, other.lang(), "match.contact", map[string]string{"Name": me.Name, "Contact": p.Contacts[t.Participant]})
	return outcomeBoth, nil
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
	p, outcome, err := s.match(ctx, t)
	if outcome != "" {
		return outcome, err
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
	return ended, s.unschedule(ctx, p)
}

// unschedule takes back what p scheduled for its two: the proposal's and the
// introduction's ticks, the meeting's reminders and follow-ups.
func (s *Service) unschedule(ctx context.Context, p store.Proposal) error {
	for _, who := range []string{p.Newcomer, p.Volunteer} {
		key := matchKey(p.ID, who)
		if err := s.st.CancelReminders(ctx, who, key+":remind"); err != nil {
			return fmt.Errorf("matching: end: %w", err)
		}
		for _, id := range []string{key + ":followup", key + ":" + stepIntroduced, proposalKey(p.ID) + ":" + who + ":" + stepProposed} {
			if err := s.st.TickDone(ctx, store.Tick{ID: id, Participant: who}); err != nil {
				return fmt.Errorf("matching: end: %w", err)
			}
		}
	}
	return nil
}

func with(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}

// end closes the participant's proposal or match for both; the other is told it
// has ended. "reported" a problem instead puts a match on hold (a proposal not yet
// accepted is closed): nothing more is relayed or reminded, the coordinators are
// told and resume or close it, and the other is told it waits.
func (s *Service) end(ctx context.Context, t *bot.Turn, e flow.Effect) (string, error) {
	p, ok, err := s.st.OpenProposal(ctx, t.Participant)
	if err != nil {
		return "", fmt.Errorf("matching: end: %w", err)
	}
	if !ok {
		return outcomeNone, nil
	}
	reported := e.Args["arg"] == "reported"
	to := partnerOf(p, t.Participant)
	me, _ := s.profile(ctx, t.Participant)
	other, _ := s.profile(ctx, to)
	if reported && p.Status == store.ProposalMatched {
		paused, err := s.st.MoveProposal(ctx, p.ID, store.ProposalMatched, store.ProposalPaused)
		if err != nil || !paused {
			return outcomeOK, err
		}
		if err := s.unschedule(ctx, p); err != nil {
			return "", err
		}
		s.reported(t, p, me.Name, other.Name, "guide.match_problem")
		s.say(t, to, other.lang(), "match.on_hold", map[string]string{"Name": me.Name})
		return outcomeOK, nil
	}
	ended, err := s.close(ctx, p)
	if err != nil || !ended {
		return outcomeOK, err
	}
	if reported {
		s.reported(t, p, me.Name, other.Name, "guide.match_proposal_problem")
	}
	if p.Status == store.ProposalMatched || p.Status == store.ProposalPaused {
		s.say(t, to, other.lang(), "match.ended_by_other", map[string]string{"Name": me.Name})
	}
	return outcomeOK, nil
}

// stopped ends the match of a participant who opted out (SMS STOP) and tells the
// other, and keeps them out of the pool until they sign up again: nothing more
// may be sent to them.
func (s *Service) stopped(ctx context.Context, participant string) error {
	if p, ok := s.profile(ctx, participant); ok && p.Status != Paused {
		p.Status = Paused
		if err := s.st.SaveProfile(ctx, participant, p.encode()); err != nil {
			return fmt.Errorf("matching: stopped: %w", err)
		}
	}
	p, ok, err := s.st.OpenProposal(ctx, participant)
	if err != nil || !ok {
		return err
	}
	ended, err := s.close(ctx, p)
	if err != nil || !ended {
		return err
	}
	if p.Status == store.ProposalMatched || p.Status == store.ProposalPaused {
		other := partnerOf(p, participant)
		s.tell(ctx, other, "match.stopped", s.partnerName(ctx, p, other))
	}
	return nil
}

// reported counts a problem reported for the coordinators' figures and tells them,
// by first names, the programme and the match's number (to resume or close it by).
func (s *Service) reported(t *bot.Turn, p store.Proposal, name, other, id string) {
	t.Counts = append(t.Counts, store.Event{Name: EventReported, Dims: map[string]string{"programme": p.Programme}})
	if c := s.opt.Coordinators; c != "" {
		s.say(t, message.ParticipantID(message.Telegram, c), s.opt.Lang, id,
			map[string]string{"Name": nameOrDash(name), "Other": nameOrDash(other), "Programme": p.Programme, "Match": p.ID})
	}
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
