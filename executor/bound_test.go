package executor

import (
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/plans"
)

func TestBound(t *testing.T) {
	// a -> c (async) and b -> c: the path is a (10) + c (10 + 100 + 10) = 130 ms.
	p := &plans.Plan{Steps: []plans.Step{
		{ID: "a"}, {ID: "b"},
		{ID: "c", WaitFor: "gone", DependsOn: []plans.Dependency{{ID: "a"}, {ID: "b"}}},
	}}
	// A released allocation holds its CIDR for the window though no read shows it: allocation (10 + 100),
	// CIDR (10), pool (10 + 100 + 10) = 240 ms, with no read for the allocation.
	released := &plans.Plan{Steps: []plans.Step{
		{ID: "alloc", Product: "VpcIpam", Action: "DeleteIpamPoolAllocation"},
		{ID: "cidr", Product: "VpcIpam", Action: "DeleteIpamPoolCidr", DependsOn: []plans.Dependency{{ID: "alloc"}}},
		{ID: "pool", Product: "VpcIpam", Action: "DeleteIpamPool", WaitFor: "gone", DependsOn: []plans.Dependency{{ID: "cidr"}}},
	}}
	again := &plans.Plan{Steps: []plans.Step{
		{ID: "a"}, {ID: "b"},
		{ID: "c", WaitFor: "gone", DryRunCodes: []string{"DependencyViolation.IpamPool"}, DependsOn: []plans.Dependency{{ID: "a"}, {ID: "b"}}},
	}}
	ms := time.Millisecond
	for _, tc := range []struct {
		name string
		p    *plans.Plan
		s    BoundSettings
		want time.Duration
	}{
		{"critical path", p, BoundSettings{Latency: 10 * ms, DeleteDelay: 100 * ms, Parallelism: 8}, 130 * ms},
		{"parallelism", p, BoundSettings{Latency: 100 * ms, Parallelism: 1}, 400 * ms},         // 4 calls one at a time
		{"rate limit", p, BoundSettings{Latency: ms, Parallelism: 8, QPS: 2}, 2 * time.Second}, // 4 calls at 2/s
		{"hidden window", released, BoundSettings{Latency: 10 * ms, DeleteDelay: 100 * ms, Parallelism: 8}, 240 * ms},
		{"hidden window, rate limit", released, BoundSettings{Latency: ms, Parallelism: 8, QPS: 4}, time.Second}, // 4 calls (no read of the release)
		// c's up-front dry run answers a code a and b clear: it is dry-run again before its call.
		{"dry run again", again, BoundSettings{Latency: 10 * ms, DeleteDelay: 100 * ms, Parallelism: 8, DryRunAgain: true}, 140 * ms},
		{"dry run again, rate limit", again, BoundSettings{Latency: ms, Parallelism: 8, QPS: 5, DryRunAgain: true}, time.Second}, // 5 calls
		{"no dry run again asked", again, BoundSettings{Latency: 10 * ms, DeleteDelay: 100 * ms, Parallelism: 8}, 130 * ms},
	} {
		if got := Bound(tc.p, tc.s); got != tc.want {
			t.Errorf("%s: Bound = %v, want %v", tc.name, got, tc.want)
		}
	}
}
