package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

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

// A proposal pairs two participants of the pool until both answer or it expires.
// Its hash holds the pair, the programme, the answers and when it expires; each of
// the two points at it in the open hash (one proposal a person), and a pair that
// was declined or let expire is kept in the declined set, never proposed again. A
// proposal that closes is deleted: the reports keep the counts, nobody's ids.
func (k keys) proposal(id string) string { return k.prefix + "gb:{m}:proposal:" + id }
func (k keys) proposalSeq() string       { return k.prefix + "gb:{m}:proposal:seq" }
func (k keys) proposalOpen() string      { return k.prefix + "gb:{m}:open" }
func (k keys) proposalDue() string       { return k.prefix + "gb:{m}:expires" }
func (k keys) declined() string          { return k.prefix + "gb:{m}:declined" }

// Proposal is one proposed pair as the store keeps it.
type Proposal struct {
	ID        string
	Programme string
	Newcomer  string
	Volunteer string
	Reasons   string // encoded by the matching service
	Expires   int64  // Unix seconds
	// Answers: "" (none yet), "yes" or "no", by participant; Status: open,
	// matched, paused, declined, expired or ended.
	Answers map[string]string
	Status  string
	// Contacts: what each of a match chose to share of how to reach them ("" not
	// yet), by participant; shown to the other only once both have.
	Contacts map[string]string
}

// The statuses of a proposal.
const (
	ProposalOpen     = "open"
	ProposalMatched  = "matched"
	ProposalDeclined = "declined"
	ProposalExpired  = "expired"
	ProposalEnded    = "ended"
	// ProposalPaused: a match on hold after one of the two reported a problem,
	// until a coordinator resumes or closes it; both stay out of the pool.
	ProposalPaused = "paused"
)

// proposeScript opens a proposal unless either of the two has one open or the pair
// was declined. KEYS: seq, open, expires, declined, proposal prefix. ARGV: newcomer,
// volunteer, programme, reasons, expires.
var proposeScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 or redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return '' end
if redis.call('SISMEMBER', KEYS[4], ARGV[1] .. '|' .. ARGV[2]) == 1 then return '' end
local id = tostring(redis.call('INCR', KEYS[1]))
redis.call('HSET', KEYS[5] .. id, 'newcomer', ARGV[1], 'volunteer', ARGV[2], 'programme', ARGV[3],
  'reasons', ARGV[4], 'expires', ARGV[5], 'status', 'open')
redis.call('HSET', KEYS[2], ARGV[1], id, ARGV[2], id)
redis.call('ZADD', KEYS[3], ARGV[5], id)
return id
`)

// Propose opens a proposal for a pair and returns its id, or "" when either has a
// proposal or a match open, or the pair was declined before.
func (s *Store) Propose(ctx context.Context, p Proposal) (string, error) {
	id, err := proposeScript.Run(ctx, s.rdb, []string{s.keys.proposalSeq(), s.keys.proposalOpen(),
		s.keys.proposalDue(), s.keys.declined(), s.keys.proposal("")},
		p.Newcomer, p.Volunteer, p.Programme, p.Reasons, p.Expires).Text()
	if err != nil {
		return "", fmt.Errorf("store: propose: %w", err)
	}
	return id, nil
}

// OpenProposal returns the proposal or match a participant has open; ok is false
// for none.
func (s *Store) OpenProposal(ctx context.Context, participant string) (p Proposal, ok bool, err error) {
	id, err := s.rdb.HGet(ctx, s.keys.proposalOpen(), participant).Result()
	if errors.Is(err, redis.Nil) {
		return Proposal{}, false, nil
	}
	if err != nil {
		return Proposal{}, false, fmt.Errorf("store: open proposal: %w", err)
	}
	p, err = s.proposalByID(ctx, id)
	return p, err == nil, err
}

func (s *Store) proposalByID(ctx context.Context, id string) (Proposal, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.proposal(id)).Result()
	if err != nil {
		return Proposal{}, fmt.Errorf("store: proposal: %w", err)
	}
	expires, _ := strconv.ParseInt(m["expires"], 10, 64)
	return Proposal{ID: id, Programme: m["programme"], Newcomer: m["newcomer"], Volunteer: m["volunteer"],
		Reasons: m["reasons"], Expires: expires, Status: m["status"],
		Answers:  map[string]string{m["newcomer"]: m["a:"+m["newcomer"]], m["volunteer"]: m["a:"+m["volunteer"]]},
		Contacts: map[string]string{m["newcomer"]: m["c:"+m["newcomer"]], m["volunteer"]: m["c:"+m["volunteer"]]}}, nil
}

// ProposalByID returns proposal id; ok is false for none (closed, or never made).
func (s *Store) ProposalByID(ctx context.Context, id string) (Proposal, bool, error) {
	p, err := s.proposalByID(ctx, id)
	return p, err == nil && p.Status != "", err
}

// moveScript changes a proposal's status from one to another, and only from it.
// KEYS: proposal. ARGV: from, to.
var moveScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2])
return 1
`)

