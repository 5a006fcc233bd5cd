package bot

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/store"
)

// floodNotice is the message id of the one notice a participant over the inbound
// limit gets in a window.
const floodNotice = "flood.notice"

// Option configures a Bot.
type Option func(*Bot)

// InboundLimit caps what one participant may send in the store's inbound window
// (store.Options.InboundWindow): past limit, the first message over gets one polite
// notice in the participant's language and the rest are dropped unhandled until the
// window passes, so a flood from one number costs one Redis round trip a message and
// never reaches the flows or the providers. 0: no limit.
func InboundLimit(limit int, defaultLang string) Option {
	return func(b *Bot) { b.limit, b.defaultLang = int64(limit), defaultLang }
}

// limitedCounter counts the messages dropped by the inbound limit, by channel.
func limitedCounter() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "guidebot_inbound_limited_total",
		Help: "Inbound messages dropped because their sender went over the per-sender limit (INBOUND_LIMIT a minute), by channel.",
	}, []string{"channel"})
}

// Collectors are the bot's metrics, for the service's registry.
func (b *Bot) Collectors() []prometheus.Collector {
	return []prometheus.Collector{b.limited, b.handled}
}

// CountMessages counts each handled message on messages (guidebot_messages_total,
// direction "in"), labelled with its channel and the participant's language.
func CountMessages(messages *prometheus.CounterVec) Option {
	return func(b *Bot) { b.messages = messages }
}

// handledHistogram times Handle from the webhook's call to the commit, by channel.
func handledHistogram() *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "guidebot_handle_seconds",
		Help:    "Handling one inbound message: load, flow step, effects and the commit that queues the reply, by channel.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"channel"})
}

// overLimit reports whether rec's message is over the participant's inbound limit,
// and queues the window's one notice when this is the first message over.
func (b *Bot) overLimit(ctx context.Context, id string, in message.Inbound, rec store.Record) (bool, error) {
	if b.limit <= 0 || rec.Recent <= b.limit {
		return false, nil
	}
	b.limited.WithLabelValues(in.Channel).Inc()
	if rec.Recent != b.limit+1 || !rec.NewInWindow || rec.Suppressed != "" {
		return true, nil
	}
	lang := rec.State.Lang
	if lang == "" {
		lang = b.defaultLang
	}
	b.log.Info("inbound limit reached; one notice, then silence for the window", "channel", in.Channel, "limit", b.limit, "req", in.MsgID)
	out := message.Outbound{To: in.Address, Participant: id, Req: in.MsgID,
		Reply: flow.Reply{Lang: lang, Texts: []flow.Message{{ID: floodNotice}}}}
	if err := b.store.Enqueue(ctx, in.Channel, out); err != nil {
		return true, fmt.Errorf("bot: flood notice: %w", err)
	}
	return true, nil
}
