package remind_test

import (
	"strings"
	"testing"
	"time"

	"github.com/guidebot/guidebot/internal/remind"
	"github.com/guidebot/guidebot/internal/schedule"
)

func TestDue(t *testing.T) {
	sthlm, _ := time.LoadLocation("Europe/Stockholm")
	hki, _ := time.LoadLocation("Europe/Helsinki")
	night := schedule.QuietHours{From: 21 * 60, To: 8 * 60}
	lunch := schedule.QuietHours{From: 12 * 60, To: 13 * 60}
	at := func(loc *time.Location, s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	std := []time.Duration{24 * time.Hour, 2 * time.Hour}
	tests := []struct {
		name    string
		start   time.Time
		offsets []time.Duration
		quiet   schedule.QuietHours
		now     time.Time
		want    string // local times
	}{
		{"plain", at(sthlm, "2026-12-05 11:00"), std, night, at(sthlm, "2026-12-01 10:00"),
			"2026-12-04 11:00 +0100, 2026-12-05 09:00 +0100"},
		{"the 2h reminder falls at 07:00: moved to 21:00 the evening before", at(sthlm, "2026-12-05 09:00"), std, night, at(sthlm, "2026-12-01 10:00"),
			"2026-12-04 09:00 +0100, 2026-12-04 21:00 +0100"},
		{"both land at 21:00: sent once", at(sthlm, "2026-12-05 08:30"), []time.Duration{10 * time.Hour, 2 * time.Hour}, night, at(sthlm, "2026-12-01 10:00"),
			"2026-12-04 21:00 +0100"},
		{"quiet hours would push it into the past: dropped", at(sthlm, "2026-12-05 09:00"), std, night, at(sthlm, "2026-12-04 22:00"),
			""},
		{"booked an hour before: no reminder after the start or in the past", at(sthlm, "2026-12-05 11:00"), std, night, at(sthlm, "2026-12-05 10:00"),
			""},
		{"quiet hours within a day", at(sthlm, "2026-12-05 14:30"), std, lunch, at(sthlm, "2026-12-01 10:00"),
			"2026-12-04 14:30 +0100, 2026-12-05 12:00 +0100"},
		// 24h before a session on the first day of summer time is the same clock time
		// the day before, in winter time: 23 hours earlier, not 24.
		{"a day before, across the spring DST night (Stockholm)", at(sthlm, "2027-03-28 11:00"), std, night, at(sthlm, "2027-03-20 10:00"),
			"2027-03-27 11:00 +0100, 2027-03-28 09:00 +0200"},
		{"a day before, across the autumn DST night (Helsinki)", at(hki, "2026-10-25 11:00"), std, night, at(hki, "2026-10-20 10:00"),
			"2026-10-24 11:00 +0300, 2026-10-25 09:00 +0200"},
		{"quiet hours on the spring night: 21:00 by the clock of that evening", at(sthlm, "2027-03-28 09:30"), []time.Duration{2 * time.Hour}, night, at(sthlm, "2027-03-20 10:00"),
			"2027-03-27 21:00 +0100"},
		{"no quiet hours", at(sthlm, "2026-12-05 09:00"), std, schedule.QuietHours{}, at(sthlm, "2026-12-01 10:00"),
			"2026-12-04 09:00 +0100, 2026-12-05 07:00 +0100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, d := range remind.Due(tc.start, tc.offsets, tc.quiet, tc.now) {
				got = append(got, d.Format("2006-01-02 15:04 -0700"))
			}
			if strings.Join(got, ", ") != tc.want {
				t.Fatalf("got  %s\nwant %s", strings.Join(got, ", "), tc.want)
			}
		})
	}
}
