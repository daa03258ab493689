package executor_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/planner"
)

// TestRunBoundIsAFloor: L of a run, computed from its report as apply computes it against a service whose
// settings it is not told (the latency and windows measured in the run, executor.MeasureBound, and the run's
// parallelism), is never above X, the execute phase as the report's steps show it (Report.ExecuteSpan):
// against the emulator without latency, on the sandbox run whole, interrupted after a few steps, and resumed
// after that interrupt. An interrupted or resumed run's L covers the steps it executed only, and says how
// many. Before RunBound, L was the whole plan's with the medians on every step, and issue 22 found it above X
// in each of these three cases.
func TestRunBoundIsAFloor(t *testing.T) {
	whole := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{})
	wholeOpts := whole.options()
	wholeOpts.PollInterval, wholeOpts.PollMax = 0, 0 // the defaults, as apply has them
	wholeRep, err := executor.Apply(t.Context(), whole.api, whole.plan, wholeOpts)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}

	b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	opts := b.options()
	opts.Parallelism = 2
	done := 0
	opts.OnEvent = func(e executor.Event) {
		if e.Kind == executor.EventDone {
			if done++; done == 5 {
				cancel()
			}
		}
	}
	interrupted, err := executor.Apply(ctx, b.api, b.plan, opts)
	if !errors.Is(err, executor.ErrInterrupted) {
		t.Fatalf("apply: %v, want ErrInterrupted", err)
	}
	// X of the interrupted run reaches the end of its execute phase: the steps cut off have no end of their
	// own, and without ExecuteEnd X stopped at the last answer (500 ms where the phase took 1.3 s).
	var cutOff time.Time
	for _, st := range interrupted.Steps {
		if st.Outcome == executor.OutcomeInterrupted {
			cutOff = latestOf(cutOff, st.Sent, st.Called, st.SeenOpen)
		}
	}
	if x, ok := interrupted.ExecuteSpan(); !ok || interrupted.ExecuteEnd.IsZero() || interrupted.ExecuteEnd.After(interrupted.End) ||
		!cutOff.IsZero() && !interrupted.ExecuteEnd.After(cutOff) || x < interrupted.ExecuteEnd.Sub(firstStart(interrupted)) {
		t.Errorf("interrupted: X %v (%v), execute_end %v, run end %v, last call of a step cut off %v: X must run to the phase's end",
			x, ok, interrupted.ExecuteEnd, interrupted.End, cutOff)
	}
	opts.OnEvent = nil
	resumed, err := executor.Apply(t.Context(), b.api, b.plan, opts)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if len(stepIDs(resumed, executor.OutcomeDoneEarlier)) == 0 {
		t.Fatal("the resume found no step done earlier: it proves nothing")
	}

	for _, tc := range []struct {
		name        string
		bed         *bed
		rep         *executor.Report
		parallelism int
		part        bool // the run executed part of the plan
	}{
		{"sandbox, no latency", whole, wholeRep, wholeOpts.Parallelism, false},
		{"interrupted", b, interrupted, opts.Parallelism, true},
		{"resumed", b, resumed, opts.Parallelism, true},
	} {
		s, ok := executor.MeasureBound(tc.bed.plan, tc.rep.Steps)
		if !ok {
			t.Errorf("%s: nothing measured", tc.name)
			continue
		}
		s.Parallelism = tc.parallelism
		bound := executor.NewRunBoundReport(tc.bed.plan, tc.rep.Steps, s, executor.BoundMeasured, executor.MeasuredNote)
		x, ok := tc.rep.ExecuteSpan()
		if !ok || bound == nil {
			t.Errorf("%s: X %v (%v), L %+v; want both", tc.name, x, ok, bound)
			continue
		}
		if l := bound.Duration(); l > x || l <= 0 {
			t.Errorf("%s: L = %v, X = %v (X/L = %.2f): L is not a floor of the run", tc.name, l, x, float64(x)/float64(l))
		}
		executed := 0
		for _, st := range tc.rep.Steps {
			if !st.Start.IsZero() {
				executed++
			}
		}
		if want := map[bool]int{true: executed, false: 0}[tc.part]; bound.Steps != want || tc.part && executed == len(tc.rep.Steps) {
			t.Errorf("%s: L covers %d steps, want %d (%d of %d ran)", tc.name, bound.Steps, want, executed, len(tc.rep.Steps))
		}
	}
}

// latestOf is the latest of ts.
func latestOf(ts ...time.Time) (last time.Time) {
	for _, t := range ts {
		if t.After(last) {
			last = t
		}
	}
	return last
}

// firstStart is the earliest Start of rep's steps.
func firstStart(rep *executor.Report) (first time.Time) {
	for _, st := range rep.Steps {
		if !st.Start.IsZero() && (first.IsZero() || st.Start.Before(first)) {
			first = st.Start
		}
	}
	return first
}
