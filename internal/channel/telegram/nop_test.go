package telegram

import (
	"context"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
)

type nopHandler struct{}

func (nopHandler) Handle(context.Context, message.Inbound) (bool, error) {
	return false, nil
}

type nopTexts struct{}

func (nopTexts) Render(_ string, m flow.Message) string { return m.ID }
func (nopTexts) Label(_ string, c flow.Choice) string   { return c.Label }
func (nopTexts) Languages() []string                    { return []string{"en"} }
func (nopTexts) Message(_, id string) (string, bool)    { return id, true }
