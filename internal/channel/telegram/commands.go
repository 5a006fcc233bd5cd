package telegram

import (
	"context"
	"fmt"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/guidebot/guidebot/internal/i18n"
)

// commandNames are the slash commands shown in Telegram's menu, in order; each one's
// description is the locale key "command.<name>". The flows decide what they do.
func commandNames() []string { return []string{"start", "menu", "language", "help"} }

// setCommands registers the command menu once per locale (Telegram picks the list by
// the user's language_code) and once without a language in English for the rest.
func (a *Adapter) setCommands(ctx context.Context) error {
	for _, lang := range a.texts.Languages() {
		if len(lang) != 2 {
			// language_code must be a two-letter ISO 639-1 code; such users get the default.
			a.log.Warn("no command menu for a locale without a two-letter code", "lang", lang)
			continue
		}
		if err := a.setCommandsFor(ctx, lang, lang); err != nil {
			return err
		}
	}
	return a.setCommandsFor(ctx, "", i18n.Source)
}

func (a *Adapter) setCommandsFor(ctx context.Context, code, lang string) error {
	var cmds []models.BotCommand
	for _, name := range commandNames() {
		cmds = append(cmds, models.BotCommand{Command: name, Description: a.commandText(lang, name)})
	}
	_, err := a.api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: cmds, LanguageCode: code})
	if err != nil {
		return fmt.Errorf("telegram: setMyCommands %q: %w", code, err)
	}
	return nil
}

// commandText is a command's description in lang, else in English, else its name:
// Telegram rejects an empty description.
func (a *Adapter) commandText(lang, name string) string {
	id := "command." + name
	if s, ok := a.texts.Message(lang, id); ok && s != "" {
		return truncateRunes(s, 256)
	}
	if s, ok := a.texts.Message(i18n.Source, id); ok && s != "" {
		return truncateRunes(s, 256)
	}
	return name
}

// truncateRunes cuts s to at most n characters.
func truncateRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
