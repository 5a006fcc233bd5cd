package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRoutes(t *testing.T) {
	redisDown := errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")
	tests := []struct {
		name     string
		ready    error
		method   string
		path     string
		wantCode int
		wantBody string
	}{
		{"healthz", nil, http.MethodGet, "/healthz", 200, "ok"},
		{"healthz while redis is down", redisDown, http.MethodGet, "/healthz", 200, "ok"},
		{"readyz", nil, http.MethodGet, "/readyz", 200, "ready"},
		{"readyz while redis is down", redisDown, http.MethodGet, "/readyz", 503, "redis unreachable"},
		{"metrics", nil, http.MethodGet, "/metrics", 200, "go_goroutines"},
		{"post to healthz", nil, http.MethodPost, "/healthz", 405, ""},
		{"unknown route", nil, http.MethodGet, "/nope", 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New(func(context.Context) error { return tc.ready }, slog.New(slog.NewTextHandler(io.Discard, nil)))
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.wantCode || !strings.Contains(rec.Body.String(), tc.wantBody) {
				t.Fatalf("%s %s: %d %q, want %d containing %q", tc.method, tc.path, rec.Code, rec.Body.String(), tc.wantCode, tc.wantBody)
			}
		})
	}
}

// TestDrain: once draining, /readyz fails and a channel's route answers 503 with
// Retry-After without calling the adapter; /healthz and /metrics still answer.
func TestDrain(t *testing.T) {
	s := New(func(context.Context) error { return nil }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	calls := 0
	s.Handle("POST /sms/inbound", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { calls++ }))
	do := func(method, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		return rec
	}
	if rec := do(http.MethodPost, "/sms/inbound"); rec.Code != 200 || calls != 1 {
		t.Fatalf("before draining: %d, %d calls", rec.Code, calls)
	}
	s.Drain()
	rec := do(http.MethodPost, "/sms/inbound")
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || calls != 1 {
		t.Fatalf("a webhook while draining: %d, Retry-After %q, %d calls", rec.Code, rec.Header().Get("Retry-After"), calls)
	}
	if rec := do(http.MethodGet, "/readyz"); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz while draining: %d", rec.Code)
	}
	for _, path := range []string{"/healthz", "/metrics"} {
		if rec := do(http.MethodGet, path); rec.Code != 200 {
			t.Fatalf("%s while draining: %d", path, rec.Code)
		}
	}
	// Each answer of a channel's route is counted by its code.
	metrics := do(http.MethodGet, "/metrics").Body.String()
	for _, want := range []string{`guidebot_http_requests_total{code="200",route="POST /sms/inbound"} 1`,
		`guidebot_http_requests_total{code="503",route="POST /sms/inbound"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
