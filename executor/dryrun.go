package executor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// verifyJournal confirms, by a read, each step an earlier run's journal says is done or was called, waiting
// for an asynchronous state where the step has one, and returns them: they are not sent again.
func (r *run) verifyJournal(ctx context.Context) ([]int, error) {
	var todo []int
	for i := range r.plan.Steps {
		switch r.prior.steps[r.plan.Steps[i].ID] {
		case recordDone, recordCalled:
			todo = append(todo, i)
		case recordStart:
			called, err := r.calledUnjournaled(ctx, i)
			if err != nil {
				return nil, err
			}
			if called {
				todo = append(todo, i)
			}
		}
	}
	if len(todo) == 0 {
		return nil, nil
	}
	r.phase("verify", fmt.Sprintf("resuming: confirming %d step(s) the journal says are done", len(todo)))
	done, rest, err := r.verifyShared(ctx, todo)
	if err != nil {
		return nil, err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.opts.Parallelism)
	for _, i := range rest {
		g.Go(func() error {
			s := &r.plan.Steps[i]
			// A step no read confirms (RemoveIpamMembers) is taken at the journal's word, and the dry run of
			// the step that needed it (DeleteIpam) checks it again.
			if confirmable(s) {
				if err := r.waitGone(gctx, i, kindVerify); err != nil {
					return fmt.Errorf("resume: step %s is done in the journal, but: %w", s.ID, err)
				}
			}
			return nil
		})
	}
	// Every step of rest is confirmed, or the first that is not is the error.
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return append(done, rest...), nil
}

// calledUnjournaled reports whether step i, which the journal says started, was accepted by the service
// though no answer reached the journal (the process was killed in between) and its resource is in its
// asynchronous window: a dry run answers a conflict (a pool Deleting). Such a step is confirmed as a called
// one is, waiting its window out; the drift check would otherwise see a blocker (the Deleting pool) and
// refuse the plan until the window ended.
func (r *run) calledUnjournaled(ctx context.Context, i int) (bool, error) {
	s := &r.plan.Steps[i]
	if a, _ := catalog.Lookup(s.Product, s.Action); s.WaitFor == "" || !a.DryRun {
		return false, nil
	}
	_, err := r.retrying(ctx, kindVerify, stepCall(r.plan.PlanID, s, true))
	if ctx.Err() != nil {
		return false, context.Cause(ctx)
	}
	return cloudapi.Classify(err) == cloudapi.ClassConflict, nil
}

// verifyShared confirms, a read for up to a read's Batch of them (ConfirmMany), the steps of todo whose reads
// can be shared, and returns those found gone, and the steps still to confirm one by one: the others, those
// found in a state waitGone refuses, and those of a read that failed. Those found under way (a pool still
// listed after the interrupted run's call was accepted) are read again together on the polls' schedule until
// they are gone, within the step timeout: a read each would make a large resumed plan read once per pool
// before anything else goes.
func (r *run) verifyShared(ctx context.Context, todo []int) (done, rest []int, err error) {
	groups, readOf := readGroups(r.plan.Steps)
	var pending []int
	for _, i := range todo {
		if readOf[i] > 0 {
			pending = append(pending, i)
		} else {
			rest = append(rest, i)
		}
	}
	deadline := r.now().Add(r.opts.StepTimeout)
	wait := r.opts.PollInterval
	for {
		shared := make([][]int, len(groups)) // the pending steps of each read group
		for _, i := range pending {
			shared[readOf[i]-1] = append(shared[readOf[i]-1], i)
		}
		pending = pending[:0]
		for g, steps := range shared {
			for len(steps) > 0 {
				chunk := steps[:min(groups[g].batch, len(steps))]
				steps = steps[len(chunk):]
				found, err := r.verifyRead(ctx, chunk)
				if err != nil && ctx.Err() != nil {
					return nil, nil, err
				}
				for n, i := range chunk {
					switch v := found[n]; {
					case err != nil, v.verb == vFail:
						rest = append(rest, i) // waitGone says what is wrong with it
					case v.verb == vFinish:
						done = append(done, i)
					default:
						pending = append(pending, i)
					}
				}
			}
		}
		if len(pending) == 0 {
			return done, rest, nil
		}
		if r.now().Add(wait).After(deadline) {
			s := &r.plan.Steps[pending[0]]
			return nil, nil, fmt.Errorf("resume: step %s is done in the journal, but %s %s is still there after %s (and %d more)",
				s.ID, s.ResourceType, s.ResourceID, r.opts.StepTimeout, len(pending)-1)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, nil, err
		}
		wait = r.opts.pollWaitAfter(wait)
	}
}

