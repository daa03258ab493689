package executor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
)

// Step states during execution.
type stepState int

const (
	stateIdle     stepState = iota // not started
	stateActive                    // a call, a retry wait or a recheck is under way
	stateWaiting                   // the call succeeded; polling for the asynchronous state (holds no worker)
	stateFinished                  // done, already gone, done earlier, failed or skipped
)

// stepRun is the coordinator's view of one step.
type stepRun struct {
	state      stepState
	pending    int   // dependencies not finished yet
	dependents []int // steps that depend on this one
	prio       int   // the longest remaining path from this step to the end of the plan, in cost units
	backoff    *backoff.ExponentialBackOff
	deadline   time.Time
	pollWait   time.Duration
	timer      *time.Timer
	lastErr    error
	// failingSince is when the step's run of throttled or transient answers began (zero: the last answer
	// was neither); such a run may last RetryBudget, dependency retries StepTimeout.
	failingSince time.Time
}

// result is what a worker reports back.
type result struct {
	task
	err      error
	Presence Presence
}

// engine runs the execute phase: a coordinator goroutine (this one) owns every step's state; a pool of
// Parallelism workers sends the calls. A step whose call succeeded and that waits for an asynchronous state
// holds no worker: its polls are tasks like any other, scheduled by timers.
type engine struct {
	r       *run
	q       *queue
	st      []stepRun
	results chan result
	fired   chan task
	quit    chan struct{}

	outstanding int  // tasks queued, in a worker, or behind a timer
	stopping    bool // nothing new starts (interrupt or --fail-fast)
	interrupted bool // the context ended
	level       int  // ScheduleLevels: the level now running
	counts      Counts
}

// cost of a step in the priority: an asynchronous step holds the path for its wait as well as its call.
func cost(waitFor string) int {
	if waitFor != "" {
		return 5
	}
	return 1
}

func (r *run) execute(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w before any step ran: %w", ErrInterrupted, context.Cause(ctx))
	}
	e := &engine{r: r, q: newQueue(), st: make([]stepRun, len(r.plan.Steps)),
		results: make(chan result, r.opts.Parallelism), fired: make(chan task), quit: make(chan struct{})}
	steps := r.plan.Steps
	for i := range steps {
		if succeeded(r.steps[i].Outcome) {
			e.st[i].state = stateFinished
		}
		for _, d := range steps[i].DependsOn {
			j := r.index[d.ID]
			e.st[j].dependents = append(e.st[j].dependents, i)
			if e.st[j].state != stateFinished {
				e.st[i].pending++
			}
		}
	}
	// Steps are sorted by level, and a dependent's level is above its dependencies': walking backwards sees
	// every dependent before the step it depends on.
	for i := len(steps) - 1; i >= 0; i-- {
		best := 0
		for _, j := range e.st[i].dependents {
			best = max(best, e.st[j].prio)
		}
		e.st[i].prio = best + cost(steps[i].WaitFor)
	}
	e.counts.Total = len(steps)
	for i := range steps {
		if e.st[i].state == stateFinished {
			e.counts.Done++
		}
	}

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

	var wg sync.WaitGroup
	for range r.opts.Parallelism {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				t, ok := e.q.pop()
				if !ok {
					return
				}
				e.results <- e.perform(callCtx, t)
			}
		}()
	}
	defer func() {
		close(e.quit)
		e.q.close()
		wg.Wait()
	}()

	e.level = e.lowestLevel()
	for i := range steps {
		e.maybeStart(i)
	}
	done := ctx.Done()
	for e.outstanding > 0 {
		select {
		case res := <-e.results:
			e.outstanding--
			e.handle(res)
		case t := <-e.fired:
			e.st[t.step].timer = nil
			if e.stopping {
				e.outstanding--
				continue
			}
			e.q.push(t)
		case <-done:
			e.interrupted = true
			if !e.stopping {
				e.stop()
			}
			done = nil // seen once; keep draining
		}
	}
	e.finishStopped()
	if e.interrupted {
		return fmt.Errorf("%w: calls in flight finished and were journaled; run the same apply again to resume", ErrInterrupted)
	}
	return nil
}

