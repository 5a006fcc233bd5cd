package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxParamBytes bounds the parameters of one Bot API call; a sendMessage with 4096
// characters and a keyboard is well under it.
const maxParamBytes = 1 << 20

// retryAfter is what the fakes ask for in a 429, in seconds.
const retryAfter = 1

// providerSink hears every send a fake provider answers: idx is the participant
// index its address addr names (-1 for none), rep the message when o is delivered.
type providerSink interface {
	providerCall(kind channelKind, addr string, idx int, o outcome, rep *reply, at time.Time)
}

// The Bot API objects the tool writes and reads, with only the fields it uses.
type (
	tgUser struct {
		ID           int64  `json:"id"`
		IsBot        bool   `json:"is_bot"`
		FirstName    string `json:"first_name"`
		Username     string `json:"username,omitempty"`
		LanguageCode string `json:"language_code,omitempty"`
	}
	tgChat struct {
		ID        int64  `json:"id"`
		Type      string `json:"type"`
		FirstName string `json:"first_name,omitempty"`
	}
	tgEntity struct {
		Type   string `json:"type"`
		Offset int    `json:"offset"`
		Length int    `json:"length"`
	}
	tgMessage struct {
		MessageID   int64           `json:"message_id"`
		From        *tgUser         `json:"from,omitempty"`
		Chat        tgChat          `json:"chat"`
		Date        int64           `json:"date"`
		Text        string          `json:"text,omitempty"`
		Entities    []tgEntity      `json:"entities,omitempty"`
		ReplyMarkup *inlineKeyboard `json:"reply_markup,omitempty"`
	}
	tgCallbackQuery struct {
		ID           string     `json:"id"`
		From         tgUser     `json:"from"`
		Message      *tgMessage `json:"message,omitempty"`
		ChatInstance string     `json:"chat_instance"`
		Data         string     `json:"data,omitempty"`
	}
	tgUpdate struct {
		UpdateID      int64            `json:"update_id"`
		Message       *tgMessage       `json:"message,omitempty"`
		CallbackQuery *tgCallbackQuery `json:"callback_query,omitempty"`
	}
	inlineKeyboard struct {
		InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
	}
	inlineButton struct {
		Text         string `json:"text"`
		CallbackData string `json:"callback_data,omitempty"`
	}
	tgOK struct {
		OK     bool `json:"ok"`
		Result any  `json:"result"`
	}
	tgError struct {
		OK          bool      `json:"ok"`
		ErrorCode   int       `json:"error_code"`
		Description string    `json:"description"`
		Parameters  *tgParams `json:"parameters,omitempty"`
	}
	tgParams struct {
		RetryAfter int `json:"retry_after,omitempty"`
	}
)

// botAPI is the fake Telegram Bot API: POST /bot<token>/<method>.
type botAPI struct {
	prefix string // "/bot<token>/"
	me     tgUser
	sink   providerSink
	faults *faults
	log    *slog.Logger

	msgID      atomic.Int64
	webhookSet chan struct{} // closed at the first setWebhook
	webhookMu  sync.Mutex
	webhook    map[string]string // setWebhook's parameters, for diagnostics
	unknownMu  sync.Mutex
	unknown    map[string]bool // methods answered 404, each logged once
}

func newBotAPI(token string, sink providerSink, f *faults, log *slog.Logger) *botAPI {
	id, _, _ := strings.Cut(token, ":")
	botID, _ := strconv.ParseInt(id, 10, 64)
	return &botAPI{
		prefix:     "/bot" + token + "/",
		me:         tgUser{ID: botID, IsBot: true, FirstName: "guidebot", Username: "guidebot_load_bot"},
		sink:       sink,
		faults:     f,
		log:        log,
		webhookSet: make(chan struct{}),
		unknown:    map[string]bool{},
	}
}

// webhookParams are the parameters of the last setWebhook, nil before one.
func (b *botAPI) webhookParams() map[string]string {
	b.webhookMu.Lock()
	defer b.webhookMu.Unlock()
	return b.webhook
}

func (b *botAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, b.prefix)
	if !ok || strings.Contains(method, "/") {
		writeTGError(w, http.StatusUnauthorized, "Unauthorized", 0)
		return
	}
	// Method names are case-insensitive in the Bot API.
	switch method = strings.ToLower(method); method {
	case "sendmessage":
		if params, ok := b.params(w, r); ok {
			b.sendMessage(w, r, params)
		}
	case "setwebhook":
		params, ok := b.params(w, r)
		if !ok {
			return
		}
		b.webhookMu.Lock()
		first := b.webhook == nil
		b.webhook = params
		b.webhookMu.Unlock()
		if first {
			close(b.webhookSet)
		}
		writeJSON(w, http.StatusOK, tgOK{OK: true, Result: true})
	case "getme", "deletewebhook", "setmycommands", "answercallbackquery":
		// Their parameters do not matter here: not decoding them saves CPU, which the
		// tool shares with the service it measures.
		io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, maxParamBytes))
		var result any = true
		if method == "getme" {
			result = b.me
		}
		writeJSON(w, http.StatusOK, tgOK{OK: true, Result: result})
	default:
		b.unknownMu.Lock()
		if !b.unknown[method] {
			b.unknown[method] = true
			b.log.Warn("fake Bot API: unknown method answered 404", "method", method)
		}
		b.unknownMu.Unlock()
		writeTGError(w, http.StatusNotFound, "Not Found", 0)
	}
}

