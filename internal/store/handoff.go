package store

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/guidebot/guidebot/internal/message"
)

// The handoff keys, all in the slot {h} so that each ticket script touches one:
// one-time invite codes, the registered guides, each guide's current ticket, the
// tickets, their sequence, a queue per language, and each participant's open
// ticket (handoffOpen). Requests for a person come at a human pace, so one slot
// carries them easily; the cost is one HGET of handoffOpen in each Load's pipeline,
// which on a cluster goes to the node of {h} beside the participant's own.
func (k keys) handoff() string                { return k.prefix + "gb:{h}:" }
func (k keys) invite(code string) string      { return k.handoff() + "invite:" + code }
func (k keys) guides() string                 { return k.handoff() + "guides" }
func (k keys) guideCurrent() string           { return k.handoff() + "guides:current" }
func (k keys) guideHeld(chat string) string   { return k.handoff() + "guides:held:" + chat }
func (k keys) ticket(id string) string        { return k.handoff() + "ticket:" + id }
func (k keys) ticketSeq() string              { return k.handoff() + "ticket:seq" }
func (k keys) ticketQueue(lang string) string { return k.handoff() + "queue:" + lang }

// handoffOpen is the hash of each participant's open ticket: "ID" while it waits,
// "ID:c" once a guide has claimed it (flow.State.Handoff and Relay). The ticket
// scripts write it; the commit never does.
func (k keys) handoffOpen() string { return k.handoff() + "open" }

// claimedSuffix marks a claimed ticket in handoffOpen.
const claimedSuffix = ":c"

// Guide is a registered guide or coordinator.
type Guide struct {
	Chat  string   `json:"chat"` // their private Telegram chat
	Name  string   `json:"name"`
	Role  string   `json:"role"` // guide or coordinator
	Langs []string `json:"langs,omitempty"`
	Lang  string   `json:"lang"` // the language the bot writes to them in
	// From and To are the hours (0-24, local) they take requests in; equal: any.
	From int `json:"from,omitempty"`
	To   int `json:"to,omitempty"`
}

// Available says whether the guide takes requests at hour h (local); From after To
// spans midnight.
func (g Guide) Available(h int) bool {
	switch {
	case g.From == g.To:
		return true
	case g.From < g.To:
		return h >= g.From && h < g.To
	}
	return h >= g.From || h < g.To
}

// Speaks says whether the guide takes tickets in lang.
func (g Guide) Speaks(lang string) bool {
	for _, l := range g.Langs {
		if l == lang {
			return true
		}
	}
	return false
}

// Ticket is one participant's request for a person.
type Ticket struct {
	ID          string `json:"id"`
	Participant string `json:"participant"`
	Channel     string `json:"channel"`
	Address     string `json:"address"`
	Lang        string `json:"lang"`
	Topic       string `json:"topic,omitempty"`
	Status      string `json:"status"` // open, claimed, closed
	Guide       string `json:"guide,omitempty"`
	GuideName   string `json:"guide_name,omitempty"`
	Outcome     string `json:"outcome,omitempty"`
	Opened      int64  `json:"opened"` // Unix seconds
	Claimed     int64  `json:"claimed,omitempty"`
	Closed      int64  `json:"closed,omitempty"`
	Msg         string `json:"msg,omitempty"` // the message that opened it
	// Active is when the guide last answered (Unix seconds); Nudged says they were
	// reminded since.
	Active int64 `json:"active,omitempty"`
	Nudged bool  `json:"nudged,omitempty"`
	// OutcomeChosen and Ticked hold a /done in progress: the outcome, and the plan
	// items (comma-separated) the guide ticks before it closes.
	OutcomeChosen string `json:"outcome_chosen,omitempty"`
	Ticked        string `json:"ticked,omitempty"`
}

// The ticket statuses.
const (
	TicketOpen    = "open"
	TicketClaimed = "claimed"
	TicketClosed  = "closed"
)

// inviteAlphabet spells codes without letters people confuse (no 0/O, 1/I/L).
var inviteAlphabet = base32.NewEncoding("ABCDEFGHJKMNPQRSTUVWXYZ23456789a").WithPadding(base32.NoPadding)

// inviteLen is a code's length: 40 bits, typed once by hand.
const inviteLen = 8

