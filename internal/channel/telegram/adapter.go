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

	"github.com/guidebot/guidebot/internal/bot"
	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/config"
)

// Handler is the bot; *bot.Bot is one.
type Handler interface {
	Handle(ctx context.Context, in channel.Inbound) (bot.Result, error)
}

// Suppressor records and reports participants not to be sent anything; *store.Store is one.
type Suppressor interface {
	Suppress(ctx context.Context, id, reason string) error
	Suppressed(ctx context.Context, id string) (string, error)
	Unsuppress(ctx context.Context, id string) error
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

// allowedUpdates are the update types the bot acts on; asking for only these keeps
// Telegram from sending (and us from parsing) the rest.
func allowedUpdates() []string { return []string{"message", "callback_query"} }

// Adapter connects the bot to the Telegram Bot API.
type Adapter struct {
	cfg       config.Telegram
	publicURL string
	h         Handler
	sup       Suppressor
	texts     Texts
	now       func() time.Time
	log       *slog.Logger

	api     *tgbot.Bot
	http    *http.Client
	limit   *limiter
	buttons *buttonTable

	// sleep waits for the rate limiter and between retries; tests replace it with a
	// fake that advances their clock.
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
func New(cfg config.Telegram, publicURL string, h Handler, sup Suppressor, texts Texts, now func() time.Time, log *slog.Logger) (*Adapter, error) {
	switch {
	case cfg.Token == "":
		return nil, errors.New("telegram: TELEGRAM_BOT_TOKEN is empty")
	case h == nil || sup == nil || texts == nil:
		return nil, errors.New("telegram: handler, suppressor and texts are required")
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
		sup:            sup,
		texts:          texts,
		now:            now,
		log:            log.With("channel", channel.Telegram),
		limit:          newLimiter(cfg.Rate, cfg.ChatRate, now),
		buttons:        newButtonTable(4096),
		sleep:          sleepCtx,
		pollTimeout:    50 * time.Second,
		sendTimeout:    30 * time.Second,
		handleAttempts: 20,
	}
	// No client-wide timeout: long polls and sends set their own through the context.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 16 // webhook handlers answer callbacks in parallel
	a.http = &http.Client{Transport: transport}
	api, err := tgbot.New(cfg.Token,
		tgbot.WithServerURL(cfg.APIURL),
		tgbot.WithSkipGetMe(), // no network call at start-up; Setup talks to Telegram
		tgbot.WithHTTPClient(a.pollTimeout, statusClient{a.http}),
		tgbot.WithErrorsHandler(func(err error) { a.log.Warn("telegram client", "err", err) }),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	a.api = api
	return a, nil
}

// Setup registers the slash commands in every language and either the webhook
// (webhook mode) or its removal (polling mode: getUpdates fails while one is set).
func (a *Adapter) Setup(ctx context.Context) error {
	if err := a.setCommands(ctx); err != nil {
		return err
	}
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

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// statusKey is the context key under which a call leaves room for its HTTP status.
type statusKey struct{}

// statusClient notes the HTTP status of each Bot API response in the request's
// context. The library reports 429, 400, 403 as typed errors but folds 5xx into a
// plain string; the status tells a server error (retry) from the rest.
type statusClient struct{ c *http.Client }

func (s statusClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := s.c.Do(req)
	if slot, ok := req.Context().Value(statusKey{}).(*int); ok && resp != nil {
		*slot = resp.StatusCode
	}
	return resp, err
}

// withStatus returns a context that records the status of the call made with it.
func withStatus(ctx context.Context) (context.Context, *int) {
	slot := new(int)
	return context.WithValue(ctx, statusKey{}, slot), slot
}
