package flow

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The steps every set of flows must have; `guidebot check` insists on them.
const (
	WelcomeStep  = "welcome.start"
	LanguageStep = "welcome.language"
	HomeStep     = "main.menu"
	// HandoffStep asks a guide to help; three misses in a row lead there too.
	HandoffStep = "handoff.request"
	// DetectedStep, when the flows have it, greets a new participant whose first
	// message is plainly in one language (or names it) in that language, instead of
	// asking which.
	DetectedStep = "welcome.detected"
)

// MaxMisses is how many answers in a row may miss before a guide is asked to help.
const MaxMisses = 3

// MaxPlan is how many topics a plan holds at a time: enough for one guidance
// session, and a list a senior can read in one SMS.
const MaxPlan = 5

// maxSaved bounds a saved answer so an oversize message cannot bloat the record.
const maxSaved = 500

// maxHops stops a loop of steps that wait for nothing; `check` reports such loops.
const maxHops = 32

// Texts is what the engine needs of the locales: the languages, and a message's text
// (its "other" form) to match labels and keywords against.
type Texts interface {
	Languages() []string
	Message(lang, id string) (string, bool)
}

// Config holds the engine's settings.
type Config struct {
	DefaultLang    string
	TranscriptDays int // shown by `my data`
	// Sessions lists the next guidance sessions (`show: sessions`); nil: none are
	// planned. The schedule is one.
	Sessions SessionLister
	// SessionsShown is how many sessions one reply lists, by channel; a channel not
	// named lists sessionsShown. SMS lists fewer, so a reply stays within its parts.
	SessionsShown map[string]int
	// Zone is where dates are shown (the programme's time zone); nil: UTC.
	Zone *time.Location
	// Fits says, by channel, whether a reply fits one message; a step whose options
	// do not fit shows as many as do and "more". A channel not named shows them all
	// (Telegram's buttons).
	Fits map[string]Fits
	// Lists gives the lists a step may offer (`list: {from: areas}`); nil: every
	// list is empty. The schedule is one.
	Lists Lister
}

// Lister gives a list by name, as a coordinator keeps it now; nil for a list it
// does not keep.
type Lister interface {
	List(name string) []ListItem
}

// ListItem is one item of a list: ID is what choosing it saves; Label is a message
// id rendered with Params (list.name shows the Name param as it is: a place's name).
type ListItem struct {
	ID     string
	Label  string
	Params map[string]string
}

// SessionLister lists the next guidance sessions where a participant's language is
// spoken, in each venue's local time.
type SessionLister interface {
	Upcoming(lang string, now time.Time, n int) []SessionLine
}

// SessionLine is one session as a participant reads it; Key names it for a booking.
type SessionLine struct {
	Key     string       `json:"k"`
	Venue   string       `json:"v"`
	Address string       `json:"a"`
	Weekday time.Weekday `json:"w"`
	Day     int          `json:"d"`
	Month   time.Month   `json:"m"`
	Start   string       `json:"s"` // HH:MM at the venue
	End     string       `json:"e"`
}

// The words of "forget me" and "help", which work even while a guide talks.
const (
	forgetWords = "keyword.forget"
	helpWords   = "keyword.help"
)

// whens are the guards a step's or an option's `when` may name.
var whens = map[string]func(*run) bool{
	"": func(*run) bool { return true },
	// handoff_waiting: a request for a guide that no guide has claimed.
	"handoff_waiting": func(r *run) bool { return r.s.Handoff != "" && !r.s.Relay },
	// more_bookings: the bookings list has another page to show.
	"more_bookings": func(r *run) bool { return len(r.openBookings()) > r.pageOf(bookingsPageVar, len(r.openBookings())) },
}

// holds says whether the guard when holds for the participant now.
func (r *run) holds(when string) bool {
	cond, ok := whens[when]
	return ok && cond(r)
}

