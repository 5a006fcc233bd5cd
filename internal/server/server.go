package server

import (
	"context"
	"log/slog"
	"net/http"
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
}

// New returns a server whose /readyz asks ready (Redis reachable).
func New(ready func(ctx context.Context) error, log *slog.Logger) *Server {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := &Server{mux: http.NewServeMux(), ready: ready, registry: reg, log: log}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return s
}

// Registry is where packages register their metrics.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// Handle mounts a channel adapter's route.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Handler is the root handler.
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		http.Error(w, "redis unreachable", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}
