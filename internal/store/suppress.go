package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Suppression reasons: the participant opted out by SMS keyword, or blocked the bot.
const (
	OptedOut = "opted-out"
	Blocked  = "blocked"
)

func (k keys) suppressed(id string) string { return k.prefix + "gb:{p:" + id + "}:suppressed" }

// Suppress marks a participant as not to be sent anything (reminders included) until
// Unsuppress. It outlives "forget me" on purpose: an opt-out must hold.
func (s *Store) Suppress(ctx context.Context, id, reason string) error {
	if err := s.rdb.Set(ctx, s.keys.suppressed(id), reason, 0).Err(); err != nil {
		return fmt.Errorf("store: suppress: %w", err)
	}
	return nil
}

// Unsuppress lifts a suppression.
func (s *Store) Unsuppress(ctx context.Context, id string) error {
	if err := s.rdb.Del(ctx, s.keys.suppressed(id)).Err(); err != nil {
		return fmt.Errorf("store: unsuppress: %w", err)
	}
	return nil
}

// Suppressed returns the reason a participant is suppressed, or "" when not.
func (s *Store) Suppressed(ctx context.Context, id string) (string, error) {
	v, err := s.rdb.Get(ctx, s.keys.suppressed(id)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: suppressed: %w", err)
	}
	return v, nil
}

// Enqueue appends one payload to a stream outside a conversation step, such as a
// channel's own confirmation of an opt-out (stream "outbox:sms").
func (s *Store) Enqueue(ctx context.Context, stream, payload string) error {
	if err := s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: s.keys.stream(stream), Values: []string{"m", payload}}).Err(); err != nil {
		return fmt.Errorf("store: enqueue: %w", err)
	}
	return nil
}

// Remember claims a provider id for the dedupe TTL; false means it was seen before.
// Channels use it for ids that never reach a conversation (status callbacks, opt-outs).
func (s *Store) Remember(ctx context.Context, id, providerID string) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.keys.seen(id, providerID), "1", s.opt.DedupeTTL).Result()
	if err != nil {
		return false, fmt.Errorf("store: remember: %w", err)
	}
	return ok, nil
}

// SetRecord keeps small channel records, such as an SMS delivery status, under a
// key of the caller's choosing below the prefix.
func (s *Store) SetRecord(ctx context.Context, key string, fields map[string]string, ttlSeconds int) error {
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, s.keys.prefix+"gb:"+key, fields)
	if ttlSeconds > 0 {
		pipe.Expire(ctx, s.keys.prefix+"gb:"+key, secs(ttlSeconds))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store: record %s: %w", key, err)
	}
	return nil
}

// Record reads a record written with SetRecord.
func (s *Store) Record(ctx context.Context, key string) (map[string]string, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.prefix+"gb:"+key).Result()
	if err != nil {
		return nil, fmt.Errorf("store: record %s: %w", key, err)
	}
	return m, nil
}
