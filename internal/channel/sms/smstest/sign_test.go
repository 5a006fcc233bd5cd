package smstest_test

import (
	"net/url"
	"testing"

	"github.com/twilio/twilio-go/client"

	"github.com/guidebot/guidebot/internal/channel/sms/smstest"
)

// The example in Twilio's documentation on validating its requests ("Secure your
// webhooks"; also twilio-php's validation docs): auth token 12345.
func TestSignTwilioDocsVector(t *testing.T) {
	const (
		token = "12345"
		u     = "https://mycompany.com/myapp.php?foo=1&bar=2"
		want  = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
	)
	form := url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {"+14158675309"},
		"Digits":  {"1234"},
		"From":    {"+14158675309"},
		"To":      {"+18005551212"},
	}
	if got := smstest.Sign(token, u, form); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	v := client.NewRequestValidator(token)
	if !v.Validate(u, flat(form), want) {
		t.Fatal("twilio-go's validator rejects the documented signature")
	}
}

// The signer and twilio-go's validator agree on the forms this channel receives,
// and both notice any change.
func TestSignAgreesWithValidator(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	v := client.NewRequestValidator(token)
	forms := []url.Values{
		{},
		{"Body": {"hello"}, "From": {"+46701234567"}, "MessageSid": {"SM1"}},
		{"Body": {"مرحبا، أحتاج مساعدة"}, "From": {"+46761112233"}, "To": {"+46769436151"}},
		{"Body": {"Tack 👍 & =?+%20"}, "From": {"+46709876543"}, "NumMedia": {"0"}, "ToCity": {""}},
		{"a": {"1"}, "B": {"2"}, "_": {"3"}, "Z": {"4"}}, // byte order, not case-folded
	}
	for _, u := range []string{"https://bot.example.org/sms/inbound", "https://bot.example.org/sms/inbound?x=1&y=%20"} {
		for _, f := range forms {
			sig := smstest.Sign(token, u, f)
			if !v.Validate(u, flat(f), sig) {
				t.Errorf("validator rejects %s %v", u, f)
			}
			changed := flat(f)
			changed["Extra"] = "1"
			if v.Validate(u, changed, sig) {
				t.Errorf("validator accepts an added field for %v", f)
			}
			if v.Validate(u+"/", flat(f), sig) {
				t.Errorf("validator accepts another URL for %v", f)
			}
		}
	}
}

func flat(f url.Values) map[string]string {
	m := make(map[string]string, len(f))
	for k, v := range f {
		m[k] = v[0]
	}
	return m
}
