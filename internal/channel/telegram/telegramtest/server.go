package telegramtest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/channel"
)

// Server is a fake Bot API at URL: POST /bot<Token>/<method> with JSON, urlencoded or
// multipart parameters (or a query string), answered {"ok":true,"result":…} or
// {"ok":false,"error_code":…,"description":…,"parameters":{…}} as Telegram does.
type Server struct {
	URL   string
	Token string

	srv *httptest.Server

	mu       sync.Mutex
	calls    []Call
	updates  []json.RawMessage // queued for getUpdates, update_id ascending
	confirm  int64             // updates below this id are confirmed
	wake     chan struct{}     // closed and replaced when updates are queued
	failures map[string][]Failure
	faults   map[string]faults
	blocked  map[int64]bool
	nextMsg  int64
	texts    map[int64]sentText // by message_id, for editMessageText
}

// Call is one request the fake received.
type Call struct {
	Method string
	// Params are the decoded parameters: strings as sent, and other JSON values (numbers,
	// arrays, objects such as reply_markup) as their JSON text, which is how form-encoded
	// requests carry them anyway.
	Params map[string]string
	// Status is the HTTP status the fake answered with.
	Status int
}

// JSON decodes the parameter key, which holds JSON text, into v.
func (c Call) JSON(key string, v any) error {
	s, ok := c.Params[key]
	if !ok {
		return fmt.Errorf("telegramtest: %s has no %s", c.Method, key)
	}
	return json.Unmarshal([]byte(s), v)
}

// Keyboard is reply_markup as Telegram reads an inline keyboard.
type Keyboard struct {
	InlineKeyboard [][]Button `json:"inline_keyboard"`
}

// Button is one inline keyboard button.
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
}

// Failure makes a call fail with an error answer.
type Failure struct {
	Code        int
	Description string
	RetryAfter  int // seconds; sent as parameters.retry_after
	// MigrateTo is parameters.migrate_to_chat_id: a group that became a supergroup.
	MigrateTo int64
}

// New starts a fake for token; it is closed when the test ends.
func New(t testing.TB, token string) *Server {
	t.Helper()
	s := &Server{Token: token, wake: make(chan struct{}), failures: map[string][]Failure{}, faults: map[string]faults{}, blocked: map[int64]bool{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Calls returns the calls of method ("" for all), in order.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || strings.EqualFold(c.Method, method) {
			out = append(out, c)
		}
	}
	return out
}

// Sent returns the sendMessage calls that succeeded.
func (s *Server) Sent() []Call {
	var out []Call
	for _, c := range s.Calls("sendMessage") {
		if c.Status == http.StatusOK {
			out = append(out, c)
		}
	}
	return out
}

// Reset forgets the recorded calls.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// Queue adds updates for getUpdates. Each is an Update object (raw JSON, a string
// of JSON, or a value to marshal) and must carry its update_id.
func (s *Server) Queue(t testing.TB, updates ...any) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range updates {
		var raw json.RawMessage
		switch v := u.(type) {
		case json.RawMessage:
			raw = v
		case []byte:
			raw = v
		case string:
			raw = json.RawMessage(v)
		default:
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("telegramtest: queue: %v", err)
			}
			raw = b
		}
		if _, err := updateID(raw); err != nil {
			t.Fatalf("telegramtest: queue: %v", err)
		}
		s.updates = append(s.updates, raw)
	}
	sort.SliceStable(s.updates, func(i, j int) bool {
		a, _ := updateID(s.updates[i])
		b, _ := updateID(s.updates[j])
		return a < b
	})
	close(s.wake)
	s.wake = make(chan struct{})
}

// Pending is the number of queued updates not yet confirmed by an offset past them.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// Fail makes the next n calls of method fail with f.
func (s *Server) Fail(method string, n int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Description == "" {
		f.Description = defaultDescription(f.Code)
	}
	for range n {
		s.failures[strings.ToLower(method)] = append(s.failures[strings.ToLower(method)], f)
	}
}

// Block makes sendMessage to chat fail as when the user blocked the bot.
func (s *Server) Block(chat int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chat] = true
}

func defaultDescription(code int) string {
	switch code {
	case http.StatusBadRequest:
		return "Bad Request: chat not found"
	case http.StatusUnauthorized:
		return "Unauthorized"
	case http.StatusForbidden:
		return "Forbidden: bot was blocked by the user"
	case http.StatusNotFound:
		return "Not Found"
	case http.StatusConflict:
		return "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
	case http.StatusTooManyRequests:
		return "Too Many Requests: retry after 3"
	case http.StatusBadGateway:
		return "Bad Gateway"
	}
	return http.StatusText(code)
}

