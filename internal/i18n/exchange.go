package i18n

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing/fstest"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"gopkg.in/yaml.v3"
)

// The columns of a translation sheet: one row per message and plural form. A
// translator fills in translation and sets status to "ok" once the text is right;
// "needs review" keeps a row marked for a second reader.
var sheetHeader = []string{"id", "form", "source", "translation", "status", "placeholders"}

// Export writes lang's translation sheet as CSV: every message a translator works
// on, with the English source, the translation so far and its status (missing,
// stale, needs review, untracked, ok). A spreadsheet opens it; no YAML needed.
func (c *Catalog) Export(w io.Writer, lang string) error {
	if c.messages[lang] == nil {
		return fmt.Errorf("i18n: export: no locale %q", lang)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(sheetHeader); err != nil {
		return fmt.Errorf("i18n: export: %w", err)
	}
	for _, id := range c.Translatable() {
		src, m := c.messages[Source][id], c.messages[lang][id]
		status := string(c.Status(lang, id))
		holders := strings.Join(placeholderNames(src), " ")
		for _, form := range c.forms(lang, src) {
			row := []string{id, form, formText(src, sourceForm(src, form)), "", status, holders}
			if m != nil {
				row[3] = formText(m, form)
			}
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("i18n: export: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("i18n: export: %w", err)
	}
	return nil
}

// forms are the plural forms lang needs of a source message: "other" alone for one
// without plurals.
func (c *Catalog) forms(lang string, src *goi18n.Message) []string {
	if !isPlural(src) {
		return []string{"other"}
	}
	return pluralForms(lang)
}

// sourceForm is the form of the English source a translator reads for form: English
// has only one and other.
func sourceForm(src *goi18n.Message, form string) string {
	if form == "one" && src.One != "" {
		return "one"
	}
	return "other"
}

func placeholderNames(m *goi18n.Message) []string {
	var out []string
	for _, f := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		for _, p := range placeholder.FindAllStringSubmatch(f, -1) {
			if name := "{{." + p[1] + "}}"; !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// Sheet is a translation sheet read back: each row's text and whether it is marked ok.
type Sheet struct {
	Lang string
	Rows []SheetRow
}

// SheetRow is one message's form as the translator left it.
type SheetRow struct {
	ID, Form, Text string
	Reviewed       bool
	Line           int
}

// ReadSheet reads a translation sheet in CSV, as Export writes it.
func ReadSheet(r io.Reader, lang string) (Sheet, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return Sheet{}, fmt.Errorf("i18n: sheet: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.ToLower(h))] = i
	}
	for _, need := range []string{"id", "translation"} {
		if _, ok := col[need]; !ok {
			return Sheet{}, fmt.Errorf("i18n: sheet: no %q column (the header is %s)", need, strings.Join(sheetHeader, ","))
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	s := Sheet{Lang: lang}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		if err != nil {
			return Sheet{}, fmt.Errorf("i18n: sheet: %w", err)
		}
		line, _ := cr.FieldPos(0)
		form := get(rec, "form")
		if form == "" {
			form = "other"
		}
		s.Rows = append(s.Rows, SheetRow{ID: strings.TrimSpace(get(rec, "id")), Form: form, Text: get(rec, "translation"),
			Reviewed: strings.EqualFold(strings.TrimSpace(get(rec, "status")), string(OK)), Line: line})
	}
}

// Import merges a translation sheet into the locales in dir: each filled row
// replaces its message's form in <lang>.yaml (comments and order kept), and the
// review file records the source it was made from and whether it is marked ok. The
// result is validated like `guidebot check` validates locales (unknown ids, forms
// the language does not have, placeholders that differ from the source); on any
// problem nothing is written and the problems are returned.
func Import(dir string, s Sheet, defaultLang string) (changed int, problems []string, err error) {
	fsys := os.DirFS(dir)
	before, err := Load(fsys, defaultLang)
	if err != nil {
		return 0, nil, err
	}
	if !before.Has(s.Lang) || s.Lang == Source {
		return 0, nil, fmt.Errorf("i18n: import: %q is not a translated locale in %s", s.Lang, dir)
	}
	file := s.Lang + ".yaml"
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return 0, nil, fmt.Errorf("i18n: import: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return 0, nil, fmt.Errorf("i18n: import: %s: %v", file, err)
	}
	recs := map[string]Record{}
	for id, r := range before.reviews[s.Lang] {
		recs[id] = r
	}
	forms := pluralForms(s.Lang)
	for _, row := range s.Rows {
		src := before.messages[Source][row.ID]
		at := fmt.Sprintf("line %d: %s", row.Line, row.ID)
		switch {
		case src == nil:
			problems = append(problems, at+": no such message in "+Source+".yaml")
			continue
		case row.Form != "other" && (!isPlural(src) || !slices.Contains(forms, row.Form)):
			problems = append(problems, fmt.Sprintf("%s: form %q: %s has %s", at, row.Form, s.Lang, strings.Join(before.forms(s.Lang, src), ", ")))
			continue
		case strings.TrimSpace(row.Text) == "":
			continue // not translated yet: the row is left as it is
		}
		if msg := placeholdersFit(src, row.Form, row.Text); msg != "" {
			problems = append(problems, at+": "+msg)
			continue
		}
		if setForm(doc.Content[0], row.ID, row.Form, isPlural(src), row.Text) {
			changed++
		}
		recs[row.ID] = Record{Source: SourceHash(src), Reviewed: row.Reviewed}
	}
	if len(problems) > 0 {
		return 0, problems, nil
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return 0, nil, fmt.Errorf("i18n: import: %w", err)
	}
	encoded := keepBlankLines(data, out.Bytes())
	review := reviewFile(s.Lang, recs)
	// Validate the result as check would before anything is written.
	trial := fstest.MapFS{}
	for _, l := range before.langs {
		trial[l+".yaml"] = &fstest.MapFile{Data: mustRead(fsys, l+".yaml")}
	}
	trial[file] = &fstest.MapFile{Data: encoded}
	after, err := Load(trial, defaultLang)
	if err != nil {
		return 0, []string{err.Error()}, nil
	}
	for _, p := range after.Check() {
		if p.File == file {
			problems = append(problems, p.String())
		}
	}
	if len(problems) > 0 {
		return 0, problems, nil
	}
	if err := os.WriteFile(filepath.Join(dir, file), encoded, 0o644); err != nil {
		return 0, nil, fmt.Errorf("i18n: import: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, ReviewDir), 0o755); err != nil {
		return 0, nil, fmt.Errorf("i18n: import: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ReviewDir, file), review, 0o644); err != nil {
		return 0, nil, fmt.Errorf("i18n: import: %w", err)
	}
	return changed, nil, nil
}

// placeholdersFit says what is wrong with a form's placeholders, or "": a message
// keeps the source's exactly; a plural form may leave out the number where its
// words say it ("one", "two"), but the forms that count (few, many, other) keep all.
func placeholdersFit(src *goi18n.Message, form, text string) string {
	want := placeholderNames(src)
	got := placeholderNames(&goi18n.Message{Other: text})
	for _, g := range got {
		if !slices.Contains(want, g) {
			return fmt.Sprintf("placeholder %s is not in the source (it has %s)", g, strings.Join(want, " "))
		}
	}
	if isPlural(src) && form != "few" && form != "many" && form != "other" {
		return ""
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			return fmt.Sprintf("placeholder %s is missing (the source has %s)", w, strings.Join(want, " "))
		}
	}
	return ""
}

func mustRead(fsys fs.FS, name string) []byte {
	data, _ := fs.ReadFile(fsys, name) // Load read it a moment ago
	return data
}

// setForm sets a message's form in a locale file's top mapping, adding the message
// at the end when the file lacks it; it reports whether the text changed.
func setForm(top *yaml.Node, id, form string, plural bool, text string) bool {
	scalar := func(v string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Style: yaml.DoubleQuotedStyle}
	}
	var val *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == id {
			val = top.Content[i+1]
			break
		}
	}
	if val == nil {
		val = scalar("")
		if plural {
			val = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		}
		top.Content = append(top.Content, scalar(id), val)
		top.Content[len(top.Content)-2].Style = 0
	}
	if !plural {
		if val.Kind == yaml.ScalarNode && val.Value == text {
			return false
		}
		*val = *scalar(text)
		return true
	}
	if val.Kind != yaml.MappingNode {
		*val = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	}
	for i := 0; i+1 < len(val.Content); i += 2 {
		if val.Content[i].Value == form {
			if val.Content[i+1].Value == text {
				return false
			}
			*val.Content[i+1] = *scalar(text)
			return true
		}
	}
	key := scalar(form)
	key.Style = 0
	val.Content = append(val.Content, key, scalar(text))
	return true
}

// keepBlankLines puts back the blank lines that grouped the original file's
// messages, which the YAML encoder drops: right before a key that had one, or
// before the comment lines above it when the blank line came before them.
func keepBlankLines(orig, encoded []byte) []byte {
	const direct, aboveComments = 1, 2
	where := map[string]int{}
	lines := strings.Split(string(orig), "\n")
	for i, line := range lines {
		key, ok := topKey(line)
		if !ok || i == 0 {
			continue
		}
		j := i - 1
		for j >= 0 && strings.HasPrefix(lines[j], "#") {
			j--
		}
		switch {
		case strings.TrimSpace(lines[i-1]) == "":
			where[key] = direct
		case j >= 0 && j < i-1 && strings.TrimSpace(lines[j]) == "":
			where[key] = aboveComments
		}
	}
	var out []string
	comments := -1 // where the run of comment lines just written began
	for _, line := range strings.Split(string(encoded), "\n") {
		if strings.HasPrefix(line, "#") {
			if comments < 0 {
				comments = len(out)
			}
			out = append(out, line)
			continue
		}
		if key, ok := topKey(line); ok {
			switch {
			case where[key] == direct && len(out) > 0 && out[len(out)-1] != "":
				out = append(out, "")
			case where[key] == aboveComments && comments > 0:
				out = append(out[:comments], append([]string{""}, out[comments:]...)...)
			}
		}
		comments = -1
		out = append(out, line)
	}
	return []byte(strings.Join(out, "\n"))
}

// topKey returns the key a top-level "key: …" line starts, unquoted.
func topKey(line string) (string, bool) {
	if line == "" || line[0] == ' ' || line[0] == '#' {
		return "", false
	}
	key, _, ok := strings.Cut(line, ":")
	return strings.Trim(key, `"'`), ok
}
