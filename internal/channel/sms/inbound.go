package sms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
)

// maxBody bounds a webhook body; Twilio's form posts are a few kilobytes.
const maxBody = 1 << 20

// emptyTwiML answers an inbound message without replying in-band: replies go out by
// REST through the outbox, where they are rate limited and retried.
const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response/>`

// statusTTL is how long a delivery status is kept.
const statusTTL = 7 * 24 * 60 * 60

// Twilio's error codes: "Attempt to send to unsubscribed recipient", and its 429.
const (
	errOptedOut        = 21610
	errTooManyRequests = 20429
)

// Inbound is the handler for POST /sms/inbound, Twilio's incoming-message webhook.
func (a *Adapter) Inbound() http.Handler { return http.HandlerFunc(a.inbound) }

// Status is the handler for POST /sms/status, Twilio's status callback.
func (a *Adapter) Status() http.Handler { return http.HandlerFunc(a.status) }

func (a *Adapter) inbound(w http.ResponseWriter, r *http.Request) {
	form, ok := a.verify(w, r, InboundPath)
	if !ok {
		return
	}
	sid := first(form, "MessageSid", "SmsSid")
	if sid == "" {
		http.Error(w, "MessageSid is missing", http.StatusBadRequest)
		return
	}
	if err := a.receive(r.Context(), sid, form); err != nil {
		// Nothing was committed: a 5xx makes Twilio (or the operator's retry
		// policy) deliver it again, and the MessageSid dedupes a repeat.
		a.log.Error("sms inbound failed", "req", sid, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Write([]byte(emptyTwiML))
}

// verify reads the form and checks Twilio's signature over publicURL+path, writing
// the error answer itself when it returns false.
func (a *Adapter) verify(w http.ResponseWriter, r *http.Request, path string) (url.Values, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil, false
	}
	if r.ContentLength > maxBody {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return nil, false
		}
		http.Error(w, "malformed form", http.StatusBadRequest)
		return nil, false
	}
	sig := r.Header.Get("X-Twilio-Signature")
	// Twilio signs the URL it was configured with, query string included, which is
	// not what this replica sees behind a proxy: hence the public URL.
	signed := a.publicURL + path
	if r.URL.RawQuery != "" {
		signed += "?" + r.URL.RawQuery
	}
	params := make(map[string]string, len(r.PostForm))
	for k, v := range r.PostForm {
		params[k] = v[0]
	}
	if sig == "" || !a.validator.Validate(signed, params, sig) {
		a.log.Warn("sms webhook with a missing or bad signature", "path", path, "remote", r.RemoteAddr)
		http.Error(w, "forbidden", http.StatusForbidden)
		return nil, false
	}
	return r.PostForm, true
}

// receive handles one verified inbound message. Keywords are the channel's own
// business and never reach the flow; while a number is opted out nothing else does.
func (a *Adapter) receive(ctx context.Context, sid string, form url.Values) error {
	from, ok := flow.E164(form.Get("From"))
	if !ok {
		// A short code, an alphanumeric sender or another channel's address: nothing
		// this channel can answer. Twilio needs no retry, so it is not an error.
		a.log.Warn("sms from a sender that is not a phone number; ignored", "req", sid)
		return nil
	}
	id := message.ParticipantID(message.SMS, from)
	body := form.Get("Body")
	kw, langs := a.classify(flow.Normalize(strings.TrimSpace(body)))
	reason, lang := "", ""
	if kw != noKeyword {
		// Keywords depend on whether the number is opted out and are answered in the
		// participant's language; other messages leave both to the bot's own read of
		// the participant (two round trips fewer).
		var err error
		if reason, err = a.st.Suppressed(ctx, id); err != nil {
			return fmt.Errorf("sms: %w", err)
		}
		own, err := a.st.Language(ctx, id)
		if err != nil {
			return fmt.Errorf("sms: %w", err)
		}
		lang = a.noticeLang(own, langs)
	}
	switch {
	case kw == optOut:
		a.log.Info("sms opt-out", "from", mask(from), "req", sid, "lang", lang)
		// Suppress before anything else: the opt-out must hold even when the
		// confirmation cannot be queued.
		if err := a.st.Suppress(ctx, id, message.OptedOut); err != nil {
			return fmt.Errorf("sms: opt out: %w", err)
		}
		if h, ok := a.h.(OptOutHandler); ok {
			if err := h.OptedOut(ctx, id); err != nil {
				return fmt.Errorf("sms: opt out: %w", err)
			}
		}
		if reason == message.OptedOut {
			return nil // confirmed before; one confirmation is enough
		}
		return a.notice(ctx, id, from, sid, lang, msgStopped)
	case kw == optIn || (kw == yes && reason != ""):
		a.log.Info("sms opt-in", "from", mask(from), "req", sid)
		if err := a.st.Unsuppress(ctx, id); err != nil {
			return fmt.Errorf("sms: opt in: %w", err)
		}
		return a.notice(ctx, id, from, sid, lang, msgStarted)
	case kw == help:
		// Answered even while opted out: carriers require HELP to work always.
		a.log.Info("sms help", "from", mask(from), "req", sid, "lang", lang)
		return a.notice(ctx, id, from, sid, lang, msgHelp)
	}
	// Record nothing for an opted-out number: its messages must not queue replies that
	// would go out the moment it writes START.
	in := message.Inbound{Channel: message.SMS, Address: from, MsgID: sid, OnlyIfNotSuppressed: true,
		Input: flow.Input{Kind: flow.Text, Text: body}}
	if m := media(form); m != nil {
		in.Media = m
		if strings.TrimSpace(body) == "" {
			in.Input.Kind = flow.Media
		}
	}
	dup, err := a.h.Handle(ctx, in)
	if err != nil {
		return fmt.Errorf("sms: %w", err)
	}
	a.log.Info("sms handled", "from", mask(from), "req", sid, "duplicate", dup)
	return nil
}

// notice queues one of the channel's own messages, once per MessageSid. It is marked
// System so that it goes out even to a suppressed number (the opt-out confirmation).
func (a *Adapter) notice(ctx context.Context, id, to, sid, lang, msgID string) error {
	fresh, err := a.st.Remember(ctx, id, sid)
	if err != nil {
		return fmt.Errorf("sms: %w", err)
	}
	if !fresh {
		return nil
	}
	out := message.Outbound{To: to, Participant: id, System: true,
		Reply: flow.Reply{Lang: lang, Texts: []flow.Message{{ID: msgID}}}}
	if err := a.st.Enqueue(ctx, message.SMS, out); err != nil {
		return fmt.Errorf("sms: %w", err)
	}
	return nil
}

// media describes the first attachment of an MMS, for the transcript.
func media(form url.Values) *message.Media {
	n, _ := strconv.Atoi(form.Get("NumMedia"))
	if n <= 0 {
		return nil
	}
	kind := "document"
	switch ct := form.Get("MediaContentType0"); {
	case strings.HasPrefix(ct, "image/"):
		kind = "photo"
	case strings.HasPrefix(ct, "audio/"):
		kind = "voice"
	case strings.HasPrefix(ct, "video/"):
		kind = "video"
	case ct == "text/vcard" || ct == "text/x-vcard":
		kind = "contact"
	}
	return &message.Media{Kind: kind, FileID: form.Get("MediaUrl0")}
}

func (a *Adapter) status(w http.ResponseWriter, r *http.Request) {
	form, ok := a.verify(w, r, StatusPath)
	if !ok {
		return
	}
	sid := first(form, "MessageSid", "SmsSid")
	status := first(form, "MessageStatus", "SmsStatus")
	if sid == "" || status == "" || len(sid) > 64 || len(status) > 32 {
		http.Error(w, "MessageSid and MessageStatus are required", http.StatusBadRequest)
		return
	}
	code := form.Get("ErrorCode")
	ctx := r.Context()
	fields := map[string]string{"status": status, "error_code": code, "at": strconv.FormatInt(a.now().Unix(), 10)}
	if _, err := a.st.SetRecord(ctx, "sms:status:"+sid, statusRank(status), fields, statusTTL); err != nil {
		a.log.Error("sms status not recorded", "sid", sid, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	to, _ := flow.E164(form.Get("To"))
	switch status {
	case "failed", "undelivered":
		a.log.Warn("sms not delivered", "sid", sid, "to", mask(to), "status", status, "error_code", code)
	default:
		a.log.Debug("sms status", "sid", sid, "status", status)
	}
	// With a Messaging Service an opt-out can surface only here, after the send.
	if code == strconv.Itoa(errOptedOut) && to != "" {
		if err := a.st.Suppress(ctx, message.ParticipantID(message.SMS, to), message.OptedOut); err != nil {
			a.log.Error("sms opt-out from status not recorded", "sid", sid, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

// statusRank orders Twilio's message statuses so a late callback cannot undo a
// later one; the final ones (delivered, undelivered, failed, read) rank highest.
func statusRank(status string) int {
	switch status {
	case "accepted", "scheduled", "queued":
		return 1
	case "sending":
		return 2
	case "sent":
		return 3
	case "delivered", "undelivered", "failed", "canceled":
		return 4
	case "read":
		return 5
	}
	return 0
}

// first returns the first non-empty of a form's fields: Twilio sends the legacy
// SmsSid/SmsStatus alongside MessageSid/MessageStatus.
func first(form url.Values, names ...string) string {
	for _, n := range names {
		if v := form.Get(n); v != "" {
			return v
		}
	}
	return ""
}
