package admin

import (
	"context"
	"embed"
	"encoding/csv"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/report"
)

// The page's routes, below /admin.
const (
	PagePath    = "/admin"
	SignInPath  = "/admin/signin"
	SignOutPath = "/admin/signout"
	CSVPath     = "/admin/csv"
)

//go:embed page.html
var pageFiles embed.FS

// Texts renders the page's words (admin.*) in a language; the i18n catalog is one.
type Texts interface {
	Render(lang string, m flow.Message) string
}

// WeekSession is one of this week's sessions with its bookings against its places
// (0: no limit).
type WeekSession struct {
	When   time.Time
	Venue  string
	Title  string
	Booked int64
	Places int
}

// OpenTicket is a request for a guide not yet closed.
type OpenTicket struct {
	ID     string
	Lang   string
	Status string // open (waiting) or claimed
	Opened time.Time
}

// Board is what the page shows besides the report: this week's sessions and the
// open requests.
type Board func(ctx context.Context, now time.Time) ([]WeekSession, []OpenTicket, error)

// Page is the coordinators' page at /admin: signed in with the admin token, it shows
// the report as a chart and tables, this week's sessions and the open requests, in
// Swedish, Finnish or English, each table downloadable as CSV.
type Page struct {
	api    *API
	board  Board
	texts  Texts
	key    []byte
	secure bool
	tmpl   *template.Template

	mu    sync.Mutex
	cache map[string]cached // the report by period, for figuresTTL
}

// figuresTTL is how long the page shows a report before it counts again: a
// coordinator clicking through tables and languages reads from memory.
const figuresTTL = time.Minute

type cached struct {
	rep report.Report
	at  time.Time
}

// report is the figures for from..to, from the cache while they are fresh.
func (p *Page) report(ctx context.Context, from, to time.Time) (report.Report, error) {
	key := from.Format(time.DateOnly) + "/" + to.Format(time.DateOnly)
	now := p.api.now()
	p.mu.Lock()
	c, ok := p.cache[key]
	p.mu.Unlock()
	if ok && now.Sub(c.at) < figuresTTL {
		return c.rep, nil
	}
	rep, err := p.api.figures(ctx, from, to)
	if err != nil {
		return report.Report{}, err
	}
	p.mu.Lock()
	if len(p.cache) > maxCached {
		clear(p.cache)
	}
	p.cache[key] = cached{rep: rep, at: now}
	p.mu.Unlock()
	return rep, nil
}

// maxCached bounds the periods kept: each is a few kilobytes.
const maxCached = 64

// NewPage returns the page; it signs in with api's token and shares its lockout.
// secure marks the cookie Secure (PUBLIC_URL is https).
func NewPage(api *API, board Board, texts Texts, secure bool) *Page {
	p := &Page{api: api, board: board, texts: texts, key: sessionKey(api.token), secure: secure, cache: map[string]cached{}}
	p.tmpl = template.Must(template.New("page.html").Funcs(template.FuncMap{
		"t": func(lang, id string) string { return texts.Render(lang, flow.Message{ID: id}) },
	}).ParseFS(pageFiles, "page.html"))
	return p
}

// Routes are the page's handlers by pattern, for the server to mount.
func (p *Page) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"GET " + PagePath:     http.HandlerFunc(p.show),
		"GET " + SignInPath:   http.HandlerFunc(p.signInForm),
		"POST " + SignInPath:  http.HandlerFunc(p.signIn),
		"POST " + SignOutPath: http.HandlerFunc(p.signOut),
		"GET " + CSVPath:      http.HandlerFunc(p.csv),
	}
}

// view is what the template shows.
type view struct {
	Lang, From, To string
	Langs          []string
	Error          string
	Chart          template.HTML
	Target         string
	Tables         []report.Table
	Comments       []string
}

func (p *Page) render(w http.ResponseWriter, status int, name string, v view) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'")
	w.WriteHeader(status)
	p.tmpl.ExecuteTemplate(w, name, v)
}

func pageLang(r *http.Request, fallback string) string {
	if l := r.URL.Query().Get("lang"); slices.Contains(PageLangs, l) {
		return l
	}
	if l := r.FormValue("lang"); slices.Contains(PageLangs, l) {
		return l
	}
	return fallback
}

func (p *Page) signInForm(w http.ResponseWriter, r *http.Request) {
	lang := defaultPageLng
	if s, ok := p.session(r); ok {
		lang = s.lang
	}
	p.render(w, http.StatusOK, "signin", view{Lang: pageLang(r, lang), Langs: PageLangs})
}

