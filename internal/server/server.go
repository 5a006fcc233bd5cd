package server

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server holds the routes.
type Server struct {
	mux      *http.ServeMux
	ready    func(ctx context.Context) error
	registry *prometheus.Registry
	log      *slog.Logger
	draining atomic.Bool
	answered *prometheus.CounterVec // route, code
}

// retryAfter is what a webhook refused while the replica drains tells the provider:
// try again in a moment (another replica, or this one's successor, will take it).
const retryAfter = "5"

// New returns a server whose /readyz asks ready (Redis reachable).
func New(ready func(ctx context.Context) error, log *slog.Logger) *Server {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := &Server{mux: http.NewServeMux(), ready: ready, registry: reg, log: log,
		answered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "guidebot_http_requests_total",
			Help: "Requests to the channels' and the admin routes by route and status code: refused signatures (403), bad input (400), failures the provider retries (5xx), drain (503).",
		}, []string{"route", "code"})}
	reg.MustRegister(s.answered)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return s
}

// Registry is where packages register their metrics.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// Handle mounts a channel adapter's route. While the server drains, the route
// answers 503 with Retry-After, so the provider delivers the message again later
// rather than to a replica that is going away.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		defer func() { s.answered.WithLabelValues(pattern, strconv.Itoa(rec.code)).Inc() }()
		if s.draining.Load() {
			rec.Header().Set("Retry-After", retryAfter)
			http.Error(rec, "shutting down", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(rec, r)
	}))
}

// statusRecorder remembers the status code a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// Drain starts a shutdown: /readyz fails, so a load balancer stops sending here, and
// the channels' webhooks answer 503 so the providers retry; requests already in
// progress finish.
func (s *Server) Drain() { s.draining.Store(true) }

// Handler is the root handler.
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		http.Error(w, "redis unreachable", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}
