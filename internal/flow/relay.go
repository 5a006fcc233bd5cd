package flow

import "strings"

// relay passes what the participant writes to the guide who has their ticket, and
// says nothing: the guide answers. "Forget me" still works; a pressed button of an
// old menu is dropped, as the menu is not what the guide sees.
func (r *run) relay(in Input) bool {
	switch in.Kind {
	case Text:
		if strings.TrimSpace(in.Text) == "" {
			return true // nothing to pass on
		}
		t := Normalize(in.Text)
		if target, ok := r.e.commands[t]; ok && r.e.escapes[target] {
			return false
		}
		if strings.HasPrefix(strings.TrimSpace(in.Text), "/") {
			word, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(in.Text)[1:]), " ")
			if r.e.escapes[r.e.slash[word]] {
				return false
			}
		}
		r.effects = append(r.effects, Effect{Kind: "relay", Args: map[string]string{"text": in.Text, "ticket": r.s.Handoff}})
	case Media:
		r.effects = append(r.effects, Effect{Kind: "relay", Args: map[string]string{"media": "1", "ticket": r.s.Handoff}})
	}
	return true
}
