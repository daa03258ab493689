package executor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/dag"
)

// Step states during execution.
type stepState int

const (
	stateIdle     stepState = iota // not started
	stateActive                    // a call or a retry wait is under way
	stateWaiting                   // the call succeeded; polling for the asynchronous state (holds no worker)
	stateFinished                  // done, already gone, done earlier, failed, skipped or interrupted
)

// node is the walker's view of one step: where it is, what it waits for, where it stands in the queue.
type node struct {
	state   stepState
	pending int // dependencies not finished yet
	priority
	timer *time.Timer // the step's next task waits behind it (walker.later)
}

// stepDriver runs the steps the walker starts: one step's calls, retries and looks. Its methods run on the
// walker's goroutine, except perform, which runs in a worker.
type stepDriver interface {
	// begin starts step i, which the walker has just made active: it queues its first task (walker.push or
	// walker.later), or puts it into its wait (walker.transition to stateWaiting).
	begin(i int)
	// perform sends one task's call (in a worker).
	perform(ctx context.Context, t task) result
	// answered moves a step on after its task's answer: it decides, and applies the verdict.
	answered(res result)
	// due is a task whose timer fired: what to queue, or false when the driver takes it (its answer comes
	// with another step's read).
	due(t task) (task, bool)
	// dropped is a queued task the run dropped when it stopped.
	dropped(t task)
}

// walker runs the execute phase: on its goroutine it owns every step's state, which changes only in
// transition (counts, journal, events and the report together); a pool of Parallelism workers sends the
// calls of the tasks it queues. It decides when a step may start (readiness, or levels), in which order
// (priority), and what a step's end means for the others (dependents start, or are skipped; --fail-fast
// stops the run); what a step's calls are and what their answers mean is its driver's.
type walker struct {
	r       *run
	d       stepDriver
	nodes   []node
	g       *dag.Graph
	q       *queue
	results chan result
	fired   chan task
	quit    chan struct{}

	outstanding int  // tasks queued, in a worker, or behind a timer
	stopping    bool // nothing new starts (interrupt or --fail-fast)
	interrupted bool // the context ended
	level       int  // ScheduleLevels: the level now running
	counts      Counts
}

func newWalker(r *run) *walker {
	steps := r.plan.Steps
	w := &walker{r: r, nodes: make([]node, len(steps)), g: r.graph, q: newQueue(),
		results: make(chan result, r.opts.Parallelism), fired: make(chan task), quit: make(chan struct{})}
	for i := range steps {
		if succeeded(r.steps[i].Outcome) {
			w.nodes[i].state = stateFinished
			w.counts.Done++
		}
	}
	for i := range steps {
		for _, j := range w.g.Dependents(i) {
			if w.nodes[i].state != stateFinished {
				w.nodes[j].pending++
			}
		}
	}
	for i, p := range priorities(steps, r.graph) {
		w.nodes[i].priority = p
	}
	w.counts.Total = len(steps)
	return w
}

// walk runs every step it can, and returns once none is queued, in a worker or behind a timer.
func (w *walker) walk(ctx context.Context) error {
	r := w.r
	// In-flight calls outlive an interrupt by at most DrainTimeout: they finish (and are journaled) rather
	// than being cut off with an unknown outcome.
	callCtx, cancelCalls := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelCalls()
	stopDrain := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(r.opts.DrainTimeout, cancelCalls)
		<-callCtx.Done()
		t.Stop()
	})
	defer stopDrain()
	stopWorkers := w.work(callCtx)
	defer stopWorkers()

	w.level = w.lowestLevel()
	for i := range w.nodes {
		w.maybeStart(i)
	}
	done := ctx.Done()
	for w.outstanding > 0 {
		select {
		case res := <-w.results:
			w.outstanding--
			w.d.answered(res)
		case t := <-w.fired:
			w.nodes[t.step].timer = nil
			if w.stopping {
				// The timer fired as the run stopped (stop could not stop it): its step is cut off, as if
				// its task had been dropped from the queue.
				w.outstanding--
				w.transition(t.step, stateFinished, OutcomeInterrupted, nil)
				w.d.dropped(t)
				continue
			}
			if w.nodes[t.step].state == stateFinished {
				// Finished: a look that rode on another step's read found its window over while this
				// timer was firing.
				w.outstanding--
				continue
			}
			if t, ok := w.d.due(t); ok {
				w.q.push(t)
			} else {
				w.outstanding--
			}
		case <-done:
			w.halt()
			done = nil // seen once; keep draining
		}
	}
	w.finishStopped()
	if w.stopping {
		w.event(Event{Kind: EventProgress}) // the counts once the steps that were cut off have left them
	}
	if w.interrupted {
		return fmt.Errorf("%w: calls in flight finished and were journaled; run the same apply again to resume", ErrInterrupted)
	}
	return nil
}

