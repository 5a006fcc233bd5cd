package booking_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/flows"
	"github.com/guidebot/guidebot/internal/booking"
	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/i18n"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/remind"
	"github.com/guidebot/guidebot/internal/schedule"
	"github.com/guidebot/guidebot/internal/store"
	"github.com/guidebot/guidebot/internal/store/storetest"
	"github.com/guidebot/guidebot/locales"
	"github.com/guidebot/guidebot/schedules"
)

// senior is one SMS participant talking to the whole service but the HTTP layer:
// the shipped flows and locales, the sample schedule, a real Redis, the booking
// effects and the reminder runner, on a clock the test moves.
type senior struct {
	t       *testing.T
	ctx     context.Context
	now     time.Time
	st      *store.Store
	rdb     redis.UniversalClient
	prefix  string
	bot     *bot.Bot
	effects *booking.Effects
	runner  *remind.Runner
	cat     *i18n.Catalog
	sched   *schedule.Holder
	file    []byte // what the schedule holder reads
	outbox  *store.OutboxReader
	number  string
	id      string
	msgs    int
	replies []string
}

func newSenior(t *testing.T, now time.Time) *senior {
	t.Helper()
	ctx := context.Background()
	rdb, prefix := storetest.Redis(t)
	st := store.New(rdb, store.Options{Prefix: prefix})
	cat, err := i18n.Load(locales.Files, "sv")
	if err != nil {
		t.Fatal(err)
	}
	fl, err := flow.Load(flows.Files)
	if err != nil {
		t.Fatal(err)
	}
	s := &senior{t: t, ctx: ctx, now: now, st: st, rdb: rdb, prefix: prefix, cat: cat, number: "+46701234567", file: schedules.Sample}
	sched, err := schedule.NewHolder(schedules.SampleName, func() ([]byte, error) { return s.file, nil })
	if err != nil {
		t.Fatal(err)
	}
	s.sched = sched
	clock := func() time.Time { return s.now }
	eng, err := flow.New(fl, cat, flow.Config{DefaultLang: "sv", Sessions: sched, SessionsShown: map[string]int{message.SMS: 1}})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s.bot = bot.New(eng, st, clock, log)
	s.effects = booking.New(sched, st, 0)
	s.effects.Register(s.bot)
	if s.runner, err = remind.NewRunner(st, remind.Ticks{Source: st, Handler: s.bot}, []string{message.SMS}, clock, log, prometheus.NewRegistry()); err != nil {
		t.Fatal(err)
	}
	if s.outbox, err = st.Outbox(ctx, message.SMS, "test"); err != nil {
		t.Fatal(err)
	}
	s.id = message.ParticipantID(message.SMS, s.number)
	return s
}

// send is one SMS from the senior; it returns what reached the outbox since.
func (s *senior) send(text string) []string {
	s.t.Helper()
	s.msgs++
	in := message.Inbound{Channel: message.SMS, Address: s.number, MsgID: "SM" + strings.Repeat("0", 30) + string(rune('A'+s.msgs)),
		Input: flow.Input{Kind: flow.Text, Text: text}, Reachable: true}
	if _, err := s.bot.Handle(s.ctx, in); err != nil {
		s.t.Fatalf("%q: %v", text, err)
	}
	return s.drain()
}

// drain renders the outbox's new messages as the SMS channel sends them.
func (s *senior) drain() []string {
	s.t.Helper()
	entries, err := s.outbox.Read(s.ctx, 100, -1)
	if err != nil {
		s.t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		var m message.Outbound
		if err := json.Unmarshal([]byte(e.Payload), &m); err != nil {
			s.t.Fatal(err)
		}
		if m.To != s.number {
			s.t.Fatalf("a message to %q", m.To)
		}
		out = append(out, channel.PlainText(s.cat, m))
		if err := s.outbox.Done(s.ctx, e.ID); err != nil {
			s.t.Fatal(err)
		}
	}
	return out
}

// tick moves the clock to at and runs the reminder runner once, as cron does.
func (s *senior) tick(at time.Time) []string {
	s.t.Helper()
	s.now = at
	if _, _, err := s.runner.Tick(s.ctx); err != nil {
		s.t.Fatal(err)
	}
	return s.drain()
}

// stream reads a stream's payloads, as the reports will.
func (s *senior) stream(name string) ([]string, error) {
	entries, err := s.st.Entries(s.ctx, name)
	var out []string
	for _, e := range entries {
		out = append(out, e.Payload)
	}
	return out, err
}

