package timeline

import (
	"bufio"
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Formats are the formats Render takes.
func Formats() []string { return []string{"svg", "html"} }

// Render writes the chart of r in format (one of Formats).
func Render(w io.Writer, r *Report, format string) error {
	switch format {
	case "svg":
		return SVG(w, r)
	case "html":
		return HTML(w, r)
	}
	return fmt.Errorf("timeline: format %q: want one of %s", format, strings.Join(Formats(), ", "))
}

// Geometry of the chart, in pixels.
const (
	labelWidth = 420 // the step labels left of the chart
	chartWidth = 860 // the time axis
	rightPad   = 70  // room for the retry counts after the last bars
	headHeight = 86  // title, summary and legend above the axis
	axisHeight = 22
	bigRow     = 16 // a row with its label
	smallRow   = 5  // a row of a chart with more than manyRows steps: no labels but the groups'
	groupRow   = 18 // the heading of an IPAM
	manyRows   = 300
)

// chart is the layout of a report: its rows in order and the scale of its time axis.
type chart struct {
	r        *Report
	t0       time.Time     // the first step's start
	span     time.Duration // the execute phase as the steps show it
	axis     time.Duration // what the axis shows: the span or L, whichever is longer
	started  bool          // some step started
	critical map[string]bool
	rows     []row
	rowH     int
	height   int
}

// row is one line of the chart: an IPAM's heading, or a step.
type row struct {
	y     int
	ipam  string // heading rows
	count int    // heading rows: the IPAM's steps
	step  *Step
	band  bool // the step's level is an odd one within its IPAM: drawn on a shaded band
	first bool // the first step of its level within its IPAM: the level is named
}

func layout(r *Report) *chart {
	c := &chart{r: r, critical: map[string]bool{}}
	start, end, ok := r.Span()
	c.t0, c.span, c.started = start, end.Sub(start), ok
	c.axis = c.span
	if r.Bound != nil {
		c.axis = max(c.axis, r.Bound.Duration())
	}
	if c.axis <= 0 {
		c.axis = time.Second // nothing ran and no L: an axis still, so that the rows can be read
	}
	for _, id := range CriticalPath(r) {
		c.critical[id] = true
	}
	c.rowH = bigRow
	if len(r.Steps) > manyRows {
		c.rowH = smallRow
	}

	// Rows by IPAM (sorted, the steps of no IPAM last), then level, then start (unstarted last), then id.
	steps := make([]*Step, len(r.Steps))
	for i := range r.Steps {
		steps[i] = &r.Steps[i]
	}
	slices.SortStableFunc(steps, func(a, b *Step) int {
		if a.IPAMID != b.IPAMID {
			if a.IPAMID == "" || b.IPAMID == "" {
				return cmp.Compare(b.IPAMID, a.IPAMID) // "" sorts last
			}
			return cmp.Compare(a.IPAMID, b.IPAMID)
		}
		if a.Level != b.Level {
			return cmp.Compare(a.Level, b.Level)
		}
		if a.Start.IsZero() != b.Start.IsZero() {
			if a.Start.IsZero() {
				return 1
			}
			return -1
		}
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	y := headHeight + axisHeight
	for i := 0; i < len(steps); {
		j := i
		for j < len(steps) && steps[j].IPAMID == steps[i].IPAMID {
			j++
		}
		c.rows = append(c.rows, row{y: y, ipam: steps[i].IPAMID, count: j - i})
		y += groupRow
		band := false
		for k := i; k < j; k++ {
			first := k == i || steps[k].Level != steps[k-1].Level
			if first && k > i {
				band = !band
			}
			c.rows = append(c.rows, row{y: y, step: steps[k], band: band, first: first})
			y += c.rowH
		}
		i = j
	}
	c.height = y + 12
	return c
}

// x is where time t falls on the axis.
func (c *chart) x(t time.Time) float64 { return c.xd(t.Sub(c.t0)) }

// xd is where the offset d from the first start falls on the axis.
func (c *chart) xd(d time.Duration) float64 {
	return labelWidth + float64(d)/float64(c.axis)*chartWidth
}

// summary is the line under the title: outcome, schedule, steps, the execute time, L and their ratio.
func (c *chart) summary() string {
	r := c.r
	var b strings.Builder
	fmt.Fprintf(&b, "%s, schedule %s, %d steps", r.Outcome, cmp.Or(r.Schedule, "?"), len(r.Steps))
	if r.Retries > 0 {
		fmt.Fprintf(&b, ", %d retried calls", r.Retries)
	}
	if c.started {
		fmt.Fprintf(&b, "; execute took %s", formatDuration(c.span))
	} else {
		b.WriteString("; no step started")
	}
	if r.Bound != nil {
		l := r.Bound.Duration()
		fmt.Fprintf(&b, ", L = %s", formatDuration(l))
		if c.started && l > 0 {
			fmt.Fprintf(&b, " (X/L = %.2f)", float64(c.span)/float64(l))
		}
	} else {
		b.WriteString(", L not in the report")
	}
	return b.String()
}

// boundText says what L assumed.
func boundText(b *Bound) string {
	s := fmt.Sprintf("L = %s: the longest path of the plan's DAG at %s a call and %s a deletion window, or the calls over %d in flight",
		formatDuration(b.Duration()), formatMS(b.Latency), formatMS(b.DeleteDelay), b.Parallelism)
	if b.QPS > 0 {
		s += fmt.Sprintf(" and %g calls/s", b.QPS)
	}
	s += "; settings " + cmp.Or(b.Source, "of unknown source")
	if b.Note != "" {
		s += " (" + b.Note + ")"
	}
	return s
}

func (c *chart) title() string {
	t := "Teardown timeline of plan " + c.r.PlanID
	if c.r.Label != "" {
		t = c.r.Label + ": " + t
	}
	return t
}

// SVG writes the chart as a standalone SVG document.
func SVG(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
	layout(r).svg(bw)
	return bw.Flush()
}

// svgStyle colours the chart: the call a strong shade, the wait a light one of the same hue; failures red.
const svgStyle = `
text{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;font-size:11px;fill:#222}
.title{font-size:15px;font-weight:600}
.small{font-size:10px;fill:#555}
.axis line{stroke:#ccc}
.band{fill:#f3f5f8}
.group{font-weight:600}
.call{fill:#2f6db5}
.wait{fill:#9ec3ea}
.queue{fill:#fff;stroke:#9aa5b1;stroke-width:0.75}
.gone .call{fill:#6b8fb0}
.failed .call{fill:#c62828}
.failed .wait{fill:#ef9a9a}
.open{fill:#ffcc80}
.none{fill:none;stroke:#999;stroke-dasharray:2 2}
.retried .call{stroke:#e65100;stroke-width:1.5}
.retry{fill:#e65100;font-size:10px}
.crit rect{stroke:#111;stroke-width:1.5}
.crit .label{font-weight:600}
.critline{stroke:#111;stroke-width:1;stroke-dasharray:3 2;fill:none}
.bound line{stroke:#8e24aa;stroke-width:2;stroke-dasharray:6 3}
.bound text{fill:#8e24aa;font-weight:600}
.endline{stroke:#444;stroke-width:1}
.status{font-size:10px;fill:#777;font-style:italic}
`

func (c *chart) svg(w *bufio.Writer) {
	width := labelWidth + chartWidth + rightPad
	fmt.Fprintf(w, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">\n",
		width, c.height, width, c.height, esc(c.title()))
	fmt.Fprintf(w, "<title>%s</title>\n<style>%s</style>\n", esc(c.title()), svgStyle)
	fmt.Fprintf(w, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", width, c.height)
	fmt.Fprintf(w, "<text class=\"title\" x=\"8\" y=\"20\">%s</text>\n", esc(c.title()))
	fmt.Fprintf(w, "<text x=\"8\" y=\"38\">%s</text>\n", esc(c.summary()))
	if c.r.Bound != nil {
		fmt.Fprintf(w, "<text class=\"small\" x=\"8\" y=\"53\">%s</text>\n", esc(truncate(boundText(c.r.Bound), 230)))
	}
	c.legend(w, 8, 66)
	c.axisLines(w)

	// Level bands and IPAM headings under the bars.
	for _, rw := range c.rows {
		switch {
		case rw.step == nil:
			name := rw.ipam
			if name == "" {
				name = "(steps of no IPAM)"
			}
			fmt.Fprintf(w, "<text class=\"group\" x=\"8\" y=\"%d\">IPAM %s · %d steps</text>\n", rw.y+13, esc(name), rw.count)
		case rw.band:
			fmt.Fprintf(w, "<rect class=\"band\" x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n", rw.y, width, c.rowH)
		}
	}
	for _, rw := range c.rows {
		if rw.step != nil {
			c.stepRow(w, rw)
		}
	}
	c.criticalLine(w)
	if c.started {
		xe := c.xd(c.span)
		fmt.Fprintf(w, "<g id=\"end\"><line class=\"endline\" x1=\"%s\" y1=\"%d\" x2=\"%s\" y2=\"%d\"/><title>the last step ended: execute took %s</title></g>\n",
			num(xe), headHeight+axisHeight-4, num(xe), c.height-8, esc(formatDuration(c.span)))
	}
	if b := c.r.Bound; b != nil {
		xl := c.xd(b.Duration())
		// The label sits above the tick labels, right of the line, or left of it at the right edge.
		label, lx, anchor := "L = "+formatDuration(b.Duration()), xl+4, "start"
		if xl > labelWidth+chartWidth-80 {
			lx, anchor = xl-4, "end"
		}
		fmt.Fprintf(w, "<g id=\"bound\" class=\"bound\"><line x1=\"%s\" y1=\"%d\" x2=\"%s\" y2=\"%d\"/><text x=\"%s\" y=\"%d\" text-anchor=\"%s\">%s</text><title>%s</title></g>\n",
			num(xl), headHeight-8, num(xl), c.height-8, num(lx), headHeight+1, anchor, esc(label), esc(boundText(b)))
	}
	w.WriteString("</svg>\n")
}

// legend draws the key of the shades and marks from (x, y).
func (c *chart) legend(w *bufio.Writer, x, y int) {
	type key struct{ class, shape, text string }
	keys := []key{
		{"queue", "rect", "queued (start to sent)"},
		{"call", "rect", "call (sent to answer)"},
		{"wait", "rect", "wait (answer to state reached)"},
		{"failed", "rect", "failed"},
		{"none", "rect", "skipped / not started"},
		{"retried", "rect", "retried (↻ retries)"},
		{"crit", "rect", "critical path"},
		{"bound", "line", "L (bound)"},
	}
	fmt.Fprintf(w, "<g id=\"legend\" transform=\"translate(%d,%d)\">\n", x, y)
	at := 0
	for _, k := range keys {
		switch {
		case k.shape == "line":
			fmt.Fprintf(w, "<g class=\"bound\"><line x1=\"%d\" y1=\"-9\" x2=\"%d\" y2=\"3\"/></g>", at+6, at+6)
		case k.class == "failed" || k.class == "retried" || k.class == "crit":
			fmt.Fprintf(w, "<g class=\"%s\"><rect class=\"call\" x=\"%d\" y=\"-9\" width=\"14\" height=\"10\"/></g>", k.class, at)
		default:
			fmt.Fprintf(w, "<rect class=\"%s\" x=\"%d\" y=\"-9\" width=\"14\" height=\"10\"/>", k.class, at)
		}
		fmt.Fprintf(w, "<text x=\"%d\" y=\"0\">%s</text>\n", at+18, esc(k.text))
		at += 26 + 6*len(k.text)
	}
	w.WriteString("</g>\n")
}

// axisLines draws the time axis: ticks at a round interval, labelled, with light lines down the chart.
func (c *chart) axisLines(w *bufio.Writer) {
	tick := niceTick(c.axis)
	top := headHeight + axisHeight - 4
	w.WriteString("<g class=\"axis\">\n")
	for d := time.Duration(0); d <= c.axis; d += tick {
		x := c.xd(d)
		fmt.Fprintf(w, "<line x1=\"%s\" y1=\"%d\" x2=\"%s\" y2=\"%d\"/><text class=\"small\" x=\"%s\" y=\"%d\">%s</text>\n",
			num(x), top, num(x), c.height-8, num(x+2), top-3, esc(formatDuration(d)))
	}
	w.WriteString("</g>\n")
}

// stepRow draws one step: its call and wait bars, or a dashed mark when it never started, with its label and
// a title that a viewer shows on hover.
func (c *chart) stepRow(w *bufio.Writer, rw row) {
	s := rw.step
	classes := []string{"step", "outcome-" + s.Outcome}
	switch s.Outcome {
	case "failed", "interrupted":
		classes = append(classes, "failed")
	case "already-gone", "done-earlier":
		classes = append(classes, "gone")
	}
	if s.Retried() > 0 {
		classes = append(classes, "retried")
	}
	if c.critical[s.ID] {
		classes = append(classes, "crit")
	}
	fmt.Fprintf(w, "<g id=\"%s\" class=\"%s\">", esc("step-"+s.ID), strings.Join(classes, " "))
	fmt.Fprintf(w, "<title>%s</title>", esc(stepTitle(c, s)))
	barY, barH := rw.y+2, c.rowH-4
	if c.rowH == smallRow {
		barY, barH = rw.y, c.rowH-1
	}
	if c.rowH == bigRow {
		label := s.Action + " " + s.ResourceID
		if rw.first {
			fmt.Fprintf(w, "<text class=\"small\" x=\"8\" y=\"%d\">L%d</text>", rw.y+12, s.Level)
		}
		fmt.Fprintf(w, "<text class=\"label\" x=\"36\" y=\"%d\">%s</text>", rw.y+12, esc(truncateMiddle(label, 54)))
	}
	end := c.x(latest(*s))
	switch {
	case s.Start.IsZero():
		fmt.Fprintf(w, "<rect class=\"none\" x=\"%d\" y=\"%d\" width=\"10\" height=\"%d\"/>", labelWidth, barY, barH)
		if c.rowH == bigRow {
			fmt.Fprintf(w, "<text class=\"status\" x=\"%d\" y=\"%d\">%s</text>", labelWidth+14, rw.y+12, esc(s.Outcome))
		}
	default:
		x0 := c.x(s.Start)
		callEnd := s.End
		if !s.Called.IsZero() {
			callEnd = s.Called
		}
		if callEnd.IsZero() { // started, never answered nor ended: the run stopped around it
			fmt.Fprintf(w, "<rect class=\"open\" x=\"%s\" y=\"%d\" width=\"%s\" height=\"%d\"/>", num(x0), barY, num(max(c.xd(c.span)-x0, 1)), barH)
			end = c.xd(c.span)
			break
		}
		x1 := c.x(callEnd)
		if sent := s.sentAt(); sent.After(s.Start) && !sent.After(callEnd) {
			// Queued for a worker or a window's end: an outline, so that only calls and waits are filled.
			xs := c.x(sent)
			fmt.Fprintf(w, "<rect class=\"queue\" x=\"%s\" y=\"%d\" width=\"%s\" height=\"%d\"/>", num(x0), barY, num(max(xs-x0, 1)), barH)
			x0 = xs
		}
		fmt.Fprintf(w, "<rect class=\"call\" x=\"%s\" y=\"%d\" width=\"%s\" height=\"%d\"/>", num(x0), barY, num(max(x1-x0, 1)), barH)
		if !s.Called.IsZero() && s.End.After(s.Called) {
			x2 := c.x(s.End)
			fmt.Fprintf(w, "<rect class=\"wait\" x=\"%s\" y=\"%d\" width=\"%s\" height=\"%d\"/>", num(x1), barY, num(max(x2-x1, 1)), barH)
		}
		if s.Outcome != "done" && s.Outcome != "already-gone" && c.rowH == bigRow {
			fmt.Fprintf(w, "<text class=\"status\" x=\"%s\" y=\"%d\">%s</text>", num(end+4), rw.y+12, esc(s.Outcome))
			end += 8 + 6*float64(len(s.Outcome))
		}
	}
	if s.Retried() > 0 && c.rowH == bigRow {
		fmt.Fprintf(w, "<text class=\"retry\" x=\"%s\" y=\"%d\">↻%d</text>", num(end+4), rw.y+12, s.Retried())
	}
	w.WriteString("</g>\n")
}

// criticalLine joins the critical path's steps, each end to the next start, so that the chain can be followed
// across IPAMs and levels.
func (c *chart) criticalLine(w *bufio.Writer) {
	path := CriticalPath(c.r)
	if len(path) < 2 {
		return
	}
	at := map[string]row{}
	for _, rw := range c.rows {
		if rw.step != nil {
			at[rw.step.ID] = rw
		}
	}
	var pts []string
	for _, id := range path {
		rw := at[id]
		mid := rw.y + c.rowH/2
		pts = append(pts, num(c.x(rw.step.Start))+","+strconv.Itoa(mid), num(c.x(latest(*rw.step)))+","+strconv.Itoa(mid))
	}
	fmt.Fprintf(w, "<polyline id=\"critical-path\" class=\"critline\" points=\"%s\"><title>critical path: %s</title></polyline>\n",
		strings.Join(pts, " "), esc(truncate(strings.Join(path, " → "), 2000)))
}

// stepTitle is the hover text of a step: everything the report says of it.
func stepTitle(c *chart, s *Step) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s %s (IPAM %s, level %d)\noutcome %s", s.ID, s.Action, s.ResourceID, cmp.Or(s.IPAMID, "none"), s.Level, s.Outcome)
	if !s.Start.IsZero() {
		fmt.Fprintf(&b, "\nstart +%s", formatDuration(s.Start.Sub(c.t0)))
		if q := s.sentAt().Sub(s.Start); q > 0 {
			fmt.Fprintf(&b, ", queued %s", formatDuration(q))
		}
		if !s.Called.IsZero() {
			fmt.Fprintf(&b, ", call %s", formatDuration(s.Called.Sub(s.sentAt())))
			if !s.End.IsZero() {
				fmt.Fprintf(&b, ", wait %s", formatDuration(s.End.Sub(s.Called)))
			}
		} else if !s.End.IsZero() {
			fmt.Fprintf(&b, ", ended after %s", formatDuration(s.End.Sub(s.Start)))
		}
	}
	fmt.Fprintf(&b, "\nattempts %d (%d retries), polls %d", s.Attempts, s.Retried(), s.Polls)
	if c.critical[s.ID] {
		b.WriteString("\non the critical path")
	}
	if s.Code != "" || s.Message != "" {
		fmt.Fprintf(&b, "\n%s %s", s.Code, s.Message)
	}
	return b.String()
}

// niceTick is a round interval (1, 2 or 5 times a power of ten under a minute, round minutes and hours
// above) that cuts d into at most ten ticks.
func niceTick(d time.Duration) time.Duration {
	var ticks []time.Duration
	for step := time.Millisecond; step <= 10*time.Second; step *= 10 {
		ticks = append(ticks, step, 2*step, 5*step)
	}
	ticks = append(ticks, 30*time.Second, time.Minute, 2*time.Minute, 5*time.Minute, 10*time.Minute, 15*time.Minute, 30*time.Minute)
	for _, t := range ticks {
		if d/t <= 10 {
			return t
		}
	}
	return (d/10 + time.Hour - 1).Truncate(time.Hour)
}

// formatDuration is d for a person: milliseconds under a second, seconds with two decimals under a minute.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 0, 64) + " ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + " s"
	}
	return d.Round(time.Second).String()
}

func formatMS(ms float64) string {
	return formatDuration(time.Duration(ms * float64(time.Millisecond)))
}

// num writes a coordinate with one decimal, the same on every platform.
func num(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "0"
	}
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
}

// esc escapes s for XML text and attribute values.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder does not fail
	return b.String()
}

// truncate cuts s to n runes with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// truncateMiddle cuts s to n runes by dropping its middle: a resource id's end (a CIDR) tells steps apart.
func truncateMiddle(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	head := (n - 1) / 2
	return string(r[:head]) + "…" + string(r[len(r)-(n-1-head):])
}
