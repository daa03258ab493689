package executor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// startKind is how a step starts in the execute phase, as the up-front dry run found it.
type startKind int

const (
	startCall    startKind = iota // its call
	startRecheck                  // its dry run again, then its call: the up-front one answered a code behind a hidden window
	startWait                     // an earlier run's call was accepted: only wait for its window
)

// result is what a worker reports back.
type result struct {
	task
	err            error
	presence       Presence
	found          []Presence // what the read found of the task's riders, in order (none if it failed)
	refused        int        // refusals the worker met and settled itself (settleMembers)
	sent, answered time.Time  // the call's round trip
}

// errNotSent is a worker's answer to a task it took after the run was interrupted: it sent nothing.
var errNotSent = errors.New("not sent: the run was interrupted")

// drive is the driver's view of one step: how it starts, its retries, and its looks at its window.
type drive struct {
	start    startKind
	backoff  *backoff.ExponentialBackOff
	deadline time.Time
	// failingSince is when the step's run of throttled or transient answers began (zero: the last answer
	// was neither); such a run may last RetryBudget, dependency retries StepTimeout.
	failingSince time.Time
	refused      int // how many times the service refused the step's real call (StepToken)
	look
}

// driver runs the steps the walker starts (stepDriver): one step's call, its retries, the dry run again
// before it, and the looks at its window. What an answer means is decide's; the driver applies it.
type driver struct {
	r       *run
	w       *walker
	runCtx  context.Context // the run's: once it ends, workers send nothing new (perform)
	st      []drive
	windows windows
	// reads groups the steps whose windows one read can look at together (catalog.Confirm.Batch): the
	// group of step i is reads[readOf[i]-1]; readOf[i] is 0 for a step read on its own.
	reads  []readGroup
	readOf []int
}

func newDriver(ctx context.Context, r *run, w *walker, start []startKind) *driver {
	d := &driver{r: r, w: w, runCtx: ctx, st: make([]drive, len(r.plan.Steps))}
	for i := range start {
		d.st[i].start = start[i]
	}
	d.reads, d.readOf = readGroups(r.plan.Steps)
	return d
}

// begin sends step i's first task (stepDriver).
func (d *driver) begin(i int) {
	r := d.r
	st := &d.st[i]
	st.backoff = r.newBackoff()
	now := r.now()
	st.deadline = now.Add(r.opts.StepTimeout)
	var t task
	switch st.start {
	case startWait:
		d.wait(i)
		return
	case startRecheck:
		// The up-front dry run answered a code a dependency clears. Where that dependency has a hidden window
		// (a released allocation holds its CIDR for a while, and no read shows when that ends), a dry run
		// finds the end rather than the real call, whose ClientToken a refusal might spend (what the service
		// does with the token of a refused call is UNKNOWN: the stricter reading). Every other dependency
		// was confirmed by a read, so the call goes at once; a service that has not caught up still answers
		// the code, and the call is sent again (dependencyRetry). Sending the dry run again before every such
		// call cost a round trip on the critical path of most steps (BENCHMARKS.md, "Teardown strategies", item 4).
		t = task{step: i, kind: taskRecheck}
	default:
		t = task{step: i, kind: taskCall, first: true}
	}
	// Sent inside a hidden window, the step is refused and sent again: wait it out first, as the first poll
	// of an asynchronous step waits.
	if d.openHidden(i) {
		d.schedule(i)
		if wait := st.due.Sub(now); wait > 0 {
			st.timed = true
			d.later(t, wait)
			return
		}
	}
	d.push(t)
}

