package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/channel/sms/smstest"
	"github.com/guidebot/guidebot/internal/channel/telegram/telegramtest"
	"github.com/guidebot/guidebot/internal/store"
	"github.com/guidebot/guidebot/internal/store/storetest"
)

// These tests run the real `guidebot serve` binary against fake Telegram and Twilio
// servers and a real Redis, and hold a conversation on each channel.

const (
	token  = "123456:TEST-token"
	secret = "webhook-secret_1"
	sid    = "AC00000000000000000000000000000001"
	auth   = "0123456789abcdef0123456789abcdef"
	ukSet  = "Добре, я писатиму українською."
	// adminToken is ADMIN_TOKEN where a test sets it.
	adminToken = "admin-token-for-tests"
)

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "guidebot")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// The Redis databases the serve tests use, one a test: the binary has no key prefix,
// so a test takes a database of its own, emptied before and after. Databases below
// firstTestDB are left to the other tests (key prefixes in 0) and to people (the
// README's load tool runs in 3 or 5).
const (
	firstTestDB = 6
	testDBs     = 10
)

// dbLease is how long a test may hold its database before another run may take it
// (a test that crashed without cleaning up).
const dbLease = 10 * time.Minute

// redisURL is a Redis database for this test alone, so its outbox streams,
// participants and bookings meet no other run's: a test takes the first database
// whose lock (a key in database 0) it can set, so two runs at once on one Redis —
// CI beside someone's own `go test` — never share one.
//
// On a Redis Cluster (REDIS_URL=redis+cluster://…, which has no databases) a test
// has a key prefix of its own instead: clusterPrefix, which the commands the test
// runs are given as REDIS_PREFIX.
func redisURL(t *testing.T) string {
	if rdb, ok := storetest.Cluster(t); ok {
		prefix := clusterPrefix(t)
		storetest.DeletePrefix(rdb, prefix)
		t.Cleanup(func() {
			storetest.DeletePrefix(rdb, prefix)
			rdb.Close()
		})
		return os.Getenv("REDIS_URL")
	}
	addr := storetest.Addr(t)
	locks := redis.NewClient(&redis.Options{Addr: addr})
	owner := fmt.Sprintf("%d-%d", os.Getpid(), rand.Int64())
	ctx := context.Background()
	db := -1
	for deadline := time.Now().Add(time.Minute); db < 0; {
		for _, n := range rand.Perm(testDBs) {
			ok, err := locks.SetNX(ctx, fmt.Sprintf("guidebot-test-db:%d", firstTestDB+n), owner, dbLease).Result()
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				db = firstTestDB + n
				break
			}
		}
		if db < 0 {
			if time.Now().After(deadline) {
				t.Fatalf("no free Redis database among %d–%d", firstTestDB, firstTestDB+testDBs-1)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr, DB: db})
	flush := func() {
		if err := rdb.FlushDB(ctx).Err(); err != nil {
			t.Errorf("emptying Redis database %d: %v", db, err)
		}
	}
	flush()
	t.Cleanup(func() {
		flush()
		rdb.Close()
		// Only our own lock: one that outlived its lease may be another run's now.
		if v, _ := locks.Get(ctx, fmt.Sprintf("guidebot-test-db:%d", db)).Result(); v == owner {
			locks.Del(ctx, fmt.Sprintf("guidebot-test-db:%d", db))
		}
		locks.Close()
	})
	return fmt.Sprintf("redis://%s/%d", addr, db)
}

// clusterPrefix is the test's REDIS_PREFIX on a Redis Cluster: the same for each
// command the test runs (two replicas share it), another for each test and run.
func clusterPrefix(t *testing.T) string {
	name := strings.NewReplacer("/", "-", " ", "-", "{", "", "}", "").Replace(t.Name())
	return fmt.Sprintf("test:%s:%d:", name, os.Getpid())
}

