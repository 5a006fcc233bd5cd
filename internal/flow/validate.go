package flow

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

// validators lists the free-text validators a flow may name; int takes "int:MIN-MAX".
var validators = map[string]bool{"nonempty": true, "phone": true, "yesno": true, "int": true, "date": true}

// validValidator reports whether spec names a known validator with good arguments.
func validValidator(spec string) bool {
	kind, arg, hasArg := strings.Cut(spec, ":")
	if !validators[kind] {
		return false
	}
	if kind != "int" {
		return !hasArg
	}
	lo, hi, ok := strings.Cut(arg, "-")
	a, err1 := strconv.Atoi(lo)
	b, err2 := strconv.Atoi(hi)
	return ok && err1 == nil && err2 == nil && a <= b
}

// validate checks free text and returns the value to save: trimmed text, an E.164
// number, "yes"/"no", a decimal integer, or an ISO date.
func (e *Engine) validate(spec, text string) (string, bool) {
	kind, arg, _ := strings.Cut(spec, ":")
	switch kind {
	case "nonempty":
		return text, strings.TrimSpace(text) != ""
	case "phone":
		return E164(foldDigits(text))
	case "yesno":
		n := Normalize(text)
		switch {
		case e.yes[n]:
			return "yes", true
		case e.no[n]:
			return "no", true
		}
		return "", false
	case "int":
		n, err := strconv.Atoi(Normalize(text))
		lo, hi, _ := strings.Cut(arg, "-")
		min, _ := strconv.Atoi(lo)
		max, _ := strconv.Atoi(hi)
		if err != nil || n < min || n > max {
			return "", false
		}
		return strconv.Itoa(n), true
	case "date":
		return parseDate(foldDigits(text))
	}
	return "", false
}

// E164 normalises a phone number written with spaces, dashes, dots or brackets and a
// leading + or 00 to +CCNNN…; anything else is not a phone number.
func E164(text string) (string, bool) {
	var b strings.Builder
	t := strings.TrimSpace(text)
	if strings.HasPrefix(t, "00") {
		t = "+" + t[2:]
	}
	for i, r := range t {
		switch {
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	s := b.String()
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return "", false
	}
	return s, true
}

var dateLayouts = []string{"2006-01-02", "2.1.2006", "2/1/2006", "2-1-2006", "20060102"}

// foldDigits writes digits of any script as ASCII digits.
func foldDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r > '9' && unicode.IsDigit(r) {
			return '0' + digitValue(r)
		}
		return r
	}, strings.TrimSpace(s))
}

func parseDate(s string) (string, bool) {
	s = strings.ReplaceAll(s, " ", "")
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	return "", false
}
