package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseList(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []listItem
	}{
		{
			name: "menu",
			body: "Vad vill du göra?\n1. Gör min plan\n2. Hjälp steg för steg\n10. Tillbaka till menyn\n",
			want: []listItem{{"1", "Gör min plan"}, {"2", "Hjälp steg för steg"}, {"10", "Tillbaka till menyn"}},
		},
		{
			name: "no list",
			body: "Din plan är tom.",
		},
		{
			name: "only the list at the end counts",
			body: "1. not this\nBetala en räkning (1/3): Logga in.\n1. Nästa\n2. Tillbaka",
			want: []listItem{{"1", "Nästa"}, {"2", "Tillbaka"}},
		},
		{
			name: "text after the list",
			body: "1. Svenska\n2. English\nSvara med en siffra.",
		},
		{
			name: "right to left labels and CRLF",
			body: "اختر:\r\n1. العربية\r\n2. فارسی\r\n",
			want: []listItem{{"1", "العربية"}, {"2", "فارسی"}},
		},
		{
			name: "not list lines",
			body: "1.5 is a number\n3.not spaced\n. dot\n4. ",
		},
		{
			name: "empty",
			body: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseList(tt.body); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseList(%q) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

func TestSMSIndex(t *testing.T) {
	tests := []struct {
		number string
		want   int
	}{
		{"+46701000000", 0},
		{"+46701001999", 1999},
		{"+46700000000", -1}, // the service's own number
		{"+4670abc", -1},
		{"+15005550006", -1},
	}
	for _, tt := range tests {
		if got := smsIndex(tt.number); got != tt.want {
			t.Errorf("smsIndex(%q) = %d, want %d", tt.number, got, tt.want)
		}
	}
	for _, i := range []int{0, 7, maxParticipants} {
		p := newParticipant(i, smsKind, newScript(), 1)
		if got := smsIndex(p.number); got != i {
			t.Errorf("participant %d has number %s, which maps back to %d", i, p.number, got)
		}
		if len(p.number) != len(smsPrefix)+7 {
			t.Errorf("participant %d has number %s, want seven digits after %s", i, p.number, smsPrefix)
		}
	}
}

func TestNextMoves(t *testing.T) {
	sc := newScript()
	kb := &inlineKeyboard{InlineKeyboard: [][]inlineButton{{{Text: "Svenska", CallbackData: "welcome.language|sv"}}, {{Text: "English", CallbackData: "welcome.language|en"}}}}
	tg := newParticipant(3, telegramKind, sc, 1)
	if m := tg.next(sc); m.text != firstTelegram {
		t.Fatalf("first Telegram move = %+v, want %q", m, firstTelegram)
	}
	tg.last = reply{text: "Vilket språk?", keyboard: kb, messageID: 9, date: 1}
	var presses, labels int
	const rounds = 2000
	for range rounds {
		m := tg.next(sc)
		switch {
		case m.press != nil:
			presses++
		case m.text == "Svenska" || m.text == "English":
			labels++
		}
	}
	if share := float64(presses) / rounds; share < tgPressShare-0.05 || share > tgPressShare+0.05 {
		t.Errorf("pressed in %.2f of moves, want about %.2f", share, tgPressShare)
	}
	if share := float64(labels) / rounds; share < tgTypeLabelShare-0.05 || share > tgTypeLabelShare+0.05 {
		t.Errorf("typed a label in %.2f of moves, want about %.2f", share, tgTypeLabelShare)
	}

	sms := newParticipant(4, smsKind, sc, 1)
	if m := sms.next(sc); m.text != firstSMS {
		t.Fatalf("first SMS move = %+v, want %q", m, firstSMS)
	}
	sms.last = reply{items: parseList("Välj:\n1. Svenska\n2. English")}
	var numbers int
	for range rounds {
		if m := sms.next(sc); m.text == "1" || m.text == "2" {
			numbers++
		}
	}
	if share := float64(numbers) / rounds; share < smsNumberShare-0.05 || share > smsNumberShare+0.05 {
		t.Errorf("answered a number in %.2f of moves, want about %.2f", share, smsNumberShare)
	}
}

func TestTelegramUpdate(t *testing.T) {
	sc := newScript()
	p := newParticipant(5, telegramKind, sc, 1)
	now := time.Unix(1_800_000_000, 0)
	tests := []struct {
		name  string
		m     move
		check func(t *testing.T, u map[string]any)
	}{
		{
			name: "command",
			m:    move{text: "/start"},
			check: func(t *testing.T, u map[string]any) {
				msg := u["message"].(map[string]any)
				if msg["text"] != "/start" || msg["chat"].(map[string]any)["type"] != "private" {
					t.Errorf("message = %v", msg)
				}
				if e := msg["entities"].([]any)[0].(map[string]any); e["type"] != "bot_command" || e["length"] != float64(6) {
					t.Errorf("entity = %v", e)
				}
				if from := msg["from"].(map[string]any); from["language_code"] != p.lang || from["is_bot"] != false {
					t.Errorf("from = %v", from)
				}
			},
		},
		{
			name: "button press",
			m:    move{press: &inlineButton{Text: "English", CallbackData: "welcome.language|en"}},
			check: func(t *testing.T, u map[string]any) {
				q := u["callback_query"].(map[string]any)
				if q["data"] != "welcome.language|en" || q["id"] == "" {
					t.Errorf("callback_query = %v", q)
				}
				msg := q["message"].(map[string]any)
				if msg["message_id"] != float64(42) || msg["date"] == float64(0) || msg["chat"].(map[string]any)["id"] != float64(p.chat) {
					t.Errorf("callback message = %v", msg)
				}
			},
		},
	}
	p.last = reply{text: "Which language?", messageID: 42, date: now.Unix()}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := p.telegramUpdate(int64(100+i), tt.m, now)
			if err != nil {
				t.Fatal(err)
			}
			var u map[string]any
			if err := json.Unmarshal(b, &u); err != nil {
				t.Fatal(err)
			}
			if u["update_id"] != float64(100+i) {
				t.Errorf("update_id = %v", u["update_id"])
			}
			tt.check(t, u)
		})
	}
}

func TestNoiseIsNoKeyword(t *testing.T) {
	// Noise must not opt a number out or ask for help, or the conversation would stop.
	for _, n := range newScript().noise {
		switch strings.ToUpper(strings.TrimSpace(n)) {
		case "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "HELP", "INFO":
			t.Errorf("noise %q is an SMS keyword", n)
		}
	}
}
