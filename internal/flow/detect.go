package flow

import (
	"slices"
	"sort"
	"strings"
)

// The locale messages a first message is read against: the names people give each
// language in every language and script, and the greetings of each.
const (
	aliasesID = "language.aliases"
	helloID   = "keyword.hello"
)

// How much a word of each kind says about the language it belongs to: a language
// named outright decides, a greeting or a keyword of one language is strong, a
// letter that only one language's spelling uses is a hint.
const (
	namedWeight   = 8
	greetWeight   = 3
	keywordWeight = 2
	letterWeight  = 1
)

// keywordIDs are the keyword lists whose words also say which language they are in.
var keywordIDs = []string{"keyword.help", "keyword.menu", "keyword.language", "keyword.guide",
	"keyword.yes", "keyword.no", "keyword.plan", "keyword.data", "keyword.forget"}

// detector guesses the language of a first message from its words and script.
type detector struct {
	words   map[string]map[string]int // normalised word or phrase → language → weight
	scripts map[string][]string       // script → the languages written in it
	named   map[string]string         // normalised language name → language, when only one has it
	langs   map[string]bool
}

func newDetector(texts Texts, langs []string) *detector {
	d := &detector{words: map[string]map[string]int{}, scripts: map[string][]string{}, named: map[string]string{},
		langs: map[string]bool{}}
	add := func(w, lang string, weight int) {
		if d.words[w] == nil {
			d.words[w] = map[string]int{}
		}
		d.words[w][lang] = max(d.words[w][lang], weight)
	}
	names := map[string][]string{}
	for _, l := range langs {
		d.langs[l] = true
		if sc, ok := texts.Message(l, "language.script"); ok {
			d.scripts[sc] = append(d.scripts[sc], l)
		}
		for _, id := range keywordIDs {
			for _, w := range words(texts, l, id) {
				add(w, l, keywordWeight)
			}
		}
		for _, w := range words(texts, l, helloID) {
			add(w, l, greetWeight)
		}
		for _, w := range append(words(texts, l, aliasesID), words(texts, l, "language.name")...) {
			add(w, l, namedWeight)
			names[w] = append(names[w], l)
		}
	}
	for w, ls := range names {
		if len(ls) == 1 {
			d.named[w] = ls[0]
		}
	}
	return d
}

// Detect guesses the language a message is written in, or names: sure when one
// language stands out, otherwise the likely ones, best first (several languages
// share a script and many words).
func (d *detector) Detect(text string) (best string, sure bool, likely []string) {
	t := Normalize(text)
	if t == "" {
		return "", false, nil
	}
	if l, ok := d.named[t]; ok {
		return l, true, []string{l}
	}
	score := map[string]int{}
	credit := func(w string) {
		for l, weight := range d.words[w] {
			score[l] += weight
		}
	}
	credit(t)
	tokens := strings.Fields(t)
	if len(tokens) > 1 {
		for _, w := range tokens {
			credit(w)
		}
		for i := 0; i+1 < len(tokens); i++ {
			credit(tokens[i] + " " + tokens[i+1])
		}
	}
	for l, n := range spellingHints(text) {
		if d.langs[l] {
			score[l] += n * letterWeight
		}
	}
	// A language written in another script than the text's is out, unless the text
	// names it ("Arabic", "farsi"): people name their language in the script they can.
	if sc := scriptOf(text); sc != "" {
		for l := range score {
			if !slices.Contains(d.scripts[sc], l) && score[l] < namedWeight {
				delete(score, l)
			}
		}
		if len(score) == 0 {
			for _, l := range d.scripts[sc] {
				score[l] = 0
			}
		}
	}
	for l := range score {
		likely = append(likely, l)
	}
	sort.Slice(likely, func(i, j int) bool {
		if score[likely[i]] != score[likely[j]] {
			return score[likely[i]] > score[likely[j]]
		}
		return likely[i] < likely[j]
	})
	switch {
	case len(likely) == 0:
		return "", false, nil
	case len(likely) == 1:
		return likely[0], true, likely
	}
	return likely[0], score[likely[0]] > score[likely[1]], likely
}

// spellingHints counts the letters that only Persian or only Arabic spelling uses:
// پ چ ژ گ and the Persian forms of kaf and yeh, against ta marbuta, alef maksura and
// the Arabic kaf and yeh. Normalize folds these together, so they are read raw.
func spellingHints(text string) map[string]int {
	var fa, ar int
	for _, r := range text {
		switch r {
		case 'پ', 'چ', 'ژ', 'گ', 'ک', 'ی':
			fa++
		case 'ة', 'ى', 'ك', 'ي':
			ar++
		}
	}
	out := map[string]int{}
	if fa > ar {
		out["fa"] = 1
	} else if ar > fa {
		out["ar"] = 1
	}
	return out
}
