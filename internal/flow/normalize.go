package flow

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxMatchLen bounds the text that is normalised for matching: no label or keyword is
// longer, so a 10 000-character message costs no more than a short one.
const maxMatchLen = 200

// Normalize folds text for matching: lower case, no accents or harakat, digits of any
// script as ASCII, Arabic letters in their Persian forms, punctuation around the words
// and repeated spaces removed.
func Normalize(s string) string {
	if len(s) > maxMatchLen {
		return ""
	}
	if ascii(s) {
		return normalizeASCII(s)
	}
	// Invalid bytes go first: NFD leaves what follows one undecomposed, so "\xf3ä"
	// kept its accent (found by FuzzNormalize).
	s = ethiopicNumbers(strings.ToValidUTF8(s, ""))
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r), r == '\u0640', unicode.Is(unicode.Cf, r):
			continue // accents, harakat, tatweel, joiners and direction marks
		case unicode.IsDigit(r):
			r = '0' + digitValue(r)
		case r == 'ي' || r == 'ى':
			r = 'ی'
		case r == 'ك':
			r = 'ک'
		case r == 'ة':
			r = 'ه'
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r):
			continue // as the ASCII path drops them (a fuzz test found the two differed)
		case unicode.IsPunct(r) || unicode.IsSymbol(r):
			if r != '?' && r != '؟' && r != '-' && r != '+' && r != '@' {
				continue
			}
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return trimPunct(norm.NFC.String(b.String()))
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func normalizeASCII(s string) string {
	buf := make([]byte, 0, len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			space = len(buf) > 0
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c < '0' || (c > '9' && c < 'a') || c > 'z':
			if c != '?' && c != '-' && c != '+' && c != '@' {
				continue
			}
		}
		if space {
			buf = append(buf, ' ')
			space = false
		}
		buf = append(buf, c)
	}
	return trimPunct(string(buf))
}

// trimPunct drops dashes around the words and a trailing question mark, but keeps a
// lone "?".
func trimPunct(s string) string {
	t := strings.TrimRight(s, " -?؟")
	t = strings.TrimLeft(t, " -")
	if t == "" {
		return s
	}
	return t
}

// Ethiopic numerals (U+1369–U+137C) are not decimal digits: ፩…፱ are one to nine
// and ፲ is ten, so ፲፪ is twelve. Readers of Tigrinya may answer a numbered list
// with them.
const (
	ethiopicOne = '\u1369'
	ethiopicTen = '\u1372'
)

// ethiopicNumbers writes the Ethiopic numerals up to nineteen in s as ASCII digits.
func ethiopicNumbers(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= ethiopicOne && r <= ethiopicTen }) {
		return s
	}
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r >= ethiopicOne && r < ethiopicTen:
			b.WriteRune('1' + r - ethiopicOne)
		case r == ethiopicTen:
			b.WriteByte('1')
			if i+1 < len(rs) && rs[i+1] >= ethiopicOne && rs[i+1] < ethiopicTen {
				i++
				b.WriteRune('1' + rs[i] - ethiopicOne)
			} else {
				b.WriteByte('0')
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func digitValue(r rune) rune {
	// Unicode decimal digits come in contiguous runs of ten starting at a zero; some
	// runs follow one another (the mathematical digits), hence the modulo.
	z := r
	for unicode.IsDigit(z - 1) {
		z--
	}
	return (r - z) % 10
}

// scriptOf returns the dominant script of letters in s ("Latn", "Arab", "Cyrl",
// "Ethi"), or "" when there is none or no clear winner.
func scriptOf(s string) string {
	var latn, arab, cyrl, ethi, total int
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		total++
		switch {
		case unicode.Is(unicode.Latin, r):
			latn++
		case unicode.Is(unicode.Arabic, r):
			arab++
		case unicode.Is(unicode.Cyrillic, r):
			cyrl++
		case unicode.Is(unicode.Ethiopic, r):
			ethi++
		}
	}
	switch {
	case total == 0:
		return ""
	case latn*2 > total:
		return "Latn"
	case arab*2 > total:
		return "Arab"
	case cyrl*2 > total:
		return "Cyrl"
	case ethi*2 > total:
		return "Ethi"
	}
	return ""
}
