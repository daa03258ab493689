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
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// Step states during execution.
type stepState int

const (
	stateIdle     stepState = iota // not started
	stateActive                    // a call or a retry wait is under way
	stateWaiting                   // the call succeeded; polling for the asynchronous state (holds no worker)
	stateFinished                  // done, already gone, done earlier, failed or skipped
)

// stepRun is the coordinator's view of one step.
type stepRun struct {
	state      stepState
	pending    int   // dependencies not finished yet
	dependents []int // steps that depend on this one
	prio       int   // the longest remaining path from this step to the end of the plan, in cost units
	through    int   // the longest path of the plan through this step: among equal priorities, the one with less slack first
	group      int   // the dependent on that path: then, steps that unblock the same one go together
	backoff    *backoff.ExponentialBackOff
	deadline   time.Time
	// The exponential schedule of looks at an asynchronous window (polls, or retries behind a hidden
	// window): the next look is due at due, the one after pollWait later. Looks that the windows of
	// siblings suggest come between and do not move it.
	due      time.Time
	pollWait time.Duration
	// The asynchronous window the step waits for: when it opened (the call's or, for a hidden window, the
	// release's answer), its kind (the action that opened it), and how long it had lasted when last seen open.
	opened   time.Time
	kind     string
	lastOpen time.Duration
	hidden   bool          // the window is a hidden one of a step this one depends on; only this step's answers show its end
	timed    bool          // the step first looked at its window on the schedule (not long after it ended): a measure of it
	spread   bool          // the hidden windows it waits for opened too far apart to tell which one it measures
	guesses  int           // looks it made sooner than the schedule, where a sibling's window ended (at most maxGuesses)
	halved   time.Duration // the end of the siblings' interval whose middle it last looked at (windows.next)
	// riding counts the reads queued or under way that carry the step as a rider; while it is not zero, the
	// step's own look, when its timer fires, waits for their answer instead (lookDue) rather than queueing a
	// read of its own behind them (under a rate limit, the reads wait their turn for a while).
	riding  int
	lookDue bool
	refused int // how many times the service refused the step's real call (StepToken)
	timer   *time.Timer
	lastErr error
	// failingSince is when the step's run of throttled or transient answers began (zero: the last answer
	// was neither); such a run may last RetryBudget, dependency retries StepTimeout.
	failingSince time.Time
}

// result is what a worker reports back.
type result struct {
	task
	err            error
	Presence       Presence
	found          []Presence // what the read found of the task's riders, in order (none if it failed)
	refused        int        // refusals the worker met and settled itself (settleMembers)
	sent, answered time.Time  // the call's round trip
}

// errNotSent is a worker's answer to a task it took after the run was interrupted: it sent nothing.
var errNotSent = errors.New("not sent: the run was interrupted")

// engine runs the execute phase: a coordinator goroutine (this one) owns every step's state; a pool of
// Parallelism workers sends the calls. A step whose call succeeded and that waits for an asynchronous state
// holds no worker: its polls are tasks like any other, scheduled by timers.
type engine struct {
	r       *run
	ctx     context.Context // the run's: once it ends, workers send nothing new (perform)
	q       *queue
	st      []stepRun
	windows windows
	// reads groups the steps whose windows one read can look at together (catalog.Confirm.Batch): the
	// group of step i is reads[readOf[i]-1]; readOf[i] is 0 for a step read on its own.
	reads   []readGroup
	readOf  []int
	results chan result
	fired   chan task
	quit    chan struct{}

	outstanding int  // tasks queued, in a worker, or behind a timer
	stopping    bool // nothing new starts (interrupt or --fail-fast)
	interrupted bool // the context ended
	level       int  // ScheduleLevels: the level now running
	counts      Counts
}

// windowCalls is how many calls long the priority takes an asynchronous window to be: the default first poll
// (500 ms) against a call of about 50 ms.
const windowCalls = 10

// cost of a step in the priority, in calls: its call, and for an asynchronous step its window and a read; a
// released allocation's hidden window holds its CIDR's path as long as a Deleting pool holds its parent's.
func cost(s *plans.Step) int {
	switch a, _ := catalog.Lookup(s.Product, s.Action); {
	case s.WaitFor != "":
		return 1 + windowCalls + 1
	case a.HiddenWindow:
		return 1 + windowCalls
	}
	return 1
}

// priority is where a ready step stands in the queue (see stepRun).
type priority struct{ prio, through, group int }

