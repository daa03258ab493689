package executor_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
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
		if c.Action != "ListIpamPools" || c.Params["IpamPoolIds.1"] == "" {
			continue // the drift check's inventory lists pools by scope
		}
		reads++
		var ids int
		for k := range c.Params {
			if strings.HasPrefix(k, "IpamPoolIds.") {
				ids++
			}
		}
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
