package flow_test

import (
	"testing"

	"github.com/guidebot/guidebot/internal/flow"
)

// fakeLists keeps lists by name; the walk and the tests change them at will.
type fakeLists map[string][]flow.ListItem

func (f fakeLists) List(name string) []flow.ListItem { return f[name] }

func places(names ...string) []flow.ListItem {
	out := make([]flow.ListItem, len(names))
	for i, n := range names {
		out[i] = flow.ListItem{ID: n, Label: "list.name", Params: map[string]string{"Name": n}}
	}
	return out
}

// TestListStep: a step offers the service's list after its own options, numbered on
// from them; an item is chosen by number, by button or by its name as written (in
// any case), and saves its id; a button of an item no longer listed is an expired
// menu; what the list does not have is free text where the step asks for it.
func TestListStep(t *testing.T) {
	w := shipped(t)
	lists := fakeLists{"areas": places("Centrum", "Bregården")}
	eng, err := flow.New(w.flows, w.cat, flow.Config{DefaultLang: "sv", Lists: lists})
	if err != nil {
		t.Fatal(err)
	}
	_, shown, _ := step(t, eng, at("match.name", "sv"), text("Amal"))
	if got := optionIDs(shown); len(got) != 3 || got[0] != "skip" || got[1] != "item1" || got[2] != "item2" {
		t.Fatalf("the area step offers %v, want skip then the two areas", got)
	}
	if shown.Options[2].Label != "list.name" || shown.Options[2].Params["Name"] != "Bregården" {
		t.Fatalf("the second area is shown as %+v", shown.Options[2])
	}
	for _, tc := range []struct {
		name     string
		in       flow.Input
		step     string
		area     string
		expired  bool
		unlisted bool
	}{
		{name: "by number", in: text("2"), step: "match.free", area: "Centrum"},
		{name: "by button", in: flow.Input{Kind: flow.Button, Step: "match.area", Option: "item2"}, step: "match.free", area: "Bregården"},
		{name: "by name", in: text("BREGÅRDEN"), step: "match.free", area: "Bregården"},
		{name: "skip", in: text("1"), step: "match.free", area: ""},
		{name: "a place not listed", in: text("Vivalla"), step: "match.free", area: "Vivalla", unlisted: true},
		{name: "a button no longer listed", in: flow.Input{Kind: flow.Button, Step: "match.area", Option: "item3"}, step: "match.area", expired: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, r, _ := step(t, eng, at("match.area", "sv"), tc.in)
			if s.Step != tc.step {
				t.Fatalf("went to %s, want %s", s.Step, tc.step)
			}
			if tc.expired {
				if got := ids(r); len(got) == 0 || got[0] != "common.expired" {
					t.Fatalf("said %v, want the expired menu first", got)
				}
				return
			}
			if got := s.Vars["area"]; got != tc.area {
				t.Fatalf("saved area %q, want %q", got, tc.area)
			}
		})
	}
	// A list that has grown since it was shown is read afresh.
	lists["areas"] = places("Centrum", "Bregården", "Ekebo")
	if s, _, _ := step(t, eng, at("match.area", "sv"), text("4")); s.Vars["area"] != "Ekebo" {
		t.Fatalf("the third area of the new list: %q", s.Vars["area"])
	}
}
