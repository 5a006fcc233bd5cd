package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/channel/sms/smstest"
	"github.com/guidebot/guidebot/internal/channel/telegram/telegramtest"
	"github.com/guidebot/guidebot/internal/store"
	"github.com/guidebot/guidebot/internal/store/storetest"
)

// The fault suite: replicas and Redis fail under load, and every message a
// provider got accepted is answered exactly once, with each conversation's state
// where its messages took it. Run alone with `go test ./cmd/guidebot -run TestFault`.

// faultPublic is the address Twilio is configured with: the load balancer in front
// of the replicas, which the signatures are computed over.
const faultPublic = "http://guidebot.example"

// faultScript is what each participant sends, one message after another; each gets
// exactly one reply, and the conversation ends at the main menu.
var faultScript = []string{"1", "2", "2", "menu", "2", "1", "menu"}

// load drives participants through faultScript over SMS against the replicas,
// each message to the next replica in turn; a post that fails (connection refused,
// 5xx) is posted again with the same MessageSid, to another replica, as Twilio
// retries. It returns when every message was accepted.
type load struct {
	t        *testing.T
	tw       *smstest.Server
	targets  func() []string // the replicas' base URLs
	accepted atomic.Int64
	retried  atomic.Int64
	mu       sync.Mutex
	per      map[string]int // messages posted (or being posted) per number
}

// outstanding is, per number, how many messages posted have no reply yet: at most
// one, as a person waits for the answer. Only these can be in a killed replica's
// window between the provider's acceptance and the acknowledgement.
func (l *load) outstanding() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int{}
	for n, accepted := range l.per {
		out[n] = max(accepted-len(l.tw.MessagesTo(n)), 0)
	}
	return out
}

func (l *load) run(numbers []string, pause time.Duration, midway func()) {
	var wg sync.WaitGroup
	var once sync.Once
	half := int64(len(numbers) * len(faultScript) / 2)
	l.per = map[string]int{}
	for p, number := range numbers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, body := range faultScript {
				before := len(l.tw.MessagesTo(number))
				l.mu.Lock()
				l.per[number]++ // counted before the post: one in flight may be answered already
				l.mu.Unlock()
				l.post(p+i, number, fmt.Sprintf("SM%s%024d", number[len(number)-6:], i), body)
				if l.accepted.Add(1) == half && midway != nil {
					once.Do(midway)
				}
				// A person waits for the answer before writing again.
				deadline := time.Now().Add(30 * time.Second)
				for len(l.tw.MessagesTo(number)) <= before && time.Now().Before(deadline) {
					time.Sleep(pause)
				}
			}
		}()
	}
	wg.Wait()
}

func (l *load) post(turn int, number, msgSid, body string) {
	form := url.Values{"MessageSid": {msgSid}, "AccountSid": {sid}, "From": {number}, "To": {"+46700000000"},
		"Body": {body}, "NumMedia": {"0"}}
	deadline := time.Now().Add(60 * time.Second)
	for attempt := 0; time.Now().Before(deadline); attempt++ {
		targets := l.targets()
		target := targets[(turn+attempt)%len(targets)]
		resp, err := http.DefaultClient.Do(smstest.Webhook(target+"/sms/inbound", faultPublic+"/sms/inbound", auth, form))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		l.retried.Add(1)
		time.Sleep(100 * time.Millisecond)
	}
	l.t.Errorf("%s %q was never accepted", number, body)
}

