package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

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
func (a *Adapter) handleWithRetry(ctx context.Context, u *wireUpdate) bool {
	for attempt := 0; ; attempt++ {
		err := a.process(ctx, u, a.answerCallback)
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
	// pollGrace is how much longer than its long-poll timeout a getUpdates call may
	// take before it is given up.
	pollGrace = 15 * time.Second
)

// getUpdates long-polls for updates from offset on.
func (a *Adapter) getUpdates(ctx context.Context, offset int64) ([]wireUpdate, error) {
	params := map[string]any{
		"offset":          offset,
		"timeout":         int(a.pollTimeout / time.Second),
		"allowed_updates": allowedUpdates(),
	}
	ctx, cancel := context.WithTimeout(ctx, a.pollTimeout+pollGrace)
	defer cancel()
	var raws []json.RawMessage
	if err := a.call(ctx, "getUpdates", params, &raws); err != nil {
		return nil, err
	}
	updates := make([]wireUpdate, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &updates[i]); err != nil {
			// One update that cannot be read must not block the rest: keep its id,
			// so the offset moves past it, and nothing else.
			var id struct {
				ID int64 `json:"update_id"`
			}
			_ = json.Unmarshal(raw, &id)
			a.log.Warn("unreadable update skipped", "update_id", id.ID, "err", err)
			updates[i] = wireUpdate{ID: id.ID}
		}
	}
	return updates, nil
}
