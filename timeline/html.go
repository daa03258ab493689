package timeline

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"strings"
)

// htmlStyle is the page's own style; the page loads nothing.
const htmlStyle = `
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em}
.chart{overflow-x:auto;border:1px solid #ddd}
dl.legend{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;font-size:.9em}
dl.legend dt{font-weight:600}
table{border-collapse:collapse;font-size:.85em;margin-top:1em}
th,td{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.failed td{background:#fde8e8}
tr.crit td{font-weight:600}
`

// HTML writes a self-contained page: the chart as inline SVG, a legend, and a table of the steps in the
// chart's order. It is well-formed XML as well as HTML, so that a test can check it with encoding/xml.
func HTML(w io.Writer, r *Report) error {
	c := layout(r)
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n",
		esc(c.title()), htmlStyle)
	fmt.Fprintf(bw, "<h1>%s</h1>\n<p>%s</p>\n", esc(c.title()), esc(c.summary()))
	if r.Message != "" {
		fmt.Fprintf(bw, "<p>%s</p>\n", esc(r.Message))
	}
	bw.WriteString("<div class=\"chart\">\n")
	c.svg(bw)
	bw.WriteString("</div>\n")

	bw.WriteString("<dl class=\"legend\">\n")
	for _, d := range [][2]string{
		{"queued", "outlined bar: from the step's start (its dependencies done) until a worker sent its first call, or a hidden window's end was first looked at"},
		{"call", "dark bar: from that first call to the answer of its call (retries, backoff and the rate limit's wait included)"},
		{"wait", "light bar: from that answer until the asynchronous state was confirmed (Deleting windows, polls)"},
		{"failed", "red; skipped and not started steps are a dashed box at the left edge"},
		{"↻N", "the step's calls were sent again N times (throttling, server errors, a dependency the service had not caught up with)"},
		{"critical path", "outlined bars joined by a dashed line: the chain of steps that determined the end"},
		{"L", "purple line: the least time the execute phase could take on the assumed settings"},
	} {
		fmt.Fprintf(bw, "<dt>%s</dt><dd>%s</dd>\n", esc(d[0]), esc(d[1]))
	}
	if r.Bound != nil {
		fmt.Fprintf(bw, "<dt>L assumed</dt><dd>%s</dd>\n", esc(boundText(r.Bound)))
	}
	bw.WriteString("</dl>\n")

	bw.WriteString("<table id=\"steps\">\n<thead><tr><th>step</th><th>IPAM</th><th>level</th><th>action</th><th>resource</th><th>outcome</th>" +
		"<th>start</th><th>queued</th><th>call</th><th>wait</th><th>attempts</th><th>retries</th><th>polls</th><th>critical</th><th>code / message</th></tr></thead>\n<tbody>\n")
	for _, rw := range c.rows {
		s := rw.step
		if s == nil {
			continue
		}
		var class []string
		if s.Outcome == "failed" || s.Outcome == "interrupted" {
			class = append(class, "failed")
		}
		if c.critical[s.ID] {
			class = append(class, "crit")
		}
		start, queued, call, wait := "", "", "", ""
		if !s.Start.IsZero() {
			start = "+" + formatDuration(s.Start.Sub(c.t0))
			if q := s.sentAt().Sub(s.Start); q > 0 {
				queued = formatDuration(q)
			}
			if !s.Called.IsZero() {
				call = formatDuration(s.Called.Sub(s.sentAt()))
				if !s.End.IsZero() {
					wait = formatDuration(s.End.Sub(s.Called))
				}
			}
		}
		crit := ""
		if c.critical[s.ID] {
			crit = "yes"
		}
		fmt.Fprintf(bw, "<tr class=\"%s\"><td>%s</td><td>%s</td><td class=\"n\">%d</td><td>%s</td><td>%s</td><td>%s</td>"+
			"<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td>%s</td><td>%s</td></tr>\n",
			strings.Join(class, " "), esc(s.ID), esc(cmp.Or(s.IPAMID, "-")), s.Level, esc(s.Action), esc(s.ResourceID), esc(s.Outcome),
			esc(start), esc(queued), esc(call), esc(wait), s.Attempts, s.Retried(), s.Polls, crit, esc(strings.TrimSpace(s.Code+" "+s.Message)))
	}
	bw.WriteString("</tbody>\n</table>\n</body>\n</html>\n")
	return bw.Flush()
}
