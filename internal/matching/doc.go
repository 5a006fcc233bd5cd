// Package matching signs newcomers and volunteers up to meet for an hour and pairs the waiting pool.
//
// The sign-up is a flow (flows/match.yaml) whose effects this package carries out:
// the profile goes to the store's matching pool, outside the participant's commit
// (as a booking's seat does); a message offered again writes the same profile.
// Pairing is internal/match's: each programme of the schedule file is matched on
// its own, in the schedule's order, over its waiting newcomers and its volunteers
// (approved ones, where the programme is vetted); someone paired in one programme
// waits out the round in the others. A match talks through the bot (talk.go); the
// coordinators approve, resume and close from their Telegram chat (coordinate.go,
// through the handoff's console).
package matching
