package flow_test

import (
	"testing"

	"github.com/guidebot/guidebot/internal/flow"
)

// firstMessages are first messages as newcomers write them: greetings, "help",
// language names in their own and other scripts, mixed scripts, and ones that say
// nothing of a language (want ""): those get the list of languages.
var firstMessages = []struct{ text, want string }{
	// Swedish
	{"Hej", "sv"}, {"hej!", "sv"}, {"Hejsan", "sv"}, {"Hallå", "sv"}, {"God morgon", "sv"},
	{"hjälp", "sv"}, {"Hjälp mig", "sv"}, {"svenska", "sv"}, {"Svenska tack", "sv"},
	// English
	{"Hello", "en"}, {"hi", "en"}, {"Hi there", "en"}, {"Good morning", "en"}, {"help", "en"},
	{"English", "en"}, {"english please", "en"},
	// Arabic: its greetings and words, not Persian's
	{"مرحبا", "ar"}, {"مرحبًا", "ar"}, {"السلام عليكم", "ar"}, {"أهلا", "ar"}, {"صباح الخير", "ar"},
	{"مساعدة", "ar"}, {"ساعدني", "ar"}, {"عربي", "ar"}, {"العربية", "ar"}, {"Arabic", "ar"},
	{"arabiska", "ar"},
	// Persian: by its words (and letters Arabic does not use)
	{"درود", "fa"}, {"سلام خوبی", "fa"}, {"کمک", "fa"}, {"کمک کنید", "fa"}, {"فارسی", "fa"},
	{"دری", "fa"}, {"farsi", "fa"}, {"Persian", "fa"}, {"صبح بخیر", "fa"},
	// Ukrainian
	{"Привіт", "uk"}, {"Добрий день", "uk"}, {"допомога", "uk"}, {"Українська", "uk"},
	{"ukrainian", "uk"}, {"Здравствуйте", "uk"},
	// Tigrinya
	{"ሰላም", "ti"}, {"ከመይ ኣለኹም", "ti"}, {"ሓገዝ", "ti"}, {"ትግርኛ", "ti"}, {"Tigrinya", "ti"},
	// Swahili
	{"Habari", "sw"}, {"Jambo", "sw"}, {"Mambo", "sw"}, {"msaada", "sw"}, {"Kiswahili", "sw"},
	{"Habari yako", "sw"},
	// Finnish
	{"Hei", "fi"}, {"Moi", "fi"}, {"Terve", "fi"}, {"apua", "fi"}, {"suomi", "fi"}, {"Hyvää päivää", "fi"},
	// Mixed scripts: a name in Latin letters among other words
	{"Hello, عربي please", "ar"}, {"مرحبا hello", "ar"},
	// Nothing to go on: a number, a sign, a word of every language, one shared by two
	{"1", ""}, {"?", ""}, {"ok", ""}, {"👍", ""}, {"سلام", ""}, {"BankID", ""},
}

// TestFirstContactDetection reads each first message as a new participant's: the
// language it is plainly in or names, or none (the list in the default language).
// It reports the accuracy and fails below 95 %, listing every miss.
func TestFirstContactDetection(t *testing.T) {
	w := shipped(t)
	right := 0
	for _, m := range firstMessages {
		got, sure := w.eng.DetectLanguage(m.text)
		if !sure {
			got = ""
		}
		if got == m.want {
			right++
			continue
		}
		t.Logf("%q: detected %q, want %q", m.text, got, m.want)
	}
	accuracy := float64(right) / float64(len(firstMessages))
	t.Logf("first-contact detection: %d of %d first messages (%.1f %%)", right, len(firstMessages), 100*accuracy)
	if len(firstMessages) < 60 || accuracy < 0.95 {
		t.Errorf("accuracy %.1f %% over %d messages; want at least 95 %% over at least 60", 100*accuracy, len(firstMessages))
	}
}

// TestFirstContactAnswersInTheLanguage: a first message plainly in a language is
// greeted in it with the menu; one that is not gets the list in the default
// language, or in Telegram's app language when it is among the likely ones.
func TestFirstContactAnswersInTheLanguage(t *testing.T) {
	w := shipped(t)
	cases := []struct {
		text, hint, lang, step string
	}{
		{"مرحبا", "", "ar", "main.menu"},
		{"درود", "", "fa", "main.menu"},
		{"Arabic", "", "ar", "main.menu"},
		{"مساعدة", "", "ar", "main.menu"}, // help in Arabic: the Arabic menu, not the Swedish one
		{"1", "", "sv", "welcome.language"},
		{"سلام", "", "sv", "welcome.language"},     // Arabic or Persian: ask
		{"سلام", "fa-IR", "fa", "main.menu"},       // the app's language settles it
		{"/start", "uk", "uk", "welcome.language"}, // Telegram's first message: ask, in the app's language
	}
	for _, c := range cases {
		s, r, _ := step(t, w.eng, flow.State{ID: "tg:1"}, flow.Input{Kind: flow.Text, Text: c.text, Lang: c.hint})
		if s.Lang != c.lang || s.Step != c.step || r.Lang != c.lang {
			t.Errorf("%q (hint %q): %s at %s, reply in %s; want %s at %s", c.text, c.hint, s.Lang, s.Step, r.Lang, c.lang, c.step)
		}
	}
}

// TestLanguageByName: at the language list, a language is chosen by any of its
// names in any script, as well as by its number.
func TestLanguageByName(t *testing.T) {
	w := shipped(t)
	for name, want := range map[string]string{"عربي": "ar", "Arabic": "ar", "farsi": "fa", "دری": "fa",
		"Persian": "fa", "ukrainska": "uk", "Kiswahili": "sw", "suomi": "fi", "ትግርኛ": "ti", "English": "en"} {
		s, _, _ := step(t, w.eng, at("welcome.language", "sv"), text(name))
		if s.Lang != want || s.Step != flow.HomeStep {
			t.Errorf("%q at the language list: %s at %s, want %s", name, s.Lang, s.Step, want)
		}
	}
}

// TestBrandNamesMatchTheirOption: a brand name that one option's label has in
// every language chooses it, even typed in Latin letters by a reader of Arabic.
func TestBrandNamesMatchTheirOption(t *testing.T) {
	w := shipped(t)
	for _, c := range []struct{ lang, text, want string }{
		{"ar", "BankID", "cards.eid1"}, {"fa", "bankid", "cards.eid1"}, {"uk", "Kela", "cards.finland1"},
		{"ti", "1177", "cards.health1"}, {"ar", "OmaKanta", "cards.health1"},
	} {
		s, r, _ := step(t, w.eng, at("cards.list", c.lang), text(c.text))
		if s.Step != c.want {
			t.Errorf("%s %q at the cards: %s (said %v), want %s", c.lang, c.text, s.Step, ids(r), c.want)
		}
	}
}
