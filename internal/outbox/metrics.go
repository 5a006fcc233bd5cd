package outbox

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the outbox's Prometheus series, labelled by channel.
type Metrics struct {
	outcomes  *prometheus.CounterVec   // channel, outcome
	latency   *prometheus.HistogramVec // channel
	unacked   *prometheus.GaugeVec     // channel
	ackFailed *prometheus.CounterVec   // channel
	reclaimed *prometheus.CounterVec   // channel
	lost      *prometheus.CounterVec   // channel
	queued    *prometheus.GaugeVec     // channel
	messages  *prometheus.CounterVec   // channel, direction, lang
}

// NewMessagesCounter is guidebot_messages_total, unregistered: the service builds it
// before its registry, for the bot to count what comes in; NewMetrics on a registry
// that holds it shares it.
func NewMessagesCounter() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "guidebot_messages_total",
		Help: "Messages by channel, direction (in: handled; out: accepted by the provider) and the participant's language.",
	}, []string{"channel", "direction", "lang"})
}

// NewMetrics creates the series and registers them with reg (nil: not registered).
// A second call on the same registry shares the first one's series.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "guidebot_outbox_sends_total",
			Help: "Outbox send attempts by outcome: sent, dropped, retried, unreachable, suppressed, capped (the recipient's daily cost cap).",
		}, []string{"channel", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "guidebot_outbox_delivery_seconds",
			Help:    "From a message's entry in the outbox to the provider accepting it.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"channel"}),
		unacked: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "guidebot_outbox_unacked",
			Help: "Messages the provider accepted whose acknowledgement has not reached Redis yet: what a crash now would send twice.",
		}, []string{"channel"}),
		ackFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "guidebot_outbox_ack_failures_total",
			Help: "Acknowledgements of sent messages that failed to reach Redis (kept and tried again).",
		}, []string{"channel"}),
		reclaimed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "guidebot_outbox_reclaimed_total",
			Help: "Messages taken over from a replica whose lease ran out.",
		}, []string{"channel"}),
		lost: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "guidebot_outbox_lease_lost_total",
			Help: "Messages this replica held whose lease another replica took over (it was too slow to renew).",
		}, []string{"channel"}),
		queued: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "guidebot_outbox_queued",
			Help: "Messages this replica holds, waiting or at the provider.",
		}, []string{"channel"}),
		messages: NewMessagesCounter(),
	}
	var err error
	if m.messages, err = Register(reg, m.messages); err != nil {
		return nil, err
	}
	if m.outcomes, err = Register(reg, m.outcomes); err != nil {
		return nil, err
	}
	if m.latency, err = Register(reg, m.latency); err != nil {
		return nil, err
	}
	if m.unacked, err = Register(reg, m.unacked); err != nil {
		return nil, err
	}
	if m.ackFailed, err = Register(reg, m.ackFailed); err != nil {
		return nil, err
	}
	if m.reclaimed, err = Register(reg, m.reclaimed); err != nil {
		return nil, err
	}
	if m.lost, err = Register(reg, m.lost); err != nil {
		return nil, err
	}
	if m.queued, err = Register(reg, m.queued); err != nil {
		return nil, err
	}
	return m, nil
}

// Register adds c to reg (nil: nowhere), or returns the collector already
// registered under its name: a second dispatcher or channel adapter in the same
// process (tests, a restart in-process) shares the series.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if reg == nil {
		return c, nil
	}
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, fmt.Errorf("register metrics: %w", err)
}

// Unacked is the gauge of channel's sends the provider accepted whose acknowledgement
// has not reached Redis.
func (m *Metrics) Unacked(channel string) prometheus.Gauge { return m.unacked.WithLabelValues(channel) }
