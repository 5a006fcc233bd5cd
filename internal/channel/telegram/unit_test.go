package telegram

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/config"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
)

func TestNormaliseFixtures(t *testing.T) {
	tests := []struct {
		fixture  string
		handle   bool
		callback string
		want     message.Inbound
	}{
		{"text_message", true, "", message.Inbound{Channel: "telegram", Address: fixtureChat, MsgID: "u846271001",
			Input: flow.Input{Kind: flow.Text, Text: "/start", Lang: "en"}}},
		{"callback_query", true, "2200421975631895512", message.Inbound{Channel: "telegram", Address: fixtureChat, MsgID: "u846271002",
			Input: flow.Input{Kind: flow.Button, Step: "welcome.language", Option: "sv", Lang: "en"}}},
		{"photo", true, "", message.Inbound{Channel: "telegram", Address: fixtureChat, MsgID: "u846271003",
			Input: flow.Input{Kind: flow.Media, Lang: "en"}, Media: &message.Media{Kind: "photo", FileID: "AgACAgQAAxkBAAIBQ2ZpX1large"}}},
		{"voice", true, "", message.Inbound{Channel: "telegram", Address: fixtureChat, MsgID: "u846271004",
			Input: flow.Input{Kind: flow.Media, Lang: "en"}, Media: &message.Media{Kind: "voice", FileID: "AwACAgQAAxkBAAIBRGZpX2voice"}}},
		{"sticker", true, "", message.Inbound{Channel: "telegram", Address: fixtureChat, MsgID: "u846271005",
			Input: flow.Input{Kind: flow.Media, Lang: "en"}, Media: &message.Media{Kind: "sticker", FileID: "CAACAgIAAxkBAAIBRWZpX3sticker"}}},
		{"edited_message", false, "", message.Inbound{}},
		{"my_chat_member", false, "", message.Inbound{}},
	}
	a := testAdapter(t, config.Telegram{})
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			var u wireUpdate
			if err := json.Unmarshal(fixture(t, tt.fixture), &u); err != nil {
				t.Fatal(err)
			}
			got := a.normalise(&u)
			if got.handle != tt.handle || got.callbackID != tt.callback {
				t.Fatalf("handle %v callback %q, want %v %q", got.handle, got.callbackID, tt.handle, tt.callback)
			}
			if !tt.handle {
				return
			}
			g, w := got.in, tt.want
			if g.Channel != w.Channel || g.Address != w.Address || g.MsgID != w.MsgID || g.Input != w.Input {
				t.Fatalf("inbound\n got %+v\nwant %+v", g, w)
			}
			if (g.Media == nil) != (w.Media == nil) || g.Media != nil && *g.Media != *w.Media {
				t.Fatalf("media %+v, want %+v", g.Media, w.Media)
			}
		})
	}
}

func TestCallbackData(t *testing.T) {
	a := testAdapter(t, config.Telegram{})
	long := strings.Repeat("s", 60)
	tests := []struct {
		name, step, option string
		plain              bool
	}{
		{"card step", "cards.bills1", "next", true},
		{"language", "welcome.language", "sv", true},
		{"exactly 64 bytes", strings.Repeat("a", 59), "next", true},
		{"65 bytes", strings.Repeat("a", 60), "next", false},
		{"long step", "intake." + long, "yes", false},
		{"long option", "cards.list", long, false},
		{"separator in option", "main.menu", "a|b", false},
		{"separator in step", "a|b", "c", false},
		{"hash-like step", "#x", "y", false},
		{"unicode", "kurs.välj", "månd", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := a.encodeCallback(tt.step, tt.option)
			if len(data) < 1 || len(data) > maxCallbackData {
				t.Fatalf("callback_data %q is %d bytes", data, len(data))
			}
			if plain := data == tt.step+"|"+tt.option; plain != tt.plain {
				t.Fatalf("plain %v, want %v (%q)", plain, tt.plain, data)
			}
			step, option := a.decodeCallback(data)
			if step != tt.step || option != tt.option {
				t.Fatalf("decoded %q %q, want %q %q", step, option, tt.step, tt.option)
			}
		})
	}
	// A hashed button another replica (or an earlier run) sent is unknown here: it
	// decodes to no step, which the engine treats as an expired menu.
	other := testAdapter(t, config.Telegram{})
	data := a.encodeCallback("intake."+long, "yes")
	if step, option := other.decodeCallback(data); step != "" || option != "" {
		t.Fatalf("unknown hash decoded to %q %q", step, option)
	}
	if step, option := a.decodeCallback("junk"); step != "" || option != "junk" {
		t.Fatalf("data without a step decoded to %q %q", step, option)
	}
}

