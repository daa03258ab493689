package executor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/dag"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// Kinds of calls, as the report counts them.
const (
	kindDryRun = "dry-run"
	kindCall   = "call"
	kindPoll   = "poll"
	kindVerify = "verify"
	kindLock   = "lock"
)

// run is one Apply.
type run struct {
	api     API
	plan    *plans.Plan
	opts    Options
	log     zerolog.Logger
	now     func() time.Time
	journal *journal

	index map[string]int // step id -> index in plan.Steps
	graph *dag.Graph     // the plan's dependencies by index (stepGraph)
	// state by step index, owned by the phase running (the walker's goroutine during execution)
	steps []StepReport
	prior journalState

	mu      sync.Mutex // guards the report's counters of calls and retries, which workers add to
	calls   map[string]map[string]int
	retries int
	depRet  int

	problems   []DryRunProblem
	driftFound *Drift

	lock lockState // the IPAMs this run locked (lock.go)

	executeEnd time.Time // when the walk returned (Report.ExecuteEnd)
}

// Apply runs p: refuse early (blockers unless Partial), lock, verify what the journal says is done, drift
// check, dry run, execute, unlock. It always returns a report (with what happened so far) and an error that
// errors.As finds a *RefusedError in (nothing deleted; exit 3), a *FailedError (exit 1), or that errors.Is
// matches ErrInterrupted (exit 1); any other error is a failure too.
func Apply(ctx context.Context, api API, p *plans.Plan, opts Options) (rep *Report, err error) {
	opts = withDefaults(opts)
	r := &run{api: api, plan: p, opts: opts, log: opts.Logger, now: opts.Now,
		index: make(map[string]int, len(p.Steps)), steps: notStarted(p), calls: map[string]map[string]int{}}
	for i := range p.Steps {
		r.index[p.Steps[i].ID] = i
	}
	start := r.now()
	defer func() {
		rep = r.report(start, err)
	}()

	// 1. Refuse early: nothing has been called yet.
	if err := r.refuseEarly(); err != nil || len(p.Steps) == 0 {
		return nil, err
	}
	if opts.Preview {
		return nil, r.preview(ctx)
	}
	if opts.JournalPath != "" {
		j, prior, err := openJournal(opts.JournalPath, p.PlanID, p.Checksum, r.now)
		if err != nil {
			return nil, err
		}
		r.journal, r.prior = j, prior
		defer j.close()
	}

	// 2. Lock; from here on, every way out removes the lock (unless the IPAM is gone).
	r.phase("lock", fmt.Sprintf("locking %d IPAM(s) with the tag %s", len(r.ipams()), LockTagKey))
	defer r.unlock(ctx, r.ipamGone)
	if err := r.lockIPAMs(ctx, r.ipams(), r.prior.locks); err != nil {
		return nil, r.interrupted(ctx, err)
	}
	defer r.heartbeat(ctx)() // stops before the unlock

	// 3. Resume: what the journal says is done is confirmed by a read, not sent again.
	done, err := r.verifyJournal(ctx)
	if err != nil {
		return nil, r.interrupted(ctx, err)
	}
	r.doneEarlier(done)

	// 4. Drift: the world must still be the one the plan was made from (less what is done).
	if err := r.checkDrift(ctx); err != nil {
		return nil, err
	}

	// 5. Dry run of every step at once; every problem is reported together.
	checked, err := r.checkSteps(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.checkLocks(ctx); err != nil {
		return nil, r.interrupted(ctx, err)
	}

	// 6. Execute.
	r.phase("execute", fmt.Sprintf("running %d step(s), %s schedule, parallelism %d", r.remaining(), opts.Schedule, opts.Parallelism))
	if err := r.execute(ctx, checked.start); err != nil {
		return nil, err
	}
	return nil, r.failure()
}

// refuseEarly refuses a plan with blockers (unless Partial), a step this build does not run or that names no
// IPAM, and a broken graph, and builds the graph; a plan without steps is done.
func (r *run) refuseEarly() (err error) {
	p := r.plan
	if len(p.Blockers) > 0 && !r.opts.Partial {
		return &RefusedError{Kind: RefusedBlockers, Msg: BlockersMessage(p)}
	}
	if len(p.Steps) == 0 {
		r.phase("done", "the plan has no steps: nothing to do")
		return nil
	}
	for i := range p.Steps {
		if _, ok := catalog.Lookup(p.Steps[i].Product, p.Steps[i].Action); !ok {
			return fmt.Errorf("step %s: action %s of %s is not one this build runs", p.Steps[i].ID, p.Steps[i].Action, p.Steps[i].Product)
		}
	}
	if err := checkIPAMIDs(p); err != nil {
		return err
	}
	if r.graph, err = stepGraph(p.Steps, r.index); err != nil {
		return fmt.Errorf("plan %s: %w", p.PlanID, err)
	}
	return nil
}

// doneEarlier marks the steps an earlier run did.
func (r *run) doneEarlier(steps []int) {
	for _, i := range steps {
		r.steps[i].Outcome = OutcomeDoneEarlier
	}
}

// checkDrift is the drift check, when the caller gave a re-plan function: a refusal when the fresh plan
// differs from the file's (less what is done).
func (r *run) checkDrift(ctx context.Context) error {
	switch {
	case r.opts.Replan != nil:
	case r.opts.Preview:
		return nil
	case r.opts.DriftSkipped != "":
		r.log.Info().Msg(r.opts.DriftSkipped)
		return nil
	default:
		r.log.Warn().Msg("drift check skipped: no re-plan function")
		return nil
	}
	r.phase("drift", "re-reading the planned IPAMs and planning them again with the plan's options")
	fresh, err := r.opts.Replan(ctx)
	if err != nil {
		return r.interrupted(ctx, fmt.Errorf("drift check: %w", err))
	}
	d := r.drift(fresh)
	if d.Empty() {
		return nil
	}
	r.driftFound = d
	msg := "the IPAMs changed since the plan was made; nothing was deleted. Make a new plan and review it. "
	if r.opts.Preview {
		msg = "the IPAMs changed since the plan was made. "
	}
	return &RefusedError{Kind: RefusedDrift, Msg: msg + "Differences (by step id):\n" + d.String()}
}

// checkSteps is the dry run, and the refusal of a plan whose dry run found problems; the steps an earlier
// run's call did are marked so.
func (r *run) checkSteps(ctx context.Context) (dryRunResult, error) {
	res, err := r.dryRun(ctx)
	if err != nil {
		return res, r.interrupted(ctx, err)
	}
	r.doneEarlier(res.doneEarlier)
	if len(res.problems) > 0 {
		r.problems = res.problems
		return res, &RefusedError{Kind: RefusedDryRun, Msg: dryRunMessage(res.problems)}
	}
	return res, nil
}

func withDefaults(o Options) Options {
	if o.Schedule == "" {
		o.Schedule = ScheduleReady
	}
	orDefault(&o.Parallelism, DefaultParallelism)
	orDefault(&o.StepTimeout, DefaultStepTimeout)
	orDefault(&o.PollInterval, DefaultPollInterval)
	orDefault(&o.PollMax, max(DefaultPollMax, o.PollInterval))
	orDefault(&o.RetryInitial, DefaultRetryInitial)
	orDefault(&o.RetryMax, DefaultRetryMax)
	orDefault(&o.RetryBudget, DefaultRetryBudget)
	orDefault(&o.DrainTimeout, DefaultDrainTimeout)
	orDefault(&o.LockTTL, DefaultLockTTL)
	orDefault(&o.LockSettle, DefaultLockSettle)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	return o
}

// pollWaitAfter is the wait before the next look at an asynchronous window after a wait of w: half as long
// again, up to PollMax (looks 0.5, 1.25, 2.4, 4.1, 6.6 s after the window opened, then every 5 s). The
// driver's looks (driver.schedule) and the resume's (waitGone, verifyShared) follow it. Doubling the waits
// after the second saved a look at windows ten times the usual, the emulator's heavy tail, but found windows
// between three and ten times the first wait later, which a real service's may well be (BENCHMARKS.md,
// "Teardown strategies", item 9).
func (o Options) pollWaitAfter(w time.Duration) time.Duration {
	return min(w*3/2, o.PollMax)
}

// orDefault sets *v to d when it is zero or negative.
func orDefault[T int | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// ipams returns the IPAMs the plan's steps belong to, sorted.
func (r *run) ipams() []string {
	var ids []string
	for i := range r.plan.Steps {
		if id := r.plan.Steps[i].IPAMID; id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// ipamGone reports whether this run (or an earlier one) deleted the IPAM.
func (r *run) ipamGone(id string) bool {
	i, ok := r.index["delete-ipam/"+id]
	if !ok {
		for j := range r.plan.Steps {
			if s := &r.plan.Steps[j]; s.Action == "DeleteIpam" && s.ResourceID == id {
				i, ok = j, true
				break
			}
		}
	}
	return ok && succeeded(r.steps[i].Outcome)
}

func succeeded(o Outcome) bool { return o.Succeeded() }

// remaining counts the steps still to run.
func (r *run) remaining() int {
	n := 0
	for i := range r.steps {
		if !succeeded(r.steps[i].Outcome) {
			n++
		}
	}
	return n
}

// interrupted turns an error caused by the context's end into ErrInterrupted.
func (r *run) interrupted(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w before any step ran: %w", ErrInterrupted, context.Cause(ctx))
	}
	return err
}

// preview is Apply with Options.Preview: the drift check (when asked) and the dry run, nothing else.
func (r *run) preview(ctx context.Context) error {
	if err := r.checkDrift(ctx); err != nil {
		return err
	}
	if _, err := r.checkSteps(ctx); err != nil {
		return err
	}
	r.phase("done", fmt.Sprintf("preview: every one of the %d step(s) passed its dry run; nothing was changed", len(r.plan.Steps)))
	return nil
}

// errPreviewMutation is what a preview answers, without sending it, to a call that would change something.
var errPreviewMutation = errors.New("a preview sends no mutating call")

// do sends one call and counts it; it retries nothing.
func (r *run) do(ctx context.Context, kind string, c cloudapi.Call) (map[string]any, error) {
	if r.opts.Preview && !c.DryRun {
		if a, ok := catalog.Lookup(c.Product, c.Action); !ok || a.Mutating {
			return nil, fmt.Errorf("%s %s: %w", c.Action, c.Resource, errPreviewMutation)
		}
	}
	r.mu.Lock()
	m := r.calls[c.Action]
	if m == nil {
		m = map[string]int{}
		r.calls[c.Action] = m
	}
	m[kind]++
	r.mu.Unlock()
	return r.api.Do(ctx, c)
}

// retrying sends a call that is safe to repeat (a read, a dry run, a tag write of a fixed value) until it
// answers something other than throttling or a transient failure, within the step timeout.
func (r *run) retrying(ctx context.Context, kind string, c cloudapi.Call) (map[string]any, error) {
	b := r.newBackoff()
	start := r.now()
	deadline := start.Add(min(r.opts.StepTimeout, r.opts.RetryBudget))
	for attempt := 1; ; attempt++ {
		out, err := r.do(ctx, kind, c)
		if err == nil || !retryable(err) {
			return out, err
		}
		wait := max(b.NextBackOff(), cloudapi.RetryAfter(err)) // the server's Retry-After is a floor
		if r.now().Add(wait).After(deadline) {
			return nil, fmt.Errorf("%w (gave up after %d attempts in %s)", err, attempt, r.now().Sub(start).Round(time.Millisecond))
		}
		r.countRetry(false)
		r.log.Debug().Str("action", c.Action).Str("resource", c.Resource).Str("code", codeOrCause(err)).Int("attempt", attempt).
			Dur("next_wait_ms", wait).Msg("retrying") // debug: the report counts retries, a display shows them
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func (r *run) newBackoff() *backoff.ExponentialBackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = r.opts.RetryInitial
	b.MaxInterval = r.opts.RetryMax
	b.Multiplier = 2
	b.RandomizationFactor = 0.5
	b.Reset()
	return b
}

func (r *run) countRetry(dependency bool) {
	r.mu.Lock()
	r.retries++
	if dependency {
		r.depRet++
	}
	r.mu.Unlock()
}

// retryable: throttling and transient failures, which any call may answer and which say nothing of the call's
// effect.
func retryable(err error) bool {
	switch cloudapi.Classify(err) {
	case cloudapi.ClassThrottled, cloudapi.ClassTransient:
		return true
	}
	return false
}

// isNotFound reports whether err is the action's own "resource not found" code: only that code, never a bare
// HTTP 404 (a wrong endpoint answers that), makes a delete count as done.
func isNotFound(err error, product, action string) bool {
	a, ok := catalog.Lookup(product, action)
	return ok && a.IsNotFound(cloudapi.Code(err))
}

func codeOrCause(err error) string {
	if c := cloudapi.Code(err); c != "" {
		return c
	}
	return err.Error()
}

// phase tells the caller (and the log) that a phase started.
func (r *run) phase(name, msg string) {
	// The event first: a log on a pipe ends the phase before with a line of its own, which must come before
	// this phase's first line.
	r.emit(Event{Kind: EventPhase, Phase: name, Message: msg})
	r.log.Info().Str("phase", name).Msg(msg)
}

// emit tells the caller of an event. Only the goroutine running the phase emits (the dry run's and the
// execute phase's workers hand their answers to it), so that OnEvent is called one event at a time without
// a lock held: a slow callback holds up no worker's counting.
func (r *run) emit(e Event) {
	if r.opts.OnEvent == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = r.now()
	}
	r.opts.OnEvent(e)
}