// FollowUpArg names, in an action's arguments, the step a follow-up tick leads to
// ({book: {session: $session, follow_up: followup}}); the engine resolves it to a
// full step key like a goto.
const FollowUpArg = "follow_up"

// sessionsShown is how many sessions one reply lists unless Config.SessionsShown
// says otherwise for the channel.
const sessionsShown = 3

// sessionsPageVar and bookingsPageVar remember which page of sessions or bookings
// the participant reads, so `show: more_sessions|more_bookings` goes on from there.
const (
	sessionsPageVar = "sessions_page"
	bookingsPageVar = "bookings_page"
)

// Engine steps conversations through compiled flows. It is safe for concurrent use.
type Engine struct {
	cfg      Config
	steps    map[string]*compiled
	commands map[string]string // normalised word → step
	slash    map[string]string // slash command name → step
	yes, no  map[string]bool
	more     map[string]bool   // the words of "more" in every language
	scripts  map[string]string // language → script
	langs    map[string]bool
	starts   map[string]string // flow → its start step's full key
	// escapes are the steps a command may reach while a guide talks: "forget me"
	// and "help".
	escapes map[string]bool
	detect  *detector
	texts   Texts
}

type compiled struct {
	*Step
	key     string
	flow    *Flow
	targets []string                  // per option: the full step key it leads to
	next    string                    // full key of Goto
	timeout string                    // full key of OnTimeout
	labels  map[string]map[string]int // language → normalised label → option index
	any     map[string]int            // any language's label → option index
	brands  map[string]int            // a word that names one option in several languages → its index
	choices []Choice
	yesIdx  int
	noIdx   int
}

// New compiles flows against the locales. It fails on the first broken reference;
// Check lists all problems.
func New(flows []*Flow, texts Texts, cfg Config) (*Engine, error) {
	if probs := Check(flows, texts); len(probs) > 0 {
		return nil, fmt.Errorf("flow: %s (and %d more)", probs[0], len(probs)-1)
	}
	if cfg.TranscriptDays == 0 {
		cfg.TranscriptDays = 30
	}
	e := &Engine{
		cfg:      cfg,
		steps:    map[string]*compiled{},
		commands: map[string]string{},
		slash:    map[string]string{},
		yes:      map[string]bool{},
		no:       map[string]bool{},
		more:     map[string]bool{},
		scripts:  map[string]string{},
		langs:    map[string]bool{},
		starts:   map[string]string{},
		escapes:  map[string]bool{},
	}
	langs := texts.Languages()
	for _, l := range langs {
		e.langs[l] = true
		if s, ok := texts.Message(l, "language.script"); ok {
			e.scripts[l] = s
		}
		for _, w := range words(texts, l, "keyword.yes") {
			e.yes[w] = true
		}
		for _, w := range words(texts, l, "keyword.no") {
			e.no[w] = true
		}
		for _, w := range words(texts, l, moreLabel) {
			e.more[w] = true
		}
	}
	e.detect = newDetector(texts, langs)
	e.texts = texts
	if e.cfg.Zone == nil {
		e.cfg.Zone = time.UTC
	}
	if !e.langs[cfg.DefaultLang] {
		return nil, fmt.Errorf("flow: default language %q has no locale", cfg.DefaultLang)
	}
	for _, f := range flows {
		e.starts[f.Name] = f.Name + "." + f.Start
		for name, st := range f.Steps {
			e.steps[f.Name+"."+name] = &compiled{Step: st, key: f.Name + "." + name, flow: f}
		}
	}
	for _, f := range flows {
		for _, c := range f.Commands {
			target := resolve(f, c.Goto)
			for _, l := range langs {
				for _, w := range words(texts, l, c.Words) {
					if _, taken := e.commands[w]; !taken {
						e.commands[w] = target
					}
				}
			}
			for _, s := range c.Slash {
				e.slash[strings.ToLower(s)] = target
			}
			if c.Words == forgetWords || c.Words == helpWords {
				e.escapes[target] = true
			}
		}
	}
	for _, c := range e.steps {
		c.compile(texts, langs)
	}
	return e, nil
}