// answeredOnce checks that each number got exactly one reply a message and that its
// conversation is at the main menu, and returns the counts for the log.
func answeredOnce(t *testing.T, tw *smstest.Server, st *store.Store, numbers []string) (replies, twice, missing int) {
	t.Helper()
	waitFor(t, "every reply", func() bool {
		for _, n := range numbers {
			if len(tw.MessagesTo(n)) < len(faultScript) {
				return false
			}
		}
		return true
	})
	time.Sleep(500 * time.Millisecond) // a late duplicate would show by now
	for _, n := range numbers {
		got := len(tw.MessagesTo(n))
		replies += got
		twice += max(got-len(faultScript), 0)
		missing += max(len(faultScript)-got, 0)
		rec, err := st.Load(context.Background(), "sms:"+n, "")
		if err != nil || rec.State.Step != "main.menu" || rec.State.Lang != "en" {
			t.Errorf("%s: conversation at %q in %q (%v), want the main menu in English", n, rec.State.Step, rec.State.Lang, err)
		}
		// Each message handled once: one entry in and one out each, no more.
		if log, err := st.Transcript(context.Background(), "sms:"+n); err != nil || len(log) != 2*len(faultScript) {
			t.Errorf("%s: %d transcript entries (%v), want %d", n, len(log), err, 2*len(faultScript))
		}
		// A reply sent twice is one outbox entry sent again, right after itself.
		msgs := tw.MessagesTo(n)
		for i := 1; i < len(msgs); i++ {
			if extra := got - len(faultScript); extra > 0 && msgs[i] != msgs[i-1] && i > len(faultScript) {
				t.Errorf("%s: a reply out of order: %q", n, msgs)
			}
		}
	}
	return replies, twice, missing
}

func faultNumbers(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("+46%s%05d", prefix, i)
	}
	return out
}

func faultEnv(redisURL, apiURL string) map[string]string {
	return map[string]string{
		"REDIS_URL": redisURL, "PUBLIC_URL": faultPublic, "TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": auth,
		"TWILIO_FROM": "+46700000000", "TWILIO_API_URL": apiURL, "SMS_RATE": "0", "INBOUND_LIMIT": "0",
		"LOG_LEVEL": "warn",
	}
}

// TestFaultKillOneOfTwoReplicas: two replicas share one Redis; halfway through 40
// conversations one of them is killed with SIGKILL. Its webhooks fail and are
// retried at the other, whose outbox takes over what the dead one had read once its
// lease runs out. Nothing is lost; a reply goes out twice only if the dead replica
// was killed between the provider's acceptance and the acknowledgement.
func TestFaultKillOneOfTwoReplicas(t *testing.T) {
	bin := buildBinary(t)
	tw := smstest.NewServer(t, sid, auth)
	rurl := redisURL(t)
	a, b := freeAddr(t), freeAddr(t)
	victim := startServe(t, bin, a, faultEnv(rurl, tw.URL))
	startServe(t, bin, b, faultEnv(rurl, tw.URL))
	// The dead replica stays a target: its posts fail and are retried at the other.
	l := &load{t: t, tw: tw, targets: func() []string { return []string{"http://" + a, "http://" + b} }}
	numbers := faultNumbers("7011", 40)
	began := time.Now()
	var atKill map[string]int
	unacked := 0.0
	l.run(numbers, 20*time.Millisecond, func() {
		unacked = gauge(t, "http://"+a+"/metrics", `guidebot_outbox_unacked{channel="sms"}`)
		atKill = l.outstanding()
		victim.kill() // no drain, no acknowledgements flushed
	})
	replies, twice, missing := answeredOnce(t, tw, testStore(t, rurl), numbers)
	window := 0
	for _, n := range numbers {
		window += atKill[n]
	}
	t.Logf("kill -9 of one of two replicas: %d messages accepted (%d posts retried), %d replies, %d twice "+
		"(%d unanswered and %.0f unacknowledged at the kill), %d missing, in %v",
		l.accepted.Load(), l.retried.Load(), replies, twice, window, unacked, missing, time.Since(began).Round(time.Millisecond))
	if missing > 0 {
		t.Errorf("%d replies lost", missing)
	}
	// Sent twice can only be what the dead replica had at the provider or accepted
	// and not yet acknowledged: its unanswered messages, its unacknowledged sends,
	// and the calls it had under way (at most its senders, 32).
	if bound := window + int(unacked) + 32; twice > bound {
		t.Errorf("%d replies sent twice, more than the dead replica could have had in flight (%d)", twice, bound)
	}
}