// CreateInvite stores a one-time code for role that expires after ttl.
func (s *Store) CreateInvite(ctx context.Context, role string, ttl time.Duration) (string, error) {
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("store: invite: %w", err)
	}
	code := strings.ToUpper(inviteAlphabet.EncodeToString(b))[:inviteLen]
	if err := s.rdb.Set(ctx, s.keys.invite(code), role, ttl).Err(); err != nil {
		return "", fmt.Errorf("store: invite: %w", err)
	}
	return code, nil
}

// RedeemInvite uses up a code and returns its role; ok is false for a code that is
// wrong, used or expired (they are told apart by nobody: a guess learns nothing).
func (s *Store) RedeemInvite(ctx context.Context, code string) (role string, ok bool, err error) {
	role, err = s.rdb.GetDel(ctx, s.keys.invite(strings.ToUpper(strings.TrimSpace(code)))).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: redeem invite: %w", err)
	}
	return role, true, nil
}

// SaveGuide registers or updates a guide.
func (s *Store) SaveGuide(ctx context.Context, g Guide) error {
	b, err := json.Marshal(g)
	if err != nil {
		return fmt.Errorf("store: guide: %w", err)
	}
	if err := s.rdb.HSet(ctx, s.keys.guides(), g.Chat, b).Err(); err != nil {
		return fmt.Errorf("store: guide: %w", err)
	}
	return nil
}

// Guides lists the registered guides.
func (s *Store) Guides(ctx context.Context) ([]Guide, error) {
	all, err := s.rdb.HGetAll(ctx, s.keys.guides()).Result()
	if err != nil {
		return nil, fmt.Errorf("store: guides: %w", err)
	}
	out := make([]Guide, 0, len(all))
	for chat, v := range all {
		var g Guide
		if err := json.Unmarshal([]byte(v), &g); err != nil {
			return nil, fmt.Errorf("store: guide %s: %w", chat, err)
		}
		out = append(out, g)
	}
	return out, nil
}

// CurrentTicket is the ticket a guide's words go to, "" for none.
func (s *Store) CurrentTicket(ctx context.Context, guide string) (string, error) {
	id, err := s.rdb.HGet(ctx, s.keys.guideCurrent(), guide).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: current ticket: %w", err)
	}
	return id, nil
}

// openTicketScript opens a ticket for the participant unless one is open. It
// returns the ticket's id, the participant's place in its language's queue,
// whether it was open already, and the message that opened it.
// KEYS: open, seq, queue, ticket prefix. ARGV: participant, then the ticket's
// fields as a flat list.
var openTicketScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local id = string.gsub(cur, ':c$', '')
  local rank = redis.call('ZRANK', KEYS[3], id)
  return {id, rank and (rank + 1) or 0, 1, redis.call('HGET', KEYS[4] .. id, 'msg') or ''}
end
local id = tostring(redis.call('INCR', KEYS[2]))
redis.call('HSET', KEYS[4] .. id, 'id', id, unpack(ARGV, 2))
redis.call('ZADD', KEYS[3], redis.call('HGET', KEYS[4] .. id, 'opened'), id)
redis.call('HSET', KEYS[1], ARGV[1], id)
return {id, redis.call('ZRANK', KEYS[3], id) + 1, 0, ''}
`)

// OpenTicket opens t for its participant, or finds the one already open; position
// is the participant's place in the queue (0 once a guide has it). A ticket opened
// by the same message (t.Msg: a retry after a failed commit) is not "existing", so
// the retry announces it as the first try would have. With a new ticket, a tick
// to step is scheduled at due (zero: none), in the participant's shard: a crash
// between the two leaves the ticket waiting for a guide without that tick.
func (s *Store) OpenTicket(ctx context.Context, t Ticket, due time.Time, step string) (id string, position int, existing bool, err error) {
	args := []any{t.Participant, "participant", t.Participant, "channel", t.Channel, "address", t.Address,
		"lang", t.Lang, "topic", t.Topic, "status", TicketOpen, "opened", t.Opened, "msg", t.Msg}
	res, err := openTicketScript.Run(ctx, s.rdb, []string{s.keys.handoffOpen(), s.keys.ticketSeq(),
		s.keys.ticketQueue(t.Lang), s.keys.ticket("")}, args...).Slice()
	if err != nil {
		return "", 0, false, fmt.Errorf("store: open ticket: %w", err)
	}
	if len(res) != 4 {
		return "", 0, false, fmt.Errorf("store: open ticket: %d results", len(res))
	}
	id, _ = res[0].(string)
	pos, _ := res[1].(int64)
	ex, _ := res[2].(int64)
	msg, _ := res[3].(string)
	if ex == 0 && !due.IsZero() {
		tick := Tick{ID: "handoff:" + id + ":" + strconv.FormatInt(t.Opened, 10), Participant: t.Participant,
			Channel: t.Channel, Address: t.Address, Step: step, Due: due}
		if err := s.ScheduleTick(ctx, tick); err != nil {
			return id, int(pos), false, err
		}
	}
	return id, int(pos), ex == 1 && (msg == "" || msg != t.Msg), nil
}

// claimScript gives an open ticket to the first guide who claims it: the ticket
// records the guide, leaves the queue, the participant's open ticket says a guide
// talks, and it becomes the guide's current ticket. A claimed or closed ticket is
// not claimed again; the script returns its holder's name.
// KEYS: ticket, queue, current, open, the guide's held set. ARGV: id, guide chat,
// guide name, now.
var claimScript = redis.NewScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'open' then
  return {0, redis.call('HGET', KEYS[1], 'guide_name') or '', status or ''}
end
redis.call('HSET', KEYS[1], 'status', 'claimed', 'guide', ARGV[2], 'guide_name', ARGV[3], 'claimed', ARGV[4])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[1])
local p = redis.call('HGET', KEYS[1], 'participant')
if p and redis.call('HGET', KEYS[4], p) == ARGV[1] then
  redis.call('HSET', KEYS[4], p, ARGV[1] .. ':c')
end
return {1, ARGV[3], 'claimed'}
`)

