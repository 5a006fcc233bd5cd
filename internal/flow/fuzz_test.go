package flow_test

import (
	"io/fs"
	"testing"
	"testing/fstest"
	"time"

	"github.com/guidebot/guidebot/flows"
	"github.com/guidebot/guidebot/internal/flow"
)

// FuzzNormalize: any text normalises without panicking, to a fixed point (what a
// label normalises to normalises to itself, so matching is stable).
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Hjälp?", "١٢", "፲፪", "\u200fBankID", "عَرَبِيّ", "می‌خواهم", "Kyllä, kiitos.", "- 3 -", "👍", "a\u0301\u0301b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := flow.Normalize(s)
		if again := flow.Normalize(n); again != n {
			t.Fatalf("Normalize(%q) = %q, but Normalize of that is %q", s, n, again)
		}
	})
}

// FuzzStep answers every waiting step of the shipped flows, in every language, with
// arbitrary text: the engine never fails or panics, leaves the participant at a step
// that exists, and a first message in any text gets the welcome in some language.
func FuzzStep(f *testing.F) {
	for _, s := range []string{"1", "99", "menu", "مرحبا", "፪", "BankID", "/start payload", "", "\x00\xff", "hjälp mig nu"} {
		f.Add(s, uint8(0), uint8(0))
	}
	w := shipped(f)
	var waiting []string
	for _, k := range sortedKeys(w.steps) {
		if waits(w.steps[k]) {
			waiting = append(waiting, k)
		}
	}
	langs := w.cat.Languages()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, text string, step, lang uint8) {
		s := at(waiting[int(step)%len(waiting)], langs[int(lang)%len(langs)])
		next, _, _, err := w.eng.Step(s, flow.Input{Kind: flow.Text, Text: text}, now)
		if err != nil || w.steps[next.Step] == nil {
			t.Fatalf("%q at %s: step %q, %v", text, s.Step, next.Step, err)
		}
		first, reply, _, err := w.eng.Step(flow.State{ID: "sms:+1", Channel: "sms"}, flow.Input{Kind: flow.Text, Text: text}, now)
		if err != nil || first.Lang == "" || reply.Empty() {
			t.Fatalf("first message %q: lang %q, reply %+v, %v", text, first.Lang, reply, err)
		}
	})
}

// FuzzLoad reads arbitrary YAML as a flow file beside the shipped ones: Load and
// Check never panic, and a file either loads or says why.
func FuzzLoad(f *testing.F) {
	shippedFS := fstest.MapFS{}
	names, _ := fs.Glob(flows.Files, "*.yaml")
	for _, name := range names {
		data, err := flows.Files.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		shippedFS[name] = &fstest.MapFile{Data: data}
		f.Add(data)
	}
	f.Add([]byte("flow: x\nstart: a\nsteps:\n  a: {say: [x], goto: a}\n"))
	f.Add([]byte("flow: x\nsteps: [1, 2]\n"))
	f.Add([]byte("flow: x\nstart: a\nsteps:\n  a:\n    do: [{nope: 1}]\n"))
	w := shipped(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{}
		for k, v := range shippedFS {
			fsys[k] = v
		}
		fsys["fuzz.yaml"] = &fstest.MapFile{Data: data}
		fl, err := flow.Load(fsys)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error that says nothing")
			}
			return
		}
		flow.Check(fl, w.cat)
	})
}
