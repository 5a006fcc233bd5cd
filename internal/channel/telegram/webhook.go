package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// maxUpdateBytes bounds a webhook body; a real update is a few kilobytes.
const maxUpdateBytes = 1 << 20

// secretHeader carries the secret_token given to setWebhook on every update.
const secretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Webhook returns the handler for POST /telegram/webhook. It answers 200 once the
// update is handled (or is one we ignore or saw before) and 500 when it was not, so
// Telegram delivers it again.
func (a *Adapter) Webhook() http.Handler {
	return http.HandlerFunc(a.serveWebhook)
}

func (a *Adapter) serveWebhook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !a.validSecret(r.Header.Get(secretHeader)) {
		a.log.Warn("webhook: wrong or missing secret token", "remote", r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUpdateBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "update too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	var u wireUpdate
	if err := json.Unmarshal(body, &u); err != nil {
		a.log.Warn("webhook: malformed update", "err", err)
		http.Error(w, "malformed update", http.StatusBadRequest)
		return
	}
	var callbackID string
	answer := func(_ context.Context, id string) { callbackID = id }
	if err := a.process(r.Context(), &u, answer); err != nil {
		a.log.Warn("webhook: update not handled; Telegram will retry", "update_id", u.ID, "err", err)
		if callbackID != "" {
			// Telegram reads no method from an error answer: stop the spinner by a call.
			a.answerCallback(r.Context(), callbackID)
		}
		http.Error(w, "not handled", http.StatusInternalServerError)
		return
	}
	if callbackID == "" {
		w.WriteHeader(http.StatusOK)
		return
	}
	// A button press is acknowledged in the response itself, as the Bot API allows
	// ("making requests when getting updates"): no call of its own, no result to
	// wait for, which an acknowledgement never needed.
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(answerCallbackParams{Method: "answerCallbackQuery", CallbackQueryID: callbackID})
}

// validSecret compares in constant time, so the secret cannot be guessed by timing.
// No secret configured means no update is trusted.
func (a *Adapter) validSecret(got string) bool {
	want := a.cfg.WebhookSecret
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
