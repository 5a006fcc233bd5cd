package i18n

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Problem is one thing wrong with a locale file.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string { return fmt.Sprintf("locales/%s:%d: %s", p.File, p.Line, p.Msg) }

var placeholder = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

// Check compares every locale with the source: missing or extra keys, placeholders
// that differ, and plural forms the language's CLDR rules need but the file lacks.
func (c *Catalog) Check() []Problem {
	var probs []Problem
	src := c.messages[Source]
	ids := make([]string, 0, len(src))
	for id := range src {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, lang := range c.langs {
		file, msgs, lines := c.files[lang], c.messages[lang], c.lines[lang]
		forms := pluralForms(lang)
		for _, id := range ids {
			m, ok := msgs[id]
			if !ok {
				probs = append(probs, Problem{file, 0, fmt.Sprintf("key %q is missing (it is in %s.yaml)", id, Source)})
				continue
			}
			at := lines[id]
			want := placeholders(src[id])
			if got := placeholders(m); got != want {
				probs = append(probs, Problem{file, at, fmt.Sprintf("%s: placeholders {%s} differ from %s's {%s}", id, got, Source, want)})
			}
			if isPlural(src[id]) {
				for _, f := range forms {
					if formText(m, f) == "" {
						probs = append(probs, Problem{file, at, fmt.Sprintf("%s: plural form %q is missing (%s needs %s)", id, f, lang, strings.Join(forms, ", "))})
					}
				}
			}
		}
		extra := []string{}
		for id := range msgs {
			if _, ok := src[id]; !ok {
				extra = append(extra, id)
			}
		}
		sort.Strings(extra)
		for _, id := range extra {
			probs = append(probs, Problem{file, lines[id], fmt.Sprintf("key %q is not in %s.yaml", id, Source)})
		}
	}
	return probs
}

func isPlural(m *goi18n.Message) bool {
	return m.Zero != "" || m.One != "" || m.Two != "" || m.Few != "" || m.Many != ""
}

func formText(m *goi18n.Message, form string) string {
	switch form {
	case "zero":
		return m.Zero
	case "one":
		return m.One
	case "two":
		return m.Two
	case "few":
		return m.Few
	case "many":
		return m.Many
	}
	return m.Other
}

// placeholders lists the sorted, distinct {{.Name}}s of all forms of a message.
func placeholders(m *goi18n.Message) string {
	set := map[string]bool{}
	for _, text := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		for _, match := range placeholder.FindAllStringSubmatch(text, -1) {
			set[match[1]] = true
		}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// pluralForms asks go-i18n's own CLDR rules which forms whole counts 0–1000 select in
// lang, so check demands exactly what rendering will look up; "other" always.
func pluralForms(lang string) []string {
	b := goi18n.NewBundle(language.English)
	tag := language.Make(lang)
	probe := &goi18n.Message{ID: "probe", Zero: "zero", One: "one", Two: "two", Few: "few", Many: "many", Other: "other"}
	if err := b.AddMessages(tag, probe); err != nil {
		return []string{"other"}
	}
	loc := goi18n.NewLocalizer(b, lang)
	seen := map[string]bool{"other": true}
	for n := 0; n <= 1000; n++ {
		form, err := loc.Localize(&goi18n.LocalizeConfig{MessageID: "probe", PluralCount: n})
		if err == nil {
			seen[form] = true
		}
	}
	order := []string{"zero", "one", "two", "few", "many", "other"}
	var out []string
	for _, f := range order {
		if seen[f] {
			out = append(out, f)
		}
	}
	return out
}

// CheckCountries makes sure every country a programme works in has its variant of
// every country-specific message, in every locale: where the source has id@FI, a
// programme in Finland needs id@FI everywhere, and one in Norway id@NO. The base
// country's texts are the messages without a variant.
func (c *Catalog) CheckCountries(countries []string) []Problem {
	src := c.messages[Source]
	var bases []string
	for id := range src {
		base, _, ok := strings.Cut(id, countrySep)
		if !ok {
			continue
		}
		if _, exists := src[base]; !exists {
			return []Problem{{c.files[Source], c.lines[Source][id], fmt.Sprintf("%s is a variant of %s, which is missing", id, base)}}
		}
		if !slices.Contains(bases, base) {
			bases = append(bases, base)
		}
	}
	sort.Strings(bases)
	var probs []Problem
	for _, cc := range countries {
		if cc == BaseCountry {
			continue
		}
		for _, lang := range c.langs {
			for _, base := range bases {
				if c.messages[lang][base+countrySep+cc] == nil {
					probs = append(probs, Problem{c.files[lang], 0, fmt.Sprintf(
						"key %q is missing: the schedule has a programme or venue in %s, whose participants read %s's variant",
						base+countrySep+cc, cc, base)})
				}
			}
		}
	}
	return probs
}
