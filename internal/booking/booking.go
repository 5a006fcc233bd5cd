package booking

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/schedule"
	"github.com/guidebot/guidebot/internal/store"
)

// DefaultMaxOpen is how many open bookings one participant may hold, so nobody
// hoards the seats of a small drop-in.
const DefaultMaxOpen = 5

// eventStream counts bookings, cancellations and confirmations for the reports,
// without the participant's id, so the counts outlive "forget me".
const eventStream = "bookings"

// Sessions finds what a booking key names in the schedule in force, and the next
// meeting of its session.
type Sessions interface {
	Find(key string, now time.Time) (schedule.Bookable, bool)
	Following(key string, now time.Time) (flow.SessionLine, bool)
}

// Seats keeps the bookings; *store.Store is one.
type Seats interface {
	Book(ctx context.Context, r store.BookingRequest) (store.Outcome, error)
	CancelBooking(ctx context.Context, participant string, b flow.Booking) (bool, error)
}

// Effects carries out the booking effects.
type Effects struct {
	sessions Sessions
	seats    Seats
	maxOpen  int
}

// New returns the booking effects; maxOpen ≤ 0 means DefaultMaxOpen.
func New(sessions Sessions, seats Seats, maxOpen int) *Effects {
	if maxOpen <= 0 {
		maxOpen = DefaultMaxOpen
	}
	return &Effects{sessions: sessions, seats: seats, maxOpen: maxOpen}
}

// Register makes b carry out book, cancel and confirm with e.
func (e *Effects) Register(b *bot.Bot) {
	b.HandleEffect("book", e.book)
	b.HandleEffect("cancel", e.cancel)
	b.HandleEffect("confirm", e.confirm)
}

// The outcomes the flows branch on besides the store's.
const (
	outcomeGone = "gone" // the key names nothing to come: cancelled, begun, or unknown
	outcomeNone = "none" // a cancel of a booking the participant does not hold
	outcomeOK   = "ok"
)

// event is one line of the bookings stream.
func event(t *bot.Turn, kind, key string) store.Append {
	b, _ := json.Marshal(map[string]string{"event": kind, "session": key, "lang": t.State.Lang,
		"channel": t.In.Channel, "at": strconv.FormatInt(t.Now.Unix(), 10)}) // strings always encode
	return store.Append{Stream: eventStream, Payload: string(b)}
}

// record keeps a booking event in the event stream and counts it for the
// programme's figures (booking, cancellation, confirmation) by session, language
// and channel.
func record(t *bot.Turn, kind, key string) {
	t.Commit.Appends = append(t.Commit.Appends, event(t, kind, key))
	session, _, _ := strings.Cut(key, "@") // a drop-in's date is not a figure's
	t.Counts = append(t.Counts, store.Event{Name: figures[kind], Dims: map[string]string{
		"session": session, "lang": message.LangLabel(t.State.Lang), "channel": t.In.Channel}})
}

// ReminderFigure is the figure a reminder's delivery counts in (the outbox counts
// reminder_delivered and reminder_failed).
const ReminderFigure = "reminder"

// figures names the programme's figure each booking event counts in.
var figures = map[string]string{"book": "booking", "cancel": "cancellation", "confirm": "confirmation"}
