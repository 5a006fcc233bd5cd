package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/guidebot/guidebot/internal/channel/sms/smstest"
	"github.com/guidebot/guidebot/internal/channel/telegram/telegramtest"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/i18n"
	"github.com/guidebot/guidebot/locales"
)

func guideMessage(updateID, chat int64, name, text string) string {
	return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1795000000,
"from":{"id":%d,"is_bot":false,"first_name":%q,"language_code":"en"},
"chat":{"id":%d,"type":"private","first_name":%q},"text":%q}}`, updateID, updateID, chat, name, chat, name, text)
}

func guidePress(updateID, chat int64, name, data string) string {
	return fmt.Sprintf(`{"update_id":%d,"callback_query":{"id":"cb%d","chat_instance":"1",
"from":{"id":%d,"is_bot":false,"first_name":%q,"language_code":"en"},
"message":{"message_id":1,"date":1795000000,"chat":{"id":%d,"type":"private"},"text":"x"},
"data":%q}}`, updateID, updateID, chat, name, chat, data)
}

// TestServeHandoffToAGuide: an SMS participant writing Arabic asks for a person; two
// guides on Telegram who speak Arabic registered with invite codes (a wrong and a
// used code are refused) race to claim it: exactly one wins and the other is told
// who; the participant's words reach the guide with the number masked, the guide's
// words reach the participant by SMS; /done with an outcome takes the participant
// back to the flows, which ask for feedback. Two replicas share the work.
func TestServeHandoffToAGuide(t *testing.T) {
	bin := buildBinary(t)
	tg := telegramtest.New(t, token)
	tw := smstest.NewServer(t, sid, auth)
	// Two replicas on one Redis: the participant's SMS reach one, the guides'
	// Telegram updates the other, so every step crosses between them.
	redis := redisURL(t)
	var replicas [2]string
	for i := range replicas {
		addr := freeAddr(t)
		replicas[i] = "http://" + addr
		startServe(t, bin, addr, map[string]string{
			"REDIS_URL": redis, "PUBLIC_URL": replicas[i], "SMS_RATE": "0",
			"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": tg.URL, "TELEGRAM_WEBHOOK_SECRET": secret,
			"TELEGRAM_RATE": "0", "TELEGRAM_CHAT_RATE": "0",
			"TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": auth, "TWILIO_FROM": "+46700000000",
			"TWILIO_API_URL": tw.URL,
		})
	}
	public, guides := replicas[0], replicas[1]
	invite := func() string {
		code, out, errOut := runCmd(t, map[string]string{"REDIS_URL": redis}, "", "guide", "invite")
		if code != 0 || len(strings.TrimSpace(out)) != 8 {
			t.Fatalf("guide invite: exit %d %q %s", code, out, errOut)
		}
		return strings.TrimSpace(out)
	}
	var update int64 = 100
	var mu sync.Mutex
	post := func(body string) {
		req, _ := http.NewRequest(http.MethodPost, guides+"/telegram/webhook", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("webhook: %d", resp.StatusCode)
		}
	}
	next := func() int64 { mu.Lock(); defer mu.Unlock(); update++; return update }
	amal, omar := rand.Int64N(1e9)+1, rand.Int64N(1e9)+1e9
	// wait for chat's n-th message and return it.
	nth := func(chat int64, n int, what string) string {
		t.Helper()
		waitFor(t, what, func() bool { return len(sentTo(tg, chat)) >= n })
		return sentTo(tg, chat)[n-1]
	}
	post(guideMessage(next(), amal, "Amal", "/guide WRONG123"))
	if got := nth(amal, 1, "the answer to a wrong code"); !strings.HasPrefix(got, "That code is wrong, used or expired.") {
		t.Fatalf("wrong code: %q", got)
	}
	codeA, codeB := invite(), invite()
	post(guideMessage(next(), amal, "Amal", "/guide "+codeA))
	if got := nth(amal, 2, "Amal's welcome"); !strings.HasPrefix(got, "Welcome, Amal! You are now a guide.") ||
		!strings.Contains(got, `"callback_data":"guide.languages|ar"`) {
		t.Fatalf("welcome: %q", got)
	}
	post(guidePress(next(), amal, "Amal", "guide.languages|ar"))
	if got := nth(amal, 3, "Amal's languages"); !strings.HasPrefix(got, "Your languages: العربية") {
		t.Fatalf("languages: %q", got)
	}
	post(guideMessage(next(), omar, "Omar", "/guide "+codeA)) // Amal's, used
	if got := nth(omar, 1, "the answer to a used code"); !strings.HasPrefix(got, "That code is wrong, used or expired.") {
		t.Fatalf("used code: %q", got)
	}
	post(guideMessage(next(), omar, "Omar", "/guide "+codeB))
	nth(omar, 2, "Omar's welcome")
	post(guidePress(next(), omar, "Omar", "guide.languages|ar"))
	nth(omar, 3, "Omar's languages")

	// The participant, on SMS in Arabic, asks for a person.
	number := fmt.Sprintf("+4670%07d", rand.IntN(1e7))
	say := smsParticipant(t, tw, public, number)
	say("مرحبا") // greeted in Arabic, with the menu
	asked := say("5")
	cat, err := i18n.Load(locales.Files, "sv")
	if err != nil {
		t.Fatal(err)
	}
	want := cat.Render("ar", flow.Message{ID: "handoff.requested"}) + "\n" +
		cat.Render("ar", flow.Message{ID: "handoff.position", Params: map[string]string{"Position": "1"}})
	if !strings.HasPrefix(asked, want) {
		t.Fatalf("the request: %q, want it to begin %q", asked, want)
	}
	masked := number[:3] + " " + number[3:5] + " … " + number[len(number)-2:]
	announced := nth(amal, 4, "the announcement to Amal")
	if !strings.Contains(announced, "New request #") || !strings.Contains(announced, masked) ||
		strings.Contains(announced, number) || !strings.Contains(announced, `"text":"Claim"`) {
		t.Fatalf("announcement %q (want the number masked as %q)", announced, masked)
	}
	ticket := strings.TrimPrefix(strings.Fields(strings.SplitN(announced, "#", 2)[1])[0], "")
	ticket = strings.TrimSuffix(ticket, ":")
	nth(omar, 4, "the announcement to Omar")

	// Both press Claim at once: one wins.
	var wg sync.WaitGroup
	for _, g := range []struct {
		chat int64
		name string
	}{{amal, "Amal"}, {omar, "Omar"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			post(guidePress(next(), g.chat, g.name, "guide.claim:"+ticket+"|claim"))
		}()
	}
	wg.Wait()
	a, o := nth(amal, 5, "Amal's claim"), nth(omar, 5, "Omar's claim")
	winner, loser, winnerName := amal, omar, "Amal"
	if strings.HasPrefix(o, "Request #"+ticket+" is yours") {
		winner, loser, winnerName = omar, amal, "Omar"
		a, o = o, a
	}
	if !strings.HasPrefix(a, "Request #"+ticket+" is yours") || o != "Request #"+ticket+" was taken by "+winnerName+".\n" {
		t.Fatalf("claims: winner %q, loser %q", a, o)
	}
	if got := tw.MessagesTo(number)[len(tw.MessagesTo(number))-1]; !strings.Contains(got, winnerName) {
		waitFor(t, "the participant told who helps", func() bool {
			m := tw.MessagesTo(number)
			return strings.Contains(m[len(m)-1], winnerName)
		})
	}
	// Both announcements are edited to say who took it, their Claim buttons gone.
	edited := func(chat int64) bool {
		for _, c := range tg.Edited() {
			if c.Params["chat_id"] == fmt.Sprint(chat) && c.Params["text"] == "Request #"+ticket+" was taken by "+winnerName+"." {
				_, kb := c.Params["reply_markup"]
				return !kb
			}
		}
		return false
	}
	waitFor(t, "the announcements edited", func() bool { return edited(winner) && edited(loser) })

	// Relay both ways.
	before := len(sentTo(tg, winner))
	form := url.Values{"MessageSid": {"SMrelay0000000000000000000000001"}, "AccountSid": {sid}, "From": {number},
		"To": {"+46700000000"}, "Body": {"كيف أدفع الفاتورة؟"}, "NumMedia": {"0"}}
	resp, err := http.DefaultClient.Do(smstest.Webhook(public+"/sms/inbound", public+"/sms/inbound", auth, form))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("relay in: %v %v", resp, err)
	}
	resp.Body.Close()
	relayed := nth(winner, before+1, "the participant's words at the guide")
	if !strings.HasPrefix(relayed, "#"+ticket+" ("+masked+", العربية): كيف أدفع الفاتورة؟") {
		t.Fatalf("relayed %q", relayed)
	}
	n := len(tw.MessagesTo(number))
	post(guideMessage(next(), winner, winnerName, "افتح تطبيق البنك واختر دفع"))
	waitFor(t, "the guide's words by SMS", func() bool { return len(tw.MessagesTo(number)) > n })
	if got := tw.MessagesTo(number)[n]; got != "افتح تطبيق البنك واختر دفع" {
		t.Fatalf("the guide's words arrived as %q", got)
	}

	// /done, an outcome, and the participant is back with the flows, asked for feedback.
	before = len(sentTo(tg, winner))
	post(guideMessage(next(), winner, winnerName, "/done"))
	if got := nth(winner, before+1, "the outcome question"); !strings.Contains(got, `"callback_data":"guide.done:`+ticket+`|solved"`) {
		t.Fatalf("outcome question %q", got)
	}
	n = len(tw.MessagesTo(number))
	post(guidePress(next(), winner, winnerName, "guide.done:"+ticket+"|solved"))
	if got := nth(winner, before+2, "the ticket closed"); !strings.HasPrefix(got, "Request #"+ticket+" is closed.") {
		t.Fatalf("closed: %q", got)
	}
	waitFor(t, "the participant back with the flows", func() bool { return len(tw.MessagesTo(number)) > n })
	back := tw.MessagesTo(number)[n]
	if !strings.Contains(back, "1.") || !strings.Contains(back, "5.") {
		t.Fatalf("after the guide: %q, want the feedback question with its five ratings", back)
	}
	if got := say("5"); got == "" {
		t.Fatal("no answer to the rating")
	}
}
