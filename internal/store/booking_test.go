package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/store"
	"github.com/guidebot/guidebot/internal/store/storetest"
)

var bookNow = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// seat is a booking request for participant id at session key, starting in days.
func seat(id, key string, days, capacity int) store.BookingRequest {
	start := bookNow.Add(time.Duration(days) * 24 * time.Hour)
	rem := store.Reminder{ID: id + "|" + key + "|0", Due: start.Add(-2 * time.Hour), Starts: start,
		Channel: "sms", Message: message.Outbound{To: "+4670", Text: "reminder"}, Participant: id, Booking: key}
	return store.BookingRequest{Participant: id, Capacity: capacity, MaxOpen: 3, Now: bookNow,
		Ends: start.Add(time.Hour), Reminders: []store.Reminder{rem},
		Booking: flow.Booking{Key: key, Start: start.Unix(), Reminders: []string{rem.ID}}}
}

// participant commits an empty state, as a booking always follows a message.
func participant(t *testing.T, st *store.Store, id string) {
	t.Helper()
	_, err := st.Commit(context.Background(), store.Commit{ID: id, State: flow.State{ID: id}})
	if err != nil && !errors.Is(err, store.ErrConflict) { // ErrConflict: there already
		t.Fatal(err)
	}
}

func TestBookOutcomes(t *testing.T) {
	tests := []struct {
		name  string
		steps []store.BookingRequest
		want  []store.Outcome
	}{
		{"a seat", []store.BookingRequest{seat("p1", "s@1", 1, 2)}, []store.Outcome{store.Booked}},
		{"no double booking", []store.BookingRequest{seat("p1", "s@1", 1, 2), seat("p1", "s@1", 1, 2)},
			[]store.Outcome{store.Booked, store.Already}},
		{"full", []store.BookingRequest{seat("p1", "s@1", 1, 2), seat("p2", "s@1", 1, 2), seat("p3", "s@1", 1, 2)},
			[]store.Outcome{store.Booked, store.Booked, store.Full}},
		{"unlimited", []store.BookingRequest{seat("p1", "s@1", 1, 0), seat("p2", "s@1", 1, 0), seat("p3", "s@1", 1, 0)},
			[]store.Outcome{store.Booked, store.Booked, store.Booked}},
		{"capped at three open", []store.BookingRequest{seat("p1", "a", 1, 0), seat("p1", "b", 2, 0), seat("p1", "c", 3, 0), seat("p1", "d", 4, 0)},
			[]store.Outcome{store.Booked, store.Booked, store.Booked, store.AtLimit}},
		{"a booking that has begun does not count", []store.BookingRequest{seat("p1", "a", -1, 0), seat("p1", "b", 2, 0), seat("p1", "c", 3, 0), seat("p1", "d", 4, 0)},
			[]store.Outcome{store.Booked, store.Booked, store.Booked, store.Booked}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := newStore(t, store.Options{})
			for i, r := range tt.steps {
				participant(t, st, r.Participant)
				got, err := st.Book(ctx, r)
				if err != nil || got != tt.want[i] {
					t.Fatalf("request %d (%s at %s): %q %v, want %q", i, r.Participant, r.Booking.Key, got, err, tt.want[i])
				}
			}
		})
	}
}

func TestBookingsLoadAndCancelFreesTheSeat(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, store.Options{})
	participant(t, st, "p1")
	participant(t, st, "p2")
	req := seat("p1", "s@1", 1, 1)
	if got, _ := st.Book(ctx, req); got != store.Booked {
		t.Fatalf("book: %q", got)
	}
	rec, err := st.Load(ctx, "p1", "")
	if err != nil || len(rec.State.Bookings) != 1 || rec.State.Bookings[0].Key != "s@1" {
		t.Fatalf("load: %+v %v", rec.State.Bookings, err)
	}
	if n, _ := st.PendingReminders(ctx); n != 1 {
		t.Fatalf("%d reminders, want 1", n)
	}
	if got, _ := st.Book(ctx, seat("p2", "s@1", 1, 1)); got != store.Full {
		t.Fatalf("second seat of one: %q", got)
	}
	had, err := st.CancelBooking(ctx, "p1", rec.State.Bookings[0])
	if err != nil || !had {
		t.Fatalf("cancel: %v %v", had, err)
	}
	if n, _ := st.PendingReminders(ctx); n != 0 {
		t.Fatalf("%d reminders after the cancel, want 0", n)
	}
	if got, _ := st.Book(ctx, seat("p2", "s@1", 1, 1)); got != store.Booked {
		t.Fatalf("the freed seat: %q", got)
	}
	if had, _ := st.CancelBooking(ctx, "p1", rec.State.Bookings[0]); had {
		t.Fatal("cancelled twice")
	}
}

