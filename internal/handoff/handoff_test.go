package handoff_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/guidebot/guidebot/internal/bot/bottest"
	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/channel/telegram"
	"github.com/guidebot/guidebot/internal/channel/telegram/telegramtest"
	"github.com/guidebot/guidebot/internal/clocktest"
	"github.com/guidebot/guidebot/internal/config"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/handoff"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/outbox"
	"github.com/guidebot/guidebot/internal/remind"
	"github.com/guidebot/guidebot/internal/store"
)

// world is the bot with the handoff on a real Redis, a clock the test moves, and
// the outboxes read back as the channels would render them.
type world struct {
	t      *testing.T
	ctx    context.Context
	clock  *clocktest.Clock
	env    bottest.Env
	svc    *handoff.Service
	runner *remind.Runner
	seen   map[string]bool // outbox entries read: channel, recipient and entry id
	msgs   int
}

func newWorld(t *testing.T) *world { return newWorldWith(t, "") }

// newWorldWith has the guides' group chat guidesChat ("" for none).
func newWorldWith(t *testing.T, guidesChat string) *world {
	t.Helper()
	clock := clocktest.New(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	env := bottest.New(t, clock.Now)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := handoff.New(env.Store, env.Bot, env.Catalog, handoff.Options{DefaultLang: "sv", GuidesChat: guidesChat,
		ClaimTimeout: 10 * time.Minute, GuideTimeout: 30 * time.Minute, Now: clock.Now, Log: log})
	svc.Register(env.Bot)
	runner, err := remind.NewRunner(env.Store, remind.Ticks{Source: env.Store, Handler: svc},
		[]string{message.SMS, message.Telegram}, clock.Now, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, ctx: context.Background(), clock: clock, env: env, svc: svc, runner: runner, seen: map[string]bool{}}
}

// in sends one message through the handoff's router, as the Telegram adapter does.
func (w *world) in(ch, from string, input flow.Input) {
	w.t.Helper()
	w.msgs++
	in := message.Inbound{Channel: ch, Address: from, MsgID: fmt.Sprintf("m%d", w.msgs), Input: input, Name: "G" + from}
	var err error
	if ch == message.Telegram {
		_, err = w.svc.Handle(w.ctx, in)
	} else {
		_, err = w.env.Bot.Handle(w.ctx, in)
	}
	if err != nil {
		w.t.Fatalf("%s %s %+v: %v", ch, from, input, err)
	}
}

func (w *world) text(ch, from, text string) {
	w.in(ch, from, flow.Input{Kind: flow.Text, Text: text, Lang: "en"})
}
func (w *world) press(from, step, option string) {
	w.in(message.Telegram, from, flow.Input{Kind: flow.Button, Step: step, Option: option})
}

// out returns what reached to since the last call of out or media, rendered.
func (w *world) out(ch, to string) []string {
	w.t.Helper()
	var got []string
	for _, m := range w.fresh(ch, to) {
		got = append(got, channel.PlainText(w.env.Catalog, m))
	}
	return got
}

// fresh returns the outbox entries to to on ch not returned before (by id: the
// shards' entries interleave).
func (w *world) fresh(ch, to string) []message.Outbound {
	w.t.Helper()
	entries, err := w.env.Store.Entries(w.ctx, store.Outbox(ch))
	if err != nil {
		w.t.Fatal(err)
	}
	var got []message.Outbound
	for _, e := range entries {
		key := ch + "|" + to + "|" + e.ID
		if w.seen[key] {
			continue
		}
		var m message.Outbound
		if err := json.Unmarshal([]byte(e.Payload), &m); err != nil {
			w.t.Fatal(err)
		}
		if m.To == to {
			w.seen[key] = true
			got = append(got, m)
		}
	}
	return got
}

// guide registers chat as a guide who speaks langs.
func (w *world) guide(chat string, langs ...string) {
	w.t.Helper()
	code, err := w.env.Store.CreateInvite(w.ctx, handoff.RoleGuide, handoff.InviteTTL)
	if err != nil {
		w.t.Fatal(err)
	}
	w.text(message.Telegram, chat, "/guide "+code)
	for _, l := range langs {
		w.press(chat, "guide.languages", l)
	}
	w.out(message.Telegram, chat)
}

// asks is an SMS participant in Arabic asking for a person; it returns the ticket.
func (w *world) asks(number string) string {
	w.t.Helper()
	w.text(message.SMS, number, "مرحبا") // Arabic: the menu in Arabic
	w.text(message.SMS, number, "5")
	w.out(message.SMS, number)
	rec, err := w.env.Store.Load(w.ctx, message.ParticipantID(message.SMS, number), "")
	if err != nil || rec.State.Handoff == "" {
		w.t.Fatalf("no ticket: %+v %v", rec.State, err)
	}
	return rec.State.Handoff
}

func first(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return lines[0]
}

// TestReleaseAndUnclaimed: a guide gives a ticket back; the participant is told
// and the other guide is offered it again; nobody claims it, and after the claim
// timeout the participant hears so and is offered a session. A tick due while a
// guide has the ticket does nothing.
func TestReleaseAndUnclaimed(t *testing.T) {
	w := newWorld(t)
	w.guide("101", "ar")
	w.guide("102", "ar")
	const number = "+46701110001"
	id := w.asks(number)
	w.out(message.Telegram, "102")
	w.press("101", "guide.claim:"+id, "claim")
	w.out(message.SMS, number)
	w.out(message.Telegram, "101")
	if got := first(w.out(message.Telegram, "102")); got != "Request #"+id+" was taken by G101." {
		t.Fatalf("the other guide after the claim: %q", got)
	}
	w.clock.Advance(11 * time.Minute)
	if _, err := w.runner.DeliverTicks(w.ctx); err != nil {
		t.Fatal(err)
	}
	if got := w.out(message.SMS, number); len(got) != 0 {
		t.Fatalf("the claim timeout fired for a claimed ticket: %q", got)
	}
	w.text(message.Telegram, "101", "/release")
	if got := first(w.out(message.Telegram, "101")); got != "Request #"+id+" is back in the queue." {
		t.Fatalf("release: %q", got)
	}
	if got := first(w.out(message.SMS, number)); !strings.Contains(got, w.env.Catalog.Render("ar", flow.Message{ID: "handoff.released"})) {
		t.Fatalf("participant after the release: %q", got)
	}
	if got := first(w.out(message.Telegram, "102")); !strings.Contains(got, "New request #"+id) || !strings.Contains(got, "1. Claim") {
		t.Fatalf("the other guide after the release: %q", got)
	}
	// While nobody has it, what the participant writes is for the flows again.
	w.text(message.SMS, number, "0")
	if got := first(w.out(message.SMS, number)); !strings.Contains(got, "1.") {
		t.Fatalf("after the release the menu: %q", got)
	}
	w.text(message.Telegram, "101", "are you there?")
	if got := first(w.out(message.Telegram, "101")); !strings.HasPrefix(got, "You have no request now.") {
		t.Fatalf("a guide answering a ticket they gave back: %q", got)
	}
	w.clock.Advance(11 * time.Minute)
	if _, err := w.runner.DeliverTicks(w.ctx); err != nil {
		t.Fatal(err)
	}
	got := first(w.out(message.SMS, number))
	if nobody := w.env.Catalog.Render("ar", flow.Message{ID: "handoff.nobody"}); !strings.HasPrefix(got, nobody) {
		t.Fatalf("after the claim timeout: %q, want it to begin %q", got, nobody)
	}
	tickets := w.svc.Collectors()[0].(*prometheus.CounterVec)
	for event, want := range map[string]float64{"opened": 1, "claimed": 1, "released": 1} {
		if n := testutil.ToFloat64(tickets.WithLabelValues(event, "ar", "")); n != want {
			t.Errorf("guidebot_tickets_total{event=%q,lang=ar} = %v, want %v", event, n, want)
		}
	}
}

// TestStopDuringHandoff: a participant who sends STOP while a guide talks gets
// nothing more; the guide's next message tells the guide, and the ticket closes.
func TestStopDuringHandoff(t *testing.T) {
	w := newWorld(t)
	w.guide("201", "ar")
	const number = "+46701110002"
	id := w.asks(number)
	w.press("201", "guide.claim:"+id, "claim")
	w.out(message.Telegram, "201")
	w.out(message.SMS, number)
	if err := w.env.Store.Suppress(w.ctx, message.ParticipantID(message.SMS, number), message.OptedOut); err != nil {
		t.Fatal(err)
	}
	w.text(message.Telegram, "201", "hello?")
	if got := first(w.out(message.Telegram, "201")); !strings.HasPrefix(got, "Request #"+id+": the participant has stopped") {
		t.Fatalf("guide after STOP: %q", got)
	}
	if got := w.out(message.SMS, number); len(got) != 0 {
		t.Fatalf("sent after STOP: %q", got)
	}
	tk, err := w.env.Store.Ticket(w.ctx, id)
	if err != nil || tk.Status != store.TicketClosed || tk.Outcome != "stopped" {
		t.Fatalf("ticket %+v %v", tk, err)
	}
}

// TestOnlyGuidesClaimAndOneTicketEach: a participant cannot claim; asking again shows
// the place in the queue and opens no second ticket; a guide's retried message is
// relayed once.
func TestOnlyGuidesClaimAndOneTicketEach(t *testing.T) {
	w := newWorld(t)
	w.guide("301", "ar")
	const number = "+46701110003"
	id := w.asks(number)
	// A Telegram participant pressing a forged claim button is a participant.
	w.press("999", "guide.claim:"+id, "claim")
	w.open(id, "a non-guide claimed")
	w.text(message.SMS, number, "5")
	got := first(w.out(message.SMS, number))
	if want := w.env.Catalog.Render("ar", flow.Message{ID: "handoff.waiting", Params: map[string]string{"Position": "1"}}); !strings.HasPrefix(got, want) {
		t.Fatalf("asking again: %q, want %q", got, want)
	}
	rec, _ := w.env.Store.Load(w.ctx, message.ParticipantID(message.SMS, number), "")
	if rec.State.Handoff != id {
		t.Fatalf("ticket %q, want still %q", rec.State.Handoff, id)
	}
	w.press("301", "guide.claim:"+id, "claim")
	w.out(message.SMS, number)
	retried := message.Inbound{Channel: message.Telegram, Address: "301", MsgID: "dup", Input: flow.Input{Kind: flow.Text, Text: "once"}}
	for range 2 {
		if _, err := w.svc.Handle(w.ctx, retried); err != nil {
			t.Fatal(err)
		}
	}
	if got := w.out(message.SMS, number); len(got) != 1 || got[0] != "once" {
		t.Fatalf("a retried guide message reached the participant as %q", got)
	}
}

// tick moves the clock on by d and delivers what is due.
func (w *world) tick(d time.Duration) {
	w.t.Helper()
	w.clock.Advance(d)
	if _, err := w.runner.DeliverTicks(w.ctx); err != nil {
		w.t.Fatal(err)
	}
}

// TestSilentGuideIsRemindedThenReleased: a guide who answers keeps the ticket; one
// who goes quiet for the guide timeout is reminded, and as long again gives the
// ticket back to the queue, with the participant and the other guides told.
func TestSilentGuideIsRemindedThenReleased(t *testing.T) {
	w := newWorld(t)
	w.guide("401", "ar")
	w.guide("402", "ar")
	const number = "+46701110004"
	id := w.asks(number)
	w.press("401", "guide.claim:"+id, "claim")
	w.out(message.Telegram, "401")
	w.out(message.Telegram, "402")
	w.out(message.SMS, number)
	w.tick(20 * time.Minute)
	w.text(message.Telegram, "401", "I am looking into it")
	w.out(message.SMS, number)
	w.tick(20 * time.Minute) // 40 minutes after the claim, 20 after the answer
	if got := w.out(message.Telegram, "401"); len(got) != 0 {
		t.Fatalf("a guide who answered 20 minutes ago was reminded: %q", got)
	}
	w.tick(11 * time.Minute) // 31 minutes after the answer
	if got := first(w.out(message.Telegram, "401")); !strings.HasPrefix(got, "Request #"+id+" has waited 30 minutes for your answer.") {
		t.Fatalf("reminder: %q", got)
	}
	w.tick(31 * time.Minute)
	if got := first(w.out(message.Telegram, "401")); got != "Request #"+id+" is back in the queue." {
		t.Fatalf("after the second silence: %q", got)
	}
	w.backInQueue(id, "402")
}

// TestBlockedGuideGivesTheTicketBack: the outbox found the guide has blocked the bot;
// the participant's next message sends the ticket back to the queue.
func TestBlockedGuideGivesTheTicketBack(t *testing.T) {
	w := newWorld(t)
	w.guide("501", "ar")
	w.guide("502", "ar")
	const number = "+46701110005"
	id := w.asks(number)
	w.press("501", "guide.claim:"+id, "claim")
	w.out(message.Telegram, "502")
	w.out(message.SMS, number)
	if err := w.env.Store.Suppress(w.ctx, "guide:501", message.Blocked); err != nil {
		t.Fatal(err)
	}
	w.text(message.SMS, number, "هل أنت هنا؟")
	if got := first(w.out(message.SMS, number)); !strings.HasPrefix(got, w.env.Catalog.Render("ar", flow.Message{ID: "handoff.released"})) {
		t.Fatalf("participant: %q", got)
	}
	w.backInQueue(id, "502")
}

// TestCoordinatorsAndSeveralTickets: a coordinator invites a guide from Telegram
// and lists the guides; a plain guide may not; a guide holding two requests picks
// which one their words go to; removing a guide gives their requests back.
func TestCoordinatorsAndSeveralTickets(t *testing.T) {
	w := newWorld(t)
	code, err := w.env.Store.CreateInvite(w.ctx, handoff.RoleCoordinator, handoff.InviteTTL)
	if err != nil {
		t.Fatal(err)
	}
	w.text(message.Telegram, "600", "/guide "+code)
	w.out(message.Telegram, "600")
	w.text(message.Telegram, "600", "/invite")
	got := first(w.out(message.Telegram, "600"))
	if !strings.HasPrefix(got, "A one-time code for a new guide") {
		t.Fatalf("/invite: %q", got)
	}
	invited := strings.TrimSuffix(strings.Fields(strings.SplitN(got, "7 days: ", 2)[1])[0], ".")
	w.text(message.Telegram, "601", "/guide "+invited)
	w.press("601", "guide.languages", "ar")
	w.out(message.Telegram, "601")
	w.text(message.Telegram, "601", "/guides")
	if got := first(w.out(message.Telegram, "601")); got != "Only a coordinator can do that." {
		t.Fatalf("a guide's /guides: %q", got)
	}
	w.text(message.Telegram, "600", "/guides")
	if got := first(w.out(message.Telegram, "600")); !strings.Contains(got, "G601, guide: العربية (601)") || !strings.Contains(got, "G600, coordinator") {
		t.Fatalf("/guides: %q", got)
	}
	one, two := "+46701110006", "+46701110007"
	a, b := w.asks(one), w.asks(two)
	w.press("601", "guide.claim:"+a, "claim")
	w.press("601", "guide.claim:"+b, "claim")
	w.out(message.Telegram, "601")
	w.out(message.SMS, one)
	w.out(message.SMS, two)
	w.text(message.Telegram, "601", "to the second")
	if got := w.out(message.SMS, two); len(got) != 1 || got[0] != "to the second" {
		t.Fatalf("the last claimed gets the words: %q", got)
	}
	w.text(message.Telegram, "601", "/tickets")
	items := w.out(message.Telegram, "601")
	if len(items) != 2 || !strings.HasPrefix(items[0], "#"+a+": العربية") || !strings.Contains(items[0], "1. Write to this one") ||
		strings.Contains(items[1], "Write to this one") {
		t.Fatalf("/tickets: %q", items)
	}
	w.press("601", "guide.switch:"+a, "switch")
	w.out(message.Telegram, "601")
	w.text(message.Telegram, "601", "to the first")
	if got := w.out(message.SMS, one); len(got) != 1 || got[0] != "to the first" {
		t.Fatalf("after switching: %q", got)
	}
	w.text(message.Telegram, "600", "/remove 601")
	if got := first(w.out(message.Telegram, "600")); !strings.HasPrefix(got, "G601 is no longer a guide.") {
		t.Fatalf("/remove: %q", got)
	}
	for _, id := range []string{a, b} {
		w.open(id, "the ticket of a removed guide")
	}
	w.text(message.Telegram, "601", "/done")
	if got := first(w.out(message.Telegram, "601")); !strings.HasPrefix(got, "Hello! I am guidebot.") {
		t.Fatalf("a removed guide is a participant again, greeted by the flows: %q", got)
	}
}

// BenchmarkRequestToAnnouncement: a participant asks for a person; the time until
// the announcement reaches a guide at the fake Bot API, through the bot, the
// commit, the outbox and the Telegram sender (real Redis, limits lifted). Reports
// p50_ms and p99_ms.
func BenchmarkRequestToAnnouncement(b *testing.B) {
	clock := func() time.Time { return time.Now() }
	env := bottest.New(b, clock)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := handoff.New(env.Store, env.Bot, env.Catalog, handoff.Options{DefaultLang: "sv", Now: clock, Log: log})
	svc.Register(env.Bot)
	fake := telegramtest.New(b, "1:bench")
	tg, err := telegram.New(config.Telegram{Token: "1:bench", APIURL: fake.URL, Mode: "polling"}, "", svc, env.Catalog, clock, log)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := env.Store.Outbox(ctx, message.Telegram, "bench")
	if err != nil {
		b.Fatal(err)
	}
	d := outbox.New(stream, tg.Sender(), env.Store, outbox.Options{Channel: message.Telegram, Limits: tg.Limits(), Log: log})
	go d.Run(ctx)
	code, err := env.Store.CreateInvite(ctx, handoff.RoleGuide, handoff.InviteTTL)
	if err != nil {
		b.Fatal(err)
	}
	in := func(from string, input flow.Input, id string) {
		if _, err := svc.Handle(ctx, message.Inbound{Channel: message.Telegram, Address: from, MsgID: id, Input: input, Name: "G"}); err != nil {
			b.Fatal(err)
		}
	}
	in("7000", flow.Input{Kind: flow.Text, Text: "/guide " + code, Lang: "en"}, "g1")
	in("7000", flow.Input{Kind: flow.Button, Step: "guide.languages", Option: "ar"}, "g2")
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		from := fmt.Sprintf("%d", 800000+i)
		// A participant in Arabic at the menu, then the request.
		in(from, flow.Input{Kind: flow.Text, Text: "hi", Lang: "ar"}, from+"a")
		in(from, flow.Input{Kind: flow.Text, Text: "3"}, from+"b")
		before := announcements(fake)
		start := time.Now()
		in(from, flow.Input{Kind: flow.Text, Text: "5"}, from+"c")
		for announcements(fake) == before {
			time.Sleep(50 * time.Microsecond)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99_ms")
}

// announcements counts the announcements the fake Bot API accepted for guide 7000.
func announcements(fake *telegramtest.Server) int {
	n := 0
	for _, c := range fake.Sent() {
		if c.Params["chat_id"] == "7000" && strings.HasPrefix(c.Params["text"], "New request #") {
			n++
		}
	}
	return n
}

// TestClaimInTheGuidesChat: the request is announced in the guides' group chat with
// a Claim button too; a guide pressing it there claims it, someone who is not a
// guide pressing it changes nothing, and no group action reaches the flows.
func TestClaimInTheGuidesChat(t *testing.T) {
	const group = "-1001234"
	w := newWorldWith(t, group)
	w.guide("701", "ar")
	const number = "+46701110008"
	id := w.asks(number)
	if got := first(w.out(message.Telegram, group)); !strings.Contains(got, "Ny fråga #"+id) || !strings.Contains(got, "1. Ta den") {
		t.Fatalf("the guides' chat: %q", got)
	}
	press := func(sender string) {
		w.msgs++
		in := message.Inbound{Channel: message.Telegram, Address: group, Sender: sender, MsgID: fmt.Sprintf("m%d", w.msgs),
			Input: flow.Input{Kind: flow.Button, Step: "guide.claim:" + id, Option: "claim"}}
		if _, err := w.svc.Handle(w.ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	w.out(message.Telegram, "701") // the direct announcement
	press("555")                   // not a guide
	w.open(id, "a non-guide claimed in the group")
	press("701")
	if tk, _ := w.env.Store.Ticket(w.ctx, id); tk.Status != store.TicketClaimed || tk.Guide != "701" {
		t.Fatalf("claim in the group: %+v", tk)
	}
	if got := first(w.out(message.Telegram, "701")); !strings.HasPrefix(got, "Request #"+id+" is yours") {
		t.Fatalf("the guide who claimed in the group: %q", got)
	}
	if _, err := w.env.Bot.Handle(w.ctx, message.Inbound{Channel: message.Telegram, Address: group, Sender: "555",
		Input: flow.Input{Kind: flow.Text, Text: "hi"}}); err != nil {
		t.Fatal(err)
	}
	if rec, _ := w.env.Store.Load(w.ctx, message.ParticipantID(message.Telegram, group), ""); rec.Version != 0 {
		t.Fatalf("the group became a participant: %+v", rec)
	}
}

// TestDoneTicksThePlan: at /done the guide picks the outcome, then ticks the plan
// items they helped with; those leave the participant's plan, who is taken back
// to the flows and asked for feedback.
func TestDoneTicksThePlan(t *testing.T) {
	w := newWorld(t)
	w.guide("801", "ar")
	const number = "+46701110009"
	w.text(message.SMS, number, "مرحبا") // Arabic: the menu in Arabic
	id := message.ParticipantID(message.SMS, number)
	rec, err := w.env.Store.Load(w.ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	rec.State.Plan = []string{"bills", "eid"}
	if _, err := w.env.Store.Commit(w.ctx, store.Commit{ID: id, Version: rec.Version, State: rec.State}); err != nil {
		t.Fatal(err)
	}
	w.text(message.SMS, number, "5")
	rec, _ = w.env.Store.Load(w.ctx, id, "")
	ticket := rec.State.Handoff
	w.press("801", "guide.claim:"+ticket, "claim")
	w.text(message.Telegram, "801", "/done")
	w.out(message.Telegram, "801")
	w.out(message.SMS, number)
	w.press("801", "guide.done:"+ticket, "solved")
	got := first(w.out(message.Telegram, "801"))
	if !strings.HasPrefix(got, "Which items of their plan did you help with?") || !strings.Contains(got, "1. Paying bills and internet bank\n2. BankID or other e-ID\n3. Finish") {
		t.Fatalf("plan question: %q", got)
	}
	w.press("801", "guide.plan:"+ticket, "bills")
	if got := first(w.out(message.Telegram, "801")); !strings.Contains(got, "Ticked: Paying bills and internet bank") {
		t.Fatalf("after ticking: %q", got)
	}
	w.press("801", "guide.plan:"+ticket, "finish")
	if got := first(w.out(message.Telegram, "801")); got != "Request #"+ticket+" is closed. Thank you!" {
		t.Fatalf("finish: %q", got)
	}
	rec, _ = w.env.Store.Load(w.ctx, id, "")
	if len(rec.State.Plan) != 1 || rec.State.Plan[0] != "eid" || rec.State.Handoff != "" || rec.State.Step != "feedback.rate" {
		t.Fatalf("participant after /done: plan %v, ticket %q, at %s", rec.State.Plan, rec.State.Handoff, rec.State.Step)
	}
	if tk, _ := w.env.Store.Ticket(w.ctx, ticket); tk.Outcome != "solved" {
		t.Fatalf("ticket %+v", tk)
	}
}

// TestPhotosReachTheGuide: a Telegram participant's photo sent before the claim
// reaches the guide with the claim, as a photo; one sent while the guide talks is
// relayed as a photo too.
func TestPhotosReachTheGuide(t *testing.T) {
	w := newWorld(t)
	w.guide("901", "en")
	const chat = "9900"
	w.in(message.Telegram, chat, flow.Input{Kind: flow.Text, Text: "hi", Lang: "en"})
	w.in(message.Telegram, chat, flow.Input{Kind: flow.Text, Text: "2"})
	w.msgs++
	photo := message.Inbound{Channel: message.Telegram, Address: chat, MsgID: fmt.Sprintf("m%d", w.msgs),
		Input: flow.Input{Kind: flow.Media}, Media: &message.Media{Kind: "photo", FileID: "AgAC-bill"}}
	if _, err := w.svc.Handle(w.ctx, photo); err != nil {
		t.Fatal(err)
	}
	w.in(message.Telegram, chat, flow.Input{Kind: flow.Text, Text: "guide"})
	rec, _ := w.env.Store.Load(w.ctx, message.ParticipantID(message.Telegram, chat), "")
	w.out(message.Telegram, "901")
	w.press("901", "guide.claim:"+rec.State.Handoff, "claim")
	media := w.media("901")
	if len(media) != 1 || media[0].FileID != "AgAC-bill" {
		t.Fatalf("media with the claim: %+v", media)
	}
	photo.MsgID, photo.Media = "again", &message.Media{Kind: "photo", FileID: "AgAC-letter"}
	if _, err := w.svc.Handle(w.ctx, photo); err != nil {
		t.Fatal(err)
	}
	if media := w.media("901"); len(media) != 1 || media[0].FileID != "AgAC-letter" {
		t.Fatalf("media relayed: %+v", media)
	}
}

// media lists the photos and files in the Telegram outbox to chat since the last
// call of media or out.
func (w *world) media(to string) []message.Media {
	w.t.Helper()
	var got []message.Media
	for _, m := range w.fresh(message.Telegram, to) {
		if m.Media != nil {
			got = append(got, *m.Media)
		}
	}
	return got
}

// TestHoursChooseWhoHears: at 10:00 a request is announced to the guide whose
// hours hold it, not to the one who starts at 18; with nobody in their hours, all
// who speak the language hear of it and the participant is told nobody is free.
func TestHoursChooseWhoHears(t *testing.T) {
	w := newWorld(t)
	w.clock.Advance(time.Hour) // 10:00 UTC, the zone of this test
	w.guide("1001", "ar")
	w.guide("1002", "ar")
	w.text(message.Telegram, "1001", "/hours 9-17")
	if got := first(w.out(message.Telegram, "1001")); got != "You get requests between 09:00 and 17:00 (UTC). /hours off: at any time." {
		t.Fatalf("/hours: %q", got)
	}
	w.text(message.Telegram, "1002", "/hours 18-22")
	w.text(message.Telegram, "1002", "/hours soon")
	if got := w.out(message.Telegram, "1002"); len(got) != 2 || !strings.HasPrefix(got[1], "Write /hours 9-17") {
		t.Fatalf("/hours answers: %q", got)
	}
	w.asks("+46701110010")
	if got := w.out(message.Telegram, "1001"); len(got) != 1 {
		t.Fatalf("the guide in their hours: %q", got)
	}
	if got := w.out(message.Telegram, "1002"); len(got) != 0 {
		t.Fatalf("the guide out of their hours heard: %q", got)
	}
	w.text(message.Telegram, "1001", "/hours 12-14")
	w.out(message.Telegram, "1001")
	const late = "+46701110011"
	w.text(message.SMS, late, "مرحبا") // Arabic: the menu in Arabic
	w.text(message.SMS, late, "5")
	replies := w.out(message.SMS, late)
	got := replies[len(replies)-1]
	if nobody := w.env.Catalog.Render("ar", flow.Message{ID: "handoff.nobody"}); !strings.HasPrefix(got, nobody) {
		t.Fatalf("with nobody in their hours: %q", got)
	}
	if len(w.out(message.Telegram, "1001")) != 1 || len(w.out(message.Telegram, "1002")) != 1 {
		t.Fatal("with nobody in their hours, not every guide who speaks the language heard")
	}
}

// open checks ticket id waits in the queue, unclaimed.
func (w *world) open(id, why string) {
	w.t.Helper()
	if tk, _ := w.env.Store.Ticket(w.ctx, id); tk.Status != store.TicketOpen {
		w.t.Fatalf("%s: ticket %+v", why, tk)
	}
}

// backInQueue checks ticket id is open again and announced to guide as new.
func (w *world) backInQueue(id, guide string) {
	w.t.Helper()
	if got := first(w.out(message.Telegram, guide)); !strings.Contains(got, "New request #"+id) {
		w.t.Fatalf("guide %s was not offered the request: %q", guide, got)
	}
	w.open(id, "back in the queue")
}
