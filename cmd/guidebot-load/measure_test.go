package main

import (
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one", ms(7), 50, 7 * time.Millisecond},
		{"one max", ms(7), 100, 7 * time.Millisecond},
		{"median of four is the second", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p50 of 100", hundred, 50, 50 * time.Millisecond},
		{"p90 of 100", hundred, 90, 90 * time.Millisecond},
		{"p99 of 100", hundred, 99, 99 * time.Millisecond},
		{"max of 100", hundred, 100, 100 * time.Millisecond},
		{"tiny p is the minimum", hundred, 0.001, time.Millisecond},
		{"p99 of ten is the max", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(p%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	if s := summarize(nil); s != nil {
		t.Errorf("summarize(nil) = %+v, want nil", s)
	}
	lat := []time.Duration{3 * time.Millisecond, 1500 * time.Microsecond, 10 * time.Millisecond, time.Millisecond}
	s := summarize(lat)
	want := latencySummary{P50: 1.5, P90: 10, P99: 10, Max: 10}
	if *s != want {
		t.Errorf("summarize = %+v, want %+v", *s, want)
	}
}

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		want    int64
		wantErr bool
	}{
		{
			name: "plain",
			line: "4242 (guidebot) S 1 4242 4242 0 -1 4194560 2000 0 0 0 150 25 0 0 20 0 9 0 100 0 0",
			want: 175,
		},
		{
			name: "name with spaces and parentheses",
			line: "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 1 0 0",
			want: 7,
		},
		{name: "no name", line: "7 S 1", wantErr: true},
		{name: "short", line: "7 (x) S 1 2 3", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProcStat([]byte(tt.line))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseProcStat = %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
	if _, err := cpuTicks("self"); err != nil {
		t.Errorf("cpuTicks(self): %v", err)
	}
}

func TestSumMetric(t *testing.T) {
	const exposition = `# HELP guidebot_redis_roundtrips_total Redis round trips.
# TYPE guidebot_redis_roundtrips_total counter
guidebot_redis_roundtrips_total{op="load"} 120
guidebot_redis_roundtrips_total{op="commit",shard="a}b"} 80.5
guidebot_redis_roundtrips_total_created 1.7e9
guidebot_redis_roundtrips_totalx 5
go_goroutines 12
`
	tests := []struct {
		name, text, metric string
		want               float64
		ok                 bool
	}{
		{"labelled", exposition, roundtripsMetric, 200.5, true},
		{"unlabelled", "guidebot_redis_roundtrips_total 7\n", roundtripsMetric, 7, true},
		{"absent", "go_goroutines 12\n", roundtripsMetric, 0, false},
		{"with timestamp", "guidebot_redis_roundtrips_total 3 1700000000000\n", roundtripsMetric, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := sumMetric(strings.NewReader(tt.text), tt.metric)
			if err != nil || ok != tt.ok || got != tt.want {
				t.Errorf("sumMetric = %v, %v, %v; want %v, %v", got, ok, err, tt.want, tt.ok)
			}
		})
	}
}

func TestInfoField(t *testing.T) {
	info := "# Stats\r\ntotal_connections_received:5\r\ntotal_commands_processed:12345\r\ninstantaneous_ops_per_sec:3\r\n"
	tests := []struct {
		key, want string
		ok        bool
	}{
		{"total_commands_processed", "12345", true},
		{"instantaneous_ops_per_sec", "3", true},
		{"total_commands", "", false},
	}
	for _, tt := range tests {
		if got, ok := infoField(info, tt.key); got != tt.want || ok != tt.ok {
			t.Errorf("infoField(%s) = %q, %v; want %q, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}
}