func (c *compiled) compile(texts Texts, langs []string) {
	f := c.flow
	if c.Goto != "" {
		c.next = resolve(f, c.Goto)
	}
	if c.OnTimeout != "" {
		c.timeout = resolve(f, c.OnTimeout)
	}
	c.yesIdx, c.noIdx = -1, -1
	c.labels = map[string]map[string]int{}
	c.any = map[string]int{}
	// wordLangs counts, per word of a label, the languages whose label of each
	// option has it: "bankid" is in topic.eid in every language and nowhere else.
	wordLangs := map[string]map[int]int{}
	for i, o := range c.Choose {
		target := c.next
		if o.Goto != "" {
			target = resolve(f, o.Goto)
		}
		c.targets = append(c.targets, target)
		label := o.Label
		if o.Lang != "" {
			label = "language.name"
		}
		c.choices = append(c.choices, Choice{ID: o.ID, Label: label, Lang: o.Lang})
		switch o.ID {
		case "yes":
			c.yesIdx = i
		case "no":
			c.noIdx = i
		}
		c.any[Normalize(o.ID)] = i
		if o.Lang != "" {
			// A language is chosen by any of its names, in any script: "عربي",
			// "Arabic", "farsi", "دری".
			for _, w := range words(texts, o.Lang, aliasesID) {
				if _, taken := c.any[w]; !taken {
					c.any[w] = i
				}
			}
		}
		for _, l := range langs {
			textLang := l
			if o.Lang != "" {
				textLang = o.Lang
			}
			text, ok := texts.Message(textLang, label)
			if !ok {
				continue
			}
			n := Normalize(text)
			if o.Lang == "" {
				for _, w := range strings.Fields(n) {
					if wordLangs[w] == nil {
						wordLangs[w] = map[int]int{}
					}
					wordLangs[w][i]++
				}
			}
			if c.labels[l] == nil {
				c.labels[l] = map[string]int{}
			}
			c.labels[l][n] = i
			if _, taken := c.any[n]; !taken {
				c.any[n] = i
			}
		}
	}
	c.brands = map[string]int{}
	for w, options := range wordLangs {
		if len(options) != 1 || len([]rune(w)) < minBrandLen {
			continue
		}
		for i, n := range options {
			if n >= minBrandLangs {
				c.brands[w] = i
			}
		}
	}
}

// A word of labels names its option when typed alone (a brand such as BankID, Kela
// or 1177, which labels keep in every script) if the labels of that option in at
// least minBrandLangs languages have it, those of no other option do, and it is
// not too short to mean something.
const (
	minBrandLangs = 3
	minBrandLen   = 3
)

// resolve turns a goto into a full step key: "step" is in the same flow, "flow.step"
// names another flow's step.
func resolve(f *Flow, target string) string {
	if strings.Contains(target, ".") {
		return target
	}
	return f.Name + "." + target
}