// withPrefix gives vars the test's REDIS_PREFIX when they name a Redis Cluster.
func withPrefix(t *testing.T, vars map[string]string) map[string]string {
	if _, ok := store.ClusterURL(vars["REDIS_URL"]); !ok || vars["REDIS_PREFIX"] != "" {
		return vars
	}
	out := maps.Clone(vars)
	out["REDIS_PREFIX"] = clusterPrefix(t)
	return out
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// served is a running guidebot serve: what it logged so far, and its process.
type served struct {
	logs    func() string
	process *os.Process
	killed  *atomic.Bool
}

// kill ends the replica with SIGKILL, as a crash would: nothing drains or flushes.
func (s served) kill() {
	s.killed.Store(true)
	s.process.Kill()
}

// startServe runs the binary with env and waits for /healthz. At the test's end it
// sends SIGTERM and expects a clean exit.
func startServe(t *testing.T, bin, addr string, env map[string]string) served {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	env = withPrefix(t, env)
	cmd.Env = append(os.Environ(), "HTTP_ADDR="+addr)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var killed atomic.Bool
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil && !killed.Load() {
				t.Errorf("guidebot serve did not exit cleanly on SIGTERM: %v\n%s", err, out.String())
			}
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			t.Errorf("guidebot serve ignored SIGTERM\n%s", out.String())
		}
		if t.Failed() {
			t.Logf("guidebot serve logs:\n%s", out.String())
		}
		if strings.Contains(out.String(), token) || strings.Contains(out.String(), auth) {
			t.Errorf("a secret reached the logs:\n%s", out.String())
		}
		// Not a terminal: one JSON object a line.
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if line != "" && !json.Valid([]byte(line)) && !strings.HasPrefix(line, "WARNING: REDIS_URL") {
				t.Errorf("a log line that is not JSON: %s", line)
			}
		}
	})
	waitFor(t, "guidebot serve to answer /healthz", func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return served{logs: out.String, process: cmd.Process, killed: &killed}
}

