package handoff

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/store"
)

// The console's steps, named by its buttons; all start with guideSteps.
const (
	guideSteps    = "guide."
	languagesStep = "guide.languages"
	silentStep    = "guide.silent:" // + the ticket id: a tick that checks on the guide
	switchStep    = "guide.switch:" // + the ticket id: the guide's words go there now
	planStep      = "guide.plan:"   // + the ticket id: the plan items the guide helped with
	planFinish    = "finish"
	doneStep      = "guide.done:" // + the ticket id
	doneLanguages = "done"
)

// outcomes a guide closes a ticket with; each is labelled guide.outcome.<id>.
var outcomes = []string{"solved", "booked", "referred", "failed"}

// dedupeTTL is how long a guide's message id is remembered, as the bot does for
// participants: the provider's retries are not relayed twice.
const dedupeTTL = 24 * time.Hour

// lastMessages is how many of the participant's messages a guide sees on claiming.
const lastMessages = 5

// Handle routes one inbound message: a guide's private chat goes to the console,
// "/guide CODE" from anyone redeems an invite, the guides' group chat is not a
// participant, and everything else goes to the participant bot.
func (s *Service) Handle(ctx context.Context, in message.Inbound) (bool, error) {
	if in.Channel != message.Telegram {
		return s.bot.Handle(ctx, in)
	}
	if in.Sender != "" {
		// A button pressed in a group: a guide claiming in the guides' chat counts;
		// nothing else done in a group is anyone's conversation.
		step, ok := strings.CutPrefix(in.Input.Step, claimStep)
		if !ok || in.Address != s.opt.GuidesChat || in.Input.Kind != flow.Button {
			return false, nil
		}
		g, isGuide, err := s.knownGuide(ctx, in.Sender)
		if err != nil || !isGuide {
			return false, err
		}
		return false, s.claim(ctx, g, step, s.opt.Now())
	}
	if s.opt.GuidesChat != "" && in.Address == s.opt.GuidesChat {
		return false, nil // the guides talk among themselves there
	}
	code, redeem := redeemCode(in.Input)
	g, isGuide, err := s.guide(ctx, in.Address)
	if err == nil && !isGuide && in.Input.Kind == flow.Button && strings.HasPrefix(in.Input.Step, guideSteps) {
		// A guide's button from someone this replica does not know yet: they may
		// have registered on another replica within guidesRefresh.
		if err = s.reread(ctx); err == nil {
			g, isGuide, err = s.guide(ctx, in.Address)
		}
	}
	if err != nil {
		return false, fmt.Errorf("handoff: %w", err)
	}
	if !isGuide && !redeem {
		return s.bot.Handle(ctx, in)
	}
	// A guide's message is marked handled once its work is done: a crash before
	// that lets the provider's retry do it again (a guide's words, which must not go
	// out twice, are queued and marked in one step).
	key := messageKey(in)
	if key != "" {
		seen, err := s.st.Seen(ctx, key)
		if err != nil {
			return false, fmt.Errorf("handoff: %w", err)
		}
		if seen {
			return true, nil
		}
	}
	if redeem {
		err = s.redeem(ctx, in, code, g, isGuide)
	} else {
		err = s.console(ctx, g, in)
	}
	if err != nil || key == "" {
		return false, err
	}
	return false, s.st.Handled(ctx, key, dedupeTTL)
}

// messageKey is a guide message's dedupe key, "" for a message without an id.
func messageKey(in message.Inbound) string {
	if in.MsgID == "" {
		return ""
	}
	return "guide:" + in.Address + ":" + in.MsgID
}

