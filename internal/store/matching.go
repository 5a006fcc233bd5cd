package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// The matching pool lives in a slot of its own, {m}: one hash of each signed-up
// participant's profile (encoded by the matching service), read whole when the
// pool is matched. Sign-ups come at a human pace, and a pool of 10 000 is a few MB.
func (k keys) profiles() string { return k.prefix + "gb:{m}:profiles" }

// SaveProfile keeps a participant's matching profile.
func (s *Store) SaveProfile(ctx context.Context, id, profile string) error {
	if err := s.rdb.HSet(ctx, s.keys.profiles(), id, profile).Err(); err != nil {
		return fmt.Errorf("store: save profile: %w", err)
	}
	return nil
}

// Profile returns a participant's matching profile; ok is false for none.
func (s *Store) Profile(ctx context.Context, id string) (profile string, ok bool, err error) {
	v, err := s.rdb.HGet(ctx, s.keys.profiles(), id).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: profile: %w", err)
	}
	return v, true, nil
}

// Profiles returns every matching profile by participant.
func (s *Store) Profiles(ctx context.Context) (map[string]string, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.profiles()).Result()
	if err != nil {
		return nil, fmt.Errorf("store: profiles: %w", err)
	}
	return m, nil
}

// DeleteProfile removes a participant's matching profile and says whether there
// was one.
func (s *Store) DeleteProfile(ctx context.Context, id string) (bool, error) {
	n, err := s.rdb.HDel(ctx, s.keys.profiles(), id).Result()
	if err != nil {
		return false, fmt.Errorf("store: delete profile: %w", err)
	}
	return n == 1, nil
}
