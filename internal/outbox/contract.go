package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/store"
)

// Sender delivers one message on its channel: the contract every channel adapter
// speaks. It paces nothing and writes nothing: the dispatcher keeps the pace and
// records what an error says. nil means the provider accepted the message; a
// *RetryError asks for another try; an *UnreachableError says the recipient cannot
// be reached; any other error drops the message.
type Sender interface {
	Send(ctx context.Context, msg message.Outbound) error
}

// IDSender is a Sender whose provider names each message it accepts (Telegram's
// message_id), so a tracked message can be edited later.
type IDSender interface {
	SendID(ctx context.Context, msg message.Outbound) (providerID string, err error)
}

// Tracker keeps the provider ids of tracked messages (message.Outbound.Track) per
// recipient, for later edits; *store.Store is one.
type Tracker interface {
	Track(ctx context.Context, key, to, providerID string) error
	Tracked(ctx context.Context, key, to string) (string, error)
}

// Limits are a channel's pace: at most Rate sends a second over all recipients (0:
// no cap), and at least Pace(to) between two sends to one recipient (nil or 0: none);
// and its cost guard: at most DailyCost a day to one recipient, each message costing
// Cost(msg) (an SMS's parts). The channel's own notices (System: an opt-out
// confirmation) are never held back. 0 or nil: no guard.
type Limits struct {
	Rate      float64
	Pace      func(to string) time.Duration
	DailyCost int
	Cost      func(msg message.Outbound) int
}

// Spender keeps what each recipient was sent today against a cap; *store.Store is one.
type Spender interface {
	// Spend adds cost to id's spending on day unless that would pass limit, and
	// says whether it did.
	Spend(ctx context.Context, id, day string, cost, limit int) (bool, error)
}

// RetryError asks for the message to be tried again, not before After (0: the
// dispatcher's backoff). Everyone holds every recipient for After: the provider
// said the whole account or bot is over its limit.
type RetryError struct {
	After    time.Duration
	Everyone bool
	Err      error
}

func (e *RetryError) Error() string { return fmt.Sprintf("retry after %s: %v", e.After, e.Err) }
func (e *RetryError) Unwrap() error { return e.Err }

// Retry wraps err as transient for this recipient.
func Retry(after time.Duration, err error) error { return &RetryError{After: after, Err: err} }

// RetryEveryone wraps err as a limit that holds every recipient for after.
func RetryEveryone(after time.Duration, err error) error {
	return &RetryError{After: after, Everyone: true, Err: err}
}

// UnreachableError says the recipient cannot be reached (blocked the bot, opted out at
// the provider): the dispatcher suppresses the participant for Reason and drops what
// is queued for them.
type UnreachableError struct {
	Reason string // message.Blocked, message.OptedOut
	Err    error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("unreachable (%s): %v", e.Reason, e.Err)
}
func (e *UnreachableError) Unwrap() error { return e.Err }

// Unreachable wraps err as the recipient's refusal for reason.
func Unreachable(reason string, err error) error { return &UnreachableError{Reason: reason, Err: err} }

// Counter keeps the programme's figures; *store.Store is one. The outbox counts
// the deliveries of messages that name a figure (message.Outbound.Figure).
type Counter interface {
	Count(ctx context.Context, month string, events ...store.Event) error
}