// TestFaultRedisRestartsWithAOF: a Redis of its own with the append-only file on
// is killed mid-conversation and started again on the same files. While it is down
// the webhooks answer 5xx and Twilio retries; afterwards every conversation goes on
// from where it was, and every message is answered once.
func TestFaultRedisRestartsWithAOF(t *testing.T) {
	server, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("no redis-server on PATH to restart")
	}
	dir := t.TempDir()
	port := strings.TrimPrefix(freeAddr(t), "127.0.0.1:")
	start := func() *exec.Cmd {
		cmd := exec.Command(server, "--port", port, "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes",
			"--appendfsync", "always", "--save", "")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	redisProc := start()
	rurl := "redis://127.0.0.1:" + port + "/0"
	rdb := redisClient(t, rurl)
	waitFor(t, "redis-server", func() bool { return rdb.Ping(context.Background()).Err() == nil })

	bin := buildBinary(t)
	tw := smstest.NewServer(t, sid, auth)
	addr := freeAddr(t)
	startServe(t, bin, addr, faultEnv(rurl, tw.URL))
	l := &load{t: t, tw: tw, targets: func() []string { return []string{"http://" + addr} }}
	numbers := faultNumbers("7012", 20)
	var down time.Duration
	l.run(numbers, 20*time.Millisecond, func() {
		redisProc.Process.Kill()
		redisProc.Wait()
		began := time.Now()
		time.Sleep(time.Second)
		redisProc = start()
		waitFor(t, "redis-server again", func() bool { return rdb.Ping(context.Background()).Err() == nil })
		down = time.Since(began)
	})
	replies, twice, missing := answeredOnce(t, tw, store.New(rdb, store.Options{}), numbers)
	t.Logf("Redis killed and restarted on its AOF (down %v): %d messages accepted (%d posts retried), %d replies, %d twice, %d missing",
		down.Round(time.Millisecond), l.accepted.Load(), l.retried.Load(), replies, twice, missing)
	if missing > 0 || twice > 0 {
		t.Errorf("%d replies lost, %d sent twice", missing, twice)
	}
}

// testStore reads what the guidebot processes of a test wrote at rawURL (on a Redis
// Cluster, under the test's REDIS_PREFIX).
func testStore(t *testing.T, rawURL string) *store.Store {
	t.Helper()
	if rdb, ok := storetest.Cluster(t); ok {
		t.Cleanup(func() { rdb.Close() })
		return store.New(rdb, store.Options{Prefix: clusterPrefix(t)})
	}
	return store.New(redisClient(t, rawURL), store.Options{})
}

