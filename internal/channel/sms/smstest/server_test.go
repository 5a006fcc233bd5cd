package smstest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/guidebot/guidebot/internal/channel/sms/smstest"
)

func TestServerWireFormat(t *testing.T) {
	const sid, token = "AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"
	s := smstest.NewServer(t, sid, token)
	post := func(user, pass, path string, form url.Values) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(user, pass)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, body
	}
	path := "/2010-04-01/Accounts/" + sid + "/Messages.json"
	ok := url.Values{"To": {"+46701234567"}, "From": {"+46769436151"}, "Body": {"Hej"}, "StatusCallback": {"https://bot.example.org/sms/status"}}
	s.FailNext(1, 503, 20503)
	cases := []struct {
		name       string
		user, pass string
		path       string
		form       url.Values
		status     int
		code       float64
	}{
		{"injected failure", sid, token, path, ok, 503, 20503},
		{"created", sid, token, path, ok, 201, 0},
		{"wrong token", sid, "nope", path, ok, 401, 20003},
		{"other account", sid, token, "/2010-04-01/Accounts/ACffffffffffffffffffffffffffffffff/Messages.json", ok, 403, 20003},
		{"no To", sid, token, path, url.Values{"From": {"+46769436151"}, "Body": {"x"}}, 400, 21604},
		{"bad To", sid, token, path, url.Values{"To": {"0701234567"}, "From": {"+46769436151"}, "Body": {"x"}}, 400, 21211},
		{"no sender", sid, token, path, url.Values{"To": {"+46701234567"}, "Body": {"x"}}, 400, 21603},
		{"no body", sid, token, path, url.Values{"To": {"+46701234567"}, "From": {"+46769436151"}}, 400, 21602},
		{"body too long", sid, token, path, url.Values{"To": {"+46701234567"}, "From": {"+46769436151"}, "Body": {strings.Repeat("a", 1601)}}, 400, 21617},
	}
	for _, c := range cases {
		status, body := post(c.user, c.pass, c.path, c.form)
		if status != c.status {
			t.Fatalf("%s: status %d, want %d (%v)", c.name, status, c.status, body)
		}
		if c.status == 201 {
			if s, _ := body["sid"].(string); !strings.HasPrefix(s, "SM") || len(s) != 34 || body["status"] != "queued" {
				t.Fatalf("%s: resource %v", c.name, body)
			}
			continue
		}
		if body["code"] != c.code || body["status"] != float64(c.status) || body["more_info"] == "" {
			t.Fatalf("%s: error %v", c.name, body)
		}
	}
	s.OptOut("+46701234567")
	if status, body := post(sid, token, path, ok); status != 400 || body["code"] != float64(21610) {
		t.Fatalf("opted out: %d %v", status, body)
	}
	reqs := s.Requests()
	if len(reqs) != len(cases)+1 || len(s.Messages()) != 1 {
		t.Fatalf("recorded %d requests, %d messages", len(reqs), len(s.Messages()))
	}
	if m := s.Messages()[0]; m.Form.Get("Body") != "Hej" || m.User != sid || m.Path != path || m.Sid == "" {
		t.Fatalf("recorded %+v", m)
	}
}
