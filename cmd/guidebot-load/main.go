package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/store"
)

// Modes and channels as the flags name them.
const (
	modeSaturate = "saturate"
	modeRate     = "rate"
	modeFlood    = "flood"
	channelBoth  = "both"
)

// Defaults of the flags.
const (
	defaultParticipants = 2000
	defaultDuration     = 10 * time.Second
	defaultWarmup       = time.Second
	defaultReplyTimeout = 10 * time.Second
	defaultSettle       = time.Second // without faults; with them, -reply-timeout
	defaultConcurrency  = 64
	defaultRate         = 1000
	defaultFloodN       = 40
	defaultNormal       = 20
	defaultToken        = "123456:ABC-load"
	defaultTwilioFrom   = "+46700000000"
	defaultSeed         = 1
)

// Sizes of the secrets made up for a guidebot this tool starts.
const (
	secretBytes     = 16
	twilioSIDBytes  = 16 // "AC" and 32 hex digits
	twilioAuthBytes = 16 // 32 hex digits
)

// idleSlack is idle connections kept beyond the expected concurrency, for the
// metrics scrape and the odd burst.
const idleSlack = 16

// fakeReadHeaderTimeout bounds how long a fake waits for request headers.
const fakeReadHeaderTimeout = 10 * time.Second

// gcPercent trades this tool's memory for less GC work: it shares the cores with
// the service it measures.
const gcPercent = 400

// config is what the flags say.
type config struct {
	mode         string
	channel      string
	kind         channelKind // of the channel, when it is not "both"
	floodKind    channelKind
	participants int
	duration     time.Duration
	updates      int
	warmup       time.Duration
	replyTimeout time.Duration
	think        time.Duration
	settle       time.Duration
	c            int
	rate         int
	floodN       int
	normal       int
	seed         uint64

	lift    bool
	fail    float64
	hang    float64
	tooMany int

	bin          string
	target       string
	publicURL    string
	tgListen     string
	twilioListen string
	secret       string
	token        string
	twilioSID    string
	twilioAuth   string
	twilioFrom   string
	pid          int
	logPath      string
	cpuProfile   string

	// environ is the environment guidebot inherits (REDIS_URL is read from it too).
	environ []string
}

func main() {
	debug.SetGCPercent(gcPercent)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		stop()
		os.Exit(0)
	}
	if err == nil {
		cfg.environ = os.Environ()
		err = run(ctx, cfg, os.Stdout, os.Stderr)
	}
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "guidebot-load:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	var floodChannel string
	fs := flag.NewFlagSet("guidebot-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.mode, "mode", modeSaturate, "saturate (-c updates in flight), rate (-rate updates started per second) or flood")
	fs.StringVar(&cfg.channel, "channel", "telegram", "telegram, sms or both")
	fs.StringVar(&floodChannel, "flood-channel", "", "the flooder's channel, telegram or sms [-channel; telegram for both]")
	fs.IntVar(&cfg.participants, "participants", defaultParticipants, "simulated participants")
	fs.DurationVar(&cfg.duration, "duration", defaultDuration, "measured time after the warm-up")
	fs.IntVar(&cfg.updates, "updates", 0, "stop after this many measured updates instead of after -duration")
	fs.DurationVar(&cfg.warmup, "warmup", defaultWarmup, "load before measuring starts")
	fs.DurationVar(&cfg.replyTimeout, "reply-timeout", defaultReplyTimeout, "how long a participant waits for a reply (counted in no_reply)")
	fs.DurationVar(&cfg.think, "think", 0, "pause before each answer")
	fs.DurationVar(&cfg.settle, "settle", 0, "wait after the last reply for late and duplicate sends [1s; -reply-timeout with faults]")
	fs.IntVar(&cfg.c, "c", defaultConcurrency, "saturate: updates in flight")
	fs.IntVar(&cfg.rate, "rate", defaultRate, "rate: updates started per second")
	fs.IntVar(&cfg.floodN, "flood-n", defaultFloodN, "flood: updates the flooder posts at once (0: baseline)")
	fs.IntVar(&cfg.normal, "normal", defaultNormal, "flood: participants conversing normally at once")
	fs.Uint64Var(&cfg.seed, "seed", defaultSeed, "seed of the participants' choices")
	fs.BoolVar(&cfg.lift, "lift", true, "start guidebot with TELEGRAM_RATE=0 TELEGRAM_CHAT_RATE=0 SMS_RATE=0")
	fs.Float64Var(&cfg.fail, "fail", 0, "fraction of sends the fakes answer 502")
	fs.Float64Var(&cfg.hang, "hang", 0, "fraction of sends the fakes never answer")
	fs.IntVar(&cfg.tooMany, "429", 0, "sends the fakes answer 429, spread over the run")
	fs.StringVar(&cfg.bin, "bin", "", "prebuilt guidebot binary [go build ./cmd/guidebot]")
	fs.StringVar(&cfg.target, "target", "", "base URL of a running guidebot to drive instead of starting one")
	fs.StringVar(&cfg.publicURL, "public-url", "", "-target: its PUBLIC_URL, which Twilio signatures cover [-target]")
	fs.StringVar(&cfg.tgListen, "tg-listen", "", "address of the fake Bot API (-target: its TELEGRAM_API_URL) [a free port]")
	fs.StringVar(&cfg.twilioListen, "twilio-listen", "", "address of the fake Twilio API (-target: its TWILIO_API_URL) [a free port]")
	fs.StringVar(&cfg.secret, "secret", "", "TELEGRAM_WEBHOOK_SECRET [random]")
	fs.StringVar(&cfg.token, "token", defaultToken, "TELEGRAM_BOT_TOKEN")
	fs.StringVar(&cfg.twilioSID, "twilio-sid", "", "TWILIO_ACCOUNT_SID [random]")
	fs.StringVar(&cfg.twilioAuth, "twilio-auth", "", "TWILIO_AUTH_TOKEN [random]")
	fs.StringVar(&cfg.twilioFrom, "twilio-from", defaultTwilioFrom, "TWILIO_FROM")
	fs.IntVar(&cfg.pid, "pid", 0, "-target: guidebot's process id, for cpu_ms_per_update")
	fs.StringVar(&cfg.logPath, "log", "", "write guidebot's output to this file and keep it [a temp file, kept on failure]")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of this tool to this file")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("flags: unexpected argument %q", fs.Arg(0))
	}
	if floodChannel == "" {
		floodChannel = cfg.channel
		if floodChannel == channelBoth {
			floodChannel = "telegram"
		}
	}
	var ok bool
	if cfg.floodKind, ok = parseKind(floodChannel); !ok {
		return cfg, fmt.Errorf("flags: -flood-channel %q: want telegram or sms", floodChannel)
	}
	if cfg.channel != channelBoth {
		if cfg.kind, ok = parseKind(cfg.channel); !ok {
			return cfg, fmt.Errorf("flags: -channel %q: want telegram, sms or both", cfg.channel)
		}
	}
	if cfg.settle == 0 {
		// Retries back off for seconds: with faults, late replies need time to come.
		cfg.settle = defaultSettle
		if cfg.fail > 0 || cfg.hang > 0 || cfg.tooMany > 0 {
			cfg.settle = cfg.replyTimeout
		}
	}
	return cfg, cfg.validate()
}