// perform runs one task in a worker (stepDriver).
func (d *driver) perform(ctx context.Context, t task) result {
	r := d.r
	s := &r.plan.Steps[t.step]
	res := result{task: t}
	if d.runCtx.Err() != nil {
		// Interrupted after the task was queued: nothing new is sent (calls already in flight finish).
		res.err = errNotSent
		return res
	}
	res.sent = r.now()
	switch t.kind {
	case taskRecheck:
		_, res.err = r.do(ctx, kindDryRun, stepCall(r.plan.PlanID, s, true))
	case taskCall:
		// The lock's hook (lock.go): a step of an IPAM another run now holds is not sent.
		if err := r.beforeCall(ctx, s); err != nil {
			res.err = err
			return res
		}
		if t.first {
			if err := r.journal.append(journalRecord{Event: recordStart, Step: s.ID}); err != nil {
				res.err = err
				return res
			}
			res.sent = r.now()
		}
		_, res.err = r.do(ctx, kindCall, stepCallAfter(r.plan.PlanID, s, false, t.refused))
		if isNotFound(res.err, s.Product, s.Action) {
			res.refused, res.err = r.settleMembers(ctx, s, t.refused, res.err)
		}
	case taskPoll, taskProbe:
		d.read(ctx, t, &res)
	}
	return res
}

// read is a task's confirming read: of the step's resource, and of its riders' in the same call.
func (d *driver) read(ctx context.Context, t task, res *result) {
	r := d.r
	s := &r.plan.Steps[t.step]
	poll := func(ctx context.Context, c cloudapi.Call) (map[string]any, error) { return r.do(ctx, kindPoll, c) }
	if len(t.riders) > 0 {
		batch := make([]*plans.Step, 0, len(t.riders)+1)
		batch = append(batch, s)
		for _, j := range t.riders {
			batch = append(batch, &r.plan.Steps[j])
		}
		ps, err := ConfirmMany(ctx, poll, batch)
		if !errors.Is(err, ErrBatchGoneCode) {
			if res.err = err; err == nil {
				res.presence, res.found = ps[0], ps[1:]
			}
			return
		}
		res.sent = r.now() // the read says nothing of whose resource is gone: the step's own read
	}
	res.presence, res.err = Confirm(ctx, poll, s)
}

// answered moves a step on after a worker's answer (stepDriver): what its read found of its riders first,
// then decide's verdict on its own answer.
func (d *driver) answered(res result) {
	for k, j := range res.riders {
		d.st[j].riding--
		if k < len(res.found) {
			d.ride(j, res.found[k], res)
		} else {
			d.unride(j) // the read failed: a look that waited for it goes now
		}
	}
	i := res.step
	if d.w.nodes[i].state == stateFinished {
		return
	}
	if errors.Is(res.err, errNotSent) {
		// The worker saw the interrupt before the walker did: the step is cut off, and nothing was sent.
		d.w.transition(i, stateFinished, OutcomeInterrupted, nil)
		d.w.halt()
		return
	}
	sr := &d.r.steps[i]
	if sr.Sent.IsZero() {
		sr.Sent = res.sent
	}
	switch res.kind {
	case taskCall, taskRecheck:
		sr.Attempts++
	case taskPoll, taskProbe:
		sr.Polls++
	}
	// settleMembers sent a call of its own after each refusal it met
	d.st[i].refused += res.refused
	sr.Attempts += res.refused
	if res.err == nil {
		d.st[i].failingSince = time.Time{}
	}
	v := decide(&d.r.plan.Steps[i], answer{kind: res.kind, err: res.err, presence: res.presence, stopping: d.w.stopping})
	if v.refused {
		d.st[i].refused++ // the next call gets a new token (StepToken)
	}
	d.apply(i, res, v)
}

// apply carries out decide's verdict on step i's answer res.
func (d *driver) apply(i int, res result, v verdict) {
	w := d.w
	switch v.verb {
	case vInterrupt:
		w.transition(i, stateFinished, OutcomeInterrupted, nil)
		w.halt()
	case vFinish:
		if res.kind == taskPoll {
			d.closed(i, res)
		}
		w.transition(i, stateFinished, v.outcome, nil)
	case vFail:
		w.transition(i, stateFinished, OutcomeFailed, v.err)
	case vRetry:
		d.retry(i, res.kind, v.err, false)
	case vProbe:
		d.retry(i, taskProbe, v.err, false)
	case vDependencyRetry:
		d.dependencyRetry(i, res, v.err)
	case vCall:
		if res.kind == taskRecheck && d.st[i].hidden {
			d.closed(i, res)
		}
		d.push(task{step: i, kind: taskCall, first: res.kind == taskRecheck})
	case vCalled:
		if res.kind == taskCall && d.st[i].hidden {
			d.closed(i, res)
		}
		d.called(i)
	case vLookAgain:
		d.lookAgain(i, res.presence, d.nextLook(i, res, false))
	}
}