// TestLastSeatRace: twenty participants want the last five seats at once; five get one.
func TestLastSeatRace(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, store.Options{})
	var wg sync.WaitGroup
	got := make([]store.Outcome, 20)
	for i := range got {
		id := fmt.Sprintf("p%d", i)
		participant(t, st, id)
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = st.Book(ctx, seat(id, "course", 3, 5))
		}()
	}
	wg.Wait()
	booked := 0
	for _, o := range got {
		if o == store.Booked {
			booked++
		}
	}
	if n, _ := st.Roster(ctx, "course"); booked != 5 || n != 5 {
		t.Fatalf("%d booked, roster %d; want 5 and 5 (%v)", booked, n, got)
	}
}

func TestReminderAnswerIsPendingUntilConsumed(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, store.Options{})
	participant(t, st, "p1")
	req := seat("p1", "s@1", 1, 0)
	if got, _ := st.Book(ctx, req); got != store.Booked {
		t.Fatalf("book: %q", got)
	}
	due := req.Reminders[0].Due
	if rel, err := st.ReleaseDue(ctx, due, 10, []string{"sms"}); err != nil || rel.Queued != 1 || rel.Late != 0 {
		t.Fatalf("release: %+v %v", rel, err)
	}
	rec, _ := st.Load(ctx, "p1", "")
	if rec.State.Pending != "s@1" {
		t.Fatalf("pending %q, want s@1", rec.State.Pending)
	}
	// A commit that did not consume the answer keeps it; one that did clears it.
	if _, err := st.Commit(ctx, store.Commit{ID: "p1", Version: rec.Version, State: rec.State}); err != nil {
		t.Fatal(err)
	}
	rec, _ = st.Load(ctx, "p1", "")
	if rec.State.Pending != "s@1" {
		t.Fatalf("pending %q after an unrelated commit", rec.State.Pending)
	}
	if _, err := st.Commit(ctx, store.Commit{ID: "p1", Version: rec.Version, State: rec.State, ClearPending: "s@1"}); err != nil {
		t.Fatal(err)
	}
	if rec, _ = st.Load(ctx, "p1", ""); rec.State.Pending != "" {
		t.Fatalf("pending %q after the answer", rec.State.Pending)
	}
}

func TestForgetReleasesBookings(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, store.Options{})
	participant(t, st, "p1")
	participant(t, st, "p2")
	if got, _ := st.Book(ctx, seat("p1", "s@1", 1, 1)); got != store.Booked {
		t.Fatalf("book: %q", got)
	}
	rec, _ := st.Load(ctx, "p1", "")
	if _, err := st.Commit(ctx, store.Commit{ID: "p1", Version: rec.Version, Forget: true, Release: rec.State.Bookings}); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.PendingReminders(ctx); n != 0 {
		t.Fatalf("%d reminders of a forgotten participant", n)
	}
	if rec, _ := st.Load(ctx, "p1", ""); len(rec.State.Bookings) != 0 || rec.Version != 0 {
		t.Fatalf("forgotten participant still has %+v", rec)
	}
	if got, _ := st.Book(ctx, seat("p2", "s@1", 1, 1)); got != store.Booked {
		t.Fatalf("the forgotten participant's seat: %q", got)
	}
}

func TestGuideAvailable(t *testing.T) {
	tests := []struct {
		from, to, hour int
		want           bool
	}{
		{0, 0, 3, true}, {9, 17, 9, true}, {9, 17, 16, true}, {9, 17, 17, false}, {9, 17, 8, false},
		{22, 6, 23, true}, {22, 6, 5, true}, {22, 6, 6, false}, {22, 6, 12, false},
	}
	for _, tt := range tests {
		if got := (store.Guide{From: tt.from, To: tt.to}).Available(tt.hour); got != tt.want {
			t.Errorf("hours %d-%d at %d: %v, want %v", tt.from, tt.to, tt.hour, got, tt.want)
		}
	}
}