// verifyRead reads the resources of chunk, steps of one read group, in one read, and says what decide makes of
// each.
func (r *run) verifyRead(ctx context.Context, chunk []int) ([]verdict, error) {
	read := make([]*plans.Step, len(chunk))
	for n, i := range chunk {
		read[n] = &r.plan.Steps[i]
	}
	ps, err := ConfirmMany(ctx, func(ctx context.Context, c cloudapi.Call) (map[string]any, error) {
		return r.retrying(ctx, kindVerify, c)
	}, read)
	if err != nil {
		return make([]verdict, len(chunk)), err
	}
	out := make([]verdict, len(chunk))
	for n, s := range read {
		out[n] = decide(s, answer{kind: taskVerify, presence: ps[n]})
	}
	return out, nil
}

// waitGone polls the step's confirming read until its resource is gone, within the step timeout. A resource
// still there in its original state is an error for a step without an asynchronous state.
func (r *run) waitGone(ctx context.Context, i int, kind string) error {
	s := &r.plan.Steps[i]
	deadline := r.now().Add(r.opts.StepTimeout)
	wait := r.opts.PollInterval
	for {
		p, err := Confirm(ctx, func(ctx context.Context, c cloudapi.Call) (map[string]any, error) {
			return r.retrying(ctx, kind, c)
		}, s)
		switch v := decide(s, answer{kind: taskVerify, err: err, presence: p}); v.verb {
		case vFinish:
			return nil
		case vFail:
			return v.err
		}
		if r.now().Add(wait).After(deadline) {
			return fmt.Errorf("%s %s is still %s after %s", s.ResourceType, s.ResourceID, p, r.opts.StepTimeout)
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		wait = r.opts.pollWaitAfter(wait)
	}
}

// dryRunResult is what the up-front dry run learned: the problems that refuse the run, how each step starts
// in the execute phase, and the steps an earlier run's call already did.
type dryRunResult struct {
	problems    []DryRunProblem
	start       []startKind
	doneEarlier []int
}

// checked is one step's dry run: decide's verdict, the answer's error, and the event that tells of it.
type checked struct {
	i      int
	v      verdict
	err    error
	event  Event
	byRead bool // the action takes no DryRun: a read stood in for it
}

// dryRun checks every step still to run, all at once within the parallelism and the shared rate limit, and
// returns every problem found. A step whose dry run answers a code its dry_run_codes list (a step it depends
// on clears it) passes; if it waits out a hidden window itself (dependsOnHidden), it is checked again just
// before its call (startRecheck). A step whose API has no DryRun (DisassociateResourceShare) is checked by a
// read: its association exists in a share the caller owns. The checks run in goroutines that hand what
// they found to this one, which alone tells the caller (events) and builds the result.
func (r *run) dryRun(ctx context.Context) (dryRunResult, error) {
	var todo []int
	for i := range r.plan.Steps {
		if !succeeded(r.steps[i].Outcome) {
			todo = append(todo, i)
		}
	}
	r.phase("dry-run", fmt.Sprintf("dry-running %d step(s); nothing is deleted in this phase", len(todo)))
	res := dryRunResult{start: make([]startKind, len(r.plan.Steps))}
	out := make(chan checked)
	var gerr error
	go func() {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(r.opts.Parallelism)
		for _, i := range todo {
			g.Go(func() error {
				c, err := r.dryRunStep(gctx, i)
				if err == nil {
					out <- c
				}
				return err
			})
		}
		gerr = g.Wait()
		close(out)
	}()
	byRead, rechecks := 0, 0
	for c := range out {
		r.emit(c.event)
		s := &r.plan.Steps[c.i]
		if c.byRead {
			byRead++
		}
		switch c.v.verb {
		case vPassAfterDeps:
			// Behind a hidden window the step is dry-run again before its call (driver.begin).
			if dependsOnHidden(r.plan, r.index, s) {
				res.start[c.i] = startRecheck
				rechecks++
			}
		case vLookAgain:
			res.start[c.i] = startWait
		case vFinish:
			res.doneEarlier = append(res.doneEarlier, c.i)
		case vProblem:
			res.problems = append(res.problems, problemOf(s, c))
		}
	}
	if gerr != nil {
		return dryRunResult{}, gerr
	}
	if len(res.problems) == 0 {
		r.log.Info().Int("dry_run", len(todo)-byRead).Int("checked_by_read", byRead).Int("checked_again_before_call", rechecks).
			Msg("dry run passed (steps whose API has no DryRun were checked by a read)")
	}
	slices.SortFunc(res.problems, func(a, b DryRunProblem) int { return strings.Compare(a.StepID, b.StepID) })
	return res, nil
}

// dryRunStep is one step's dry run, or the read that stands in for it where the action takes no DryRun.
func (r *run) dryRunStep(ctx context.Context, i int) (checked, error) {
	s := &r.plan.Steps[i]
	a, _ := catalog.Lookup(s.Product, s.Action)
	ans := answer{kind: taskDryRun, started: r.prior.steps[s.ID] == recordStart}
	ev := Event{Kind: EventDryRun, Step: s}
	if a.DryRun {
		_, ans.err = r.retrying(ctx, kindDryRun, stepCall(r.plan.PlanID, s, true))
		if ans.err != nil && ctx.Err() != nil {
			return checked{}, context.Cause(ctx)
		}
		ev.Code = cloudapi.Code(ans.err)
	} else {
		ans.kind = taskDryRunRead
		ans.presence, ans.err = Confirm(ctx, func(ctx context.Context, c cloudapi.Call) (map[string]any, error) {
			return r.retrying(ctx, kindDryRun, c)
		}, s)
		if ctx.Err() != nil {
			return checked{}, context.Cause(ctx)
		}
		ev.Message = "checked by a read: the action takes no DryRun"
	}
	return checked{i: i, v: decide(s, ans), err: ans.err, event: ev, byRead: !a.DryRun}, nil
}

// problemOf is the problem a step's dry run found: the service's code and message, or what decide says.
func problemOf(s *plans.Step, c checked) DryRunProblem {
	p := DryRunProblem{StepID: s.ID, Action: s.Action, ResourceID: s.ResourceID, Code: cloudapi.Code(c.err)}
	if c.err != nil && !errors.Is(c.v.err, errPrerequisite) {
		p.Message, p.RequestID = apiMessage(c.v.err)
	} else {
		p.Message = c.v.err.Error()
	}
	return p
}

// stepCall is the API call of a step, the first real one of this run. A dry run carries no ClientToken: a
// token that a dry run used must not be remembered in place of the real call's.
func stepCall(planID string, s *plans.Step, dryRun bool) cloudapi.Call {
	return stepCallAfter(planID, s, dryRun, 0)
}

// stepCallAfter is the API call of a step that the service refused refused times (StepToken).
func stepCallAfter(planID string, s *plans.Step, dryRun bool, refused int) cloudapi.Call {
	c := cloudapi.Call{Product: s.Product, Action: s.Action, Region: s.Region, Params: s.Params, Resource: s.ResourceID, DryRun: dryRun}
	if a, _ := catalog.Lookup(s.Product, s.Action); a.ClientToken && !dryRun {
		c.ClientToken = StepToken(planID, s.ID, refused)
	}
	return c
}

// apiMessage returns the service's message and RequestId of err, or err's text.
func apiMessage(err error) (msg, requestID string) {
	var ae *cloudapi.APIError
	if errors.As(err, &ae) {
		if ae.Message != "" {
			return ae.Message, ae.RequestID
		}
		if ae.Err != nil {
			return ae.Err.Error(), ae.RequestID
		}
	}
	return err.Error(), ""
}