// bookFirst greets in a language (Swedish "hej", English "hi"), opens the sessions
// from the menu and books the one shown first.
func (s *senior) bookFirst(greeting string) flow.Booking {
	s.t.Helper()
	s.send(greeting)
	s.send("8")
	s.send("1")
	bs := s.bookings()
	if len(bs) != 1 {
		s.t.Fatalf("booked %d sessions, want 1", len(bs))
	}
	return bs[0]
}

// released checks that b's seat and every reminder are gone (after a cancel,
// "forget me" or a called-off date).
func (s *senior) released(b flow.Booking, why string) {
	s.t.Helper()
	if n, _ := s.st.Roster(s.ctx, b.Key); n != 0 {
		s.t.Fatalf("roster %d after %s", n, why)
	}
	if n, _ := s.st.PendingReminders(s.ctx); n != 0 {
		s.t.Fatalf("%d reminders left after %s", n, why)
	}
}

func (s *senior) bookings() []flow.Booking {
	rec, err := s.st.Load(s.ctx, s.id, "")
	if err != nil {
		s.t.Fatal(err)
	}
	return rec.State.Bookings
}

// TestSeniorBooksBySMSAndAnswersTheReminders: a senior on SMS lists the sessions,
// books by numbers, gets the day-before reminder naming place and time, confirms
// with "1", goes on with something else, gets the second reminder and cancels with
// "2": the seat is free at once and no reminder is left.
func TestSeniorBooksBySMSAndAnswersTheReminders(t *testing.T) {
	// Wednesday 2 December 2026, noon in Karlskoga.
	s := newSenior(t, time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC))
	s.send("hej") // Swedish: the menu
	listed := s.send("8")
	if len(listed) != 1 || !strings.Contains(listed[0], "1. Boka den\n2. Fler träffar") {
		t.Fatalf("the sessions list: %q", listed)
	}
	session := strings.Split(listed[0], "\n")[1]
	booked := s.send("1")
	if len(booked) != 1 || !strings.HasPrefix(booked[0], "Du är bokad.") || !strings.Contains(booked[0], session) {
		t.Fatalf("booking: %q", booked)
	}
	bs := s.bookings()
	if len(bs) != 1 {
		t.Fatalf("bookings %+v", bs)
	}
	b := bs[0]
	found, ok := s.sched.Find(b.Key, s.now)
	if !ok {
		t.Fatalf("%s is not in the schedule", b.Key)
	}
	if n, _ := s.st.Roster(s.ctx, b.Key); n != 1 {
		t.Fatalf("roster %d", n)
	}
	start := found.Occurrences[0].Start
	due := remind.Due(start, found.Reminders, found.Quiet, s.now)
	if len(due) != 2 {
		t.Fatalf("reminders due %v for a session at %v", due, start)
	}
	if early := s.tick(due[0].Add(-time.Minute)); len(early) != 0 {
		t.Fatalf("a reminder before it is due: %q", early)
	}
	first := s.tick(due[0])
	loc := start.Location()
	want := "Påminnelse: " + "lördag " + start.Format("2") + " december kl. " + start.In(loc).Format("15:04") + ", " + b.Line.Venue
	if len(first) != 1 || !strings.HasPrefix(first[0], want) || !strings.HasSuffix(first[0], "1. Ja, jag kommer\n2. Nej, avboka") {
		t.Fatalf("first reminder: %q, want it to begin %q and offer 1 and 2", first, want)
	}
	if got := s.send("1"); len(got) != 1 || got[0] != "Tack! Vi ses där." {
		t.Fatalf("answering 1: %q", got)
	}
	// The answer is used up: the next "1" is the menu's, wherever they are.
	s.send("meny")
	if got := s.send("1"); len(got) != 1 || strings.Contains(got[0], "Tack") {
		t.Fatalf("a second 1 answered the reminder again: %q", got)
	}
	second := s.tick(due[1])
	if len(second) != 1 || !strings.HasPrefix(second[0], "Påminnelse: ") {
		t.Fatalf("second reminder: %q", second)
	}
	if got := s.send("2"); len(got) != 1 || got[0] != "Din bokning är avbokad. Tack för att du sa till." {
		t.Fatalf("answering 2: %q", got)
	}
	s.released(b, "the cancel")
	if bs := s.bookings(); len(bs) != 0 {
		t.Fatalf("bookings after the cancel: %+v", bs)
	}
	if n, _ := s.st.PendingTicks(s.ctx); n != 0 {
		t.Fatalf("%d follow-ups left of a cancelled booking", n)
	}
}

