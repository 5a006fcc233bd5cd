package telegram

import (
	"context"
	"errors"
	"fmt"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/guidebot/guidebot/internal/i18n"
	"github.com/guidebot/guidebot/internal/pace"
)

// commandNames are the slash commands shown in Telegram's menu, in order; each one's
// description is the locale key "command.<name>". The flows decide what they do.
func commandNames() []string { return []string{"start", "menu", "language", "help"} }

// commandAttempts bounds the tries of one locale's command menu that fails for a
// reason worth retrying (no answer, a server error).
const commandAttempts = 5

// setCommands registers the command menu once per locale (Telegram picks the list by
// the user's language_code) and once without a language in English for the rest. A
// menu is cosmetic: a locale that fails is logged once, with Telegram's description,
// and retried in the background only when the failure may pass.
func (a *Adapter) setCommands(ctx context.Context) {
	codes := [][2]string{}
	for _, lang := range a.texts.Languages() {
		if len(lang) != 2 {
			// language_code must be a two-letter ISO 639-1 code; such users get the default.
			a.log.Warn("no command menu for a locale without a two-letter code", "lang", lang)
			continue
		}
		codes = append(codes, [2]string{lang, lang})
	}
	codes = append(codes, [2]string{"", i18n.Source})
	for _, c := range codes {
		code, lang := c[0], c[1]
		for attempt := 0; attempt < commandAttempts; attempt++ {
			err := a.setCommandsFor(ctx, code, lang)
			if err == nil || ctx.Err() != nil {
				break
			}
			if attempt == 0 {
				a.log.Warn("telegram refused a command menu; the bot works without it", "lang", code, "err", err)
			}
			if !transient(err) || a.sleep(ctx, pace.Backoff{}.Delay(attempt)) != nil {
				break
			}
		}
	}
}

// transient says whether a Bot API failure may pass on its own: no answer, a 429 or a
// server error. A 400 or 404 will be the same next time.
func transient(err error) bool {
	var tooMany *tgbot.TooManyRequestsError
	if errors.As(err, &tooMany) {
		return true
	}
	for _, permanent := range []error{tgbot.ErrorBadRequest, tgbot.ErrorNotFound, tgbot.ErrorForbidden, tgbot.ErrorUnauthorized, tgbot.ErrorConflict} {
		if errors.Is(err, permanent) {
			return false
		}
	}
	return true
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
