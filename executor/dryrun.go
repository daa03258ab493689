package executor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// verifyJournal confirms, by a read, each step an earlier run's journal says is done or was called, waiting
// for an asynchronous state where the step has one. Such steps are not sent again.
func (r *run) verifyJournal(ctx context.Context) error {
	var todo []int
	for i := range r.plan.Steps {
		switch r.prior.steps[r.plan.Steps[i].ID] {
		case recordDone, recordCalled:
			todo = append(todo, i)
		case recordStart:
			called, err := r.calledUnjournaled(ctx, i)
			if err != nil {
				return err
			}
			if called {
				todo = append(todo, i)
			}
		}
	}
	if len(todo) == 0 {
		return nil
	}
	r.phase("verify", fmt.Sprintf("resuming: confirming %d step(s) the journal says are done", len(todo)))
	todo, err := r.verifyShared(ctx, todo)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.opts.Parallelism)
	for _, i := range todo {
		g.Go(func() error {
			s := &r.plan.Steps[i]
			if !confirmable(s) {
				// No read confirms it (RemoveIpamMembers): the journal's word is taken, and the dry run of
				// the step that needed it (DeleteIpam) checks it again.
				r.steps[i].Outcome = OutcomeDoneEarlier
				return nil
			}
			if err := r.waitGone(gctx, i, kindVerify); err != nil {
				return fmt.Errorf("resume: step %s is done in the journal, but: %w", s.ID, err)
			}
			r.steps[i].Outcome = OutcomeDoneEarlier
			return nil
		})
	}
	return g.Wait()
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
// can be shared, marks those found gone done earlier, and returns the steps still to confirm one by one: the
// others, those found in a state waitGone refuses, and those of a read that failed. Those found under way (a
// pool still listed after the interrupted run's call was accepted) are read again together on the polls' schedule
// until they are gone, within the step timeout. A resumed plan of 2,000 pools otherwise reads 2,000 times
// before anything else goes, and each pool an interrupt left Deleting was waited for with reads of its own.
func (r *run) verifyShared(ctx context.Context, todo []int) ([]int, error) {
	groups, readOf := readGroups(r.plan.Steps)
	var rest, pending []int
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
				read := make([]*plans.Step, len(chunk))
				for n, i := range chunk {
					read[n] = &r.plan.Steps[i]
				}
				ps, err := ConfirmMany(ctx, func(ctx context.Context, c cloudapi.Call) (map[string]any, error) {
					return r.retrying(ctx, kindVerify, c)
				}, read)
				if err != nil && ctx.Err() != nil {
					return nil, err
				}
				for n, i := range chunk {
					switch {
					case err != nil:
						rest = append(rest, i)
					case ps[n] == PresenceGone:
						r.steps[i].Outcome = OutcomeDoneEarlier
					case ps[n] == PresenceInProgress, ps[n] == PresenceThere && r.plan.Steps[i].WaitFor != "":
						// Under way, as waitGone has it: the catalogue reads no status for a pool (a listed pool
						// is PresenceThere), so a step that waits for its resource to go and finds it listed waits on.
						pending = append(pending, i)
					default:
						rest = append(rest, i) // waitGone says what is wrong with it
					}
				}
			}
		}
		if len(pending) == 0 {
			return rest, nil
		}
		if r.now().Add(wait).After(deadline) {
			s := &r.plan.Steps[pending[0]]
			return nil, fmt.Errorf("resume: step %s is done in the journal, but %s %s is still there after %s (and %d more)",
				s.ID, s.ResourceType, s.ResourceID, r.opts.StepTimeout, len(pending)-1)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
		wait = r.opts.pollWaitAfter(wait)
	}
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
		switch {
		case err != nil:
			return err
		case p == PresenceGone:
			return nil
		case p == PresenceFailed:
			return fmt.Errorf("%s %s is in state Failed", s.ResourceType, s.ResourceID)
		case p == PresenceThere && s.WaitFor == "":
			return fmt.Errorf("%s %s still exists", s.ResourceType, s.ResourceID)
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

// dryRun checks every step still to run, all at once within the parallelism and the shared rate limit, and
// returns every problem found. A step whose dry run answers a code its dry_run_codes list (a step it depends
// on clears it) passes; if it waits out a hidden window itself (dependsOnHidden), it is checked again just
// before its call (recheck, engine.maybeStart). A step whose API
// has no DryRun (DisassociateResourceShare) is checked by a read: its association exists in a share the caller
// owns.
func (r *run) dryRun(ctx context.Context) ([]DryRunProblem, error) {
	var todo []int
	for i := range r.plan.Steps {
		if !succeeded(r.steps[i].Outcome) {
			todo = append(todo, i)
		}
	}
	r.phase("dry-run", fmt.Sprintf("dry-running %d step(s); nothing is deleted in this phase", len(todo)))
	r.recheck = make([]bool, len(r.plan.Steps))
	r.resumeWait = make([]bool, len(r.plan.Steps))
	r.resumeDone = make([]bool, len(r.plan.Steps)) // applied after the pass: other steps read r.steps meanwhile
	var (
		mu       sync.Mutex
		problems []DryRunProblem
	)
	report := func(p DryRunProblem) {
		mu.Lock()
		problems = append(problems, p)
		mu.Unlock()
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.opts.Parallelism)
	for _, i := range todo {
		g.Go(func() error {
			s := &r.plan.Steps[i]
			a, _ := catalog.Lookup(s.Product, s.Action)
			started := r.prior.steps[s.ID] == recordStart
			if !a.DryRun {
				return r.dryRunByRead(gctx, i, started, report)
			}
			_, err := r.retrying(gctx, kindDryRun, stepCall(r.plan.PlanID, s, true))
			code := cloudapi.Code(err)
			problem := DryRunProblem{StepID: s.ID, Action: s.Action, ResourceID: s.ResourceID, Code: code}
			switch {
			case err == nil:
				problem.Message = "the service answered success to a dry run instead of DryRunOperation; it may have run the call"
				report(problem)
			case gctx.Err() != nil:
				return context.Cause(gctx)
			case cloudapi.Classify(err) == cloudapi.ClassDryRunPassed:
			case slices.Contains(s.DryRunCodes, code) && len(s.DependsOn) > 0:
				// A step it depends on clears the code: one still to run, or one an earlier run of this plan
				// finished that the service has not caught up with yet (a released allocation holds its CIDR
				// for a while). A prerequisite that appeared after planning is the drift check's to find.
				// Behind a hidden window the step is dry-run again before its call (engine.maybeStart).
				r.recheck[i] = dependsOnHidden(r.plan, r.index, s)
			case slices.Contains(s.DryRunCodes, code):
				problem.Message = "a prerequisite is not met, and no step of this plan clears it"
				report(problem)
			case started && isNotFound(err, s.Product, s.Action):
				// An earlier run sent this step and was killed before it wrote the outcome.
				r.resumeDone[i] = true

			default:
				problem.Message, problem.RequestID = apiMessage(err)
				report(problem)
			}
			r.emit(Event{Kind: EventDryRun, Step: s, Code: code})
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	byRead := 0
	for _, i := range todo {
		if a, _ := catalog.Lookup(r.plan.Steps[i].Product, r.plan.Steps[i].Action); !a.DryRun {
			byRead++
		}
	}
	for i, done := range r.resumeDone {
		if done {
			r.steps[i].Outcome = OutcomeDoneEarlier
		}
	}
	if len(problems) == 0 {
		rechecks := 0
		for _, c := range r.recheck {
			if c {
				rechecks++
			}
		}
		r.log.Info().Int("dry_run", len(todo)-byRead).Int("checked_by_read", byRead).Int("checked_again_before_call", rechecks).
			Msg("dry run passed (steps whose API has no DryRun were checked by a read)")
	}
	slices.SortFunc(problems, func(a, b DryRunProblem) int { return strings.Compare(a.StepID, b.StepID) })
	return problems, nil
}

// dryRunByRead stands in for the dry run of an action without DryRun.
func (r *run) dryRunByRead(ctx context.Context, i int, started bool, report func(DryRunProblem)) error {
	s := &r.plan.Steps[i]
	p, err := Confirm(ctx, func(ctx context.Context, c cloudapi.Call) (map[string]any, error) {
		return r.retrying(ctx, kindDryRun, c)
	}, s)
	problem := DryRunProblem{StepID: s.ID, Action: s.Action, ResourceID: s.ResourceID}
	switch {
	case ctx.Err() != nil:
		return context.Cause(ctx)
	case err != nil:
		problem.Code = cloudapi.Code(err)
		problem.Message, problem.RequestID = apiMessage(err)
		report(problem)
	case p == PresenceThere:
	case started && p == PresenceInProgress:
		r.resumeWait[i] = true // an earlier run's call was accepted: wait for it
	case started && p == PresenceGone:
		r.resumeDone[i] = true
	default:
		problem.Message = fmt.Sprintf("checked by a read (%s takes no DryRun): the share holds no association to remove, or the caller does not own it (%s)", s.Action, p)
		report(problem)
	}
	r.emit(Event{Kind: EventDryRun, Step: s, Message: "checked by a read: the action takes no DryRun"})
	return nil
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
