package admin

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/i18n"
	"github.com/guidebot/guidebot/internal/report"
	"github.com/guidebot/guidebot/locales"
)

const testToken = "s3cret-token"

// seededPage is the page over a programme with known figures, this week's two
// sessions and one open request.
func seededPage(t testing.TB, now *time.Time) (*Page, http.Handler) {
	t.Helper()
	cat, err := i18n.Load(locales.Files, "sv")
	if err != nil {
		t.Fatal(err)
	}
	zone, _ := time.LoadLocation("Europe/Stockholm")
	figures := func(_ context.Context, from, to time.Time) (report.Report, error) {
		return report.Build(report.Input{From: from, To: to, Now: *now, Reached: 40,
			Target: report.Target{Participants: 110, By: time.Date(2027, 6, 30, 0, 0, 0, 0, zone)},
			Counts: []report.Counted{
				{Month: "2026-10", Name: report.EventReached, Dims: map[string]string{"lang": "ar", "channel": "sms"}, N: 12},
				{Month: "2026-11", Name: report.EventReached, Dims: map[string]string{"lang": "uk", "channel": "telegram"}, N: 3},
				{Month: "2026-11", Name: report.EventCardOpened, Dims: map[string]string{"card": "bills", "lang": "ar"}, N: 9},
			},
			Held:     map[string]int64{"library": 7},
			Feedback: []report.Feedback{{Rating: "5", Comment: "Tack för hjälpen med BankID"}},
		}), nil
	}
	board := func(context.Context, time.Time) ([]WeekSession, []OpenTicket, error) {
		return []WeekSession{{When: time.Date(2026, 12, 5, 11, 0, 0, 0, zone), Venue: "Karlskoga bibliotek", Booked: 9, Places: 12}},
			[]OpenTicket{{ID: "17", Lang: "ar", Status: "open", Opened: now.Add(-25 * time.Minute)}}, nil
	}
	api := NewAPI(testToken, figures, zone, func() time.Time { return *now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	p := NewPage(api, board, cat, false)
	mux := http.NewServeMux()
	for pattern, h := range p.Routes() {
		mux.Handle(pattern, h)
	}
	return p, mux
}

func do(h http.Handler, method, target string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	req.RemoteAddr = "10.1.1.1:4000"
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func sessionCookie(t *testing.T, rec *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		if c.Name == cookieName {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", rec.Header())
	return nil
}

// TestPageSignInAndOut: the page sends a visitor without a session to sign in; a
// wrong token is refused, the right one sets an HttpOnly, SameSite=Strict cookie for
// /admin that opens the page; signing out clears it.
func TestPageSignInAndOut(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	_, h := seededPage(t, &now)
	if rec := do(h, "GET", "/admin", nil); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != SignInPath {
		t.Fatalf("/admin without a session: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if rec := do(h, "GET", SignInPath, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `name="token"`) {
		t.Fatalf("sign-in form: %d", rec.Code)
	}
	if rec := do(h, "POST", SignInPath, url.Values{"token": {"nope"}, "lang": {"en"}}); rec.Code != http.StatusUnauthorized ||
		!strings.Contains(rec.Body.String(), "That token is not right.") || len(rec.Result().Cookies()) != 0 {
		t.Fatalf("wrong token: %d %s", rec.Code, rec.Body)
	}
	rec := do(h, "POST", SignInPath, url.Values{"token": {testToken}, "lang": {"fi"}})
	c := sessionCookie(t, rec)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != PagePath || !c.HttpOnly ||
		c.SameSite != http.SameSiteStrictMode || c.Path != "/admin" || c.MaxAge < 7*3600 {
		t.Fatalf("sign in: %d, cookie %+v", rec.Code, c)
	}
	page := do(h, "GET", "/admin", nil, c)
	body := page.Body.String()
	for _, want := range []string{`lang="fi"`, `id="reach-chart"`, `class="reach"`, `class="target"`,
		"<td>ar</td><td>12</td>", "<td>uk</td><td>&lt;5</td>", "Karlskoga bibliotek", "<td>9</td><td>12</td>",
		"25 min", "Tack för hjälpen med BankID", "<td>bills</td><td>ar</td><td>9</td>", "/admin/csv?table=language"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(body, "admin.") {
		t.Errorf("a message id shows on the page instead of its text:\n%s", body)
	}
	out := do(h, "POST", SignOutPath, nil, c)
	if gone := sessionCookie(t, out); out.Code != http.StatusSeeOther || gone.MaxAge >= 0 {
		t.Fatalf("sign out: %d %+v", out.Code, gone)
	}
}

// TestPageRefusesBadSessions: a cookie with a forged signature, one for another
// token, an expired one and garbage each send the visitor to sign in.
func TestPageRefusesBadSessions(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	p, h := seededPage(t, &now)
	good := p.cookie(session{until: now.Add(time.Hour), lang: "en"})
	payload, _, _ := strings.Cut(good.Value, ".")
	other := NewPage(NewAPI("another-token", p.api.figures, p.api.zone, p.api.now, p.api.log), p.board, p.texts, false)
	for name, value := range map[string]string{
		"forged":        payload + ".AAAA",
		"another token": other.cookie(session{until: now.Add(time.Hour), lang: "en"}).Value,
		"expired":       p.cookie(session{until: now.Add(-time.Second), lang: "en"}).Value,
		"garbage":       "not a cookie",
		"unsigned":      payload,
	} {
		rec := do(h, "GET", "/admin", nil, &http.Cookie{Name: cookieName, Value: value})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != SignInPath {
			t.Errorf("%s cookie: %d %s", name, rec.Code, rec.Header().Get("Location"))
		}
	}
	if rec := do(h, "GET", "/admin", nil, good); rec.Code != 200 {
		t.Fatalf("the good cookie: %d", rec.Code)
	}
}

// TestPageGuessing: twenty wrong tokens in a row: the sixth on is refused for a
// while, the right one too, then it works again.
func TestPageGuessing(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	_, h := seededPage(t, &now)
	for i := 1; i <= 20; i++ {
		rec := do(h, "POST", SignInPath, url.Values{"token": {"guess"}})
		want := http.StatusUnauthorized
		if i > maxFailures {
			want = http.StatusTooManyRequests
		}
		if rec.Code != want {
			t.Fatalf("guess %d: %d, want %d", i, rec.Code, want)
		}
	}
	if rec := do(h, "POST", SignInPath, url.Values{"token": {testToken}}); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("the right token while locked out: %d", rec.Code)
	}
	now = now.Add(lockout + time.Second)
	if rec := do(h, "POST", SignInPath, url.Values{"token": {testToken}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("after the lockout: %d", rec.Code)
	}
}

// TestPageCSVAndBadInput: each table downloads as CSV with the page's figures;
// an unknown table and dates that do not parse are 400 with the reason.
func TestPageCSVAndBadInput(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	p, h := seededPage(t, &now)
	c := p.cookie(session{until: now.Add(time.Hour), lang: "en"})
	rec := do(h, "GET", "/admin/csv?table=language", nil, c)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/csv; charset=utf-8" ||
		rec.Body.String() != "Language,Count\nar,12\nuk,<5\n" || !strings.Contains(rec.Header().Get("Content-Disposition"), "guidebot-language-") {
		t.Fatalf("language CSV: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	for target, reason := range map[string]string{
		"/admin/csv?table=secrets":           "no such table",
		"/admin?from=2026-02-30":             `from "2026-02-30"`,
		"/admin/csv?table=reach&to=tomorrow": `to "tomorrow"`,
	} {
		rec := do(h, "GET", target, nil, c)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), reason) {
			t.Errorf("%s: %d %q", target, rec.Code, rec.Body)
		}
	}
	if rec := do(h, "GET", "/admin/csv?table=language", nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("CSV without a session: %d", rec.Code)
	}
}

// BenchmarkPage renders the signed-in page over its figures.
func BenchmarkPage(b *testing.B) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	p, h := seededPage(b, &now)
	c := p.cookie(session{until: now.Add(time.Hour), lang: "sv"})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rec := do(h, "GET", "/admin", nil, c); rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