// MoveProposal changes proposal id's status from one to another (a match paused
// or resumed) and says whether it had the status from.
func (s *Store) MoveProposal(ctx context.Context, id, from, to string) (bool, error) {
	n, err := moveScript.Run(ctx, s.rdb, []string{s.keys.proposal(id)}, from, to).Int()
	if err != nil {
		return false, fmt.Errorf("store: move proposal: %w", err)
	}
	return n == 1, nil
}

// shareScript keeps what one of a match chose to share of how to reach them.
// KEYS: proposal. ARGV: participant, contact.
var shareScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'status') ~= 'matched' then return 0 end
if ARGV[1] ~= redis.call('HGET', KEYS[1], 'newcomer') and ARGV[1] ~= redis.call('HGET', KEYS[1], 'volunteer') then return 0 end
redis.call('HSET', KEYS[1], 'c:' .. ARGV[1], ARGV[2])
return 1
`)

// Share keeps the contact participant chose to share in their match id and
// returns the match with both contacts as they stand; ok is false when id is no
// match (any more).
func (s *Store) Share(ctx context.Context, id, participant, contact string) (Proposal, bool, error) {
	n, err := shareScript.Run(ctx, s.rdb, []string{s.keys.proposal(id)}, participant, contact).Int()
	if err != nil {
		return Proposal{}, false, fmt.Errorf("store: share: %w", err)
	}
	if n == 0 {
		return Proposal{}, false, nil
	}
	p, err := s.proposalByID(ctx, id)
	return p, err == nil, err
}

// answerScript records one side's answer to an open proposal: a no declines it
// (both are free again, the pair is never proposed again), a second yes makes it
// a match. It returns the proposal's status after the answer (” when it is not
// open). KEYS: proposal, open, expires, declined. ARGV: participant, yes|no.
var answerScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'status') ~= 'open' then return '' end
local n, v = redis.call('HGET', KEYS[1], 'newcomer'), redis.call('HGET', KEYS[1], 'volunteer')
if ARGV[1] ~= n and ARGV[1] ~= v then return '' end
redis.call('HSET', KEYS[1], 'a:' .. ARGV[1], ARGV[2])
local id = string.match(KEYS[1], '[^:]+$')
if ARGV[2] == 'no' then
  redis.call('DEL', KEYS[1])
  redis.call('HDEL', KEYS[2], n, v)
  redis.call('ZREM', KEYS[3], id)
  redis.call('SADD', KEYS[4], n .. '|' .. v)
  return 'declined'
end
if redis.call('HGET', KEYS[1], 'a:' .. n) == 'yes' and redis.call('HGET', KEYS[1], 'a:' .. v) == 'yes' then
  redis.call('HSET', KEYS[1], 'status', 'matched')
  redis.call('ZREM', KEYS[3], id)
  return 'matched'
end
return 'open'
`)

// Answer records participant's yes or no to proposal id and returns its status
// after it ("" when it was no longer open).
func (s *Store) Answer(ctx context.Context, id, participant string, yes bool) (string, error) {
	answer := "no"
	if yes {
		answer = "yes"
	}
	out, err := answerScript.Run(ctx, s.rdb, []string{s.keys.proposal(id), s.keys.proposalOpen(),
		s.keys.proposalDue(), s.keys.declined()}, participant, answer).Text()
	if err != nil {
		return "", fmt.Errorf("store: answer: %w", err)
	}
	return out, nil
}

