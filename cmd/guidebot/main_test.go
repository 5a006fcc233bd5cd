package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/guidebot/guidebot/internal/config"
	"github.com/guidebot/guidebot/internal/matching"
	"github.com/guidebot/guidebot/internal/store/storetest"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func runCmd(t *testing.T, vars map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, env(withPrefix(t, vars)))
	return code, out.String(), errOut.String()
}

func TestChatEmbedded(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "1\n1\nmenu\n", "chat")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Vilket språk", "8. Suomi", "Okej, jag skriver på svenska.", "7. Mina uppgifter"} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "embedded") {
		t.Errorf("no warning about the embedded Redis: %q", errOut)
	}
}

func TestChatLangAndBadInput(t *testing.T) {
	long := strings.Repeat("x", 10000)
	code, out, errOut := runCmd(t, nil, "سلام\n\n99\n🙂\n"+long+"\n", "chat", "--lang", "ar")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"العربية", "1 إلى 9"} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := runCmd(t, nil, "", "chat", "--lang", "xx"); code == 0 {
		t.Error("--lang xx accepted")
	}
}

// With REDIS_URL the conversation survives a restart of the command.
func TestChatSurvivesRestart(t *testing.T) {
	url := "redis://" + storetest.Addr(t) + "/0"
	vars := map[string]string{"REDIS_URL": url}
	who := "restart-" + filepath.Base(t.TempDir())
	if code, _, e := runCmd(t, vars, "hello\n2\n", "chat", "--as", who); code != 0 {
		t.Fatal(e)
	}
	code, out, e := runCmd(t, vars, "my plan\n", "chat", "--as", who)
	if code != 0 || !strings.Contains(out, "Your plan is empty.") {
		t.Fatalf("second run (exit %d) did not continue in English:\n%s%s", code, out, e)
	}
}

func TestCheck(t *testing.T) {
	if code, out, e := runCmd(t, nil, "", "check"); code != 0 || !strings.Contains(out, "ok: 10 flows") ||
		!strings.Contains(out, "schedule: 4 venues, 5 sessions, 5 matching programmes, 5 areas") {
		t.Fatalf("shipped content: exit %d\n%s%s", code, out, e)
	}
	badSchedule := filepath.Join(t.TempDir(), "schedule.yaml")
	os.WriteFile(badSchedule, []byte("venues:\n  - {id: x, name: X, timezone: Mars/Olympus}\n"), 0o644)
	if code, _, e := runCmd(t, map[string]string{"SCHEDULE_FILE": badSchedule}, "", "check"); code == 0 ||
		!strings.Contains(e, badSchedule+`:2: venue x: unknown time zone "Mars/Olympus"`) {
		t.Errorf("a bad schedule passed (exit %d):\n%s", code, e)
	}
	// A schedule that matches only for a fika passes: the sign-up lists what it has.
	// A programme without a name in the locales does not.
	fikaOnly := filepath.Join(t.TempDir(), "schedule.yaml")
	os.WriteFile(fikaOnly, []byte("venues:\n  - {id: x, name: X, timezone: Europe/Stockholm}\nmatching:\n  programmes: [{id: fika}]\n"), 0o644)
	if code, out, e := runCmd(t, map[string]string{"SCHEDULE_FILE": fikaOnly}, "", "check"); code != 0 || !strings.Contains(out, "1 matching programmes") {
		t.Errorf("a schedule with a fika only (exit %d):\n%s%s", code, out, e)
	}
	chess := filepath.Join(t.TempDir(), "schedule.yaml")
	os.WriteFile(chess, []byte("venues:\n  - {id: x, name: X, timezone: Europe/Stockholm}\nmatching:\n  programmes: [{id: fika}, {id: chess}]\n"), 0o644)
	if code, _, e := runCmd(t, map[string]string{"SCHEDULE_FILE": chess}, "", "check"); code == 0 ||
		!strings.Contains(e, `matching programme "chess" has no name (match.programme.chess) in locale ar, en, fa, fi, sv, sw, ti, uk`) {
		t.Errorf("a programme without a name passed (exit %d):\n%s", code, e)
	}
	code, out, _ := runCmd(t, nil, "", "check", "--sms")
	for _, want := range []string{"ar card.bills.1: UCS-2", "en card.bills.1: GSM-7", "SE ar step cards.list: UCS-2",
		"FI fa step cards.bills1: UCS-2", "SE sv first contact 1: UCS-2", "SE ar miss main.menu: UCS-2"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("check --sms (exit %d) lacks %q", code, want)
		}
	}
	// Every reply the flows can send, in both countries, within three parts.
	replies := 0
	for _, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, " step ") && !strings.Contains(line, " miss ") && !strings.Contains(line, " first contact ") {
			continue
		}
		replies++
		_, after, _ := strings.Cut(line, "SMS parts: ")
		if n, _, _ := strings.Cut(after, " "); n != "1" && n != "2" && n != "3" {
			t.Errorf("a reply over three SMS parts: %s", line)
		}
	}
	if replies < 1000 {
		t.Errorf("check --sms measured %d replies; every step in 8 languages and 2 countries is more", replies)
	}
	// Over the budget fails, naming language, country, step and parts.
	if code, _, e := runCmd(t, nil, "", "check", "--sms-budget", "1"); code == 0 || !strings.Contains(e, "over the budget of 1") ||
		!strings.Contains(e, "flows: ar: SE: step cards.authorities1: ") {
		t.Errorf("--sms-budget 1 passed (exit %d):\n%.300s", code, e)
	}
	dir := t.TempDir()
	for _, name := range []string{"welcome.yaml", "main.yaml", "handoff.yaml", "privacy.yaml", "plan.yaml", "intake.yaml", "feedback.yaml", "cards.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "flows", name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "feedback.yaml" {
			data = bytes.Replace(data, []byte("goto: comment"), []byte("goto: coment"), 1)
			data = bytes.Replace(data, []byte("validate: nonempty"), []byte("validate: nonemty"), 1)
		}
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
	code, _, errOut := runCmd(t, map[string]string{"FLOWS_DIR": dir}, "", "check")
	if code == 0 {
		t.Fatal("check passed broken flows")
	}
	for _, want := range []string{
		`flows/feedback.yaml:6: step feedback.rate: goes to unknown step "coment"`,
		`step feedback.comment: bad validator "nonemty"`,
		`unreachable`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("check output lacks %q:\n%s", want, errOut)
		}
	}
}

