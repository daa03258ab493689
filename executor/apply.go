package executor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
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
	// state by step index, owned by the phase running (the engine's coordinator during execution)
	steps []StepReport
	prior journalState

	mu      sync.Mutex // guards report counters and event emission
	calls   map[string]map[string]int
	retries int
	depRet  int

	recheck    []bool // dry-run again before the call: the up-front one answered a code behind a hidden window (dryRun)
	resumeWait []bool // an earlier run's call was accepted: only wait for it
	resumeDone []bool // an earlier run's call took effect (the dry run found the resource gone)
	problems   []DryRunProblem
	driftFound *Drift

	lock lockState // the IPAMs this run locked (lock.go)
}

// Apply runs p: refuse early (blockers unless Partial), lock, verify what the journal says is done, drift
// check, dry run, execute, unlock. It always returns a report (with what happened so far) and an error that
// errors.As finds a *RefusedError in (nothing deleted; exit 3), a *FailedError (exit 1), or that errors.Is
// matches ErrInterrupted (exit 1); any other error is a failure too.
func Apply(ctx context.Context, api API, p *plans.Plan, opts Options) (rep *Report, err error) {
	opts = withDefaults(opts)
	r := &run{api: api, plan: p, opts: opts, log: opts.Logger, now: opts.Now,
		index: make(map[string]int, len(p.Steps)), steps: make([]StepReport, len(p.Steps)),
		calls: map[string]map[string]int{}}
	for i := range p.Steps {
		s := &p.Steps[i]
		r.index[s.ID] = i
		r.steps[i] = StepReport{ID: s.ID, Action: s.Action, ResourceID: s.ResourceID, IPAMID: s.IPAMID, Level: s.Level,
			Outcome: OutcomeNotStarted, DependsOn: DependencyIDs(s)}
	}
	start := r.now()
	defer func() {
		rep = r.report(start, err)
	}()

	// 1. Refuse early: nothing has been called yet.
	if len(p.Blockers) > 0 && !opts.Partial {
		return nil, &RefusedError{Kind: RefusedBlockers, Msg: blockerMessage(p)}
	}
	if len(p.Steps) == 0 {
		r.phase("done", "the plan has no steps: nothing to do")
		return nil, nil
	}
	for i := range p.Steps {
		if _, ok := catalog.Lookup(p.Steps[i].Product, p.Steps[i].Action); !ok {
			return nil, fmt.Errorf("step %s: action %s of %s is not one this build runs", p.Steps[i].ID, p.Steps[i].Action, p.Steps[i].Product)
		}
	}
	if err := checkIPAMIDs(p); err != nil {
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
	if err := r.verifyJournal(ctx); err != nil {
		return nil, r.interrupted(ctx, err)
	}

	// 4. Drift: the world must still be the one the plan was made from (less what is done).
	if opts.Replan != nil {
		r.phase("drift", "re-reading the planned IPAMs and planning them again with the plan's options")
		fresh, err := opts.Replan(ctx)
		if err != nil {
			return nil, r.interrupted(ctx, fmt.Errorf("drift check: %w", err))
		}
		if d := r.drift(fresh); !d.Empty() {
			r.driftFound = d
			return nil, &RefusedError{Kind: RefusedDrift, Msg: "the IPAMs changed since the plan was made; nothing was deleted. " +
				"Make a new plan and review it. Differences (by step id):\n" + d.String()}
		}
	} else if opts.DriftSkipped != "" {
		r.log.Info().Msg(opts.DriftSkipped)
	} else {
		r.log.Warn().Msg("drift check skipped: no re-plan function")
	}

	// 5. Dry run of every step at once; every problem is reported together.
	problems, err := r.dryRun(ctx)
	if err != nil {
		return nil, r.interrupted(ctx, err)
	}
	if len(problems) > 0 {
		r.problems = problems
		return nil, &RefusedError{Kind: RefusedDryRun, Msg: dryRunMessage(problems)}
	}
	if err := r.checkLocks(ctx); err != nil {
		return nil, r.interrupted(ctx, err)
	}

	// 6. Execute.
	r.phase("execute", fmt.Sprintf("running %d step(s), %s schedule, parallelism %d", r.remaining(), opts.Schedule, opts.Parallelism))
	if err := r.execute(ctx); err != nil {
		return nil, err
	}
	return nil, r.failure()
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
// engine's looks (engine.schedule) and the resume's (waitGone) follow it. Doubling the waits after the
// second (looks at 0.5, 1.25, 2.75, 5.75 s) saved a look at windows ten times the usual, the emulator's heavy
// tail (calls 1.11 -> 1.09 of the least on the short balanced tree), but found windows between three and
// ten times the first wait later: against sim serve --delete-delay 3s an apply's execute phase took 29.0 s
// instead of 22.7 s, and with 1.5 s windows 14.2 s instead of 12.7 s.
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

func succeeded(o Outcome) bool {
	return o == OutcomeDone || o == OutcomeAlreadyGone || o == OutcomeDoneEarlier
}

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

func (r *run) failure() error {
	var failed, skipped []string
	for i := range r.steps {
		switch r.steps[i].Outcome {
		case OutcomeFailed:
			failed = append(failed, r.steps[i].ID)
		case OutcomeSkipped:
			skipped = append(skipped, r.steps[i].ID)
		}
	}
	if len(failed) == 0 && len(skipped) == 0 {
		return nil
	}
	return &FailedError{Failed: failed, Skipped: skipped}
}

// preview is Apply with Options.Preview: the drift check (when asked) and the dry run, nothing else.
func (r *run) preview(ctx context.Context) error {
	if r.opts.Replan != nil {
		r.phase("drift", "re-reading the planned IPAMs and planning them again with the plan's options")
		fresh, err := r.opts.Replan(ctx)
		if err != nil {
			return r.interrupted(ctx, fmt.Errorf("drift check: %w", err))
		}
		if d := r.drift(fresh); !d.Empty() {
			r.driftFound = d
			return &RefusedError{Kind: RefusedDrift, Msg: "the IPAMs changed since the plan was made. Differences (by step id):\n" + d.String()}
		}
	}
	problems, err := r.dryRun(ctx)
	if err != nil {
		return r.interrupted(ctx, err)
	}
	if len(problems) > 0 {
		r.problems = problems
		return &RefusedError{Kind: RefusedDryRun, Msg: dryRunMessage(problems)}
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
		r.log.Info().Str("action", c.Action).Str("resource", c.Resource).Str("code", codeOrCause(err)).Int("attempt", attempt).
			Str("next_wait", wait.Round(time.Millisecond).String()).Msg("retrying")
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

func (r *run) emit(e Event) {
	if r.opts.OnEvent == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.Time.IsZero() {
		e.Time = r.now()
	}
	r.opts.OnEvent(e)
}

func blockerMessage(p *plans.Plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "the plan has %d blocker(s); nothing was called. Review them, then run with --partial to run only the plan's steps (the blocked IPAMs remain):\n", len(p.Blockers))
	for _, bl := range p.Blockers {
		fmt.Fprintf(&b, "  %s %s: %s\n", bl.ResourceType, bl.ResourceID, bl.Reason)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func dryRunMessage(problems []DryRunProblem) string {
	var b strings.Builder
	fmt.Fprintf(&b, "the dry run found %d problem(s); nothing was deleted:\n", len(problems))
	for _, p := range problems {
		fmt.Fprintf(&b, "  %s (%s %s): ", p.StepID, p.Action, p.ResourceID)
		if p.Code != "" {
			fmt.Fprintf(&b, "%s: ", p.Code)
		}
		b.WriteString(p.Message)
		if p.RequestID != "" {
			fmt.Fprintf(&b, " (RequestId %s)", p.RequestID)
		}
		b.WriteString("\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// report builds the run's report.
func (r *run) report(start time.Time, err error) *Report {
	rep := &Report{PlanID: r.plan.PlanID, Start: start, End: r.now(), Schedule: r.opts.Schedule,
		Steps: slices.Clone(r.steps), DryRunProblems: r.problems, Drift: r.driftFound}
	r.mu.Lock()
	rep.Calls = map[string]map[string]int{}
	for a, m := range r.calls {
		rep.Calls[a] = map[string]int{}
		for k, n := range m {
			rep.Calls[a][k] = n
		}
	}
	rep.Retries, rep.DependencyRetries = r.retries, r.depRet
	r.mu.Unlock()
	var refused *RefusedError
	switch {
	case err == nil && r.opts.Preview:
		rep.Outcome = "previewed"
	case err == nil:
		rep.Outcome = "done"
	case errors.As(err, &refused):
		rep.Outcome = "refused"
	case errors.Is(err, ErrInterrupted):
		rep.Outcome = "interrupted"
	default:
		rep.Outcome = "failed"
	}
	if err != nil {
		rep.Message = err.Error()
	}
	slices.SortStableFunc(rep.Steps, func(a, b StepReport) int { return cmp.Compare(a.Level, b.Level) })
	return rep
}
