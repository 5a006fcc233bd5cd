package admin

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The coordinator's session: a cookie that says until when it holds and in which
// language the page is read, signed with a key derived from the admin token (a new
// token ends every session).
const (
	cookieName     = "guidebot_admin"
	sessionLength  = 8 * time.Hour
	cookiePath     = "/admin"
	defaultPageLng = "sv"
)

// PageLangs are the languages the coordinators' page is offered in.
var PageLangs = []string{"sv", "fi", "en"}

type session struct {
	until time.Time
	lang  string
}

// sessionKey derives the cookie's signing key from the admin token.
func sessionKey(token []byte) []byte {
	m := hmac.New(sha256.New, token)
	m.Write([]byte("guidebot admin session"))
	return m.Sum(nil)
}

func (p *Page) sign(payload string) string {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// cookie is s as the browser keeps it: HttpOnly, SameSite=Strict, for /admin only.
func (p *Page) cookie(s session) *http.Cookie {
	payload := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(s.until.Unix(), 10) + "|" + s.lang))
	return &http.Cookie{Name: cookieName, Value: payload + "." + p.sign(payload), Path: cookiePath,
		Expires: s.until, MaxAge: int(s.until.Sub(p.api.now()).Seconds()), HttpOnly: true, Secure: p.secure,
		SameSite: http.SameSiteStrictMode}
}

// session reads the request's cookie: ok only when it is signed by this token and
// has not expired.
func (p *Page) session(r *http.Request) (session, bool) {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return session{}, false
	}
	payload, sig, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(p.sign(payload))) {
		return session{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return session{}, false
	}
	unix, lang, _ := strings.Cut(string(raw), "|")
	n, err := strconv.ParseInt(unix, 10, 64)
	if err != nil || !p.api.now().Before(time.Unix(n, 0)) || !slices.Contains(PageLangs, lang) {
		return session{}, false
	}
	return session{until: time.Unix(n, 0), lang: lang}, true
}

// signedOut is the cookie that ends a session.
func (p *Page) signedOut() *http.Cookie {
	return &http.Cookie{Name: cookieName, Value: "", Path: cookiePath, MaxAge: -1, HttpOnly: true,
		Secure: p.secure, SameSite: http.SameSiteStrictMode}
}
