package executor_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/planner"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(helperApply())
	}
	goleak.VerifyTestMain(m,
		// Idle keep-alive connections of the SDK's HTTP client close on their own schedule.
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

// A block reserved between the dry run and its pool's steps: that branch fails with a clear error and what
// depends on it is skipped; every independent branch finishes.
func TestBranchFailsOthersFinish(t *testing.T) {
	b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{})
	opts := b.options()
	opts.StepTimeout = time.Second
	var late string
	opts.OnEvent = func(e executor.Event) {
		if e.Kind == executor.EventPhase && e.Phase == "execute" {
			late = lateAllocation(t, b)
		}
	}
	rep, err := executor.Apply(t.Context(), b.api, b.plan, opts)
	var failed *executor.FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("apply: %v, want a failure", err)
	}
	if late == "" {
		t.Fatal("no allocation was made during the run")
	}
	if len(failed.Failed) == 0 || !slices.Contains(failed.Skipped, firstStep(t, b.plan, "DeleteIpam").ID) {
		t.Errorf("failed %v, skipped %v: want a failed step and DeleteIpam skipped", failed.Failed, failed.Skipped)
	}
	var done int
	for _, s := range rep.Steps {
		switch s.Outcome {
		case executor.OutcomeDone:
			done++
		case executor.OutcomeFailed:
			if s.Code != "OperationDenied.IpamPoolAllocationExist" && s.Code != "DependencyViolation.CustomPoolAllocation" {
				t.Errorf("%s failed with %q (%s), want the allocation's code", s.ID, s.Code, s.Message)
			}
		}
	}
	if done == 0 || done+len(failed.Failed)+len(failed.Skipped) != len(b.plan.Steps) {
		t.Errorf("%d done, %d failed, %d skipped of %d steps", done, len(failed.Failed), len(failed.Skipped), len(b.plan.Steps))
	}
	if b.ipamGone(firstStep(t, b.plan, "DeleteIpam").ResourceID) {
		t.Error("the IPAM is gone although a branch failed")
	}
	assertUnlocked(t, b)
}

// An interrupt stops the run (nothing new starts, calls in flight finish, the lock is removed); the same apply
// again resumes from the journal and converges, sending no finished step again.
func TestInterruptThenResume(t *testing.T) {
	b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{},
		simtest.WithFaults(3, wire.FaultRule{Latency: 5 * time.Millisecond}))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	opts := b.options()
	opts.Parallelism = 2
	n := 0
	opts.OnEvent = func(e executor.Event) {
		if e.Kind == executor.EventDone {
			if n++; n == 5 {
				cancel()
			}
		}
	}
	rep, err := executor.Apply(ctx, b.api, b.plan, opts)
	if !errors.Is(err, executor.ErrInterrupted) {
		t.Fatalf("apply: %v, want ErrInterrupted", err)
	}
	if rep.Outcome != "interrupted" {
		t.Errorf("outcome %q", rep.Outcome)
	}
	finished := stepIDs(rep, executor.OutcomeDone)
	if len(finished) < 5 || len(finished) == len(b.plan.Steps) {
		t.Fatalf("%d steps done before the interrupt took effect", len(finished))
	}
	assertUnlocked(t, b)

	mark := len(b.calls())
	opts.OnEvent = nil
	rep, err = executor.Apply(t.Context(), b.api, b.plan, opts)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if got := stepIDs(rep, executor.OutcomeDoneEarlier); len(got) < len(finished) {
		t.Errorf("resume confirmed %d steps done earlier, want at least %d", len(got), len(finished))
	}
	for _, c := range b.calls()[mark:] {
		if s := stepOf(b.plan, c); s != nil && !c.DryRun && slices.Contains(finished, s.ID) {
			t.Errorf("resume sent finished step %s again", s.ID)
		}
	}
	if !b.ipamGone(firstStep(t, b.plan, "DeleteIpam").ResourceID) {
		t.Error("IPAM still exists after the resume")
	}
}

// --fail-fast: after the first failure nothing new starts.
func TestFailFast(t *testing.T) {
	topo := loadTopology(t, "sandbox.yaml")
	b := newBed(t, topo, "cn-hangzhou", planner.Options{})
	opts := b.options()
	opts.FailFast = true
	opts.Parallelism = 1
	opts.StepTimeout = 500 * time.Millisecond
	opts.OnEvent = func(e executor.Event) {
		if e.Kind == executor.EventPhase && e.Phase == "execute" {
			lateAllocation(t, b)
		}
	}
	rep, err := executor.Apply(t.Context(), b.api, b.plan, opts)
	var failed *executor.FailedError
	if !errors.As(err, &failed) || len(failed.Failed) != 1 {
		t.Fatalf("apply: %v, want exactly one failed step", err)
	}
	if len(stepIDs(rep, executor.OutcomeNotStarted)) != 0 {
		t.Errorf("steps left not-started under --fail-fast; want them reported skipped")
	}
	if len(stepIDs(rep, executor.OutcomeSkipped)) == 0 {
		t.Error("no step skipped")
	}
}