// called: the step's call succeeded.
func (d *driver) called(i int) {
	d.r.steps[i].Called = d.r.now()
	if d.r.plan.Steps[i].WaitFor == "" {
		d.w.transition(i, stateFinished, OutcomeDone, nil)
		return
	}
	d.wait(i)
}

// wait puts the step into its asynchronous wait: no worker is held; a poll is scheduled.
func (d *driver) wait(i int) {
	d.w.transition(i, stateWaiting, "", nil)
	st := &d.st[i]
	// The window opened when the call answered; a resumed step's opened earlier, by an unknown time, and
	// tells its siblings nothing.
	st.hidden, st.timed = false, true
	st.opened, st.kind = d.r.steps[i].Called, d.r.plan.Steps[i].Action
	if st.opened.IsZero() {
		st.opened, st.kind = d.r.now(), ""
	}
	d.schedule(i)
	d.later(task{step: i, kind: taskPoll}, max(st.due.Sub(d.r.now()), 0))
}

// dependencyRetry sends the task again after a dependency code answered when every step this one depends on
// has finished: the service has not caught up with them. Behind a hidden window (a released allocation
// still holds its CIDR) the wait is an asynchronous one that only this step's answers show the end of: it
// follows the polls' schedule. Otherwise the retry backoff.
func (d *driver) dependencyRetry(i int, res result, err error) {
	if !d.st[i].hidden {
		d.retry(i, res.kind, err, true)
		return
	}
	d.retryAfter(i, res.kind, err, true, d.nextLook(i, res, false))
}

// retry sends the task again after the step's backoff, unless that would pass the step's deadline.
func (d *driver) retry(i int, kind taskKind, err error, dependency bool) {
	d.retryAfter(i, kind, err, dependency, d.st[i].backoff.NextBackOff())
}

// retryAfter sends the task again after wait (or the server's Retry-After, if longer), unless that would pass
// the step's deadline, or a run of throttled or transient answers would outlast the retry budget.
func (d *driver) retryAfter(i int, kind taskKind, err error, dependency bool, wait time.Duration) {
	r := d.r
	st := &d.st[i]
	wait = max(wait, cloudapi.RetryAfter(err)) // the server's Retry-After is a floor
	now := r.now()
	if now.Add(wait).After(st.deadline) {
		d.w.transition(i, stateFinished, OutcomeFailed, fmt.Errorf("gave up after %s (--step-timeout): %w", r.opts.StepTimeout, err))
		return
	}
	if retryable(err) {
		if st.failingSince.IsZero() {
			st.failingSince = now
		}
		if now.Add(wait).Sub(st.failingSince) > r.opts.RetryBudget {
			d.w.transition(i, stateFinished, OutcomeFailed, fmt.Errorf("gave up after %s of throttling or transport failures: %w",
				now.Sub(st.failingSince).Round(time.Millisecond), err))
			return
		}
	} else {
		st.failingSince = time.Time{}
	}
	r.countRetry(dependency)
	sr := &r.steps[i]
	sr.Retries++
	r.log.Debug().Str("step", sr.ID).Str("code", codeOrCause(err)).Int("attempt", sr.Attempts).
		Dur("next_wait_ms", wait).Msg("retrying") // debug: the report counts retries, a display shows them
	d.w.retried(Event{Kind: EventRetry, Step: &r.plan.Steps[i], Attempt: sr.Attempts, Code: cloudapi.Code(err), Wait: wait, Err: err})
	d.later(task{step: i, kind: kind}, wait)
}

// push queues t with the step's count of refusals (StepToken), which the worker reads.
func (d *driver) push(t task) {
	t.refused = d.st[t.step].refused
	d.w.push(t)
}

// later queues t after wait, with the step's count of refusals.
func (d *driver) later(t task, wait time.Duration) {
	t.refused = d.st[t.step].refused
	d.w.later(t, wait)
}