func words(texts Texts, lang, id string) []string {
	msg, ok := texts.Message(lang, id)
	if !ok {
		return nil
	}
	var out []string
	for _, w := range strings.Split(msg, ",") {
		if n := Normalize(w); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// ErrLoop means the flows moved through too many steps without waiting for input.
var ErrLoop = errors.New("flow: too many steps without input")

// Step applies one input to a state at time now. It never changes s's maps or slices:
// the returned state shares what it did not change.
func (e *Engine) Step(s State, in Input, now time.Time) (State, Reply, []Effect, error) {
	r := run{e: e, s: s, now: now}
	if in.Kind != Tick { // the scheduler's nudge is not the participant showing up
		r.s.LastSeen = now.Unix()
	}
	err := r.handle(in)
	r.reply.Lang = r.s.Lang
	return r.s, r.reply, r.effects, err
}

// run is the scratch of one Step call.
type run struct {
	e       *Engine
	s       State
	now     time.Time
	reply   Reply
	effects []Effect
	from    string
	varsOwn bool
	profOwn bool
}

func (r *run) handle(in Input) error {
	e := r.e
	if in.Kind == Tick && in.Step != "" {
		// A follow-up the flows scheduled goes where it says, wherever the
		// conversation is; one for a participant who is no more, or for a step the
		// flows no longer have, does nothing.
		target := e.steps[in.Step]
		if r.s.Step == "" || target == nil || !r.holds(target.When) {
			return nil
		}
		r.from = r.s.Step
		r.setVar(resultVar, in.Text) // what the service sends along ($result), if anything
		return r.enter(in.Step)
	}
	cur := e.steps[r.s.Step]
	if cur == nil || cur.End {
		// A new participant, one whose conversation ended, or one whose step no longer
		// exists after a change of flows.
		if r.s.Step == "" || cur != nil {
			if r.s.Created == 0 {
				r.s.Created = r.now.Unix()
			}
			if r.s.Lang == "" {
				lang, sure := e.firstLang(in)
				r.s.Lang = lang
				if sure && e.steps[DetectedStep] != nil {
					return r.enter(DetectedStep)
				}
			}
			return r.enter(WelcomeStep)
		}
		return r.enter(HomeStep)
	}
	r.from = cur.key
	if in.Kind == Result {
		return r.result(cur, in.Option, in.Text)
	}
	if (r.s.Pending != "" || in.Kind == Button) && r.reminderAnswer(in) {
		return nil
	}
	if r.s.Relay && r.relay(in) {
		return nil
	}
	if len(cur.Await) > 0 {
		// Nothing fed the outcome back (no service carries the effect out): the
		// step's way on for any other outcome, before the input is read afresh.
		return r.enter(cur.next)
	}
	if r.s.Deadline != 0 && r.now.Unix() >= r.s.Deadline && cur.timeout != "" {
		return r.enter(cur.timeout)
	}
	switch in.Kind {
	case Tick:
		return nil
	case Media:
		r.say(Message{ID: "common.unsupported"})
		r.wait(cur)
		return nil
	case Button:
		if in.Step != cur.key {
			return r.expired(cur)
		}
		if in.Option == MoreOption {
			r.turnPage(cur)
			return nil
		}
		if ok, err := r.chooseByID(cur, in.Option); ok {
			return err
		}
		return r.expired(cur)
	}
	return r.text(cur, in.Text)
}

func (r *run) text(cur *compiled, raw string) error {
	e := r.e
	trimmed := strings.TrimSpace(raw)
	if trimmed == "" {
		r.say(Message{ID: "reprompt.empty"})
		r.wait(cur)
		return nil
	}
	if strings.HasPrefix(trimmed, "/") {
		// "/start PAYLOAD" (a deep link) and "/menu@guidebot" (in groups) name /start and /menu.
		word, _, _ := strings.Cut(strings.ToLower(trimmed[1:]), " ")
		name, _, _ := strings.Cut(word, "@")
		if target, ok := e.slash[name]; ok {
			return r.enter(target)
		}
	}
	t := Normalize(trimmed)
	if target, ok := e.commands[t]; ok && t != "" {
		return r.enter(target)
	}
	t, more := r.paged(t)
	if more {
		r.turnPage(cur)
		return nil
	}
	if n, err := strconv.Atoi(t); err == nil {
		// Numbers count what is shown: the picks first, then the step's options.
		if opts := r.options(cur); n >= 1 && n <= len(opts) {
			if ok, err := r.chooseByID(cur, opts[n-1].ID); ok {
				return err
			}
		}
	}
	if len(cur.Choose) > 0 { // a label, in any language, or a brand such as 1177
		if i := cur.match(e, r.s.Lang, t); i >= 0 {
			return r.choose(cur, i)
		}
	}
	if items := r.listed(cur); len(items) > 0 {
		if i := r.matchItem(items, t); i >= 0 {
			return r.chooseItem(cur, items, i)
		}
	}
	if cur.Ask != nil {
		value, ok := e.validate(cur.Ask.Validate, trimmed)
		if ok {
			r.setVar(cur.Ask.Save, value)
			return r.enter(resolve(cur.flow, cur.Ask.Goto))
		}
	}
	return r.miss(cur, trimmed)
}

func (c *compiled) match(e *Engine, lang, t string) int {
	if t == "" {
		return -1
	}
	if i, ok := c.labels[lang][t]; ok {
		return i
	}
	if i, ok := c.any[t]; ok {
		return i
	}
	if i, ok := c.brands[t]; ok {
		return i
	}
	if c.yesIdx >= 0 && e.yes[t] {
		return c.yesIdx
	}
	if c.noIdx >= 0 && e.no[t] {
		return c.noIdx
	}
	return -1
}

func (r *run) miss(cur *compiled, raw string) error {
	r.s.Misses++
	if len(cur.Choose) > 0 && cur.Ask == nil && cur.key != LanguageStep {
		if sc := scriptOf(raw); sc != "" && sc != r.e.scripts[r.s.Lang] {
			// Text in another script than the chosen language: the participant may not
			// read this language at all, so offer the languages by their own names.
			r.say(Message{ID: "reprompt.script"})
			return r.enter(LanguageStep)
		}
	}
	if cur.Ask != nil {
		r.say(invalidMessage(cur.Ask.Validate))
	} else {
		max := len(r.options(cur))
		if _, count, ok := r.shown(); ok {
			max = count + 1
		}
		r.say(Message{ID: "reprompt.choice", Params: map[string]string{"Max": strconv.Itoa(max)}})
	}
	if r.s.Misses >= MaxMisses {
		// Three misses in a row: the bot cannot help, so a person is asked to, unless
		// one has been already (the participant is then reminded how to reach them).
		if r.e.steps[HandoffStep] != nil && r.s.Handoff == "" && cur.key != HandoffStep {
			return r.enter(HandoffStep)
		}
		r.say(Message{ID: "reprompt.guide"})
	}
	r.wait(cur)
	return nil
}

func invalidMessage(validator string) Message {
	kind, arg, _ := strings.Cut(validator, ":")
	m := Message{ID: "invalid." + kind}
	if kind == "int" {
		lo, hi, _ := strings.Cut(arg, "-")
		m.Params = map[string]string{"Min": lo, "Max": hi}
	}
	return m
}

func (r *run) expired(cur *compiled) error {
	r.say(Message{ID: "common.expired"})
	return r.enter(cur.key)
}

func (r *run) choose(cur *compiled, i int) error {
	o := cur.Choose[i]
	if cur.Save != "" {
		r.setVar(cur.Save, o.ID)
	}
	if o.Lang != "" {
		r.s.Lang = o.Lang
	}
	redirect := r.act(cur.Then)
	if rd := r.act(o.Do); rd != "" {
		redirect = rd
	}
	if redirect != "" {
		return r.enter(redirect)
	}
	return r.enter(cur.targets[i])
}

// wait leaves the participant at cur, showing its options again.
func (r *run) wait(cur *compiled) {
	r.s.Step = cur.key
	offset, _, _ := r.shown() // a miss stays on the page it missed at
	r.paginate(cur, offset)
	r.reply.Step = cur.key
}

func (r *run) enter(key string) error {
	for hop := 0; hop < maxHops; hop++ {
		c := r.e.steps[key]
		if c == nil {
			return fmt.Errorf("flow: no step %q", key)
		}
		r.s.Step, r.s.Misses, r.s.Deadline = key, 0, 0
		if r.s.Vars[optionsPageVar] != "" {
			r.setVar(optionsPageVar, "") // a step shows its first page first
		}
		started := len(r.effects)
		if redirect := r.act(c.Do); redirect != "" {
			key = redirect
			continue
		}
		for _, s := range c.Say {
			r.sayStep(s)
		}
		if len(c.Await) > 0 {
			// The outcome comes back as a Result input in the same turn; until then
			// the participant has nothing to answer.
			for i := started; i < len(r.effects); i++ {
				r.effects[i].Await = true
			}
			r.reply.Options, r.reply.Step = nil, ""
			return nil
		}
		if len(c.Choose) > 0 || c.Ask != nil || c.Pick != nil || c.List != nil {
			r.wait(c)
			if c.Timeout > 0 {
				r.s.Deadline = r.now.Add(time.Duration(c.Timeout)).Unix()
			}
			return nil
		}
		if c.End {
			r.reply.Options, r.reply.Step = nil, ""
			return nil
		}
		key = c.next
	}
	return ErrLoop
}

func (r *run) say(m Message) { r.reply.Texts = append(r.reply.Texts, m) }

func (r *run) sayStep(s Say) {
	switch s.Show {
	case "plan":
		r.showPlan("plan.header", "plan.empty")
		return
	case "data":
		r.showData()
		return
	case "sessions":
		r.showSessions(0, r.expand(s.Params["except"]))
		return
	case "more_sessions":
		page, _ := strconv.Atoi(r.s.Vars[sessionsPageVar])
		r.showSessions(page+1, "")
		return
	case "bookings":
		r.showBookings(0)
		return
	case "more_bookings":
		page, _ := strconv.Atoi(r.s.Vars[bookingsPageVar])
		r.showBookings(page + 1)
		return
	case "booking":
		r.showBooking(r.expand(s.Params["key"]))
		return
	}
	m := Message{ID: r.expand(s.ID)} // match.reason.$why: the kind of reason found
	if len(s.Params) > 0 {
		m.Params = make(map[string]string, len(s.Params))
		for k, v := range s.Params {
			m.Params[k] = r.expand(v)
		}
	}
	if len(s.Refs) > 0 {
		m.Refs = make(map[string]string, len(s.Refs))
		for k, v := range s.Refs {
			m.Refs[k] = r.expand(v)
		}
	}
	if s.Count != "" {
		n, _ := strconv.Atoi(r.expand(s.Count))
		m.Count = &n
	}
	r.say(m)
}

func (r *run) showPlan(header, empty string) {
	if len(r.s.Plan) == 0 {
		if empty != "" {
			r.say(Message{ID: empty})
		}
		return
	}
	n := len(r.s.Plan)
	r.say(Message{ID: header, Count: &n})
	for _, topic := range r.s.Plan {
		r.say(Message{ID: "plan.item", Refs: map[string]string{"Topic": "topic." + topic}})
	}
}

func (r *run) showData() {
	s := r.s
	r.say(Message{ID: "data.header"})
	r.say(Message{ID: "data.language", Refs: map[string]string{"Language": "language.name"}})
	if s.Channel != "" {
		r.say(Message{ID: "data.channel", Params: map[string]string{"Channel": s.Channel, "Address": s.Address}})
	}
	r.say(Message{ID: "data.since", Params: map[string]string{"Date": r.date(s.Created)}})
	// Counts only: the plan's topics are under "my plan", and the answers' own
	// words could fill any number of SMS parts; a guide reads them out on request.
	if n := len(s.Plan); n > 0 {
		r.say(Message{ID: "data.plan", Count: &n})
	}
	if n := len(s.Feedback); n > 0 {
		r.say(Message{ID: "data.feedback", Count: &n})
	}
	days := r.e.cfg.TranscriptDays
	r.say(Message{ID: "data.transcript", Count: &days})
}

// showSessions lists a page of the next sessions in the participant's language, with
// weekday and month names from the locale; except leaves one out (the one that was
// full), so the list offers the others.
func (r *run) showSessions(page int, except string) {
	n := r.sessionsShown()
	var lines []SessionLine
	if r.e.cfg.Sessions != nil {
		for _, l := range r.e.cfg.Sessions.Upcoming(r.s.Lang, r.now, (page+1)*n+1) {
			if l.Key != except || except == "" {
				lines = append(lines, l) // a copy: the lister's slice is not ours to change
			}
		}
		lines = lines[min(len(lines), page*n):min(len(lines), (page+1)*n)]
	}
	r.setVar(sessionsPageVar, strconv.Itoa(page))
	r.showLines(lines, "sessions.header", "sessions.none")
}

// sessionsShown is how many sessions or bookings one reply lists on the
// participant's channel.
func (r *run) sessionsShown() int {
	if v, ok := r.e.cfg.SessionsShown[r.s.Channel]; ok && v > 0 {
		return v
	}
	return sessionsShown
}

// datePattern is the message that writes a date in a language, from the day, the
// month's name (month.*) and the year; the numbers stay ASCII digits, which every
// SMS alphabet carries.
const (
	datePattern        = "date.long"
	defaultDatePattern = "{{.Day}} {{.Month}} {{.Year}}"
)

// date writes a day as the participant's language does, in the programme's time zone.
func (r *run) date(unix int64) string {
	return FormatDate(r.e.texts, r.s.Lang, time.Unix(unix, 0).In(r.e.cfg.Zone))
}

// FormatDate writes t's date in lang: its date.long pattern with the month's name.
// The sessions lists name weekday and month from the same messages.
func FormatDate(texts Texts, lang string, t time.Time) string {
	pattern, ok := texts.Message(lang, datePattern)
	if !ok {
		pattern = defaultDatePattern
	}
	month, _ := texts.Message(lang, "month."+monthName(int(t.Month())))
	return strings.NewReplacer("{{.Day}}", strconv.Itoa(t.Day()), "{{.Month}}", month,
		"{{.Year}}", strconv.Itoa(t.Year())).Replace(pattern)
}

// act runs actions and returns the step a start action jumps to, if any.
func (r *run) act(actions []Action) (redirect string) {
	for _, a := range actions {
		switch a.Kind {
		case "set":
			keys := make([]string, 0, len(a.Args))
			for k := range a.Args {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				r.setVar(k, r.expand(a.Args[k]))
			}
		case "plan_add":
			topic := r.expand(a.Arg)
			if topic != "" && !slices.Contains(r.s.Plan, topic) && len(r.s.Plan) < MaxPlan {
				r.s.Plan = append(r.s.Plan[:len(r.s.Plan):len(r.s.Plan)], topic)
			}
		case "plan_remove":
			// A comma-separated list: the items a guide helped with.
			done := strings.Split(r.expand(a.Arg), ",")
			if kept := slices.DeleteFunc(slices.Clone(r.s.Plan), func(t string) bool { return slices.Contains(done, t) }); len(kept) != len(r.s.Plan) {
				r.s.Plan = kept
			}
		case "plan_clear":
			r.s.Plan = nil
		case "start":
			redirect = r.e.starts[a.Arg]
		case "feedback":
			fb := Feedback{At: r.now.Unix(), Rating: r.expand(a.Args["rating"]),
				Comment: r.expand(a.Args["comment"]), Lang: r.s.Lang}
			kept := r.s.Feedback
			if len(kept) >= maxFeedback {
				kept = kept[len(kept)-maxFeedback+1:]
			}
			r.s.Feedback = append(kept[:len(kept):len(kept)], fb)
			args := map[string]string{"rating": fb.Rating, "comment": fb.Comment, "lang": fb.Lang,
				"at": strconv.FormatInt(fb.At, 10)}
			if about := r.expand(a.Args["about"]); about != "" {
				args["about"] = about // what was rated: a session's follow-up says "session"
			}
			r.effects = append(r.effects, Effect{Kind: "feedback", Args: args})
		case "handoff":
			r.effects = append(r.effects, Effect{Kind: "handoff", Args: map[string]string{
				"reason": r.expand(a.Arg), "lang": r.s.Lang}})
		case "forget":
			r.effects = append(r.effects, Effect{Kind: "forget"})
		default: // book, cancel: carried out by the service that owns them
			args := map[string]string{}
			for k, v := range a.Args {
				args[k] = r.expand(v)
			}
			if target, ok := args[FollowUpArg]; ok {
				if c := r.e.steps[r.s.Step]; c != nil {
					args[FollowUpArg] = resolve(c.flow, target)
				}
			}
			if a.Arg != "" {
				args["arg"] = r.expand(a.Arg)
			}
			r.effects = append(r.effects, Effect{Kind: a.Kind, Args: args})
		}
	}
	return redirect
}

// setVar writes a variable, or a profile field when the name starts with "profile.";
// the maps are copied on the first write so the caller's state stays untouched.
func (r *run) setVar(name, value string) {
	if name == "" {
		return
	}
	if len(value) > maxSaved {
		value = strings.ToValidUTF8(value[:maxSaved], "") // no half rune at the cut
	}
	if field, ok := strings.CutPrefix(name, "profile."); ok {
		if !r.profOwn {
			r.s.Profile = cloneMap(r.s.Profile)
			r.profOwn = true
		}
		r.s.Profile[field] = value
		return
	}
	if !r.varsOwn {
		r.s.Vars = cloneMap(r.s.Vars)
		r.varsOwn = true
	}
	r.s.Vars[name] = value
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// expand replaces $name with the variable's value; $from is the step the input came
// in at, $step the current step, $lang the language, $profile.x a profile field.
func (r *run) expand(v string) string {
	if !strings.Contains(v, "$") {
		return v
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(v, '$')
		if i < 0 {
			b.WriteString(v)
			return b.String()
		}
		b.WriteString(v[:i])
		j := i + 1
		for j < len(v) && (isNameByte(v[j]) || v[j] == '.' && strings.HasPrefix(v[i+1:], "profile.")) {
			j++
		}
		b.WriteString(r.lookup(v[i+1 : j]))
		v = v[j:]
	}
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
}

func (r *run) lookup(name string) string {
	switch name {
	case "from":
		return r.from
	case "step":
		return r.s.Step
	case "lang":
		return r.s.Lang
	}
	if field, ok := strings.CutPrefix(name, "profile."); ok {
		return r.s.Profile[field]
	}
	return r.s.Vars[name]
}

// firstLang is the language to greet a new participant in: the one their first
// message is plainly in or names (sure), or the channel's hint (Telegram's app
// language) when the message leaves it among the likely ones (sure too), or the hint
// or the default language to ask in.
func (e *Engine) firstLang(in Input) (lang string, sure bool) {
	hint := e.pickLang(in.Lang)
	if in.Kind != Text || strings.HasPrefix(strings.TrimSpace(in.Text), "/") {
		return hint, false // a button, or Telegram's /start: no words to read
	}
	best, sure, likely := e.detect.Detect(in.Text)
	switch {
	case sure:
		return best, true
	case in.Lang != "" && slices.Contains(likely, hint):
		return hint, true
	}
	return hint, false
}

// DetectLanguage guesses the language of a message as a first contact reads it: the
// best guess, and whether it is plain.
func (e *Engine) DetectLanguage(text string) (string, bool) {
	best, sure, _ := e.detect.Detect(text)
	return best, sure
}

func (e *Engine) pickLang(hint string) string {
	hint = strings.ToLower(hint)
	if base, _, _ := strings.Cut(hint, "-"); e.langs[base] {
		return base
	}
	return e.cfg.DefaultLang
}
