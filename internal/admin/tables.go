package admin

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/guidebot/guidebot/internal/report"
)

// tables are the report's tables, then this week's sessions and the open requests
// after the venues: the page's own figures.
func tables(r report.Report, week []WeekSession, tickets []OpenTicket, now time.Time, t report.Say) []report.Table {
	say := func(id string) string { return t(id, nil) }
	wk := report.Table{ID: "week", Title: say("admin.week"), Header: []string{say("admin.when"), say("admin.venue"), say("admin.booked"), say("admin.places")}}
	for _, s := range week {
		places := "-"
		if s.Places > 0 {
			places = strconv.Itoa(s.Places)
		}
		what := s.Venue
		if s.Title != "" {
			what = s.Title + ", " + s.Venue
		}
		wk.Rows = append(wk.Rows, []string{s.When.Format("2006-01-02 15:04"), what, strconv.FormatInt(s.Booked, 10), places})
	}
	tk := report.Table{ID: "tickets", Title: say("admin.tickets"), Header: []string{say("admin.request"), say("admin.language"), say("admin.status"), say("admin.waiting")}}
	for _, o := range tickets {
		minutes := strconv.Itoa(int(now.Sub(o.Opened).Minutes()))
		tk.Rows = append(tk.Rows, []string{o.ID, o.Lang, o.Status, t("admin.minutes", map[string]string{"Minutes": minutes})})
	}
	var out []report.Table
	for _, tb := range report.Tables(r, t) {
		out = append(out, tb)
		if tb.ID == "venue" {
			out = append(out, wk, tk)
		}
	}
	return out
}

// The chart's drawing area, in SVG units.
const (
	chartW, chartH = 640, 240
	chartPad       = 32
)

// chart draws the participants reached in all, month by month, as a line, against
// the target's pace (from the reach before the period to the target on its date) as
// a dashed line: SVG drawn on the server, no script.
func chart(r report.Report, title string) template.HTML {
	months := r.Reach.ByMonth
	if len(months) == 0 {
		return ""
	}
	top := float64(1)
	for _, m := range months {
		top = max(top, float64(m.Cumulative))
	}
	var startValue, endValue float64
	if tg := r.Target; tg != nil {
		top = max(top, float64(tg.Participants))
		startValue = float64(months[0].Cumulative - int64(months[0].New))
		first, _ := time.Parse("2006-01", months[0].Month)
		last, _ := time.Parse("2006-01", months[len(months)-1].Month)
		by, _ := time.Parse(time.DateOnly, tg.By)
		if span := by.Sub(first).Hours(); span > 0 {
			endValue = startValue + (float64(tg.Participants)-startValue)*min(last.Sub(first).Hours()/span, 1)
		}
	}
	top *= 1.1
	x := func(i int) float64 {
		if len(months) == 1 {
			return chartPad
		}
		return chartPad + float64(i)*float64(chartW-2*chartPad)/float64(len(months)-1)
	}
	y := func(v float64) float64 { return float64(chartH-chartPad) - v*float64(chartH-2*chartPad)/top }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="reach-chart" viewBox="0 0 %d %d" role="img" aria-label="%s">`, chartW, chartH, template.HTMLEscapeString(title))
	fmt.Fprintf(&b, `<title>%s</title>`, template.HTMLEscapeString(title))
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>`, chartPad, chartH-chartPad, chartW-chartPad, chartH-chartPad)
	if r.Target != nil {
		fmt.Fprintf(&b, `<line class="target" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#c0392b" stroke-dasharray="6 4"/>`,
			x(0), y(startValue), x(len(months)-1), y(endValue))
	}
	var points []string
	for i, m := range months {
		points = append(points, fmt.Sprintf("%.1f,%.1f", x(i), y(float64(m.Cumulative))))
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="#1f6fb2"><title>%s: %d</title></circle>`, x(i), y(float64(m.Cumulative)), m.Month, m.Cumulative)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="10" text-anchor="middle">%s</text>`, x(i), chartH-chartPad+14, m.Month[2:])
	}
	fmt.Fprintf(&b, `<polyline class="reach" fill="none" stroke="#1f6fb2" stroke-width="2" points="%s"/>`, strings.Join(points, " "))
	fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="11">%d</text>`, 2, y(float64(months[len(months)-1].Cumulative))-4, months[len(months)-1].Cumulative)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
