package telegram

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/guidebot/guidebot/internal/config"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
)

func TestWebhookSecret(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		want   int
	}{
		{"good secret", testSecret, http.StatusOK},
		{"missing secret", "", http.StatusUnauthorized},
		{"wrong secret", "hook-secret_0123456788", http.StatusUnauthorized},
		{"secret prefix", testSecret[:5], http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			rec := e.post(fixture(t, "text_message"), tt.secret)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d", rec.Code, tt.want)
			}
			sent := e.drain()
			stored := e.state(fixtureChat).Version != 0
			if tt.want == http.StatusOK {
				if !stored || len(sent) != 1 {
					t.Fatalf("handled update: stored %v, %d sendMessage", stored, len(sent))
				}
				return
			}
			if stored || len(sent) != 0 || len(e.fake.Calls("")) != 0 {
				t.Fatalf("rejected update left traces: stored %v, calls %v", stored, e.fake.Calls(""))
			}
		})
	}
}

func TestWebhookRejectsAndIgnores(t *testing.T) {
	big := append([]byte(`{"update_id":1,"message":{"text":"`), bytes.Repeat([]byte("a"), maxUpdateBytes)...)
	big = append(big, []byte(`"}}`)...)
	tests := []struct {
		name   string
		method string
		body   []byte
		want   int
	}{
		{"oversize body", http.MethodPost, big, http.StatusRequestEntityTooLarge},
		{"malformed json", http.MethodPost, []byte(`{"update_id": 5, "message": {`), http.StatusBadRequest},
		{"not an object", http.MethodPost, []byte(`[1,2,3]`), http.StatusBadRequest},
		{"edited message", http.MethodPost, fixture(t, "edited_message"), http.StatusOK},
		{"my_chat_member", http.MethodPost, fixture(t, "my_chat_member"), http.StatusOK},
		{"unknown update type", http.MethodPost, []byte(`{"update_id":9,"message_reaction":{"chat":{"id":1,"type":"private"},"message_id":3,"date":1,"old_reaction":[],"new_reaction":[]}}`), http.StatusOK},
		{"group message", http.MethodPost, bytes.ReplaceAll(fixture(t, "text_message"), []byte(`"type": "private"`), []byte(`"type": "group"`)), http.StatusOK},
		{"service message", http.MethodPost, []byte(`{"update_id":10,"message":{"message_id":1,"date":1,"chat":{"id":5123456789,"type":"private"},"pinned_message":{"message_id":2,"date":1,"chat":{"id":5123456789,"type":"private"},"text":"x"}}}`), http.StatusOK},
		{"GET", http.MethodGet, nil, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			req := httptest.NewRequest(tt.method, WebhookPath, bytes.NewReader(tt.body))
			req.Header.Set(secretHeader, testSecret)
			rec := httptest.NewRecorder()
			e.a.Webhook().ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tt.want, rec.Body)
			}
			if e.state(fixtureChat).Version != 0 || len(e.drain()) != 0 {
				t.Fatal("a rejected or ignored update changed the conversation")
			}
		})
	}
}

func TestWebhookDuplicateUpdate(t *testing.T) {
	e := newEnv(t)
	body := fixture(t, "text_message")
	e.mustPost(body)
	e.mustPost(body) // Telegram redelivers when it missed our 200
	if sent := e.drain(); len(sent) != 1 {
		t.Fatalf("%d replies to one update delivered twice, want 1", len(sent))
	}
	if v := e.state(fixtureChat).Version; v != 1 {
		t.Fatalf("state version %d, want 1", v)
	}
}

// flaky fails the first n Handle calls, as when Redis is briefly away.
type flaky struct {
	Handler
	n     int32
	calls atomic.Int32
}

func (f *flaky) Handle(ctx context.Context, in message.Inbound) (bool, error) {
	if f.calls.Add(1) <= f.n {
		return false, errors.New("redis: connection refused")
	}
	return f.Handler.Handle(ctx, in)
}

func TestWebhookHandleErrorIs500(t *testing.T) {
	var fl *flaky
	e := newEnv(t, func(_ *config.Telegram, s *envSettings) {
		s.handler = func(h Handler) Handler { fl = &flaky{Handler: h, n: 1}; return fl }
	})
	body := fixture(t, "text_message")
	if rec := e.post(body, testSecret); rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d on a failed Handle, want 500", rec.Code)
	}
	if len(e.drain()) != 0 {
		t.Fatal("a reply went out for an update that was not handled")
	}
	e.mustPost(body) // Telegram's retry
	if len(e.drain()) != 1 {
		t.Fatal("the retried update was not answered")
	}
}

