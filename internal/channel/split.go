package channel

import (
	"strings"
	"unicode/utf8"
)

// Split cuts text into parts of at most limit UTF-16 units (as Telegram and
// Twilio count a message's length), at a line break, else a
// sentence end, else a space in the second half of a part, so no part is needlessly
// short; a text with none of those is cut between characters. The separator at a cut
// is dropped, and blank parts are left out (providers reject empty text).
func Split(text string, limit int) []string {
	var parts []string
	for UTF16Len(text) > limit {
		prefix := text[:prefixWithin(text, limit)]
		end, next := cutPoint(prefix)
		if next == 0 {
			// A limit below one character's width: send the character alone.
			_, size := utf8.DecodeRuneInString(text)
			end, next = size, size
		}
		if part := strings.TrimRight(text[:end], " \t\r\n"); strings.TrimSpace(part) != "" {
			parts = append(parts, part)
		}
		text = text[next:]
	}
	if part := strings.TrimRight(text, " \t\r\n"); strings.TrimSpace(part) != "" {
		parts = append(parts, part)
	}
	return parts
}

// cutPoint picks where to end a part within prefix: end is where the part stops and
// next where the following one starts.
func cutPoint(prefix string) (end, next int) {
	half := len(prefix) / 2
	if i := strings.LastIndexByte(prefix, '\n'); i >= half && i > 0 {
		return i, i + 1
	}
	best := -1
	for _, sep := range []string{". ", "! ", "? ", "… ", "۔ ", "؟ "} {
		if i := strings.LastIndex(prefix, sep); i >= 0 {
			// Keep the punctuation with its sentence; drop the space.
			if e := i + len(sep) - 1; e > best {
				best = e
			}
		}
	}
	if best >= half && best > 0 {
		return best, best + 1
	}
	for _, sep := range []string{"。", "！", "？", "።"} {
		if i := strings.LastIndex(prefix, sep); i >= half && i > 0 {
			return i + len(sep), i + len(sep)
		}
	}
	if i := strings.LastIndexByte(prefix, ' '); i >= half && i > 0 {
		return i, i + 1
	}
	return len(prefix), len(prefix)
}

// prefixWithin is the byte length of the longest prefix of s within limit UTF-16
// units, ending on a character boundary.
func prefixWithin(s string, limit int) int {
	n := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2 // a surrogate pair
		}
		if n+w > limit {
			return i
		}
		n += w
	}
	return len(s)
}

// UTF16Len is the length of s in UTF-16 code units.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}
