package telegram

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/config"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/pace"
)

// Handler is the bot; *bot.Bot is one.
type Handler interface {
	Handle(ctx context.Context, in message.Inbound) (duplicate bool, err error)
}

// Texts are the locales; *i18n.Catalog satisfies it.
type Texts interface {
	channel.Renderer
	Languages() []string
	Message(lang, id string) (string, bool)
}

// Mode names, as in TELEGRAM_MODE.
const (
	modePolling = "polling"
	modeWebhook = "webhook"
)

// WebhookPath is where Telegram posts updates in webhook mode.
const WebhookPath = "/telegram/webhook"

const (
	// defaultPollTimeout is getUpdates' long-poll timeout.
	defaultPollTimeout = 50 * time.Second
	// defaultSendTimeout bounds one Bot API call made for the outbox or the webhook:
	// a call that hangs is given up and retried rather than waited on.
	defaultSendTimeout = 10 * time.Second
	// defaultHandleAttempts bounds how often polling retries one update.
	defaultHandleAttempts = 20
	// maxIdleConns is the keep-alive connections kept to the Bot API.
	maxIdleConns = 64
	// groupInterval is Telegram's pace for one group chat: 20 messages a minute.
	groupInterval = 3 * time.Second
)

// allowedUpdates are the update types the bot acts on; asking for only these keeps
// Telegram from sending (and us from parsing) the rest.
func allowedUpdates() []string { return []string{"message", "callback_query"} }

// Adapter connects the bot to the Telegram Bot API.
type Adapter struct {
	cfg       config.Telegram
	publicURL string
	h         Handler
	texts     Texts
	now       func() time.Time
	log       *slog.Logger

	api     *tgbot.Bot
	http    *http.Client
	buttons *buttonTable
	floods  floodWatch

	// sleep waits between retries of polling and set-up; tests replace it with a fake
	// that advances their clock.
	sleep func(ctx context.Context, d time.Duration) error
	// pollTimeout is getUpdates' long-poll timeout.
	pollTimeout time.Duration
	// sendTimeout bounds one Bot API call made for the outbox or the webhook.
	sendTimeout time.Duration
	// handleAttempts bounds how often polling retries an update whose handling fails,
	// so one poisonous update cannot stop the bot for good.
	handleAttempts int
}

// New returns an adapter for cfg. publicURL is PUBLIC_URL, needed in webhook mode to
// register the webhook; now is the clock.
func New(cfg config.Telegram, publicURL string, h Handler, texts Texts, now func() time.Time, log *slog.Logger) (*Adapter, error) {
	switch {
	case cfg.Token == "":
		return nil, errors.New("telegram: TELEGRAM_BOT_TOKEN is empty")
	case h == nil || texts == nil:
		return nil, errors.New("telegram: handler and texts are required")
	case cfg.Rate < 0 || cfg.ChatRate < 0:
		return nil, errors.New("telegram: TELEGRAM_RATE and TELEGRAM_CHAT_RATE must be 0 or more")
	}
	if cfg.Mode == "" {
		cfg.Mode = modePolling
		if publicURL != "" {
			cfg.Mode = modeWebhook
		}
	}
	switch cfg.Mode {
	case modePolling:
	case modeWebhook:
		if cfg.WebhookSecret == "" {
			return nil, errors.New("telegram: TELEGRAM_WEBHOOK_SECRET is required in webhook mode")
		}
		if publicURL == "" {
			return nil, errors.New("telegram: PUBLIC_URL is required in webhook mode")
		}
	default:
		return nil, fmt.Errorf("telegram: TELEGRAM_MODE must be polling or webhook, not %q", cfg.Mode)
	}
	if cfg.APIURL == "" {
		cfg.APIURL = "https://api.telegram.org"
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a := &Adapter{
		cfg:            cfg,
		publicURL:      publicURL,
		h:              h,
		texts:          texts,
		now:            now,
		log:            log.With("channel", message.Telegram),
		buttons:        newButtonTable(rememberedButtons),
		sleep:          pace.Sleep,
		pollTimeout:    defaultPollTimeout,
		sendTimeout:    defaultSendTimeout,
		handleAttempts: defaultHandleAttempts,
	}
	// No client-wide timeout: long polls and sends set their own through the context.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = maxIdleConns // the outbox and webhook handlers call in parallel
	a.http = &http.Client{Transport: transport}
	api, err := tgbot.New(cfg.Token,
		tgbot.WithServerURL(cfg.APIURL),
		tgbot.WithSkipGetMe(), // no network call at start-up; Setup talks to Telegram
		tgbot.WithHTTPClient(a.pollTimeout, a.http),
		tgbot.WithErrorsHandler(func(err error) { a.log.Warn("telegram client", "err", err) }),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	a.api = api
	return a, nil
}

// Setup registers the webhook (webhook mode) or removes it (polling mode: getUpdates
// fails while one is set), retrying until it succeeds or ctx ends: without it the bot
// receives nothing. Then it registers the command menu in every language, best
// effort: a locale Telegram refuses is logged once and never blocks anything.
func (a *Adapter) Setup(ctx context.Context) error {
	err := pace.Retry(ctx, pace.Backoff{}, a.sleep, a.register, func(err error, wait time.Duration) {
		a.log.Warn("telegram set-up failed; will retry", "after", wait, "err", err)
	})
	if err != nil {
		return nil // ctx ended
	}
	a.setCommands(ctx)
	return nil
}

// register is one try at setWebhook or deleteWebhook.
func (a *Adapter) register(ctx context.Context) error {
	if a.cfg.Mode == modeWebhook {
		_, err := a.api.SetWebhook(ctx, &tgbot.SetWebhookParams{
			URL:            a.publicURL + WebhookPath,
			AllowedUpdates: allowedUpdates(),
			SecretToken:    a.cfg.WebhookSecret,
		})
		if err != nil {
			return fmt.Errorf("telegram: setWebhook: %w", err)
		}
		a.log.Info("webhook registered", "url", a.publicURL+WebhookPath)
		return nil
	}
	if _, err := a.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
		return fmt.Errorf("telegram: deleteWebhook: %w", err)
	}
	return nil
}