// priorities ranks the steps of a plan for the queue: the longest remaining path to the end of the plan first
// (so that the critical path never queues behind leaves), in call units (cost); a step that opens a window
// ahead of one as far from the end that only calls; then the least slack; then the steps that unblock the
// same dependent together.
func priorities(steps []plans.Step, index map[string]int) []priority {
	pr := make([]priority, len(steps))
	dependents := make([][]int, len(steps))
	for i := range steps {
		for _, d := range steps[i].DependsOn {
			j := index[d.ID]
			dependents[j] = append(dependents[j], i)
		}
	}
	// Steps are sorted by level, and a dependent's level is above its dependencies': walking backwards sees
	// every dependent before the step it depends on.
	for i := len(steps) - 1; i >= 0; i-- {
		best, group := 0, i
		for _, j := range dependents[i] {
			if pr[j].prio > best {
				best, group = pr[j].prio, j
			}
		}
		pr[i].prio = best + cost(&steps[i])
		pr[i].group = group
	}
	// A step whose remaining path is as long as another's but that starts later on the plan's longest path
	// has less slack: a leaf pool (after its allocations and CIDR) before a mid pool's allocations, whose
	// CIDR waits for that leaf pool anyway.
	before := make([]int, len(steps))
	for i := range steps {
		for _, d := range steps[i].DependsOn {
			j := index[d.ID]
			before[i] = max(before[i], before[j]+cost(&steps[j]))
		}
		pr[i].through = before[i] + pr[i].prio
	}
	// A step that opens a window (a Deleting pool, a release) goes ahead of one as far from the end that only
	// calls: how long a window lasts is not known until it ends (one delete in ten may take ten times as
	// long), and where the rate limit binds, as it does for any large plan, opening it sooner costs nothing,
	// while a long window opened late holds the end back. Added after the paths, so that it does not add up
	// along them. With the emulator's heavy tail it took the short 1,201-step tree from 1.62-1.67 L to
	// 1.30-1.33 L and cut the looks at long windows (internal/bench, BenchmarkStrategies).
	for i := range steps {
		if a, _ := catalog.Lookup(steps[i].Product, steps[i].Action); steps[i].WaitFor != "" || a.HiddenWindow {
			pr[i].prio += windowCalls
		}
	}
	return pr
}

func (r *run) execute(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w before any step ran: %w", ErrInterrupted, context.Cause(ctx))
	}
	e := &engine{r: r, ctx: ctx, q: newQueue(), st: make([]stepRun, len(r.plan.Steps)),
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
	e.reads, e.readOf = readGroups(steps)
	pr := priorities(steps, r.index)
	for i := range steps {
		e.st[i].prio, e.st[i].through, e.st[i].group = pr[i].prio, pr[i].through, pr[i].group
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
				res := e.perform(callCtx, t)
				res.answered = r.now()
				e.results <- res
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
				// The timer fired as the run stopped (stopQueued could not stop it): its step is interrupted,
				// not left as if it never started.
				e.outstanding--
				e.interrupt(t.step)
				continue
			}
			if e.st[t.step].state == stateFinished {
				// Finished: a look that rode on another step's read found its window over while this
				// timer was firing.
				e.outstanding--
				continue
			}
			if t.kind == taskPoll {
				if e.st[t.step].riding > 0 {
					e.st[t.step].lookDue = true // a read carrying it is on its way: its answer is this look
					e.outstanding--
					continue
				}
				t.riders = e.riders(t.step)
				for _, j := range t.riders {
					e.st[j].riding++
					// The read answers for its riders too: it goes as soon as the most urgent of them would.
					if st := &e.st[j]; st.prio > t.prio || st.prio == t.prio && st.through > t.through {
						t.prio, t.through, t.group = st.prio, st.through, st.group
					}
				}
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
	if e.ctx.Err() != nil {
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
					res.Presence, res.found = ps[0], ps[1:]
				}
				return res
			}
			res.sent = r.now() // the read says nothing of whose resource is gone: the step's own read
		}
		res.Presence, res.err = Confirm(ctx, poll, s)
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
	now := r.now()
	st.deadline = now.Add(r.opts.StepTimeout)
	r.steps[i].Start = now
	e.counts.Running++
	e.event(Event{Kind: EventStart, Step: s})
	var t task
	switch {
	case r.resumeWait != nil && r.resumeWait[i]:
		e.wait(i)
		return
	case r.recheck != nil && r.recheck[i]:
		// The up-front dry run answered a code a dependency clears. Where that dependency has a hidden window
		// (a released allocation holds its CIDR for a while, and no read shows when that ends), a dry run
		// finds the end rather than the real call: inside the window the real call would only be refused, a
		// failed mutating call in the account's audit trail each time (the token a refused call sends is
		// StepToken's rule, the same here as anywhere). Every other dependency
		// was confirmed by a read, so the call goes at once; a service that has not caught up still answers
		// the code, and the call is sent again (dependencyRetry). Sending the dry run again before every such
		// call cost a round trip on the critical path of most steps, and 401 of the 3,009 calls of the
		// balanced benchmark tree (internal/bench).
		t = task{step: i, kind: taskRecheck}
	default:
		t = task{step: i, kind: taskCall, first: true}
	}
	// Sent inside a hidden window, the step is refused and sent again: wait it out first, as the first poll
	// of an asynchronous step waits.
	if e.openHidden(i) {
		e.schedule(i)
		if d := st.due.Sub(now); d > 0 {
			st.timed = true
			e.later(t, d)
			return
		}
	}
	e.push(t)
}