// redeemCode reads "/guide CODE".
func redeemCode(in flow.Input) (string, bool) {
	if in.Kind != flow.Text {
		return "", false
	}
	word, rest, _ := strings.Cut(strings.TrimSpace(in.Text), " ")
	name, _, _ := strings.Cut(strings.ToLower(word), "@")
	// A bare /guide is a participant asking for one (the flows' command).
	if name != "/guide" || strings.TrimSpace(rest) == "" {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

func (s *Service) redeem(ctx context.Context, in message.Inbound, code string, g store.Guide, isGuide bool) error {
	lang := s.opt.DefaultLang
	if l := in.Input.Lang; l != "" && slices.Contains(s.texts.Languages(), l) {
		lang = l
	}
	if isGuide {
		lang = g.Lang
	}
	reply := store.Guide{Chat: in.Address, Lang: lang}
	role, ok, err := s.st.RedeemInvite(ctx, code)
	if err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	if !ok || code == "" {
		return s.say(ctx, reply, "", nil, flow.Message{ID: "guide.bad_code"})
	}
	if isGuide {
		g.Role = strongest(g.Role, role)
	} else {
		g = store.Guide{Chat: in.Address, Name: in.Name, Role: role, Lang: lang}
	}
	if g.Name == "" {
		g.Name = "#" + in.Address[max(0, len(in.Address)-4):]
	}
	if err := s.saveGuide(ctx, g); err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	return s.say(ctx, g, languagesStep, s.languageOptions(), flow.Message{ID: "guide.welcome",
		Params: map[string]string{"Name": g.Name}}, s.languagesNow(g))
}

func strongest(a, b string) string {
	if a == RoleCoordinator || b == RoleCoordinator {
		return RoleCoordinator
	}
	return RoleGuide
}

// console is a registered guide's message.
func (s *Service) console(ctx context.Context, g store.Guide, in message.Inbound) error {
	now := s.opt.Now()
	if in.Reachable {
		// A guide who writes has not blocked the bot (any more).
		if err := s.st.Unsuppress(ctx, guideID(g.Chat)); err != nil {
			return fmt.Errorf("handoff: %w", err)
		}
	}
	switch in.Input.Kind {
	case flow.Tick:
		if id, ok := strings.CutPrefix(in.Input.Step, silentStep); ok {
			return s.silence(ctx, g, id, now)
		}
		return nil
	case flow.Button:
		switch step := in.Input.Step; {
		case step == languagesStep:
			return s.toggleLanguage(ctx, g, in.Input.Option)
		case strings.HasPrefix(step, claimStep):
			return s.claim(ctx, g, strings.TrimPrefix(step, claimStep), now)
		case strings.HasPrefix(step, switchStep):
			return s.switchTo(ctx, g, strings.TrimPrefix(step, switchStep))
		case strings.HasPrefix(step, doneStep):
			return s.close(ctx, g, strings.TrimPrefix(step, doneStep), in.Input.Option, now)
		case strings.HasPrefix(step, planStep):
			return s.plan(ctx, g, strings.TrimPrefix(step, planStep), in.Input.Option, now)
		}
		if handled, err := s.command(ctx, g, in.Input.Step, in.Input.Option); handled {
			return err
		}
		return s.say(ctx, g, "", nil, flow.Message{ID: "common.expired"})
	case flow.Text:
		cmd, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(in.Input.Text)), " ")
		cmd, _, _ = strings.Cut(cmd, "@")
		switch cmd {
		case "/languages":
			return s.say(ctx, g, languagesStep, s.languageOptions(), s.languagesNow(g))
		case "/done":
			tk, ok, err := s.held(ctx, g)
			if !ok || err != nil {
				return err
			}
			id := tk.ID
			opts := make([]flow.Choice, len(outcomes))
			for i, o := range outcomes {
				opts[i] = flow.Choice{ID: o, Label: "guide.outcome." + o}
			}
			return s.say(ctx, g, doneStep+id, opts, flow.Message{ID: "guide.outcome", Params: map[string]string{"Ticket": id}})
		case "/release":
			return s.release(ctx, g, now)
		case "/tickets":
			return s.tickets(ctx, g)
		case "/hours":
			_, arg, _ := strings.Cut(strings.TrimSpace(in.Input.Text), " ")
			return s.hours(ctx, g, strings.TrimSpace(arg))
		case "/invite", "/guides", "/remove":
			if g.Role != RoleCoordinator {
				return s.say(ctx, g, "", nil, flow.Message{ID: "guide.not_coordinator"})
			}
			_, arg, _ := strings.Cut(strings.TrimSpace(in.Input.Text), " ")
			return s.coordinate(ctx, g, cmd, strings.TrimSpace(arg), now)
		case "/help", "/start":
			return s.say(ctx, g, "", nil, flow.Message{ID: "guide.help"})
		}
		_, arg, _ := strings.Cut(strings.TrimSpace(in.Input.Text), " ")
		if handled, err := s.command(ctx, g, cmd, strings.TrimSpace(arg)); handled {
			return err
		}
		return s.answer(ctx, g, in)
	}
	return s.say(ctx, g, "", nil, flow.Message{ID: "guide.text_only"})
}

