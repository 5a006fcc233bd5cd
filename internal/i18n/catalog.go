package i18n

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"

	"github.com/guidebot/guidebot/internal/flow"
)

// Source is the language every other locale is checked against.
const Source = "en"

// Catalog is the loaded locales.
type Catalog struct {
	bundle     *goi18n.Bundle
	langs      []string
	messages   map[string]map[string]*goi18n.Message // language → id → message
	lines      map[string]map[string]int             // language → id → line in its file
	files      map[string]string                     // language → file name
	localizers map[string]*goi18n.Localizer
	// plain holds the messages that are fixed text (no placeholder, no plural form),
	// rendered without go-i18n's template engine: most replies are only these.
	plain map[string]map[string]string
	def   string
	// country picks the variant id@COUNTRY of a message where the locale has one.
	country string
	// rtl holds the languages written right to left, whose lines keepRTL marks.
	rtl map[string]bool
	// reviews is each language's review file: the source each translation was
	// made from, and whether it was reviewed.
	reviews map[string]map[string]Record
}

// BaseCountry is the country whose texts are the messages without a variant: a
// message id@FI replaces id for a programme in Finland.
const BaseCountry = "SE"

// countrySep joins a message id and the country of its variant.
const countrySep = "@"

// ForCountry is the catalog as a programme in country reads it: each message that has
// a variant for country (card.bills.1@FI) is rendered from it.
func (c *Catalog) ForCountry(country string) *Catalog {
	cc := *c
	cc.country = country
	if country == BaseCountry {
		cc.country = ""
	}
	return &cc
}

// variant returns the id of the message lang renders for id in the catalog's country.
func (c *Catalog) variant(lang, id string) string {
	if c.country == "" {
		return id
	}
	if v := id + countrySep + c.country; c.messages[lang][v] != nil {
		return v
	}
	return id
}

// Load reads every <lang>.yaml at the top of fsys. defaultLang is the fallback after
// the participant's language; English comes last.
func Load(fsys fs.FS, defaultLang string) (*Catalog, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("i18n: list: %w", err)
	}
	c := &Catalog{
		bundle:     goi18n.NewBundle(language.English),
		messages:   map[string]map[string]*goi18n.Message{},
		lines:      map[string]map[string]int{},
		files:      map[string]string{},
		localizers: map[string]*goi18n.Localizer{},
		plain:      map[string]map[string]string{},
		def:        defaultLang,
		rtl:        map[string]bool{},
	}
	c.bundle.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("i18n: read %s: %w", name, err)
		}
		mf, err := c.bundle.ParseMessageFileBytes(data, name)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		lang := strings.TrimSuffix(name, ".yaml")
		if mf.Tag.String() != lang {
			return nil, fmt.Errorf("i18n: %s: file name must be a plain language code", name)
		}
		c.langs = append(c.langs, lang)
		c.files[lang] = name
		c.messages[lang] = map[string]*goi18n.Message{}
		c.plain[lang] = map[string]string{}
		for _, m := range mf.Messages {
			c.messages[lang][m.ID] = m
			if m.ID == "language.script" && rtlScripts[m.Other] {
				c.rtl[lang] = true
			}
		}
		for _, m := range mf.Messages {
			if isPlain(m) {
				c.plain[lang][m.ID] = c.direct(lang, m.Other)
			}
		}
		c.lines[lang] = keyLines(data)
	}
	if c.messages[Source] == nil {
		return nil, fmt.Errorf("i18n: the source locale %s.yaml is missing", Source)
	}
	if c.messages[defaultLang] == nil {
		return nil, fmt.Errorf("i18n: DEFAULT_LANGUAGE %q has no locale file", defaultLang)
	}
	sort.Strings(c.langs)
	for _, l := range c.langs {
		c.localizers[l] = goi18n.NewLocalizer(c.bundle, l)
	}
	if c.reviews, err = loadReviews(fsys, c.langs); err != nil {
		return nil, err
	}
	return c, nil
}

// keyLines maps each top-level key to its line, for messages that point at the file.
func keyLines(data []byte) map[string]int {
	var root yaml.Node
	out := map[string]int{}
	if yaml.Unmarshal(data, &root) != nil || len(root.Content) == 0 {
		return out
	}
	doc := root.Content[0]
	for i := 0; i+1 < len(doc.Content); i += 2 {
		out[doc.Content[i].Value] = doc.Content[i].Line
	}
	return out
}

// Languages lists the loaded language codes, sorted.
func (c *Catalog) Languages() []string { return c.langs }

// IDs lists the source locale's message ids, sorted: every locale has exactly these.
func (c *Catalog) IDs() []string {
	ids := make([]string, 0, len(c.messages[Source]))
	for id := range c.messages[Source] {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Has reports whether lang has a locale.
func (c *Catalog) Has(lang string) bool { return c.messages[lang] != nil }

// Message returns the "other" form of a message in exactly that language.
func (c *Catalog) Message(lang, id string) (string, bool) {
	m, ok := c.messages[lang][c.variant(lang, id)]
	if !ok {
		return "", false
	}
	return m.Other, true
}

// Render localises one message in lang, falling back to DEFAULT_LANGUAGE and then
// English for a message the language lacks. Refs are message ids rendered first,
// with the message's params ("you both like {{.Value}}" inside a proposal).
func (c *Catalog) Render(lang string, m flow.Message) string {
	l := c.language(lang, m.ID)
	if l == "" {
		return m.ID // check prevents this; an id helps a guide more than nothing
	}
	m.ID = c.variant(l, m.ID)
	if len(m.Params) == 0 && len(m.Refs) == 0 && m.Count == nil {
		if text, ok := c.plain[l][m.ID]; ok {
			return text
		}
	}
	loc := c.localizers[l]
	data := make(map[string]any, len(m.Params)+len(m.Refs)+1)
	for k, v := range m.Params {
		data[k] = v
	}
	for k, id := range m.Refs {
		data[k] = c.Render(lang, flow.Message{ID: id, Params: m.Params})
	}
	cfg := &goi18n.LocalizeConfig{MessageID: m.ID, TemplateData: data}
	if m.Count != nil {
		cfg.PluralCount = *m.Count
		data["Count"] = *m.Count
	}
	out, err := loc.Localize(cfg)
	if err != nil {
		return m.ID
	}
	return c.direct(l, out)
}

// direct keeps each line of a right-to-left language's text right to left.
func (c *Catalog) direct(lang, text string) string {
	if c.rtl[lang] {
		return keepRTL(text)
	}
	return text
}

// language picks the first language of lang → DEFAULT_LANGUAGE → English that has
// the message ("" for none); go-i18n itself only falls back to the bundle's default.
func (c *Catalog) language(lang, id string) string {
	for _, l := range [3]string{lang, c.def, Source} {
		if _, ok := c.messages[l][id]; ok {
			return l
		}
	}
	return ""
}

// isPlain says a message renders to its own text whatever the data: no template
// action, no plural form but "other".
func isPlain(m *goi18n.Message) bool {
	delim := m.LeftDelim
	if delim == "" {
		delim = "{{"
	}
	return !strings.Contains(m.Other, delim) &&
		m.Zero == "" && m.One == "" && m.Two == "" && m.Few == "" && m.Many == ""
}

// Label renders an option's label: in the option's own language when it has one.
func (c *Catalog) Label(lang string, ch flow.Choice) string {
	if ch.Lang != "" {
		lang = ch.Lang
	}
	return c.Render(lang, flow.Message{ID: ch.Label, Params: ch.Params, Refs: ch.Refs})
}
