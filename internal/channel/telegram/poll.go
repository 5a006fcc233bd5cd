package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/guidebot/guidebot/internal/pace"
)

// Poll fetches updates with getUpdates until ctx ends. An update is confirmed (the
// offset moves past it) only after the bot handled it: a failed Handle is retried
// with backoff first, so a Redis hiccup loses nothing.
//
// The library's own polling loop confirms updates before they are handled, so Poll
// makes the getUpdates call itself.
func (a *Adapter) Poll(ctx context.Context) error {
	var offset int64
	failures := 0
	for ctx.Err() == nil {
		updates, err := a.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			var apiErr *apiError
			if errors.As(err, &apiErr) && apiErr.Code == http.StatusUnauthorized {
				return fmt.Errorf("telegram: getUpdates: %w (check TELEGRAM_BOT_TOKEN)", err)
			}
			wait := pollBackoff().Delay(failures)
			failures++
			if errors.As(err, &apiErr) && time.Duration(apiErr.RetryAfter)*time.Second > wait {
				wait = time.Duration(apiErr.RetryAfter) * time.Second
			}
			a.log.Warn("getUpdates failed; will retry", "after", wait, "err", err)
			if a.sleep(ctx, wait) != nil {
				break
			}
			continue
		}
		failures = 0
		for i := range updates {
			if !a.handleWithRetry(ctx, &updates[i]) {
				return nil // ctx ended; the update is offered again on the next start
			}
			if next := updates[i].ID + 1; next > offset {
				offset = next
			}
		}
	}
	return nil
}

// handleWithRetry processes one update until it succeeds, ctx ends (false) or the
// attempts run out; then it is logged and skipped so the rest keep flowing.
func (a *Adapter) handleWithRetry(ctx context.Context, u *models.Update) bool {
	for attempt := 0; ; attempt++ {
		err := a.process(ctx, u)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if attempt+1 >= a.handleAttempts {
			a.log.Error("update dropped after repeated failures", "update_id", u.ID, "attempts", attempt+1, "err", err)
			return true
		}
		wait := pollBackoff().Delay(attempt)
		a.log.Warn("update not handled; will retry", "update_id", u.ID, "after", wait, "err", err)
		if a.sleep(ctx, wait) != nil {
			return false
		}
	}
}

// pollBackoff spaces retries of getUpdates and of an update's handling: 500 ms
// doubling to a minute, shorter than the service's default because every update
// waits behind them.
func pollBackoff() pace.Backoff {
	return pace.Backoff{Base: pollRetryBase, Max: pollRetryMax}
}

const (
	pollRetryBase = 500 * time.Millisecond
	pollRetryMax  = time.Minute
)

// apiError is a Bot API answer with ok=false.
type apiError struct {
	Code        int
	Description string
	RetryAfter  int
}

func (e *apiError) Error() string { return fmt.Sprintf("bot api: %d %s", e.Code, e.Description) }

// getUpdates long-polls for updates from offset on.
func (a *Adapter) getUpdates(ctx context.Context, offset int64) ([]models.Update, error) {
	params, err := json.Marshal(map[string]any{
		"offset":          offset,
		"timeout":         int(a.pollTimeout / time.Second),
		"allowed_updates": allowedUpdates(),
	})
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, a.pollTimeout+15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.APIURL+"/bot"+a.cfg.Token+"/getUpdates", bytes.NewReader(params))
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %s", redact(err, a.cfg.Token))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %w", withoutURL(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("getUpdates: read: %w", err)
	}
	var r struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		ErrorCode   int               `json:"error_code"`
		Description string            `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("getUpdates: HTTP %d: %w", resp.StatusCode, err)
	}
	if !r.OK {
		return nil, &apiError{Code: r.ErrorCode, Description: r.Description, RetryAfter: r.Parameters.RetryAfter}
	}
	updates := make([]models.Update, len(r.Result))
	for i, raw := range r.Result {
		if err := json.Unmarshal(raw, &updates[i]); err != nil {
			// One update the library cannot read must not block the rest: keep its
			// id, so the offset moves past it, and nothing else.
			var id struct {
				ID int64 `json:"update_id"`
			}
			_ = json.Unmarshal(raw, &id)
			a.log.Warn("unreadable update skipped", "update_id", id.ID, "err", err)
			updates[i] = models.Update{ID: id.ID}
		}
	}
	return updates, nil
}

// withoutURL drops the request URL, which holds the bot token, from a client error.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// redact replaces the token in an error's text.
func redact(err error, token string) string {
	return string(bytes.ReplaceAll([]byte(err.Error()), []byte(token), []byte("***")))
}
