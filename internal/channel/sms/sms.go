package sms

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twilio/twilio-go/client"

	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/config"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/outbox"
)

// Routes the adapter answers, below the public URL Twilio calls.
const (
	InboundPath = "/sms/inbound"
	StatusPath  = "/sms/status"
)

// Handler handles one inbound message; *bot.Bot is one.
type Handler interface {
	Handle(ctx context.Context, in message.Inbound) (duplicate bool, err error)
}

// OptOutHandler is a Handler that wants to know when a number opts out (STOP), to
// end what was under way for it: a guide talking to the participant is told.
type OptOutHandler interface {
	OptedOut(ctx context.Context, participant string) error
}

// Store is what the SMS channel keeps in Redis; *store.Store satisfies it.
type Store interface {
	Suppress(ctx context.Context, id, reason string) error
	Unsuppress(ctx context.Context, id string) error
	Suppressed(ctx context.Context, id string) (string, error)
	Enqueue(ctx context.Context, channel string, msg message.Outbound) error
	Remember(ctx context.Context, id, providerID string) (bool, error)
	SetRecord(ctx context.Context, key string, rank int, fields map[string]string, ttlSeconds int) (bool, error)
	// Language is the participant's language, "" when unknown.
	Language(ctx context.Context, id string) (string, error)
}

// Texts renders replies and lists the keywords; *i18n.Catalog satisfies it.
type Texts interface {
	channel.Renderer
	Languages() []string
	Message(lang, id string) (string, bool)
}

// The channel's own notices; every locale has them.
const (
	msgStopped = "sms.stopped"
	msgStarted = "sms.started"
	msgHelp    = "sms.help"
)

// SessionsPerReply is how many guidance sessions one SMS lists: one, with its venue
// and address, fits three UCS-2 parts in every language; a senior reads on with
// "More sessions".
const SessionsPerReply = 1

// PartsBudget is the most parts one reply may take: `guidebot check` holds every
// reply the flows can send to it, and a longer list of options goes out a page at a
// time within it.
const PartsBudget = 3

// Fits says whether a reply, rendered as this channel sends it, takes at most
// budget parts; the flow engine pages long option lists with it.
func Fits(r channel.Renderer, budget int) flow.Fits {
	return func(reply flow.Reply) bool {
		_, parts := Segments(channel.PlainText(r, message.Outbound{Reply: reply}))
		return parts <= budget
	}
}

// sendTimeout bounds one REST call, so a hung send is given up and retried.
const sendTimeout = 10 * time.Second

// maxIdleConns is the keep-alive connections kept to Twilio's API: the outbox calls
// it in parallel.
const maxIdleConns = 64

// Adapter is the SMS channel: the two webhooks and the outbox sender.
type Adapter struct {
	cfg         config.Twilio
	publicURL   string
	h           Handler
	st          Store
	texts       Texts
	defaultLang string
	now         func() time.Time
	log         *slog.Logger
	validator   client.RequestValidator
	rest        *restClient
	segments    *prometheus.CounterVec
	truncated   prometheus.Counter
	stopLangs   map[string][]string // normalised keyword.stop word → the locales that list it
}

// New returns the SMS channel. publicURL is the externally visible base URL that
// Twilio's signatures are computed over; now is the clock; reg receives the
// guidebot_sms_segments_total counter (nil: not registered).
func New(cfg config.Twilio, publicURL string, h Handler, st Store, texts Texts, defaultLang string,
	now func() time.Time, log *slog.Logger, reg prometheus.Registerer) (*Adapter, error) {
	switch {
	case cfg.AccountSID == "" || cfg.AuthToken == "":
		return nil, errors.New("sms: the Twilio account SID and auth token are required")
	case cfg.From == "" && cfg.MessagingServiceSID == "":
		return nil, errors.New("sms: a sender (TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID) is required")
	case h == nil || st == nil || texts == nil:
		return nil, errors.New("sms: handler, store and texts are required")
	}
	publicURL = strings.TrimRight(publicURL, "/")
	if u, err := url.Parse(publicURL); err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("sms: public URL %q must be absolute: Twilio signs requests over it", publicURL)
	}
	for _, id := range []string{msgStopped, msgStarted, msgHelp} {
		if _, ok := texts.Message(defaultLang, id); !ok {
			return nil, fmt.Errorf("sms: default language %q has no message %s", defaultLang, id)
		}
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	rest, err := newRESTClient(cfg.APIURL, cfg.AccountSID, cfg.AuthToken)
	if err != nil {
		return nil, err
	}
	segs, err := segmentCounter(reg)
	if err != nil {
		return nil, err
	}
	truncated, err := truncatedCounter(reg)
	if err != nil {
		return nil, err
	}
	return &Adapter{
		cfg:         cfg,
		publicURL:   publicURL,
		h:           h,
		st:          st,
		texts:       texts,
		defaultLang: defaultLang,
		now:         now,
		log:         log,
		validator:   client.NewRequestValidator(cfg.AuthToken),
		rest:        rest,
		segments:    segs,
		truncated:   truncated,
		stopLangs:   keywordLangs(texts, "keyword.stop"),
	}, nil
}

