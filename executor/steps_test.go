package executor_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/planner"
)

// memberCall changes the sandbox IPAM's members in the emulator, as another administrator would.
func memberCall(t *testing.T, b *bed, action, id, typ string) {
	t.Helper()
	_, err := b.srv.Sim.Invoke(context.WithoutCancel(t.Context()), ipamsim.DefaultAccount, wire.ProductVpcIpam, action,
		wire.Params{"RegionId": b.region, "Members.1.MemberId": id, "Members.1.MemberType": typ})
	if err != nil {
		t.Fatalf("%s %s: %v", action, id, err)
	}
}

// callsOf returns the logged real (not dry-run) calls of action.
func callsOf(b *bed, action string) []wire.Call {
	var out []wire.Call
	for _, c := range b.calls() {
		if c.Action == action && !c.DryRun {
			out = append(out, c)
		}
	}
	return out
}

// RemoveIpamMembers takes the sandbox's two members in one call. One of them removed by someone else after
// the dry run makes the call answer OperationDenied.MemberNotExistInIpamRDService for the whole batch; the
// step reads the members and removes the one left, and the IPAM goes. The engine used to count the step as
// already gone, leave the other member, and fail DeleteIpam on DependencyViolation.IpamMembers.
func TestMemberBatchNotFoundSettledPerMember(t *testing.T) {
	b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{})
	step := firstStep(t, b.plan, "RemoveIpamMembers")
	if step.Params["Members.2.MemberId"] == "" {
		t.Fatalf("the sandbox's member step names one member (%v): this test proves nothing", step.Params)
	}
	opts := b.options()
	opts.StepTimeout = 3 * time.Second
	opts.OnEvent = func(e executor.Event) {
		if e.Kind == executor.EventPhase && e.Phase == "execute" {
			memberCall(t, b, "RemoveIpamMembers", step.Params["Members.1.MemberId"], step.Params["Members.1.MemberType"])
		}
	}
	rep, err := executor.Apply(t.Context(), b.api, b.plan, opts)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if !b.ipamGone(firstStep(t, b.plan, "DeleteIpam").ResourceID) {
		t.Error("the IPAM still exists")
	}
	calls := callsOf(b, "RemoveIpamMembers")
	if len(calls) != 2 {
		t.Fatalf("%d real RemoveIpamMembers calls, want 2 (the batch, then the member left): %v", len(calls), calls)
	}
	second := calls[1].Params
	if second["Members.1.MemberId"] != step.Params["Members.2.MemberId"] || second["Members.2.MemberId"] != "" || calls[1].Code != "" {
		t.Errorf("second call: %v answered %q; want only member %s, accepted", second, calls[1].Code, step.Params["Members.2.MemberId"])
	}
	if second["ClientToken"] == calls[0].Params["ClientToken"] {
		t.Error("the call after the batch's refusal sent the refused call's ClientToken")
	}
	for _, s := range rep.Steps {
		if s.ID == step.ID && (s.Outcome != executor.OutcomeDone || s.Attempts != 2) {
			t.Errorf("%s: outcome %s after %d attempts, want done after 2 (a member was removed by this run)", s.ID, s.Outcome, s.Attempts)
		}
	}
}

