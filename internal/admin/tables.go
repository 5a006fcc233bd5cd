package admin

import (
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/guidebot/guidebot/internal/report"
)

// table is one of the page's tables, as shown and as its CSV.
type table struct {
	ID     string
	Title  string
	Header []string
	Rows   [][]string
}

type say func(id string, params map[string]string) string

func tables(r report.Report, week []WeekSession, tickets []OpenTicket, now time.Time, t say) []table {
	reach := table{ID: "reach", Title: t("admin.reach", nil), Header: []string{t("admin.month", nil), t("admin.new", nil), t("admin.total", nil)}}
	for _, m := range r.Reach.ByMonth {
		reach.Rows = append(reach.Rows, []string{m.Month, m.New.String(), strconv.FormatInt(m.Cumulative, 10)})
	}
	venues := table{ID: "venue", Title: t("admin.venue", nil), Header: []string{t("admin.venue", nil), t("admin.held", nil), t("admin.bookings", nil)}}
	for _, v := range keys(r.Sessions.HeldByVenue, r.Sessions.ByVenue) {
		venues.Rows = append(venues.Rows, []string{v, r.Sessions.HeldByVenue[v].String(), r.Sessions.ByVenue[v].String()})
	}
	wk := table{ID: "week", Title: t("admin.week", nil), Header: []string{t("admin.when", nil), t("admin.venue", nil), t("admin.booked", nil), t("admin.places", nil)}}
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
	tk := table{ID: "tickets", Title: t("admin.tickets", nil), Header: []string{t("admin.request", nil), t("admin.language", nil), t("admin.status", nil), t("admin.waiting", nil)}}
	for _, o := range tickets {
		minutes := strconv.Itoa(int(now.Sub(o.Opened).Minutes()))
		tk.Rows = append(tk.Rows, []string{o.ID, o.Lang, o.Status, t("admin.minutes", map[string]string{"Minutes": minutes})})
	}
	cards := table{ID: "cards", Title: t("admin.cards", nil), Header: []string{t("admin.card", nil), t("admin.language", nil),
		t("admin.opened", nil), t("admin.finished", nil), t("admin.helped", nil), t("admin.not_helped", nil)}}
	for _, c := range r.Cards {
		cards.Rows = append(cards.Rows, []string{c.Card, c.Lang, c.Opened.String(), c.Finished.String(), c.Helped.String(), c.NotHelped.String()})
	}
	return []table{reach,
		counted("language", t("admin.language", nil), t("admin.count", nil), r.Reach.ByLanguage),
		counted("channel", t("admin.channel", nil), t("admin.count", nil), r.Reach.ByChannel),
		venues, wk, tk, cards}
}

func counted(id, name, count string, m map[string]report.Cell) table {
	tb := table{ID: id, Title: name, Header: []string{name, count}}
	for _, k := range keys(m) {
		tb.Rows = append(tb.Rows, []string{k, m[k].String()})
	}
	return tb
}

// keys are the keys of maps, sorted, each once.
func keys(maps ...map[string]report.Cell) []string {
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
