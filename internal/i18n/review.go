package i18n

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"gopkg.in/yaml.v3"
)

// ReviewDir holds, beside the locales, one file per language that records which
// source text each translation was made from and whether a speaker of the language
// has reviewed it: `locales import` writes it, `check --strict` reads it.
const ReviewDir = "review"

// Record is what the review file keeps of one translation.
type Record struct {
	Source   string `yaml:"source"`   // SourceHash of the English text it was made from
	Reviewed bool   `yaml:"reviewed"` // a speaker of the language has read it
}

// Status is where a translation stands against its source.
type Status string

// The statuses, worst first.
const (
	Missing     Status = "missing"      // no translation
	Stale       Status = "stale"        // the source changed since it was translated
	NeedsReview Status = "needs review" // translated, not yet read by a speaker
	Untracked   Status = "untracked"    // no record of its source: made before records were kept
	OK          Status = "ok"
)

// SourceHash identifies a source text in all its plural forms: a change to any
// form makes the translations stale.
func SourceHash(m *goi18n.Message) string {
	h := sha256.New()
	for _, f := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// loadReviews reads the review file of each language, if there is one.
func loadReviews(fsys fs.FS, langs []string) (map[string]map[string]Record, error) {
	out := map[string]map[string]Record{}
	for _, l := range langs {
		data, err := fs.ReadFile(fsys, path.Join(ReviewDir, l+".yaml"))
		if err != nil {
			continue // none yet: every translation is untracked
		}
		recs := map[string]Record{}
		if err := yaml.Unmarshal(data, &recs); err != nil {
			return nil, fmt.Errorf("i18n: %s/%s.yaml: %w", ReviewDir, l, err)
		}
		out[l] = recs
	}
	return out, nil
}

// Status says where lang's translation of id stands.
func (c *Catalog) Status(lang, id string) Status {
	src, m := c.messages[Source][id], c.messages[lang][id]
	switch {
	case m == nil:
		return Missing
	case lang == Source || src == nil:
		return OK
	}
	rec, ok := c.reviews[lang][id]
	switch {
	case !ok:
		return Untracked
	case rec.Source != SourceHash(src):
		return Stale
	case !rec.Reviewed:
		return NeedsReview
	}
	return OK
}

// Translatable lists the source ids a translator works on: not the script code.
func (c *Catalog) Translatable() []string {
	var ids []string
	for _, id := range c.IDs() {
		if id != "language.script" {
			ids = append(ids, id)
		}
	}
	return ids
}

// CheckStrict lists the translations whose source changed since they were made, in
// every language, for `check --strict`; with untracked, those with no record too.
func (c *Catalog) CheckStrict(untracked bool) []Problem {
	var probs []Problem
	for _, lang := range c.langs {
		if lang == Source {
			continue
		}
		for _, id := range c.Translatable() {
			switch st := c.Status(lang, id); {
			case st == Stale:
				probs = append(probs, Problem{c.files[lang], c.lines[lang][id],
					fmt.Sprintf("%s is stale: %s.yaml changed it since it was translated", id, Source)})
			case st == Untracked && untracked:
				probs = append(probs, Problem{c.files[lang], c.lines[lang][id],
					fmt.Sprintf("%s has no record of the source it was translated from", id)})
			}
		}
	}
	return probs
}

// Counts tallies each language's translations by status.
func (c *Catalog) Counts() map[string]map[Status]int {
	out := map[string]map[Status]int{}
	for _, lang := range c.langs {
		out[lang] = map[Status]int{}
		for _, id := range c.Translatable() {
			out[lang][c.Status(lang, id)]++
		}
	}
	return out
}

// reviewFile renders a language's records, sorted by id, for the review file.
func reviewFile(lang string, recs map[string]Record) []byte {
	ids := make([]string, 0, len(recs))
	for id := range recs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: for each message, the English text it was translated from (a hash of\n", lang)
	b.WriteString("# en.yaml's text) and whether a speaker of the language has reviewed it.\n")
	b.WriteString("# Written by `guidebot locales import`; `guidebot check --strict` lists the stale ones.\n")
	for _, id := range ids {
		fmt.Fprintf(&b, "%s: {source: %s, reviewed: %t}\n", yamlKey(id), recs[id].Source, recs[id].Reviewed)
	}
	return []byte(b.String())
}

// yamlKey quotes a message id where YAML needs it (the @ of a country variant).
func yamlKey(id string) string {
	if strings.ContainsAny(id, "@:#") {
		return `"` + id + `"`
	}
	return id
}
