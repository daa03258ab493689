package executor_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/planner"
)

// Pools deleted together are looked at together: one ListIpamPools takes the ids of up to 100 pools whose
// windows are open, so that the pools need fewer reads than there are pools, and none is left unconfirmed.
// Under a rate limit the reads wait their turn, and a pool whose own look comes due while a read that
// carries it waits takes that read's answer instead of queueing its own.
func TestApplySharesReads(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pools int
		qps   float64 // the client's; <0: none
		delay time.Duration
	}{
		{"no rate limit", 130, -1, 100 * time.Millisecond}, // more pools than one read takes
		{"under a rate limit", 60, 200, 200 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) { testSharedReads(t, tc.pools, tc.qps, tc.delay) })
	}
}

func testSharedReads(t *testing.T, pools int, qps float64, delay time.Duration) {
	topo, err := topology.Generate(topology.GenerateOptions{Pools: pools, Depth: 1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	b := newBed(t, topo, "cn-hangzhou", planner.Options{}, simtest.WithDeleteDelay(delay))
	api, err := cloudapi.New(t.Context(), cloudapi.Config{Region: b.region, Endpoint: b.srv.URL, QPS: qps,
		RetryInitial: time.Millisecond, RetryMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var poolSteps int
	for _, s := range b.plan.Steps {
		if s.Action == "DeleteIpamPool" {
			poolSteps++
		}
	}
	if poolSteps != pools {
		t.Fatalf("%d pool deletions planned, want %d", poolSteps, pools)
	}
	mark := len(b.calls())
	rep, err := executor.Apply(t.Context(), api, b.plan, b.options())
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, rep.Message)
	}
	if got := stepIDs(rep, executor.OutcomeDone); len(got) != len(b.plan.Steps) {
		t.Fatalf("%d of %d steps done", len(got), len(b.plan.Steps))
	}
	calls := b.calls()[mark:]
	checkCalls(t, b.plan, calls)

	var reads, most int
	for _, c := range calls {
		ids := len(askedPools(c))
		if ids == 0 {
			continue // the drift check's inventory lists pools by scope
		}
		reads++
		most = max(most, ids)
		if ids > 10 && c.Params["MaxResults"] == "" {
			t.Errorf("a read of %d pools without MaxResults: its answer pages at 10", ids)
		}
	}
	if most > 100 {
		t.Errorf("a read asked for %d pools; IpamPoolIds takes 100", most)
	}
	// Each window outlasts its first look (10 ms): read alone, every pool would need two reads at least,
	// one that finds it open and one that finds it gone (432 reads for 130 pools, measured with Batch 0).
	// Shared, fewer reads than pools: 19 and 25 here at a32631c; before a pool's own look waited for the
	// read that carried it, 168-177 for 130 pools and, under the rate limit, 124-136 for 60.
	if most < 2 || reads >= pools {
		t.Errorf("%d reads for %d pools, at most %d pools in one: the reads were not shared", reads, pools, most)
	}
	var looks, shared int
	for _, s := range rep.Steps {
		if strings.HasPrefix(s.ID, "delete-pool/") {
			if s.Polls+s.SharedLooks == 0 {
				t.Errorf("%s: done without a look at its window", s.ID)
			}
			looks += s.Polls
			shared += s.SharedLooks
		}
	}
	if shared == 0 || looks != reads {
		t.Errorf("pools' own reads %d (the emulator saw %d), shared looks %d", looks, reads, shared)
	}
	t.Logf("%d reads for %d pools (at most %d in one), %d shared looks", reads, pools, most, shared)
}

// A resume confirms the pools an earlier run finished together, a read for up to 100 of them, rather than a
// read each before anything else goes.
func TestResumeConfirmsPoolsTogether(t *testing.T) {
	topo, err := topology.Generate(topology.GenerateOptions{Pools: 30, Depth: 1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	b := newBed(t, topo, "cn-hangzhou", planner.Options{}, simtest.WithDeleteDelay(20*time.Millisecond))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	opts := b.options()
	opts.Parallelism = 2
	// The lock's settle as in a real run: the 20 ms windows of the pools the interrupt left Deleting end
	// before the resume reads them (one still Deleting is read again, alone if it is the last: that is
	// TestResumeWaitsForPoolsTogether's case).
	opts.LockSettle = executor.DefaultLockSettle
	pools := 0
	opts.OnEvent = func(e executor.Event) {
		if e.Kind == executor.EventDone && e.Step.Action == "DeleteIpamPool" {
			if pools++; pools == 12 {
				cancel()
			}
		}
	}
	if _, err := executor.Apply(ctx, b.api, b.plan, opts); !errors.Is(err, executor.ErrInterrupted) {
		t.Fatalf("apply: %v, want ErrInterrupted", err)
	}
	mark := len(b.calls())
	opts.OnEvent = nil
	rep, err := executor.Apply(t.Context(), b.api, b.plan, opts)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	var earlier []string
	for _, s := range rep.Steps {
		if s.Outcome == executor.OutcomeDoneEarlier && s.Action == "DeleteIpamPool" {
			earlier = append(earlier, s.ResourceID)
		}
	}
	if len(earlier) < 12 {
		t.Fatalf("%d pools confirmed done earlier, want 12 at least", len(earlier))
	}
	// Every pool the journal had done was asked for in one read, and none in a read of its own.
	together := false
	for _, c := range b.calls()[mark:] {
		ids := askedPools(c)
		if len(ids) == 1 && slices.Contains(earlier, ids[0]) {
			t.Errorf("pool %s, done before the interrupt, was read on its own", ids[0])
		}
		together = together || len(ids) >= len(earlier) && !slices.ContainsFunc(earlier, func(id string) bool { return !slices.Contains(ids, id) })
	}
	if !together {
		t.Errorf("no read asked for the %d pools done before the interrupt together", len(earlier))
	}
}

// A resume waits for the pools an interrupt left Deleting together: the verify phase reads them in shared
// reads on the polls' schedule until they are gone, not with a read of each pool's own every poll.
func TestResumeWaitsForPoolsTogether(t *testing.T) {
	topo, err := topology.Generate(topology.GenerateOptions{Pools: 30, Depth: 1, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	const delay = 400 * time.Millisecond
	b := newBed(t, topo, "cn-hangzhou", planner.Options{}, simtest.WithDeleteDelay(delay))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	opts := b.options()
	opts.Parallelism = 16
	waiting := map[string]bool{} // the pools whose windows are open
	opts.OnEvent = func(e executor.Event) {
		if e.Step == nil || e.Step.Action != "DeleteIpamPool" {
			return
		}
		switch e.Kind {
		case executor.EventWaiting:
			if waiting[e.Step.ResourceID] = true; len(waiting) == 10 {
				cancel()
			}
		case executor.EventDone:
			delete(waiting, e.Step.ResourceID)
		}
	}
	if _, err := executor.Apply(ctx, b.api, b.plan, opts); !errors.Is(err, executor.ErrInterrupted) {
		t.Fatalf("apply: %v, want ErrInterrupted", err)
	}
	if len(waiting) < 2 {
		t.Fatalf("%d pools Deleting at the interrupt; the test needs several", len(waiting))
	}
	mark := len(b.calls())
	opts.OnEvent = nil
	rep, err := executor.Apply(t.Context(), b.api, b.plan, opts)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	for _, s := range rep.Steps {
		if waiting[s.ResourceID] && s.Action == "DeleteIpamPool" && s.Outcome != executor.OutcomeDoneEarlier {
			t.Errorf("pool %s, Deleting at the interrupt: %s, want %s", s.ResourceID, s.Outcome, executor.OutcomeDoneEarlier)
		}
	}
	// The first read asks for all of them; then as many reads as the polls' schedule needs, each for the
	// pools still listed (the last of them may be alone by then).
	reads := 0 // the reads that asked for a pool Deleting at the interrupt
	for _, c := range b.calls()[mark:] {
		n := 0
		for _, id := range askedPools(c) {
			if waiting[id] {
				n++
			}
		}
		if n == 0 {
			continue
		}
		if reads++; reads == 1 && n != len(waiting) {
			t.Errorf("the resume's first read asked for %d of the %d pools Deleting at the interrupt; want all", n, len(waiting))
		}
	}
	if reads >= len(waiting) {
		t.Errorf("%d reads asked for the %d pools Deleting at the interrupt; want fewer reads than pools", reads, len(waiting))
	}
}

// askedPools returns the ids of the pools c asked for, when it is a ListIpamPools by id (none for another call,
// and for the drift check's inventory, which lists pools by scope).
func askedPools(c wire.Call) []string {
	if c.Action != "ListIpamPools" {
		return nil
	}
	var ids []string
	for k, v := range c.Params {
		if strings.HasPrefix(k, "IpamPoolIds.") {
			ids = append(ids, v)
		}
	}
	return ids
}
