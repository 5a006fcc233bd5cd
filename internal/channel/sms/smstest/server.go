package smstest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Request is one call the fake received, as decoded.
type Request struct {
	Method   string
	Path     string
	User     string // basic auth
	Password string
	Form     url.Values
	At       time.Time // by the server's clock
	Status   int       // what the fake answered
	Sid      string    // the message sid, when it answered 201
}

// failure is an error the fake was told to answer with.
type failure struct{ status, code int }

// Server is a fake of Twilio's Messages API: POST
// /2010-04-01/Accounts/{AccountSid}/Messages.json with basic auth and the form fields
// To, From or MessagingServiceSid, Body and StatusCallback. It answers 201 with the
// message resource or 4xx/5xx with Twilio's error JSON, and records every request.
type Server struct {
	URL        string
	AccountSID string
	AuthToken  string

	srv *httptest.Server

	mu       sync.Mutex
	now      func() time.Time
	reqs     []Request
	fail     []failure
	hang     int
	optedOut map[string]bool
	seq      int
}

// NewServer starts a fake for one account; it stops when the test ends.
func NewServer(t testing.TB, accountSID, authToken string) *Server {
	t.Helper()
	s := &Server{AccountSID: accountSID, AuthToken: authToken, now: time.Now, optedOut: map[string]bool{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// SetClock stamps requests with now instead of the wall clock.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// FailNext makes the next n message requests fail with this HTTP status and Twilio
// error code, whatever they carry.
func (s *Server) FailNext(n, status, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < n; i++ {
		s.fail = append(s.fail, failure{status, code})
	}
}

// HangNext makes the next n requests get no answer at all until the client gives
// up, as a provider that hangs: nothing is created and nothing recorded.
func (s *Server) HangNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang += n
}

// OptOut makes every message to number fail with 21610, as after the recipient
// replied STOP to Twilio itself.
func (s *Server) OptOut(number string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.optedOut[number] = true
}

// Requests returns every request so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Messages returns the requests that created a message (answered 201).
func (s *Server) Messages() []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Status == http.StatusCreated {
			out = append(out, r)
		}
	}
	return out
}

// MessagesTo returns the bodies of the messages created for one number.
func (s *Server) MessagesTo(number string) []string {
	var out []string
	for _, r := range s.Messages() {
		if r.Form.Get("To") == number {
			out = append(out, r.Form.Get("Body"))
		}
	}
	return out
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.hang > 0 {
		s.hang--
		s.mu.Unlock()
		// Read the body first: only then does the server notice the client hang up.
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
		return
	}
	defer s.mu.Unlock()
	rec := Request{Method: r.Method, Path: r.URL.Path, At: s.now()}
	rec.User, rec.Password, _ = r.BasicAuth()
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err == nil {
		rec.Form = r.PostForm
	}
	status, body := s.answer(r, &rec)
	rec.Status = status
	s.reqs = append(s.reqs, rec)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Twilio-Request-Id", fmt.Sprintf("RQ%032x", len(s.reqs)))
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// answer decides the response to one request, with the checks Twilio makes.
func (s *Server) answer(r *http.Request, rec *Request) (int, any) {
	prefix := "/2010-04-01/Accounts/"
	account, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, prefix), "/")
	switch {
	case rec.User != s.AccountSID || rec.Password != s.AuthToken:
		return twilioError(http.StatusUnauthorized, 20003, "Authenticate")
	case !strings.HasPrefix(r.URL.Path, prefix) || rest != "Messages.json":
		return twilioError(http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
	case account != s.AccountSID:
		return twilioError(http.StatusForbidden, 20003, "Authenticate")
	case r.Method != http.MethodPost:
		return twilioError(http.StatusMethodNotAllowed, 20004, "Method not allowed")
	case rec.Form == nil:
		return twilioError(http.StatusBadRequest, 20001, "Invalid form body")
	}
	if len(s.fail) > 0 {
		f := s.fail[0]
		s.fail = s.fail[1:]
		// Twilio's messages quote the recipient, as the real one's often do: a log
		// that prints them leaks the number.
		return twilioError(f.status, f.code, "Injected failure for "+rec.Form.Get("To"))
	}
	f := rec.Form
	to, from, service, body := f.Get("To"), f.Get("From"), f.Get("MessagingServiceSid"), f.Get("Body")
	switch {
	case to == "":
		return twilioError(http.StatusBadRequest, 21604, "A 'To' phone number is required.")
	case !e164(to):
		return twilioError(http.StatusBadRequest, 21211, fmt.Sprintf("Invalid 'To' Phone Number: %s", to))
	case from == "" && service == "":
		return twilioError(http.StatusBadRequest, 21603, "A 'From' phone number is required.")
	case body == "":
		return twilioError(http.StatusBadRequest, 21602, "Message body is required.")
	case utf8.RuneCountInString(body) > 1600:
		return twilioError(http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.")
	case s.optedOut[to]:
		return twilioError(http.StatusBadRequest, 21610, "Attempt to send to unsubscribed recipient")
	}
	s.seq++
	rec.Sid = fmt.Sprintf("SM%032x", s.seq)
	return http.StatusCreated, s.resource(rec.Sid, to, from, service, body)
}

// resource is the Message resource as Twilio returns it on creation.
func (s *Server) resource(sid, to, from, service, body string) map[string]any {
	now := s.now().UTC().Format(time.RFC1123Z)
	uri := "/2010-04-01/Accounts/" + s.AccountSID + "/Messages/" + sid
	status, fromField, serviceField := "queued", any(from), any(nil)
	if service != "" {
		// A Messaging Service assigns the sender later.
		status, serviceField = "accepted", service
		if from == "" {
			fromField = nil
		}
	}
	return map[string]any{
		"account_sid":           s.AccountSID,
		"api_version":           "2010-04-01",
		"body":                  body,
		"date_created":          now,
		"date_sent":             nil,
		"date_updated":          now,
		"direction":             "outbound-api",
		"error_code":            nil,
		"error_message":         nil,
		"from":                  fromField,
		"messaging_service_sid": serviceField,
		"num_media":             "0",
		"num_segments":          "1",
		"price":                 nil,
		"price_unit":            "USD",
		"sid":                   sid,
		"status":                status,
		"subresource_uris":      map[string]string{"media": uri + "/Media.json"},
		"to":                    to,
		"uri":                   uri + ".json",
	}
}

func twilioError(status, code int, message string) (int, any) {
	return status, map[string]any{
		"code":      code,
		"message":   message,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
		"status":    status,
	}
}

func e164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
