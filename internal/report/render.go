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

// Write writes r in format: md (Markdown tables), csv (one row per figure:
// section, dimension, value) or json.
func Write(w io.Writer, r Report, format string) error {
	switch format {
	case "md":
		return writeMarkdown(w, r)
	case "csv":
		return writeCSV(w, r)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return fmt.Errorf("report: format %q: want %s", format, strings.Join(Formats, ", "))
}

// rows is one table: its header and cells; keyed says the first column names the
// row (a month, a language) rather than being a figure of its own.
type rows struct {
	header []string
	cells  [][]string
	keyed  bool
}

func (r Report) tables() []struct {
	title string
	rows  rows
} {
	type table = struct {
		title string
		rows  rows
	}
	var out []table
	months := rows{header: []string{"month", "new participants", "reached in all"}, keyed: true}
	for _, m := range r.Reach.ByMonth {
		months.cells = append(months.cells, []string{m.Month, m.New.String(), strconv.FormatInt(m.Cumulative, 10)})
	}
	out = append(out, table{"Participants reached", months})
	out = append(out, table{"By language", mapRows("language", r.Reach.ByLanguage)})
	out = append(out, table{"By channel", mapRows("channel", r.Reach.ByChannel)})
	if p := r.Target; p != nil {
		out = append(out, table{"Target", rows{header: []string{"target", "by", "reached", "still to reach", "months left", "needed a month"},
			cells: [][]string{{strconv.Itoa(p.Participants), p.By, strconv.FormatInt(p.Reached, 10), strconv.FormatInt(p.Remaining, 10),
				strconv.FormatFloat(p.MonthsLeft, 'f', 1, 64), strconv.FormatFloat(p.PerMonth, 'f', 1, 64)}}}})
	}
	out = append(out, table{"Sessions", rows{header: []string{"held", "bookings", "confirmations", "cancellations",
		"reminders sent", "reminders delivered", "reminders failed", "reminders too late to send"},
		cells: [][]string{{r.Sessions.Held.String(), r.Sessions.Bookings.String(), r.Sessions.Confirmations.String(),
			r.Sessions.Cancellations.String(), r.Sessions.RemindersSent.String(), r.Sessions.RemindersDelivered.String(),
			r.Sessions.RemindersFailed.String(), r.Sessions.RemindersDropped.String()}}}})
	out = append(out, table{"Sessions held by venue", mapRows("venue", r.Sessions.HeldByVenue)})
	out = append(out, table{"Bookings by session", mapRows("session", r.Sessions.BySession)})
	out = append(out, table{"Bookings by venue", mapRows("venue", r.Sessions.ByVenue)})
	out = append(out, table{"Requests for a guide", rows{header: []string{"opened", "median minutes to claim"},
		cells: [][]string{{r.Tickets.Opened.String(), strconv.FormatFloat(r.Tickets.MedianClaimSeconds/60, 'f', 1, 64)}}}})
	out = append(out, table{"Closed requests by outcome", mapRows("outcome", r.Tickets.ByOutcome)})
	out = append(out, table{"Feedback", rows{header: []string{"ratings", "average (1-5)"},
		cells: [][]string{{r.Feedback.Ratings.String(), strconv.FormatFloat(r.Feedback.Average, 'f', 2, 64)}}}})
	cards := rows{header: []string{"card", "language", "opened", "read to the end", "helped", "did not help"}, keyed: true}
	for _, c := range r.Cards {
		cards.cells = append(cards.cells, []string{c.Card, c.Lang, c.Opened.String(), c.Finished.String(), c.Helped.String(), c.NotHelped.String()})
	}
	out = append(out, table{"First-aid cards", cards})
	return out
}

func mapRows(name string, m map[string]Cell) rows {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := rows{header: []string{name, "count"}, keyed: true}
	for _, k := range keys {
		out.cells = append(out.cells, []string{k, m[k].String()})
	}
	return out
}

func writeMarkdown(w io.Writer, r Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Programme report %s to %s\n\nCounts from 1 to 4 show as <5.\n", r.From, r.To)
	for _, t := range r.tables() {
		fmt.Fprintf(&b, "\n## %s\n\n", t.title)
		if len(t.rows.cells) == 0 {
			b.WriteString("None.\n")
			continue
		}
		b.WriteString("| " + strings.Join(t.rows.header, " | ") + " |\n")
		b.WriteString("|" + strings.Repeat("---|", len(t.rows.header)) + "\n")
		for _, c := range t.rows.cells {
			b.WriteString("| " + strings.Join(escapeCells(c), " | ") + " |\n")
		}
	}
	b.WriteString("\n## Comments\n\n")
	if len(r.Feedback.Comments) == 0 {
		b.WriteString("None.\n")
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

func writeCSV(w io.Writer, r Report) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"section", "row", "column", "value"})
	for _, t := range r.tables() {
		for _, c := range t.rows.cells {
			row, first := "", 0
			if t.rows.keyed {
				row, first = c[0], 1
				if t.title == "First-aid cards" {
					row, first = c[0]+" "+c[1], 2
				}
			}
			for i := first; i < len(c); i++ {
				cw.Write([]string{t.title, row, t.rows.header[i], c[i]})
			}
		}
	}
	for _, c := range r.Feedback.Comments {
		cw.Write([]string{"Comments", "", "comment", c})
	}
	cw.Flush()
	return cw.Error()
}