// openHidden reports whether step i waits out hidden windows (hiddenDependency) of steps this run finished,
// and if so takes the last of them as the window the step waits for: a released allocation holds its CIDR
// for a while after its delete answered, and only the CIDR's own answer shows when that ends.
func (e *engine) openHidden(i int) bool {
	r := e.r
	st := &e.st[i]
	var first time.Time
	for _, d := range r.plan.Steps[i].DependsOn {
		j := r.index[d.ID]
		dep := &r.plan.Steps[j]
		if !hiddenDependency(r.plan, r.index, &r.plan.Steps[i], d.ID) || r.steps[j].Outcome != OutcomeDone {
			continue
		}
		end := r.steps[j].End
		if end.After(st.opened) {
			st.opened, st.kind, st.hidden = end, dep.Action, true
		}
		if first.IsZero() || end.Before(first) {
			first = end
		}
	}
	st.spread = st.hidden && st.opened.Sub(first) > e.pollFloor()
	return st.hidden
}

// schedule starts the exponential schedule of looks at step i's window, which opened at st.opened: the first
// look PollInterval after, then waits that grow (Options.pollWaitAfter).
func (e *engine) schedule(i int) {
	st := &e.st[i]
	st.due = st.opened.Add(e.r.opts.PollInterval)
	st.pollWait = e.r.opts.pollWaitAfter(e.r.opts.PollInterval)
	st.lastOpen, st.guesses, st.halved = 0, 0, 0
}

// pollFloor is the shortest wait between two looks at a window: a quarter of the first poll's wait.
func (e *engine) pollFloor() time.Duration { return e.r.opts.PollInterval / 4 }

// nextLook is how long step i waits before looking at its window again after res saw it open. Where the
// windows of its siblings (same kind, this run) say when windows that outlasted it ended, there: sooner
// than the exponential schedule's next look, up to maxGuesses times (a wrong guess costs one call, and the
// schedule goes on unmoved), or later, skipping looks of the schedule that no sibling's end supports (the
// emulator's heavy tail, and real deletes, cluster: the long windows of one kind end about together; a
// schedule that doubles its waits blindly instead found 3 s windows later, see Options.pollWaitAfter).
// Otherwise the schedule's next look. The cost of a look skipped: a window that ends between the clusters
// its siblings showed (windows of a kind that grow during a run) is found at the next cluster's end, not at
// the schedule's look; against sim serve --delete-delay 3s the pools' looks went from four or five to two or
// three, and the execute phase took 22.3 s against 22.6 s.
func (e *engine) nextLook(i int, res result, shared bool) time.Duration {
	st := &e.st[i]
	e.sawOpen(i, res)
	now, floor := e.r.now(), e.pollFloor()
	// After a look off the schedule, the schedule's next look may be due at once: not within floor of it.
	// A look on another step's read (engine.ride) within the wait before the schedule's next look takes
	// its place (pollWait is half as long again as that wait): while other steps' reads look at the window
	// often enough, the step sends none of its own.
	for st.due.Before(now.Add(floor)) || shared && st.due.Sub(res.sent) < st.pollWait*2/3 {
		st.due = st.due.Add(st.pollWait)
		st.pollWait = e.r.opts.pollWaitAfter(st.pollWait)
	}
	scheduled := st.due.Sub(now)
	wait, end, ok := e.windows.next(st.kind, now.Sub(st.opened), st.lastOpen, floor, st.halved)
	switch {
	case !ok:
		return scheduled
	case wait > scheduled:
		// The siblings that lasted this long all lasted past the schedule's next look: that look would
		// find this window open too. Fewer calls, and no later than their ends.
	case wait < scheduled && st.guesses < maxGuesses:
		st.guesses++
	default:
		return scheduled
	}
	if wait < end-(now.Sub(st.opened)) {
		st.halved = end // a look into the middle of the siblings' interval: the next one goes to its end
	}
	return wait
}

