package flow

import (
	"strconv"
	"strings"
)

// itemPrefix makes a list item's option id: "item1" is the first item. The id
// counts, rather than names, the item: a place's name may be longer than a
// Telegram button's data, and a coordinator may rename it.
const itemPrefix = "item"

// listed is the list c offers, as the service keeps it now.
func (r *run) listed(c *compiled) []ListItem {
	if c.List == nil || r.e.cfg.Lists == nil {
		return nil
	}
	return r.e.cfg.Lists.List(c.List.From)
}

// itemChoices are the options of a list's items.
func itemChoices(items []ListItem) []Choice {
	out := make([]Choice, len(items))
	for i, it := range items {
		out[i] = Choice{ID: itemPrefix + strconv.Itoa(i+1), Label: it.Label, Params: it.Params}
	}
	return out
}

// itemByButton returns the item an option id names, or -1.
func itemByButton(items []ListItem, option string) int {
	rest, ok := strings.CutPrefix(option, itemPrefix)
	n, err := strconv.Atoi(rest)
	if !ok || err != nil || n < 1 || n > len(items) {
		return -1
	}
	return n - 1
}

// matchItem finds the item a normalised answer names: its label in the
// participant's language, or a name it shows as it is. -1 for none.
func (r *run) matchItem(items []ListItem, t string) int {
	for i, it := range items {
		if text, ok := r.e.texts.Message(r.s.Lang, it.Label); ok && !strings.Contains(text, "{{") && Normalize(text) == t {
			return i
		}
		for _, v := range it.Params {
			if Normalize(v) == t {
				return i
			}
		}
	}
	return -1
}

// chooseItem takes the i-th item (from 0) of c's list.
func (r *run) chooseItem(c *compiled, items []ListItem, i int) error {
	r.setVar(c.List.Save, items[i].ID)
	return r.enter(resolve(c.flow, c.List.Goto))
}
