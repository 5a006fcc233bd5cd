package telegram

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

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

// TestSetupRetriesTheWebhookFirst: setWebhook goes first and is retried until it
// works; the command menus come after it.
func TestSetupRetriesTheWebhookFirst(t *testing.T) {
	e := newEnv(t)
	e.fake.Fail("setWebhook", 3, telegramtest.Failure{Code: 502})
	if err := e.a.Setup(e.ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(e.fake.Calls("setWebhook")); n != 4 {
		t.Fatalf("%d setWebhook calls, want 3 failures and a success", n)
	}
	if got := e.clock.Slept(); len(got) != 3 || got[0] != time.Second || got[2] != 4*time.Second {
		t.Fatalf("waited %v between tries, want 1s, 2s, 4s", got)
	}
	if n := len(e.fake.Calls("setMyCommands")); n != len(e.cat.Languages())+1 {
		t.Fatalf("%d command menus after the webhook, want %d", n, len(e.cat.Languages())+1)
	}
}

// TestCommandMenusNeverBlock: Telegram refusing every menu (404, 400) leaves the
// webhook registered, each failure logged once with its locale and description.
func TestCommandMenusNeverBlock(t *testing.T) {
	for _, f := range []telegramtest.Failure{
		{Code: 404, Description: "Not Found"},
		{Code: 400, Description: "Bad Request: command description is too long"},
	} {
		t.Run(f.Description, func(t *testing.T) {
			e := newEnv(t)
			e.fake.Fail("setMyCommands", 100, f)
			if err := e.a.Setup(e.ctx); err != nil {
				t.Fatal(err)
			}
			if n := len(e.fake.Calls("setWebhook")); n != 1 {
				t.Fatalf("%d setWebhook calls, want 1", n)
			}
			if n := len(e.fake.Calls("setMyCommands")); n != len(e.cat.Languages())+1 {
				t.Fatalf("%d setMyCommands calls, want one try per locale: %s is not worth retrying", n, f.Description)
			}
			logs := e.logs.String()
			if n := strings.Count(logs, "telegram refused a command menu"); n != len(e.cat.Languages())+1 {
				t.Fatalf("%d failures logged, want one per locale:\n%s", n, logs)
			}
			if !strings.Contains(logs, "lang=fi") || !strings.Contains(logs, f.Description) {
				t.Fatalf("the log does not name the locale and Telegram's description:\n%s", logs)
			}
		})
	}
}

// TestSetupKeepsTheTokenOutOfLogs: a revoked token fails setWebhook for good; Setup
// keeps trying (an operator may fix it) and its logs never show the token.
func TestSetupKeepsTheTokenOutOfLogs(t *testing.T) {
	e := newEnv(t, func(c *config.Telegram, _ *envSettings) { c.Token = "1:revoked" })
	ctx, cancel := context.WithCancel(e.ctx)
	tries := 0
	e.a.sleep = func(ctx context.Context, d time.Duration) error {
		if tries++; tries == 3 {
			cancel()
		}
		return e.clock.Sleep(ctx, d)
	}
	if err := e.a.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "telegram set-up failed") || strings.Contains(logs, "1:revoked") {
		t.Fatalf("want the failure logged without the token:\n%s", logs)
	}
}

// TestLogsKeepSecrets runs a conversation with info logging and checks that neither
// what the participant wrote nor the token shows up.
func TestLogsKeepSecrets(t *testing.T) {
	e := newEnv(t)
	e.fake.Fail("sendMessage", 1, telegramtest.Failure{Code: 502})
	body := bytes.ReplaceAll(fixture(t, "text_message"), []byte(`"/start"`), []byte(`"my personnummer is 19800101-1234"`))
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