// sawOpen records that res, a read sent at res.sent, found step i's window still open.
func (e *engine) sawOpen(i int, res result) {
	st := &e.st[i]
	st.lastOpen, st.timed = res.sent.Sub(st.opened), true
	if !st.hidden {
		e.r.steps[i].SeenOpen = res.sent
	}
}

// maxGuesses is how many looks sooner than the schedule a step may make (nextLook).
const maxGuesses = 2

// closed records the end of step i's window, seen by res, for its siblings.
func (e *engine) closed(i int, res result) {
	st := &e.st[i]
	if st.kind != "" && st.timed && !(st.hidden && st.spread) {
		e.windows.observe(st.kind, st.lastOpen, res.answered.Sub(st.opened))
	}
	st.kind, st.hidden, st.timed, st.lastOpen = "", false, false, 0
}

// dependencyRetry sends the task again after a dependency code answered when every step this one depends on
// has finished: the service has not caught up with them. Behind a hidden window (a released allocation
// still holds its CIDR) the wait is an asynchronous one that only this step's answers show the end of: it
// follows the polls' schedule. Otherwise the retry backoff.
func (e *engine) dependencyRetry(i int, kind taskKind, res result) {
	if !e.st[i].hidden {
		e.retry(i, kind, res.err, true)
		return
	}
	e.retryAfter(i, kind, res.err, true, e.nextLook(i, res, false))
}

func (e *engine) push(t task) {
	if e.stopping {
		e.interrupt(t.step)
		return
	}
	t.prio, t.through, t.group, t.refused = e.st[t.step].prio, e.st[t.step].through, e.st[t.step].group, e.st[t.step].refused
	e.outstanding++
	e.q.push(t)
}

// later queues t after d, unless the run stops first.
func (e *engine) later(t task, d time.Duration) {
	if e.stopping {
		e.interrupt(t.step)
		return
	}
	t.prio, t.through, t.group, t.refused = e.st[t.step].prio, e.st[t.step].through, e.st[t.step].group, e.st[t.step].refused
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
	for k, j := range res.riders {
		e.st[j].riding--
		if k < len(res.found) {
			e.ride(j, res.found[k], res)
		} else {
			e.unride(j) // the read failed: a look that waited for it goes now
		}
	}
	r := e.r
	i := res.step
	s := &r.plan.Steps[i]
	st := &e.st[i]
	if st.state == stateFinished {
		return
	}
	if errors.Is(res.err, errNotSent) {
		e.interrupt(i)
		if !e.stopping {
			// The worker saw the interrupt before the coordinator did.
			e.interrupted = true
			e.stop()
		}
		return
	}
	if r.steps[i].Sent.IsZero() {
		r.steps[i].Sent = res.sent
	}
	if res.kind == taskCall || res.kind == taskRecheck {
		r.steps[i].Attempts++
	}
	// settleMembers sent a call of its own after each refusal it met
	st.refused += res.refused
	r.steps[i].Attempts += res.refused
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
			if st.hidden {
				e.closed(i, res)
			}
			e.push(task{step: i, kind: taskCall, first: true})
		case isNotFound(err, s.Product, s.Action):
			e.finish(i, OutcomeAlreadyGone)
		case slices.Contains(s.DryRunCodes, cloudapi.Code(err)):
			// Every step this one depends on has finished, yet the service still answers their code: it has
			// not caught up (a released allocation holds its CIDR for a while). Check again later.
			e.dependencyRetry(i, taskRecheck, res)
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
			if st.hidden {
				e.closed(i, res)
			}
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
		case class == cloudapi.ClassDependency || slices.Contains(s.DryRunCodes, cloudapi.Code(err)):
			st.refused++ // the next call gets a new token (StepToken)
			e.dependencyRetry(i, taskCall, res)
		case class == cloudapi.ClassConflict:
			st.refused++ // refused: the next call gets a new token (StepToken)
			e.retry(i, taskCall, err, false)
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
			e.closed(i, res)
			e.finish(i, OutcomeDone)
		case res.Presence == PresenceFailed:
			e.fail(i, fmt.Errorf("%s %s: the asynchronous operation ended in state Failed", s.ResourceType, s.ResourceID))
		default:
			e.lookAgain(i, res.Presence, e.nextLook(i, res, false))
		}
	}
}

