package sms_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/guidebot/guidebot/internal/channel/sms"
	"github.com/guidebot/guidebot/internal/channel/sms/smstest"
)

// FuzzInbound posts arbitrary form bodies to the incoming-message webhook, signed
// as Twilio signs them or not: it never panics; a signed body answers 200 (handled,
// or nothing to answer) or 400 (not a message), never 5xx (Twilio would retry what
// can never succeed); an unsigned or wrongly signed one never gets past 403. Seeds:
// the wire fixtures in testdata/.
func FuzzInbound(f *testing.F) {
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "inbound_*.form"))
	for _, name := range fixtures {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data), true)
		f.Add(string(data), false)
	}
	f.Add("MessageSid=SM1&From=%2B46701234567&Body=STOP", true)
	f.Add("MessageSid=SM2&From=alphanumeric&Body=hej", true)
	f.Add("MessageSid=SM3&From=%2B4670&Body=%E2%80%8F%D8%B9&NumMedia=9", true)
	f.Add("%zz", true)
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, body string, signed bool) {
		e.t = t // the env's helpers report to this input's test
		form, _ := url.ParseQuery(body)
		token := authToken
		if !signed {
			token = "not-the-token"
		}
		res := e.do(smstest.SignedBody(e.web.URL+sms.InboundPath, publicURL+sms.InboundPath, token, body, form))
		switch {
		case !signed && res.StatusCode == http.StatusOK:
			t.Fatalf("a badly signed body was accepted: %q", body)
		case res.StatusCode >= 500:
			t.Fatalf("body %q answered %d", body, res.StatusCode)
		}
		e.drain()
	})
}
