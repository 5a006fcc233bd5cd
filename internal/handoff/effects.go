package handoff

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/store"
)

// UnclaimedStep is where a participant whose request nobody claimed in time goes.
const UnclaimedStep = "handoff.unclaimed"

// claimStep prefixes the step of an announcement's Claim button: "guide.claim:12".
const claimStep = "guide.claim:"

// open opens the participant's ticket and announces it to the guides who speak
// their language (by direct message, with a Claim button) and in the guides' chat.
// Its outcome: opened, waiting (asked before) or nobody (no guide speaks the
// language), each with the participant's place in the queue.
func (s *Service) open(ctx context.Context, t *bot.Turn, e flow.Effect) (string, error) {
	lang := t.State.Lang
	tk := store.Ticket{Participant: t.Participant, Channel: t.In.Channel, Address: t.In.Address,
		Lang: lang, Topic: e.Args["reason"], Opened: t.Now.Unix(), Msg: t.In.MsgID}
	// If nobody claims it in time, the participant hears so: a tick, scheduled with
	// the ticket, which does nothing if a guide has it by then.
	id, pos, existing, err := s.st.OpenTicket(ctx, tk, t.Now.Add(s.opt.ClaimTimeout), UnclaimedStep)
	if err != nil {
		return "", fmt.Errorf("handoff: %w", err)
	}
	position := strconv.Itoa(pos)
	if existing {
		return "waiting:" + position, nil
	}
	tk.ID = id
	guides, err := s.speakers(ctx, lang)
	if err != nil {
		return "", fmt.Errorf("handoff: %w", err)
	}
	// The guides in their hours hear of it; if none is, all who speak the
	// language do, so the request is not lost, and the participant is told no
	// guide is free just now.
	hour := t.Now.In(s.opt.Zone).Hour()
	available := slices.DeleteFunc(slices.Clone(guides), func(g store.Guide) bool { return !g.Available(hour) })
	if len(available) > 0 {
		guides = available
	}
	for _, m := range s.announcements(tk, guides) {
		t.Commit.Appends = append(t.Commit.Appends, outbox(m))
	}
	s.m.event("opened", lang, "")
	t.Counts = append(t.Counts, store.Event{Name: TicketOpened, Dims: map[string]string{"lang": message.LangLabel(lang)}})
	if len(available) == 0 {
		return "nobody:" + position, nil
	}
	return "opened:" + position, nil
}

func (s *Service) announcement(t store.Ticket) flow.Message {
	return flow.Message{ID: "guide.ticket", Params: map[string]string{"Ticket": t.ID,
		"Language": s.languageName(t.Lang), "Who": who(t.Channel, t.Address), "Topic": t.Topic}}
}

// relay passes what a participant wrote to the guide who holds their ticket.
func (s *Service) relay(ctx context.Context, t *bot.Turn, e flow.Effect) (string, error) {
	tk, err := s.st.Ticket(ctx, e.Args["ticket"])
	if err != nil {
		return "", fmt.Errorf("relay: %w", err)
	}
	g, ok, err := s.knownGuide(ctx, tk.Guide)
	if err != nil {
		return "", fmt.Errorf("relay: %w", err)
	}
	if !ok || tk.Status != store.TicketClaimed {
		return "", nil // the guide is gone or done: nothing to relay to
	}
	// A guide who blocked the bot cannot be reached: the ticket goes back to the
	// queue, and the guide who claims it next reads these words in the transcript.
	if reason, err := s.st.Suppressed(ctx, guideID(g.Chat)); err != nil {
		return "", fmt.Errorf("relay: %w", err)
	} else if reason == message.Blocked {
		return "", s.giveBack(ctx, g, tk, t.Now, t.Commit)
	}
	params := map[string]string{"Ticket": tk.ID, "Who": who(tk.Channel, tk.Address),
		"Language": s.languageName(tk.Lang), "Text": e.Args["text"]}
	id := "guide.relay"
	if e.Args["media"] != "" {
		id = "guide.media"
	}
	t.Commit.Appends = append(t.Commit.Appends, outbox(message.Outbound{To: g.Chat, Participant: guideID(g.Chat),
		Media: t.In.Media, Reply: flow.Reply{Lang: g.Lang, Texts: []flow.Message{{ID: id, Params: params}}}}))
	return "", nil
}

// forgotten closes the ticket of a participant who asked to be forgotten, and
// tells their guide.
func (s *Service) forgotten(ctx context.Context, t *bot.Turn) error {
	if t.State.Handoff == "" {
		return nil
	}
	tk, closed, err := s.st.CloseTicket(ctx, t.State.Handoff, "forgotten", t.Now)
	if err != nil || !closed {
		return err
	}
	s.m.event("closed", tk.Lang, "forgotten")
	if tk.Guide == "" {
		return nil
	}
	if g, ok, err := s.knownGuide(ctx, tk.Guide); err != nil || !ok {
		return err
	} else {
		t.Commit.Appends = append(t.Commit.Appends, outbox(message.Outbound{To: g.Chat, Participant: guideID(g.Chat),
			Reply: flow.Reply{Lang: g.Lang, Texts: []flow.Message{{ID: "guide.forgotten", Params: map[string]string{"Ticket": tk.ID}}}}}))
	}
	return nil
}

