package smstest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Sign computes X-Twilio-Signature the way Twilio documents it, independently of
// twilio-go's validator: HMAC-SHA1 keyed with the auth token over the full URL
// followed by every POST parameter, sorted by name, as name then value; base64.
// A repeated name contributes each of its values in order.
func Sign(authToken, fullURL string, form url.Values) string {
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range names {
		for _, v := range form[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Webhook is a form post as Twilio makes it to target (the test server's URL),
// signed over signedURL (the public URL Twilio was configured with).
func Webhook(target, signedURL, authToken string, form url.Values) *http.Request {
	return SignedBody(target, signedURL, authToken, form.Encode(), form)
}

// SignedBody is Webhook with the body given as sent (a fixture's bytes), signed over
// the parameters form decoded from it.
func SignedBody(target, signedURL, authToken, body string, form url.Values) *http.Request {
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		panic("smstest: bad target URL " + target + ": " + err.Error())
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("X-Twilio-Signature", Sign(authToken, signedURL, form))
	return req
}