// work starts the workers; the function it returns stops them and waits for them.
func (w *walker) work(ctx context.Context) func() {
	var wg sync.WaitGroup
	for range w.r.opts.Parallelism {
		wg.Go(func() {
			for {
				t, ok := w.q.pop()
				if !ok {
					return
				}
				res := w.d.perform(ctx, t)
				res.answered = w.r.now()
				w.results <- res
			}
		})
	}
	return func() {
		close(w.quit)
		w.q.close()
		wg.Wait()
	}
}

// lowestLevel is the lowest level with a step not finished (ScheduleLevels runs it).
func (w *walker) lowestLevel() int {
	for i := range w.nodes {
		if w.nodes[i].state != stateFinished {
			return w.r.plan.Steps[i].Level
		}
	}
	return 0
}

// maybeStart starts the step if it may start now.
func (w *walker) maybeStart(i int) {
	n := &w.nodes[i]
	if n.state != stateIdle || n.pending > 0 || w.stopping {
		return
	}
	if w.r.opts.Schedule == ScheduleLevels && w.r.plan.Steps[i].Level > w.level {
		return
	}
	w.transition(i, stateActive, "", nil)
	w.d.begin(i)
}

// advanceLevel starts the next level when the current one has finished (ScheduleLevels).
func (w *walker) advanceLevel() {
	if w.r.opts.Schedule != ScheduleLevels || w.stopping {
		return
	}
	if next := w.lowestLevel(); next != w.level {
		w.level = next
		for i := range w.nodes {
			if w.r.plan.Steps[i].Level == next {
				w.maybeStart(i)
			}
		}
	}
}

// push queues t, unless the run stops.
func (w *walker) push(t task) {
	if w.stopping {
		w.transition(t.step, stateFinished, OutcomeInterrupted, nil)
		return
	}
	t.priority = w.nodes[t.step].priority
	w.outstanding++
	w.q.push(t)
}

// later queues t after d, unless the run stops first.
func (w *walker) later(t task, d time.Duration) {
	if w.stopping {
		w.transition(t.step, stateFinished, OutcomeInterrupted, nil)
		return
	}
	t.priority = w.nodes[t.step].priority
	w.outstanding++
	fired, quit := w.fired, w.quit
	w.nodes[t.step].timer = time.AfterFunc(d, func() {
		select {
		case fired <- t:
		case <-quit:
		}
	})
}

// behindTimer reports whether step i's next task waits behind a timer.
func (w *walker) behindTimer(i int) bool { return w.nodes[i].timer != nil }

// cancelTimer drops the task behind step i's timer and reports whether it did: false when there is none, or
// when it has fired already (its task is on its way to the walker).
func (w *walker) cancelTimer(i int) bool {
	n := &w.nodes[i]
	if n.timer == nil || !n.timer.Stop() {
		return false
	}
	n.timer = nil
	w.outstanding--
	return true
}

// transition moves step i to state to: the one place where a step's state changes, and with it the counts,
// the journal, the report and the events. A finished step stays as it is (one outcome per step). Reaching
// stateFinished takes an outcome (and, for a failure, its error; for a skip, why): a success starts what
// it unblocks, a failure skips what depends on it, an interrupt only records it.
func (w *walker) transition(i int, to stepState, out Outcome, cause error) {
	n := &w.nodes[i]
	if n.state == stateFinished || n.state == to {
		return
	}
	switch n.state {
	case stateActive:
		w.counts.Running--
	case stateWaiting:
		w.counts.Waiting--
	}
	n.state = to
	r, s, sr := w.r, &w.r.plan.Steps[i], &w.r.steps[i]
	switch to {
	case stateActive:
		w.counts.Running++
		sr.Start = r.now()
		w.event(Event{Kind: EventStart, Step: s})
	case stateWaiting:
		w.counts.Waiting++
		w.journal(journalRecord{Event: recordCalled, Step: s.ID})
		w.event(Event{Kind: EventWaiting, Step: s})
	case stateFinished:
		sr.Outcome = out
		w.finished(i, out, cause)
	}
}

