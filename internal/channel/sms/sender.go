package sms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/outbox"
)

// maxBodyChars is Twilio's limit on one message body; longer bodies are refused
// (21617), so a longer text goes as several messages.
const maxBodyChars = 1600

// tooManyHold is how long every send waits after Twilio's 429: its limit is on the
// account's concurrent requests, so one refusal speaks for all recipients.
const tooManyHold = time.Second

// Sender delivers the SMS outbox through Twilio's REST API.
func (a *Adapter) Sender() outbox.Sender { return sender{a} }

// Limits space messages to one number (SMS_RATE a second, 1 by default): Twilio and
// the carriers filter a number that gets bursts, and a person reads one message at a
// time anyway.
func (a *Adapter) Limits() outbox.Limits {
	l := outbox.Limits{DailyCost: a.cfg.DailyParts, Cost: a.parts}
	if a.cfg.Rate > 0 {
		gap := time.Duration(float64(time.Second) / a.cfg.Rate)
		l.Pace = func(string) time.Duration { return gap }
	}
	return l
}

// parts is what a message costs: the SMS parts Twilio bills for it.
func (a *Adapter) parts(msg message.Outbound) int {
	text, _ := a.body(msg)
	return partsOf(text)
}

// partsOf counts the parts of text as it is sent: split over Twilio's limit.
func partsOf(text string) int {
	total := 0
	for _, body := range channel.Split(text, maxBodyChars) {
		_, n := Segments(body)
		total += n
	}
	return total
}

// cutMark ends a text cut to SMS_MAX_PARTS: in GSM-7, so cutting a GSM-7 text
// does not make it UCS-2.
const cutMark = "..."

// body is the text msg goes out as: cut to SMS_MAX_PARTS parts (cut says so).
func (a *Adapter) body(msg message.Outbound) (text string, cut bool) {
	text = channel.PlainText(a.texts, msg)
	max := a.cfg.MaxParts
	if max <= 0 || partsOf(text) <= max {
		return text, false
	}
	// The longest beginning that fits with the mark after it.
	runes := []rune(text)
	lo, hi := 0, len(runes)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if partsOf(string(runes[:mid])+cutMark) <= max {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return string(runes[:lo]) + cutMark, true
}

type sender struct{ a *Adapter }

// Send sends one message. A failure worth retrying (5xx, 429, network, time-out) comes
// back as an outbox retry, an opted-out number as outbox.Unreachable; anything else
// drops the message.
func (s sender) Send(ctx context.Context, msg message.Outbound) error {
	a := s.a
	to, ok := flow.E164(msg.To)
	if !ok {
		return fmt.Errorf("sms: %q is not a phone number", mask(msg.To))
	}
	// Over Twilio's limit (a guide's long answer), the text goes as several
	// messages in order; a retry after a failure on a later one resends the
	// earlier ones, which is rare and better than a lost answer.
	text, cut := a.body(msg)
	if cut {
		a.truncated.Inc()
		a.log.Warn("sms cut to SMS_MAX_PARTS", "to", mask(to), "parts", a.cfg.MaxParts, "req", msg.Req)
	}
	for _, body := range channel.Split(text, maxBodyChars) {
		form := url.Values{"To": {to}, "Body": {body}, "StatusCallback": {a.publicURL + StatusPath}}
		if a.cfg.MessagingServiceSID != "" {
			// The service picks the sender and applies its own opt-out handling; From
			// too would have to be in its pool, so it is left out.
			form.Set("MessagingServiceSid", a.cfg.MessagingServiceSID)
		} else {
			form.Set("From", a.cfg.From)
		}
		sid, err := a.rest.createMessage(ctx, form)
		if err != nil {
			return a.failed(to, err)
		}
		enc, parts := Segments(body)
		a.segments.WithLabelValues(enc).Add(float64(parts))
		a.log.Info("sms sent", "to", mask(to), "sid", sid, "encoding", enc, "parts", parts, "system", msg.System, "req", msg.Req)
	}
	return nil
}

// failed sorts a send error into retry, opt-out or drop.
func (a *Adapter) failed(to string, err error) error {
	var re *restError
	if !errors.As(err, &re) {
		// Network errors and time-outs: transient as far as anyone can tell.
		return outbox.Retry(0, fmt.Errorf("sms: send: %w", err))
	}
	switch {
	case re.Code == errOptedOut:
		a.log.Info("sms recipient has opted out at Twilio", "to", mask(to))
		return outbox.Unreachable(message.OptedOut, fmt.Errorf("sms: recipient unsubscribed: %w", err))
	case re.Status == http.StatusTooManyRequests || re.Code == errTooManyRequests:
		return outbox.RetryEveryone(tooManyHold, fmt.Errorf("sms: send: %w", err))
	case re.Status >= http.StatusInternalServerError || re.Code == 0:
		// A server error, or an answer that is not Twilio's JSON (a proxy's page).
		return outbox.Retry(0, fmt.Errorf("sms: send: %w", err))
	}
	return fmt.Errorf("sms: send refused: %w", err)
}