// smsParticipant is number writing to the service at public through Twilio's signed
// webhook; say returns the first reply the fake Twilio got for it.
func smsParticipant(t *testing.T, tw *smstest.Server, public, number string) (say func(body string) string) {
	sent := 0
	return func(body string) string {
		t.Helper()
		sent++
		n := len(tw.MessagesTo(number))
		form := url.Values{"MessageSid": {fmt.Sprintf("SM%s%024d", number[len(number)-4:], sent)}, "AccountSid": {sid},
			"From": {number}, "To": {"+46700000000"}, "Body": {body}, "NumMedia": {"0"}}
		resp, err := http.DefaultClient.Do(smstest.Webhook(public+"/sms/inbound", public+"/sms/inbound", auth, form))
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%q: %v %v", body, resp, err)
		}
		resp.Body.Close()
		waitFor(t, "the reply to "+body, func() bool { return len(tw.MessagesTo(number)) > n })
		return tw.MessagesTo(number)[n]
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func textUpdate(updateID, chat int64, text string) string {
	return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1795000000,
"from":{"id":%d,"is_bot":false,"first_name":"Amina","language_code":"ar"},
"chat":{"id":%d,"type":"private","first_name":"Amina"},"text":%q}}`, updateID, updateID, chat, chat, text)
}

func callbackUpdate(updateID, chat int64, data string) string {
	return fmt.Sprintf(`{"update_id":%d,"callback_query":{"id":"cb%d","chat_instance":"1",
"from":{"id":%d,"is_bot":false,"first_name":"Amina","language_code":"ar"},
"message":{"message_id":1,"date":1795000000,"chat":{"id":%d,"type":"private"},"text":"x"},
"data":%q}}`, updateID, updateID, chat, chat, data)
}

func sentTo(tg *telegramtest.Server, chat int64) []string {
	var out []string
	for _, c := range tg.Sent() {
		if c.Params["chat_id"] == fmt.Sprint(chat) {
			out = append(out, c.Params["text"]+"\n"+c.Params["reply_markup"])
		}
	}
	return out
}

func TestServeWebhookTelegramAndSMS(t *testing.T) {
	bin := buildBinary(t)
	tg := telegramtest.New(t, token)
	tw := smstest.NewServer(t, sid, auth)
	// The Bot API is down at start: the service comes up anyway and registers later.
	tg.Fail("setWebhook", 1, telegramtest.Failure{Code: http.StatusBadGateway})
	addr := freeAddr(t)
	public := "http://" + addr
	srv := startServe(t, bin, addr, map[string]string{
		"REDIS_URL": redisURL(t), "PUBLIC_URL": public,
		"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": tg.URL, "TELEGRAM_WEBHOOK_SECRET": secret,
		"TELEGRAM_RATE": "0", "TELEGRAM_CHAT_RATE": "0",
		"TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": auth, "TWILIO_FROM": "+46700000000",
		"TWILIO_API_URL": tw.URL, "ADMIN_TOKEN": adminToken,
	})
	waitFor(t, "setWebhook to be retried", func() bool { return len(tg.Calls("setWebhook")) == 2 })
	if hook := tg.Calls("setWebhook")[1]; hook.Status != http.StatusOK || hook.Params["secret_token"] != secret {
		t.Fatalf("setWebhook not registered with the secret: %+v", tg.Calls("setWebhook"))
	}

	// Telegram: an unsigned update is refused; a signed one is answered.
	chat := rand.Int64N(1e9) + 1
	var lastAnswer string // the webhook response's body
	post := func(body, secretHeader string) int {
		req, _ := http.NewRequest(http.MethodPost, public+"/telegram/webhook", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if secretHeader != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secretHeader)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		lastAnswer = string(b)
		return resp.StatusCode
	}
	if code := post(textUpdate(1, chat, "/start"), "wrong"); code != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d", code)
	}
	if code := post(textUpdate(2, chat, "/start"), secret); code != http.StatusOK {
		t.Fatalf("update: %d", code)
	}
	waitFor(t, "the Telegram welcome", func() bool { return len(sentTo(tg, chat)) == 1 })
	if got := sentTo(tg, chat)[0]; !strings.Contains(got, "guidebot") || !strings.Contains(got, "welcome.language|sv") {
		t.Fatalf("welcome: %s", got)
	}
	if code := post(callbackUpdate(3, chat, "welcome.language|en"), secret); code != http.StatusOK {
		t.Fatalf("button: %d", code)
	}
	waitFor(t, "the answer to the button", func() bool { return len(sentTo(tg, chat)) == 2 })
	if got := sentTo(tg, chat)[1]; !strings.Contains(got, "OK, I will write in English.") {
		t.Fatalf("after the button: %s", got)
	}
	if !strings.Contains(lastAnswer, `"method":"answerCallbackQuery","callback_query_id":"cb3"`) {
		t.Fatalf("the button press was not acknowledged in the webhook's answer: %q", lastAnswer)
	}

	// SMS: a badly signed post is refused; signed ones are answered by REST.
	number := fmt.Sprintf("+4670%07d", rand.IntN(1e7))
	inbound := func(msgSid, body string) int {
		form := url.Values{"MessageSid": {msgSid}, "AccountSid": {sid}, "From": {number},
			"To": {"+46700000000"}, "Body": {body}, "NumMedia": {"0"}}
		resp, err := http.DefaultClient.Do(smstest.Webhook(public+"/sms/inbound", public+"/sms/inbound", auth, form))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	bad := smstest.Webhook(public+"/sms/inbound", public+"/sms/inbound", "not-the-token",
		url.Values{"MessageSid": {"SMbad"}, "From": {number}, "Body": {"hi"}})
	if resp, err := http.DefaultClient.Do(bad); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("bad signature: %v %v", resp, err)
	}
	for i, step := range []struct{ say, want string }{
		{"1", "1. Svenska"}, // a first message in no language: the list
		{"2", "OK, I will write in English."},
		{"step-by-step HELP!", "Choose a topic."},
	} {
		if code := inbound(fmt.Sprintf("SM%032d", i), step.say); code != http.StatusOK {
			t.Fatalf("%q: %d", step.say, code)
		}
		waitFor(t, "SMS reply "+fmt.Sprint(i+1), func() bool { return len(tw.MessagesTo(number)) == i+1 })
		if got := tw.MessagesTo(number)[i]; !strings.Contains(got, step.want) {
			t.Fatalf("after %q: %q", step.say, got)
		}
	}
	// Twilio retries a webhook: the same MessageSid gets no second reply.
	inbound(fmt.Sprintf("SM%032d", 2), "step-by-step HELP!")
	time.Sleep(300 * time.Millisecond)
	if n := len(tw.MessagesTo(number)); n != 3 {
		t.Fatalf("%d SMS after a repeated MessageSid, want 3", n)
	}
	// "When and where can I get help?" from the menu: the shipped sample schedule, one
	// session an SMS (header, the session, four options); "1" books it, and "My
	// bookings" lists it.
	for i, say := range []string{"menu", "8", "1", "1"} {
		if code := inbound(fmt.Sprintf("SM%032d", 10+i), say); code != http.StatusOK {
			t.Fatalf("%q: %d", say, code)
		}
		waitFor(t, "the reply to "+say, func() bool { return len(tw.MessagesTo(number)) == 4+i })
	}
	listed := tw.MessagesTo(number)[4]
	if !strings.HasPrefix(listed, "Guides meet people here next:\n") ||
		strings.Count(listed, "\n") != 5 || !strings.Contains(listed, "1. Book it\n2. More sessions") {
		t.Fatalf("sessions by SMS: %q", listed)
	}
	session := strings.Split(listed, "\n")[1]
	if got := tw.MessagesTo(number)[5]; !strings.HasPrefix(got, "You are booked.") || !strings.Contains(got, session) {
		t.Fatalf("booking by SMS: %q, want it booked: %q", got, session)
	}
	if got := tw.MessagesTo(number)[6]; !strings.HasPrefix(got, "Your bookings:\n"+session+"\n1. Cancel it") {
		t.Fatalf("my bookings by SMS: %q", got)
	}
	if cb := tw.Messages()[0].Form.Get("StatusCallback"); cb != public+"/sms/status" {
		t.Fatalf("StatusCallback %q", cb)
	}
	// /metrics counts the messages in and out by channel and language, with no
	// number, chat id or text in any label.
	resp, err := http.Get(public + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`guidebot_messages_total{channel="sms",direction="in",lang="en"} 6`,
		`guidebot_messages_total{channel="sms",direction="out",lang="en"}`,
		`guidebot_messages_total{channel="telegram",direction="in",lang="en"} 1`,
		`guidebot_handle_seconds_count{channel="sms"} 7`,
		`guidebot_outbox_waiting{channel="sms"}`,
		`guidebot_outbox_oldest_seconds{channel="telegram"}`,
		`guidebot_scheduled{kind="reminder"}`,
		`guidebot_scheduled{kind="tick"}`,
		`guidebot_errors_total{kind="redis"} 0`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(string(body), number[1:]) || strings.Contains(string(body), strconv.FormatInt(chat, 10)) {
		t.Error("/metrics names a phone number or a chat id")
	}
	// The report API: refused without the admin token, the figures with it.
	reportReq, _ := http.NewRequest(http.MethodGet, public+"/api/report", nil)
	if resp, err := http.DefaultClient.Do(reportReq); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/api/report without the token: %v %v", resp, err)
	}
	reportReq.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err = http.DefaultClient.Do(reportReq)
	if err != nil {
		t.Fatal(err)
	}
	var figures struct {
		Reach struct {
			ByChannel map[string]any `json:"by_channel"`
		} `json:"reach"`
	}
	err = json.NewDecoder(resp.Body).Decode(&figures)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || figures.Reach.ByChannel["sms"] != "<5" || figures.Reach.ByChannel["telegram"] != "<5" {
		t.Fatalf("/api/report: %d %+v %v", resp.StatusCode, figures, err)
	}
	// The coordinators' page: sent to sign in, signed in with the token, the chart.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err = browser.PostForm(public+"/admin/signin", url.Values{"token": {adminToken}, "lang": {"en"}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `id="reach-chart"`) || !strings.Contains(string(page), "Participants reached") {
		t.Fatalf("/admin after signing in: %d\n%.500s", resp.StatusCode, page)
	}
	// One request id from the webhook to the provider call: the inbound MessageSid is
	// the req of its handling and of the SMS that answered it.
	req := fmt.Sprintf("SM%032d", 0)
	handled, sentFor := false, false
	for _, line := range strings.Split(srv.logs(), "\n") {
		var entry map[string]any
		if json.Unmarshal([]byte(line), &entry) != nil || entry["req"] != req {
			continue
		}
		handled = handled || entry["msg"] == "sms handled"
		sentFor = sentFor || entry["msg"] == "sms sent"
	}
	if !handled || !sentFor {
		t.Errorf("req %s: handled logged %v, its reply's send logged %v", req, handled, sentFor)
	}
}

func TestServePollingTelegram(t *testing.T) {
	bin := buildBinary(t)
	tg := telegramtest.New(t, token)
	chat := rand.Int64N(1e9) + 1
	tg.Queue(t, textUpdate(10, chat, "/start"))
	startServe(t, bin, freeAddr(t), map[string]string{
		"REDIS_URL": redisURL(t), "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": tg.URL,
		"TELEGRAM_MODE": "polling", "TELEGRAM_RATE": "0", "TELEGRAM_CHAT_RATE": "0",
	})
	waitFor(t, "the polled welcome", func() bool { return len(sentTo(tg, chat)) == 1 })
	tg.Queue(t, textUpdate(11, chat, "5"))
	waitFor(t, "the answer in English", func() bool { return len(sentTo(tg, chat)) == 2 })
	// Option 5 is Ukrainian: the reply is in Ukrainian, with the menu as buttons.
	if got := sentTo(tg, chat)[1]; !strings.Contains(got, ukSet) || !strings.Contains(got, "main.menu|intake") {
		t.Fatalf("after choosing 5: %s", got)
	}
	if len(tg.Calls("deleteWebhook")) < 1 {
		t.Fatalf("polling mode did not delete the webhook: %d calls", len(tg.Calls("deleteWebhook")))
	}
}

// TestServeTelegramReceivesWhenCommandMenusAreRefused: the command menus are
// cosmetic; Telegram refusing them (404, 400) must not keep updates from flowing,
// in either mode.
func TestServeTelegramReceivesWhenCommandMenusAreRefused(t *testing.T) {
	bin := buildBinary(t)
	for _, tc := range []struct {
		mode    string
		failure telegramtest.Failure
	}{
		{"webhook", telegramtest.Failure{Code: http.StatusNotFound, Description: "Not Found"}},
		{"polling", telegramtest.Failure{Code: http.StatusBadRequest, Description: "Bad Request: command description is too long"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			tg := telegramtest.New(t, token)
			tg.Fail("setMyCommands", 1000, tc.failure)
			addr := freeAddr(t)
			env := map[string]string{
				"REDIS_URL": redisURL(t), "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": tg.URL,
				"TELEGRAM_MODE": tc.mode, "TELEGRAM_RATE": "0", "TELEGRAM_CHAT_RATE": "0",
			}
			chat := rand.Int64N(1e9) + 1
			if tc.mode == "webhook" {
				env["PUBLIC_URL"], env["TELEGRAM_WEBHOOK_SECRET"] = "http://"+addr, secret
			} else {
				tg.Queue(t, textUpdate(20, chat, "hello"))
			}
			startServe(t, bin, addr, env)
			if tc.mode == "webhook" {
				waitFor(t, "the webhook", func() bool { return len(tg.Calls("setWebhook")) == 1 })
				req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/telegram/webhook", strings.NewReader(textUpdate(20, chat, "hello")))
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
				resp, err := http.DefaultClient.Do(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("update: %v %v", resp, err)
				}
				resp.Body.Close()
			}
			waitFor(t, "the welcome", func() bool { return len(sentTo(tg, chat)) == 1 })
			if n := len(tg.Calls("setMyCommands")); n == 0 {
				t.Fatal("no command menu was even tried")
			}
		})
	}
}

// TestServeSeniorGetsTheReminderAndAnswers: with the real clock and a schedule of one
// course two hours ahead whose venue reminds two hours before, a senior on SMS lists
// the sessions, books by numbers, gets the reminder from the cron tick of the very
// minute it is due (at most about a minute's wait), and answers it with 1.
func TestServeSeniorGetsTheReminderAndAnswers(t *testing.T) {
	t.Parallel() // it waits for a cron minute, as TestServeMatchingAcrossChannels does
	bin := buildBinary(t)
	tw := smstest.NewServer(t, sid, auth)
	stockholm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(stockholm)
	// The reminder comes due on the next minute's cron tick, with time to book first.
	due := now.Truncate(time.Minute).Add(time.Minute)
	if due.Sub(now) < 15*time.Second {
		due = due.Add(time.Minute)
	}
	start := due.Add(2 * time.Hour)
	quiet := now.Add(6 * time.Hour) // quiet hours well away from the reminder
	file := filepath.Join(t.TempDir(), "schedule.yaml")
	schedule := fmt.Sprintf(`programme: Reminder test