// riders are the steps whose windows step i's poll looks at too, in the same read: those of its read group
// that wait for their next look behind a timer (a step whose own look is queued or under way has its answer
// coming), the ones whose looks are due soonest first, as many as the read takes besides step i's. Each
// costs nothing: the read is sent anyway, a few ids longer, and a rider found over is done without its own
// call; with many windows open at once (the pools of a tree), most are found over by others' reads.
func (e *engine) riders(i int) []int {
	g := e.readOf[i]
	if g == 0 {
		return nil
	}
	var out []int
	for _, j := range e.reads[g-1].steps {
		if j != i && e.st[j].state == stateWaiting && e.st[j].timer != nil {
			out = append(out, j)
		}
	}
	if n := e.reads[g-1].batch - 1; len(out) > n {
		slices.SortFunc(out, func(a, b int) int {
			if c := e.st[a].due.Compare(e.st[b].due); c != 0 {
				return c
			}
			return a - b
		})
		out = out[:n]
	}
	return out
}

// ride takes what another step's read found of step j's window as a look of j's own: j is done if the
// window is over, and otherwise looks again when nextLook says, instead of when it was going to.
func (e *engine) ride(j int, p Presence, res result) {
	st := &e.st[j]
	if st.state != stateWaiting || p == PresenceFailed {
		e.unride(j) // finished; or failed, which its own read will report
		return
	}
	switch {
	case st.lookDue:
		st.lookDue = false // its own look was due and waited for this read
	case st.timer == nil:
		return // its own look is under way
	case !st.timer.Stop():
		return // its own look is firing: that answer decides
	default:
		st.timer = nil
		e.outstanding--
	}
	e.r.steps[j].SharedLooks++
	if p == PresenceGone {
		e.closed(j, res)
		e.finish(j, OutcomeDone)
		return
	}
	e.lookAgain(j, p, e.nextLook(j, res, true))
}

// lookAgain reads step i's window again after wait, which a read found p, unless that would pass the
// step's deadline.
func (e *engine) lookAgain(i int, p Presence, wait time.Duration) {
	if e.r.now().Add(wait).After(e.st[i].deadline) {
		s := &e.r.plan.Steps[i]
		e.fail(i, fmt.Errorf("%s %s is still %s after %s (--step-timeout)", s.ResourceType, s.ResourceID, p, e.r.opts.StepTimeout))
		return
	}
	e.later(task{step: i, kind: taskPoll}, wait)
}

// unride sends step j's own look, which waited for reads that carried it, once none is left to answer it:
// the last of them failed, or was never sent (the run stops).
func (e *engine) unride(j int) {
	st := &e.st[j]
	if !st.lookDue || st.riding > 0 {
		return
	}
	st.lookDue = false
	if st.state != stateWaiting {
		return
	}
	e.push(task{step: j, kind: taskPoll}) // when the run stops, push marks the step interrupted
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
	if err := r.journal.note(journalRecord{Event: recordCalled, Step: s.ID}); err != nil {
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
	// The window opened when the call answered; a resumed step's opened earlier, by an unknown time, and
	// tells its siblings nothing.
	st.hidden, st.timed = false, true
	st.opened, st.kind = e.r.steps[i].Called, e.r.plan.Steps[i].Action
	if st.opened.IsZero() {
		st.opened, st.kind = e.r.now(), ""
	}
	e.schedule(i)
	e.event(Event{Kind: EventWaiting, Step: &e.r.plan.Steps[i]})
	e.later(task{step: i, kind: taskPoll}, max(st.due.Sub(e.r.now()), 0))
}

// retry sends the task again after the step's backoff, unless that would pass the step's deadline.
func (e *engine) retry(i int, kind taskKind, err error, dependency bool) {
	e.retryAfter(i, kind, err, dependency, e.st[i].backoff.NextBackOff())
}

// retryAfter sends the task again after wait (or the server's Retry-After, if longer), unless that would pass
// the step's deadline.
func (e *engine) retryAfter(i int, kind taskKind, err error, dependency bool, wait time.Duration) {
	r := e.r
	st := &e.st[i]
	wait = max(wait, cloudapi.RetryAfter(err)) // the server's Retry-After is a floor
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
	if err := r.journal.note(journalRecord{Event: recordDone, Step: s.ID, Outcome: outcome}); err != nil {
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
	if jerr := r.journal.note(journalRecord{Event: recordFailed, Step: s.ID, Code: sr.Code}); jerr != nil {
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
		for _, j := range t.riders {
			e.st[j].riding--
			e.unride(j)
		}
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
