package main

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// twilioAPIVersion is the one REST API version Twilio's Messages resource lives under.
const twilioAPIVersion = "2010-04-01"

// badGatewayPage is what a proxy in front of Twilio answers: HTML, not Twilio's JSON.
const badGatewayPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n" +
	"<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"

// twilioError is Twilio's error body.
type twilioError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info,omitempty"`
	Status   int    `json:"status"`
}

// twilioMessage is Twilio's Message resource as a create answers it.
type twilioMessage struct {
	AccountSID          string            `json:"account_sid"`
	APIVersion          string            `json:"api_version"`
	Body                string            `json:"body"`
	DateCreated         string            `json:"date_created"`
	DateSent            *string           `json:"date_sent"`
	DateUpdated         string            `json:"date_updated"`
	Direction           string            `json:"direction"`
	ErrorCode           *int              `json:"error_code"`
	ErrorMessage        *string           `json:"error_message"`
	From                *string           `json:"from"`
	MessagingServiceSID *string           `json:"messaging_service_sid"`
	NumMedia            string            `json:"num_media"`
	NumSegments         string            `json:"num_segments"`
	Price               *string           `json:"price"`
	PriceUnit           string            `json:"price_unit"`
	SID                 string            `json:"sid"`
	Status              string            `json:"status"`
	SubresourceURIs     map[string]string `json:"subresource_uris"`
	To                  string            `json:"to"`
	URI                 string            `json:"uri"`
}

// twilioAPI is the fake Twilio REST API: POST /2010-04-01/Accounts/{sid}/Messages.json.
type twilioAPI struct {
	sid, auth string
	base      string // "/2010-04-01/Accounts/<sid>"
	sink      providerSink
	faults    *faults
	log       *slog.Logger
	sidPrefix uint64
	seq       atomic.Uint64
}

func newTwilioAPI(sid, auth string, sink providerSink, f *faults, log *slog.Logger) *twilioAPI {
	return &twilioAPI{
		sid: sid, auth: auth,
		base:      "/" + twilioAPIVersion + "/Accounts/" + sid,
		sink:      sink,
		faults:    f,
		log:       log,
		sidPrefix: rand.Uint64(),
	}
}

func (t *twilioAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != t.base+"/Messages.json" {
		writeJSON(w, http.StatusNotFound, twilioError{Code: 20404,
			Message: "The requested resource " + r.URL.Path + " was not found", Status: http.StatusNotFound})
		return
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != t.sid || pass != t.auth {
		writeJSON(w, http.StatusUnauthorized, twilioError{Code: 20003, Message: "Authenticate", Status: http.StatusUnauthorized})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxParamBytes)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, twilioError{Code: 20001, Message: "malformed form: " + err.Error(), Status: http.StatusBadRequest})
		return
	}
	at := time.Now()
	to, body := r.PostForm.Get("To"), r.PostForm.Get("Body")
	from, service := r.PostForm.Get("From"), r.PostForm.Get("MessagingServiceSid")
	switch {
	case to == "":
		writeJSON(w, http.StatusBadRequest, twilioError{Code: 21604, Message: "A 'To' phone number is required.", Status: http.StatusBadRequest})
		return
	case from == "" && service == "":
		writeJSON(w, http.StatusBadRequest, twilioError{Code: 21603, Message: "A 'From' phone number is required.", Status: http.StatusBadRequest})
		return
	case body == "":
		writeJSON(w, http.StatusBadRequest, twilioError{Code: 21602, Message: "Message body is required.", Status: http.StatusBadRequest})
		return
	}
	idx := smsIndex(to)
	switch o := t.faults.decide(at); o {
	case failed:
		t.sink.providerCall(smsKind, to, idx, o, nil, at)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte(badGatewayPage))
		return
	case tooMany:
		t.sink.providerCall(smsKind, to, idx, o, nil, at)
		writeJSON(w, http.StatusTooManyRequests, twilioError{Code: 20429, Message: "Too Many Requests", Status: http.StatusTooManyRequests})
		return
	case hung:
		t.sink.providerCall(smsKind, to, idx, o, nil, at)
		<-r.Context().Done()
		return
	}
	t.sink.providerCall(smsKind, to, idx, delivered, &reply{text: body, items: parseList(body), sum: replySum(body, "")}, at)

	sid := fmt.Sprintf("SM%016x%016x", t.sidPrefix, t.seq.Add(1))
	date := at.UTC().Format(time.RFC1123Z)
	uri := t.base + "/Messages/" + sid
	msg := twilioMessage{
		AccountSID:      t.sid,
		APIVersion:      twilioAPIVersion,
		Body:            body,
		DateCreated:     date,
		DateUpdated:     date,
		Direction:       "outbound-api",
		NumMedia:        "0",
		NumSegments:     strconv.Itoa(1),
		PriceUnit:       "USD",
		SID:             sid,
		Status:          "queued",
		SubresourceURIs: map[string]string{"media": uri + "/Media.json"},
		To:              to,
		URI:             uri + ".json",
	}
	if from != "" {
		msg.From = &from
	}
	if service != "" {
		msg.MessagingServiceSID = &service
	}
	writeJSON(w, http.StatusCreated, msg)
}
