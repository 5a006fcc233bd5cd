package main

import (
	"math"
	"time"
)

// result is the one JSON line the tool prints. Counts are of measured updates
// (started after the warm-up); a provider call counts with its participant's
// latest update.
type result struct {
	Mode    string `json:"mode"`
	Channel string `json:"channel"`
	// Lift is -lift, for a guidebot this tool started (absent with -target).
	Lift         *bool `json:"lift,omitempty"`
	Participants int   `json:"participants"`
	// InFlight is -c (saturate), -rate (rate) or -normal (flood).
	InFlight    int     `json:"in_flight"`
	DurationS   float64 `json:"duration_s"`
	Updates     int64   `json:"updates"`
	UpdatesPerS float64 `json:"updates_per_s"`
	// Latency runs from the start of the webhook post to the reply's arrival at the
	// fake provider; null when no update got a reply.
	Latency *latencySummary `json:"latency_ms"`
	// RepliesPerUpdate counts successful provider calls, duplicates included.
	RepliesPerUpdate  float64 `json:"replies_per_update"`
	Errors            int64   `json:"errors"`
	NoReply           int64   `json:"no_reply"`
	LateReplies       int64   `json:"late_replies"`
	Lost              int64   `json:"lost"`
	UnexpectedReplies int64   `json:"unexpected_replies"`
	Duplicates        int64   `json:"duplicates"`
	Delivered         int64   `json:"delivered"`
	Skipped           *int64  `json:"skipped,omitempty"`
	StraySends        int64   `json:"stray_sends,omitempty"`

	CPUMsPerUpdate           *float64 `json:"cpu_ms_per_update"`
	ToolCPUMsPerUpdate       *float64 `json:"tool_cpu_ms_per_update"`
	RedisCommandsPerUpdate   *float64 `json:"redis_commands_per_update"`
	RedisRoundtripsPerUpdate *float64 `json:"redis_roundtrips_per_update"`

	Normal  *groupStats  `json:"normal,omitempty"`
	Flooder *groupStats  `json:"flooder,omitempty"`
	Faults  *faultCounts `json:"faults,omitempty"`
}

// groupStats are the updates and latency (ms, null without replies) of one group
// of participants in flood mode.
type groupStats struct {
	Channel string   `json:"channel,omitempty"`
	Updates int64    `json:"updates"`
	Replied int64    `json:"replied"`
	Errors  int64    `json:"errors"`
	NoReply int64    `json:"no_reply"`
	P50     *float64 `json:"p50"`
	P99     *float64 `json:"p99"`
	Max     *float64 `json:"max"`
}

// faultCounts are the faults injected into sends of measured updates.
type faultCounts struct {
	Fail    int64 `json:"fail"`
	Hang    int64 `json:"hang"`
	TooMany int64 `json:"too_many"`
}

func (g *groupStats) setLatency(lat []time.Duration) {
	g.Replied = int64(len(lat))
	if l := summarize(lat); l != nil {
		g.P50, g.P99, g.Max = &l.P50, &l.P99, &l.Max
	}
}

// round3 rounds to three decimals, enough for rates and ratios.
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// result assembles the JSON line from the counters and the window's two snapshots.
func (r *loadRun) result(s0, s1 snapshot, ticks int64) *result {
	st := &r.st
	st.mu.Lock()
	normal := append([]time.Duration(nil), st.normal...)
	flood := append([]time.Duration(nil), st.flood...)
	st.mu.Unlock()

	window := s1.at.Sub(s0.at)
	updates := st.updates.Load() + st.floodSent.Load()
	res := &result{
		Mode:              r.cfg.mode,
		Channel:           r.cfg.channel,
		Participants:      r.cfg.participants,
		InFlight:          r.cfg.c,
		DurationS:         round3(window.Seconds()),
		Updates:           updates,
		Latency:           summarize(append(append([]time.Duration(nil), normal...), flood...)),
		Errors:            st.errors.Load() + st.floodErrs.Load(),
		NoReply:           st.noReply.Load(),
		LateReplies:       st.late.Load(),
		UnexpectedReplies: st.unexpected.Load(),
		Duplicates:        st.duplicates.Load(),
		Delivered:         st.delivered.Load(),
		StraySends:        st.stray.Load(),
	}
	if r.cfg.target == "" {
		res.Lift = &r.cfg.lift
	}
	if window > 0 {
		res.UpdatesPerS = round3(float64(updates) / window.Seconds())
	}
	if updates > 0 {
		res.RepliesPerUpdate = round3(float64(res.Delivered) / float64(updates))
	}
	switch r.cfg.mode {
	case modeRate:
		res.InFlight = r.cfg.rate
		skipped := st.skipped.Load()
		res.Skipped = &skipped
	case modeFlood:
		res.InFlight = r.cfg.normal
		res.Normal = &groupStats{Updates: st.updates.Load(), Errors: st.errors.Load(), NoReply: st.noReply.Load()}
		res.Normal.setLatency(normal)
	}
	if r.flooder != nil {
		pending := int64(r.floodPending())
		res.Flooder = &groupStats{Channel: r.flooder.kind.String(), Updates: st.floodSent.Load(),
			Errors: st.floodErrs.Load(), NoReply: pending}
		res.Flooder.setLatency(flood)
		res.NoReply += pending
	}
	res.Lost = max(0, res.NoReply-res.LateReplies)
	msPerTick := 1000 / float64(ticks)
	res.CPUMsPerUpdate = perUpdate(float64(s1.cpu-s0.cpu)*msPerTick, s0.cpu >= 0 && s1.cpu >= 0, updates)
	res.ToolCPUMsPerUpdate = perUpdate(float64(s1.self-s0.self)*msPerTick, s0.self >= 0 && s1.self >= 0, updates)
	res.RedisCommandsPerUpdate = perUpdate(float64(s1.redisCmds-s0.redisCmds), s0.redisCmds >= 0 && s1.redisCmds >= 0, updates)
	res.RedisRoundtripsPerUpdate = perUpdate(s1.roundtrips-s0.roundtrips, s0.hasRT && s1.hasRT, updates)
	if r.faults.on() {
		res.Faults = &faultCounts{Fail: st.fail.Load(), Hang: st.hang.Load(), TooMany: st.tooMany.Load()}
	}
	return res
}
