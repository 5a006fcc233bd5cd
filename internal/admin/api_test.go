package admin

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/report"
)

func newTestAPI(t *testing.T, now *time.Time) (*API, *[][2]time.Time) {
	t.Helper()
	var asked [][2]time.Time
	figures := func(_ context.Context, from, to time.Time) (report.Report, error) {
		asked = append(asked, [2]time.Time{from, to})
		return report.Build(report.Input{From: from, To: to, Now: *now,
			Counts: []report.Counted{{Month: "2026-11", Name: report.EventReached, Dims: map[string]string{"lang": "ar", "channel": "sms"}, N: 7}}}), nil
	}
	zone, _ := time.LoadLocation("Europe/Stockholm")
	return NewAPI("s3cret-token", figures, zone, func() time.Time { return *now }, slog.New(slog.NewTextHandler(io.Discard, nil))), &asked
}

func get(a *API, query, auth, remote string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, ReportPath+query, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.RemoteAddr = remote
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	return rec
}

// TestReportAPIAuth: no token, a wrong one, another scheme: 401; the right one: the
// report as JSON; five wrong ones in a row from one address lock it out (429, even
// with the right token) for a while, while other addresses go on.
func TestReportAPIAuth(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	a, _ := newTestAPI(t, &now)
	for _, auth := range []string{"", "Bearer wrong", "Basic czNjcmV0LXRva2Vu", "Bearer s3cret-token-and-more", "bearer s3cret-token"} {
		if rec := get(a, "", auth, "10.0.0.1:5000"); rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") == "" {
			t.Fatalf("%q: %d", auth, rec.Code)
		}
		a.failures = map[string]failure{} // each case on its own
	}
	rec := get(a, "", "Bearer s3cret-token", "10.0.0.1:5000")
	var rep report.Report
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" || json.Unmarshal(rec.Body.Bytes(), &rep) != nil || rep.Reach.Total != 7 {
		t.Fatalf("the right token: %d %s %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	for i := 0; i < 20; i++ {
		rec := get(a, "", "Bearer guess", "10.0.0.2:5000")
		want := http.StatusUnauthorized
		if i >= maxFailures {
			want = http.StatusTooManyRequests
		}
		if rec.Code != want {
			t.Fatalf("wrong token %d: %d, want %d", i+1, rec.Code, want)
		}
	}
	if rec := get(a, "", "Bearer s3cret-token", "10.0.0.2:6000"); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("the right token while locked out: %d", rec.Code)
	}
	if rec := get(a, "", "Bearer s3cret-token", "10.0.0.3:5000"); rec.Code != http.StatusOK {
		t.Fatalf("another address: %d", rec.Code)
	}
	now = now.Add(lockout + time.Second)
	if rec := get(a, "", "Bearer s3cret-token", "10.0.0.2:6000"); rec.Code != http.StatusOK {
		t.Fatalf("after the lockout: %d", rec.Code)
	}
}

// TestReportAPIPeriod: from and to in the programme's zone, both defaulted, and
// parameters that do not parse answered 400 with the reason.
func TestReportAPIPeriod(t *testing.T) {
	now := time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC) // already 1 December in Stockholm
	a, asked := newTestAPI(t, &now)
	const auth = "Bearer s3cret-token"
	if rec := get(a, "", auth, "10.0.0.1:1"); rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	if got := (*asked)[0]; got[0].Format(time.DateOnly) != "2026-01-01" || got[1].Format(time.DateOnly) != "2026-12-01" || got[1].Location().String() != "Europe/Stockholm" {
		t.Fatalf("default period %v", got)
	}
	get(a, "?from=2026-03-01&to=2026-03-31", auth, "10.0.0.1:1")
	if got := (*asked)[1]; got[0].Format(time.DateOnly) != "2026-03-01" || got[1].Format(time.DateOnly) != "2026-03-31" {
		t.Fatalf("given period %v", got)
	}
	for query, reason := range map[string]string{
		"?from=2026-13-01": `from "2026-13-01"`, "?to=yesterday": `to "yesterday"`,
		"?from=2026-05-01&to=2026-04-01": "is before",
	} {
		rec := get(a, query, auth, "10.0.0.1:1")
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), reason) {
			t.Errorf("%s: %d %q", query, rec.Code, rec.Body)
		}
	}
	req := httptest.NewRequest(http.MethodPost, ReportPath, nil)
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", rec.Code)
	}
}
