package flow

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Flow is one YAML file of flows/: named steps, a start step, and commands that
// work from any step.
type Flow struct {
	Name     string           `yaml:"flow"`
	Start    string           `yaml:"start"`
	Commands []Command        `yaml:"commands"`
	Steps    map[string]*Step `yaml:"steps"`

	File string `yaml:"-"`
	Line int    `yaml:"-"`
}

// Command sends the participant to a step from anywhere when the whole message is one
// of the words of a locale message (in any language) or a slash command.
type Command struct {
	Words string   `yaml:"words"`
	Slash []string `yaml:"slash"`
	Goto  string   `yaml:"goto"`
	Line  int      `yaml:"-"`
}

// Step shows messages, runs actions and waits for a choice, free text, or nothing.
type Step struct {
	Say    []Say    `yaml:"say"`
	Do     []Action `yaml:"do"`
	Choose []Option `yaml:"choose"`
	// Save names the variable that receives the chosen option's id.
	Save string `yaml:"save"`
	// Then runs after any option is chosen, before the option's own actions.
	Then []Action `yaml:"then"`
	Ask  *Ask     `yaml:"ask"`
	// Goto is where a step without input moves on to, and where an option without its
	// own goto leads.
	Goto string `yaml:"goto"`
	// Pick offers the sessions or bookings the step just showed as options before
	// Choose, one each: choosing one saves its key and goes to Pick.Goto.
	Pick *Pick `yaml:"pick"`
	// List offers the items of a list the service keeps (Config.Lists: the
	// schedule's areas, its matching programmes) after Choose, one each.
	List *List `yaml:"list"`
	// Await maps each outcome of the effect this step's actions start (a booking:
	// ok, full, …) to the step it leads to; any other outcome goes to Goto.
	Await map[string]string `yaml:"await"`
	End   bool              `yaml:"end"`
	// Entry marks a step the service takes a conversation to from outside the flows
	// (the handoff's end), so `check` counts it as reachable.
	Entry bool `yaml:"entry"`
	// When guards an entry: a tick that would take the conversation here does
	// nothing unless it holds. "handoff_waiting": a request no guide has claimed.
	When      string   `yaml:"when"`
	Timeout   Duration `yaml:"timeout"`
	OnTimeout string   `yaml:"on_timeout"`

	Line int `yaml:"-"`
}

// Say is one message: a message id, or a builtin view of the state (show: plan|data).
type Say struct {
	ID     string            `yaml:"id"`
	Params map[string]string `yaml:"params"`
	// Refs are parameters whose values are message ids, localised when rendered.
	Refs  map[string]string `yaml:"refs"`
	Count string            `yaml:"count"`
	Show  string            `yaml:"show"`
}

// UnmarshalYAML lets a plain string stand for {id: string}.
func (s *Say) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		s.ID = n.Value
		return nil
	}
	// Node.Decode does not inherit the decoder's KnownFields, so typos are caught here.
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch k := n.Content[i]; k.Value {
		case "id", "params", "refs", "count", "show":
		default:
			return fmt.Errorf("line %d: field %s not found in type flow.Say", k.Line, k.Value)
		}
	}
	type plain Say
	return n.Decode((*plain)(s))
}

// Option is one choice. Its id is the same in every language; Label is a message id.
// An option with Lang shows that language's own name and switches to it.
type Option struct {
	ID    string   `yaml:"id"`
	Label string   `yaml:"label"`
	Lang  string   `yaml:"lang"`
	Goto  string   `yaml:"goto"`
	Do    []Action `yaml:"do"`
	// When guards the option: it is offered only while the guard holds
	// (more_bookings: the bookings list has another page).
	When string `yaml:"when"`
}

// Pick is a step's options made of what it showed; Label is the message id of each
// option's label, rendered with the item's weekday, day, month and start. LabelOne,
// when set, labels the option of a list of one, which needs no date to tell it apart
// (an SMS lists one session a reply, and every character counts).
type Pick struct {
	Label    string `yaml:"label"`
	LabelOne string `yaml:"label_one"`
	Save     string `yaml:"save"`
	Goto     string `yaml:"goto"`
}

// List names the list a step offers; choosing an item saves its id in Save and
// goes to Goto. A list the service does not keep offers nothing.
type List struct {
	From string `yaml:"from"`
	Save string `yaml:"save"`
	Goto string `yaml:"goto"`
}

// Ask waits for free text, checks it with Validate and saves it in a variable.
type Ask struct {
	Validate string `yaml:"validate"`
	Save     string `yaml:"save"`
	Goto     string `yaml:"goto"`
}

// Action is one of: set (variables or profile.* fields), plan_add, plan_remove,
// plan_clear, start, feedback, handoff, forget, book, cancel, confirm, count (an
// event for the programme's figures: {count: {event: card_opened, card: $card}}).
// Values may name variables as $name.
type Action struct {
	Kind string
	Arg  string
	Args map[string]string
	Line int
}

// ActionKinds lists the actions a flow may use.
var actionKinds = map[string]bool{
	"set": true, "plan_add": true, "plan_clear": true, "start": true, "feedback": true,
	"handoff": true, "forget": true, "book": true, "cancel": true, "confirm": true,
	"plan_remove": true, "count": true,
	"match_question": true, "match_join": true, "match_pause": true, "match_leave": true,
	"match_status": true, "match_answer": true, "match_relay": true, "match_meeting": true,
	"match_end": true, "match_feedback": true, "match_share": true,
}

// UnmarshalYAML reads a one-key map: {kind: scalar} or {kind: {k: v}}.
func (a *Action) UnmarshalYAML(n *yaml.Node) error {
	a.Line = n.Line
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return fmt.Errorf("line %d: an action is a map with one key, such as {plan_add: $topic}", n.Line)
	}
	a.Kind = n.Content[0].Value
	if !actionKinds[a.Kind] {
		return fmt.Errorf("line %d: unknown action %q", n.Line, a.Kind)
	}
	v := n.Content[1]
	if v.Kind == yaml.MappingNode {
		return v.Decode(&a.Args)
	}
	return v.Decode(&a.Arg)
}

// Duration reads "90s", "10m", "24h".
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if err != nil {
		return fmt.Errorf("line %d: bad duration %q", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}