// languageOptions are the locales' languages, each by its own name.
func (s *Service) languageOptions() []flow.Choice {
	langs := s.texts.Languages()
	out := make([]flow.Choice, 0, len(langs)+1)
	for _, l := range langs {
		out = append(out, flow.Choice{ID: l, Label: "language.name", Lang: l})
	}
	return append(out, flow.Choice{ID: doneLanguages, Label: "guide.languages_done"})
}

func (s *Service) languagesNow(g store.Guide) flow.Message {
	names := make([]string, 0, len(g.Langs))
	for _, l := range g.Langs {
		names = append(names, s.languageName(l))
	}
	return flow.Message{ID: "guide.languages", Params: map[string]string{"Langs": strings.Join(names, ", ")}}
}

// toggleLanguage adds or removes a language the guide takes tickets in.
func (s *Service) toggleLanguage(ctx context.Context, g store.Guide, lang string) error {
	if lang == doneLanguages {
		return s.say(ctx, g, "", nil, s.languagesNow(g), flow.Message{ID: "guide.ready"})
	}
	if !slices.Contains(s.texts.Languages(), lang) {
		return s.say(ctx, g, "", nil, flow.Message{ID: "common.expired"})
	}
	if i := slices.Index(g.Langs, lang); i >= 0 {
		g.Langs = slices.Delete(slices.Clone(g.Langs), i, i+1)
	} else {
		g.Langs = append(slices.Clone(g.Langs), lang)
	}
	if err := s.saveGuide(ctx, g); err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	return s.say(ctx, g, languagesStep, s.languageOptions(), s.languagesNow(g))
}

// claim gives the ticket to g if nobody has it. The winner sees the participant's
// last messages; the participant is told a person is here; the other guides who
// were told of it are told who took it.
func (s *Service) claim(ctx context.Context, g store.Guide, id string, now time.Time) error {
	won, holder, tk, err := s.st.ClaimTicket(ctx, id, g, now)
	if err != nil {
		return fmt.Errorf("handoff: claim: %w", err)
	}
	if !won {
		return s.say(ctx, g, "", nil, flow.Message{ID: "guide.taken", Params: map[string]string{"Ticket": id, "Name": holder}})
	}
	s.m.event("claimed", tk.Lang, "")
	s.m.since("claim", tk.Lang, tk.Opened, now)
	if err := s.st.Observe(ctx, store.Month(now.In(s.opt.Zone)), ClaimSeconds, float64(now.Unix()-tk.Opened)); err != nil {
		s.opt.Log.Warn("handoff: time to claim not kept for the figures", "ticket", id, "err", err)
	}
	if err := s.answered(ctx, g, id, now); err != nil {
		return err
	}
	params := map[string]string{"Ticket": id, "Language": s.languageName(tk.Lang), "Who": who(tk.Channel, tk.Address), "Topic": tk.Topic}
	texts := []flow.Message{{ID: "guide.claimed", Params: params}}
	said := s.lastWords(ctx, tk.Participant)
	for _, w := range said {
		if w.Text != "" {
			texts = append(texts, flow.Message{ID: "guide.said", Params: map[string]string{"Text": w.Text}})
		}
	}
	if err := s.say(ctx, g, "", nil, texts...); err != nil {
		return err
	}
	// The photos and files they sent the bot go to the guide as files.
	for _, w := range said {
		if w.Media == nil {
			continue
		}
		err := s.st.Enqueue(ctx, message.Telegram, message.Outbound{To: g.Chat, Participant: guideID(g.Chat), Media: w.Media,
			Reply: flow.Reply{Lang: g.Lang, Texts: []flow.Message{{ID: "guide.media", Params: params}}}})
		if err != nil {
			return fmt.Errorf("handoff: claim: %w", err)
		}
	}
	if err := s.st.Enqueue(ctx, tk.Channel, message.Outbound{To: tk.Address, Participant: tk.Participant,
		Reply: flow.Reply{Lang: tk.Lang, Texts: []flow.Message{{ID: "handoff.claimed", Params: map[string]string{"Name": g.Name}}}}}); err != nil {
		return fmt.Errorf("handoff: claim: %w", err)
	}
	others, err := s.speakers(ctx, tk.Lang)
	if err != nil {
		return fmt.Errorf("handoff: claim: %w", err)
	}
	return s.taken(ctx, tk, g.Name, others)
}