func (p *Page) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	lang := pageLang(r, defaultPageLng)
	addr := remote(r)
	if wait, locked := p.api.locked(addr); locked {
		w.Header().Set("Retry-After", strconv.Itoa(wait))
		p.render(w, http.StatusTooManyRequests, "signin", view{Lang: lang, Langs: PageLangs,
			Error: p.texts.Render(lang, flow.Message{ID: "admin.locked"})})
		return
	}
	if !p.api.attempt(addr, r.PostFormValue("token")) {
		p.render(w, http.StatusUnauthorized, "signin", view{Lang: lang, Langs: PageLangs,
			Error: p.texts.Render(lang, flow.Message{ID: "admin.wrong"})})
		return
	}
	http.SetCookie(w, p.cookie(session{until: p.api.now().Add(sessionLength), lang: lang}))
	http.Redirect(w, r, PagePath, http.StatusSeeOther)
}

func (p *Page) signOut(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, p.signedOut())
	http.Redirect(w, r, SignInPath, http.StatusSeeOther)
}

// signedIn returns the request's session, or sends the browser to sign in.
func (p *Page) signedIn(w http.ResponseWriter, r *http.Request) (session, bool) {
	s, ok := p.session(r)
	if !ok {
		to := SignInPath
		if l := r.URL.Query().Get("lang"); slices.Contains(PageLangs, l) {
			to += "?lang=" + l // the language asked for, on the form too
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	}
	return s, ok
}

func (p *Page) show(w http.ResponseWriter, r *http.Request) {
	s, ok := p.signedIn(w, r)
	if !ok {
		return
	}
	if l := pageLang(r, s.lang); l != s.lang {
		s.lang = l // the coordinator's choice, remembered in the cookie
		http.SetCookie(w, p.cookie(s))
	}
	v, status, err := p.view(r, s.lang)
	if err != nil {
		http.Error(w, err.Error(), status)
		return
	}
	p.render(w, http.StatusOK, "page", v)
}

func (p *Page) view(r *http.Request, lang string) (view, int, error) {
	now := p.api.now().In(p.api.zone)
	from, to, err := Period(r.URL.Query().Get("from"), r.URL.Query().Get("to"), now)
	if err != nil {
		return view{}, http.StatusBadRequest, err
	}
	rep, err := p.report(r.Context(), from, to)
	if err != nil {
		p.api.log.Error("admin page: report failed", "err", err)
		return view{}, http.StatusInternalServerError, err
	}
	week, tickets, err := p.board(r.Context(), now)
	if err != nil {
		p.api.log.Error("admin page: board failed", "err", err)
		return view{}, http.StatusInternalServerError, err
	}
	t := Say(p.texts, lang)
	v := view{Lang: lang, Langs: PageLangs, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly),
		Chart: chart(rep, t("admin.chart", nil)), Tables: tables(rep, week, tickets, now, t), Comments: rep.Feedback.Comments}
	if tg := rep.Target; tg != nil {
		v.Target = t("admin.target", map[string]string{"Participants": strconv.Itoa(tg.Participants), "By": tg.By,
			"Remaining": strconv.FormatInt(tg.Remaining, 10), "PerMonth": strconv.FormatFloat(tg.PerMonth, 'f', 1, 64)})
	}
	return v, http.StatusOK, nil
}

// csv sends one of the page's tables as CSV.
func (p *Page) csv(w http.ResponseWriter, r *http.Request) {
	s, ok := p.signedIn(w, r)
	if !ok {
		return
	}
	v, status, err := p.view(r, s.lang)
	if err != nil {
		http.Error(w, err.Error(), status)
		return
	}
	name := r.URL.Query().Get("table")
	for _, tb := range v.Tables {
		if tb.ID != name {
			continue
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="guidebot-`+tb.ID+`-`+v.From+`-`+v.To+`.csv"`)
		cw := csv.NewWriter(w)
		cw.Write(tb.Header)
		cw.WriteAll(tb.Rows)
		return
	}
	http.Error(w, "table "+strconv.Quote(name)+": no such table", http.StatusBadRequest)
}

// Say renders the report's words from texts in lang.
func Say(texts Texts, lang string) report.Say {
	return func(id string, params map[string]string) string {
		return texts.Render(lang, flow.Message{ID: id, Params: params})
	}
}
