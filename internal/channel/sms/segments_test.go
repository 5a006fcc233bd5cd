package sms_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/guidebot/guidebot/internal/channel/sms"
	"github.com/guidebot/guidebot/internal/i18n"
	"github.com/guidebot/guidebot/locales"
)

func TestSegments(t *testing.T) {
	r := strings.Repeat
	cases := []struct {
		name  string
		text  string
		enc   string
		parts int
	}{
		{"empty", "", sms.GSM7, 0},
		{"GSM-7 160", r("a", 160), sms.GSM7, 1},
		{"GSM-7 161", r("a", 161), sms.GSM7, 2},
		{"GSM-7 306", r("a", 306), sms.GSM7, 2},
		{"GSM-7 307", r("a", 307), sms.GSM7, 3},
		{"Swedish letters are GSM-7", r("åäöÅÄÖé", 20), sms.GSM7, 1},
		{"extension chars count twice: 80 €", r("€", 80), sms.GSM7, 1},
		{"extension chars count twice: 81 €", r("€", 81), sms.GSM7, 2},
		{"every extension char: 160 septets", r("€[]{}|^~\\\f", 8), sms.GSM7, 1},
		{"every extension char: 162 septets", r("€[]{}|^~\\\f", 8) + "a", sms.GSM7, 2},
		{"153 extension chars need 3 parts, not 2", r("€", 153), sms.GSM7, 3},
		{"an escape pair is not split", r("a", 152) + "€" + r("a", 10), sms.GSM7, 2}, // 164 septets: € moves to part 2
		{"escape at a part boundary", r("a", 152) + "€" + r("a", 152), sms.GSM7, 3},
		{"UCS-2 70", r("ж", 70), sms.UCS2, 1},
		{"UCS-2 71", r("ж", 71), sms.UCS2, 2},
		{"UCS-2 134", r("ж", 134), sms.UCS2, 2},
		{"UCS-2 135", r("ж", 135), sms.UCS2, 3},
		{"one non-GSM char makes it UCS-2", r("a", 69) + "ç", sms.UCS2, 1},
		{"backtick is not GSM-7", "`", sms.UCS2, 1},
		{"Arabic", "مرحبا! كيف يمكنني مساعدتك اليوم؟", sms.UCS2, 1},
		{"Persian", "سلام، چطور می‌توانم کمک کنم؟", sms.UCS2, 1},
		{"Ukrainian", "Привіт! Чим можу допомогти?", sms.UCS2, 1},
		{"Tigrinya", "ሰላም! ብኸመይ ክሕግዘኩም?", sms.UCS2, 1},
		{"emoji is two UTF-16 units", "Tack 👍", sms.UCS2, 1},
		{"35 emoji fill one part", r("👍", 35), sms.UCS2, 1},
		{"36 emoji take two", r("👍", 36), sms.UCS2, 2},
		{"a surrogate pair is not split", r("ж", 66) + "👍" + r("ж", 10), sms.UCS2, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			enc, parts := sms.Segments(c.text)
			if enc != c.enc || parts != c.parts {
				t.Fatalf("Segments = %s, %d; want %s, %d", enc, parts, c.enc, c.parts)
			}
		})
	}
}

func TestCheckSegmentsShippedLocales(t *testing.T) {
	cat, err := i18n.Load(locales.Files, "sv")
	if err != nil {
		t.Fatal(err)
	}
	ids := cat.IDs()
	sendable := 0
	for _, id := range ids {
		switch {
		case strings.HasPrefix(id, "keyword."), strings.HasPrefix(id, "guide."), strings.HasPrefix(id, "admin."),
			id == "language.script", id == "language.aliases":
		default:
			sendable++
		}
	}
	const budget = 3
	report, problems := sms.CheckSegments(cat, budget)
	if want := sendable * len(cat.Languages()); len(report) != want {
		t.Fatalf("%d report lines, want %d (%d messages × %d languages)", len(report), want, sendable, len(cat.Languages()))
	}
	encodings := map[string]map[string]int{} // lang → encoding → messages
	maxParts := map[string]int{}
	for _, line := range report {
		var lang, id, enc string
		var chars, parts int
		if _, err := fmt.Sscanf(line, "%s %s %s %d characters, %d", &lang, &id, &enc, &chars, &parts); err != nil {
			t.Fatalf("report line %q: %v", line, err)
		}
		enc = strings.TrimSuffix(enc, ",")
		if encodings[lang] == nil {
			encodings[lang] = map[string]int{}
		}
		encodings[lang][enc]++
		maxParts[lang] = max(maxParts[lang], parts)
		if strings.HasPrefix(id, "keyword.") || id == "language.script:" {
			t.Fatalf("reported a message that never goes out: %q", line)
		}
	}
	for _, lang := range cat.Languages() {
		t.Logf("%s: %v, longest %d parts", lang, encodings[lang], maxParts[lang])
	}
	for _, lang := range []string{"ar", "fa", "uk", "ti"} {
		if encodings[lang][sms.GSM7] > encodings[lang][sms.UCS2] {
			t.Errorf("%s is mostly GSM-7: %v", lang, encodings[lang])
		}
	}
	for _, p := range problems {
		t.Logf("over budget %d: %s", budget, p)
	}
	for _, line := range report {
		if !strings.Contains(line, " 1 part") {
			t.Logf("more than one part: %s", line)
		}
	}
}