func TestStartupErrorsNameTheVariable(t *testing.T) {
	tests := []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0"}, "REDIS_URL: cannot reach Redis"},
		{map[string]string{"REDIS_URL": "http://x"}, "REDIS_URL must start with redis://"},
		{map[string]string{"REDIS_URL": "redis+cluster://127.0.0.1:1,127.0.0.1:2"}, "REDIS_URL: cannot reach Redis"},
		{map[string]string{"REDIS_SHARDS": "0"}, "REDIS_SHARDS"},
		{map[string]string{"REDIS_PREFIX": "a{b}:"}, "REDIS_PREFIX"},
		{map[string]string{"DEFAULT_LANGUAGE": "de"}, "DEFAULT_LANGUAGE"},
		{map[string]string{"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_MODE": "webhook"}, "PUBLIC_URL"},
		{map[string]string{"TELEGRAM_BOT_TOKEN": "1:x", "PUBLIC_URL": "https://bot.example.org"}, "TELEGRAM_WEBHOOK_SECRET"},
		{map[string]string{"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_MODE": "hook"}, "TELEGRAM_MODE"},
		{map[string]string{"PUBLIC_URL": "bot.example.org"}, "PUBLIC_URL"},
		{map[string]string{"TELEGRAM_RATE": "fast"}, "TELEGRAM_RATE"},
		{map[string]string{"TWILIO_ACCOUNT_SID": "AC1"}, "TWILIO_AUTH_TOKEN"},
		{map[string]string{"INBOUND_LIMIT": "-1"}, "INBOUND_LIMIT"},
		{map[string]string{"SMS_DAILY_PARTS": "lots"}, "SMS_DAILY_PARTS"},
		{map[string]string{"SMS_MAX_PARTS": "-2"}, "SMS_MAX_PARTS"},
		{map[string]string{"MATCH_SCHEDULE": "every hour"}, "MATCH_SCHEDULE"},
		{map[string]string{"MATCH_PROPOSAL_TTL": "2 days"}, "MATCH_PROPOSAL_TTL"},
		{map[string]string{"LOG_FORMAT": "xml"}, "LOG_FORMAT"},
		{map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
	}
	for _, tc := range tests {
		code, _, errOut := runCmd(t, tc.vars, "", "chat")
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code == 0 || !strings.Contains(lines[len(lines)-1], tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want one line naming %s", tc.vars, code, errOut, tc.want)
		}
	}
}

// lockedBuffer is written by the command and read by the test at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestChatWhenRedisDiesMidConversation(t *testing.T) {
	srv := miniredis.RunT(t)
	in, feed := io.Pipe()
	var out, errOut lockedBuffer
	done := make(chan int)
	go func() {
		done <- run(context.Background(), []string{"chat"}, in, &out, &errOut, env(map[string]string{"REDIS_URL": "redis://" + srv.Addr()}))
	}()
	io.WriteString(feed, "1\n")
	waitUntil(t, func() bool { return strings.Contains(out.String(), "8. Suomi") })
	srv.Close()
	io.WriteString(feed, "1\n")
	waitUntil(t, func() bool { return strings.Contains(out.String(), "något gick fel") })
	feed.Close()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "redis") && !strings.Contains(errOut.String(), "connect") {
		t.Errorf("stderr does not say why: %q", errOut.String())
	}
}