// TestAtLimitGivesTheSeatBack: a participant who may book no more does not keep the
// seat the first step took, so the last seat stays free for someone else.
func TestAtLimitGivesTheSeatBack(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, store.Options{})
	for i, key := range []string{"a", "b", "c"} {
		if out, err := st.Book(ctx, seat("p1", key, i+1, 0)); err != nil || out != store.Booked {
			t.Fatalf("book %s: %v %v", key, out, err)
		}
	}
	if out, err := st.Book(ctx, seat("p1", "last", 5, 1)); err != nil || out != store.AtLimit {
		t.Fatalf("a fourth: %v %v", out, err)
	}
	if out, err := st.Book(ctx, seat("p2", "last", 5, 1)); err != nil || out != store.Booked {
		t.Fatalf("the last seat for another: %v %v, want it free", out, err)
	}
}

// TestTidyRostersGivesBackWhatACrashLeft: seats taken by a first step whose second
// never ran (Book), or left by a cancel whose second step never ran, are given back
// once they are older than the grace; a booked seat, a seat still being booked and
// a seat at a session that has begun stay.
func TestTidyRostersGivesBackWhatACrashLeft(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(t)
	st := store.New(rdb, store.Options{Prefix: prefix, Shards: testShards})
	booked := seat("p1", "s@1", 1, 3)
	if out, err := st.Book(ctx, booked); err != nil || out != store.Booked {
		t.Fatalf("book: %v %v", out, err)
	}
	past := seat("p1", "s@-1", -1, 3)
	if out, err := st.Book(ctx, past); err != nil || out != store.Booked {
		t.Fatalf("book a past session: %v %v", out, err)
	}
	// What a first step leaves when its replica dies: a seat and no booking.
	roster := prefix + "gb:{r}:roster:s@1"
	if err := rdb.HSet(ctx, roster, "p2", bookNow.Unix(), "p3", bookNow.Add(90*time.Second).Unix()).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.HSet(ctx, prefix+"gb:{r}:roster:s@-1", "p4", bookNow.Unix()).Err(); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.Roster(ctx, "s@1"); n != 3 {
		t.Fatalf("roster %d, want 3 seats taken", n)
	}
	freed, err := st.TidyRosters(ctx, bookNow.Add(2*time.Minute), time.Minute)
	if err != nil || freed != 1 {
		t.Fatalf("tidy: freed %d, %v; want p2's seat", freed, err)
	}
	members, _ := st.RosterMembers(ctx, "s@1")
	if slices.Sort(members); fmt.Sprint(members) != "[p1 p3]" {
		t.Fatalf("roster %v, want p1 (booked) and p3 (still within the grace)", members)
	}
	if n, _ := st.Roster(ctx, "s@-1"); n != 2 {
		t.Fatalf("a session that has begun: %d seats, want both kept for the reports", n)
	}
	// A cancel whose second step did not run: the booking is gone, the seat not.
	if had, err := st.CancelBooking(ctx, "p1", booked.Booking); err != nil || !had {
		t.Fatalf("cancel: %v %v", had, err)
	}
	if err := rdb.HSet(ctx, roster, "p1", bookNow.Unix()).Err(); err != nil {
		t.Fatal(err)
	}
	if freed, err := st.TidyRosters(ctx, bookNow.Add(3*time.Minute), time.Minute); err != nil || freed != 2 {
		t.Fatalf("tidy after the cancel: freed %d, %v; want p1's and p3's", freed, err)
	}
}

// TestCheckShards: the number of shards is recorded on first use; a store with
// another number on the same data is refused.
func TestCheckShards(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := storetest.Redis(t)
	if err := store.New(rdb, store.Options{Prefix: prefix, Shards: 4}).CheckShards(ctx); err != nil {
		t.Fatal(err)
	}
	if err := store.New(rdb, store.Options{Prefix: prefix, Shards: 4}).CheckShards(ctx); err != nil {
		t.Fatalf("the same number again: %v", err)
	}
	if err := store.New(rdb, store.Options{Prefix: prefix, Shards: 8}).CheckShards(ctx); !errors.Is(err, store.ErrShards) {
		t.Fatalf("another number: %v, want ErrShards", err)
	}
}
