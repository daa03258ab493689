// Package bench holds the baseline teardown strategies the performance benchmark compares the executor with:
// a shell script's sequential run, Terraform's readiness walk and aws-nuke's rounds. They are baselines, not
// product features: small drivers that send a plan's steps through the same internal/cloudapi client the
// executor uses, with none of its journal, locking, drift check or dry run.
package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// Timing are a driver's waits. Scale them with the emulator's delays.
type Timing struct {
	RetryInitial, RetryMax time.Duration // backoff of a throttled, failed or conflicting call
	Poll                   time.Duration // Sequential: between confirming reads; Nuke: between rounds
	PollFirst, PollMax     time.Duration // Terraform: its state refresh waits PollFirst, doubling up to PollMax
	StepTimeout            time.Duration // one step's retries and waits; 0: ten minutes
}

// Counts are what a driver saw besides the calls (which the emulator counts).
type Counts struct {
	Retries          int // calls sent again: throttled, failed, conflicting or answered a dependency code
	DependencyErrors int // answers that a prerequisite of the step was not met yet
	// DependencyCodes counts those answers by code.
	DependencyCodes map[string]int
}

// errDependency marks a step whose prerequisite was not met, for Nuke to try again next round.
var errDependency = errors.New("a prerequisite is not met yet")

type runner struct {
	api              *cloudapi.Client
	plan             *plans.Plan
	t                Timing
	retries, depErrs atomic.Int64

	mu       sync.Mutex
	depCodes map[string]int
}

func newRunner(api *cloudapi.Client, p *plans.Plan, t Timing) *runner {
	if t.StepTimeout == 0 {
		t.StepTimeout = 10 * time.Minute
	}
	return &runner{api: api, plan: p, t: t, depCodes: map[string]int{}}
}

func (r *runner) counts() Counts {
	r.mu.Lock()
	defer r.mu.Unlock()
	codes := make(map[string]int, len(r.depCodes))
	for k, v := range r.depCodes {
		codes[k] = v
	}
	return Counts{Retries: int(r.retries.Load()), DependencyErrors: int(r.depErrs.Load()), DependencyCodes: codes}
}

// call sends the step's call until it succeeds or its resource is gone. A dependency code is retried after a
// backoff when retryDependency is set, and returned as errDependency otherwise.
func (r *runner) call(ctx context.Context, st *plans.Step, retryDependency bool) error {
	a, _ := catalog.Lookup(st.Product, st.Action)
	c := cloudapi.Call{Product: st.Product, Action: st.Action, Region: st.Region, Params: st.Params, Resource: st.ResourceID}
	if a.ClientToken {
		c.ClientToken = executor.ClientToken(r.plan.PlanID, st.ID)
	}
	wait := r.t.RetryInitial
	for {
		_, err := r.api.Do(ctx, c)
		if err == nil {
			return nil
		}
		switch cloudapi.Classify(err) {
		case cloudapi.ClassNotFound:
			return nil
		case cloudapi.ClassDependency:
			r.depErrs.Add(1)
			r.mu.Lock()
			r.depCodes[cloudapi.Code(err)]++
			r.mu.Unlock()
			if !retryDependency {
				return fmt.Errorf("%s: %w: %w", st.ID, errDependency, err)
			}
		case cloudapi.ClassThrottled, cloudapi.ClassTransient, cloudapi.ClassConflict:
		default:
			return fmt.Errorf("%s: %w", st.ID, err)
		}
		r.retries.Add(1)
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: %w (last answer: %v)", st.ID, err, cloudapi.Code(err))
		}
		wait = min(2*wait, r.t.RetryMax)
	}
}

// wait polls the step's confirming read until its resource is gone, waiting first and then next(previous).
func (r *runner) wait(ctx context.Context, st *plans.Step, first time.Duration, next func(time.Duration) time.Duration) error {
	if st.WaitFor == "" || !confirmable(st) {
		return nil
	}
	for d := first; ; d = next(d) {
		if err := sleep(ctx, d); err != nil {
			return fmt.Errorf("%s: waiting for %s: %w", st.ID, st.WaitFor, err)
		}
		gone, err := r.gone(ctx, st)
		if err != nil {
			return err
		}
		if gone {
			return nil
		}
	}
}

// gone reads once whether the step's resource is gone; a throttled or failed read counts as not yet.
func (r *runner) gone(ctx context.Context, st *plans.Step) (bool, error) {
	p, err := executor.Confirm(ctx, r.api.Do, st)
	switch {
	case err == nil && p == executor.PresenceFailed:
		return false, fmt.Errorf("%s: the asynchronous operation failed", st.ID)
	case err == nil:
		return p == executor.PresenceGone, nil
	}
	switch cloudapi.Classify(err) {
	case cloudapi.ClassThrottled, cloudapi.ClassTransient, cloudapi.ClassConflict:
		r.retries.Add(1)
		return false, nil
	}
	return false, fmt.Errorf("%s: %w", st.ID, err)
}

