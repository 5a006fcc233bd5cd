package admin

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/guidebot/guidebot/internal/report"
)

// ReportPath is the report API's route.
const ReportPath = "/api/report"

// How wrong tokens are slowed down: after maxFailures in a row from one address,
// that address is refused (429) for lockout, whatever it sends.
const (
	maxFailures = 5
	lockout     = time.Minute
)

// Figures builds the programme's report for the days from..to (in the programme's
// time zone, both included).
type Figures func(ctx context.Context, from, to time.Time) (report.Report, error)

// API serves the programme report to a coordinator holding the admin token.
type API struct {
	token   []byte
	figures Figures
	zone    *time.Location
	now     func() time.Time
	log     *slog.Logger

	mu       sync.Mutex
	failures map[string]failure // by remote address
}

type failure struct {
	n     int
	until time.Time
}

// NewAPI returns the report API; token is ADMIN_TOKEN (not empty), zone the
// programme's time zone, now the clock.
func NewAPI(token string, figures Figures, zone *time.Location, now func() time.Time, log *slog.Logger) *API {
	return &API{token: []byte(token), figures: figures, zone: zone, now: now, log: log, failures: map[string]failure{}}
}

// ServeHTTP answers GET /api/report?from=YYYY-MM-DD&to=YYYY-MM-DD with the report as
// JSON: 401 without or with a wrong token, 429 after too many wrong ones, 400 with
// the reason for parameters that do not parse.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !a.authorized(w, r) {
		return
	}
	from, to, err := Period(r.URL.Query().Get("from"), r.URL.Query().Get("to"), a.now().In(a.zone))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rep, err := a.figures(r.Context(), from, to)
	if err != nil {
		a.log.Error("report failed", "err", err)
		http.Error(w, "the report could not be made", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(rep)
}

// authorized checks the bearer token, and writes the refusal when it fails.
func (a *API) authorized(w http.ResponseWriter, r *http.Request) bool {
	addr := remote(r)
	if wait, locked := a.locked(addr); locked {
		w.Header().Set("Retry-After", strconv.Itoa(wait))
		http.Error(w, "too many wrong tokens; try again later", http.StatusTooManyRequests)
		return false
	}
	given, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") && a.attempt(addr, given) {
		return true
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		a.attempt(addr, "") // a missing token counts as a wrong one
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="guidebot"`)
	http.Error(w, "unauthorized", http.StatusUnauthorized)
	return false
}

// locked says whether addr is kept out after too many wrong tokens, and for how
// many more seconds.
func (a *API) locked(addr string) (seconds int, locked bool) {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.failures[addr]
	if now.Before(f.until) {
		return int(f.until.Sub(now).Seconds()) + 1, true
	}
	return 0, false
}

// attempt compares a token with the admin token in constant time and keeps score
// of addr's wrong ones: the fifth in a row locks it out for a while.
func (a *API) attempt(addr, given string) bool {
	ok := given != "" && subtle.ConstantTimeCompare([]byte(given), a.token) == 1
	a.mu.Lock()
	defer a.mu.Unlock()
	if ok {
		delete(a.failures, addr)
		return true
	}
	f := a.failures[addr]
	f.n++
	if f.n >= maxFailures {
		f.until = a.now().Add(lockout)
		f.n = 0
	}
	a.failures[addr] = f
	a.log.Warn("admin: missing or wrong admin token", "remote", addr)
	return false
}

func remote(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// defaultMonths is how far back a report reaches when from is not given.
const defaultMonths = 12

// Period reads from and to (YYYY-MM-DD, in the programme's zone): to defaults to
// today, from to the first day of the month defaultMonths-1 before to's.
func Period(fromText, toText string, today time.Time) (from, to time.Time, err error) {
	loc := today.Location()
	to = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)
	if toText != "" {
		if to, err = time.ParseInLocation(time.DateOnly, toText, loc); err != nil {
			return from, to, fmt.Errorf("to %q: want a date such as 2026-12-31", toText)
		}
	}
	from = time.Date(to.Year(), to.Month()-defaultMonths+1, 1, 0, 0, 0, 0, loc)
	if fromText != "" {
		if from, err = time.ParseInLocation(time.DateOnly, fromText, loc); err != nil {
			return from, to, fmt.Errorf("from %q: want a date such as 2026-01-01", fromText)
		}
	}
	if to.Before(from) {
		return from, to, fmt.Errorf("to %s is before from %s", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	return from, to, nil
}
