package sms_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/guidebot/guidebot/internal/channel/sms"
	"github.com/guidebot/guidebot/internal/channel/sms/smstest"
	"github.com/guidebot/guidebot/internal/message"
)

func TestStatusCallback(t *testing.T) {
	cases := []struct {
		file, sid, status, code string
	}{
		{"status_delivered.form", "SM00000000000000000000000000000001", "delivered", ""},
		{"status_undelivered.form", "SM00000000000000000000000000000002", "undelivered", "30003"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			e := newEnv(t)
			raw, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			form, err := url.ParseQuery(string(raw))
			if err != nil {
				t.Fatal(err)
			}
			res := e.do(smstest.SignedBody(e.web.URL+sms.StatusPath, publicURL+sms.StatusPath, authToken, string(raw), form))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			rec, err := e.st.Record(e.ctx, "sms:status:"+c.sid)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"status": c.status, "error_code": c.code, "at": strconv.FormatInt(e.clock.Now().Unix(), 10)}
			for k, v := range want {
				if rec[k] != v {
					t.Fatalf("record %v, want %v", rec, want)
				}
			}
			ttl, err := e.rdb.TTL(e.ctx, e.prefix+"gb:sms:status:"+c.sid).Result()
			if err != nil || ttl.Hours() < 7*24-1 || ttl.Hours() > 7*24 {
				t.Fatalf("ttl %v %v, want 7 days", ttl, err)
			}
		})
	}
}

func TestStatusEachStage(t *testing.T) {
	e := newEnv(t)
	// Callbacks may arrive out of order: a stage never replaces a later one.
	steps := []struct{ status, want string }{
		{"queued", "queued"},
		{"sent", "sent"},
		{"queued", "sent"},
		{"failed", "failed"},
		{"sent", "failed"},
		{"delivered", "failed"},
	}
	const msgSid = "SM0000000000000000000000000000abcd"
	for _, step := range steps {
		form := url.Values{"MessageSid": {msgSid}, "MessageStatus": {step.status}, "To": {"+46701230201"},
			"From": {botNumber}, "AccountSid": {accountSID}, "ApiVersion": {"2010-04-01"}}
		if step.status == "failed" {
			form.Set("ErrorCode", "30008")
		}
		if res := e.post(sms.StatusPath, form); res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", step.status, res.StatusCode)
		}
		rec, _ := e.st.Record(e.ctx, "sms:status:"+msgSid)
		if rec["status"] != step.want {
			t.Fatalf("recorded %v after %s, want %s", rec, step.status, step.want)
		}
	}
	for _, status := range []string{"undelivered", "delivered"} {
		sid := "SM00000000000000000000000000" + status[:6]
		form := url.Values{"MessageSid": {sid}, "MessageStatus": {status}, "To": {"+46701230201"}}
		e.post(sms.StatusPath, form)
		if rec, _ := e.st.Record(e.ctx, "sms:status:"+sid); rec["status"] != status {
			t.Fatalf("recorded %v, want %s", rec, status)
		}
	}
	if logs := e.logs.String(); !strings.Contains(logs, "error_code=30008") || strings.Contains(logs, "+46701230201") {
		t.Fatalf("failure not logged, or number not masked:\n%s", logs)
	}
}

func TestStatusRefused(t *testing.T) {
	e := newEnv(t)
	form := url.Values{"MessageSid": {"SM00000000000000000000000000000009"}, "MessageStatus": {"delivered"}}
	cases := []struct {
		name string
		req  *http.Request
		want int
	}{
		{"unsigned", unsigned(e.web.URL+sms.StatusPath, form), http.StatusForbidden},
		{"signed for the inbound URL", smstest.Webhook(e.web.URL+sms.StatusPath, publicURL+sms.InboundPath, authToken, form), http.StatusForbidden},
		{"no status", smstest.Webhook(e.web.URL+sms.StatusPath, publicURL+sms.StatusPath, authToken,
			url.Values{"MessageSid": {"SM00000000000000000000000000000009"}}), http.StatusBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.keys()
			if res := e.do(c.req); res.StatusCode != c.want {
				t.Fatalf("status %d, want %d", res.StatusCode, c.want)
			}
			if after := e.keys(); !slices.Equal(before, after) {
				t.Fatalf("stored something: %v → %v", before, after)
			}
		})
	}
}

func TestStatusOptOutSuppresses(t *testing.T) {
	e := newEnv(t)
	const to = "+46701230202"
	form := url.Values{"MessageSid": {"SM00000000000000000000000000000010"}, "MessageStatus": {"failed"},
		"ErrorCode": {"21610"}, "To": {to}, "From": {botNumber}}
	if res := e.post(sms.StatusPath, form); res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if r, _ := e.st.Suppressed(e.ctx, message.ParticipantID(message.SMS, to)); r != message.OptedOut {
		t.Fatalf("suppressed %q", r)
	}
}

func unsigned(target string, form url.Values) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}