// perform runs one task in a worker.
func (e *engine) perform(ctx context.Context, t task) result {
	r := e.r
	s := &r.plan.Steps[t.step]
	res := result{task: t}
	switch t.kind {
	case taskRecheck:
		_, res.err = r.do(ctx, kindDryRun, stepCall(r.plan.PlanID, s, true))
	case taskCall:
		if t.first {
			if err := r.journal.append(journalRecord{Event: recordStart, Step: s.ID}); err != nil {
				res.err = err
				return res
			}
		}
		_, res.err = r.do(ctx, kindCall, stepCall(r.plan.PlanID, s, false))
	case taskPoll, taskProbe:
		res.Presence, res.err = Confirm(ctx, func(ctx context.Context, c cloudapi.Call) (map[string]any, error) {
			return r.do(ctx, kindPoll, c)
		}, s)
	}
	return res
}

// lowestLevel is the lowest level with a step not finished (ScheduleLevels runs it).
func (e *engine) lowestLevel() int {
	for i := range e.st {
		if e.st[i].state != stateFinished {
			return e.r.plan.Steps[i].Level
		}
	}
	return 0
}

// maybeStart starts the step if it may start now.
func (e *engine) maybeStart(i int) {
	st := &e.st[i]
	if st.state != stateIdle || st.pending > 0 || e.stopping {
		return
	}
	r := e.r
	s := &r.plan.Steps[i]
	if r.opts.Schedule == ScheduleLevels && s.Level > e.level {
		return
	}
	st.state = stateActive
	st.backoff = r.newBackoff()
	st.pollWait = r.opts.PollInterval
	now := r.now()
	st.deadline = now.Add(r.opts.StepTimeout)
	r.steps[i].Start = now
	e.counts.Running++
	e.event(Event{Kind: EventStart, Step: s})
	switch {
	case r.recheck != nil && r.recheck[i]:
		e.push(task{step: i, kind: taskRecheck})
	case r.resumeWait != nil && r.resumeWait[i]:
		e.wait(i)
	default:
		e.push(task{step: i, kind: taskCall, first: true})
	}
}

func (e *engine) push(t task) {
	if e.stopping {
		e.interrupt(t.step)
		return
	}
	t.prio = e.st[t.step].prio
	e.outstanding++
	e.q.push(t)
}

// later queues t after d, unless the run stops first.
func (e *engine) later(t task, d time.Duration) {
	if e.stopping {
		e.interrupt(t.step)
		return
	}
	t.prio = e.st[t.step].prio
	e.outstanding++
	fired, quit := e.fired, e.quit
	e.st[t.step].timer = time.AfterFunc(d, func() {
		select {
		case fired <- t:
		case <-quit:
		}
	})
}

// handle moves a step on after a worker's answer.
func (e *engine) handle(res result) {
	r := e.r
	i := res.step
	s := &r.plan.Steps[i]
	st := &e.st[i]
	if st.state == stateFinished {
		return
	}
	if res.kind == taskCall || res.kind == taskRecheck {
		r.steps[i].Attempts++
	}
	if res.kind == taskPoll || res.kind == taskProbe {
		r.steps[i].Polls++
	}
	err := res.err
	if err != nil {
		st.lastErr = err
	} else {
		st.failingSince = time.Time{}
	}
	if err != nil && e.stopping && errors.Is(err, context.Canceled) {
		e.interrupt(i)
		return
	}
	switch res.kind {
	case taskRecheck:
		switch {
		case cloudapi.Classify(err) == cloudapi.ClassDryRunPassed:
			e.push(task{step: i, kind: taskCall, first: true})
		case isNotFound(err, s.Product, s.Action):
			e.finish(i, OutcomeAlreadyGone)
		case slices.Contains(s.DryRunCodes, cloudapi.Code(err)):
			// Every step this one depends on has finished, yet the service still answers their code: it has
			// not caught up (a released allocation holds its CIDR for a while). Check again after a backoff.
			e.retry(i, taskRecheck, err, true)
		case retryable(err):
			e.retry(i, taskRecheck, err, false)
		default:
			e.fail(i, err)
		}
	case taskCall:
		a, _ := catalog.Lookup(s.Product, s.Action)
		class := cloudapi.Classify(err)
		switch {
		case err == nil:
			e.called(i)
		case isNotFound(err, s.Product, s.Action):
			e.finish(i, OutcomeAlreadyGone)
		case class == cloudapi.ClassThrottled:
			e.retry(i, taskCall, err, false) // refused before it ran: safe to send again
		case class == cloudapi.ClassTransient && !a.ClientToken:
			// The call may or may not have run, and it has no token to make a second one harmless: read first.
			e.retry(i, taskProbe, err, false)
		case class == cloudapi.ClassTransient:
			e.retry(i, taskCall, err, false) // the same ClientToken: applied at most once
		case class == cloudapi.ClassConflict || class == cloudapi.ClassDependency || slices.Contains(s.DryRunCodes, cloudapi.Code(err)):
			e.retry(i, taskCall, err, class == cloudapi.ClassDependency || slices.Contains(s.DryRunCodes, cloudapi.Code(err)))
		default:
			e.fail(i, err)
		}
	case taskProbe:
		switch {
		case err != nil && retryable(err):
			e.retry(i, taskProbe, err, false)
		case err != nil:
			e.fail(i, err)
		case res.Presence == PresenceThere:
			e.push(task{step: i, kind: taskCall}) // the call did not take effect: send it again
		default:
			e.called(i)
		}
	case taskPoll:
		switch {
		case err != nil && retryable(err):
			e.retry(i, taskPoll, err, false)
		case err != nil:
			e.fail(i, err)
		case res.Presence == PresenceGone:
			e.finish(i, OutcomeDone)
		case res.Presence == PresenceFailed:
			e.fail(i, fmt.Errorf("%s %s: the asynchronous operation ended in state Failed", s.ResourceType, s.ResourceID))
		case r.now().Add(st.pollWait).After(st.deadline):
			e.fail(i, fmt.Errorf("%s %s is still %s after %s (--step-timeout)", s.ResourceType, s.ResourceID, res.Presence, r.opts.StepTimeout))
		default:
			e.later(task{step: i, kind: taskPoll}, st.pollWait)
			st.pollWait = min(st.pollWait*3/2, r.opts.PollMax)
		}
	}
}

