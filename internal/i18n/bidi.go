package i18n

import (
	"strings"

	"golang.org/x/text/unicode/bidi"
)

// rtlScripts are the scripts written right to left among those a locale may name
// in language.script.
var rtlScripts = map[string]bool{"Arab": true, "Hebr": true, "Syrc": true, "Thaa": true, "Nkoo": true, "Adlm": true}

// rlm is U+200F RIGHT-TO-LEFT MARK: an invisible strong right-to-left character.
const rlm = "\u200f"

// keepRTL starts each line of a right-to-left text that mixes directions and whose
// first strong character is left to right ("BankID أو…", "Kela و Suomi.fi",
// "2. BankID…") with a right-to-left mark. Telegram's apps and phones' SMS apps take
// a paragraph's direction from its first strong character (Unicode bidi rules
// P2–P3), so without the mark such a line is laid out left to right and the Arabic
// or Persian in it reads out of order. A line with no right-to-left letter at all
// (a language's own name in the language list) reads right either way. A mark, not
// an isolate (U+2066–U+2069): isolates are newer than many phones' fonts and show
// as boxes there, while the mark has been in Unicode since 1.1.
func keepRTL(text string) string {
	if !strings.ContainsFunc(text, isLTR) {
		return text
	}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if OutOfOrder(line) {
			lines[i] = rlm + line
		}
	}
	return strings.Join(lines, "\n")
}

// RightToLeft reports whether lang is written right to left.
func (c *Catalog) RightToLeft(lang string) bool { return c.rtl[lang] }

// OutOfOrder reports whether a line that holds right-to-left letters would be laid
// out left to right by the first-strong rule: its first strong character is left to
// right. Digits and punctuation are weak and do not count.
func OutOfOrder(line string) bool {
	first, rtl := bidi.Class(0), false
	found := false
	for _, r := range line {
		switch p, _ := bidi.LookupRune(r); p.Class() {
		case bidi.L:
			if !found {
				first, found = bidi.L, true
			}
		case bidi.R, bidi.AL:
			if !found {
				first, found = bidi.R, true
			}
			rtl = true
		}
	}
	return rtl && first == bidi.L
}

func isLTR(r rune) bool {
	p, _ := bidi.LookupRune(r)
	return p.Class() == bidi.L
}