// endScript closes a proposal or match for both (expired, or ended by one of
// them) unless it was closed already, and deletes it; the pair is not proposed
// again. KEYS: proposal, open, expires, declined. ARGV: status, only if open ('1').
var endScript = redis.NewScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if not status or status == 'declined' or status == 'expired' or status == 'ended' then return 0 end
if ARGV[2] == '1' and status ~= 'open' then return 0 end
local n, v = redis.call('HGET', KEYS[1], 'newcomer'), redis.call('HGET', KEYS[1], 'volunteer')
redis.call('DEL', KEYS[1])
if redis.call('HGET', KEYS[2], n) == string.match(KEYS[1], '[^:]+$') then redis.call('HDEL', KEYS[2], n) end
if redis.call('HGET', KEYS[2], v) == string.match(KEYS[1], '[^:]+$') then redis.call('HDEL', KEYS[2], v) end
redis.call('ZREM', KEYS[3], string.match(KEYS[1], '[^:]+$'))
redis.call('SADD', KEYS[4], n .. '|' .. v)
return 1
`)

// EndProposal closes proposal id for both with status (ProposalEnded: one of them
// stopped or reported a problem) and says whether it was open or matched.
func (s *Store) EndProposal(ctx context.Context, id, status string) (bool, error) {
	return s.end(ctx, id, status, false)
}

func (s *Store) end(ctx context.Context, id, status string, onlyOpen bool) (bool, error) {
	only := "0"
	if onlyOpen {
		only = "1"
	}
	n, err := endScript.Run(ctx, s.rdb, []string{s.keys.proposal(id), s.keys.proposalOpen(),
		s.keys.proposalDue(), s.keys.declined()}, status, only).Int()
	if err != nil {
		return false, fmt.Errorf("store: end proposal: %w", err)
	}
	return n == 1, nil
}

// ExpireProposals closes the open proposals whose time ran out by now and returns
// them, so both can be told.
func (s *Store) ExpireProposals(ctx context.Context, now time.Time) ([]Proposal, error) {
	ids, err := s.rdb.ZRangeByScore(ctx, s.keys.proposalDue(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.Unix(), 10)}).Result()
	if err != nil {
		return nil, fmt.Errorf("store: expire proposals: %w", err)
	}
	var out []Proposal
	for _, id := range ids {
		p, err := s.proposalByID(ctx, id) // read first: closing deletes it
		if err != nil {
			return out, err
		}
		ended, err := s.end(ctx, id, ProposalExpired, true)
		if err != nil {
			return out, err
		}
		if !ended {
			s.rdb.ZRem(ctx, s.keys.proposalDue(), id)
			continue
		}
		p.Status = ProposalExpired
		out = append(out, p)
	}
	return out, nil
}

// ForgetPairs removes a participant from the pairs declined or let expire, so
// that "forget me" leaves no id of theirs in the matching slot.
func (s *Store) ForgetPairs(ctx context.Context, participant string) error {
	for _, pattern := range []string{participant + "|*", "*|" + participant} {
		iter := s.rdb.SScan(ctx, s.keys.declined(), 0, pattern, 1000).Iterator()
		var found []any
		for iter.Next(ctx) {
			found = append(found, iter.Val())
		}
		if err := iter.Err(); err != nil {
			return fmt.Errorf("store: forget pairs: %w", err)
		}
		if len(found) > 0 {
			if err := s.rdb.SRem(ctx, s.keys.declined(), found...).Err(); err != nil {
				return fmt.Errorf("store: forget pairs: %w", err)
			}
		}
	}
	return nil
}

// DeclinedPairs lists the pairs declined or let expire before, as
// "newcomer|volunteer".
func (s *Store) DeclinedPairs(ctx context.Context) (map[string]bool, error) {
	members, err := s.rdb.SMembers(ctx, s.keys.declined()).Result()
	if err != nil {
		return nil, fmt.Errorf("store: declined: %w", err)
	}
	out := make(map[string]bool, len(members))
	for _, m := range members {
		out[m] = true
	}
	return out, nil
}

// Engaged lists the participants with a proposal or a match open.
func (s *Store) Engaged(ctx context.Context) (map[string]string, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.proposalOpen()).Result()
	if err != nil {
		return nil, fmt.Errorf("store: engaged: %w", err)
	}
	return m, nil
}
