package telegram

import (
	"context"

	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/flow"
)

type nopHandler struct{}

func (nopHandler) Handle(context.Context, channel.Inbound) (bot.Result, error) {
	return bot.Handled, nil
}

type nopSup struct{}

func (nopSup) Suppress(context.Context, string, string) error     { return nil }
func (nopSup) Suppressed(context.Context, string) (string, error) { return "", nil }
func (nopSup) Unsuppress(context.Context, string) error           { return nil }

type nopTexts struct{}

func (nopTexts) Render(_ string, m flow.Message) string { return m.ID }
func (nopTexts) Label(_ string, c flow.Choice) string   { return c.Label }
func (nopTexts) Languages() []string                    { return []string{"en"} }
func (nopTexts) Message(_, id string) (string, bool)    { return id, true }