// Resumed inside the release window of allocations an earlier run released: the CIDR steps' dry runs answer
// the allocation code although the steps that clear it are done; the resume accepts it, checks the CIDRs
// again before their calls, and converges (rule 19), rather than refusing the plan.
func TestResumeInsideAReleaseWindow(t *testing.T) {
	// One pool with three reservations and nothing asynchronous before them (no share to wait for on resume).
	topo, err := topology.Generate(topology.GenerateOptions{Pools: 1, Depth: 1, FanOut: 1, AllocationsPerPool: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	b := newBed(t, topo, topo.Accounts[0].IPAMs[0].Region, planner.Options{}, simtest.WithDeleteDelay(1500*time.Millisecond))
	allocations := 0
	for _, s := range b.plan.Steps {
		if s.Action == "DeleteIpamPoolAllocation" {
			allocations++
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	opts := b.options()
	released := 0
	opts.OnEvent = func(e executor.Event) {
		if e.Kind == executor.EventDone && e.Step.Action == "DeleteIpamPoolAllocation" {
			if released++; released == allocations {
				cancel()
			}
		}
	}
	if _, err := executor.Apply(ctx, b.api, b.plan, opts); !errors.Is(err, executor.ErrInterrupted) {
		t.Fatalf("first run: %v, want ErrInterrupted", err)
	}
	opts.OnEvent = nil
	rep, err := executor.Apply(t.Context(), b.api, b.plan, opts)
	if err != nil {
		t.Fatalf("resume inside the release window: %v", err)
	}
	if !b.ipamGone(firstStep(t, b.plan, "DeleteIpam").ResourceID) {
		t.Error("IPAM still exists after the resume")
	}
	if rep.DependencyRetries == 0 {
		t.Error("no dependency retry: the resume did not run inside the release window, so this test proves nothing")
	}
}

// behindShortWindows is a bed for the generated IPAM o whose deletions and releases hold a 20 ms window, and
// apply options whose first look at a window comes well after it ended, however loaded the machine.
func behindShortWindows(t *testing.T, o topology.GenerateOptions) (*bed, executor.Options) {
	t.Helper()
	topo, err := topology.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	const window = 20 * time.Millisecond
	b := newBed(t, topo, topo.Accounts[0].IPAMs[0].Region, planner.Options{}, simtest.WithDeleteDelay(window))
	opts := b.options()
	opts.PollInterval = 5 * window
	opts.PollMax = 10 * window
	return b, opts
}

// A released allocation holds its CIDR for the delete window though no read shows it (rule 19). The CIDR
// step waits the first poll's wait after the release before its second dry run, as an asynchronous step
// waits before its first poll: with the window shorter than that wait, no CIDR is refused and nothing is
// sent twice. The engine used to send the CIDR's dry run at once and retry it on
// OperationDenied.IpamPoolAllocationExist.
func TestNoRetryBehindAReleaseWindow(t *testing.T) {
	b, opts := behindShortWindows(t, topology.GenerateOptions{Pools: 6, Depth: 2, FanOut: 2, AllocationsPerPool: 3, Seed: 1})
	rep, err := executor.Apply(t.Context(), b.api, b.plan, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.DependencyRetries != 0 || rep.Retries != 0 {
		t.Errorf("%d retries, %d of them on dependency codes; want none", rep.Retries, rep.DependencyRetries)
	}
	// The up-front dry run answers the code for the CIDRs it reaches with allocations left; once the run
	// has deleted anything, no CIDR may be refused.
	refused, cidrs, executing := 0, 0, false
	for _, c := range b.calls() {
		if c.Action == "DeleteIpamPoolAllocation" && !c.DryRun {
			executing = true
		}
		if c.Action == "DeleteIpamPoolCidr" && !c.DryRun {
			cidrs++
		}
		if executing && c.Action == "DeleteIpamPoolCidr" && c.Code == "OperationDenied.IpamPoolAllocationExist" {
			refused++
		}
	}
	if cidrs == 0 {
		t.Fatal("no CIDR deleted: the test proves nothing")
	}
	if refused != 0 {
		t.Errorf("%d answers IpamPoolAllocationExist during the run, want none", refused)
	}
	for _, s := range rep.Steps {
		if s.Action == "DeleteIpamPoolCidr" && s.Attempts != 2 {
			t.Errorf("%s: %d attempts, want 2 (its second dry run and its call)", s.ID, s.Attempts)
		}
	}
}

// A step whose up-front dry run answered a code its dependencies clear is dry-run a second time only behind a
// hidden window (a CIDR after its allocations' release); behind dependencies a read confirms (a pool's
// children, the IPAM's pools) its call goes at once, and it is never refused, because the service has caught up.
func TestSecondDryRunOnlyBehindAHiddenWindow(t *testing.T) {
	// The CIDRs' first look comes after the window: one second dry run each.
	b, opts := behindShortWindows(t, topology.GenerateOptions{Pools: 6, Depth: 2, FanOut: 2, AllocationsPerPool: 2, Seed: 3})
	if _, err := executor.Apply(t.Context(), b.api, b.plan, opts); err != nil {
		t.Fatal(err)
	}
	dryRuns := map[string]int{}
	refused := map[string]string{}
	for _, c := range b.calls() {
		s := stepOf(b.plan, c)
		if s == nil {
			continue
		}
		if c.DryRun {
			dryRuns[s.ID]++
		} else if slices.Contains(s.DryRunCodes, c.Code) {
			refused[s.ID] = c.Code
		}
	}
	hidden, plain := 0, 0
	for _, s := range b.plan.Steps {
		if len(s.DryRunCodes) == 0 || len(s.DependsOn) == 0 {
			continue
		}
		want := 1
		if s.Action == "DeleteIpamPoolCidr" {
			want, hidden = 2, hidden+1
		} else {
			plain++
			if code, ok := refused[s.ID]; ok {
				t.Errorf("%s: the call answered %s, though every step it depends on was confirmed", s.ID, code)
			}
		}
		if dryRuns[s.ID] != want {
			t.Errorf("%s (%s): %d dry runs, want %d", s.ID, s.Action, dryRuns[s.ID], want)
		}
	}
	if hidden == 0 || plain == 0 {
		t.Fatalf("%d CIDR steps and %d others with dry-run codes: the topology proves nothing", hidden, plain)
	}
}
