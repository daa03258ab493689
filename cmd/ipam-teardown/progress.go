package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/ipam-teardown/ipam-teardown/executor"
)

// progress shows a run's events as they happen. The executor calls Event one call at a time.
type progress interface {
	Event(executor.Event)
	// Close ends the display; nothing is written to it afterwards.
	Close()
}

// isTerminal reports whether w (or r) is a terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// newProgress returns a live display on stderr when bar is set (a terminal, the console format, progress not
// hidden by --log-level), and one log record per step event otherwise, at info level (a failure at error).
// The logger it returns is the one the executor should log with: on a terminal it writes above the display
// instead of through it.
func newProgress(stderr io.Writer, log zerolog.Logger, total int, bar bool) (progress, zerolog.Logger) {
	if !bar {
		return logProgress{log}, log
	}
	b := newBarProgress(stderr, total)
	return b, log.Output(zerolog.ConsoleWriter{Out: b.p, NoColor: true, TimeFormat: time.TimeOnly})
}

// logProgress writes one zerolog line per step event. Phase events write none: the executor logs its phases
// itself. Neither do counts-only events.
type logProgress struct{ log zerolog.Logger }

func (l logProgress) Event(e executor.Event) {
	if e.Step == nil {
		return
	}
	ev := l.log.Info()
	if e.Kind == executor.EventFailed {
		ev = l.log.Error()
	}
	ev = ev.Str("event", string(e.Kind)).Str("step", e.Step.ID).Str("action", e.Step.Action).
		Int("done", e.Counts.Done).Int("total", e.Counts.Total)
	if e.Attempt > 0 {
		ev = ev.Int("attempt", e.Attempt)
	}
	if e.Code != "" {
		ev = ev.Str("code", e.Code)
	}
	if e.Outcome != "" {
		ev = ev.Str("outcome", string(e.Outcome))
	}
	if e.Wait > 0 {
		ev = ev.Dur("wait", e.Wait)
	}
	if e.Err != nil {
		ev = ev.Err(e.Err)
	}
	ev.Msg("step " + string(e.Kind))
}

func (logProgress) Close() {}

// barProgress is the live display: one bar of finished steps, with the phase, what runs and waits, the
// retries, the time spent and an estimate of the time left.
type barProgress struct {
	p   *mpb.Progress
	bar *mpb.Bar

	mu      sync.Mutex // the executor's events and mpb's render goroutine
	phase   string
	counts  executor.Counts
	started time.Time // of the execute phase: the estimate ignores the lock, drift and dry-run phases
	now     func() time.Time
}

func newBarProgress(w io.Writer, total int, opts ...mpb.ContainerOption) *barProgress {
	b := &barProgress{phase: "starting", counts: executor.Counts{Total: total}, now: time.Now}
	b.p = mpb.New(append([]mpb.ContainerOption{mpb.WithOutput(w), mpb.WithWidth(32)}, opts...)...)
	// Built with total 0, so that SetTotal works (mpb ignores it on a bar built with a total) and the bar
	// completes only when Close says so, not when the count first reaches a total that may still grow.
	b.bar = b.p.AddBar(0,
		mpb.PrependDecorators(decor.Any(func(decor.Statistics) string { return b.head() }, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return b.tail() })),
	)
	b.bar.SetTotal(int64(total), false)
	return b
}

func (b *barProgress) Event(e executor.Event) {
	b.mu.Lock()
	if e.Kind == executor.EventPhase {
		b.phase = e.Phase
		if e.Phase == "execute" {
			b.started = b.now()
		}
	} else if e.Counts.Total > 0 {
		b.counts = e.Counts
	}
	c := b.counts
	b.mu.Unlock()
	if e.Kind == executor.EventFailed && e.Step != nil {
		fmt.Fprintf(b.p, "failed %s: %v\n", e.Step.ID, e.Err)
	}
	b.bar.SetTotal(int64(c.Total), false)
	b.bar.SetCurrent(int64(c.Done + c.Failed + c.Skipped))
}

// head is "execute 12/40", tail "running 4  waiting 2  retries 1  elapsed 3s  ETA 9s".
func (b *barProgress) head() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.counts
	return fmt.Sprintf("%-8s %d/%d", b.phase, c.Done+c.Failed+c.Skipped, c.Total)
}

func (b *barProgress) tail() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.counts
	s := fmt.Sprintf("running %d  waiting %d  retries %d", c.Running, c.Waiting, c.Retries)
	if c.Failed > 0 {
		s += fmt.Sprintf("  failed %d", c.Failed)
	}
	if b.started.IsZero() {
		return s
	}
	elapsed := b.now().Sub(b.started)
	s += "  elapsed " + elapsed.Round(time.Second).String()
	if eta, ok := estimate(elapsed, c); ok {
		s += "  ETA " + eta.Round(time.Second).String()
	}
	return s
}

