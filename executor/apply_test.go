package executor_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/planner"
)

func TestApplyEmptiesTheSandbox(t *testing.T) {
	for _, schedule := range []executor.Schedule{executor.ScheduleReady, executor.ScheduleLevels} {
		t.Run(string(schedule), func(t *testing.T) {
			b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{})
			if len(b.plan.Steps) == 0 || len(b.plan.Blockers) != 0 {
				t.Fatalf("sandbox plan: %d steps, %d blockers", len(b.plan.Steps), len(b.plan.Blockers))
			}
			mark := len(b.calls())
			opts := b.options()
			opts.Schedule = schedule
			rep, err := executor.Apply(t.Context(), b.api, b.plan, opts)
			if err != nil {
				t.Fatalf("apply: %v\n%s", err, rep.Message)
			}
			if rep.Outcome != "done" {
				t.Errorf("outcome %q", rep.Outcome)
			}
			if got := stepIDs(rep, executor.OutcomeDone); len(got) != len(b.plan.Steps) {
				t.Errorf("%d of %d steps done: %v", len(got), len(b.plan.Steps), rep.Steps)
			}
			// The report carries each step's dependencies, for the timeline's critical path.
			deps := map[string]int{}
			for _, s := range b.plan.Steps {
				deps[s.ID] = len(s.DependsOn)
			}
			for _, s := range rep.Steps {
				if len(s.DependsOn) != deps[s.ID] {
					t.Errorf("step %s reports %d dependencies, the plan has %d", s.ID, len(s.DependsOn), deps[s.ID])
				}
			}
			for _, ipam := range []string{b.plan.Steps[len(b.plan.Steps)-1].IPAMID} {
				if !b.ipamGone(ipam) {
					t.Errorf("IPAM %s still exists", ipam)
				}
			}
			calls := b.calls()[mark:]
			checkCalls(t, b.plan, calls)
			if n := countMutating(calls, false); n < len(b.plan.Steps) {
				t.Errorf("%d mutating calls for %d steps", n, len(b.plan.Steps))
			}
			if again := b.planAll(t.Context()); len(again.Steps) != 0 {
				t.Errorf("after apply a new plan still has %d steps", len(again.Steps))
			}
		})
	}
}

func TestApplyUnderFaultsConverges(t *testing.T) {
	b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{},
		simtest.WithDeleteDelay(300*time.Millisecond),
		simtest.WithFaults(7, wire.FaultRule{Throttle: 0.3, Error: 0.05, Latency: 20 * time.Millisecond, Jitter: 20 * time.Millisecond}))
	mark := len(b.calls())
	rep, err := executor.Apply(t.Context(), b.api, b.plan, b.options())
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if rep.Retries == 0 {
		t.Error("no retry under 30 % throttling")
	}
	// The steps' own retries are the execute phase's share of the run's (the timeline marks them).
	stepRetries := 0
	for _, s := range rep.Steps {
		stepRetries += s.Retries
		if s.Retries > 0 && s.Attempts < 2 && s.Polls == 0 {
			t.Errorf("step %s: %d retries in %d attempts and no poll", s.ID, s.Retries, s.Attempts)
		}
	}
	if stepRetries == 0 || stepRetries > rep.Retries {
		t.Errorf("the steps report %d retries, the run %d", stepRetries, rep.Retries)
	}
	if !b.ipamGone(b.plan.Steps[len(b.plan.Steps)-1].IPAMID) {
		t.Error("IPAM still exists")
	}
	checkCalls(t, b.plan, b.calls()[mark:])
}

func TestApplyRefusesBlockersUnlessPartial(t *testing.T) {
	b := newBed(t, loadTopology(t, "multi-account.yaml"), "cn-hangzhou", planner.Options{})
	if len(b.plan.Blockers) == 0 {
		t.Fatal("multi-account plan has no blocker")
	}
	mark := len(b.calls())
	_, err := executor.Apply(t.Context(), b.api, b.plan, b.options())
	var refused *executor.RefusedError
	if !errors.As(err, &refused) || refused.Kind != executor.RefusedBlockers {
		t.Fatalf("apply of a plan with blockers: %v, want a blockers refusal", err)
	}
	if n := len(b.calls()) - mark; n != 0 {
		t.Errorf("%d calls before the refusal, want none", n)
	}

	opts := b.options()
	opts.Partial = true
	rep, err := executor.Apply(t.Context(), b.api, b.plan, opts)
	if err != nil {
		t.Fatalf("--partial: %v", err)
	}
	if got := stepIDs(rep, executor.OutcomeDone); len(got) != len(b.plan.Steps) {
		t.Errorf("--partial ran %d of %d steps", len(got), len(b.plan.Steps))
	}
	checkCalls(t, b.plan, b.calls()[mark:])
}

// A report's times tell queueing from calling: each step was sent after it started and answered after it was
// sent; with one worker and every call 20 ms long, ready steps queue behind each other, and the time from
// sending to the answer is about one call, not the queue.
func TestReportSentTimes(t *testing.T) {
	topo, err := topology.Generate(topology.GenerateOptions{Pools: 3, Depth: 1, FanOut: 1, AllocationsPerPool: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	const latency = 20 * time.Millisecond
	b := newBed(t, topo, topo.Accounts[0].IPAMs[0].Region, planner.Options{}, simtest.WithFaults(1, wire.FaultRule{Latency: latency}))
	opts := b.options()
	opts.Parallelism = 1
	rep, err := executor.Apply(t.Context(), b.api, b.plan, opts)
	if err != nil {
		t.Fatal(err)
	}
	queued := 0
	for _, s := range rep.Steps {
		if s.Sent.IsZero() || s.Sent.Before(s.Start) || s.Called.Before(s.Sent) {
			t.Errorf("%s: start %v, sent %v, called %v: want start <= sent <= called", s.ID, s.Start, s.Sent, s.Called)
			continue
		}
		if s.Sent.Sub(s.Start) >= latency {
			queued++
		}
		// Its calls, and no queue: well under the time other steps' calls held the only worker.
		if per := s.Called.Sub(s.Sent) / time.Duration(max(s.Attempts, 1)); per > 10*latency {
			t.Errorf("%s: %v from sent to answered per attempt, want about %v", s.ID, per, latency)
		}
	}
	if queued == 0 {
		t.Error("no step queued for the one worker: the test proves nothing")
	}
}