func parseKind(s string) (channelKind, bool) {
	switch s {
	case "telegram":
		return telegramKind, true
	case "sms":
		return smsKind, true
	}
	return 0, false
}

func (c *config) validate() error {
	switch {
	case c.mode != modeSaturate && c.mode != modeRate && c.mode != modeFlood:
		return fmt.Errorf("flags: -mode %q: want saturate, rate or flood", c.mode)
	case c.participants < 1 || c.participants > maxParticipants:
		return fmt.Errorf("flags: -participants must be 1 to %d", maxParticipants)
	case c.duration <= 0 && c.updates <= 0:
		return errors.New("flags: -duration or -updates must be positive")
	case c.updates < 0 || c.warmup < 0 || c.think < 0 || c.settle < 0:
		return errors.New("flags: -updates, -warmup, -think and -settle cannot be negative")
	case c.replyTimeout <= 0:
		return errors.New("flags: -reply-timeout must be positive")
	case c.mode == modeSaturate && c.c < 1:
		return errors.New("flags: -c must be at least 1")
	case c.mode == modeRate && c.rate < 1:
		return errors.New("flags: -rate must be at least 1")
	case c.mode == modeFlood && (c.floodN < 0 || c.normal < 0 || c.floodN+c.normal == 0):
		return errors.New("flags: -flood-n and -normal cannot be negative, nor both zero")
	case c.fail < 0 || c.hang < 0 || c.fail+c.hang > 1:
		return errors.New("flags: -fail and -hang are fractions that add up to at most 1")
	case c.tooMany < 0:
		return errors.New("flags: -429 cannot be negative")
	case c.target != "" && c.bin != "":
		return errors.New("flags: -bin and -target exclude each other")
	}
	if c.target == "" {
		return nil
	}
	c.target = strings.TrimRight(c.target, "/")
	if c.publicURL == "" {
		c.publicURL = c.target
	}
	c.publicURL = strings.TrimRight(c.publicURL, "/")
	tg, sms := c.uses(telegramKind), c.uses(smsKind)
	switch {
	case tg && (c.tgListen == "" || c.secret == ""):
		return errors.New("flags: -target on Telegram needs -tg-listen and -secret as that guidebot is configured")
	case sms && (c.twilioListen == "" || c.twilioSID == "" || c.twilioAuth == ""):
		return errors.New("flags: -target on SMS needs -twilio-listen, -twilio-sid and -twilio-auth as that guidebot is configured")
	}
	return nil
}