// Sequential runs the steps one after another in plan order, each call followed by a confirming read every
// Poll until its asynchronous state is reached: a shell script's way.
func Sequential(ctx context.Context, api *cloudapi.Client, p *plans.Plan, t Timing) (Counts, error) {
	r := newRunner(api, p, t)
	constant := func(d time.Duration) time.Duration { return t.Poll }
	for i := range p.Steps {
		st := &p.Steps[i]
		sctx, cancel := context.WithTimeout(ctx, r.t.StepTimeout)
		err := r.call(sctx, st, true)
		if err == nil {
			err = r.wait(sctx, st, t.Poll, constant)
		}
		cancel()
		if err != nil {
			return r.counts(), err
		}
	}
	return r.counts(), nil
}

// Terraform walks the DAG as Terraform does: a step starts when every step it depends on is done, at most
// slots at once, and a step holds its slot through its wait for the asynchronous state, which polls after
// PollFirst, then doubling up to PollMax (Terraform's state refresh). No step is preferred over another.
func Terraform(ctx context.Context, api *cloudapi.Client, p *plans.Plan, t Timing, slots int) (Counts, error) {
	r := newRunner(api, p, t)
	grow := func(d time.Duration) time.Duration { return min(2*d, t.PollMax) }
	index := make(map[string]int, len(p.Steps))
	for i := range p.Steps {
		index[p.Steps[i].ID] = i
	}
	pending := make([]int, len(p.Steps)) // unfinished dependencies
	dependents := make([][]int, len(p.Steps))
	for i := range p.Steps {
		for _, d := range p.Steps[i].DependsOn {
			j, ok := index[d.ID]
			if !ok {
				return Counts{}, fmt.Errorf("step %s depends on %s, which is not in the plan", p.Steps[i].ID, d.ID)
			}
			pending[i]++
			dependents[j] = append(dependents[j], i)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		i   int
		err error
	}
	done := make(chan result)
	sem := make(chan struct{}, slots)
	running := 0
	start := func(i int) {
		running++
		go func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				done <- result{i, ctx.Err()}
				return
			}
			defer func() { <-sem }()
			st := &p.Steps[i]
			sctx, scancel := context.WithTimeout(ctx, r.t.StepTimeout)
			defer scancel()
			err := r.call(sctx, st, true)
			if err == nil {
				err = r.wait(sctx, st, t.PollFirst, grow)
			}
			done <- result{i, err}
		}()
	}
	for i := range p.Steps {
		if pending[i] == 0 {
			start(i)
		}
	}
	var first error
	for running > 0 {
		res := <-done
		running--
		if res.err != nil {
			if first == nil {
				first = res.err
				cancel()
			}
			continue
		}
		if first != nil {
			continue
		}
		for _, j := range dependents[res.i] {
			if pending[j]--; pending[j] == 0 {
				start(j)
			}
		}
	}
	return r.counts(), first
}

// Nuke runs rounds as aws-nuke does, without the DAG: each round reads once whether each step that was sent
// is done, sends every step not sent yet (workers at once), keeps the ones that failed on a dependency or a
// conflict, and sleeps Poll before the next round. It gives up after maxRounds.
func Nuke(ctx context.Context, api *cloudapi.Client, p *plans.Plan, t Timing, workers, maxRounds int) (Counts, error) {
	r := newRunner(api, p, t)
	remaining := make([]int, len(p.Steps))
	for i := range remaining {
		remaining[i] = i
	}
	var waiting []int // sent; their asynchronous state not confirmed yet
	for round := 0; len(remaining) > 0 || len(waiting) > 0; round++ {
		if round == maxRounds {
			return r.counts(), fmt.Errorf("%d steps left after %d rounds", len(remaining)+len(waiting), maxRounds)
		}
		if round > 0 {
			if err := sleep(ctx, t.Poll); err != nil {
				return r.counts(), err
			}
		}
		stillWaiting, err := parallel(ctx, workers, waiting, func(ctx context.Context, i int) (bool, error) {
			gone, err := r.gone(ctx, &p.Steps[i])
			return !gone, err
		})
		if err != nil {
			return r.counts(), err
		}
		var mu sync.Mutex
		var sent []int
		remaining, err = parallel(ctx, workers, remaining, func(ctx context.Context, i int) (bool, error) {
			err := r.call(ctx, &p.Steps[i], false)
			switch {
			case errors.Is(err, errDependency):
				return true, nil
			case err != nil:
				return false, err
			}
			mu.Lock()
			sent = append(sent, i)
			mu.Unlock()
			return false, nil
		})
		if err != nil {
			return r.counts(), err
		}
		// What was sent this round and is asynchronous is confirmed from the next round on.
		waiting = stillWaiting
		slices.Sort(sent)
		for _, i := range sent {
			if p.Steps[i].WaitFor != "" && confirmable(&p.Steps[i]) {
				waiting = append(waiting, i)
			}
		}
	}
	return r.counts(), nil
}

// parallel runs f on every item, workers at once, and returns the items for which f said keep (in their
// order), or f's first error.
func parallel(ctx context.Context, workers int, items []int, f func(context.Context, int) (bool, error)) ([]int, error) {
	keep := make([]bool, len(items))
	errs := make([]error, len(items))
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range min(workers, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1)) - 1
				if k >= len(items) {
					return
				}
				keep[k], errs[k] = f(ctx, items[k])
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []int
	for k, i := range items {
		if keep[k] {
			out = append(out, i)
		}
	}
	return out, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
