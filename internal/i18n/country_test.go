package i18n

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/locales"
)

// TestCountryVariants: a programme in Finland reads the cards written for Finland's
// services in every language; one in Sweden (or naming no country) the base texts.
func TestCountryVariants(t *testing.T) {
	c, err := Load(locales.Files, "sv")
	if err != nil {
		t.Fatal(err)
	}
	fi, se := c.ForCountry("FI"), c.ForCountry("SE")
	for _, lang := range c.Languages() {
		for _, id := range []string{"card.bills.1", "card.eid.1", "card.health.1", "card.authorities.1", "topic.eid"} {
			base, variant := c.messages[lang][id].Other, c.messages[lang][id+"@FI"].Other
			if variant == "" || variant == base {
				t.Errorf("%s %s: no Finnish variant", lang, id)
				continue
			}
			if got := fi.Render(lang, flow.Message{ID: id}); got != fi.direct(lang, variant) {
				t.Errorf("%s %s in Finland: %q", lang, id, got)
			}
			if got := se.Render(lang, flow.Message{ID: id}); got != se.direct(lang, base) {
				t.Errorf("%s %s in Sweden: %q", lang, id, got)
			}
			// Labels are matched against the variant the participant was shown.
			if got, _ := fi.Message(lang, id); got != variant {
				t.Errorf("%s %s in Finland, as matched: %q", lang, id, got)
			}
		}
	}
	// A topic shown as a ref renders its variant too.
	got := fi.Render("en", flow.Message{ID: "intake.added", Refs: map[string]string{"Topic": "topic.eid"}})
	if !strings.Contains(got, c.messages["en"]["topic.eid@FI"].Other) {
		t.Errorf("ref in Finland: %q", got)
	}
}

// TestCheckCountries: every country the schedule names needs each variant in every
// locale; the base country needs none.
func TestCheckCountries(t *testing.T) {
	fsys := fstest.MapFS{
		"en.yaml": {Data: []byte("card.x: \"Swish\"\ncard.x@FI: \"MobilePay\"\n")},
		"sv.yaml": {Data: []byte("card.x: \"Swish\"\n")},
	}
	c, err := Load(fsys, "sv")
	if err != nil {
		t.Fatal(err)
	}
	if probs := c.CheckCountries([]string{"SE"}); len(probs) != 0 {
		t.Errorf("Sweden: %v", probs)
	}
	probs := c.CheckCountries([]string{"SE", "FI", "NO"})
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	joined := strings.Join(got, "\n")
	for _, want := range []string{`sv.yaml:0: key "card.x@FI" is missing`, `en.yaml:0: key "card.x@NO" is missing`, `sv.yaml:0: key "card.x@NO" is missing`} {
		if !strings.Contains(joined, want) {
			t.Errorf("problems lack %q:\n%s", want, joined)
		}
	}
	if len(probs) != 3 {
		t.Errorf("%d problems, want 3:\n%s", len(probs), joined)
	}
}
