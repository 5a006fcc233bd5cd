package sms

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Encodings an SMS body goes out in.
const (
	GSM7 = "GSM-7"
	UCS2 = "UCS-2"
)

// Segment sizes (3GPP TS 23.038/23.040): a part of a concatenated message loses room
// to the user data header that numbers the parts.
const (
	gsmSingle  = 160 // septets
	gsmPart    = 153
	ucs2Single = 70 // UTF-16 code units
	ucs2Part   = 67
)

// gsmBasic is the GSM 03.38 default alphabet without the escape code; each costs one
// septet. gsmExtended needs the escape first, so each costs two.
const (
	gsmBasic    = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtended = "\f^{}\\[~]|€"
)

// gsmSeptets is what r costs in GSM-7, or 0 when GSM-7 cannot carry it.
func gsmSeptets(r rune) int {
	if r < utf8.RuneSelf {
		// Fast path: printable ASCII is GSM-7 except the backtick and the extension
		// characters; of the controls only LF and CR are in the basic table.
		switch {
		case r == '\n' || r == '\r':
			return 1
		case r == '\f' || r == '^' || r == '{' || r == '}' || r == '\\' || r == '[' || r == '~' || r == ']' || r == '|':
			return 2
		case r == '`' || r < ' ' || r == 0x7f:
			return 0
		}
		return 1
	}
	switch {
	case strings.ContainsRune(gsmBasic, r):
		return 1
	case strings.ContainsRune(gsmExtended, r):
		return 2
	}
	return 0
}

// ucs2Units is what r costs in UCS-2 as phones (and Twilio) count it: UTF-16 code
// units, so an emoji outside the BMP takes two.
func ucs2Units(r rune) int {
	if n := utf16.RuneLen(r); n > 0 {
		return n
	}
	return 1 // an invalid rune goes out as U+FFFD
}

// Segments says how text goes out by SMS: GSM-7 when every character is in the GSM
// alphabet (extension characters such as € [ ] { } | ^ ~ \ count twice), otherwise
// UCS-2; and how many parts it takes (160/153 septets or 70/67 UTF-16 units per part;
// a part never ends inside an escape pair or a surrogate pair). Empty text takes 0.
func Segments(text string) (encoding string, parts int) {
	septets := 0
	for _, r := range text {
		n := gsmSeptets(r)
		if n == 0 {
			septets = -1
			break
		}
		septets += n
	}
	if septets >= 0 {
		return GSM7, countParts(text, septets, gsmSingle, gsmPart, gsmSeptets)
	}
	units := 0
	for _, r := range text {
		units += ucs2Units(r)
	}
	return UCS2, countParts(text, units, ucs2Single, ucs2Part, ucs2Units)
}

// countParts fills parts of size part greedily, as handsets split a long message, so
// that a character that does not fit whole starts the next part.
func countParts(text string, total, single, part int, width func(rune) int) int {
	switch {
	case total == 0:
		return 0
	case total <= single:
		return 1
	}
	parts, used := 1, 0
	for _, r := range text {
		w := width(r)
		if used+w > part {
			parts++
			used = 0
		}
		used += w
	}
	return parts
}

// SegmentProblem is a message that takes more SMS parts than the budget.
type SegmentProblem struct {
	Lang, ID string
	Parts    int
}

func (p SegmentProblem) String() string {
	return fmt.Sprintf("%s %s: %d SMS parts", p.Lang, p.ID, p.Parts)
}

// idLister is a catalog that can list its message ids. Texts does not require it
// because *i18n.Catalog has no such method yet; without it there is nothing to check.
// CatalogTexts are texts that can also list their message ids; *i18n.Catalog is one.
type CatalogTexts interface {
	Texts
	IDs() []string
}

// placeholder matches {{.Name}} in a message as written in the locale files.
var placeholder = regexp.MustCompile(`{{\s*\.\w+\s*}}`)

// placeholderSample stands in for a placeholder's value when counting: ten GSM
// characters, about a number, a date or a short name.
const placeholderSample = "0123456789"

// CheckSegments counts the SMS parts of every message that can go out by SMS (all but
// the keyword lists and language.script) in every language: one report line per
// message, and a problem for each above budget. Placeholders count as ten characters;
// a reply joins messages and a numbered list, so a step's SMS can be longer than any
// one message.
func CheckSegments(texts CatalogTexts, budget int) (report []string, problems []SegmentProblem) {
	ids := append([]string(nil), texts.IDs()...)
	sort.Strings(ids)
	for _, lang := range texts.Languages() {
		for _, id := range ids {
			if !sendable(id) {
				continue
			}
			raw, ok := texts.Message(lang, id)
			if !ok {
				continue
			}
			text := placeholder.ReplaceAllString(raw, placeholderSample)
			enc, parts := Segments(text)
			report = append(report, fmt.Sprintf("%s %s: %s, %d characters, %d %s",
				lang, id, enc, utf8.RuneCountInString(text), parts, plural(parts, "part", "parts")))
			if parts > budget {
				problems = append(problems, SegmentProblem{Lang: lang, ID: id, Parts: parts})
			}
		}
	}
	return report, problems
}

// sendable reports whether a message id can be the text of an SMS: keyword lists are
// matched, never shown, as are language.aliases; language.script is a script code;
// guides and coordinators read theirs (guide.*, admin.*) on Telegram, the admin
// page and the command line.
func sendable(id string) bool {
	for _, prefix := range []string{"keyword.", "guide.", "admin."} {
		if strings.HasPrefix(id, prefix) {
			return false
		}
	}
	return id != "language.script" && id != "language.aliases"
}

func plural(n int, one, other string) string {
	if n == 1 {
		return one
	}
	return other
}