func segmentCounter(reg prometheus.Registerer) (*prometheus.CounterVec, error) {
	c, err := outbox.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "guidebot_sms_segments_total",
		Help: "SMS segments sent (what Twilio bills), by encoding: GSM-7 or UCS-2.",
	}, []string{"encoding"}))
	if err != nil {
		return nil, err
	}
	// Both series exist from the start, so a dashboard shows 0 rather than nothing.
	c.WithLabelValues(GSM7)
	c.WithLabelValues(UCS2)
	return c, nil
}

// truncatedCounter is guidebot_sms_truncated_total: messages cut to SMS_MAX_PARTS.
func truncatedCounter(reg prometheus.Registerer) (prometheus.Counter, error) {
	return outbox.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
		Name: "guidebot_sms_truncated_total",
		Help: "SMS messages cut to SMS_MAX_PARTS parts (a guide's or a match's long words).",
	}))
}

// keywordLangs maps each normalised word of a comma-separated keyword list to the
// locales (in the catalog's order) that list it.
func keywordLangs(texts Texts, id string) map[string][]string {
	out := map[string][]string{}
	for _, lang := range texts.Languages() {
		list, ok := texts.Message(lang, id)
		if !ok {
			continue
		}
		for _, w := range strings.Split(list, ",") {
			if n := flow.Normalize(strings.TrimSpace(w)); n != "" && !slices.Contains(out[n], lang) {
				out[n] = append(out[n], lang)
			}
		}
	}
	return out
}

// keyword is what a whole message means to the SMS channel before the flow sees it.
type keyword uint8

const (
	noKeyword keyword = iota
	optOut
	optIn
	yes // opts in only while opted out; otherwise an answer for the flow
	help
)

// classify matches a normalised message against Twilio's standard keywords and the
// locales' own words; langs are the locales that list the word (none for Twilio's
// standard words, which are every language's).
func (a *Adapter) classify(word string) (kw keyword, langs []string) {
	switch word {
	case "":
		return noKeyword, nil
	case "stop", "stopall", "unsubscribe", "cancel", "end", "quit":
		return optOut, nil
	case "start", "unstop":
		return optIn, nil
	case "yes":
		return yes, nil
	case "help", "info":
		return help, nil
	}
	if langs, ok := a.stopLangs[word]; ok {
		return optOut, langs
	}
	return noKeyword, nil
}

// noticeLang chooses the language of a keyword's answer: the participant's own when
// the word is Twilio's standard one or one of their language's (Persian توقف is
// Arabic's too), else the language of the word they used, else the default.
func (a *Adapter) noticeLang(own string, langs []string) string {
	if own != "" && a.texts != nil && (len(langs) == 0 || slices.Contains(langs, own)) {
		if _, ok := a.texts.Message(own, msgStopped); ok {
			return own
		}
	}
	return a.pickLang(langs)
}

// pickLang chooses the language of a notice among the locales whose keyword matched,
// for a number whose language is not known. The default language wins a tie, and
// English comes last because its lists borrow words (stopp) from others.
func (a *Adapter) pickLang(langs []string) string {
	if len(langs) == 0 || slices.Contains(langs, a.defaultLang) {
		return a.defaultLang
	}
	for _, l := range langs {
		if l != "en" {
			return l
		}
	}
	return langs[0]
}

// mask hides the middle of a phone number for logs: +46701234567 → +4670*****67.
func mask(number string) string {
	if len(number) <= 7 {
		return strings.Repeat("*", len(number))
	}
	return number[:5] + strings.Repeat("*", len(number)-7) + number[len(number)-2:]
}
