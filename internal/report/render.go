package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Formats are the ways a report is written.
var Formats = []string{"md", "csv", "json"}

// Say renders one of the report's words (admin.*) in the reader's language; the
// i18n catalog does it.
type Say func(id string, params map[string]string) string

// Table is one of the report's tables, as a page shows it and as its CSV. Keyed says
// the first column names the row (a month, a language) rather than being a figure.
type Table struct {
	ID     string
	Title  string
	Header []string
	Rows   [][]string
	Keyed  bool
}

// Tables are r's figures as tables, in the reader's language.
func Tables(r Report, say Say) []Table {
	t := func(id string) string { return say(id, nil) }
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	reach := Table{ID: "reach", Title: t("admin.reach"), Header: []string{t("admin.month"), t("admin.new"), t("admin.total")}, Keyed: true}
	for _, m := range r.Reach.ByMonth {
		reach.Rows = append(reach.Rows, []string{m.Month, m.New.String(), strconv.FormatInt(m.Cumulative, 10)})
	}
	out := []Table{reach,
		counted("language", t("admin.language"), t("admin.count"), r.Reach.ByLanguage),
		counted("channel", t("admin.channel"), t("admin.count"), r.Reach.ByChannel)}
	if p := r.Target; p != nil {
		out = append(out, Table{ID: "target", Title: t("admin.goal"),
			Header: []string{t("admin.goal"), t("admin.by"), t("admin.reached"), t("admin.remaining"), t("admin.months_left"), t("admin.per_month")},
			Rows: [][]string{{strconv.Itoa(p.Participants), p.By, strconv.FormatInt(p.Reached, 10), strconv.FormatInt(p.Remaining, 10),
				num(p.MonthsLeft), num(p.PerMonth)}}})
	}
	s := r.Sessions
	venues := Table{ID: "venue", Title: t("admin.venue"), Header: []string{t("admin.venue"), t("admin.held"), t("admin.bookings")}, Keyed: true}
	for _, v := range keys(s.HeldByVenue, s.ByVenue) {
		venues.Rows = append(venues.Rows, []string{v, s.HeldByVenue[v].String(), s.ByVenue[v].String()})
	}
	out = append(out,
		Table{ID: "sessions", Title: t("admin.sessions"),
			Header: []string{t("admin.held"), t("admin.bookings"), t("admin.confirmations"), t("admin.cancellations"),
				t("admin.reminders_sent"), t("admin.reminders_delivered"), t("admin.reminders_failed"), t("admin.reminders_late")},
			Rows: [][]string{{s.Held.String(), s.Bookings.String(), s.Confirmations.String(), s.Cancellations.String(),
				s.RemindersSent.String(), s.RemindersDelivered.String(), s.RemindersFailed.String(), s.RemindersDropped.String()}}},
		venues,
		counted("session", t("admin.by_session"), t("admin.count"), s.BySession),
		Table{ID: "requests", Title: t("admin.requests"), Header: []string{t("admin.opened"), t("admin.median_claim")},
			Rows: [][]string{{r.Tickets.Opened.String(), num(r.Tickets.MedianClaimSeconds / 60)}}},
		counted("outcome", t("admin.outcomes"), t("admin.count"), r.Tickets.ByOutcome),
		Table{ID: "feedback", Title: t("admin.feedback"), Header: []string{t("admin.ratings"), t("admin.average_rating")},
			Rows: [][]string{{r.Feedback.Ratings.String(), strconv.FormatFloat(r.Feedback.Average, 'f', 2, 64)}}})
	cards := Table{ID: "cards", Title: t("admin.cards"), Header: []string{t("admin.card"), t("admin.language"),
		t("admin.opened"), t("admin.finished"), t("admin.helped"), t("admin.not_helped")}, Keyed: true}
	for _, c := range r.Cards {
		cards.Rows = append(cards.Rows, []string{c.Card, c.Lang, c.Opened.String(), c.Finished.String(), c.Helped.String(), c.NotHelped.String()})
	}
	match := Table{ID: "matching", Title: t("menu.option.match"), Header: []string{t("admin.programme"), t("admin.signed_up"),
		t("admin.proposed"), t("admin.matched"), t("admin.met"), t("admin.average_rating"), t("admin.problems")}, Keyed: true}
	for _, m := range r.Matching {
		match.Rows = append(match.Rows, []string{m.Programme, m.SignedUp.String(), m.Proposed.String(), m.Matched.String(),
			m.Met.String(), strconv.FormatFloat(m.Average, 'f', 2, 64), m.Reported.String()})
	}
	return append(out, cards, match)
}

func counted(id, title, count string, m map[string]Cell) Table {
	tb := Table{ID: id, Title: title, Header: []string{title, count}, Keyed: true}
	for _, k := range keys(m) {
		tb.Rows = append(tb.Rows, []string{k, m[k].String()})
	}
	return tb
}

// keys are the keys of maps, sorted, each once.
func keys(maps ...map[string]Cell) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range maps {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Write writes r in format: md (Markdown tables), csv (one row per figure:
// section, row, column, value) or json; say gives the words of md and csv.
func Write(w io.Writer, r Report, format string, say Say) error {
	switch format {
	case "md":
		return writeMarkdown(w, r, say)
	case "csv":
		return writeCSV(w, r, say)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return fmt.Errorf("report: format %q: want %s", format, strings.Join(Formats, ", "))
}

func writeMarkdown(w io.Writer, r Report, say Say) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n", say("admin.heading", map[string]string{"From": r.From, "To": r.To}), say("admin.small", nil))
	for _, t := range Tables(r, say) {
		fmt.Fprintf(&b, "\n## %s\n\n", t.Title)
		if len(t.Rows) == 0 {
			b.WriteString(say("admin.none", nil) + "\n")
			continue
		}
		b.WriteString("| " + strings.Join(t.Header, " | ") + " |\n")
		b.WriteString("|" + strings.Repeat("---|", len(t.Header)) + "\n")
		for _, c := range t.Rows {
			b.WriteString("| " + strings.Join(escapeCells(c), " | ") + " |\n")
		}
	}
	fmt.Fprintf(&b, "\n## %s\n\n", say("admin.comments", nil))
	if len(r.Feedback.Comments) == 0 {
		b.WriteString(say("admin.none", nil) + "\n")
	}
	for _, c := range r.Feedback.Comments {
		b.WriteString("- " + strings.ReplaceAll(c, "\n", " ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func escapeCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.ReplaceAll(c, "|", "\\|")
	}
	return out
}

// writeCSV writes one row per figure: the table, the row it is in (a month, a
// language; a card and its language), the column and the value.
func writeCSV(w io.Writer, r Report, say Say) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"section", "row", "column", "value"})
	for _, t := range Tables(r, say) {
		first := 0
		if t.Keyed {
			first = 1
			if t.ID == "cards" {
				first = 2
			}
		}
		for _, c := range t.Rows {
			row := strings.Join(c[:first], " ")
			for i := first; i < len(c); i++ {
				cw.Write([]string{t.Title, row, t.Header[i], c[i]})
			}
		}
	}
	for _, c := range r.Feedback.Comments {
		cw.Write([]string{say("admin.comments", nil), "", "", c})
	}
	cw.Flush()
	return cw.Error()
}
