package handoff

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics count tickets by language and outcome: no participant, guide or text.
type metrics struct {
	tickets *prometheus.CounterVec   // event: opened, claimed, released, closed
	waited  *prometheus.HistogramVec // stage: claim (opened → claimed), close (opened → closed)
}

func newMetrics() *metrics {
	return &metrics{
		tickets: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "guidebot_tickets_total",
			Help: "Handoff tickets opened, claimed, released and closed (closed by outcome), by language.",
		}, []string{"event", "lang", "outcome"}),
		waited: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "guidebot_ticket_seconds",
			Help:    "Time from a handoff request to its claim, and to its close, by language.",
			Buckets: []float64{10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200},
		}, []string{"stage", "lang"}),
	}
}

func (m *metrics) event(event, lang, outcome string) {
	m.tickets.WithLabelValues(event, lang, outcome).Inc()
}

func (m *metrics) since(stage, lang string, opened int64, now time.Time) {
	m.waited.WithLabelValues(stage, lang).Observe(now.Sub(time.Unix(opened, 0)).Seconds())
}

// The programme's figures the handoff adds to (store.Count, store.Observe).
const (
	TicketOpened = "ticket_opened"
	TicketClosed = "ticket_closed" // by outcome
	ClaimSeconds = "claim_seconds"
)
