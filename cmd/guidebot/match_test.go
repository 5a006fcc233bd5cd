package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/channel/sms/smstest"
	"github.com/guidebot/guidebot/internal/channel/telegram/telegramtest"
)

// TestServeMatchingAcrossChannels: the real service with the fake Twilio and Bot
// API: an Arabic-speaking newcomer on SMS and a Swedish volunteer on Telegram sign
// up for a fika; a matching round (every 2 s here) proposes them to each other,
// each in their language, delivered on the next minute's tick; both accept, and
// what each writes reaches the other across the channels.
func TestServeMatchingAcrossChannels(t *testing.T) {
	bin := buildBinary(t)
	tg := telegramtest.New(t, token)
	tw := smstest.NewServer(t, sid, auth)
	addr := freeAddr(t)
	public := "http://" + addr
	startServe(t, bin, addr, map[string]string{
		"REDIS_URL": redisURL(t), "PUBLIC_URL": public, "MATCH_SCHEDULE": "@every 2s",
		"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": tg.URL, "TELEGRAM_WEBHOOK_SECRET": secret,
		"TELEGRAM_RATE": "0", "TELEGRAM_CHAT_RATE": "0", "SMS_RATE": "0",
		"TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": auth, "TWILIO_FROM": "+46700000000", "TWILIO_API_URL": tw.URL,
	})
	waitFor(t, "the webhook", func() bool { return len(tg.Calls("setWebhook")) > 0 })
	number := fmt.Sprintf("+4670%07d", rand.IntN(1e7))
	amal := smsParticipant(t, tw, public, number)
	chat := rand.Int64N(1e9) + 1
	update := int64(0)
	erik := func(text string) string {
		t.Helper()
		update++
		n := len(sentTo(tg, chat))
		req, _ := http.NewRequest(http.MethodPost, public+"/telegram/webhook", strings.NewReader(textUpdate(update, chat, text)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%q: %v %v", text, resp, err)
		}
		resp.Body.Close()
		waitFor(t, "the answer to "+text, func() bool { return len(sentTo(tg, chat)) > n })
		return sentTo(tg, chat)[n]
	}
	for _, line := range []string{"مرحبا", "buddy", "1", "1", "Amal", "Centrum", "4", "1", "2", "football"} {
		amal(line)
	}
	if got := amal("1"); !strings.Contains(got, "تمت الإضافة إلى القائمة") {
		t.Fatalf("Amal's sign-up ends: %q", got)
	}
	for _, line := range []string{"hej", "kompis", "2", "1", "Erik", "Centrum", "5", "1", "football"} {
		erik(line)
	}
	if got := erik("1"); !strings.Contains(got, "Du står på listan") {
		t.Fatalf("Erik's sign-up ends: %q", got)
	}
	// The round proposes them; the next minute's tick brings both to the proposal.
	smsBefore, tgBefore := len(tw.MessagesTo(number)), len(sentTo(tg, chat))
	deadline := time.Now().Add(75 * time.Second)
	for len(tw.MessagesTo(number)) == smsBefore || len(sentTo(tg, chat)) == tgBefore {
		if time.Now().After(deadline) {
			t.Fatal("no proposal within a minute and a quarter")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := tw.MessagesTo(number)[smsBefore]; !strings.Contains(got, "Erik") || !strings.Contains(got, "football") {
		t.Fatalf("Amal's proposal: %q", got)
	}
	if got := sentTo(tg, chat)[tgBefore]; !strings.Contains(got, "Vi har hittat någon åt dig: Amal") || !strings.Contains(got, "match.offer|yes") {
		t.Fatalf("Erik's proposal: %q", got)
	}
	if got := erik("1"); !strings.Contains(got, "Vi väntar på svar från Amal") {
		t.Fatalf("Erik's yes: %q", got)
	}
	if got := amal("1"); !strings.Contains(got, "Erik") {
		t.Fatalf("Amal's yes: %q", got)
	}
	// Amal writes; it reaches Erik on Telegram, with her name and without her number.
	n := len(sentTo(tg, chat))
	amal("مرحبا Erik")
	waitFor(t, "Amal's words on Telegram", func() bool { return len(sentTo(tg, chat)) > n })
	if got := sentTo(tg, chat)[n]; !strings.Contains(got, "Amal: مرحبا Erik") || strings.Contains(got, number[1:]) {
		t.Fatalf("relayed to Erik: %q", got)
	}
	// Erik goes back to the match from the menu and answers; it reaches Amal by SMS.
	erik("kompis")
	m := len(tw.MessagesTo(number))
	erik("Hej Amal! Biblioteket på lördag?")
	waitFor(t, "Erik's words by SMS", func() bool { return len(tw.MessagesTo(number)) > m })
	if got := tw.MessagesTo(number)[m]; !strings.Contains(got, "Erik: Hej Amal! Biblioteket på lördag?") {
		t.Fatalf("relayed to Amal: %q", got)
	}
}