// lastWords are the participant's last few messages from the transcript: text, or
// a photo or file.
func (s *Service) lastWords(ctx context.Context, participant string) []bot.TranscriptEntry {
	entries, err := s.st.Transcript(ctx, participant)
	if err != nil {
		s.opt.Log.Warn("handoff: transcript not read", "err", err)
		return nil
	}
	var out []bot.TranscriptEntry
	for _, e := range entries {
		var w bot.TranscriptEntry
		if json.Unmarshal([]byte(e), &w) == nil && w.Dir == "in" && (w.Text != "" || w.Media != nil) {
			out = append(out, w)
		}
	}
	return out[max(0, len(out)-lastMessages):]
}

// answer sends a guide's words to the participant of their current ticket, on the
// participant's channel (its segment budget, pace and opt-out apply there).
func (s *Service) answer(ctx context.Context, g store.Guide, in message.Inbound) error {
	tk, ok, err := s.held(ctx, g)
	if !ok || err != nil {
		return err
	}
	id := tk.ID
	// A participant who sent STOP gets nothing more; the guide is told, and the
	// request ends.
	if reason, err := s.st.Suppressed(ctx, tk.Participant); err != nil {
		return fmt.Errorf("handoff: %w", err)
	} else if reason == message.OptedOut {
		if _, closed, err := s.st.CloseTicket(ctx, id, "stopped", s.opt.Now()); err != nil {
			return fmt.Errorf("handoff: %w", err)
		} else if closed {
			s.m.event("closed", tk.Lang, "stopped")
		}
		return s.say(ctx, g, "", nil, flow.Message{ID: "guide.stopped", Params: map[string]string{"Ticket": id}})
	}
	if err := s.answered(ctx, g, id, s.opt.Now()); err != nil {
		return err
	}
	out := message.Outbound{To: tk.Address, Participant: tk.Participant, Text: in.Input.Text}
	if key := messageKey(in); key != "" {
		return s.st.EnqueueOnce(ctx, key, dedupeTTL, tk.Channel, out)
	}
	return s.st.Enqueue(ctx, tk.Channel, out)
}

// answered notes that g answered ticket id now, and has the runner check on them
// a GuideTimeout later.
func (s *Service) answered(ctx context.Context, g store.Guide, id string, now time.Time) error {
	if err := s.st.MarkTicket(ctx, id, map[string]string{"active": strconv.FormatInt(now.Unix(), 10), "nudged": ""}); err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	return s.watch(ctx, g, id, now.Add(s.opt.GuideTimeout))
}

// watch schedules a check on g's ticket id at due.
func (s *Service) watch(ctx context.Context, g store.Guide, id string, due time.Time) error {
	err := s.st.ScheduleTick(ctx, store.Tick{ID: "silent:" + id + ":" + strconv.FormatInt(due.Unix(), 10),
		Participant: guideID(g.Chat), Channel: message.Telegram, Address: g.Chat, Step: silentStep + id, Due: due})
	if err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	return nil
}

// silence checks on a guide who may have gone quiet: a GuideTimeout without an
// answer brings a reminder, as long again gives the ticket back to the queue.
func (s *Service) silence(ctx context.Context, g store.Guide, id string, now time.Time) error {
	tk, err := s.st.Ticket(ctx, id)
	if err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	if tk.Status != store.TicketClaimed || tk.Guide != g.Chat {
		return nil // done, released or taken over since
	}
	quiet := now.Sub(time.Unix(tk.Active, 0))
	switch {
	case quiet < s.opt.GuideTimeout:
		return nil // they answered since; that answer scheduled its own check
	case !tk.Nudged:
		if err := s.st.MarkTicket(ctx, id, map[string]string{"nudged": "1"}); err != nil {
			return fmt.Errorf("handoff: %w", err)
		}
		if err := s.watch(ctx, g, id, now.Add(s.opt.GuideTimeout)); err != nil {
			return err
		}
		minutes := strconv.Itoa(int(s.opt.GuideTimeout / time.Minute))
		return s.say(ctx, g, "", nil, flow.Message{ID: "guide.silent", Params: map[string]string{"Ticket": id, "Minutes": minutes}})
	}
	if err := s.giveBack(ctx, g, tk, now, nil); err != nil {
		return err
	}
	return s.say(ctx, g, "", nil, flow.Message{ID: "guide.released", Params: map[string]string{"Ticket": id}})
}

