package sms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/outbox"
	"github.com/guidebot/guidebot/internal/store"
)

// maxBodyChars is Twilio's limit on one message body; longer bodies are refused (21617).
const maxBodyChars = 1600

// Sender delivers the SMS outbox through Twilio's REST API.
func (a *Adapter) Sender() outbox.Sender { return sender{a} }

type sender struct{ a *Adapter }

// Send sends one reply. A failure worth retrying (5xx, 429, network, time-out) comes
// back as an outbox retry; anything else drops the message.
func (s sender) Send(ctx context.Context, msg channel.Outbound) error {
	a := s.a
	to, ok := flow.E164(msg.To)
	if !ok {
		return fmt.Errorf("sms: %q is not a phone number", mask(msg.To))
	}
	id := msg.Participant
	if id == "" {
		id = channel.ParticipantID(channel.SMS, to)
	}
	body := a.body(msg.Reply)
	if body == "" {
		return nil
	}
	if !msg.System {
		reason, err := a.st.Suppressed(ctx, id)
		if err != nil {
			return outbox.Retry(0, fmt.Errorf("sms: %w", err))
		}
		if reason != "" {
			a.log.Info("sms not sent: recipient opted out", "to", mask(to))
			return nil
		}
	}
	if wait := a.limit.reserve(to, a.now()); wait > 0 {
		if err := a.Sleep(ctx, wait); err != nil {
			// Shutting down: the entry stays unacknowledged and is reclaimed.
			return outbox.Retry(wait, fmt.Errorf("sms: rate limit wait: %w", err))
		}
	}
	params := &openapi.CreateMessageParams{}
	params.SetTo(to).SetBody(body).SetStatusCallback(a.publicURL + StatusPath)
	if a.cfg.MessagingServiceSID != "" {
		// The service picks the sender and applies its own opt-out handling; From
		// too would have to be in its pool, so it is left out.
		params.SetMessagingServiceSid(a.cfg.MessagingServiceSID)
	} else {
		params.SetFrom(a.cfg.From)
	}
	res, err := a.api.CreateMessage(params)
	if err != nil {
		return a.failed(ctx, id, to, err)
	}
	enc, parts := Segments(body)
	a.segments.WithLabelValues(enc).Add(float64(parts))
	sid := ""
	if res.Sid != nil {
		sid = *res.Sid
	}
	a.log.Info("sms sent", "to", mask(to), "sid", sid, "encoding", enc, "parts", parts, "system", msg.System)
	return nil
}

// failed sorts a send error into retry, opt-out or drop.
func (a *Adapter) failed(ctx context.Context, id, to string, err error) error {
	var te *client.TwilioRestError
	if !errors.As(err, &te) {
		// Network errors, time-outs and error bodies that are not Twilio's JSON (a
		// proxy's 502 page): transient as far as anyone can tell.
		return outbox.Retry(0, fmt.Errorf("sms: send: %w", err))
	}
	switch {
	case te.Code == errOptedOut:
		a.log.Info("sms recipient has opted out at Twilio; suppressed", "to", mask(to))
		if serr := a.st.Suppress(ctx, id, store.OptedOut); serr != nil {
			return outbox.Retry(0, fmt.Errorf("sms: suppress after 21610: %w", serr))
		}
		return fmt.Errorf("sms: recipient unsubscribed: %w", err)
	case te.Status == http.StatusTooManyRequests || te.Code == 20429 || te.Status >= 500 || te.Status == 0:
		return outbox.Retry(0, fmt.Errorf("sms: send: %w", err))
	}
	return fmt.Errorf("sms: send refused: %w", err)
}

// body renders a reply as SMS text, cut to Twilio's limit at a line break when it can
// be: a cut reply beats one that Twilio refuses outright.
func (a *Adapter) body(r flow.Reply) string {
	text := channel.PlainText(a.texts, r)
	if utf8.RuneCountInString(text) <= maxBodyChars {
		return text
	}
	cut, n := 0, 0
	for i := range text {
		if n == maxBodyChars {
			cut = i
			break
		}
		n++
	}
	if nl := strings.LastIndexByte(text[:cut], '\n'); nl > cut/2 {
		cut = nl
	}
	a.log.Warn("sms body over 1600 characters; cut", "lang", r.Lang, "step", r.Step)
	return text[:cut]
}

// limiter spaces messages to one number: Twilio and the carriers filter a number
// that gets bursts, and a person reads one message at a time anyway.
type limiter struct {
	gap       time.Duration
	mu        sync.Mutex
	next      map[string]time.Time // number → earliest time of its next message
	lastPrune time.Time
}

func newLimiter(gap time.Duration) *limiter {
	return &limiter{gap: gap, next: map[string]time.Time{}}
}

// reserve books the next slot for number and says how long to wait for it.
func (l *limiter) reserve(number string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastPrune) > time.Minute {
		// Forget numbers whose slot has passed, so the map holds only the last
		// second's recipients however many numbers the service ever sees.
		for n, t := range l.next {
			if !t.After(now) {
				delete(l.next, n)
			}
		}
		l.lastPrune = now
	}
	at := l.next[number]
	if at.Before(now) {
		at = now
	}
	l.next[number] = at.Add(l.gap)
	return at.Sub(now)
}