// estimate is the time left at the pace so far: elapsed per finished step times the steps left.
func estimate(elapsed time.Duration, c executor.Counts) (time.Duration, bool) {
	finished := c.Done + c.Failed + c.Skipped
	if finished == 0 || finished >= c.Total {
		return 0, false
	}
	return elapsed / time.Duration(finished) * time.Duration(c.Total-finished), true
}

func (b *barProgress) Close() {
	b.bar.SetTotal(-1, true) // complete at what was reached, so Wait returns
	b.p.Wait()
}

// summaryOutcomes are the summary's columns, always shown; the other outcomes get a column when they occur.
var summaryOutcomes = [...]executor.Outcome{executor.OutcomeDone, executor.OutcomeAlreadyGone, executor.OutcomeFailed, executor.OutcomeSkipped}

// writeSummaryLog writes the final summary of a run to out: at info level when the run is done, at warn level
// otherwise, so that --log-level warn still shows which steps failed and why the run stopped.
func writeSummaryLog(out *stderrLog, rep *executor.Report) {
	var b strings.Builder
	writeSummary(&b, rep) // a strings.Builder does not fail
	level := zerolog.InfoLevel
	if rep.Outcome != "done" {
		level = zerolog.WarnLevel
	}
	fields := map[string]any{"plan_id": rep.PlanID, "outcome": rep.Outcome, "steps": len(rep.Steps), "retries": rep.Retries}
	if !rep.Start.IsZero() && !rep.End.IsZero() {
		fields["duration_ms"] = rep.End.Sub(rep.Start).Milliseconds()
	}
	out.Text(level, b.String(), fields)
}

// writeSummary writes the final summary of a run: its outcome, time and retries, and per action how many
// steps ended which way; then the drift and dry-run problems when there are any.
func writeSummary(w io.Writer, rep *executor.Report) error {
	var b strings.Builder
	took := ""
	if !rep.Start.IsZero() && !rep.End.IsZero() {
		took = " in " + rep.End.Sub(rep.Start).Round(time.Millisecond).String()
	}
	fmt.Fprintf(&b, "apply %s: %s%s, %s", rep.PlanID, rep.Outcome, took, count(len(rep.Steps), "step"))
	if rep.Retries > 0 {
		fmt.Fprintf(&b, ", %d retried calls (%d waiting for the service to catch up)", rep.Retries, rep.DependencyRetries)
	}
	b.WriteString("\n")
	if line := boundLine(rep); line != "" {
		b.WriteString("  " + line + "\n")
	}

	by := map[string]map[executor.Outcome]int{}
	var actions []string
	columns := slices.Clone(summaryOutcomes[:])
	for _, s := range rep.Steps {
		if by[s.Action] == nil {
			by[s.Action] = map[executor.Outcome]int{}
			actions = append(actions, s.Action)
		}
		by[s.Action][s.Outcome]++
		if !slices.Contains(columns, s.Outcome) {
			columns = append(columns, s.Outcome)
		}
	}
	sort.Strings(actions)
	if len(actions) > 0 {
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprint(tw, "  action\t")
		for _, c := range columns {
			fmt.Fprintf(tw, "%s\t", c)
		}
		fmt.Fprintln(tw)
		for _, a := range actions {
			fmt.Fprintf(tw, "  %s\t", a)
			for _, c := range columns {
				fmt.Fprintf(tw, "%d\t", by[a][c])
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
	}
	if !rep.Drift.Empty() {
		fmt.Fprintf(&b, "drift (the plan no longer matches what exists; plan again):\n%s", rep.Drift)
	}
	for _, p := range rep.DryRunProblems {
		fmt.Fprintf(&b, "dry run of %s (%s %s): %s %s\n", p.StepID, p.Action, p.ResourceID, p.Code, p.Message)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// boundLine compares the execute phase with L: "execute took X, L = Y (X/L = Z)", where X runs from the first
// step's start to the last step's end. "" when no step ran.
func boundLine(rep *executor.Report) string {
	var first, last time.Time
	for _, s := range rep.Steps {
		if s.Start.IsZero() {
			continue
		}
		if first.IsZero() || s.Start.Before(first) {
			first = s.Start
		}
		for _, t := range []time.Time{s.Called, s.End} {
			if t.After(last) {
				last = t
			}
		}
	}
	if first.IsZero() || !last.After(first) {
		return ""
	}
	x := last.Sub(first)
	line := "execute took " + x.Round(time.Millisecond).String()
	if rep.Bound == nil || rep.Bound.L <= 0 {
		return line + ", L unknown"
	}
	l := rep.Bound.Duration()
	line += fmt.Sprintf(", L = %s (X/L = %.2f", l.Round(time.Millisecond), float64(x)/float64(l))
	if rep.Bound.Source == executor.BoundMeasured {
		line += "; L from the latency and windows measured in this run"
	}
	return line + ")"
}