// outbox is an entry for the Telegram outbox (the guides'), in the commit of a turn.
func outbox(m message.Outbound) store.Append { return outboxOf(message.Telegram, m) }

// outboxOf is an entry for channel's outbox, in the commit of a turn.
func outboxOf(channel string, m message.Outbound) store.Append {
	b, _ := json.Marshal(m) // an Outbound of strings and maps of strings always encodes
	return store.Append{Stream: store.Outbox(channel), Payload: string(b)}
}

// expect makes sure the participant hears if nobody claims tk in time: a tick, which
// does nothing if a guide has it by then.
func (s *Service) expect(ctx context.Context, tk store.Ticket, now time.Time) error {
	// The id is the ticket's and the time: a tick is handled once by its id, and a
	// released ticket needs a new one.
	err := s.st.ScheduleTick(ctx, store.Tick{ID: "handoff:" + tk.ID + ":" + strconv.FormatInt(now.Unix(), 10), Participant: tk.Participant,
		Channel: tk.Channel, Address: tk.Address, Step: UnclaimedStep, Due: now.Add(s.opt.ClaimTimeout)})
	if err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	return nil
}

// announcements tell guides, and the guides' chat, of an open ticket, with a Claim
// button; each is tracked so that the claim can edit it to say who took it.
func (s *Service) announcements(tk store.Ticket, guides []store.Guide) []message.Outbound {
	claim := []flow.Choice{{ID: "claim", Label: "guide.claim"}}
	var out []message.Outbound
	for _, g := range guides {
		out = append(out, message.Outbound{To: g.Chat, Participant: guideID(g.Chat), Track: trackKey(tk.ID),
			Reply: flow.Reply{Lang: g.Lang, Texts: []flow.Message{s.announcement(tk)}, Options: claim, Step: claimStep + tk.ID}})
	}
	if s.opt.GuidesChat != "" {
		out = append(out, message.Outbound{To: s.opt.GuidesChat, Participant: guidesChatID, Track: trackKey(tk.ID),
			Reply: flow.Reply{Lang: s.opt.DefaultLang, Texts: []flow.Message{s.announcement(tk)}, Options: claim, Step: claimStep + tk.ID}})
	}
	return out
}

// taken edits the announcements of ticket id, wherever they went, to say who took
// it; the Claim buttons go.
func (s *Service) taken(ctx context.Context, tk store.Ticket, name string, guides []store.Guide) error {
	params := map[string]string{"Ticket": tk.ID, "Name": name}
	edit := func(to, participant, lang string) error {
		return s.st.Enqueue(ctx, message.Telegram, message.Outbound{To: to, Participant: participant, Edit: trackKey(tk.ID),
			Reply: flow.Reply{Lang: lang, Texts: []flow.Message{{ID: "guide.taken", Params: params}}}})
	}
	for _, g := range guides {
		if err := edit(g.Chat, guideID(g.Chat), g.Lang); err != nil {
			return fmt.Errorf("handoff: %w", err)
		}
	}
	if s.opt.GuidesChat != "" {
		if err := edit(s.opt.GuidesChat, guidesChatID, s.opt.DefaultLang); err != nil {
			return fmt.Errorf("handoff: %w", err)
		}
	}
	return nil
}

// trackKey names a ticket's announcements for their edit.
func trackKey(id string) string { return "ticket:" + id }

// guidesChatID names the guides' chat in the outbox, apart from any participant.
const guidesChatID = "guides"

// OptedOut ends what was under way for a participant who sent STOP: nothing more
// reaches them, so their request for a guide closes (the guide is told), and so
// does whatever else registered with HandleOptOut.
func (s *Service) OptedOut(ctx context.Context, participant string) error {
	if err := s.stopTicket(ctx, participant); err != nil {
		return err
	}
	for _, fn := range s.optOuts {
		if err := fn(ctx, participant); err != nil {
			return err
		}
	}
	return nil
}

// stopTicket closes the participant's request for a guide, telling the guide.
func (s *Service) stopTicket(ctx context.Context, participant string) error {
	rec, err := s.st.Load(ctx, participant, "")
	if err != nil || rec.State.Handoff == "" {
		return err
	}
	tk, closed, err := s.st.CloseTicket(ctx, rec.State.Handoff, "stopped", s.opt.Now())
	if err != nil || !closed {
		return err
	}
	s.m.event("closed", tk.Lang, "stopped")
	if tk.Guide == "" {
		return nil
	}
	g, ok, err := s.knownGuide(ctx, tk.Guide)
	if err != nil || !ok {
		return err
	}
	return s.say(ctx, g, "", nil, flow.Message{ID: "guide.stopped", Params: map[string]string{"Ticket": tk.ID}})
}
