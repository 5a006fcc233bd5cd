package sms

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// defaultAPIURL is Twilio's REST API.
const defaultAPIURL = "https://api.twilio.com"

// maxRESTAnswer bounds what is read of a REST answer; a message resource or an error
// is a few kilobytes.
const maxRESTAnswer = 1 << 20

// restError is a Twilio REST error answer: its HTTP status and, when the body was
// Twilio's JSON, the error code. Code 0 means the body was something else (a
// proxy's 502 page).
type restError struct {
	Status int
	Code   int
}

// Error leaves Twilio's message out: it often quotes the phone number ("The 'To'
// number +4670… is not a valid phone number"), and errors reach the logs. The code
// says as much (twilio.com/docs/api/errors/<code>).
func (e *restError) Error() string {
	if e.Code == 0 {
		return fmt.Sprintf("twilio: HTTP %d", e.Status)
	}
	return fmt.Sprintf("twilio: HTTP %d, error %d", e.Status, e.Code)
}

// restClient creates messages through Twilio's Messages API with one form POST. It
// replaces twilio-go's REST client on the hot path: that client built each request
// through four layers and decoded the whole message resource (16 % of the service's
// CPU under load), and its calls take no context, so a hung send could not be cut
// short on shutdown. twilio-go still verifies the webhooks' signatures.
type restClient struct {
	http     *http.Client
	endpoint string // …/2010-04-01/Accounts/{sid}/Messages.json
	sid      string
	token    string
}

func newRESTClient(apiURL, accountSID, authToken string) (*restClient, error) {
	if apiURL == "" {
		apiURL = defaultAPIURL
	}
	u, err := url.Parse(strings.TrimRight(apiURL, "/"))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("sms: TWILIO_API_URL %q must be an absolute URL", apiURL)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = maxIdleConns
	return &restClient{
		http: &http.Client{
			Timeout:   sendTimeout,
			Transport: transport,
			// As twilio-go's client: a redirect is an answer, not a hop.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		endpoint: u.String() + "/2010-04-01/Accounts/" + url.PathEscape(accountSID) + "/Messages.json",
		sid:      accountSID,
		token:    authToken,
	}, nil
}

// createMessage posts form and returns the new message's sid.
func (c *restClient) createMessage(ctx context.Context, form url.Values) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("twilio: %w", err)
	}
	req.SetBasicAuth(c.sid, c.token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("twilio: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxRESTAnswer))
	if err != nil {
		return "", fmt.Errorf("twilio: read answer: %w", err)
	}
	if resp.StatusCode >= http.StatusBadRequest {
		e := &restError{Status: resp.StatusCode}
		var body struct {
			Code int `json:"code"`
		}
		if json.Unmarshal(data, &body) == nil {
			e.Code = body.Code
		}
		return "", e
	}
	var created struct {
		Sid string `json:"sid"`
	}
	if err := json.Unmarshal(data, &created); err != nil {
		return "", fmt.Errorf("twilio: HTTP %d with an unreadable answer: %w", resp.StatusCode, err)
	}
	return created.Sid, nil
}
