package main

import (
	"fmt"
	"io"
	"math"
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
// hidden by --log-level), and the log of the run otherwise (logProgress: a line per phase and per finished
// step, counts every pipeTick). The logger it returns is the one the executor should log with: on a terminal
// it writes above the display instead of through it.
func newProgress(stderr io.Writer, log zerolog.Logger, total int, bar bool) (progress, zerolog.Logger) {
	if !bar {
		t := time.NewTicker(pipeTick)
		l := newLogProgress(log, total, t.C, time.Now)
		return stopTicker{l, t}, log
	}
	b := newBarProgress(stderr, total)
	return b, log.Output(zerolog.ConsoleWriter{Out: b.p, NoColor: true, TimeFormat: time.TimeOnly})
}

// pipeTick is how often, at most, the log on a pipe says where a long phase is.
const pipeTick = 10 * time.Second

type stopTicker struct {
	*logProgress
	t *time.Ticker
}

func (s stopTicker) Close() {
	s.t.Stop()
	s.logProgress.Close()
}

// logProgress is the run's progress on a pipe or in a log file: an audit trail, not a feed of events. Each
// phase gets the line the executor logs when it starts and one here when it ends, with its duration; a phase
// that takes longer than a tick gets a line with its counts each tick; each step gets one line when it
// finishes (what, outcome, attempts, seconds), at error level when it failed. A step's start, its waits, its
// retries and each dry-run answer are at debug level (--log-level debug keeps the detail): a line per event
// made a log of three lines and more a step, in which the failures were hard to find.
type logProgress struct {
	log   zerolog.Logger
	total int
	now   func() time.Time
	done  chan struct{}
	wg    sync.WaitGroup

	mu         sync.Mutex // the executor's events and the ticker
	phase      string
	phaseStart time.Time
	counts     executor.Counts
	dryRuns    int                  // dry-run answers in the dry-run phase
	started    map[string]time.Time // a step's first start, for its line's seconds
	retried    map[string]int       // a step's retried calls, for its line's attempts
}

// newLogProgress starts the ticker's goroutine: each value on tick logs the current phase's counts.
func newLogProgress(log zerolog.Logger, total int, tick <-chan time.Time, now func() time.Time) *logProgress {
	l := &logProgress{log: log, total: total, now: now, done: make(chan struct{}), started: map[string]time.Time{}, retried: map[string]int{}}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		for {
			select {
			case <-tick:
				l.tick()
			case <-l.done:
				return
			}
		}
	}()
	return l
}

func (l *logProgress) Event(e executor.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.Counts.Total > 0 {
		l.counts = e.Counts
	}
	if e.Kind == executor.EventPhase {
		l.endPhase()
		l.phase, l.phaseStart, l.dryRuns = e.Phase, l.now(), 0
		return
	}
	if e.Step == nil {
		return // counts only
	}
	switch e.Kind {
	case executor.EventDryRun:
		l.dryRuns++
		l.stepEvent(l.log.Debug(), e).Msg("step dry-run")
		return
	case executor.EventStart:
		if _, ok := l.started[e.Step.ID]; !ok {
			l.started[e.Step.ID] = l.now()
		}
	case executor.EventRetry:
		l.retried[e.Step.ID]++
	case executor.EventDone, executor.EventFailed, executor.EventSkipped:
		l.finished(e)
		return
	}
	l.stepEvent(l.log.Debug(), e).Msg("step " + string(e.Kind))
}

// finished is a step's one line at info level (error when it failed).
func (l *logProgress) finished(e executor.Event) {
	ev := l.log.Info()
	if e.Kind == executor.EventFailed {
		ev = l.log.Error()
	}
	outcome := e.Outcome
	if outcome == "" {
		outcome = executor.Outcome(e.Kind)
	}
	ev = ev.Str("step", e.Step.ID).Str("action", e.Step.Action).Str("outcome", string(outcome))
	if t, ok := l.started[e.Step.ID]; ok { // a step skipped before it started has neither
		// The executor's count (the report's attempts: re-checking dry runs and a member batch's second call
		// included) where the event carries it; else the calls this display saw.
		attempts := e.Attempt
		if attempts == 0 {
			attempts = 1 + l.retried[e.Step.ID]
		}
		ev = ev.Int("attempts", attempts).Float64("took_s", math.Round(l.now().Sub(t).Seconds()*1000)/1000)
	}
	if e.Code != "" {
		ev = ev.Str("code", e.Code)
	}
	if e.Err != nil {
		ev = ev.Err(e.Err)
	}
	c := l.counts
	ev.Int("finished", c.Done+c.Failed+c.Skipped).Int("total", c.Total).Msg("step " + string(outcome))
}

// stepEvent adds an event's fields to a debug record.
func (l *logProgress) stepEvent(ev *zerolog.Event, e executor.Event) *zerolog.Event {
	if e.Step != nil {
		ev = ev.Str("step", e.Step.ID).Str("action", e.Step.Action)
	}
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
		ev = ev.Dur("wait_ms", e.Wait)
	}
	if e.Err != nil {
		ev = ev.Err(e.Err)
	}
	return ev
}

// endPhase logs the end of the current phase, with its duration.
func (l *logProgress) endPhase() {
	if l.phase == "" {
		return
	}
	l.log.Info().Str("phase", l.phase).Int64("took_ms", l.now().Sub(l.phaseStart).Milliseconds()).
		Msgf("%s: ended after %s", l.phase, l.now().Sub(l.phaseStart).Round(time.Millisecond))
	l.phase = ""
}

// tick logs where the current phase is: its counts in the dry run and the execute phase, its time elsewhere.
func (l *logProgress) tick() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.phase == "" {
		return
	}
	elapsed := l.now().Sub(l.phaseStart)
	ev := l.log.Info().Str("phase", l.phase).Int64("elapsed_ms", elapsed.Milliseconds())
	switch c := l.counts; l.phase {
	case "dry-run":
		ev.Int("answered", l.dryRuns).Int("total", l.total).Msgf("dry-run: %d of %d steps answered", l.dryRuns, l.total)
	case "execute":
		ev.Int("finished", c.Done+c.Failed+c.Skipped).Int("total", c.Total).Int("running", c.Running).Int("waiting", c.Waiting).
			Int("failed", c.Failed).Int("retries", c.Retries).
			Msgf("execute: %d of %d steps finished, %d running, %d waiting", c.Done+c.Failed+c.Skipped, c.Total, c.Running, c.Waiting)
	default:
		ev.Msgf("%s: still under way after %s", l.phase, elapsed.Round(time.Second))
	}
}

// Close ends the last phase and stops the ticker's goroutine.
func (l *logProgress) Close() {
	close(l.done)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.endPhase()
}

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
// step's start to the last step's end (executor.Report.ExecuteSpan). L is of the steps this run executed,
// which it says when some were done earlier or not run. "" when no step ran.
func boundLine(rep *executor.Report) string {
	x, ok := rep.ExecuteSpan()
	if !ok {
		return ""
	}
	line := "execute took " + x.Round(time.Millisecond).String()
	if rep.Bound == nil || rep.Bound.L <= 0 {
		return line + ", L unknown"
	}
	l := rep.Bound.Duration()
	line += fmt.Sprintf(", L = %s (X/L = %.2f", l.Round(time.Millisecond), float64(x)/float64(l))
	if rep.Bound.Source == executor.BoundMeasured {
		line += "; L from the latency and windows measured in this run"
	}
	if n := rep.Bound.Steps; n > 0 {
		line += fmt.Sprintf("; L of the %s this run executed", count(n, "step"))
	}
	return line + ")"
}
