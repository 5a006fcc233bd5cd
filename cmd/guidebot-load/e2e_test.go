package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// e2eTimeout bounds the whole end-to-end test, build included.
const e2eTimeout = 60 * time.Second

// TestEndToEnd runs the tool for a short run on each channel against a real build
// of guidebot (GUIDEBOT_LOAD_BIN names a prebuilt binary instead). guidebot gets
// its embedded Redis, so the run touches no shared database. Fifty participants
// keep a binary that caps SMS at one a second per number from stretching the run.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs guidebot")
	}
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	bin := os.Getenv("GUIDEBOT_LOAD_BIN")
	if bin == "" {
		var err error
		if bin, err = buildGuidebot(ctx, t.TempDir()); err != nil {
			t.Fatal(err)
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REDIS_URL=") {
			env = append(env, kv)
		}
	}
	tests := []struct {
		name string
		args []string
	}{
		{"telegram", []string{"-channel", "telegram"}},
		{"sms", []string{"-channel", "sms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const updates = 200
			args := append([]string{"-bin", bin, "-participants", "50", "-c", "8", "-updates", "200", "-warmup", "0"}, tt.args...)
			var stderr bytes.Buffer
			cfg, err := parseFlags(args, &stderr)
			if err != nil {
				t.Fatal(err)
			}
			cfg.environ = env
			var stdout bytes.Buffer
			if err := run(ctx, cfg, &stdout, &stderr); err != nil {
				t.Fatalf("run: %v\n%s", err, stderr.String())
			}
			if n := strings.Count(stdout.String(), "\n"); n != 1 {
				t.Fatalf("stdout has %d lines, want one JSON line:\n%s", n, stdout.String())
			}
			var res result
			if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
				t.Fatalf("%v: %s", err, stdout.String())
			}
			t.Log(strings.TrimSpace(stdout.String()))
			switch {
			case res.Updates != updates:
				t.Errorf("updates = %d, want %d", res.Updates, updates)
			case res.Errors != 0 || res.NoReply != 0 || res.UnexpectedReplies != 0 || res.Duplicates != 0:
				t.Errorf("errors %d, no_reply %d, unexpected %d, duplicates %d; want none\n%s",
					res.Errors, res.NoReply, res.UnexpectedReplies, res.Duplicates, stderr.String())
			case res.RepliesPerUpdate < 1:
				t.Errorf("replies_per_update = %v, want at least 1", res.RepliesPerUpdate)
			case res.Latency == nil || res.Latency.P50 <= 0 || res.Latency.Max < res.Latency.P99:
				t.Errorf("latency_ms = %+v", res.Latency)
			case res.CPUMsPerUpdate == nil:
				t.Error("cpu_ms_per_update is null for a guidebot the tool started")
			case res.RedisCommandsPerUpdate != nil:
				t.Errorf("redis_commands_per_update = %v without REDIS_URL", *res.RedisCommandsPerUpdate)
			}
		})
	}
}