func redisClient(t *testing.T, rawURL string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// gauge reads one series' value from a /metrics page; 0 when it is not there.
func gauge(t *testing.T, metricsURL, series string) float64 {
	resp, err := http.Get(metricsURL)
	if err != nil {
		t.Logf("metrics: %v", err)
		return 0
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}

// TestFaultProvidersFailAndHang: the provider answers a run of sends 500 and leaves
// two without any answer until the client gives up. The outbox retries both kinds
// (a hung call stops counting against the senders after 2 s and is given up at the
// sender's time-out), and every message is answered once, in order.
func TestFaultProvidersFailAndHang(t *testing.T) {
	bin := buildBinary(t)
	tw := smstest.NewServer(t, sid, auth)
	tw.HangNext(2)
	tw.FailNext(15, http.StatusInternalServerError, 20500)
	addr := freeAddr(t)
	rurl := redisURL(t)
	startServe(t, bin, addr, faultEnv(rurl, tw.URL))
	l := &load{t: t, tw: tw, targets: func() []string { return []string{"http://" + addr} }}
	numbers := faultNumbers("7013", 20)
	began := time.Now()
	l.run(numbers, 20*time.Millisecond, nil)
	replies, twice, missing := answeredOnce(t, tw, testStore(t, rurl), numbers)
	failed := 0
	for _, r := range tw.Requests() {
		if r.Status == http.StatusInternalServerError {
			failed++
		}
	}
	t.Logf("provider answering 500 to %d sends and hanging on 2: %d messages accepted, %d replies, %d twice, %d missing, in %v",
		failed, l.accepted.Load(), replies, twice, missing, time.Since(began).Round(time.Millisecond))
	if missing > 0 || twice > 0 || failed != 15 {
		t.Errorf("%d replies lost, %d sent twice, %d failed sends (want 15)", missing, twice, failed)
	}
}

// TestFaultRemindersOnceAcrossAKill: ten people on two replicas book a course that
// starts in about two minutes, with one reminder a minute before; the replica that
// may be releasing the reminders is killed with SIGKILL just as they come due. Every
// booked person gets their reminder, and a second copy only from the dead replica's
// window (it had them at Twilio without the acknowledgement landing).
func TestFaultRemindersOnceAcrossAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a real cron minute")
	}
	zone, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(zone)
	start := now.Truncate(time.Minute).Add(2 * time.Minute)
	if now.Second() > 40 { // leave the bookings time before the reminder is due
		start = start.Add(time.Minute)
	}
	due := start.Add(-time.Minute)
	sched := filepath.Join(t.TempDir(), "schedule.yaml")
	os.WriteFile(sched, []byte(fmt.Sprintf(`programme: Fault test
quiet_hours: {from: "00:00", to: "00:00"}
venues:
  - {id: hall, name: Hallen, address: "Gatan 1", timezone: Europe/Stockholm, reminders: [1m]}
sessions:
  - {id: soon, venue: hall, kind: course, title: Snart, seats: 50, dates: ["%s"], length: 1h}
`, start.Format("2006-01-02 15:04"))), 0o644)

	bin := buildBinary(t)
	tw := smstest.NewServer(t, sid, auth)
	rurl := redisURL(t)
	env := faultEnv(rurl, tw.URL)
	env["SCHEDULE_FILE"] = sched
	a, b := freeAddr(t), freeAddr(t)
	victim := startServe(t, bin, a, env)
	startServe(t, bin, b, env)
	l := &load{t: t, tw: tw, targets: func() []string { return []string{"http://" + a, "http://" + b} }, per: map[string]int{}}
	numbers := faultNumbers("7014", 10)
	for i, n := range numbers {
		for j, body := range []string{"hej", "8", "1"} { // Swedish, the sessions, book the one shown
			before := len(tw.MessagesTo(n))
			l.post(i+j, n, fmt.Sprintf("SM%s%024d", n[len(n)-6:], j), body)
			waitFor(t, "the answer to "+body, func() bool { return len(tw.MessagesTo(n)) > before })
		}
		if got := tw.MessagesTo(n); !strings.HasPrefix(got[len(got)-1], "Du är bokad.") {
			t.Fatalf("%s was not booked: %q", n, got[len(got)-1])
		}
	}
	if time.Now().After(due) {
		t.Fatalf("the bookings took until after the reminder was due (%v)", due)
	}
	time.Sleep(time.Until(due) + 300*time.Millisecond)
	victim.kill() // just as both replicas' minute ticks release the reminders
	reminded := func(n string) int {
		k := 0
		for _, m := range tw.MessagesTo(n) {
			if strings.HasPrefix(m, "Påminnelse:") {
				k++
			}
		}
		return k
	}
	deadline := time.Now().Add(75 * time.Second) // a minute tick, and a dead replica's lease
	for time.Now().Before(deadline) {
		all := true
		for _, n := range numbers {
			all = all && reminded(n) > 0
		}
		if all {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second) // a late second copy would show by now
	missing, twice := 0, 0
	for _, n := range numbers {
		switch k := reminded(n); {
		case k == 0:
			missing++
		case k > 1:
			twice += k - 1
		}
	}
	t.Logf("reminders across a SIGKILL at their due time: %d booked, %d missing, %d sent twice", len(numbers), missing, twice)
	if missing > 0 {
		t.Errorf("%d reminders never sent", missing)
	}
	// Twice only from the dead replica's window: at most the replica's senders.
	if twice > 32 {
		t.Errorf("%d reminders sent twice", twice)
	}
}

// replyPatience is how long the fault suite waits for one reply through failing
// providers: a few retries at the outbox's growing back-off and a hang or two.
const replyPatience = 2 * time.Minute

// TestFaultBotAPIFailsAndHangs: the Bot API answers a fifth of the sends 502 and
// leaves one in fifty unanswered; twenty Telegram conversations go on, and each
// message is answered once, in order.
func TestFaultBotAPIFailsAndHangs(t *testing.T) {
	bin := buildBinary(t)
	tg := telegramtest.New(t, token)
	addr := freeAddr(t)
	public := "http://" + addr
	rurl := redisURL(t)
	startServe(t, bin, addr, map[string]string{
		"REDIS_URL": rurl, "PUBLIC_URL": public, "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": tg.URL,
		"TELEGRAM_WEBHOOK_SECRET": secret, "TELEGRAM_RATE": "0", "TELEGRAM_CHAT_RATE": "0", "INBOUND_LIMIT": "0",
		"LOG_LEVEL": "warn",
	})
	waitFor(t, "the webhook to be registered", func() bool { return len(tg.Calls("setWebhook")) > 0 })
	tg.Faults("sendMessage", 0.2, 0.02, 7)
	began := time.Now()
	var wg sync.WaitGroup
	var update atomic.Int64
	for c := 0; c < 20; c++ {
		chat := int64(9100000 + c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, body := range faultScript {
				before := len(sentTo(tg, chat))
				for {
					req, _ := http.NewRequest(http.MethodPost, public+"/telegram/webhook", strings.NewReader(textUpdate(update.Add(1), chat, body)))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
					resp, err := http.DefaultClient.Do(req)
					if err == nil {
						resp.Body.Close()
						if resp.StatusCode == http.StatusOK {
							break
						}
					}
					time.Sleep(100 * time.Millisecond) // Telegram retries a webhook that failed
				}
				// A reply may meet several failures in a row, each retried after a
				// longer wait, and a hang waits out the call's time-out each time.
				deadline := time.Now().Add(replyPatience)
				for len(sentTo(tg, chat)) <= before && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	time.Sleep(500 * time.Millisecond) // a late second copy would show by now
	st := testStore(t, rurl)
	failed := 0
	for _, c := range tg.Calls("sendMessage") {
		if c.Status == http.StatusBadGateway {
			failed++
		}
	}
	missing, twice := 0, 0
	for c := 0; c < 20; c++ {
		chat := int64(9100000 + c)
		got := len(sentTo(tg, chat))
		missing += max(len(faultScript)-got, 0)
		twice += max(got-len(faultScript), 0)
		rec, err := st.Load(context.Background(), fmt.Sprint("tg:", chat), "")
		if err != nil || rec.State.Step != "main.menu" || rec.State.Lang != "en" {
			t.Errorf("chat %d: at %q in %q (%v)", chat, rec.State.Step, rec.State.Lang, err)
		}
	}
	t.Logf("Bot API answering 502 to %d sends and hanging on some: %d updates, %d replies missing, %d twice, in %v",
		failed, update.Load(), missing, twice, time.Since(began).Round(time.Millisecond))
	if missing > 0 || twice > 0 || failed == 0 {
		t.Errorf("%d replies lost, %d sent twice, %d failed sends", missing, twice, failed)
	}
}