// finished is transition's part for a step that has just reached its outcome.
func (w *walker) finished(i int, out Outcome, cause error) {
	r, s, sr := w.r, &w.r.plan.Steps[i], &w.r.steps[i]
	switch out {
	case OutcomeDone, OutcomeAlreadyGone:
		sr.End = r.now()
		w.counts.Done++
		w.journal(journalRecord{Event: recordDone, Step: s.ID, Outcome: out})
		w.event(Event{Kind: EventDone, Step: s, Outcome: out, Attempt: sr.Attempts})
		for _, j := range w.g.Dependents(i) {
			w.nodes[j].pending--
			w.maybeStart(j)
		}
		w.advanceLevel()
	case OutcomeFailed:
		sr.End = r.now()
		sr.Code = cloudapi.Code(cause)
		if sr.Message, sr.RequestID = apiMessage(cause); sr.Code == "" {
			sr.Message = cause.Error()
		}
		w.counts.Failed++
		w.journal(journalRecord{Event: recordFailed, Step: s.ID, Code: sr.Code})
		w.event(Event{Kind: EventFailed, Step: s, Code: sr.Code, Err: cause, Attempt: sr.Attempts})
		w.skipDependents(i)
		if r.opts.FailFast && !w.stopping {
			r.log.Warn().Str("step", s.ID).Msg("--fail-fast: starting no new step")
			w.stop()
		}
		w.advanceLevel()
	case OutcomeSkipped:
		sr.Message = cause.Error()
		w.counts.Skipped++
		w.event(Event{Kind: EventSkipped, Step: s, Message: sr.Message})
	}
}

// skipDependents skips every step not started yet that depends on step i, directly or not.
func (w *walker) skipDependents(i int) {
	for _, j := range w.g.Dependents(i) {
		if w.nodes[j].state != stateIdle {
			continue
		}
		w.transition(j, stateFinished, OutcomeSkipped, errors.New("a step it depends on failed: "+w.r.plan.Steps[i].ID))
		w.skipDependents(j)
	}
}

// stop: nothing new starts; queued tasks and timers are dropped (their steps are interrupted); calls in
// flight finish and are journaled.
func (w *walker) stop() {
	w.stopping = true
	for _, t := range w.q.drain() {
		w.outstanding--
		w.transition(t.step, stateFinished, OutcomeInterrupted, nil)
		w.d.dropped(t)
	}
	for i := range w.nodes {
		if w.cancelTimer(i) {
			w.transition(i, stateFinished, OutcomeInterrupted, nil)
		}
	}
}

// halt: the run was interrupted (its context ended; a worker or a call may see it first).
func (w *walker) halt() {
	w.interrupted = true
	if !w.stopping {
		w.r.log.Warn().Msg("interrupted: starting nothing new, letting calls in flight finish")
		w.stop()
	}
}

// finishStopped marks the steps --fail-fast kept from starting as skipped, and makes sure that every step that
// started ends with an outcome: with nothing outstanding, one still active or waiting had its task dropped as
// the run stopped, and is cut off.
func (w *walker) finishStopped() {
	if !w.stopping {
		return
	}
	for i := range w.nodes {
		switch st := w.nodes[i].state; {
		case st == stateActive || st == stateWaiting:
			w.transition(i, stateFinished, OutcomeInterrupted, nil)
		case st == stateIdle && !w.interrupted:
			w.transition(i, stateFinished, OutcomeSkipped, errNotStartedFailFast)
		}
	}
}

var errNotStartedFailFast = errors.New("not started: --fail-fast stopped the run")

// retried counts a retry of the event's step and tells the caller.
func (w *walker) retried(ev Event) {
	w.counts.Retries++
	w.event(ev)
}

func (w *walker) journal(rec journalRecord) {
	if err := w.r.journal.note(rec); err != nil {
		w.r.log.Warn().Err(err).Msg("journal")
	}
}

func (w *walker) event(ev Event) {
	ev.Counts = w.counts
	w.r.emit(ev)
}

// execute is the execute phase: the walker runs every step still to run, each as start says.
func (r *run) execute(ctx context.Context, start []startKind) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w before any step ran: %w", ErrInterrupted, context.Cause(ctx))
	}
	w := newWalker(r)
	w.d = newDriver(ctx, r, w, start)
	defer func() { r.executeEnd = r.now() }()
	return w.walk(ctx)
}
