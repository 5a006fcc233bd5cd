package flow

import (
	"fmt"
)

// MoreOption is the id of the option that turns to the next page of a list too long
// for one message on its channel (SMS: a numbered list costs parts). It never
// collides with a flow's ids, which are plain words.
const MoreOption = "_more"

// moreLabel is the message id of that option's label.
const moreLabel = "common.more"

// optionsPageVar remembers the page of the step's options the participant reads:
// "offset,count" in the options as r.options lists them.
const optionsPageVar = "options_page"

// Fits says whether a reply fits in one message of a channel (the SMS budget).
type Fits func(Reply) bool

// shown is the page the participant was last shown at the current step.
func (r *run) shown() (offset, count int, ok bool) {
	_, err := fmt.Sscanf(r.s.Vars[optionsPageVar], "%d,%d", &offset, &count)
	return offset, count, err == nil && count > 0
}

// paginate sets the options of the reply being built at c: all of them when they
// fit the channel's message with what was said (or are two: a page of one and
// "more" would save nothing), otherwise as many as fit from offset, then "more",
// which goes on from there and round to the first.
func (r *run) paginate(c *compiled, offset int) {
	all := r.options(c)
	fits := r.e.cfg.Fits[r.s.Channel]
	r.reply.Options = all
	r.reply.Lang = r.s.Lang // as it goes out: a choice of language has just changed it
	if fits == nil || len(all) <= 2 || (offset == 0 && fits(r.reply)) {
		if _, _, ok := r.shown(); ok {
			r.setVar(optionsPageVar, "")
		}
		return
	}
	if offset >= len(all) {
		offset = 0
	}
	more := Choice{ID: MoreOption, Label: moreLabel}
	count := 1 // at least one, so a page always moves on
	for count < len(all)-offset {
		r.reply.Options = append(append(make([]Choice, 0, count+2), all[offset:offset+count+1]...), more)
		if !fits(r.reply) {
			break
		}
		count++
	}
	r.reply.Options = append(append(make([]Choice, 0, count+1), all[offset:offset+count]...), more)
	r.setVar(optionsPageVar, fmt.Sprintf("%d,%d", offset, count))
}

// paged reads a numbered answer against the page shown: it returns the number in
// all of c's options, or more=true for the "more" option or its word. Anything else,
// or any answer on a list shown whole, comes back as it came.
func (r *run) paged(t string) (number string, more bool) {
	offset, count, ok := r.shown()
	if !ok {
		return t, false
	}
	if r.e.more[t] {
		return "", true
	}
	var n int
	if _, err := fmt.Sscanf(t, "%d", &n); err != nil || fmt.Sprint(n) != t || n < 1 || n > count+1 {
		return t, false
	}
	if n == count+1 {
		return "", true
	}
	return fmt.Sprint(offset + n), false
}

// turnPage shows the next page of c's options.
func (r *run) turnPage(c *compiled) {
	offset, count, _ := r.shown()
	r.s.Step = c.key
	r.reply.Step = c.key
	r.paginate(c, offset+count)
}
