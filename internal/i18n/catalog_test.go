package i18n

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/locales"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

func TestShippedLocalesAreComplete(t *testing.T) {
	c, err := Load(locales.Files, "sv")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ar", "en", "fa", "fi", "sv", "sw", "ti", "uk"}
	if got := strings.Join(c.Languages(), " "); got != strings.Join(want, " ") {
		t.Fatalf("languages %s, want %s", got, want)
	}
	for _, p := range c.Check() {
		t.Error(p)
	}
}

func TestRenderPluralsAndFallback(t *testing.T) {
	c, err := Load(locales.Files, "sv")
	if err != nil {
		t.Fatal(err)
	}
	count := func(n int) *int { return &n }
	tests := []struct {
		lang string
		msg  flow.Message
		want string
	}{
		{"en", flow.Message{ID: "plan.header", Count: count(1)}, "Your plan has 1 topic:"},
		{"en", flow.Message{ID: "plan.header", Count: count(3)}, "Your plan has 3 topics:"},
		{"en", flow.Message{ID: "reprompt.choice", Params: map[string]string{"Max": "7"}}, "from 1 to 7."},
		{"en", flow.Message{ID: "plan.item", Refs: map[string]string{"Topic": "topic.email"}}, "- E-mail"},
		// An unknown language falls back to DEFAULT_LANGUAGE.
		{"de", flow.Message{ID: "common.next"}, "Nästa"},
	}
	for _, tc := range tests {
		if got := c.Render(tc.lang, tc.msg); !strings.Contains(got, tc.want) {
			t.Errorf("%s %s: got %q, want it to contain %q", tc.lang, tc.msg.ID, got, tc.want)
		}
	}
	// Arabic has six plural forms; 0, 1, 2, 3, 11 and 100 select different ones.
	seen := map[string]bool{}
	for _, n := range []int{0, 1, 2, 3, 11, 100} {
		seen[c.Render("ar", flow.Message{ID: "plan.header", Count: count(n)})] = true
	}
	if len(seen) != 6 {
		t.Errorf("Arabic plan.header renders %d distinct forms for 0,1,2,3,11,100, want 6", len(seen))
	}
}

func TestMissingMessageFallsBackToEnglish(t *testing.T) {
	fsys := fstest.MapFS{
		"en.yaml": {Data: []byte("a: \"A in English\"\nb: \"B\"\n")},
		"sv.yaml": {Data: []byte("b: \"B på svenska\"\n")},
		"fi.yaml": {Data: []byte("b: \"B suomeksi\"\n")},
	}
	c, err := Load(fsys, "sv")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Render("fi", flow.Message{ID: "a"}); got != "A in English" {
		t.Fatalf("got %q", got)
	}
}

func TestCheckFindsLaggingLocales(t *testing.T) {
	fsys := fstest.MapFS{
		"en.yaml": {Data: []byte("greet: \"Hi {{.Name}}\"\nitems:\n  one: \"{{.Count}} item\"\n  other: \"{{.Count}} items\"\nbye: \"Bye\"\n")},
		"uk.yaml": {Data: []byte("greet: \"Привіт {{.Nme}}\"\nitems:\n  one: \"{{.Count}} річ\"\n  other: \"{{.Count}} речі\"\nextra: \"x\"\n")},
	}
	c, err := Load(fsys, "en")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.Check() {
		got = append(got, p.String())
	}
	joined := strings.Join(got, "\n")
	for _, want := range []string{
		`locales/uk.yaml:0: key "bye" is missing`,
		`locales/uk.yaml:1: greet: placeholders {Nme} differ from en's {Name}`,
		`locales/uk.yaml:2: items: plural form "few" is missing`,
		`locales/uk.yaml:2: items: plural form "many" is missing`,
		`locales/uk.yaml:5: key "extra" is not in en.yaml`,
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("check output lacks %q; got:\n%s", want, joined)
		}
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	tests := map[string]fstest.MapFS{
		"no source": {"sv.yaml": {Data: []byte("a: \"x\"\n")}},
		"bad yaml":  {"en.yaml": {Data: []byte("a: [\n")}},
	}
	for name, fsys := range tests {
		if _, err := Load(fsys, "en"); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

// TestPlainMessagesRenderAsGoI18nDoes: the shortcut for fixed text gives what the
// template engine gives, for every message of every locale.
func TestPlainMessagesRenderAsGoI18nDoes(t *testing.T) {
	c, err := Load(locales.Files, "sv")
	if err != nil {
		t.Fatal(err)
	}
	plain := 0
	for _, lang := range c.Languages() {
		for id := range c.plain[lang] {
			plain++
			want, err := c.localizers[lang].Localize(&goi18n.LocalizeConfig{MessageID: id})
			if err != nil {
				t.Fatalf("%s %s: %v", lang, id, err)
			}
			want = c.direct(lang, want) // right-to-left lines keep their direction either way
			if got := c.Render(lang, flow.Message{ID: id}); got != want {
				t.Errorf("%s %s: %q, go-i18n says %q", lang, id, got, want)
			}
		}
	}
	if plain == 0 {
		t.Fatal("no message took the shortcut")
	}
}