// A step the journal says is done that a fresh plan still needs is drift: a member added back after an
// interrupted run removed them. The resume used to skip the step (its id is done), pass the drift check,
// and have DeleteIpam refused until the step timeout, on every resume.
func TestDriftSeesDoneStepStillNeeded(t *testing.T) {
	b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{})
	step := firstStep(t, b.plan, "RemoveIpamMembers")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	opts := b.options()
	opts.StepTimeout = 2 * time.Second
	opts.OnEvent = func(e executor.Event) {
		if e.Kind == executor.EventDone && e.Step.ID == step.ID {
			cancel()
			memberCall(t, b, "AddIpamMembers", step.Params["Members.1.MemberId"], step.Params["Members.1.MemberType"])
		}
	}
	if _, err := executor.Apply(ctx, b.api, b.plan, opts); !errors.Is(err, executor.ErrInterrupted) {
		t.Fatalf("first run: %v, want ErrInterrupted", err)
	}
	opts.OnEvent = nil
	rep, err := executor.Apply(t.Context(), b.api, b.plan, opts)
	var refused *executor.RefusedError
	if !errors.As(err, &refused) || refused.Kind != executor.RefusedDrift {
		t.Fatalf("resume: %v, want a drift refusal", err)
	}
	if rep.Drift == nil || !slices.ContainsFunc(rep.Drift.Changed, func(c string) bool { return strings.HasPrefix(c, step.ID+":") }) {
		t.Errorf("drift %+v does not name %s", rep.Drift, step.ID)
	}
	if n := len(callsOf(b, "DeleteIpam")); n != 0 {
		t.Errorf("%d DeleteIpam calls sent", n)
	}
}

// The ClientToken rule (executor.StepToken): a real call refused with a dependency code took no effect, and
// the step's next call sends a new token; the first call sends ClientToken. A member added back after the
// member step makes DeleteIpam answer DependencyViolation.IpamMembers; removed again, the retry goes through.
// The engine used to send the refused call's token again.
func TestDependencyRefusalNewToken(t *testing.T) {
	b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{})
	step := firstStep(t, b.plan, "RemoveIpamMembers")
	del := firstStep(t, b.plan, "DeleteIpam")
	id, typ := step.Params["Members.1.MemberId"], step.Params["Members.1.MemberType"]
	opts := b.options()
	removed := false
	opts.OnEvent = func(e executor.Event) {
		switch {
		case e.Kind == executor.EventDone && e.Step.ID == step.ID:
			memberCall(t, b, "AddIpamMembers", id, typ)
		case e.Kind == executor.EventRetry && e.Step.ID == del.ID && !removed:
			removed = true
			memberCall(t, b, "RemoveIpamMembers", id, typ)
		}
	}
	if _, err := executor.Apply(t.Context(), b.api, b.plan, opts); err != nil {
		t.Fatalf("apply: %v", err)
	}
	calls := callsOf(b, "DeleteIpam")
	var tokens []string
	for _, c := range calls {
		if c.Params["IpamId"] == del.ResourceID {
			tokens = append(tokens, c.Params["ClientToken"])
		}
	}
	want := []string{executor.ClientToken(b.plan.PlanID, del.ID), executor.StepToken(b.plan.PlanID, del.ID, 1)}
	if !slices.Equal(tokens, want) {
		t.Errorf("DeleteIpam tokens %q, want %q (a new one after the refusal)", tokens, want)
	}
	if want[0] == want[1] {
		t.Error("StepToken after a refusal is the first token")
	}
}