// faults are a method's random misbehaviour: a share of calls answered 502, a share
// never answered.
type faults struct {
	fail, hang float64
	rnd        *rand.Rand
}

// Faults makes a share of method's calls fail with 502 Bad Gateway and a share hang
// until the client gives up; a hung call is not recorded, as the client never learns
// whether it went through. Zero shares end the faults.
func (s *Server) Faults(method string, fail, hang float64, seed uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[strings.ToLower(method)] = faults{fail: fail, hang: hang, rnd: rand.New(rand.NewPCG(seed, seed))}
}

// fault draws the fate of one call of method: 0 none, 1 fail, 2 hang.
func (s *Server) fault(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.faults[strings.ToLower(method)]
	if !ok {
		return 0
	}
	switch x := f.rnd.Float64(); {
	case x < f.hang:
		return 2
	case x < f.hang+f.fail:
		return 1
	}
	return 0
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	token, method, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/bot"), "/")
	if !strings.HasPrefix(r.URL.Path, "/bot") || !ok || method == "" {
		writeError(w, Failure{Code: http.StatusNotFound, Description: "Not Found"})
		return
	}
	params, err := decodeParams(r)
	switch s.fault(method) {
	case 2:
		// The body is read (above), so the server notices when the client hangs up.
		<-r.Context().Done()
		return
	case 1:
		s.mu.Lock()
		s.calls = append(s.calls, Call{Method: method, Status: http.StatusBadGateway})
		s.mu.Unlock()
		writeError(w, Failure{Code: http.StatusBadGateway, Description: "Bad Gateway"})
		return
	}
	var result any
	var fail *Failure
	switch {
	case token != s.Token:
		fail = &Failure{Code: http.StatusUnauthorized, Description: "Unauthorized"}
	case err != nil:
		fail = &Failure{Code: http.StatusBadRequest, Description: "Bad Request: " + err.Error()}
	default:
		if f, ok := s.takeFailure(method); ok {
			fail = &f
		} else {
			result, fail = s.call(r, method, params)
		}
	}
	// Recorded before answering, so a test sees the call as soon as its client returns.
	call := Call{Method: method, Params: params, Status: http.StatusOK}
	if fail != nil {
		call.Status = fail.Code
	}
	s.mu.Lock()
	s.calls = append(s.calls, call)
	s.mu.Unlock()
	if fail != nil {
		writeError(w, *fail)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

func (s *Server) call(r *http.Request, method string, params map[string]string) (any, *Failure) {
	switch strings.ToLower(method) {
	case "getme":
		return map[string]any{"id": 1, "is_bot": true, "first_name": "guidebot", "username": "guidebot_test_bot"}, nil
	case "sendmessage":
		return s.sendMessage(params)
	case "answercallbackquery":
		if params["callback_query_id"] == "" {
			return nil, &Failure{Code: 400, Description: "Bad Request: query is too old and response timeout expired or query ID is invalid"}
		}
		return true, nil
	case "setwebhook":
		if params["url"] == "" {
			return nil, &Failure{Code: 400, Description: "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"}
		}
		return true, nil
	case "deletewebhook":
		return true, nil
	case "setmycommands":
		if f := checkCommands(params); f != nil {
			return nil, f
		}
		return true, nil
	case "getupdates":
		return s.getUpdates(r, params)
	case "editmessagetext":
		return s.editMessageText(params)
	case "sendphoto", "sendvoice", "sendvideo", "sendvideonote", "sendanimation", "sendaudio", "senddocument", "sendsticker":
		return s.sendFile(strings.ToLower(method), params)
	}
	return nil, &Failure{Code: http.StatusNotFound, Description: "Not Found"}
}

func (s *Server) takeFailure(method string) (Failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(method)
	q := s.failures[key]
	if len(q) == 0 {
		return Failure{}, false
	}
	s.failures[key] = q[1:]
	return q[0], true
}

func (s *Server) sendMessage(p map[string]string) (any, *Failure) {
	chat, err := strconv.ParseInt(p["chat_id"], 10, 64)
	if err != nil {
		return nil, &Failure{Code: 400, Description: "Bad Request: chat not found"}
	}
	text := p["text"]
	if strings.TrimSpace(text) == "" {
		return nil, &Failure{Code: 400, Description: "Bad Request: message text is empty"}
	}
	if channel.UTF16Len(text) > 4096 {
		return nil, &Failure{Code: 400, Description: "Bad Request: message is too long"}
	}
	var markup json.RawMessage
	if m, ok := p["reply_markup"]; ok {
		if f := checkKeyboard(m); f != nil {
			return nil, f
		}
		markup = json.RawMessage(m)
	}
	s.mu.Lock()
	blocked := s.blocked[chat]
	s.nextMsg++
	id := s.nextMsg
	if !blocked {
		if s.texts == nil {
			s.texts = map[int64]sentText{}
		}
		s.texts[id] = sentText{chat: chat, text: text}
	}
	s.mu.Unlock()
	if blocked {
		return nil, &Failure{Code: 403, Description: "Forbidden: bot was blocked by the user"}
	}
	chatType := "private"
	if chat < 0 {
		chatType = "supergroup"
	}
	msg := map[string]any{
		"message_id": id,
		"from":       map[string]any{"id": 1, "is_bot": true, "first_name": "guidebot", "username": "guidebot_test_bot"},
		"chat":       map[string]any{"id": chat, "type": chatType},
		"date":       time.Now().Unix(),
		"text":       text,
	}
	if markup != nil {
		msg["reply_markup"] = markup
	}
	return msg, nil
}

// checkKeyboard applies the Bot API's rules to an inline keyboard: a button has text
// and exactly one action, and callback_data is 1-64 bytes.
func checkKeyboard(m string) *Failure {
	var kb struct {
		InlineKeyboard [][]map[string]json.RawMessage `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(m), &kb); err != nil || kb.InlineKeyboard == nil {
		return &Failure{Code: 400, Description: "Bad Request: can't parse reply keyboard markup JSON object"}
	}
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			var text string
			if json.Unmarshal(b["text"], &text) != nil || text == "" {
				return &Failure{Code: 400, Description: "Bad Request: can't parse inline keyboard button: Text must be non-empty"}
			}
			if len(b) != 2 {
				return &Failure{Code: 400, Description: "Bad Request: can't parse inline keyboard button: exactly one of the optional fields must be used"}
			}
			if raw, ok := b["callback_data"]; ok {
				var data string
				if json.Unmarshal(raw, &data) != nil || len(data) < 1 || len(data) > 64 {
					return &Failure{Code: 400, Description: "Bad Request: BUTTON_DATA_INVALID"}
				}
			}
		}
	}
	return nil
}

func checkCommands(p map[string]string) *Failure {
	var cmds []struct {
		Command     string `json:"command"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal([]byte(p["commands"]), &cmds); err != nil {
		return &Failure{Code: 400, Description: "Bad Request: can't parse commands JSON object"}
	}
	for _, c := range cmds {
		if c.Command == "" || len(c.Command) > 32 || c.Description == "" || len([]rune(c.Description)) > 256 {
			return &Failure{Code: 400, Description: "Bad Request: BOT_COMMAND_INVALID"}
		}
	}
	if lc := p["language_code"]; lc != "" && len(lc) != 2 {
		return &Failure{Code: 400, Description: "Bad Request: invalid language code specified"}
	}
	return nil
}

// getUpdates confirms the updates below offset and returns the rest, waiting up to
// timeout seconds (or until the request ends) for some to arrive.
func (s *Server) getUpdates(r *http.Request, p map[string]string) (any, *Failure) {
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	timeout, _ := strconv.Atoi(p["timeout"])
	limit, _ := strconv.Atoi(p["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if offset > s.confirm {
			s.confirm = offset
		}
		kept := s.updates[:0]
		for _, u := range s.updates {
			if id, _ := updateID(u); id >= s.confirm {
				kept = append(kept, u)
			}
		}
		s.updates = kept
		if len(s.updates) > 0 || timeout <= 0 {
			n := min(limit, len(s.updates))
			out := append([]json.RawMessage{}, s.updates[:n]...)
			s.mu.Unlock()
			return out, nil
		}
		wake := s.wake
		s.mu.Unlock()
		select {
		case <-wake:
		case <-deadline.C:
			return []json.RawMessage{}, nil
		case <-r.Context().Done():
			return []json.RawMessage{}, nil
		}
	}
}

func updateID(raw json.RawMessage) (int64, error) {
	var u struct {
		ID *int64 `json:"update_id"`
	}
	if err := json.Unmarshal(raw, &u); err != nil {
		return 0, fmt.Errorf("update: %w", err)
	}
	if u.ID == nil {
		return 0, fmt.Errorf("update without update_id")
	}
	return *u.ID, nil
}

// decodeParams reads a request's parameters however the client sent them.
func decodeParams(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range r.URL.Query() {
		out[k] = v[0]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var m map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			return out, fmt.Errorf("can't parse JSON object: %v", err)
		}
		for k, v := range m {
			var s string
			if json.Unmarshal(v, &s) == nil {
				out[k] = s
			} else {
				out[k] = string(v)
			}
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return out, fmt.Errorf("can't parse multipart form: %v", err)
		}
		for k, v := range r.MultipartForm.Value {
			out[k] = v[0]
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return out, fmt.Errorf("can't parse form: %v", err)
		}
		for k, v := range r.PostForm {
			out[k] = v[0]
		}
	}
	return out, nil
}

func writeError(w http.ResponseWriter, f Failure) {
	body := map[string]any{"ok": false, "error_code": f.Code, "description": f.Description}
	params := map[string]any{}
	if f.RetryAfter > 0 {
		params["retry_after"] = f.RetryAfter
	}
	if f.MigrateTo != 0 {
		params["migrate_to_chat_id"] = f.MigrateTo
	}
	if len(params) > 0 {
		body["parameters"] = params
	}
	code := f.Code
	if code < 400 || code > 599 {
		code = http.StatusBadRequest
	}
	writeJSON(w, code, body)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// sentText is what a sent message says, for editMessageText.
type sentText struct {
	chat int64
	text string
}

// editMessageText changes a sent message's text (and drops or replaces its
// keyboard), with the Bot API's answers for a message that is not there or would
// not change.
func (s *Server) editMessageText(p map[string]string) (any, *Failure) {
	chat, err1 := strconv.ParseInt(p["chat_id"], 10, 64)
	id, err2 := strconv.ParseInt(p["message_id"], 10, 64)
	text := p["text"]
	if err1 != nil || err2 != nil || strings.TrimSpace(text) == "" {
		return nil, &Failure{Code: 400, Description: "Bad Request: message text is empty"}
	}
	if m, ok := p["reply_markup"]; ok {
		if f := checkKeyboard(m); f != nil {
			return nil, f
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sent, ok := s.texts[id]
	switch {
	case !ok || sent.chat != chat:
		return nil, &Failure{Code: 400, Description: "Bad Request: message to edit not found"}
	case sent.text == text:
		return nil, &Failure{Code: 400, Description: "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"}
	}
	s.texts[id] = sentText{chat: chat, text: text}
	return map[string]any{"message_id": id, "chat": map[string]any{"id": chat, "type": "private"},
		"date": time.Now().Unix(), "text": text}, nil
}

// Edited returns the editMessageText calls that succeeded.
func (s *Server) Edited() []Call {
	var out []Call
	for _, c := range s.Calls("editMessageText") {
		if c.Status == http.StatusOK {
			out = append(out, c)
		}
	}
	return out
}

// fileFields are the field each file method takes its file id or URL in.
var fileFields = map[string]string{"sendphoto": "photo", "sendvoice": "voice", "sendvideo": "video",
	"sendvideonote": "video_note", "sendanimation": "animation", "sendaudio": "audio",
	"senddocument": "document", "sendsticker": "sticker"}

// sendFile sends a file by id or URL. An id starting "bad" is one Telegram does
// not know.
func (s *Server) sendFile(method string, p map[string]string) (any, *Failure) {
	chat, err := strconv.ParseInt(p["chat_id"], 10, 64)
	file := p[fileFields[method]]
	switch {
	case err != nil:
		return nil, &Failure{Code: 400, Description: "Bad Request: chat not found"}
	case file == "" || strings.HasPrefix(file, "bad"):
		return nil, &Failure{Code: 400, Description: "Bad Request: wrong file identifier/HTTP URL specified"}
	case channel.UTF16Len(p["caption"]) > 1024:
		return nil, &Failure{Code: 400, Description: "Bad Request: message caption is too long"}
	}
	s.mu.Lock()
	s.nextMsg++
	id := s.nextMsg
	s.mu.Unlock()
	return map[string]any{"message_id": id, "chat": map[string]any{"id": chat, "type": "private"}, "date": time.Now().Unix()}, nil
}