quiet_hours: {from: "%s", to: "%s"}
venues:
  - id: hall
    name: Träffpunkt Bergsgården
    address: Bergsvägen 3, Karlskoga
    timezone: Europe/Stockholm
    reminders: [2h]
sessions:
  - id: bankid-course
    venue: hall
    kind: course
    title: BankID
    seats: 4
    dates: ["%s"]
    length: 1h
`, quiet.Format("15:04"), quiet.Add(time.Hour).Format("15:04"), start.Format("2006-01-02 15:04"))
	if err := os.WriteFile(file, []byte(schedule), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	public := "http://" + addr
	startServe(t, bin, addr, map[string]string{
		"REDIS_URL": redisURL(t), "PUBLIC_URL": public, "SCHEDULE_FILE": file, "SMS_RATE": "0",
		"TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": auth, "TWILIO_FROM": "+46700000000",
		"TWILIO_API_URL": tw.URL,
	})
	number := fmt.Sprintf("+4670%07d", rand.IntN(1e7))
	say := smsParticipant(t, tw, public, number)
	say("hej") // Swedish: the menu
	listed := say("8")
	line := "BankID, Träffpunkt Bergsgården, Bergsvägen 3, Karlskoga"
	if !strings.Contains(listed, line) || !strings.Contains(listed, "1. Boka den") {
		t.Fatalf("the sessions: %q", listed)
	}
	if got := say("1"); !strings.HasPrefix(got, "Du är bokad.") {
		t.Fatalf("booking: %q", got)
	}
	if time.Now().After(due) {
		t.Skipf("booking took until after the reminder was due (%v): nothing to wait for", due)
	}
	n := len(tw.MessagesTo(number))
	deadline := due.Add(30 * time.Second)
	for len(tw.MessagesTo(number)) == n {
		if time.Now().After(deadline) {
			t.Fatalf("no reminder by %v (due %v)", deadline.Format(time.TimeOnly), due.Format(time.TimeOnly))
		}
		time.Sleep(100 * time.Millisecond)
	}
	reminder := tw.MessagesTo(number)[n]
	want := "Påminnelse: " + start.Format("2") + " "
	if !strings.Contains(reminder, "Påminnelse: ") || !strings.Contains(reminder, "kl. "+start.Format("15:04")+", "+line) ||
		!strings.HasSuffix(reminder, "1. Ja, jag kommer\n2. Nej, avboka") {
		t.Fatalf("reminder %q (want it to name %q, the place and the time)", reminder, want)
	}
	if got := say("1"); got != "Tack! Vi ses där." {
		t.Fatalf("answering 1: %q", got)
	}
}

// TestServeDrainsOnSIGTERM: a replica told to stop fails /readyz and answers
// webhooks 503 (the providers retry elsewhere) before it stops listening, then
// exits 0.
func TestServeDrainsOnSIGTERM(t *testing.T) {
	bin := buildBinary(t)
	tw := smstest.NewServer(t, sid, auth)
	addr := freeAddr(t)
	public := "http://" + addr
	srv := startServe(t, bin, addr, map[string]string{
		"REDIS_URL": redisURL(t), "PUBLIC_URL": public, "TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": auth,
		"TWILIO_FROM": "+46700000000", "TWILIO_API_URL": tw.URL,
	})
	srv.process.Signal(syscall.SIGTERM)
	waitFor(t, "/readyz to fail", func() bool {
		resp, err := http.Get(public + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable
	})
	form := url.Values{"MessageSid": {"SMdrain"}, "AccountSid": {sid}, "From": {"+46701111111"}, "Body": {"hej"}}
	resp, err := http.DefaultClient.Do(smstest.Webhook(public+"/sms/inbound", public+"/sms/inbound", auth, form))
	if err != nil {
		t.Fatalf("the webhook while draining: %v (the listener closed before the drain ended)", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("the webhook while draining: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if n := len(tw.MessagesTo("+46701111111")); n != 0 {
		t.Fatalf("a refused webhook was answered: %d SMS", n)
	}
}

// TestServeReportAPIOffWithoutToken: with no ADMIN_TOKEN the report API is not there.
func TestServeReportAPIOffWithoutToken(t *testing.T) {
	bin := buildBinary(t)
	addr := freeAddr(t)
	startServe(t, bin, addr, map[string]string{"REDIS_URL": redisURL(t)})
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/report", nil)
	req.Header.Set("Authorization", "Bearer anything")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/api/report without ADMIN_TOKEN: %d, want 404", resp.StatusCode)
	}
	if resp, err := http.Get("http://" + addr + "/admin"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/admin without ADMIN_TOKEN: %v %v, want 404", resp, err)
	}
}