// A run killed after DeleteIpamPool was accepted but before its answer reached the journal leaves the pool
// Deleting and the journal saying only that the step started. The resume waits the window out, as it does for a
// step the journal says was called, and converges. It used to refuse the plan (the dry run answers
// OperationConflict while the pool is Deleting) until the window ended.
func TestResumeWhilePoolDeleting(t *testing.T) {
	topo, err := topology.Generate(topology.GenerateOptions{Pools: 2, Depth: 2, FanOut: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	b := newBed(t, topo, topo.Accounts[0].IPAMs[0].Region, planner.Options{}, simtest.WithDeleteDelay(time.Second))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	opts := b.options()
	var deleting string
	opts.OnEvent = func(e executor.Event) {
		if e.Kind == executor.EventWaiting && e.Step.Action == "DeleteIpamPool" && deleting == "" {
			deleting = e.Step.ID
			cancel()
		}
	}
	if _, err := executor.Apply(ctx, b.api, b.plan, opts); !errors.Is(err, executor.ErrInterrupted) {
		t.Fatalf("first run: %v, want ErrInterrupted", err)
	}
	if deleting == "" {
		t.Fatal("no pool was Deleting when the run stopped")
	}
	// What a SIGKILL between the call's answer and its journal record leaves: the step's start, nothing after.
	data, err := os.ReadFile(opts.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.Contains(line, `"step":"`+deleting+`"`) && !strings.Contains(line, `"event":"start"`) {
			continue
		}
		kept = append(kept, line)
	}
	if err := os.WriteFile(opts.JournalPath, []byte(strings.Join(kept, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	opts.OnEvent = nil
	rep, err := executor.Apply(t.Context(), b.api, b.plan, opts)
	if err != nil {
		t.Fatalf("resume while %s is Deleting: %v", deleting, err)
	}
	if !b.ipamGone(firstStep(t, b.plan, "DeleteIpam").ResourceID) {
		t.Error("the IPAM still exists after the resume")
	}
	for _, s := range rep.Steps {
		if s.ID == deleting && s.Attempts != 0 {
			t.Errorf("%s was sent again (%d attempts): the resume should only wait for it", s.ID, s.Attempts)
		}
	}
}

// Every step's outcome in an interrupted run's report is true: nothing is sent after the interrupt (a worker
// took a queued first call after Ctrl-C and sent it), and a step whose call the emulator logged is never
// reported not-started (a poll timer that fired as the run stopped dropped its step). Interrupted as the
// first step starts, the run sends no call at all; interrupted with pools Deleting while the coordinator is
// held up (their poll timers fire meanwhile), each sent step is reported as what it is.
func TestInterruptOutcomesTrue(t *testing.T) {
	tests := []struct {
		name   string
		delay  time.Duration // the emulator's delete window
		stopAt func(e executor.Event, waiting int) bool
		hold   bool // hold the coordinator in the event, so that the timers of waiting steps fire meanwhile
		none   bool // no step may be sent
	}{
		{name: "at the first start", stopAt: func(e executor.Event, _ int) bool { return e.Kind == executor.EventStart }, none: true},
		{name: "while pools are Deleting", delay: time.Second, hold: true,
			stopAt: func(e executor.Event, waiting int) bool { return e.Kind == executor.EventWaiting && waiting == 6 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			topo, err := topology.Generate(topology.GenerateOptions{Pools: 8, Depth: 1, FanOut: 1, AllocationsPerPool: 2, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			b := newBed(t, topo, topo.Accounts[0].IPAMs[0].Region, planner.Options{}, simtest.WithDeleteDelay(tt.delay))
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			opts := b.options()
			opts.PollInterval, opts.PollMax = time.Millisecond, time.Millisecond
			waiting, stopped := 0, false
			opts.OnEvent = func(e executor.Event) {
				if e.Kind == executor.EventWaiting {
					waiting++
				}
				if !stopped && tt.stopAt(e, waiting) {
					stopped = true
					cancel()
					if tt.hold {
						time.Sleep(100 * time.Millisecond) // not a measure: the waiting steps' poll timers fire meanwhile
					}
				}
			}
			rep, err := executor.Apply(ctx, b.api, b.plan, opts)
			if !errors.Is(err, executor.ErrInterrupted) {
				t.Fatalf("apply: %v, want ErrInterrupted", err)
			}
			sent := map[string]bool{}
			for _, c := range b.calls() {
				if s := stepOf(b.plan, c); s != nil && !c.DryRun {
					sent[s.ID] = true
				}
			}
			if tt.none && len(sent) != 0 {
				t.Errorf("%d step(s) sent after the interrupt: %v", len(sent), sent)
			}
			for _, s := range rep.Steps {
				if sent[s.ID] && s.Outcome == executor.OutcomeNotStarted {
					t.Errorf("%s was sent but is reported %s", s.ID, s.Outcome)
				}
				if !sent[s.ID] && s.Outcome != executor.OutcomeNotStarted && s.Outcome != executor.OutcomeInterrupted {
					t.Errorf("%s was never sent but is reported %s", s.ID, s.Outcome)
				}
			}
		})
	}
}
