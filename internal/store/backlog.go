package store

import (
	"cmp"
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// scrapeTimeout bounds the Redis calls one scrape of the backlog makes.
const scrapeTimeout = 2 * time.Second

// backlogScan is the most unread entries a scrape counts.
const backlogScan = 10000

// Backlog is what waits in a channel's outbox: entries no sender has read yet and
// entries read and not yet acknowledged, and the age of the oldest of them.
type Backlog struct {
	Waiting int64
	Oldest  time.Duration
}

// OutboxBacklog measures a channel's outbox now, every shard of it.
func (s *Store) OutboxBacklog(ctx context.Context, channel string) (Backlog, error) {
	var b Backlog
	for shard := range s.opt.Shards {
		sb, err := s.shardBacklog(ctx, s.keys.stream(shard, Outbox(channel)))
		if err != nil {
			return Backlog{}, err
		}
		b.Waiting += sb.Waiting
		b.Oldest = max(b.Oldest, sb.Oldest)
	}
	return b, nil
}

func (s *Store) shardBacklog(ctx context.Context, stream string) (Backlog, error) {
	groups, err := s.rdb.XInfoGroups(ctx, stream).Result()
	if err != nil && !isNoStream(err) {
		return Backlog{}, err
	}
	var b Backlog
	var oldest string
	for _, g := range groups {
		if g.Name != group {
			continue
		}
		b.Waiting = g.Pending
		if g.Pending > 0 {
			p, err := s.rdb.XPending(ctx, stream, group).Result()
			if err != nil {
				return Backlog{}, err
			}
			oldest = p.Lower
		}
		// The entries after the last one handed out are unread, the first the
		// oldest. Counted rather than taken from the group's lag, which Redis
		// cannot always tell (and the embedded server tells differently); past
		// backlogScan the gauge stays there, far past any alert.
		unread, err := s.rdb.XRangeN(ctx, stream, "("+g.LastDeliveredID, "+", backlogScan).Result()
		if err != nil {
			return Backlog{}, err
		}
		b.Waiting += int64(len(unread))
		if len(unread) > 0 && (oldest == "" || idLess(unread[0].ID, oldest)) {
			oldest = unread[0].ID
		}
	}
	if at, ok := EntryTime(oldest); ok {
		b.Oldest = max(s.now().Sub(at), 0)
	}
	return b, nil
}

func isNoStream(err error) bool {
	return errors.Is(err, redis.Nil) || strings.Contains(err.Error(), "no such key")
}

// EntryTime is when a stream entry (or an outbox Entry) was added: its id's
// milliseconds.
func EntryTime(id string) (time.Time, bool) {
	if _, streamID, err := splitEntryID(id); err == nil {
		id = streamID
	}
	ms, _, ok := strings.Cut(id, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(n), true
}

func idLess(a, b string) bool { return compareIDs(a, b) < 0 }

// compareIDs orders stream ids: by milliseconds, then by sequence.
func compareIDs(a, b string) int {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	an, _ := strconv.ParseInt(am, 10, 64)
	bn, _ := strconv.ParseInt(bm, 10, 64)
	if c := cmp.Compare(an, bn); c != 0 {
		return c
	}
	ai, _ := strconv.ParseInt(as, 10, 64)
	bi, _ := strconv.ParseInt(bs, 10, 64)
	return cmp.Compare(ai, bi)
}

// backlogCollector reads each channel's outbox backlog, and the reminders and
// follow-ups scheduled, when Prometheus scrapes.
type backlogCollector struct {
	s         *Store
	channels  []string
	waiting   *prometheus.Desc
	oldest    *prometheus.Desc
	scheduled *prometheus.Desc
}

// BacklogCollector is guidebot_outbox_waiting and guidebot_outbox_oldest_seconds per
// channel, and guidebot_scheduled{kind} (reminders and follow-up ticks not yet
// due), read from Redis at each scrape (a few commands a channel and shard): what
// every replica's senders have still to deliver, how long the oldest has waited,
// and what is yet to come.
func (s *Store) BacklogCollector(channels []string) prometheus.Collector {
	return &backlogCollector{s: s, channels: channels,
		waiting: prometheus.NewDesc("guidebot_outbox_waiting",
			"Outbox entries not yet delivered, unread or at a sender, across all replicas.", []string{"channel"}, nil),
		oldest: prometheus.NewDesc("guidebot_outbox_oldest_seconds",
			"Age of the oldest outbox entry not yet delivered (0: none).", []string{"channel"}, nil),
		scheduled: prometheus.NewDesc("guidebot_scheduled",
			"Reminders (kind=reminder) and follow-up ticks (kind=tick) scheduled and not yet due or delivered.", []string{"kind"}, nil),
	}
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.waiting
	ch <- c.oldest
	ch <- c.scheduled
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	for _, channel := range c.channels {
		b, err := c.s.OutboxBacklog(ctx, channel)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(c.waiting, err)
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.waiting, prometheus.GaugeValue, float64(b.Waiting), channel)
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, b.Oldest.Seconds(), channel)
	}
	for kind, count := range map[string]func(context.Context) (int64, error){
		"reminder": c.s.PendingReminders, "tick": c.s.PendingTicks} {
		n, err := count(ctx)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(c.scheduled, err)
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.scheduled, prometheus.GaugeValue, float64(n), kind)
	}
}
