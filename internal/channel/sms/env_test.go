package sms_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/bot/bottest"
	"github.com/guidebot/guidebot/internal/channel/sms"
	"github.com/guidebot/guidebot/internal/channel/sms/smstest"
	"github.com/guidebot/guidebot/internal/clocktest"
	"github.com/guidebot/guidebot/internal/config"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/handoff"
	"github.com/guidebot/guidebot/internal/i18n"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/outbox"
	"github.com/guidebot/guidebot/internal/store"
	"github.com/guidebot/guidebot/internal/store/storetest"
)

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "0123456789abcdef0123456789abcdef"
	publicURL  = "https://bot.example.org"
	botNumber  = "+46769436151"
)

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is the SMS channel wired as in production: real Redis, the real bot on the
// shipped flows and locales, the fake Twilio behind the REST client.
type env struct {
	t      testing.TB
	ctx    context.Context
	rdb    redis.UniversalClient
	prefix string
	st     *store.Store
	cat    *i18n.Catalog
	fake   *smstest.Server
	a      *sms.Adapter
	web    *httptest.Server
	w      *outbox.Dispatcher
	clock  *clocktest.Clock
	reg    *prometheus.Registry
	logs   *syncBuffer
	guides *handoff.Service // the handoff, as serve wires it: guides register there
}

type envOption func(*envConfig)

type envConfig struct {
	twilio  config.Twilio
	handler sms.Handler
}

func withHandler(h sms.Handler) envOption { return func(c *envConfig) { c.handler = h } }

func withDailyParts(n int) envOption { return func(c *envConfig) { c.twilio.DailyParts = n } }

func withMessagingService(sid string) envOption {
	return func(c *envConfig) { c.twilio.From, c.twilio.MessagingServiceSID = "", sid }
}

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	ctx := context.Background()
	clk := clocktest.New(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	be := bottest.New(t, clk.Now)
	rdb, prefix, st, cat := be.Redis, be.Prefix, be.Store, be.Catalog
	fake := smstest.NewServer(t, accountSID, authToken)
	fake.SetClock(clk.Now)
	cfg := envConfig{
		twilio:  config.Twilio{AccountSID: accountSID, AuthToken: authToken, From: botNumber, APIURL: fake.URL, Rate: 1},
		handler: be.Handoff, // as serve wires it: the handoff routes to the bot
	}
	for _, o := range opts {
		o(&cfg)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	reg := prometheus.NewRegistry()
	a, err := sms.New(cfg.twilio, publicURL, cfg.handler, st, cat, "sv", clk.Now, log, reg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(sms.InboundPath, a.Inbound())
	mux.Handle(sms.StatusPath, a.Status())
	web := httptest.NewServer(mux)
	t.Cleanup(web.Close)
	reader, err := st.Outbox(ctx, message.SMS, "test")
	if err != nil {
		t.Fatal(err)
	}
	// The outbox logs into the same buffer as the adapter, so tests see all it says.
	w := outbox.New(reader, a.Sender(), st, outbox.Options{Channel: message.SMS, Limits: a.Limits(),
		Now: clk.Now, Sleep: clk.Sleep, Log: log, Spender: st, Figures: st})
	return &env{t: t, ctx: ctx, rdb: rdb, prefix: prefix, st: st, cat: cat, fake: fake, a: a,
		web: web, w: w, clock: clk, reg: reg, logs: logs, guides: be.Handoff}
}

// inbound is Twilio's incoming-message form for one SMS.
func inbound(from, sid, body string) url.Values {
	return url.Values{
		"ToCountry": {"SE"}, "SmsMessageSid": {sid}, "NumMedia": {"0"}, "SmsSid": {sid},
		"SmsStatus": {"received"}, "Body": {body}, "FromCountry": {"SE"}, "To": {botNumber},
		"NumSegments": {"1"}, "MessageSid": {sid}, "AccountSid": {accountSID}, "From": {from},
		"ApiVersion": {"2010-04-01"},
	}
}

// post sends a form to path, signed as Twilio signs it.
func (e *env) post(path string, form url.Values) *http.Response {
	e.t.Helper()
	return e.do(smstest.Webhook(e.web.URL+path, publicURL+path, authToken, form))
}

func (e *env) do(req *http.Request) *http.Response {
	e.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(body))
	return res
}

// sid returns a new MessageSid: "SM" and 32 random hex digits, as Twilio's.
func sid() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "SM" + hex.EncodeToString(b)
}

// say delivers one SMS from a number and expects the empty TwiML answer.
func (e *env) say(from, body string) {
	e.t.Helper()
	e.sayAs(from, sid(), body)
}

func (e *env) sayAs(from, msgSid, body string) {
	e.t.Helper()
	res := e.post(sms.InboundPath, inbound(from, msgSid, body))
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		e.t.Fatalf("inbound %q: %d %s", body, res.StatusCode, b)
	}
}

// drain sends what is in the outbox; sent returns the bodies one number got so far.
func (e *env) drain() {
	e.t.Helper()
	if err := e.w.Drain(e.ctx); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) sent(number string) []string { return e.fake.MessagesTo(number) }

// exchange says body and returns the messages it made the bot send.
func (e *env) exchange(from, body string) []string {
	e.t.Helper()
	before := len(e.sent(from))
	e.say(from, body)
	e.drain()
	return e.sent(from)[before:]
}

func (e *env) render(lang, id string) string {
	return e.cat.Render(lang, flow.Message{ID: id})
}

// outboxLen is the number of entries in the SMS outbox stream.
func (e *env) outboxLen() int64 {
	entries, err := e.st.Entries(e.ctx, store.Outbox(message.SMS))
	if err != nil {
		e.t.Fatal(err)
	}
	return int64(len(entries))
}

// keys lists this test's Redis keys, to prove that a request stored nothing.
func (e *env) keys() []string {
	return storetest.Keys(e.t, e.rdb, e.prefix)
}

// segments reads guidebot_sms_segments_total for one encoding.
func (e *env) segments(encoding string) float64 {
	e.t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "guidebot_sms_segments_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "encoding" && l.GetValue() == encoding {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	e.t.Fatalf("no guidebot_sms_segments_total{encoding=%q}", encoding)
	return 0
}

// start is a new participant's first message: the name of their language, which
// the bot recognises, so it greets them in it and shows the menu.
func (e *env) start(from, lang string) []string {
	e.t.Helper()
	name, ok := e.cat.Message(lang, "language.name")
	if !ok {
		e.t.Fatalf("no language %s", lang)
	}
	return e.exchange(from, name)
}

// choose answers with an option's label as the participant reads it, which works
// whatever page of a long list the option is on.
func (e *env) choose(from, lang, label string) []string {
	e.t.Helper()
	return e.exchange(from, e.render(lang, label))
}
