package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// sinkCall is one providerCall a fake made.
type sinkCall struct {
	kind channelKind
	addr string
	idx  int
	o    outcome
	rep  *reply
}

type recordingSink struct {
	mu    sync.Mutex
	calls []sinkCall
}

func (s *recordingSink) providerCall(kind channelKind, addr string, idx int, o outcome, rep *reply, _ time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, sinkCall{kind, addr, idx, o, rep})
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// noFaults is a faults that has begun and never injects one.
func noFaults() *faults {
	f := newFaults(0, 0, 0, time.Second, 0)
	f.begin(time.Now())
	return f
}

const testToken = "123456:ABC-test"

const testMarkup = `{"inline_keyboard":[[{"text":"Svenska","callback_data":"welcome.language|sv"}],[{"text":"العربية","callback_data":"#abcdefghijklmnopqrstuv"}]]}`

func multipartBody(t *testing.T, fields [][2]string) (string, io.Reader) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), &b
}

func TestFakeBotAPISendMessage(t *testing.T) {
	chat := "7000000042"
	text := "Vilket språk vill du ha?\n\"quoted\" & 🙂"
	wantKB := &inlineKeyboard{InlineKeyboard: [][]inlineButton{
		{{Text: "Svenska", CallbackData: "welcome.language|sv"}},
		{{Text: "العربية", CallbackData: "#abcdefghijklmnopqrstuv"}},
	}}
	tests := []struct {
		name   string
		method string
		body   func(t *testing.T) (string, io.Reader)
		wantKB *inlineKeyboard
	}{
		{
			name:   "multipart, as go-telegram/bot sends",
			method: "sendMessage",
			body: func(t *testing.T) (string, io.Reader) {
				return multipartBody(t, [][2]string{{"chat_id", chat}, {"text", text}, {"reply_markup", testMarkup}})
			},
			wantKB: wantKB,
		},
		{
			name:   "json with reply_markup an object",
			method: "sendMessage",
			body: func(t *testing.T) (string, io.Reader) {
				b, _ := json.Marshal(map[string]any{"chat_id": 7000000042, "text": text, "reply_markup": json.RawMessage(testMarkup)})
				return "application/json", bytes.NewReader(b)
			},
			wantKB: wantKB,
		},
		{
			name:   "json with reply_markup a string, chat_id a string",
			method: "sendMessage",
			body: func(t *testing.T) (string, io.Reader) {
				b, _ := json.Marshal(map[string]any{"chat_id": chat, "text": text, "reply_markup": testMarkup})
				return "application/json; charset=utf-8", bytes.NewReader(b)
			},
			wantKB: wantKB,
		},
		{
			name:   "urlencoded, no keyboard, method in another case",
			method: "SendMessage",
			body: func(t *testing.T) (string, io.Reader) {
				return "application/x-www-form-urlencoded", strings.NewReader(url.Values{"chat_id": {chat}, "text": {text}}.Encode())
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &recordingSink{}
			api := newBotAPI(testToken, sink, noFaults(), quietLog())
			ct, body := tt.body(t)
			req := httptest.NewRequest(http.MethodPost, "/bot"+testToken+"/"+tt.method, body)
			req.Header.Set("Content-Type", ct)
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, req)

			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var res struct {
				OK     bool      `json:"ok"`
				Result tgMessage `json:"result"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
				t.Fatal(err)
			}
			if !res.OK || res.Result.Chat.ID != 7000000042 || res.Result.Chat.Type != "private" ||
				res.Result.Text != text || res.Result.MessageID == 0 || res.Result.Date == 0 {
				t.Errorf("answer = %s", rec.Body)
			}
			if len(sink.calls) != 1 {
				t.Fatalf("sink heard %d calls, want 1", len(sink.calls))
			}
			c := sink.calls[0]
			if c.kind != telegramKind || c.idx != 42 || c.o != delivered || c.rep.text != text || c.rep.messageID != res.Result.MessageID {
				t.Errorf("sink heard %+v, reply %+v", c, c.rep)
			}
			if !reflect.DeepEqual(c.rep.keyboard, tt.wantKB) {
				t.Errorf("keyboard = %+v, want %+v", c.rep.keyboard, tt.wantKB)
			}
		})
	}
}

func TestFakeBotAPIMethods(t *testing.T) {
	tests := []struct {
		name       string
		path       string
		body       string
		wantStatus int
		wantBody   string
	}{
		{"getMe", "/bot" + testToken + "/getMe", "", http.StatusOK, `"is_bot":true`},
		{"setMyCommands", "/bot" + testToken + "/setMyCommands", `{"commands":[]}`, http.StatusOK, `{"ok":true,"result":true}`},
		{"answerCallbackQuery", "/bot" + testToken + "/answerCallbackQuery", `{"callback_query_id":"1"}`, http.StatusOK, `{"ok":true,"result":true}`},
		{"deleteWebhook", "/bot" + testToken + "/deleteWebhook", `{}`, http.StatusOK, `{"ok":true,"result":true}`},
		{"unknown method", "/bot" + testToken + "/sendPhoto", `{}`, http.StatusNotFound, `{"ok":false,"error_code":404,"description":"Not Found"}`},
		{"wrong token", "/bot1:other/getMe", "", http.StatusUnauthorized, `"error_code":401`},
		{"empty text", "/bot" + testToken + "/sendMessage", `{"chat_id":1}`, http.StatusBadRequest, `message text is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newBotAPI(testToken, &recordingSink{}, noFaults(), quietLog())
			req := httptest.NewRequest(http.MethodPost, tt.path, strings.NewReader(tt.body))
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus || !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("got %d %s, want %d containing %s", rec.Code, rec.Body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

func TestFakeBotAPISetWebhook(t *testing.T) {
	api := newBotAPI(testToken, &recordingSink{}, noFaults(), quietLog())
	ct, body := multipartBody(t, [][2]string{{"url", "http://127.0.0.1:1/telegram/webhook"}, {"secret_token", "s3cret"}})
	req := httptest.NewRequest(http.MethodPost, "/bot"+testToken+"/setWebhook", body)
	req.Header.Set("Content-Type", ct)
	api.ServeHTTP(httptest.NewRecorder(), req)
	select {
	case <-api.webhookSet:
	default:
		t.Fatal("setWebhook did not signal")
	}
	if p := api.webhookParams(); p["secret_token"] != "s3cret" || p["url"] != "http://127.0.0.1:1/telegram/webhook" {
		t.Errorf("webhook params = %v", p)
	}
}

func TestFakesFaultAnswers(t *testing.T) {
	tests := []struct {
		name       string
		f          *faults
		wantStatus int
		wantTG     string
		wantTwilio string
		wantO      outcome
	}{
		{"502", newFaults(1, 0, 0, time.Second, 0), http.StatusBadGateway,
			`{"ok":false,"error_code":502,"description":"Bad Gateway"}`, "<h1>502 Bad Gateway</h1>", failed},
		{"429", newFaults(0, 0, 1, time.Second, 1), http.StatusTooManyRequests,
			`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`,
			`{"code":20429,"message":"Too Many Requests","status":429}`, tooMany},
	}
	for _, tt := range tests {
		t.Run(tt.name+" telegram", func(t *testing.T) {
			tt.f.begin(time.Now())
			sink := &recordingSink{}
			api := newBotAPI(testToken, sink, tt.f, quietLog())
			req := httptest.NewRequest(http.MethodPost, "/bot"+testToken+"/sendMessage", strings.NewReader(`{"chat_id":7000000001,"text":"hi"}`))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus || strings.TrimSpace(rec.Body.String()) != tt.wantTG {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body, tt.wantStatus, tt.wantTG)
			}
			if len(sink.calls) != 1 || sink.calls[0].o != tt.wantO || sink.calls[0].idx != 1 {
				t.Errorf("sink heard %+v", sink.calls)
			}
		})
		t.Run(tt.name+" twilio", func(t *testing.T) {
			tt.f.issued.Store(0)
			tt.f.sends.Store(0)
			sink := &recordingSink{}
			api := newTwilioAPI("ACx", "tok", sink, tt.f, quietLog())
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, twilioCreate("ACx", "tok", url.Values{"To": {"+46701000003"}, "From": {"+46700000000"}, "Body": {"hi"}}))
			if rec.Code != tt.wantStatus || !strings.Contains(rec.Body.String(), tt.wantTwilio) {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body, tt.wantStatus, tt.wantTwilio)
			}
			if len(sink.calls) != 1 || sink.calls[0].o != tt.wantO || sink.calls[0].idx != 3 {
				t.Errorf("sink heard %+v", sink.calls)
			}
		})
	}
}

func twilioCreate(sid, token string, form url.Values) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/2010-04-01/Accounts/"+sid+"/Messages.json", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(sid, token)
	return req
}

func TestFakeTwilio(t *testing.T) {
	body := "Vad vill du göra?\n1. Gör min plan\n2. Byt språk"
	tests := []struct {
		name       string
		req        *http.Request
		wantStatus int
		wantIdx    int // -2: no sink call
	}{
		{"create", twilioCreate("ACx", "tok", url.Values{"To": {"+46701000007"}, "From": {"+46700000000"}, "Body": {body}, "StatusCallback": {"http://x/sms/status"}}), http.StatusCreated, 7},
		{"messaging service", twilioCreate("ACx", "tok", url.Values{"To": {"+46701000007"}, "MessagingServiceSid": {"MGx"}, "Body": {body}}), http.StatusCreated, 7},
		{"unknown number", twilioCreate("ACx", "tok", url.Values{"To": {"+15005550006"}, "From": {"+46700000000"}, "Body": {body}}), http.StatusCreated, -1},
		{"bad auth", twilioCreate("ACx", "wrong", url.Values{"To": {"+46701000007"}, "From": {"+46700000000"}, "Body": {body}}), http.StatusUnauthorized, -2},
		{"other account", twilioCreate("ACy", "tok", url.Values{"To": {"+46701000007"}, "From": {"+46700000000"}, "Body": {body}}), http.StatusNotFound, -2},
		{"no body", twilioCreate("ACx", "tok", url.Values{"To": {"+46701000007"}, "From": {"+46700000000"}}), http.StatusBadRequest, -2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &recordingSink{}
			api := newTwilioAPI("ACx", "tok", sink, noFaults(), quietLog())
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, tt.req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if tt.wantIdx == -2 {
				if len(sink.calls) != 0 {
					t.Errorf("sink heard %+v", sink.calls)
				}
				return
			}
			var msg twilioMessage
			if err := json.Unmarshal(rec.Body.Bytes(), &msg); err != nil {
				t.Fatal(err)
			}
			if len(msg.SID) != 34 || !strings.HasPrefix(msg.SID, "SM") || msg.Status != "queued" || msg.Body != body ||
				msg.NumSegments != "1" || msg.AccountSID != "ACx" || msg.DateCreated == "" {
				t.Errorf("answer = %s", rec.Body)
			}
			if len(sink.calls) != 1 || sink.calls[0].idx != tt.wantIdx || sink.calls[0].o != delivered {
				t.Fatalf("sink heard %+v", sink.calls)
			}
			if want := []listItem{{"1", "Gör min plan"}, {"2", "Byt språk"}}; !reflect.DeepEqual(sink.calls[0].rep.items, want) {
				t.Errorf("items = %v, want %v", sink.calls[0].rep.items, want)
			}
		})
	}
}