// ClaimTicket gives ticket id to guide g if nobody has it; otherwise it reports who
// has it (or that it is closed).
func (s *Store) ClaimTicket(ctx context.Context, id string, g Guide, now time.Time) (won bool, holder string, t Ticket, err error) {
	t, err = s.Ticket(ctx, id)
	if err != nil {
		return false, "", t, err
	}
	res, err := claimScript.Run(ctx, s.rdb, []string{s.keys.ticket(id), s.keys.ticketQueue(t.Lang),
		s.keys.guideCurrent(), s.keys.handoffOpen(), s.keys.guideHeld(g.Chat)}, id, g.Chat, g.Name, now.Unix()).Slice()
	if err != nil || len(res) != 3 {
		return false, "", t, fmt.Errorf("store: claim ticket: %w", err)
	}
	w, _ := res[0].(int64)
	holder, _ = res[1].(string)
	if w == 1 {
		t.Status, t.Guide, t.GuideName, t.Claimed = TicketClaimed, g.Chat, g.Name, now.Unix()
	}
	return w == 1, holder, t, nil
}

// closeScript closes a ticket with its outcome: it leaves the queue, the guide's
// current and held tickets and the participant's open ticket, and forgets whose it
// was. KEYS: ticket, queue, current, open, the guide's held set. ARGV: id, outcome,
// now. It returns 0 if it was closed already.
var closeScript = redis.NewScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if not status or status == 'closed' then return 0 end
local guide = redis.call('HGET', KEYS[1], 'guide')
local p = redis.call('HGET', KEYS[1], 'participant')
redis.call('HSET', KEYS[1], 'status', 'closed', 'outcome', ARGV[2], 'closed', ARGV[3])
-- Who it was for is needed no more: a closed ticket keeps what the reports count.
redis.call('HDEL', KEYS[1], 'participant', 'address', 'msg')
redis.call('ZREM', KEYS[2], ARGV[1])
if guide and redis.call('HGET', KEYS[3], guide) == ARGV[1] then redis.call('HDEL', KEYS[3], guide) end
redis.call('SREM', KEYS[5], ARGV[1])
if p then
  local h = redis.call('HGET', KEYS[4], p)
  if h == ARGV[1] or h == ARGV[1] .. ':c' then redis.call('HDEL', KEYS[4], p) end
