package flow

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// RemindStep prefixes the step a reminder's buttons name: "remind:<booking key>",
// so a press answers that booking's reminder, whichever came later.
const RemindStep = "remind:"

// The answers a reminder offers, as its options' ids.
const (
	RemindYes = "yes"
	RemindNo  = "no"
)

// picksVar holds what the last `show` listed that a Pick step offers: the keys with
// what their option labels show.
const picksVar = "picks"

// pickPrefix makes a pick option's id: "pick1" is the first item shown.
const pickPrefix = "pick"

// pickItem is one listed session or booking as its option shows it.
type pickItem struct {
	Key     string `json:"k"`
	Weekday int    `json:"w"`
	Day     int    `json:"d"`
	Month   int    `json:"m"`
	Start   string `json:"s"`
}

func itemOf(l SessionLine) pickItem {
	return pickItem{Key: l.Key, Weekday: int(l.Weekday), Day: l.Day, Month: int(l.Month), Start: l.Start}
}

// setPicks remembers the items a following Pick step offers. It bypasses setVar's
// cap on saved answers: the engine wrote it, and it is bounded by the page size.
func (r *run) setPicks(items []pickItem) {
	b, _ := json.Marshal(items) // a slice of plain structs always encodes
	if !r.varsOwn {
		r.s.Vars = cloneMap(r.s.Vars)
		r.varsOwn = true
	}
	r.s.Vars[picksVar] = string(b)
}

func (r *run) picks(c *compiled) []pickItem {
	if c.Pick == nil {
		return nil
	}
	var items []pickItem
	_ = json.Unmarshal([]byte(r.s.Vars[picksVar]), &items) // a bad value offers nothing
	return items
}

// options are what the participant may answer at c: the picks, then those of c's
// choices whose guard holds, then the items of its list.
func (r *run) options(c *compiled) []Choice {
	items := r.picks(c)
	out := make([]Choice, 0, len(items)+len(c.choices))
	switch {
	case len(items) == 1 && c.Pick.LabelOne != "":
		out = append(out, Choice{ID: pickPrefix + "1", Label: c.Pick.LabelOne})
	default:
		for i, it := range items {
			out = append(out, Choice{ID: pickPrefix + strconv.Itoa(i+1), Label: c.Pick.Label,
				Params: map[string]string{"Day": strconv.Itoa(it.Day), "Start": it.Start},
				Refs:   DateRefs(time.Weekday(it.Weekday), time.Month(it.Month))})
		}
	}
	for i, ch := range c.choices {
		if r.holds(c.Choose[i].When) {
			out = append(out, ch)
		}
	}
	if c.List != nil {
		out = append(out, itemChoices(r.listed(c))...)
	}
	return out
}

// chooseByID takes the option with id: a pick ("pick2") or one of the step's
// choices; ok is false when the step has no such option.
func (r *run) chooseByID(c *compiled, id string) (ok bool, err error) {
	if items := r.picks(c); len(items) > 0 {
		if i := pickByButton(items, id); i >= 0 {
			return true, r.choosePick(c, items, i)
		}
	}
	for i, ch := range c.Choose {
		if ch.ID == id {
			return true, r.choose(c, i)
		}
	}
	if items := r.listed(c); len(items) > 0 {
		if i := itemByButton(items, id); i >= 0 {
			return true, r.chooseItem(c, items, i)
		}
	}
	return false, nil
}

// choosePick takes the i-th picked item (from 0).
func (r *run) choosePick(c *compiled, items []pickItem, i int) error {
	r.setVar(c.Pick.Save, items[i].Key)
	return r.enter(resolve(c.flow, c.Pick.Goto))
}

// pickByButton returns the item a pick button names, or -1.
func pickByButton(items []pickItem, option string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(option, pickPrefix))
	if !strings.HasPrefix(option, pickPrefix) || err != nil || n < 1 || n > len(items) {
		return -1
	}
	return n - 1
}

// resultVar holds the value an outcome came with ("queued:3" sets $result to 3).
const resultVar = "result"

// result moves an awaiting step on by the outcome of its effect. A result for a
// step that awaits nothing (a late one, after the participant moved on) is dropped.
func (r *run) result(cur *compiled, outcome, value string) error {
	if len(cur.Await) == 0 {
		return nil
	}
	if value != "" {
		r.setVar(resultVar, value)
	}
	if target, ok := cur.Await[outcome]; ok {
		return r.enter(resolve(cur.flow, target))
	}
	return r.enter(cur.next)
}