// called: the step's call succeeded.
func (e *engine) called(i int) {
	r := e.r
	s := &r.plan.Steps[i]
	r.steps[i].Called = r.now()
	if s.WaitFor == "" {
		e.finish(i, OutcomeDone)
		return
	}
	if err := r.journal.append(journalRecord{Event: recordCalled, Step: s.ID}); err != nil {
		r.log.Warn().Err(err).Msg("journal")
	}
	e.wait(i)
}

// wait puts the step into its asynchronous wait: no worker is held; a poll is scheduled.
func (e *engine) wait(i int) {
	st := &e.st[i]
	if st.state == stateActive {
		e.counts.Running--
		e.counts.Waiting++
	}
	st.state = stateWaiting
	e.event(Event{Kind: EventWaiting, Step: &e.r.plan.Steps[i]})
	e.later(task{step: i, kind: taskPoll}, st.pollWait)
	st.pollWait = min(st.pollWait*3/2, e.r.opts.PollMax)
}

// retry sends the task again after the step's backoff, unless that would pass the step's deadline.
func (e *engine) retry(i int, kind taskKind, err error, dependency bool) {
	r := e.r
	st := &e.st[i]
	wait := max(st.backoff.NextBackOff(), cloudapi.RetryAfter(err)) // the server's Retry-After is a floor
	now := r.now()
	if now.Add(wait).After(st.deadline) {
		e.fail(i, fmt.Errorf("gave up after %s (--step-timeout): %w", r.opts.StepTimeout, err))
		return
	}
	if retryable(err) {
		if st.failingSince.IsZero() {
			st.failingSince = now
		}
		if now.Add(wait).Sub(st.failingSince) > r.opts.RetryBudget {
			e.fail(i, fmt.Errorf("gave up after %s of throttling or transport failures: %w", now.Sub(st.failingSince).Round(time.Millisecond), err))
			return
		}
	} else {
		st.failingSince = time.Time{}
	}
	r.countRetry(dependency)
	e.counts.Retries++
	r.steps[i].Retries++
	r.log.Info().Str("step", r.plan.Steps[i].ID).Str("code", codeOrCause(err)).Int("attempt", r.steps[i].Attempts).
		Str("next_wait", wait.Round(time.Millisecond).String()).Msg("retrying")
	e.event(Event{Kind: EventRetry, Step: &r.plan.Steps[i], Attempt: r.steps[i].Attempts, Code: cloudapi.Code(err), Wait: wait, Err: err})
	e.later(task{step: i, kind: kind}, wait)
}