end
return 1
`)

// CloseTicket closes ticket id with outcome; closed is false if it was closed before.
func (s *Store) CloseTicket(ctx context.Context, id, outcome string, now time.Time) (t Ticket, closed bool, err error) {
	t, err = s.Ticket(ctx, id)
	if err != nil {
		return t, false, err
	}
	n, err := closeScript.Run(ctx, s.rdb, []string{s.keys.ticket(id), s.keys.ticketQueue(t.Lang),
		s.keys.guideCurrent(), s.keys.handoffOpen(), s.keys.guideHeld(t.Guide)}, id, outcome, now.Unix()).Int()
	if err != nil {
		return t, false, fmt.Errorf("store: close ticket: %w", err)
	}
	if n == 1 {
		t.Status, t.Outcome, t.Closed = TicketClosed, outcome, now.Unix()
	}
	return t, n == 1, nil
}

// ErrNoTicket means there is no ticket with that id.
var ErrNoTicket = errors.New("store: no such ticket")

// Ticket reads ticket id.
func (s *Store) Ticket(ctx context.Context, id string) (Ticket, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.ticket(id)).Result()
	if err != nil {
		return Ticket{}, fmt.Errorf("store: ticket: %w", err)
	}
	if len(m) == 0 {
		return Ticket{}, ErrNoTicket
	}
	num := func(k string) int64 { n, _ := strconv.ParseInt(m[k], 10, 64); return n }
	return Ticket{ID: m["id"], Participant: m["participant"], Channel: m["channel"], Address: m["address"],
		Lang: m["lang"], Topic: m["topic"], Status: m["status"], Guide: m["guide"], GuideName: m["guide_name"],
		Outcome: m["outcome"], Opened: num("opened"), Claimed: num("claimed"), Closed: num("closed"),
		Msg: m["msg"], Active: num("active"), Nudged: m["nudged"] == "1",
		OutcomeChosen: m["outcome_chosen"], Ticked: m["ticked"]}, nil
}

// splitHandoff reads a participant's handoffOpen: the ticket id and whether a guide has it.
func splitHandoff(v string) (id string, claimed bool) {
	return strings.CutSuffix(v, claimedSuffix)
}

// Seen reports whether the message key was handled (Handled) in the dedupe time.
func (s *Store) Seen(ctx context.Context, key string) (bool, error) {
	n, err := s.rdb.Exists(ctx, s.keys.prefix+"gb:seen:"+key).Result()
	if err != nil {
		return false, fmt.Errorf("store: dedupe: %w", err)
	}
	return n > 0, nil
}

// Handled marks the message key handled for ttl: a dedupe of messages handled
// outside a participant's commit (a guide's), marked once their work is done, so
// a crash before that means the provider's retry does it again rather than never.
func (s *Store) Handled(ctx context.Context, key string, ttl time.Duration) error {
	if err := s.rdb.Set(ctx, s.keys.prefix+"gb:seen:"+key, "1", ttl).Err(); err != nil {
		return fmt.Errorf("store: dedupe: %w", err)
	}
	return nil
}

// enqueueOnceScript queues an outbox entry and marks its message handled, unless it
// was: the two together, so a guide's words go out exactly once.
var enqueueOnceScript = redis.NewScript(`
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
redis.call('XADD', KEYS[2], '*', 'm', ARGV[2])
return 1
`)

// EnqueueOnce queues msg on channel's outbox and marks the message key handled,
// in one step; a key handled before queues nothing.
func (s *Store) EnqueueOnce(ctx context.Context, key string, ttl time.Duration, channel string, msg message.Outbound) error {
	payload, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("store: enqueue: %w", err)
	}
	shard := s.keys.shard(recipient(channel, msg))
	err = enqueueOnceScript.Run(ctx, s.rdb, []string{s.keys.inShard(shard) + "seen:" + key, s.keys.stream(shard, Outbox(channel))},
		int(ttl/time.Second), string(payload)).Err()
	if err != nil {
		return fmt.Errorf("store: enqueue: %w", err)
	}
	return nil
}

// releaseTicketScript gives a claimed ticket back to the queue: it waits for a
// guide again, the participant's flows stay paused no more. KEYS: ticket, queue,
// current, open, the guide's held set. ARGV: id, guide chat. It returns 0 unless
// the guide held it.
var releaseTicketScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'status') ~= 'claimed' or redis.call('HGET', KEYS[1], 'guide') ~= ARGV[2] then
  return 0
end
redis.call('HSET', KEYS[1], 'status', 'open', 'guide', '', 'guide_name', '')
redis.call('ZADD', KEYS[2], redis.call('HGET', KEYS[1], 'opened'), ARGV[1])
if redis.call('HGET', KEYS[3], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[3], ARGV[2]) end
redis.call('SREM', KEYS[5], ARGV[1])
local p = redis.call('HGET', KEYS[1], 'participant')
if p and redis.call('HGET', KEYS[4], p) == ARGV[1] .. ':c' then redis.call('HSET', KEYS[4], p, ARGV[1]) end
return 1
`)

