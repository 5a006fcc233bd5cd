package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/bot/bottest"
	"github.com/guidebot/guidebot/internal/channel/telegram/telegramtest"
	"github.com/guidebot/guidebot/internal/clocktest"
	"github.com/guidebot/guidebot/internal/config"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/i18n"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/outbox"
	"github.com/guidebot/guidebot/internal/store"
)

const (
	testToken  = "7012345678:AAE-test_token-Xyz"
	testSecret = "hook-secret_0123456789"
	testPublic = "https://bot.example.org"
	// fixtureChat is the chat (and user) id in testdata/.
	fixtureChat = "5123456789"
)

// env is the real bot on real Redis behind an adapter talking to a fake Bot API.
type env struct {
	t      testing.TB
	ctx    context.Context
	fake   *telegramtest.Server
	st     *store.Store
	cat    *i18n.Catalog
	bot    *bot.Bot
	a      *Adapter
	w      *outbox.Dispatcher
	clock  *clocktest.Clock
	reader *store.OutboxReader
	logs   *bytes.Buffer
}

type envOption func(*config.Telegram, *envSettings)

type envSettings struct {
	handler func(Handler) Handler
	texts   func(*i18n.Catalog) Texts
}

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, ctx: ctx, clock: newFakeClock(), logs: &bytes.Buffer{}}
	e.fake = telegramtest.New(t, testToken)
	be := bottest.New(t, e.clock.Now)
	e.st, e.cat, e.bot = be.Store, be.Catalog, be.Bot
	cat := be.Catalog
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := config.Telegram{
		Token: testToken, APIURL: e.fake.URL, Mode: modeWebhook, WebhookSecret: testSecret,
		Rate: 30, ChatRate: 1,
	}
	var set envSettings
	for _, o := range opts {
		o(&cfg, &set)
	}
	var h Handler = e.bot
	if set.handler != nil {
		h = set.handler(h)
	}
	var texts Texts = cat
	if set.texts != nil {
		texts = set.texts(cat)
	}
	logger := slog.New(slog.NewTextHandler(&syncWriter{w: e.logs}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a, err := New(cfg, testPublic, h, texts, e.clock.Now, logger)
	if err != nil {
		t.Fatal(err)
	}
	a.sleep = e.clock.Sleep
	e.a = a
	e.reader, err = e.st.Outbox(ctx, message.Telegram, "test")
	if err != nil {
		t.Fatal(err)
	}
	e.w = outbox.New(e.reader, a.Sender(), e.st, outbox.Options{Channel: message.Telegram, Limits: a.Limits(),
		Now: e.clock.Now, Sleep: e.clock.Sleep, Log: quiet})
	return e
}

// syncWriter lets the adapter log from several goroutines into one buffer.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// post sends a webhook request; secret "" sends no secret header.
func (e *env) post(body []byte, secret string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodPost, WebhookPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set(secretHeader, secret)
	}
	rec := httptest.NewRecorder()
	e.a.Webhook().ServeHTTP(rec, req)
	return rec
}

// mustPost posts with the right secret and expects 200.
func (e *env) mustPost(body []byte) {
	e.t.Helper()
	if rec := e.post(body, testSecret); rec.Code != http.StatusOK {
		e.t.Fatalf("webhook: %d %s", rec.Code, rec.Body)
	}
}

// drain delivers the outbox and returns the sendMessage calls it made.
func (e *env) drain() []telegramtest.Call {
	e.t.Helper()
	before := len(e.fake.Sent())
	if err := e.w.Drain(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	return e.fake.Sent()[before:]
}

// render is a message in lang as the participant reads it.
func (e *env) render(lang, id string) string {
	return e.cat.Render(lang, flow.Message{ID: id})
}

// state is the stored conversation of a chat; Version 0 means none.
func (e *env) state(chat string) store.Record {
	e.t.Helper()
	rec, err := e.st.Load(e.ctx, message.ParticipantID(message.Telegram, chat), "")
	if err != nil {
		e.t.Fatal(err)
	}
	return rec
}

// fixture reads testdata/name.json.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixtureAs is a fixture with another update_id and chat (and user) id.
func fixtureAs(t testing.TB, name string, updateID int64, chat string) []byte {
	t.Helper()
	b := bytes.ReplaceAll(fixture(t, name), []byte(fixtureChat), []byte(chat))
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m["update_id"] = json.RawMessage(strconv.FormatInt(updateID, 10))
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// withData is a callback_query update pressing a button with other callback data.
func withData(t testing.TB, b []byte, data string) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	m["callback_query"].(map[string]any)["data"] = data
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// keyboard decodes a sendMessage's reply_markup.
func keyboardOf(t testing.TB, c telegramtest.Call) telegramtest.Keyboard {
	t.Helper()
	var kb telegramtest.Keyboard
	if err := c.JSON("reply_markup", &kb); err != nil {
		t.Fatalf("reply_markup: %v (params %v)", err, c.Params)
	}
	return kb
}

func buttonsOf(kb telegramtest.Keyboard) []telegramtest.Button {
	var out []telegramtest.Button
	for _, row := range kb.InlineKeyboard {
		out = append(out, row...)
	}
	return out
}

func contains(t testing.TB, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Fatalf("text %q does not contain %q", got, want)
	}
}

func newFakeClock() *clocktest.Clock {
	return clocktest.New(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
}