func waitUntil(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLogFormat: JSON where no one reads the log as it comes (a file, a pipe), text
// when asked for or on a terminal; LOG_LEVEL overrides the command's level.
func TestLogFormat(t *testing.T) {
	for _, c := range []struct {
		format, level string
		json, debug   bool
	}{
		{"", "", true, false}, {"text", "", false, false}, {"json", "debug", true, true}, {"", "debug", true, true},
	} {
		cfg, err := config.Load(env(map[string]string{"LOG_FORMAT": c.format, "LOG_LEVEL": c.level}))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		log := newLogger(cfg, &out, slog.LevelInfo)
		log.Debug("quiet")
		log.Info("hello", "req", "SM1")
		text := out.String()
		if json.Valid([]byte(strings.Split(text, "\n")[0])) != c.json || strings.Contains(text, "quiet") != c.debug {
			t.Errorf("LOG_FORMAT=%q LOG_LEVEL=%q: %q", c.format, c.level, text)
		}
	}
}

// TestShardsCannotChangeUnderData: data written with one REDIS_SHARDS is not read
// with another (participants would be looked for in the wrong shard).
func TestShardsCannotChangeUnderData(t *testing.T) {
	url := redisURL(t)
	if code, _, errOut := runCmd(t, map[string]string{"REDIS_URL": url, "REDIS_SHARDS": "4"}, "1\n", "chat"); code != 0 {
		t.Fatalf("first start: exit %d: %s", code, errOut)
	}
	code, _, errOut := runCmd(t, map[string]string{"REDIS_URL": url, "REDIS_SHARDS": "5"}, "1\n", "chat")
	if code == 0 || !strings.Contains(errOut, "REDIS_SHARDS") || !strings.Contains(errOut, "4, not 5") {
		t.Fatalf("another number of shards: exit %d, %q", code, errOut)
	}
}

// TestMatchCommand: a newcomer signs up in the terminal; `match --stats` counts
// them and `match --dry-run` has nobody to pair them with yet; a volunteer of the
// vetted profession buddy is listed by `volunteers` (by reference, never by id)
// and approved with `volunteers --approve`.
func TestMatchCommand(t *testing.T) {
	vars := map[string]string{"REDIS_URL": redisURL(t)}
	code, out, errOut := runCmd(t, vars, "hi\nbuddy\n1\n1\n1\nNoor\nCentrum\n4\n1\n1\nchess\n1\n", "chat", "--lang", "en")
	if code != 0 || !strings.Contains(out, "You are on the list") {
		t.Fatalf("sign-up: exit %d: %s\n%s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, vars, "", "match", "--stats")
	if code != 0 || !regexp.MustCompile(`fika\s+1\s+0\s+0\s+0`).MatchString(out) {
		t.Fatalf("match --stats: exit %d: %s\n%s", code, out, errOut)
	}
	code, out, _ = runCmd(t, vars, "", "match", "--dry-run")
	if code != 0 || !strings.Contains(out, "Inga par") { // DEFAULT_LANGUAGE, Swedish
		t.Fatalf("match --dry-run: exit %d: %s", code, out)
	}
	// A volunteer for the vetted profession buddy waits for approval.
	if code, _, e := runCmd(t, vars, "hi\nbuddy\n2\n4\n1\nSara\n1\n2\n1\n1\nreading\n1\nnurse\n", "chat", "--lang", "en", "--as", "sara"); code != 0 {
		t.Fatalf("Sara's sign-up: %s", e)
	}
	ref := matching.Ref("term:sara")
	if code, out, _ := runCmd(t, vars, "", "volunteers", "--lang", "en"); code != 0 || out != ref+": Sara (-), profession\n" {
		t.Fatalf("volunteers: exit %d: %q", code, out)
	}
	if code, out, e := runCmd(t, vars, "", "volunteers", "--approve", ref); code != 0 || !strings.Contains(out, "Godkänd: Sara.") {
		t.Fatalf("volunteers --approve: exit %d %q %s", code, out, e)
	}
	if code, out, _ := runCmd(t, vars, "", "match", "--stats"); code != 0 || !regexp.MustCompile(`profession\s+0\s+1\s+0\s+0`).MatchString(out) {
		t.Fatalf("after the approval: %q", out)
	}
	if code, _, e := runCmd(t, vars, "", "volunteers", "--approve", ref); code == 0 || !strings.Contains(e, "Ingen väntar på godkännande") {
		t.Fatalf("approving twice: exit %d %q", code, e)
	}
	if code, out, _ := runCmd(t, vars, "", "volunteers"); code != 0 || out != "Ingen väntar på godkännande.\n" {
		t.Fatalf("volunteers when none wait: exit %d %q", code, out)
	}
	if code, _, errOut := runCmd(t, vars, "", "match"); code == 0 || !strings.Contains(errOut, "usage") {
		t.Fatalf("match without a flag: exit %d: %s", code, errOut)
	}
	// A schedule that matches nobody: "buddy" says so instead of an empty list.
	none := filepath.Join(t.TempDir(), "schedule.yaml")
	os.WriteFile(none, []byte("venues:\n  - {id: x, name: X, timezone: Europe/Stockholm}\n"), 0o644)
	code, out, errOut = runCmd(t, map[string]string{"SCHEDULE_FILE": none}, "hi\nbuddy\n", "chat", "--lang", "en")
	if code != 0 || !strings.Contains(out, "Meeting someone is not offered here yet.") || strings.Contains(out, "What would you like?") {
		t.Fatalf("buddy without matching: exit %d: %s\n%s", code, out, errOut)
	}
}
