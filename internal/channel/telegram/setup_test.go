package telegram

import (
	"bytes"
	"strings"
	"testing"

	"github.com/guidebot/guidebot/internal/channel/telegram/telegramtest"
	"github.com/guidebot/guidebot/internal/config"
)

func TestSetupWebhook(t *testing.T) {
	e := newEnv(t)
	if err := e.a.Setup(e.ctx); err != nil {
		t.Fatal(err)
	}
	hooks := e.fake.Calls("setWebhook")
	if len(hooks) != 1 {
		t.Fatalf("%d setWebhook calls, want 1", len(hooks))
	}
	p := hooks[0].Params
	if p["url"] != testPublic+"/telegram/webhook" || p["secret_token"] != testSecret {
		t.Fatalf("setWebhook params %v", p)
	}
	var allowed []string
	if err := hooks[0].JSON("allowed_updates", &allowed); err != nil || strings.Join(allowed, ",") != "message,callback_query" {
		t.Fatalf("allowed_updates %v (%v)", allowed, err)
	}
	if len(e.fake.Calls("deleteWebhook")) != 0 {
		t.Fatal("webhook mode deleted the webhook")
	}

	calls := e.fake.Calls("setMyCommands")
	if len(calls) != len(e.cat.Languages())+1 {
		t.Fatalf("%d setMyCommands calls, want one per locale (%d) and a default", len(calls), len(e.cat.Languages()))
	}
	seen := map[string]int{}
	for _, c := range calls {
		code := c.Params["language_code"]
		seen[code]++
		var cmds []struct{ Command, Description string }
		if err := c.JSON("commands", &cmds); err != nil {
			t.Fatal(err)
		}
		lang := code
		if lang == "" {
			lang = "en"
		}
		var names []string
		for _, cmd := range cmds {
			names = append(names, cmd.Command)
			want, _ := e.cat.Message(lang, "command."+cmd.Command)
			if cmd.Description != want || want == "" {
				t.Fatalf("%s /%s: description %q, want %q", code, cmd.Command, cmd.Description, want)
			}
		}
		if strings.Join(names, ",") != "start,menu,language,help" {
			t.Fatalf("%s commands %v", code, names)
		}
	}
	for _, l := range e.cat.Languages() {
		if seen[l] != 1 {
			t.Fatalf("language %s set %d times, want once", l, seen[l])
		}
	}
	if seen[""] != 1 {
		t.Fatal("no default command list")
	}
}

func TestSetupFailsLoudly(t *testing.T) {
	e := newEnv(t, func(c *config.Telegram, _ *envSettings) { c.Token = "1:revoked" })
	err := e.a.Setup(e.ctx)
	if err == nil {
		t.Fatal("Setup with a rejected token succeeded")
	}
	if strings.Contains(err.Error(), "1:revoked") {
		t.Fatalf("error leaks the token: %v", err)
	}
}

// TestLogsKeepSecrets runs a conversation with info logging and checks that neither
// what the participant wrote nor the token shows up.
func TestLogsKeepSecrets(t *testing.T) {
	e := newEnv(t)
	e.fake.Fail("sendMessage", 1, telegramtest.Failure{Code: 502})
	body := bytes.ReplaceAll(fixture(t, "text_message"), []byte(`"hello"`), []byte(`"my personnummer is 19800101-1234"`))
	e.mustPost(body)
	e.post(body, "wrong")
	e.drain()
	e.mustPost(fixture(t, "callback_query"))
	e.drain()
	logs := e.logs.String()
	for _, secret := range []string{"19800101-1234", testToken, testSecret, e.render("en", "welcome.hello")} {
		if strings.Contains(logs, secret) {
			t.Fatalf("logs contain %q:\n%s", secret, logs)
		}
	}
}
