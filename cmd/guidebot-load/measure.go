package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// defaultClockTicks is USER_HZ on every Linux we run on, used when getconf fails.
const defaultClockTicks = 100

// procStatTimes is how many fields after the command name precede utime in
// /proc/<pid>/stat: utime and stime are fields 14 and 15, the name field 2.
const procStatTimes = 11

// roundtripsMetric is the guidebot counter of Redis round trips.
const roundtripsMetric = "guidebot_redis_roundtrips_total"

// scrapeLimit bounds a /metrics answer; guidebot's is a few tens of kilobytes.
const scrapeLimit = 8 << 20

// latencySummary is a latency distribution in milliseconds.
type latencySummary struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of sorted, or 0 for none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// summarize sorts lat in place and returns its percentiles, nil for no samples.
func summarize(lat []time.Duration) *latencySummary {
	if len(lat) == 0 {
		return nil
	}
	slices.Sort(lat)
	return &latencySummary{
		P50: millis(percentile(lat, 50)),
		P90: millis(percentile(lat, 90)),
		P99: millis(percentile(lat, 99)),
		Max: millis(percentile(lat, 100)),
	}
}

// millis is d in milliseconds, to the microsecond.
func millis(d time.Duration) float64 {
	return math.Round(float64(d.Microseconds())) / 1000
}

// clockTicks is the kernel's USER_HZ, the unit of utime and stime.
func clockTicks(ctx context.Context) int64 {
	out, err := exec.CommandContext(ctx, "getconf", "CLK_TCK").Output()
	if err != nil {
		return defaultClockTicks
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil || n <= 0 {
		return defaultClockTicks
	}
	return n
}

// cpuTicks is utime+stime of process pid ("self" for this one), in clock ticks.
func cpuTicks(pid string) (int64, error) {
	data, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, fmt.Errorf("cpu: %w", err)
	}
	return parseProcStat(data)
}

// parseProcStat reads utime+stime from a /proc/<pid>/stat line. The command name
// is in parentheses and may itself hold spaces and parentheses, so fields are
// counted from the last ')'.
func parseProcStat(data []byte) (int64, error) {
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return 0, errors.New("cpu: malformed stat line")
	}
	fields := strings.Fields(string(data[end+1:]))
	if len(fields) <= procStatTimes+1 {
		return 0, errors.New("cpu: short stat line")
	}
	utime, err := strconv.ParseInt(fields[procStatTimes], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("cpu: utime: %w", err)
	}
	stime, err := strconv.ParseInt(fields[procStatTimes+1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("cpu: stime: %w", err)
	}
	return utime + stime, nil
}

// redisCommands is total_commands_processed from INFO stats, of every master of a
// cluster.
func redisCommands(ctx context.Context, rdb redis.UniversalClient) (int64, error) {
	cluster, ok := rdb.(*redis.ClusterClient)
	if !ok {
		return nodeCommands(ctx, rdb)
	}
	var total atomic.Int64
	err := cluster.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		n, err := nodeCommands(ctx, node)
		total.Add(n)
		return err
	})
	return total.Load(), err
}

func nodeCommands(ctx context.Context, rdb redis.Cmdable) (int64, error) {
	info, err := rdb.Info(ctx, "stats").Result()
	if err != nil {
		return 0, fmt.Errorf("redis info: %w", err)
	}
	v, ok := infoField(info, "total_commands_processed")
	if !ok {
		return 0, errors.New("redis info: no total_commands_processed")
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("redis info: %w", err)
	}
	return n, nil
}

// infoField is the value of key in an INFO answer ("key:value" lines).
func infoField(info, key string) (string, bool) {
	for line := range strings.Lines(info) {
		k, v, ok := strings.Cut(strings.TrimRight(line, "\r\n"), ":")
		if ok && k == key {
			return v, true
		}
	}
	return "", false
}

// scrapeCounter sums metric over its label sets in the Prometheus text exposition
// at url; ok is false when the metric is absent.
func scrapeCounter(ctx context.Context, client *http.Client, url, metric string) (sum float64, ok bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, false, fmt.Errorf("metrics: %w", err)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, false, fmt.Errorf("metrics: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		io.Copy(io.Discard, res.Body)
		return 0, false, fmt.Errorf("metrics: status %d", res.StatusCode)
	}
	sum, ok, err = sumMetric(io.LimitReader(res.Body, scrapeLimit), metric)
	if err != nil {
		return 0, false, fmt.Errorf("metrics: %w", err)
	}
	return sum, ok, nil
}

// sumMetric adds up the samples of metric in a Prometheus text exposition.
func sumMetric(r io.Reader, metric string) (sum float64, ok bool, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, found := strings.CutPrefix(line, metric)
		if !found || rest == "" || (rest[0] != '{' && rest[0] != ' ') {
			continue // a comment, another metric, or one whose name only starts alike
		}
		if rest[0] == '{' {
			end := strings.LastIndexByte(rest, '}')
			if end < 0 {
				continue
			}
			rest = rest[end+1:]
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		sum += v
		ok = true
	}
	return sum, ok, sc.Err()
}

// snapshot is the counters read at one edge of the measured window.
type snapshot struct {
	at         time.Time
	cpu        int64 // guidebot's utime+stime in ticks; -1 unknown
	self       int64 // this tool's
	redisCmds  int64 // -1 unknown
	roundtrips float64
	hasRT      bool
}

// meter reads the counters a snapshot holds.
type meter struct {
	pid        int                   // guidebot's process; 0 unknown
	rdb        redis.UniversalClient // nil without REDIS_URL
	metricsURL string
	client     *http.Client
	ticks      int64
}

// read takes a snapshot; a counter that cannot be read is marked unknown.
func (m *meter) read(ctx context.Context) snapshot {
	s := snapshot{at: time.Now(), cpu: -1, self: -1, redisCmds: -1}
	if m.pid > 0 {
		if n, err := cpuTicks(strconv.Itoa(m.pid)); err == nil {
			s.cpu = n
		}
	}
	if n, err := cpuTicks("self"); err == nil {
		s.self = n
	}
	if m.rdb != nil {
		if n, err := redisCommands(ctx, m.rdb); err == nil {
			s.redisCmds = n
		}
	}
	if v, ok, err := scrapeCounter(ctx, m.client, m.metricsURL, roundtripsMetric); err == nil && ok {
		s.roundtrips, s.hasRT = v, true
	}
	return s
}

// perUpdate is delta/updates rounded to three decimals, or nil when unknown.
func perUpdate(delta float64, known bool, updates int64) *float64 {
	if !known || updates == 0 {
		return nil
	}
	v := math.Round(delta/float64(updates)*1000) / 1000
	return &v
}