func TestButtonTableEvicts(t *testing.T) {
	bt := newButtonTable(3)
	for _, k := range []string{"#a", "#b", "#c", "#d"} {
		bt.put(k, "s"+k, "o")
	}
	if _, _, ok := bt.get("#a"); ok {
		t.Fatal("the oldest entry was kept past the cap")
	}
	if s, _, ok := bt.get("#d"); !ok || s != "s#d" {
		t.Fatal("the newest entry is missing")
	}
	if len(bt.pairs) != 3 {
		t.Fatalf("%d entries, cap 3", len(bt.pairs))
	}
}

func TestSplit(t *testing.T) {
	emoji := strings.Repeat("😀", 3000) // 2 UTF-16 units each
	tests := []struct {
		name  string
		text  string
		limit int
		parts int
		check func(t *testing.T, parts []string)
	}{
		{"short", "hello", 4096, 1, nil},
		{"exactly the limit", strings.Repeat("a", 4096), 4096, 1, nil},
		{"one over", strings.Repeat("a", 4097), 4096, 2, nil},
		{"lines", strings.Repeat(strings.Repeat("x", 99)+"\n", 100), 4096, 3, func(t *testing.T, parts []string) {
			for _, p := range parts[:len(parts)-1] {
				if len(p) != 3999 { // 40 lines of 99 and the 39 line breaks between them
					t.Fatalf("part of %d bytes: not cut at the last line break", len(p))
				}
			}
		}},
		{"sentences", strings.Repeat("This is a sentence. ", 500), 4096, 3, func(t *testing.T, parts []string) {
			for _, p := range parts {
				if !strings.HasSuffix(p, ".") {
					t.Fatalf("part ends %q, not at a sentence", p[len(p)-10:])
				}
			}
		}},
		{"no breaks", strings.Repeat("x", 10000), 4096, 3, nil},
		{"surrogate pairs", emoji, 4096, 2, func(t *testing.T, parts []string) {
			if channel.UTF16Len(parts[0]) != 4096 || parts[0]+parts[1] != emoji {
				t.Fatal("emoji split inside a pair or lost")
			}
		}},
		{"blank tail", strings.Repeat("a", 4096) + "\n\n  ", 4096, 1, nil},
		{"empty", "", 4096, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := channel.Split(tt.text, tt.limit)
			if len(parts) != tt.parts {
				t.Fatalf("%d parts, want %d", len(parts), tt.parts)
			}
			for i, p := range parts {
				if channel.UTF16Len(p) > tt.limit || strings.TrimSpace(p) == "" {
					t.Fatalf("part %d: %d units", i, channel.UTF16Len(p))
				}
			}
			if tt.check != nil {
				tt.check(t, parts)
			}
		})
	}
}

func TestLimitsPaceChatsAndGroups(t *testing.T) {
	tests := []struct {
		name           string
		rate, chatRate float64
		to             string
		want           time.Duration
	}{
		{"private chat", 30, 1, "42", time.Second},
		{"group", 30, 1, "-100123", groupInterval},
		{"faster chats, groups still 20/min", 30, 10, "-100123", groupInterval},
		{"lifted", 0, 0, "42", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := testAdapter(t, config.Telegram{Token: "1:x", Mode: modePolling, Rate: tt.rate, ChatRate: tt.chatRate})
			l := a.Limits()
			var got time.Duration
			if l.Pace != nil {
				got = l.Pace(tt.to)
			}
			if got != tt.want || l.Rate != tt.rate {
				t.Fatalf("pace %s rate %v, want %s and %v", got, l.Rate, tt.want, tt.rate)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	ok := config.Telegram{Token: "1:x", Mode: modeWebhook, WebhookSecret: "s"}
	tests := []struct {
		name   string
		mutate func(*config.Telegram)
		public string
		valid  bool
	}{
		{"webhook", func(*config.Telegram) {}, testPublic, true},
		{"polling", func(c *config.Telegram) { c.Mode, c.WebhookSecret = modePolling, "" }, "", true},
		{"no token", func(c *config.Telegram) { c.Token = "" }, testPublic, false},
		{"webhook without secret", func(c *config.Telegram) { c.WebhookSecret = "" }, testPublic, false},
		{"webhook without public url", func(*config.Telegram) {}, "", false},
		{"unknown mode", func(c *config.Telegram) { c.Mode = "push" }, testPublic, false},
		{"negative rate", func(c *config.Telegram) { c.Rate = -1 }, testPublic, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.mutate(&cfg)
			_, err := New(cfg, tt.public, nopHandler{}, nopTexts{}, nil, nil)
			if (err == nil) != tt.valid {
				t.Fatalf("err %v, want valid=%v", err, tt.valid)
			}
		})
	}
}

// testAdapter is an adapter for unit tests that make no calls.
func testAdapter(t *testing.T, cfg config.Telegram) *Adapter {
	t.Helper()
	if cfg.Token == "" {
		cfg.Token, cfg.Mode = "1:x", modePolling
	}
	a, err := New(cfg, "", nopHandler{}, nopTexts{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