// params decodes a call's parameters, answering 400 itself when it cannot.
func (b *botAPI) params(w http.ResponseWriter, r *http.Request) (map[string]string, bool) {
	params, err := parseParams(w, r)
	if err != nil {
		writeTGError(w, http.StatusBadRequest, "Bad Request: "+err.Error(), 0)
		return nil, false
	}
	return params, true
}

func (b *botAPI) sendMessage(w http.ResponseWriter, r *http.Request, params map[string]string) {
	at := time.Now()
	chat, err := strconv.ParseInt(params["chat_id"], 10, 64)
	if err != nil {
		writeTGError(w, http.StatusBadRequest, "Bad Request: chat not found", 0)
		return
	}
	text := params["text"]
	if text == "" {
		writeTGError(w, http.StatusBadRequest, "Bad Request: message text is empty", 0)
		return
	}
	idx := -1
	if chat >= chatBase {
		idx = int(chat - chatBase)
	}
	switch o := b.faults.decide(at); o {
	case failed:
		b.sink.providerCall(telegramKind, params["chat_id"], idx, o, nil, at)
		writeTGError(w, http.StatusBadGateway, "Bad Gateway", 0)
		return
	case tooMany:
		b.sink.providerCall(telegramKind, params["chat_id"], idx, o, nil, at)
		writeTGError(w, http.StatusTooManyRequests, fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), retryAfter)
		return
	case hung:
		b.sink.providerCall(telegramKind, params["chat_id"], idx, o, nil, at)
		<-r.Context().Done()
		return
	}
	markup := params["reply_markup"]
	var kb *inlineKeyboard
	if markup != "" {
		kb = &inlineKeyboard{}
		if err := json.Unmarshal([]byte(markup), kb); err != nil {
			writeTGError(w, http.StatusBadRequest, "Bad Request: can't parse reply keyboard markup JSON object", 0)
			return
		}
		if len(kb.InlineKeyboard) == 0 {
			kb = nil
		}
	}
	msg := tgMessage{MessageID: b.msgID.Add(1), From: &b.me, Chat: tgChat{ID: chat, Type: "private"}, Date: at.Unix(), Text: text}
	b.sink.providerCall(telegramKind, params["chat_id"], idx, delivered,
		&reply{text: text, keyboard: kb, messageID: msg.MessageID, date: msg.Date, sum: replySum(text, markup)}, at)
	writeJSON(w, http.StatusOK, tgOK{OK: true, Result: msg})
}

// parseParams reads a Bot API call's parameters from the query string and a JSON,
// urlencoded or multipart body. Strings come as sent; other JSON values (numbers,
// objects such as reply_markup) as their JSON text, which is how a form carries them.
func parseParams(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	params := map[string]string{}
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return params, nil
	}
	mt, mp, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, fmt.Errorf("content type: %w", err)
	}
	body := http.MaxBytesReader(w, r.Body, maxParamBytes)
	switch mt {
	case "application/json":
		var raw map[string]json.RawMessage
		if err := json.NewDecoder(body).Decode(&raw); err != nil {
			return nil, fmt.Errorf("json body: %w", err)
		}
		for k, v := range raw {
			switch {
			case len(v) > 0 && v[0] == '"':
				var s string
				if err := json.Unmarshal(v, &s); err != nil {
					return nil, fmt.Errorf("json %s: %w", k, err)
				}
				params[k] = s
			case string(v) != "null":
				params[k] = string(v)
			}
		}
	case "application/x-www-form-urlencoded":
		data, err := io.ReadAll(body)
		if err != nil {
			return nil, fmt.Errorf("form body: %w", err)
		}
		form, err := url.ParseQuery(string(data))
		if err != nil {
			return nil, fmt.Errorf("form body: %w", err)
		}
		for k, v := range form {
			params[k] = v[0]
		}
	case "multipart/form-data":
		mr := multipart.NewReader(body, mp["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("multipart body: %w", err)
			}
			data, err := io.ReadAll(part)
			part.Close()
			if err != nil {
				return nil, fmt.Errorf("multipart %s: %w", part.FormName(), err)
			}
			params[part.FormName()] = string(data)
		}
	default:
		return nil, fmt.Errorf("unsupported content type %s", mt)
	}
	return params, nil
}

func writeTGError(w http.ResponseWriter, status int, desc string, retry int) {
	e := tgError{ErrorCode: status, Description: desc}
	if retry > 0 {
		e.Parameters = &tgParams{RetryAfter: retry}
	}
	writeJSON(w, status, e)
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}