func TestConversation(t *testing.T) {
	e := newEnv(t)
	e.mustPost(fixture(t, "text_message"))
	sent := e.drain()
	if len(sent) != 1 {
		t.Fatalf("%d messages for hello, want 1", len(sent))
	}
	first := sent[0]
	if first.Params["chat_id"] != fixtureChat {
		t.Fatalf("chat_id %q", first.Params["chat_id"])
	}
	// language_code "en" picks English for a new participant.
	contains(t, first.Params["text"], e.render("en", "welcome.hello"))
	contains(t, first.Params["text"], e.render("en", "language.choose"))
	buttons := buttonsOf(keyboardOf(t, first))
	if len(buttons) != len(e.cat.Languages()) {
		t.Fatalf("%d buttons, want one per language (%d)", len(buttons), len(e.cat.Languages()))
	}
	var datas []string
	for _, b := range buttons {
		datas = append(datas, b.CallbackData)
	}
	if !slices.Contains(datas, "welcome.language|sv") {
		t.Fatalf("callback data %v lack welcome.language|sv", datas)
	}
	for _, b := range buttons {
		if b.CallbackData == "welcome.language|sv" && b.Text != e.render("sv", "language.name") {
			t.Fatalf("sv button reads %q", b.Text)
		}
	}

	// Press "Svenska" (the fixture's callback data).
	rec := e.post(fixture(t, "callback_query"), testSecret)
	// The press is acknowledged in the webhook's response, not by a call of its own.
	want := `{"method":"answerCallbackQuery","callback_query_id":"2200421975631895512"}`
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != want ||
		rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("webhook answered %d %q (%s), want %s", rec.Code, rec.Body, rec.Header().Get("Content-Type"), want)
	}
	if n := len(e.fake.Calls("answerCallbackQuery")); n != 0 {
		t.Fatalf("%d answerCallbackQuery calls besides the webhook's answer", n)
	}
	sent = e.drain()
	if len(sent) != 1 {
		t.Fatalf("%d messages after the press, want 1", len(sent))
	}
	contains(t, sent[0].Params["text"], e.render("sv", "language.set"))
	contains(t, sent[0].Params["text"], e.render("sv", "menu.intro"))
	menu := buttonsOf(keyboardOf(t, sent[0]))
	if len(menu) == 0 || !strings.HasPrefix(menu[0].CallbackData, flow.HomeStep+"|") {
		t.Fatalf("main menu buttons %v", menu)
	}
	if menu[0].Text != e.render("sv", "menu.option.intake") {
		t.Fatalf("menu label %q not in Swedish", menu[0].Text)
	}
}

func TestStaleButton(t *testing.T) {
	e := newEnv(t)
	e.mustPost(fixture(t, "text_message"))
	e.drain()
	// A button of a menu shown long ago; the participant is at the language choice.
	rec := e.post(withData(t, fixture(t, "callback_query"), "cards.bills1|next"), testSecret)
	if !strings.Contains(rec.Body.String(), `"method":"answerCallbackQuery"`) {
		t.Fatalf("a stale button was not answered: %q", rec.Body)
	}
	sent := e.drain()
	if len(sent) != 1 {
		t.Fatalf("%d messages, want 1", len(sent))
	}
	contains(t, sent[0].Params["text"], e.render("en", "common.expired"))
	contains(t, sent[0].Params["text"], e.render("en", "language.choose"))
	if n := len(buttonsOf(keyboardOf(t, sent[0]))); n != len(e.cat.Languages()) {
		t.Fatalf("the current step's %d buttons were not shown again (got %d)", len(e.cat.Languages()), n)
	}
}

func TestMedia(t *testing.T) {
	tests := []struct {
		fixture string
		kind    string
		fileID  string
	}{
		{"photo", "photo", "AgACAgQAAxkBAAIBQ2ZpX1large"},
		{"voice", "voice", "AwACAgQAAxkBAAIBRGZpX2voice"},
		{"sticker", "sticker", "CAACAgIAAxkBAAIBRWZpX3sticker"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			e := newEnv(t)
			e.mustPost(fixture(t, "text_message"))
			e.drain()
			e.mustPost(fixture(t, tt.fixture))
			sent := e.drain()
			if len(sent) != 1 {
				t.Fatalf("%d messages, want 1", len(sent))
			}
			contains(t, sent[0].Params["text"], e.render("en", "common.unsupported"))
			log, err := e.st.Transcript(e.ctx, "tg:"+fixtureChat)
			if err != nil {
				t.Fatal(err)
			}
			joined := strings.Join(log, "\n")
			if !strings.Contains(joined, `"k":"`+tt.kind+`"`) || !strings.Contains(joined, tt.fileID) {
				t.Fatalf("transcript lacks the %s: %s", tt.kind, joined)
			}
		})
	}
}

// TestFailedButtonPressIsStillAcknowledged: an update that fails is answered 500 so
// Telegram offers it again, and its button press is acknowledged by a call, since
// Telegram reads no method from an error answer.
func TestFailedButtonPressIsStillAcknowledged(t *testing.T) {
	e := newEnv(t, func(_ *config.Telegram, s *envSettings) {
		s.handler = func(h Handler) Handler { return &flaky{Handler: h, n: 1} }
	})
	rec := e.post(fixture(t, "callback_query"), testSecret)
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "answerCallbackQuery") {
		t.Fatalf("failed press answered %d %q", rec.Code, rec.Body)
	}
	if calls := e.fake.Calls("answerCallbackQuery"); len(calls) != 1 || calls[0].Params["callback_query_id"] != "2200421975631895512" {
		t.Fatalf("answerCallbackQuery calls %v, want the press acknowledged once", calls)
	}
}
