package flow

// State is everything the engine knows of one participant; the store keeps it as one
// record. Times are Unix seconds, which keeps the record small in Redis.
type State struct {
	ID       string            `json:"id"`
	Channel  string            `json:"ch,omitempty"`
	Address  string            `json:"ad,omitempty"`
	Lang     string            `json:"l,omitempty"`
	Step     string            `json:"s,omitempty"`
	Misses   int               `json:"m,omitempty"`
	Deadline int64             `json:"d,omitempty"`
	Vars     map[string]string `json:"v,omitempty"`
	Profile  map[string]string `json:"pr,omitempty"`
	Plan     []string          `json:"pl,omitempty"`
	Feedback []Feedback        `json:"fb,omitempty"`
	Created  int64             `json:"c,omitempty"`
	LastSeen int64             `json:"ls,omitempty"`

	// Bookings and Pending are kept beside the record (a booking claims a seat that
	// others share, and a reminder is sent while the participant is elsewhere), so
	// they are not part of its JSON; the store fills them in on load.
	Bookings []Booking `json:"-"`
	// Pending is the booking key of the last reminder sent and not yet answered:
	// the next "1" or "2" answers it, wherever the conversation is.
	Pending string `json:"-"`
	// Handoff is the participant's open ticket for a guide, "" for none; Relay says
	// a guide has claimed it: what the participant writes goes to the guide, and the
	// flows wait until the guide is done.
	Handoff string `json:"-"`
	Relay   bool   `json:"-"`
}

// Booking is a seat the participant holds, as they read it.
type Booking struct {
	Key   string      `json:"k"`
	Start int64       `json:"t"` // Unix seconds; a booking is open until it starts
	Line  SessionLine `json:"l"`
	// Reminders and Ticks are the ids of its reminders and follow-ups, so a cancel
	// removes them.
	Reminders []string `json:"r,omitempty"`
	Ticks     []string `json:"f,omitempty"`
}

// Booked returns the open booking with key, if the participant holds it.
func (s State) Booked(key string) (Booking, bool) {
	for _, b := range s.Bookings {
		if b.Key == key {
			return b, true
		}
	}
	return Booking{}, false
}

// Feedback is one rating with its optional comment, as given.
type Feedback struct {
	At      int64  `json:"t"`
	Rating  string `json:"r"`
	Comment string `json:"c,omitempty"`
	Lang    string `json:"l,omitempty"`
}

// maxFeedback caps the feedback kept on the profile; reports read the feedback stream.
const maxFeedback = 20

// InputKind says what arrived.
type InputKind uint8

const (
	// Text is a typed message.
	Text InputKind = iota
	// Button is a pressed inline button that names the step it was shown at.
	Button
	// Media is a photo, voice message, document, sticker or location: nothing to read.
	Media
	// Tick is the scheduler's nudge: it only fires timeouts.
	Tick
	// Result is the outcome of an effect the step awaits (a booking: ok, full, …),
	// named by Option; the bot feeds it back in the same turn.
	Result
)

// Input is one thing the participant did.
type Input struct {
	Kind   InputKind
	Text   string
	Step   string // Button: the step the button belongs to
	Option string // Button: the option id
	Lang   string // a language hint from the channel (Telegram's language_code)
}

// Reply is what one input makes the bot say: one message per channel.
type Reply struct {
	Lang    string    `json:"l"`
	Texts   []Message `json:"t,omitempty"`
	Options []Choice  `json:"o,omitempty"`
	// Step is the step the options belong to, so a button can name it.
	Step string `json:"s,omitempty"`
}

// Empty reports whether there is nothing to send.
func (r Reply) Empty() bool { return len(r.Texts) == 0 && len(r.Options) == 0 }

// Message is one localised message to render.
type Message struct {
	ID     string            `json:"id"`
	Params map[string]string `json:"p,omitempty"`
	Refs   map[string]string `json:"r,omitempty"`
	Count  *int              `json:"n,omitempty"`
}

// Choice is one option as shown: Label is a message id rendered in Lang when set,
// with Params and Refs as a Message has them.
type Choice struct {
	ID     string            `json:"id"`
	Label  string            `json:"lb"`
	Lang   string            `json:"l,omitempty"`
	Params map[string]string `json:"p,omitempty"`
	Refs   map[string]string `json:"r,omitempty"`
}

// Effect is work outside the state that the bot service carries out.
type Effect struct {
	Kind string            // handoff, feedback, forget, book, cancel, confirm
	Args map[string]string // resolved arguments
	// Await: the step waits for the outcome, which the bot feeds back as a Result.
	Await bool
}