// close takes the guide's outcome for their ticket; if the participant has a plan,
// the guide first ticks the items they helped with.
func (s *Service) close(ctx context.Context, g store.Guide, id, outcome string, now time.Time) error {
	if !slices.Contains(outcomes, outcome) {
		return s.say(ctx, g, "", nil, flow.Message{ID: "common.expired"})
	}
	tk, err := s.st.Ticket(ctx, id)
	if err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	if tk.Guide != g.Chat || tk.Status != store.TicketClaimed {
		return s.say(ctx, g, "", nil, flow.Message{ID: "guide.no_ticket"})
	}
	rec, err := s.st.Load(ctx, tk.Participant, "")
	if err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	if len(rec.State.Plan) == 0 {
		return s.finish(ctx, g, tk, outcome, nil, now)
	}
	if err := s.st.MarkTicket(ctx, id, map[string]string{"outcome_chosen": outcome, "ticked": ""}); err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	return s.askPlan(ctx, g, id, rec.State.Plan, nil)
}

// askPlan shows the participant's plan as buttons, with what is ticked so far.
func (s *Service) askPlan(ctx context.Context, g store.Guide, id string, plan, ticked []string) error {
	opts := make([]flow.Choice, 0, len(plan)+1)
	for _, t := range plan {
		opts = append(opts, flow.Choice{ID: t, Label: "topic." + t})
	}
	opts = append(opts, flow.Choice{ID: planFinish, Label: "guide.plan_finish"})
	names := make([]string, 0, len(ticked))
	for _, t := range ticked {
		names = append(names, s.topicName(g.Lang, t))
	}
	return s.say(ctx, g, planStep+id, opts, flow.Message{ID: "guide.plan_ask", Params: map[string]string{"Done": strings.Join(names, ", ")}})
}

func (s *Service) topicName(lang, topic string) string {
	if n, ok := s.texts.Message(lang, "topic."+topic); ok {
		return n
	}
	return topic
}

// plan ticks or unticks a plan item, or finishes the ticket with what is ticked.
func (s *Service) plan(ctx context.Context, g store.Guide, id, option string, now time.Time) error {
	tk, err := s.st.Ticket(ctx, id)
	if err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	if tk.Guide != g.Chat || tk.Status != store.TicketClaimed || tk.OutcomeChosen == "" {
		return s.say(ctx, g, "", nil, flow.Message{ID: "guide.no_ticket"})
	}
	ticked := splitList(tk.Ticked)
	if option == planFinish {
		return s.finish(ctx, g, tk, tk.OutcomeChosen, ticked, now)
	}
	rec, err := s.st.Load(ctx, tk.Participant, "")
	if err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	if !slices.Contains(rec.State.Plan, option) {
		return s.say(ctx, g, "", nil, flow.Message{ID: "common.expired"})
	}
	if i := slices.Index(ticked, option); i >= 0 {
		ticked = slices.Delete(ticked, i, i+1)
	} else {
		ticked = append(ticked, option)
	}
	if err := s.st.MarkTicket(ctx, id, map[string]string{"ticked": strings.Join(ticked, ",")}); err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	return s.askPlan(ctx, g, id, rec.State.Plan, ticked)
}