// ReleaseTicket gives the ticket guide holds back to the queue; released is false
// if they did not hold it.
func (s *Store) ReleaseTicket(ctx context.Context, id, guide string) (t Ticket, released bool, err error) {
	t, err = s.Ticket(ctx, id)
	if err != nil {
		return t, false, err
	}
	n, err := releaseTicketScript.Run(ctx, s.rdb, []string{s.keys.ticket(id), s.keys.ticketQueue(t.Lang),
		s.keys.guideCurrent(), s.keys.handoffOpen(), s.keys.guideHeld(guide)}, id, guide).Int()
	if err != nil {
		return t, false, fmt.Errorf("store: release ticket: %w", err)
	}
	if n == 1 {
		t.Status, t.Guide, t.GuideName = TicketOpen, "", ""
	}
	return t, n == 1, nil
}

// MarkTicket sets fields of a ticket (the guide's last answer, a reminder sent).
func (s *Store) MarkTicket(ctx context.Context, id string, fields map[string]string) error {
	if err := s.rdb.HSet(ctx, s.keys.ticket(id), fields).Err(); err != nil {
		return fmt.Errorf("store: mark ticket: %w", err)
	}
	return nil
}

// HeldTickets lists the tickets a guide holds.
func (s *Store) HeldTickets(ctx context.Context, guide string) ([]string, error) {
	ids, err := s.rdb.SMembers(ctx, s.keys.guideHeld(guide)).Result()
	if err != nil {
		return nil, fmt.Errorf("store: held tickets: %w", err)
	}
	slices.Sort(ids)
	return ids, nil
}

// SetCurrentTicket makes id the ticket a guide's words go to.
func (s *Store) SetCurrentTicket(ctx context.Context, guide, id string) error {
	if err := s.rdb.HSet(ctx, s.keys.guideCurrent(), guide, id).Err(); err != nil {
		return fmt.Errorf("store: current ticket: %w", err)
	}
	return nil
}

// RemoveGuide unregisters a guide.
func (s *Store) RemoveGuide(ctx context.Context, chat string) error {
	if err := s.rdb.HDel(ctx, s.keys.guides(), chat).Err(); err != nil {
		return fmt.Errorf("store: remove guide: %w", err)
	}
	return nil
}

// trackKeep is how long a tracked message's id is kept for an edit.
const trackKeep = 7 * 24 * time.Hour

func (k keys) track(key string) string { return k.prefix + "gb:track:" + key }

// Track keeps the provider id of the message tracked under key for recipient to.
func (s *Store) Track(ctx context.Context, key, to, providerID string) error {
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, s.keys.track(key), to, providerID)
	pipe.Expire(ctx, s.keys.track(key), trackKeep)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store: track: %w", err)
	}
	return nil
}

// Tracked returns the provider id kept under key for to, "" for none.
func (s *Store) Tracked(ctx context.Context, key, to string) (string, error) {
	id, err := s.rdb.HGet(ctx, s.keys.track(key), to).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: tracked: %w", err)
	}
	return id, nil
}

// OpenTickets lists the requests for a guide not yet closed — waiting in the queue of
// one of langs, or held by a guide — oldest first, for the coordinators' page.
func (s *Store) OpenTickets(ctx context.Context, langs []string) ([]Ticket, error) {
	ids := map[string]bool{}
	for _, l := range langs {
		waiting, err := s.rdb.ZRange(ctx, s.keys.ticketQueue(l), 0, -1).Result()
		if err != nil {
			return nil, fmt.Errorf("store: open tickets: %w", err)
		}
		for _, id := range waiting {
			ids[id] = true
		}
	}
	guides, err := s.Guides(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range guides {
		held, err := s.HeldTickets(ctx, g.Chat)
		if err != nil {
			return nil, err
		}
		for _, id := range held {
			ids[id] = true
		}
	}
	var out []Ticket
	for id := range ids {
		t, err := s.Ticket(ctx, id)
		if errors.Is(err, ErrNoTicket) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if t.Status != TicketClosed {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Opened < out[j].Opened })
	return out, nil
}
