package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/channel/sms/smstest"
	"github.com/guidebot/guidebot/internal/channel/telegram/telegramtest"
)

// TestServeMatchingAcrossChannels: the real service with the fake Twilio and Bot
// API: an Arabic-speaking newcomer on SMS and a Swedish volunteer on Telegram sign
// up for a fika; a matching round (every 2 s here) proposes them to each other,
// each in their language, delivered with the round; both accept, and
// what each writes reaches the other across the channels; each sees the other's
// contact only once both share; a report puts the match on hold and tells the
// coordinators' chat; STOP by SMS ends it and the volunteer is told at once, and
// nothing more goes to the number. A meeting an hour away is reminded to both on
// the next minute's tick, and both answer the follow-up (brought forward from the
// day after).
func TestServeMatchingAcrossChannels(t *testing.T) {
	t.Parallel() // it waits for a cron minute, as TestServeSeniorGetsTheReminderAndAnswers does
	bin := buildBinary(t)
	tg := telegramtest.New(t, token)
	tw := smstest.NewServer(t, sid, auth)
	addr := freeAddr(t)
	coordinators := -rand.Int64N(1e9) - 1
	public := "http://" + addr
	rurl := redisURL(t)
	startServe(t, bin, addr, map[string]string{
		"REDIS_URL": rurl, "PUBLIC_URL": public, "MATCH_SCHEDULE": "@every 2s", "TELEGRAM_GUIDES_CHAT_ID": fmt.Sprint(coordinators),
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
	for _, line := range []string{"مرحبا", "buddy", "1", "1", "1", "Amal", "Centrum", "4", "1", "2", "1", "football"} {
		amal(line)
	}
	if got := amal("1"); !strings.Contains(got, "تمت الإضافة إلى القائمة") {
		t.Fatalf("Amal's sign-up ends: %q", got)
	}
	for _, line := range []string{"hej", "kompis", "2", "1", "1", "Erik", "Centrum", "5", "1", "football"} {
		erik(line)
	}
	if got := erik("1"); !strings.Contains(got, "Du står på listan") {
		t.Fatalf("Erik's sign-up ends: %q", got)
	}
	// The round proposes them and brings both to the proposal.
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

	// Erik sets the meeting an hour from now: the reminder (2 hours before) is due
	// at once and goes to both with the next minute's tick, each in their language;
	// the follow-up, due the day after, is brought forward to now in Redis (the
	// test's time travel), so the same tick asks both how it went.
	zone, err := time.LoadLocation("Europe/Stockholm") // the sample schedule's venues
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().In(zone).Add(time.Hour).Truncate(time.Minute)
	day, clock := at.Format(time.DateOnly), at.Format("15:04")
	m = len(tw.MessagesTo(number))
	erik("1")
	erik(day)
	erik(clock)
	if got := erik("Biblioteket"); !strings.Contains(got, "vi påminner er båda innan du träffar Amal") {
		t.Fatalf("Erik's meeting: %q", got)
	}
	waitFor(t, "the meeting told to Amal", func() bool { return len(tw.MessagesTo(number)) > m })
	if got := tw.MessagesTo(number)[m]; !strings.Contains(got, "وصل من Erik موعد اللقاء ومكانه: "+day) {
		t.Fatalf("the meeting told to Amal: %q", got)
	}
	if n := followUpsDueNow(t, rurl); n != 2 {
		t.Fatalf("%d follow-ups scheduled, want one each", n)
	}
	m, n = len(tw.MessagesTo(number)), len(sentTo(tg, chat))
	deadline = time.Now().Add(75 * time.Second)
	for len(tw.MessagesTo(number)) == m || len(sentTo(tg, chat)) == n {
		if time.Now().After(deadline) {
			t.Fatal("no reminder within a minute and a quarter")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := tw.MessagesTo(number)[m]; !strings.Contains(got, "تذكير: اللقاء مع Erik يوم "+day+" الساعة "+clock) {
		t.Fatalf("Amal's reminder: %q", got)
	}
	if got := sentTo(tg, chat)[n]; !strings.Contains(got, "Påminnelse: du träffar Amal "+day+" klockan "+clock+", Biblioteket.") {
		t.Fatalf("Erik's reminder: %q", got)
	}
	// Most often the same tick; a minute later when the tick fell between the
	// meeting and the bringing forward.
	for deadline = time.Now().Add(75 * time.Second); !strings.Contains(strings.Join(sentTo(tg, chat)[n:], "\n"), "Träffade du Amal?") ||
		!strings.Contains(strings.Join(tw.MessagesTo(number)[m:], "\n"), "هل تم اللقاء مع Erik؟"); {
		if time.Now().After(deadline) {
			t.Fatal("no follow-up within a minute and a quarter")
		}
		time.Sleep(100 * time.Millisecond)
	}
	erik("1")
	erik("5")
	if got := erik("1"); !strings.Contains(got, "Tack! Det hjälper oss att matcha bra.") {
		t.Fatalf("Erik's follow-up: %q", got)
	}
	amal("1")
	amal("4")
	if got := amal("1"); !strings.Contains(got, "شكرًا! هذا يساعدنا على ترتيب لقاءات مناسبة.") {
		t.Fatalf("Amal's follow-up: %q", got)
	}
	// Back to the match from the menu, both of them.
	erik("kompis")
	amal("buddy")

	// Erik shares his contact; it reaches Amal only once she shares hers.
	erik("2")
	if got := erik("@erik_k"); !strings.Contains(got, "Amal ser det när hen också delar sitt") {
		t.Fatalf("Erik's share: %q", got)
	}
	if got := strings.Join(tw.MessagesTo(number), "\n"); strings.Contains(got, "@erik_k") {
		t.Fatalf("Erik's contact reached Amal before she shared: %q", got)
	}
	amal("2")
	amal("0701234567")
	waitFor(t, "the contacts", func() bool {
		return strings.Contains(strings.Join(tw.MessagesTo(number), "\n"), "@erik_k") &&
			strings.Contains(strings.Join(sentTo(tg, chat), "\n"), "Amal delar hur du når hen: 0701234567")
	})

	// Erik reports a problem: the match is on hold, the coordinators' chat is told.
	m = len(tw.MessagesTo(number))
	if got := erik("4"); !strings.Contains(got, "En samordnare tittar på det") {
		t.Fatalf("Erik's report: %q", got)
	}
	waitFor(t, "the coordinators told", func() bool {
		return strings.Contains(strings.Join(sentTo(tg, coordinators), "\n"), "Ett problem har anmälts i matchning")
	})
	waitFor(t, "Amal told of the hold", func() bool { return len(tw.MessagesTo(number)) > m })

	// STOP by SMS: Erik is told at once; nothing but the confirmation goes to Amal.
	n, m = len(sentTo(tg, chat)), len(tw.MessagesTo(number))
	form := url.Values{"MessageSid": {"SMstop" + number[1:]}, "AccountSid": {sid}, "From": {number},
		"To": {"+46700000000"}, "Body": {"STOP"}, "NumMedia": {"0"}}
	resp, err := http.DefaultClient.Do(smstest.Webhook(public+"/sms/inbound", public+"/sms/inbound", auth, form))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("STOP: %v %v", resp, err)
	}
	resp.Body.Close()
	waitFor(t, "Erik told of the STOP", func() bool { return len(sentTo(tg, chat)) > n })
	if got := sentTo(tg, chat)[n]; !strings.Contains(got, "Amal får inga fler meddelanden") {
		t.Fatalf("Erik after Amal's STOP: %q", got)
	}
	waitFor(t, "the STOP confirmed", func() bool { return len(tw.MessagesTo(number)) > m })
	stopped := len(tw.MessagesTo(number))
	erik("kompis")
	erik("Hallå?")
	time.Sleep(time.Second) // what could reach Amal has had time to
	if got := tw.MessagesTo(number)[stopped:]; len(got) != 0 {
		t.Fatalf("sent to Amal after STOP: %q", got)
	}
}

// followUpsDueNow makes the matching follow-ups the service scheduled due now (in
// every shard's tick set of the test's database) and returns how many it found.
func followUpsDueNow(t *testing.T, rawURL string) int {
	t.Helper()
	rdb := redisClient(t, rawURL)
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, "*tick:due").Result()
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, key := range keys {
		ids, err := rdb.ZRange(ctx, key, 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if strings.HasPrefix(id, "match:") && strings.HasSuffix(id, ":followup") {
				rdb.ZAdd(ctx, key, redis.Z{Score: float64(time.Now().UnixMilli()), Member: id})
				found++
			}
		}
	}
	return found
}