func splitList(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// finish closes the ticket with its outcome and takes the participant back to the
// flows, with the plan items the guide ticked taken off their plan; the flows ask
// them for feedback.
func (s *Service) finish(ctx context.Context, g store.Guide, tk store.Ticket, outcome string, ticked []string, now time.Time) error {
	id := tk.ID
	tk, closed, err := s.st.CloseTicket(ctx, id, outcome, now)
	if err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	if !closed {
		return s.say(ctx, g, "", nil, flow.Message{ID: "guide.no_ticket"})
	}
	s.m.event("closed", tk.Lang, outcome)
	s.m.since("close", tk.Lang, tk.Opened, now)
	closedEvent := store.Event{Name: TicketClosed, Dims: map[string]string{"lang": message.LangLabel(tk.Lang), "outcome": outcome}}
	if err := s.st.Count(ctx, store.Month(now.In(s.opt.Zone)), closedEvent); err != nil {
		s.opt.Log.Warn("handoff: outcome not counted for the figures", "ticket", id, "err", err)
	}
	back := message.Inbound{Channel: tk.Channel, Address: tk.Address, MsgID: "handoff-done:" + id,
		Input: flow.Input{Kind: flow.Tick, Step: DoneStep, Text: strings.Join(ticked, ",")}, OnlyIfNotSuppressed: true}
	if _, err := s.bot.Handle(ctx, back); err != nil {
		return fmt.Errorf("handoff: back to the flows: %w", err)
	}
	return s.say(ctx, g, "", nil, flow.Message{ID: "guide.closed", Params: map[string]string{"Ticket": id}})
}

// DoneStep is where a participant goes when their guide is done.
const DoneStep = "handoff.done"

// release gives the guide's current ticket back to the queue: the participant is
// told, and the other guides who speak the language are told it is free again.
func (s *Service) release(ctx context.Context, g store.Guide, now time.Time) error {
	tk, ok, err := s.held(ctx, g)
	if !ok || err != nil {
		return err
	}
	if err := s.giveBack(ctx, g, tk, now, nil); err != nil {
		return err
	}
	return s.say(ctx, g, "", nil, flow.Message{ID: "guide.released", Params: map[string]string{"Ticket": tk.ID}})
}

// held is the ticket g's words go to, claimed by g; ok is false, and the guide is
// told they have none, when there is none.
func (s *Service) held(ctx context.Context, g store.Guide) (tk store.Ticket, ok bool, err error) {
	id, err := s.st.CurrentTicket(ctx, g.Chat)
	if err != nil {
		return tk, false, fmt.Errorf("handoff: %w", err)
	}
	if id != "" {
		if tk, err = s.st.Ticket(ctx, id); err != nil {
			return tk, false, fmt.Errorf("handoff: %w", err)
		}
		if tk.Status == store.TicketClaimed && tk.Guide == g.Chat {
			return tk, true, nil
		}
	}
	return tk, false, s.say(ctx, g, "", nil, flow.Message{ID: "guide.no_ticket"})
}

// giveBack returns g's ticket to the queue: the participant is told, and the other
// guides who speak the language are offered it again. Within a participant's turn
// (commit set) the messages go with its commit; otherwise straight to the outbox.
func (s *Service) giveBack(ctx context.Context, g store.Guide, tk store.Ticket, now time.Time, commit *store.Commit) error {
	tk, released, err := s.st.ReleaseTicket(ctx, tk.ID, g.Chat)
	if err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	if !released {
		return nil
	}
	s.m.event("released", tk.Lang, "")
	if err := s.expect(ctx, tk, now); err != nil {
		return err
	}
	queue := func(ch string, m message.Outbound) error {
		if commit != nil {
			commit.Appends = append(commit.Appends, outboxOf(ch, m))
			return nil
		}
		return s.st.Enqueue(ctx, ch, m)
	}
	if err := queue(tk.Channel, message.Outbound{To: tk.Address, Participant: tk.Participant,
		Reply: flow.Reply{Lang: tk.Lang, Texts: []flow.Message{{ID: "handoff.released"}}}}); err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	others, err := s.speakers(ctx, tk.Lang)
	if err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	others = slices.DeleteFunc(others, func(o store.Guide) bool { return o.Chat == g.Chat })
	for _, m := range s.announcements(tk, others) {
		if err := queue(message.Telegram, m); err != nil {
			return fmt.Errorf("handoff: %w", err)
		}
	}
	return nil
}

// tickets lists the tickets g holds, a button each to make it the one their words
// go to.
func (s *Service) tickets(ctx context.Context, g store.Guide) error {
	held, err := s.heldTickets(ctx, g.Chat)
	if err != nil {
		return err
	}
	if len(held) == 0 {
		return s.say(ctx, g, "", nil, flow.Message{ID: "guide.no_ticket"})
	}
	current, err := s.st.CurrentTicket(ctx, g.Chat)
	if err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	for _, tk := range held {
		id := tk.ID
		item := flow.Message{ID: "guide.ticket_item", Params: map[string]string{"Ticket": id,
			"Language": s.languageName(tk.Lang), "Who": who(tk.Channel, tk.Address)}}
		var opts []flow.Choice
		if id != current {
			opts = []flow.Choice{{ID: "switch", Label: "guide.switch"}}
		}
		if err := s.say(ctx, g, switchStep+id, opts, item); err != nil {
			return err
		}
	}
	return nil
}

// switchTo makes ticket id, which g holds, the one their words go to.
func (s *Service) switchTo(ctx context.Context, g store.Guide, id string) error {
	held, err := s.st.HeldTickets(ctx, g.Chat)
	if err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	if !slices.Contains(held, id) {
		return s.say(ctx, g, "", nil, flow.Message{ID: "guide.no_ticket"})
	}
	if err := s.st.SetCurrentTicket(ctx, g.Chat, id); err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	return s.say(ctx, g, "", nil, flow.Message{ID: "guide.switched", Params: map[string]string{"Ticket": id}})
}

// coordinate is a coordinator's /invite [coordinator], /guides and /remove CHAT.
func (s *Service) coordinate(ctx context.Context, g store.Guide, cmd, arg string, now time.Time) error {
	switch cmd {
	case "/invite":
		role, id := RoleGuide, "guide.invite_guide"
		if arg == RoleCoordinator {
			role, id = RoleCoordinator, "guide.invite_coordinator"
		}
		code, err := s.st.CreateInvite(ctx, role, InviteTTL)
		if err != nil {
			return fmt.Errorf("handoff: %w", err)
		}
		return s.say(ctx, g, "", nil, flow.Message{ID: id, Params: map[string]string{"Code": code}})
	case "/guides":
		if err := s.refresh(ctx, true); err != nil {
			return fmt.Errorf("handoff: %w", err)
		}
		s.mu.Lock()
		all := make([]store.Guide, 0, len(s.guides))
		for _, o := range s.guides {
			all = append(all, o)
		}
		s.mu.Unlock()
		slices.SortFunc(all, func(a, b store.Guide) int { return strings.Compare(a.Name, b.Name) })
		texts := []flow.Message{{ID: "guide.list"}}
		for _, o := range all {
			langs := make([]string, 0, len(o.Langs))
			for _, l := range o.Langs {
				langs = append(langs, s.languageName(l))
			}
			texts = append(texts, flow.Message{ID: "guide.list_item", Params: map[string]string{"Name": o.Name,
				"Langs": strings.Join(langs, ", "), "Chat": o.Chat}, Refs: map[string]string{"Role": "guide.role." + o.Role}})
		}
		return s.say(ctx, g, "", nil, texts...)
	}
	o, ok, err := s.guide(ctx, arg)
	if err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	if !ok {
		return s.say(ctx, g, "", nil, flow.Message{ID: "guide.unknown_guide"})
	}
	held, err := s.heldTickets(ctx, o.Chat)
	if err != nil {
		return err
	}
	for _, tk := range held {
		if err := s.giveBack(ctx, o, tk, now, nil); err != nil {
			return err
		}
	}
	if err := s.st.RemoveGuide(ctx, o.Chat); err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	if err := s.refresh(ctx, true); err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	return s.say(ctx, g, "", nil, flow.Message{ID: "guide.removed", Params: map[string]string{"Name": o.Name}})
}

// hours sets the hours g takes requests in: "/hours 9-17", or "/hours off" for any.
func (s *Service) hours(ctx context.Context, g store.Guide, arg string) error {
	if arg == "off" {
		g.From, g.To = 0, 0
	} else {
		from, to, ok := strings.Cut(arg, "-")
		f, err1 := strconv.Atoi(strings.TrimSpace(from))
		t, err2 := strconv.Atoi(strings.TrimSpace(to))
		if !ok || err1 != nil || err2 != nil || f < 0 || f > 23 || t < 0 || t > 24 || f == t%24 {
			return s.say(ctx, g, "", nil, flow.Message{ID: "guide.hours_usage"})
		}
		g.From, g.To = f, t%24
	}
	if err := s.saveGuide(ctx, g); err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	if g.From == g.To {
		return s.say(ctx, g, "", nil, flow.Message{ID: "guide.hours_off"})
	}
	return s.say(ctx, g, "", nil, flow.Message{ID: "guide.hours_set", Params: map[string]string{
		"From": fmt.Sprintf("%02d:00", g.From), "To": fmt.Sprintf("%02d:00", g.To), "Zone": s.opt.Zone.String()}})
}

// heldTickets are the tickets the guide in chat holds.
func (s *Service) heldTickets(ctx context.Context, chat string) ([]store.Ticket, error) {
	ids, err := s.st.HeldTickets(ctx, chat)
	if err != nil {
		return nil, fmt.Errorf("handoff: %w", err)
	}
	out := make([]store.Ticket, 0, len(ids))
	for _, id := range ids {
		tk, err := s.st.Ticket(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("handoff: %w", err)
		}
		out = append(out, tk)
	}
	return out, nil
}
