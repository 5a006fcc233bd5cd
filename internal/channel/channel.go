package channel

import (
	"strconv"
	"strings"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
)

// Renderer localises messages; the i18n catalog is one.
type Renderer interface {
	Render(lang string, m flow.Message) string
	Label(lang string, c flow.Choice) string
}

// Body renders an outbound message's text and the reply's messages, one per line,
// without its options.
func Body(r Renderer, out message.Outbound) string {
	var b strings.Builder
	b.WriteString(out.Text)
	for _, m := range out.Reply.Texts {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(r.Render(out.Reply.Lang, m))
	}
	return b.String()
}

// PlainText renders an outbound message for text-only channels (SMS, the terminal):
// the body, then the options as a numbered list that a reply may answer by number.
func PlainText(r Renderer, out message.Outbound) string {
	var b strings.Builder
	b.WriteString(Body(r, out))
	for i, c := range out.Reply.Options {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(". ")
		b.WriteString(r.Label(out.Reply.Lang, c))
	}
	return b.String()
}
