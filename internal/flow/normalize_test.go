package flow_test

import (
	"strings"
	"testing"

	"github.com/guidebot/guidebot/internal/flow"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  Ja! ", "ja"},
		{"HÄLP", "halp"},
		{"Hjälp?", "hjalp"},
		{"  Ja   tack!! ", "ja tack"},
		{"Café", "cafe"},
		{"Cafe\u0301", "cafe"}, // decomposed
		{"Kyllä, kiitos.", "kylla kiitos"},
		{"١٢", "12"},
		{"٩", "9"},
		{"۰۱۲۳۴۵۶۷۸۹", "0123456789"},
		{"٠١٢٣٤٥٦٧٨٩", "0123456789"},
		{"९", "9"}, // Devanagari
		{"𝟗", "9"}, // mathematical bold, one of five adjacent runs of digits
		{"𝟠", "8"}, // mathematical double-struck
		{"፪", "2"}, // Ethiopic: not a decimal digit in Unicode, but how Tigrinya counts
		{"፱", "9"},
		{"፲", "10"},
		{"፲፪", "12"},
		{" ፩ ", "1"},
		{"\u200fBankID", "bankid"}, // a right-to-left mark copied with a label
		{"9 ä", "9 a"},
		{"كيف", "کیف"},
		{"مدرسة", "مدرسه"},
		{"عَرَبِيّ", "عربی"},
		{"نـــعم", "نعم"},
		{"می‌خواهم", "میخواهم"},
		{"?", "?"},
		{"؟", "؟"},
		{"hjälp?", "hjalp"},
		{"-", "-"},
		{"E-mail", "e-mail"},
		{"- 3 -", "3"},
		{"+46", "+46"},
		{"a@b", "a@b"},
		{"👍", ""},
		{"Привіт!", "привіт"},
		{"ትግርኛ", "ትግርኛ"},
		{"", ""},
		{strings.Repeat("a", 300), ""},
		{strings.Repeat("ä", 150), ""},
		{strings.Repeat("a", 200), strings.Repeat("a", 200)},
	}
	for _, tc := range tests {
		if got := flow.Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestNormalizeKeepsEveryKeyword: every keyword and label of the shipped locales
// survives normalisation (none is too long, none folds to nothing).
func TestNormalizeKeepsEveryKeyword(t *testing.T) {
	w := shipped(t)
	for _, lang := range w.cat.Languages() {
		for _, id := range []string{"keyword.menu", "keyword.help", "keyword.language", "keyword.guide",
			"keyword.yes", "keyword.no", "keyword.plan", "keyword.data", "keyword.forget"} {
			for _, word := range words(t, w.cat, lang, id) {
				if flow.Normalize(word) == "" {
					t.Errorf("%s %s %q normalises to nothing", lang, id, word)
				}
				if n := flow.Normalize(word); flow.Normalize(n) != n {
					t.Errorf("%s %s %q: Normalize is not idempotent: %q → %q", lang, id, word, n, flow.Normalize(n))
				}
			}
		}
	}
}