func TestFaultsSpread429(t *testing.T) {
	tests := []struct {
		name    string
		f       *faults
		sends   int
		elapsed func(i int) time.Duration
		want    int
	}{
		{"every k-th of a fixed number of updates", newFaults(0, 0, 4, 0, 100), 100, func(int) time.Duration { return 0 }, 4},
		{"no more than asked", newFaults(0, 0, 4, 0, 100), 1000, func(int) time.Duration { return 0 }, 4},
		{"over time: none before the first is due", newFaults(0, 0, 4, 8*time.Second, 0), 100, func(int) time.Duration { return 900 * time.Millisecond }, 0},
		{"over time: one per gap", newFaults(0, 0, 4, 8*time.Second, 0), 80, func(i int) time.Duration { return time.Duration(i) * 100 * time.Millisecond }, 4},
		{"over time: half way", newFaults(0, 0, 4, 8*time.Second, 0), 40, func(i int) time.Duration { return time.Duration(i) * 100 * time.Millisecond }, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			tt.f.begin(start)
			got := 0
			for i := range tt.sends {
				if tt.f.decide(start.Add(tt.elapsed(i))) == tooMany {
					got++
				}
			}
			if got != tt.want {
				t.Errorf("%d 429s, want %d", got, tt.want)
			}
		})
	}
	if f := newFaults(1, 0, 0, time.Second, 0); f.decide(time.Now()) != delivered {
		t.Error("a fault before the run began")
	}
}
