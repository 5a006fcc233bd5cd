// Package matching signs newcomers and volunteers up to meet for an hour and pairs the waiting pool.
//
// The sign-up is a flow (flows/match.yaml) whose effects this package carries out:
// the profile goes to the store's matching pool, outside the participant's commit
// (as a booking's seat does); a message offered again writes the same profile.
// Pairing is internal/match's: each programme of the schedule file is matched on
// its own, over the waiting newcomers and the approved volunteers.
package matching
