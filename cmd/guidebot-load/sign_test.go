package main

import (
	"net/url"
	"testing"

	"github.com/twilio/twilio-go/client"
)

// twilioExampleURL and twilioExampleParams are the example of Twilio's webhook
// security documentation, with auth token 12345.
const twilioExampleURL = "https://mycompany.com/myapp.php?foo=1&bar=2"

func twilioExampleParams() url.Values {
	return url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {"+12349013030"},
		"Digits":  {"1234"},
		"From":    {"+12349013030"},
		"To":      {"+18005551212"},
	}
}

func TestTwilioSignature(t *testing.T) {
	tests := []struct {
		name, token, url string
		params           url.Values
		want             string
	}{
		{
			// Twilio's published example. (GvWf1cFY/Q7PnoempGyD5oXAezc=, sometimes
			// quoted for it, is not its signature: twilio-go rejects it.)
			name:   "twilio docs example",
			token:  "12345",
			url:    twilioExampleURL,
			params: twilioExampleParams(),
			want:   "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
		},
		{
			// twilio-go's own test vector (client/request_validator_test.go).
			name:  "twilio-go test vector",
			token: "12345",
			url:   twilioExampleURL,
			params: url.Values{
				"Digits":                {"1234"},
				"CallSid":               {"CA1234567890ABCDE"},
				"To":                    {"+18005551212"},
				"Caller":                {"+14158675309"},
				"From":                  {"+14158675309"},
				"ReasonConferenceEnded": {"test"},
				"Reason":                {"Participant"},
			},
			want: "vOEb5UThFn24KEfnOFLQY2AE5FY=",
		},
		{
			name:   "no parameters: the URL alone",
			token:  "12345",
			url:    twilioExampleURL,
			params: url.Values{},
			want:   "zYQTYrRWXE7LtzbG4PfP7/bkkGo=", // openssl dgst -sha1 -hmac 12345 -binary | base64
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := twilioSignature(tt.token, tt.url, tt.params); got != tt.want {
				t.Errorf("signature = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestTwilioSignatureAccepted checks the signature against the validator guidebot
// itself uses, on the form a participant posts.
func TestTwilioSignatureAccepted(t *testing.T) {
	p := newParticipant(12, smsKind, newScript(), 1)
	tests := []struct {
		name string
		url  string
		form url.Values
	}{
		{"docs example", twilioExampleURL, twilioExampleParams()},
		{"inbound sms", "http://127.0.0.1:8080/sms/inbound",
			p.smsForm(move{text: "Hjälp steg för steg 🙂"}, "SM0123456789abcdef0123456789abcdef", "AC0123456789abcdef0123456789abcdef", defaultTwilioFrom)},
	}
	v := client.NewRequestValidator("12345")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := map[string]string{}
			for k, vs := range tt.form {
				params[k] = vs[0]
			}
			if sig := twilioSignature("12345", tt.url, tt.form); !v.Validate(tt.url, params, sig) {
				t.Errorf("twilio-go rejects %q", sig)
			}
		})
	}
}

func TestTwilioSignatureDependsOnEverything(t *testing.T) {
	base := url.Values{"Body": {"hello"}, "From": {"+46701000000"}}
	want := twilioSignature("secret", "http://127.0.0.1:8080/sms/inbound", base)
	tests := []struct {
		name, token, url string
		params           url.Values
	}{
		{"token", "other", "http://127.0.0.1:8080/sms/inbound", base},
		{"url", "secret", "http://127.0.0.1:8081/sms/inbound", base},
		{"value", "secret", "http://127.0.0.1:8080/sms/inbound", url.Values{"Body": {"hellO"}, "From": {"+46701000000"}}},
		{"extra param", "secret", "http://127.0.0.1:8080/sms/inbound", url.Values{"Body": {"hello"}, "From": {"+46701000000"}, "NumMedia": {"0"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := twilioSignature(tt.token, tt.url, tt.params); got == want {
				t.Errorf("changing the %s left the signature %q", tt.name, got)
			}
		})
	}
}