// uses says whether any participant writes on kind.
func (c *config) uses(kind channelKind) bool {
	if c.mode == modeFlood && c.floodN > 0 && c.floodKind == kind {
		return true
	}
	return c.channel == channelBoth || c.kind == kind
}

// randomHex is n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails: crypto/rand crashes the program rather than return an error
	return hex.EncodeToString(b)
}

// lookupEnv finds key in an environment list; the last setting wins, as for exec.
func lookupEnv(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// listenFake starts a fake provider on addr ("" for a free loopback port).
func listenFake(addr string, h http.Handler) (*http.Server, string, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("fake: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: fakeReadHeaderTimeout}
	go srv.Serve(ln) // ends with ErrServerClosed when the run closes it
	return srv, ln.Addr().String(), nil
}

// run drives one load run and prints its JSON line on stdout.
func run(ctx context.Context, cfg config, stdout, stderr io.Writer) (err error) {
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if cfg.target == "" {
		if cfg.secret == "" {
			cfg.secret = randomHex(secretBytes)
		}
		if cfg.twilioSID == "" {
			cfg.twilioSID = "AC" + randomHex(twilioSIDBytes)
		}
		if cfg.twilioAuth == "" {
			cfg.twilioAuth = randomHex(twilioAuthBytes)
		}
	}
	f := newFaults(cfg.fail, cfg.hang, cfg.tooMany, cfg.warmup+cfg.duration, cfg.updates)
	r := newLoadRun(cfg, log, f)

	bot := newBotAPI(cfg.token, r, f, log)
	tgSrv, tgAddr, err := listenFake(cfg.tgListen, bot)
	if err != nil {
		return err
	}
	defer tgSrv.Close()
	twSrv, twAddr, err := listenFake(cfg.twilioListen, newTwilioAPI(cfg.twilioSID, cfg.twilioAuth, r, f, log))
	if err != nil {
		return err
	}
	defer twSrv.Close()

	idle := r.concurrency() + idleSlack
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: cfg.replyTimeout}).DialContext,
		MaxIdleConns:        idle,
		MaxIdleConnsPerHost: idle,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	defer transport.CloseIdleConnections()
	r.client = &http.Client{Transport: transport, Timeout: cfg.replyTimeout}

	base, public, pid := cfg.target, cfg.publicURL, cfg.pid
	if cfg.target == "" {
		// Assigned, not declared: the deferred close must see the named result.
		var own *ownTarget
		if own, err = launch(ctx, cfg, tgAddr, twAddr, r.client, bot, stderr); err != nil {
			return err
		}
		// A failure anywhere keeps guidebot's log for reading.
		defer func() {
			if cerr := own.close(err != nil, stderr); cerr != nil && err == nil {
				err = cerr
			}
		}()
		// A webhook registered elsewhere, or with another secret, would make every
		// Telegram update a 401 or a silent loss: say so before the numbers do.
		if p := bot.webhookParams(); p["url"] != own.base+telegramWebhookPath || p["secret_token"] != cfg.secret {
			log.Warn("setWebhook does not name this run's webhook and secret", "url", p["url"])
		}
		base, public, pid = own.base, own.base, own.t.pid()
	} else if !ready(ctx, r.client, base) {
		return fmt.Errorf("target: %s/readyz does not answer 200", base)
	}
	r.webhookURL = base + telegramWebhookPath
	r.inboundURL = base + smsInboundPath
	r.signedURL = public + smsInboundPath

	m := &meter{pid: pid, metricsURL: base + "/metrics", client: r.client, ticks: clockTicks(ctx)}
	if u := lookupEnv(cfg.environ, "REDIS_URL"); u != "" {
		if cluster, ok := store.ClusterURL(u); ok {
			opt, err := redis.ParseClusterURL(cluster)
			if err != nil {
				return fmt.Errorf("redis: %w", err)
			}
			m.rdb = redis.NewClusterClient(opt)
		} else {
			opt, err := redis.ParseURL(u)
			if err != nil {
				return fmt.Errorf("redis: %w", err)
			}
			m.rdb = redis.NewClient(opt)
		}
		defer m.rdb.Close()
	}
	if cfg.cpuProfile != "" {
		stopProfile, err := startCPUProfile(cfg.cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	fmt.Fprintf(stderr, "guidebot-load: %s on %s, %d participants, target %s\n", cfg.mode, cfg.channel, cfg.participants, base)
	res, err := r.drive(ctx, m, stderr)
	if err != nil {
		return err
	}
	if err := json.NewEncoder(stdout).Encode(res); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	return nil
}

// startCPUProfile profiles this tool into path until the returned func is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
