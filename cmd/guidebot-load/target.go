package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Starting and stopping guidebot.
const (
	readyTimeout = 30 * time.Second
	readyPoll    = 50 * time.Millisecond
	stopGrace    = 5 * time.Second
)

// moduleRoot is the directory of the main module's go.mod, where go build runs.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("build: go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("build: not inside the guidebot module; run from it or pass -bin")
	}
	return filepath.Dir(mod), nil
}

// buildGuidebot builds ./cmd/guidebot into dir and returns the binary's path.
func buildGuidebot(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "guidebot")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/guidebot")
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build: %w\n%s", err, out.Bytes())
	}
	return bin, nil
}

// freeAddr is a loopback address with a port nobody listens on right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free port: %w", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr, nil
}

// target is a guidebot process this tool started.
type target struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{} // closed when the process has exited
	waitErr error         // set before exited is closed
}

// startTarget runs bin serve with env, its output going to logPath.
func startTarget(bin string, env []string, logPath string) (*target, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	// Not CommandContext: stopping is stop's job, gracefully first.
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("target: start %s: %w", bin, err)
	}
	t := &target{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		t.waitErr = cmd.Wait()
		logFile.Close()
		close(t.exited)
	}()
	return t, nil
}

func (t *target) pid() int { return t.cmd.Process.Pid }

// waitReady waits until GET base/readyz answers 200 and, when webhookSet is not
// nil, the fake Bot API has received setWebhook.
func (t *target) waitReady(ctx context.Context, client *http.Client, base string, webhookSet <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for !ready(ctx, client, base) {
		select {
		case <-t.exited:
			return fmt.Errorf("target: guidebot exited before it was ready: %v", t.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("target: not ready within %s: %w", readyTimeout, ctx.Err())
		case <-time.After(readyPoll):
		}
	}
	if webhookSet == nil {
		return nil
	}
	select {
	case <-webhookSet:
		return nil
	case <-t.exited:
		return fmt.Errorf("target: guidebot exited before setWebhook: %v", t.waitErr)
	case <-ctx.Done():
		return fmt.Errorf("target: no setWebhook within %s: %w", readyTimeout, ctx.Err())
	}
}

// ready says whether GET base/readyz answers 200.
func ready(ctx context.Context, client *http.Client, base string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
	if err != nil {
		return false
	}
	res, err := client.Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// stop sends SIGTERM and kills the process if it has not exited after stopGrace.
func (t *target) stop() error {
	select {
	case <-t.exited:
		return t.exitError()
	default:
	}
	if err := t.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("target: sigterm: %w", err)
	}
	select {
	case <-t.exited:
		return t.exitError()
	case <-time.After(stopGrace):
	}
	if err := t.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("target: kill: %w", err)
	}
	<-t.exited
	return fmt.Errorf("target: guidebot did not stop within %s of SIGTERM; killed", stopGrace)
}

func (t *target) exitError() error {
	if t.waitErr != nil {
		return fmt.Errorf("target: guidebot: %w", t.waitErr)
	}
	return nil
}

// ownTarget is a guidebot this tool built or was given (-bin) and started.
type ownTarget struct {
	t    *target
	base string // its URL, also its PUBLIC_URL
	dir  string // the temp dir: the binary and, without -log, the log
}

// launch starts guidebot serve against the fakes at tgAddr and twAddr and waits
// until it is ready and has registered its webhook with bot.
func launch(ctx context.Context, cfg config, tgAddr, twAddr string, client *http.Client, bot *botAPI, stderr io.Writer) (*ownTarget, error) {
	dir, err := os.MkdirTemp("", "guidebot-load-")
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	bin := cfg.bin
	if bin == "" {
		fmt.Fprintln(stderr, "guidebot-load: building ./cmd/guidebot")
		if bin, err = buildGuidebot(ctx, dir); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	logPath := cfg.logPath
	if logPath == "" {
		logPath = filepath.Join(dir, "guidebot.log")
	}
	// A free port can be taken by someone else before guidebot binds it (tests run
	// side by side): then guidebot exits at once, and another port is tried.
	for attempt := 1; ; attempt++ {
		addr, err := freeAddr()
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		base := "http://" + addr
		env := append(slices.Clone(cfg.environ),
			"HTTP_ADDR="+addr,
			"PUBLIC_URL="+base,
			"TELEGRAM_BOT_TOKEN="+cfg.token,
			"TELEGRAM_API_URL=http://"+tgAddr,
			"TELEGRAM_MODE=webhook",
			"TELEGRAM_WEBHOOK_SECRET="+cfg.secret,
			"TWILIO_ACCOUNT_SID="+cfg.twilioSID,
			"TWILIO_AUTH_TOKEN="+cfg.twilioAuth,
			"TWILIO_FROM="+cfg.twilioFrom,
			"TWILIO_API_URL=http://"+twAddr,
		)
		// The load tool's participants write far more than a person does, which the
		// per-sender limit and the daily SMS cap would cut (each has its own test):
		// lifted, unless the environment sets them (set them high to measure what
		// the guards cost).
		for _, guard := range []string{"INBOUND_LIMIT", "SMS_DAILY_PARTS"} {
			if !slices.ContainsFunc(cfg.environ, func(kv string) bool { return strings.HasPrefix(kv, guard+"=") }) {
				env = append(env, guard+"=0")
			}
		}
		if cfg.lift {
			env = append(env, "TELEGRAM_RATE=0", "TELEGRAM_CHAT_RATE=0", "SMS_RATE=0")
		}
		t, err := startTarget(bin, env, logPath)
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		own := &ownTarget{t: t, base: base, dir: dir}
		err = t.waitReady(ctx, client, base, bot.webhookSet)
		if err == nil {
			return own, nil
		}
		if attempt < startAttempts && portTaken(logPath) {
			t.stop()
			continue
		}
		own.close(true, stderr)
		return nil, err
	}
}

// startAttempts bounds the ports tried when the free one was taken meanwhile.
const startAttempts = 3

// portTaken says whether guidebot's log ends with its listener failing to bind.
func portTaken(logPath string) bool {
	data, err := os.ReadFile(logPath)
	return err == nil && strings.Contains(string(data), "address already in use")
}

// close stops guidebot and removes the temp dir, unless the run failed: then its
// log is kept and named.
func (o *ownTarget) close(failed bool, stderr io.Writer) error {
	err := o.t.stop()
	if failed || err != nil {
		fmt.Fprintln(stderr, "guidebot-load: guidebot's log:", o.t.logPath)
		return err
	}
	os.RemoveAll(o.dir)
	return nil
}
