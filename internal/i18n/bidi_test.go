package i18n

import (
	"strings"
	"testing"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/locales"
)

// TestEveryRTLMessageKeepsItsDirection renders every message of every
// right-to-left locale, its placeholders filled with Latin text (a venue, a brand)
// and numbers, and reads each line as a phone would: no line that holds Arabic or
// Persian may start left to right. It also counts the lines that would without the
// marks, so the test shows it can fail.
func TestEveryRTLMessageKeepsItsDirection(t *testing.T) {
	c, err := Load(locales.Files, "sv")
	if err != nil {
		t.Fatal(err)
	}
	rtl, unmarked := 0, 0
	for _, lang := range c.Languages() {
		if !c.RightToLeft(lang) {
			continue
		}
		rtl++
		for id, m := range c.messages[lang] {
			if strings.HasPrefix(id, "keyword.") || id == "language.aliases" || id == "language.script" {
				continue // never sent
			}
			params := map[string]string{}
			for _, p := range placeholder.FindAllStringSubmatch(m.Other, -1) {
				params[p[1]] = "Karlskoga bibliotek 12"
			}
			n := 2
			msg := flow.Message{ID: id, Params: params, Count: &n}
			for _, line := range strings.Split(c.Render(lang, msg), "\n") {
				if OutOfOrder(line) {
					t.Errorf("%s %s: line %q reads left to right", lang, id, line)
				}
			}
			// As an option of a numbered SMS list.
			if OutOfOrder("1. " + c.Label(lang, flow.Choice{ID: "x", Label: id, Params: params})) {
				t.Errorf("%s %s as an option reads left to right", lang, id)
			}
			for _, line := range strings.Split(m.Other, "\n") {
				if OutOfOrder(line) {
					unmarked++
				}
			}
		}
	}
	if rtl < 2 {
		t.Fatalf("%d right-to-left locales, want Arabic and Persian", rtl)
	}
	if unmarked == 0 {
		t.Fatal("no message would read out of order without a mark: the test checks nothing")
	}
	t.Logf("%d lines in %d right-to-left locales would read left to right without a mark", unmarked, rtl)
}

func TestOutOfOrder(t *testing.T) {
	for _, c := range []struct {
		line string
		want bool
	}{
		{"BankID أو هوية", true},
		{"2. BankID أو هوية", true}, // digits are weak: B decides
		{"\u200fBankID أو هوية", false},
		{"هوية BankID", false},
		{"Svenska", false}, // nothing right to left in it
		{"12:00", false},
		{"", false},
	} {
		if got := OutOfOrder(c.line); got != c.want {
			t.Errorf("OutOfOrder(%q) = %v, want %v", c.line, got, c.want)
		}
	}
}