// TestFollowUpTheDayAfter: the morning after the session the scheduler's tick asks
// the senior how it went, wherever the conversation was; the answer is feedback
// about the session. A second delivery of the same tick (a replica that died after
// handling it) asks nothing twice.
func TestFollowUpTheDayAfter(t *testing.T) {
	s := newSenior(t, time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC))
	b := s.bookFirst("hej")
	found, _ := s.sched.Find(b.Key, s.now)
	end := found.Occurrences[0].End
	if n, _ := s.st.PendingTicks(s.ctx); n != 1 {
		t.Fatalf("%d follow-ups scheduled, want 1", n)
	}
	s.send("min plan") // the conversation moves on
	s.now = end.Add(12 * time.Hour)
	if n, err := s.runner.DeliverTicks(s.ctx); err != nil || n != 0 {
		t.Fatalf("delivered %d (%v) the evening of the session", n, err)
	}
	s.tick(end.Add(12 * time.Hour)) // the reminders were due before the session: out of the way
	morning := time.Date(end.Year(), end.Month(), end.Day()+1, 10, 0, 0, 0, end.Location())
	s.now = morning
	if n, err := s.runner.DeliverTicks(s.ctx); err != nil || n != 1 {
		t.Fatalf("delivered %d (%v) the morning after", n, err)
	}
	got := s.drain()
	if len(got) != 1 || got[0] != "Du träffade en guide i går. Fick du den hjälp du behövde?\n1. Ja\n2. Nej" {
		t.Fatalf("follow-up %q", got)
	}
	if got := s.send("1"); len(got) != 1 || !strings.HasPrefix(got[0], "Vad roligt att höra.") {
		t.Fatalf("answer: %q", got)
	}
	fb, err := s.stream("feedback")
	if err != nil || len(fb) != 1 || !strings.Contains(fb[0], `"about":"session"`) || !strings.Contains(fb[0], `"rating":"yes"`) {
		t.Fatalf("feedback %v %v", fb, err)
	}
	if n, _ := s.st.PendingTicks(s.ctx); n != 0 {
		t.Fatalf("%d ticks left after delivery", n)
	}
}

// TestForgetMeTakesTheBookings: "forget me" frees the seat and removes the reminders.
func TestForgetMeTakesTheBookings(t *testing.T) {
	s := newSenior(t, time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC))
	b := s.bookFirst("hej")
	s.send("glöm mig")
	s.send("ja")
	s.released(b, "forget me")
}

// TestCoordinatorCallsOffASession: the coordinator adds a booked date to
// `cancelled` and the schedule reloads: the senior is told in their language, with
// the session's next meeting, the seat and reminders go, and a second replica doing
// the same tells nobody twice.
func TestCoordinatorCallsOffASession(t *testing.T) {
	s := newSenior(t, time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC))
	b := s.bookFirst("hi")
	if b.Key != "library-saturday@2026-12-05T11:00" {
		t.Fatalf("booked %s; the test calls off the library's Saturday", b.Key)
	}
	if n, err := s.effects.CallOff(s.ctx, s.st, s.now); err != nil || n != 0 {
		t.Fatalf("nothing cancelled yet: told %d, %v", n, err)
	}
	s.file = []byte(strings.Replace(string(schedules.Sample), "cancelled: [2026-12-26]", "cancelled: [2026-12-05, 2026-12-26]", 1))
	if err := s.sched.Reload(); err != nil {
		t.Fatal(err)
	}
	n, err := s.effects.CallOff(s.ctx, s.st, s.now)
	if err != nil || n != 1 {
		t.Fatalf("told %d, %v; want 1", n, err)
	}
	got := s.drain()
	want := "Sorry, the organisers have cancelled this session, and your booking with it:\n" + strings.Split(got[0], "\n")[1] +
		"\nThe next one is here. Write menu to book it:\nSaturday 12 December, 11:00-14:00: Karlskoga bibliotek, Bibliotekstorget 1, Karlskoga"
	if len(got) != 1 || got[0] != want || !strings.HasPrefix(strings.Split(got[0], "\n")[1], "Saturday 5 December") {
		t.Fatalf("notice %q, want %q", got, want)
	}
	s.released(b, "the call-off")
	if n, err := s.effects.CallOff(s.ctx, s.st, s.now); err != nil || n != 0 || len(s.drain()) != 0 {
		t.Fatalf("a second run told %d again (%v)", n, err)
	}
}