// finish records a step's success and starts what it unblocks.
func (e *engine) finish(i int, outcome Outcome) {
	r := e.r
	s := &r.plan.Steps[i]
	e.leave(i)
	r.steps[i].Outcome = outcome
	r.steps[i].End = r.now()
	e.counts.Done++
	if err := r.journal.append(journalRecord{Event: recordDone, Step: s.ID, Outcome: outcome}); err != nil {
		r.log.Warn().Err(err).Msg("journal")
	}
	e.event(Event{Kind: EventDone, Step: s, Outcome: outcome})
	for _, j := range e.st[i].dependents {
		e.st[j].pending--
		e.maybeStart(j)
	}
	e.advanceLevel()
}

// fail records a step's failure and skips everything that depends on it; independent branches go on.
func (e *engine) fail(i int, err error) {
	r := e.r
	s := &r.plan.Steps[i]
	e.leave(i)
	sr := &r.steps[i]
	sr.Outcome, sr.End = OutcomeFailed, r.now()
	sr.Code = cloudapi.Code(err)
	sr.Message, sr.RequestID = apiMessage(err)
	if sr.Code == "" {
		sr.Message = err.Error()
	}
	e.counts.Failed++
	if jerr := r.journal.append(journalRecord{Event: recordFailed, Step: s.ID, Code: sr.Code}); jerr != nil {
		r.log.Warn().Err(jerr).Msg("journal")
	}
	e.event(Event{Kind: EventFailed, Step: s, Code: sr.Code, Err: err})
	e.skipDependents(i)
	if r.opts.FailFast && !e.stopping {
		r.log.Warn().Str("step", s.ID).Msg("--fail-fast: starting no new step")
		e.stopping = true
		e.stopQueued()
	}
	e.advanceLevel()
}

func (e *engine) skipDependents(i int) {
	for _, j := range e.st[i].dependents {
		if e.st[j].state != stateIdle {
			continue
		}
		e.st[j].state = stateFinished
		e.r.steps[j].Outcome = OutcomeSkipped
		e.counts.Skipped++
		e.event(Event{Kind: EventSkipped, Step: &e.r.plan.Steps[j], Message: "a step it depends on failed: " + e.r.plan.Steps[i].ID})
		e.skipDependents(j)
	}
}

// leave takes a step out of the running or waiting count.
func (e *engine) leave(i int) {
	st := &e.st[i]
	switch st.state {
	case stateActive:
		e.counts.Running--
	case stateWaiting:
		e.counts.Waiting--
	}
	st.state = stateFinished
}

// advanceLevel starts the next level when the current one has finished (ScheduleLevels).
func (e *engine) advanceLevel() {
	if e.r.opts.Schedule != ScheduleLevels || e.stopping {
		return
	}
	if next := e.lowestLevel(); next != e.level {
		e.level = next
		for i := range e.st {
			if e.r.plan.Steps[i].Level == next {
				e.maybeStart(i)
			}
		}
	}
}

// stop: the context ended. Nothing new starts; queued tasks and timers are dropped (their steps are
// interrupted); calls in flight finish and are journaled.
func (e *engine) stop() {
	e.stopping = true
	e.r.log.Warn().Msg("interrupted: starting nothing new, letting calls in flight finish")
	e.stopQueued()
}

func (e *engine) stopQueued() {
	for _, t := range e.q.drain() {
		e.outstanding--
		e.interrupt(t.step)
	}
	for i := range e.st {
		if t := e.st[i].timer; t != nil && t.Stop() {
			e.st[i].timer = nil
			e.outstanding--
			e.interrupt(i)
		}
	}
}

// interrupt marks a started step as interrupted (the journal keeps its start or called record).
func (e *engine) interrupt(i int) {
	if e.st[i].state == stateFinished {
		return
	}
	e.leave(i)
	e.r.steps[i].Outcome = OutcomeInterrupted
}

// finishStopped marks the steps --fail-fast kept from starting as skipped.
func (e *engine) finishStopped() {
	if !e.stopping || e.interrupted {
		return
	}
	for i := range e.st {
		if e.st[i].state == stateIdle {
			e.st[i].state = stateFinished
			e.r.steps[i].Outcome = OutcomeSkipped
			e.r.steps[i].Message = "not started: --fail-fast stopped the run"
		}
	}
}

func (e *engine) event(ev Event) {
	ev.Counts = e.counts
	e.r.emit(ev)
}
