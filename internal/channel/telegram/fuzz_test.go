package telegram

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzWebhook posts arbitrary bodies to the webhook with the right secret: it never
// panics, and answers 200 (handled, or a kind of update the bot ignores), 400 (not
// an update) or 413 (too large) — never 5xx, which would make Telegram retry a body
// that can never succeed. The seeds are the wire fixtures in testdata/.
func FuzzWebhook(f *testing.F) {
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range fixtures {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"update_id":1,"message":{"message_id":1,"chat":{"id":-5,"type":"group"},"from":{"id":7},"text":"/start@guidebot"}}`))
	f.Add([]byte(`{"update_id":1,"callback_query":{"id":"x","from":{"id":7},"data":"#AAAAAAAAAAAAAAAAAAAAAA"}}`))
	f.Add([]byte(`null`))
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		e.t = t // the env's helpers report to this input's test
		rec := e.post(body, testSecret)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("body %q answered %d %q", body, rec.Code, rec.Body)
		}
		e.drain()
	})
}

// FuzzCallbackData: whatever a step and option are, the callback data they are sent
// as fits Telegram's 64 bytes and names them again; any data a client sends decodes
// without panicking.
func FuzzCallbackData(f *testing.F) {
	f.Add("main.menu", "intake", "main.menu|intake")
	f.Add("welcome.language", "sv", "#abc")
	f.Add("guide.claim:12345678901234567890", "claim", "|")
	f.Add("a|b", "c|d", "")
	a := &Adapter{buttons: newButtonTable(rememberedButtons)}
	f.Fuzz(func(t *testing.T, step, option, sent string) {
		a.decodeCallback(sent)
		data := a.encodeCallback(step, option)
		if len(data) > maxCallbackData {
			t.Fatalf("callback data of %d bytes for %q/%q", len(data), step, option)
		}
		if !utf8.ValidString(step) || !utf8.ValidString(option) {
			return // Telegram carries UTF-8 only; such buttons are never made
		}
		if s, o := a.decodeCallback(data); s != step || o != option {
			t.Fatalf("%q/%q sent as %q came back as %q/%q", step, option, data, s, o)
		}
	})
}
