package config

import (
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// The handoff's timeouts by default: HANDOFF_CLAIM_TIMEOUT, HANDOFF_GUIDE_TIMEOUT.
const (
	defaultClaimTimeout = 10 * time.Minute
	defaultGuideTimeout = 30 * time.Minute
)

// defaultSenders is OUTBOX_SENDERS' default: Telegram allows 30 messages a second
// and answers in ~50–300 ms, so a handful would keep up; the margin absorbs slow
// answers. maxSenders bounds it.
const (
	defaultSenders = 32
	// defaultInboundLimit is how many messages one sender may send a minute before
	// the rest of the minute is dropped after one notice.
	defaultInboundLimit = 20
	// defaultMatchSchedule and defaultMatchProposalTTL: a matching round an hour,
	// and two days to answer a proposal.
	defaultMatchSchedule    = "@hourly"
	defaultMatchProposalTTL = 48 * time.Hour
	// maxShards bounds REDIS_SHARDS: each sender watches every shard.
	maxShards = 1024
	// defaultDailyParts is how many SMS parts one number may be sent a day: some
	// thirty replies, far past a day's guidance, short of a runaway's bill.
	defaultDailyParts = 100
	// defaultMaxParts is the most SMS parts one message may take: the flows' replies
	// take at most 3 (guidebot check); a guide's or a match's long words are cut.
	defaultMaxParts = 10
	maxSenders      = 1024
)

// Config is the service's settings.
type Config struct {
	RedisURL string
	// RedisShards is REDIS_SHARDS: the shards participants are spread over (0: the
	// store's default, 1 on one Redis and 16 on a cluster).
	RedisShards int
	// MatchSchedule is MATCH_SCHEDULE: when matching rounds run (cron) [@hourly].
	MatchSchedule string
	// MatchProposalTTL is MATCH_PROPOSAL_TTL: how long a proposal waits [48h].
	MatchProposalTTL time.Duration
	// RedisPrefix is REDIS_PREFIX: prepended to every key, so programmes can share
	// one Redis.
	RedisPrefix    string
	HTTPAddr       string
	PublicURL      string
	DefaultLang    string
	FlowsDir       string
	LocalesDir     string
	ScheduleFile   string
	AdminToken     string
	Telegram       Telegram
	Twilio         Twilio
	TranscriptDays int
	// Senders is how many provider calls each channel's outbox makes at once.
	Senders int
	// ClaimTimeout is how long a handoff request waits for a guide before the
	// participant is told none has come yet (HANDOFF_CLAIM_TIMEOUT).
	ClaimTimeout time.Duration
	// GuideTimeout is how long a guide may leave a claimed request unanswered
	// before they are reminded, and as long again before it is released
	// (HANDOFF_GUIDE_TIMEOUT).
	GuideTimeout time.Duration
	// PprofAddr serves net/http/pprof on its own listener when set (off by default:
	// profiles show more than the public routes should).
	PprofAddr string
	// InboundLimit is INBOUND_LIMIT: messages a minute one sender may send; 0: no limit.
	InboundLimit int
	// LogFormat is LOG_FORMAT: json or text; "": JSON unless the log goes to a terminal.
	LogFormat string
	// LogLevel is LOG_LEVEL (debug, info, warn, error); nil: the command's own.
	LogLevel *slog.Level
}

// Telegram holds the Telegram channel's settings; Token "" disables it.
type Telegram struct {
	Token         string
	APIURL        string
	Mode          string // polling | webhook
	WebhookSecret string
	GuidesChatID  int64
	Rate          float64 // sends per second overall; 0 = no cap
	ChatRate      float64 // sends per second per chat; 0 = no cap
}

// Twilio holds the SMS channel's settings; AccountSID "" disables it.
type Twilio struct {
	AccountSID          string
	AuthToken           string
	From                string
	MessagingServiceSID string
	APIURL              string
	Rate                float64 // messages per second to one number; 0 = no cap
	DailyParts          int     // SMS parts one number may get a day; 0 = no cap
	MaxParts            int     // SMS parts one message may take; longer is cut; 0 = no cap
}

// Load reads the settings through getenv (os.Getenv, or a map in tests).
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		RedisURL:     getenv("REDIS_URL"),
		HTTPAddr:     or(getenv("HTTP_ADDR"), ":8080"),
		PublicURL:    strings.TrimRight(getenv("PUBLIC_URL"), "/"),
		DefaultLang:  or(getenv("DEFAULT_LANGUAGE"), "sv"),
		FlowsDir:     getenv("FLOWS_DIR"),
		LocalesDir:   getenv("LOCALES_DIR"),
		ScheduleFile: getenv("SCHEDULE_FILE"),
		AdminToken:   getenv("ADMIN_TOKEN"),
		Telegram: Telegram{
			Token:         getenv("TELEGRAM_BOT_TOKEN"),
			APIURL:        strings.TrimRight(or(getenv("TELEGRAM_API_URL"), "https://api.telegram.org"), "/"),
			WebhookSecret: getenv("TELEGRAM_WEBHOOK_SECRET"),
		},
		Twilio: Twilio{
			AccountSID:          getenv("TWILIO_ACCOUNT_SID"),
			AuthToken:           getenv("TWILIO_AUTH_TOKEN"),
			From:                getenv("TWILIO_FROM"),
			MessagingServiceSID: getenv("TWILIO_MESSAGING_SERVICE_SID"),
			APIURL:              strings.TrimRight(getenv("TWILIO_API_URL"), "/"),
		},
		TranscriptDays: 30,
	}
	if c.RedisURL != "" && !slices.ContainsFunc([]string{"redis://", "rediss://", "redis+cluster://", "rediss+cluster://"},
		func(scheme string) bool { return strings.HasPrefix(c.RedisURL, scheme) }) {
		return c, fmt.Errorf("REDIS_URL must start with redis:// or rediss:// (redis+cluster:// for Redis Cluster)")
	}
	if v := getenv("REDIS_SHARDS"); v != "" {
		var err error
		if c.RedisShards, err = strconv.Atoi(v); err != nil || c.RedisShards < 1 || c.RedisShards > maxShards {
			return c, fmt.Errorf("REDIS_SHARDS must be a whole number from 1 to %d", maxShards)
		}
	}
	if c.RedisPrefix = getenv("REDIS_PREFIX"); strings.ContainsAny(c.RedisPrefix, "{}") {
		return c, fmt.Errorf("REDIS_PREFIX must not contain { or }: they would change which cluster slot a key is in")
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || u.Scheme == "" || u.Host == "" {
			return c, fmt.Errorf("PUBLIC_URL must be an absolute URL such as https://bot.example.org")
		}
	}
	if err := urlVar("TELEGRAM_API_URL", c.Telegram.APIURL); err != nil {
		return c, err
	}
	if c.Twilio.APIURL != "" {
		if err := urlVar("TWILIO_API_URL", c.Twilio.APIURL); err != nil {
			return c, err
		}
	}
	var err error
	if c.Telegram.Rate, err = rate(getenv, "TELEGRAM_RATE", 30); err != nil {
		return c, err
	}
	if c.Telegram.ChatRate, err = rate(getenv, "TELEGRAM_CHAT_RATE", 1); err != nil {
		return c, err
	}
	if c.Twilio.Rate, err = rate(getenv, "SMS_RATE", 1); err != nil {
		return c, err
	}
	c.Senders = defaultSenders
	if v := getenv("OUTBOX_SENDERS"); v != "" {
		if c.Senders, err = strconv.Atoi(v); err != nil || c.Senders < 1 || c.Senders > maxSenders {
			return c, fmt.Errorf("OUTBOX_SENDERS must be a whole number from 1 to %d", maxSenders)
		}
	}
	c.PprofAddr = getenv("PPROF_ADDR")
	switch c.LogFormat = getenv("LOG_FORMAT"); c.LogFormat {
	case "", "json", "text":
	default:
		return c, fmt.Errorf("LOG_FORMAT must be json or text")
	}
	if v := getenv("LOG_LEVEL"); v != "" {
		var l slog.Level
		if err := l.UnmarshalText([]byte(v)); err != nil {
			return c, fmt.Errorf("LOG_LEVEL must be debug, info, warn or error")
		}
		c.LogLevel = &l
	}
	c.Twilio.MaxParts = defaultMaxParts
	if v := getenv("SMS_MAX_PARTS"); v != "" {
		if c.Twilio.MaxParts, err = strconv.Atoi(v); err != nil || c.Twilio.MaxParts < 0 {
			return c, fmt.Errorf("SMS_MAX_PARTS must be a whole number of SMS parts (0: no cap)")
		}
	}
	c.Twilio.DailyParts = defaultDailyParts
	if v := getenv("SMS_DAILY_PARTS"); v != "" {
		if c.Twilio.DailyParts, err = strconv.Atoi(v); err != nil || c.Twilio.DailyParts < 0 {
			return c, fmt.Errorf("SMS_DAILY_PARTS must be a whole number of SMS parts (0: no cap)")
		}
	}
	c.InboundLimit = defaultInboundLimit
	if v := getenv("INBOUND_LIMIT"); v != "" {
		if c.InboundLimit, err = strconv.Atoi(v); err != nil || c.InboundLimit < 0 {
			return c, fmt.Errorf("INBOUND_LIMIT must be a whole number of messages a minute (0: no limit)")
		}
	}
	c.MatchSchedule = or(getenv("MATCH_SCHEDULE"), defaultMatchSchedule)
	if _, err := cron.ParseStandard(c.MatchSchedule); err != nil {
		return c, fmt.Errorf("MATCH_SCHEDULE must be a cron schedule such as @hourly or \"0 * * * *\"")
	}
	c.MatchProposalTTL = defaultMatchProposalTTL
	if v := getenv("MATCH_PROPOSAL_TTL"); v != "" {
		if c.MatchProposalTTL, err = time.ParseDuration(v); err != nil || c.MatchProposalTTL <= 0 {
			return c, fmt.Errorf("MATCH_PROPOSAL_TTL must be a positive duration such as 48h")
		}
	}
	c.GuideTimeout = defaultGuideTimeout
	if v := getenv("HANDOFF_GUIDE_TIMEOUT"); v != "" {
		if c.GuideTimeout, err = time.ParseDuration(v); err != nil || c.GuideTimeout <= 0 {
			return c, fmt.Errorf("HANDOFF_GUIDE_TIMEOUT must be a positive duration such as 30m")
		}
	}
	c.ClaimTimeout = defaultClaimTimeout
	if v := getenv("HANDOFF_CLAIM_TIMEOUT"); v != "" {
		if c.ClaimTimeout, err = time.ParseDuration(v); err != nil || c.ClaimTimeout <= 0 {
			return c, fmt.Errorf("HANDOFF_CLAIM_TIMEOUT must be a positive duration such as 10m")
		}
	}
	if v := getenv("TELEGRAM_GUIDES_CHAT_ID"); v != "" {
		if c.Telegram.GuidesChatID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return c, fmt.Errorf("TELEGRAM_GUIDES_CHAT_ID must be a chat id (a whole number, negative for groups)")
		}
	}
	if c.Telegram.Token != "" {
		mode := getenv("TELEGRAM_MODE")
		if mode == "" {
			mode = "polling"
			if c.PublicURL != "" {
				mode = "webhook"
			}
		}
		switch mode {
		case "polling":
		case "webhook":
			if c.PublicURL == "" {
				return c, fmt.Errorf("PUBLIC_URL is required in webhook mode: the webhook is registered there")
			}
			if c.Telegram.WebhookSecret == "" {
				return c, fmt.Errorf("TELEGRAM_WEBHOOK_SECRET is required in webhook mode")
			}
			if !validSecret(c.Telegram.WebhookSecret) {
				return c, fmt.Errorf("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
			}
		default:
			return c, fmt.Errorf("TELEGRAM_MODE must be polling or webhook, not %q", mode)
		}
		c.Telegram.Mode = mode
	}
	if (c.Twilio.AccountSID == "") != (c.Twilio.AuthToken == "") {
		return c, fmt.Errorf("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN go together: set both or neither")
	}
	if c.Twilio.AccountSID != "" {
		// Twilio issues both as letters and digits; anything else is a paste gone wrong
		// that would fail every send, so say so now.
		if !alnum(c.Twilio.AccountSID) {
			return c, fmt.Errorf("TWILIO_ACCOUNT_SID must be letters and digits only (AC…)")
		}
		if !alnum(c.Twilio.AuthToken) {
			return c, fmt.Errorf("TWILIO_AUTH_TOKEN must be letters and digits only")
		}
		if c.Twilio.From == "" && c.Twilio.MessagingServiceSID == "" {
			return c, fmt.Errorf("TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required with TWILIO_ACCOUNT_SID")
		}
		if c.PublicURL == "" {
			return c, fmt.Errorf("PUBLIC_URL is required with TWILIO_ACCOUNT_SID: Twilio signatures are computed over it")
		}
	}
	return c, nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func urlVar(name, v string) error {
	if u, err := url.Parse(v); err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("%s must be an absolute URL", name)
	}
	return nil
}

func rate(getenv func(string) string, name string, def float64) (float64, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%s must be a number of sends per second, 0 or more", name)
	}
	return f, nil
}

func validSecret(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func alnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}