// reminderAnswer takes a reminder's answer: a press of its button, or the first "1"
// or "2" (or a yes or no word) after it went out, wherever the conversation is. Any
// input uses up the pending answer, so a later "1" means what the current step says.
// It reports whether the input was such an answer.
func (r *run) reminderAnswer(in Input) bool {
	key, answer := r.s.Pending, ""
	r.s.Pending = ""
	switch in.Kind {
	case Button:
		k, ok := strings.CutPrefix(in.Step, RemindStep)
		if !ok {
			return false
		}
		key, answer = k, in.Option
		if b, ok := r.s.Booked(key); !ok || b.Start <= r.now.Unix() {
			r.say(Message{ID: "remind.gone"})
			return true
		}
	case Text:
		if key == "" {
			return false
		}
		switch t := Normalize(in.Text); {
		case t == "1" || r.e.yes[t]:
			answer = RemindYes
		case t == "2" || r.e.no[t]:
			answer = RemindNo
		default:
			return false
		}
		if b, ok := r.s.Booked(key); !ok || b.Start <= r.now.Unix() {
			return false // the session has begun: the "1" is for the step they are at
		}
	default:
		return false
	}
	switch answer {
	case RemindYes:
		r.effects = append(r.effects, Effect{Kind: "confirm", Args: map[string]string{"arg": key}})
		r.say(Message{ID: "remind.confirmed"})
	case RemindNo:
		r.effects = append(r.effects, Effect{Kind: "cancel", Args: map[string]string{"arg": key}})
		r.say(Message{ID: "remind.cancelled"})
	default:
		r.say(Message{ID: "common.expired"})
	}
	return true
}

// openBookings are the bookings whose session has not begun.
func (r *run) openBookings() []Booking {
	var out []Booking
	for _, b := range r.s.Bookings {
		if b.Start > r.now.Unix() {
			out = append(out, b)
		}
	}
	return out
}

// showBookings lists a page of the open bookings, for a Pick step to offer; a page
// past the last goes round to the first.
func (r *run) showBookings(page int) {
	open := r.openBookings()
	n := r.sessionsShown()
	if pages := (len(open) + n - 1) / n; pages > 0 {
		page %= pages
	}
	r.setVar(bookingsPageVar, strconv.Itoa(page))
	lines := make([]SessionLine, 0, n)
	for _, b := range open[min(page*n, len(open)):min((page+1)*n, len(open))] {
		lines = append(lines, b.Line)
	}
	r.showLines(lines, "bookings.header", "bookings.none")
}

// pageOf is where the page held in v ends, in a list of total items shown a page of
// sessionsShown at a time.
func (r *run) pageOf(v string, total int) int {
	page, _ := strconv.Atoi(r.s.Vars[v])
	return min((page+1)*r.sessionsShown(), total)
}

// showLines says a list of sessions under its header, or none when it is empty,
// and keeps them for a Pick step to offer.
func (r *run) showLines(lines []SessionLine, header, none string) {
	items := make([]pickItem, len(lines))
	for i, l := range lines {
		items[i] = itemOf(l)
	}
	r.setPicks(items)
	if len(lines) == 0 {
		r.say(Message{ID: none})
		return
	}
	r.say(Message{ID: header})
	for _, l := range lines {
		r.say(SessionMessage(l))
	}
}

// showBooking shows the booking with key, if the participant holds it.
func (r *run) showBooking(key string) {
	if b, ok := r.s.Booked(key); ok {
		r.say(SessionMessage(b.Line))
	}
}

// SessionMessage is one session as the lists show it.
func SessionMessage(l SessionLine) Message {
	return Message{ID: "sessions.item",
		Params: map[string]string{"Day": strconv.Itoa(l.Day), "Start": l.Start, "End": l.End, "Venue": l.Venue, "Address": l.Address},
		Refs:   DateRefs(l.Weekday, l.Month)}
}

// DateRefs are the refs that name a weekday and a month in the participant's
// language: the messages weekday.<name> and month.<name>.
func DateRefs(w time.Weekday, m time.Month) map[string]string {
	return map[string]string{"Weekday": "weekday." + weekdayName(int(w)), "Month": "month." + monthName(int(m))}
}

var (
	weekdays = [...]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}
	months   = [...]string{"january", "february", "march", "april", "may", "june", "july",
		"august", "september", "october", "november", "december"}
)

func weekdayName(w int) string { return weekdays[((w%7)+7)%7] }
func monthName(m int) string   { return months[((m-1)%12+12)%12] }
