package telegram

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"
)

// maxCallbackData is Telegram's limit on a button's callback_data, in bytes.
const maxCallbackData = 64

// A button's callback_data names the step its menu belongs to and the option, so a
// press on an old menu is recognised as stale by the engine. The plain form is
// "<step>|<option>" ("cards.bills1|next"). A pair that does not fit in 64 bytes (or
// contains the separator) is sent as "#" and a hash, remembered by the adapter that
// sent it; a press the adapter does not remember decodes to no step, which the engine
// answers as an expired menu, the safe outcome.
const (
	callbackSep    = "|"
	callbackHashed = "#"
	hashLen        = 22 // base64 characters: 132 bits, no collision in practice
	// rememberedButtons is how many long step/option pairs the adapter keeps for
	// their hashed callback data: the buttons of the last few thousand replies.
	rememberedButtons = 4096
)

// encodeCallback returns the callback_data for option of step.
func (a *Adapter) encodeCallback(step, option string) string {
	data := step + callbackSep + option
	if len(data) <= maxCallbackData && !strings.Contains(step, callbackSep) &&
		!strings.HasPrefix(step, callbackHashed) && !strings.Contains(option, callbackSep) {
		return data
	}
	sum := sha256.Sum256([]byte(step + "\x00" + option))
	key := callbackHashed + base64.RawURLEncoding.EncodeToString(sum[:])[:hashLen]
	a.buttons.put(key, step, option)
	return key
}

// decodeCallback returns the step and option a callback_data names.
func (a *Adapter) decodeCallback(data string) (step, option string) {
	if strings.HasPrefix(data, callbackHashed) {
		step, option, _ = a.buttons.get(data)
		return step, option
	}
	step, option, ok := strings.Cut(data, callbackSep)
	if !ok {
		return "", data
	}
	return step, option
}

// buttonTable remembers the hashed callback data of long pairs, the most recent max.
type buttonTable struct {
	mu    sync.Mutex
	max   int
	pairs map[string][2]string
	ring  []string // keys in insertion order, for eviction
	next  int      // where the next key goes in ring
}

func newButtonTable(max int) *buttonTable {
	return &buttonTable{max: max, pairs: map[string][2]string{}, ring: make([]string, max)}
}

func (t *buttonTable) put(key, step, option string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.pairs[key]; ok {
		return
	}
	if old := t.ring[t.next]; old != "" {
		delete(t.pairs, old)
	}
	t.pairs[key] = [2]string{step, option}
	t.ring[t.next] = key
	t.next = (t.next + 1) % t.max
}

func (t *buttonTable) get(key string) (step, option string, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.pairs[key]
	return p[0], p[1], ok
}
