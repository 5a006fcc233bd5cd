package schedule

import (
	"sync/atomic"
	"time"

	"github.com/guidebot/guidebot/internal/flow"
)

// Holder is the schedule in force. Reload replaces it with the file's new content
// only when that is valid, so a coordinator's typo never takes the sessions away;
// occurrences are computed from whichever schedule is in force at the time.
type Holder struct {
	name string
	read func() ([]byte, error)
	cur  atomic.Pointer[Schedule]
}

// NewHolder reads and parses the schedule once; name is how problems refer to it.
func NewHolder(name string, read func() ([]byte, error)) (*Holder, error) {
	h := &Holder{name: name, read: read}
	if err := h.Reload(); err != nil {
		return nil, err
	}
	return h, nil
}

// Current is the schedule in force.
func (h *Holder) Current() *Schedule { return h.cur.Load() }

// Reload reads the schedule again. On any problem the schedule in force stays, and
// the error says why (Problems, with lines, when the file did not validate).
func (h *Holder) Reload() error {
	data, err := h.read()
	if err != nil {
		return err
	}
	s, err := Parse(h.name, data)
	if err != nil {
		return err
	}
	h.cur.Store(s)
	return nil
}

// Upcoming is Schedule.Upcoming on the schedule in force.
func (h *Holder) Upcoming(lang string, now time.Time, n int) []flow.SessionLine {
	return h.Current().Upcoming(lang, now, n)
}

// List is Schedule.List on the schedule in force.
func (h *Holder) List(name string) []flow.ListItem { return h.Current().List(name) }
