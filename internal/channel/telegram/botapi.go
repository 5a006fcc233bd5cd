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
)

// maxAnswer bounds a Bot API answer read into memory; getUpdates' are the largest.
const maxAnswer = 64 << 20

// apiError is a Bot API answer with ok=false, or a response that was not one.
type apiError struct {
	Status      int // HTTP status
	Code        int // error_code
	Description string
	RetryAfter  int   // parameters.retry_after, seconds
	MigrateTo   int64 // parameters.migrate_to_chat_id
}

func (e *apiError) Error() string { return fmt.Sprintf("bot api: %d %s", e.Code, e.Description) }

// call posts params as JSON to a Bot API method and decodes an ok answer's result
// into result (nil: not read). The outbox's calls go this way rather than through
// go-telegram/bot, whose multipart bodies streamed through a pipe cost a write
// system call per field: one buffered JSON body is one write.
func (a *Adapter) call(ctx context.Context, method string, params, result any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.APIURL+"/bot"+a.cfg.Token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %s", method, redact(err, a.cfg.Token))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", method, withoutURL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("%s: read: %w", method, err)
	}
	var answer struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		ErrorCode   int             `json:"error_code"`
		Description string          `json:"description"`
		Parameters  struct {
			RetryAfter int   `json:"retry_after"`
			MigrateTo  int64 `json:"migrate_to_chat_id"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(data, &answer); err != nil {
		// Not the Bot API talking: a proxy's error page, say.
		return &apiError{Status: resp.StatusCode, Code: resp.StatusCode, Description: "unreadable answer: " + http.StatusText(resp.StatusCode)}
	}
	if !answer.OK {
		return &apiError{Status: resp.StatusCode, Code: answer.ErrorCode, Description: answer.Description,
			RetryAfter: answer.Parameters.RetryAfter, MigrateTo: answer.Parameters.MigrateTo}
	}
	if result != nil {
		if err := json.Unmarshal(answer.Result, result); err != nil {
			return fmt.Errorf("%s: result: %w", method, err)
		}
	}
	return nil
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
