package executor

import (
	"fmt"
	"slices"
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
	// A released allocation holds its CIDR for the window though no read shows it; the CIDR's dry run looks at
	// its end: allocation (10 + 100), CIDR (10 + 10), pool (10 + 100 + 10) = 250 ms.
	released := &plans.Plan{Steps: []plans.Step{
		{ID: "alloc", Product: "VpcIpam", Action: "DeleteIpamPoolAllocation"},
		{ID: "cidr", Product: "VpcIpam", Action: "DeleteIpamPoolCidr", DryRunCodes: []string{"OperationDenied.IpamPoolAllocationExist"}, DependsOn: []plans.Dependency{{ID: "alloc"}}},
		// The pool depends on the release too, but starts after the CIDR, which waited the window out: no look.
		{ID: "pool", Product: "VpcIpam", Action: "DeleteIpamPool", WaitFor: "gone", DryRunCodes: []string{"DependencyViolation.PoolCidr"}, DependsOn: []plans.Dependency{{ID: "alloc"}, {ID: "cidr"}}},
	}}
	// c's up-front dry run answers a code a and b clear; they are confirmed by reads, so c has no look.
	plain := &plans.Plan{Steps: []plans.Step{
		{ID: "a"}, {ID: "b"},
		{ID: "c", WaitFor: "gone", DryRunCodes: []string{"DependencyViolation.IpamPool"}, DependsOn: []plans.Dependency{{ID: "a"}, {ID: "b"}}},
	}}
	// 150 pools deleted at once: 150 calls and, read one at a time, 150 reads; one read takes 100 pools' ids,
	// so the calls bound counts two.
	pools := &plans.Plan{}
	for n := range 150 {
		id := fmt.Sprintf("ipam-pool-%d", n)
		pools.Steps = append(pools.Steps, plans.Step{ID: "delete-pool/" + id, Product: "VpcIpam", Action: "DeleteIpamPool",
			Region: "cn-hangzhou", WaitFor: "gone", Params: map[string]string{"IpamPoolId": id}})
	}
	ms := time.Millisecond
	for _, tc := range []struct {
		name string
		p    *plans.Plan
		s    BoundSettings
		want time.Duration
	}{
		{"shared reads", pools, BoundSettings{Latency: ms, Parallelism: 8, QPS: 1}, 152 * time.Second},
		{"critical path", p, BoundSettings{Latency: 10 * ms, DeleteDelay: 100 * ms, Parallelism: 8}, 130 * ms},
		{"parallelism", p, BoundSettings{Latency: 100 * ms, Parallelism: 1}, 400 * ms},         // 4 calls one at a time
		{"rate limit", p, BoundSettings{Latency: ms, Parallelism: 8, QPS: 2}, 2 * time.Second}, // 4 calls at 2/s
		{"hidden window", released, BoundSettings{Latency: 10 * ms, DeleteDelay: 100 * ms, Parallelism: 8}, 250 * ms},
		{"hidden window, rate limit", released, BoundSettings{Latency: ms, Parallelism: 8, QPS: 5}, time.Second}, // 5 calls
		{"dependency codes behind reads", plain, BoundSettings{Latency: 10 * ms, DeleteDelay: 100 * ms, Parallelism: 8}, 130 * ms},
		// A slow release (1 s) on the path: alloc (10 + 1000), cidr (10 + 10), pool (10 + 100 + 10).
		{"windows of their own", released, BoundSettings{Latency: 10 * ms, DeleteDelay: 100 * ms, Parallelism: 8,
			Window: func(st *plans.Step) time.Duration {
				if st.ID == "alloc" {
					return time.Second
				}
				return 100 * ms
			}}, 1150 * ms},
	} {
		if got := Bound(tc.p, tc.s); got != tc.want {
			t.Errorf("%s: Bound = %v, want %v", tc.name, got, tc.want)
		}
	}
	for _, tc := range []struct {
		name         string
		p            *plans.Plan
		steps        []int
		execute, min int
	}{
		{"async", p, []int{1, 1, 2}, 4, 7},                // a, b, c and c's read; and three dry runs
		{"hidden window", released, []int{1, 2, 2}, 5, 8}, // three calls, the CIDR's look, the pool's read
		{"dependency codes behind reads", plain, []int{1, 1, 2}, 4, 7},
	} {
		if got := StepCalls(tc.p); !slices.Equal(got, tc.steps) {
			t.Errorf("%s: StepCalls = %v, want %v", tc.name, got, tc.steps)
		}
		if got := ExecuteCalls(tc.p); got != tc.execute {
			t.Errorf("%s: ExecuteCalls = %d, want %d", tc.name, got, tc.execute)
		}
		if got := MinCalls(tc.p); got != tc.min {
			t.Errorf("%s: MinCalls = %d, want %d", tc.name, got, tc.min)
		}
	}
}

func TestMeasureBound(t *testing.T) {
	p := &plans.Plan{Steps: []plans.Step{{ID: "a"}, {ID: "b"}, {ID: "c", WaitFor: "gone"}, {ID: "d", WaitFor: "gone"}, {ID: "e"}, {ID: "r"}}}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	steps := []StepReport{
		{ID: "a", Outcome: OutcomeDone, Attempts: 1, Start: at(0), Called: at(20), End: at(20)},
		{ID: "b", Outcome: OutcomeDone, Attempts: 3, Retries: 2, Start: at(0), Called: at(900), End: at(900)}, // retried: not a latency
		{ID: "r", Outcome: OutcomeDone, Attempts: 2, Start: at(0), Called: at(60), End: at(60)},               // rechecked: two calls of 30
		{ID: "c", Outcome: OutcomeDone, Attempts: 1, Start: at(0), Called: at(30), End: at(350)},
		{ID: "d", Outcome: OutcomeDone, Attempts: 1, Start: at(0), Called: at(40), End: at(540)},
		{ID: "e", Outcome: OutcomeFailed, Attempts: 1, Start: at(0), Called: at(5), End: at(5)}, // failed: ignored
	}
	s, ok := MeasureBound(p, steps)
	// Latencies 20, 30, 40, 30: median 30. Waits 320, 500: the lower middle 320, less the 30 of the read.
	if !ok || s.Latency != 30*time.Millisecond || s.DeleteDelay != 290*time.Millisecond {
		t.Errorf("MeasureBound = %+v, %v; want latency 30ms, delete delay 290ms", s, ok)
	}
	// A step whose dry run was repeated before its call sent two calls in its Start..Called.
	s, ok = MeasureBound(p, []StepReport{{ID: "r", Outcome: OutcomeDone, Attempts: 2, Start: at(0), Called: at(60), End: at(60)}})
	if !ok || s.Latency != 30*time.Millisecond {
		t.Errorf("MeasureBound of a rechecked step: latency %v, want 30ms", s.Latency)
	}
	// A step that queued 100 ms for a worker before its call of 30.
	s, ok = MeasureBound(p, []StepReport{{ID: "a", Outcome: OutcomeDone, Attempts: 1, Start: at(0), Sent: at(100), Called: at(130), End: at(130)}})
	if !ok || s.Latency != 30*time.Millisecond {
		t.Errorf("MeasureBound of a queued step: latency %v, want 30ms", s.Latency)
	}
	// A window seen open by the read sent at 2,780 ms and over by the one that ended at 5,800: it ended about
	// the middle (4,290), 4,260 after the call, less the read's 30.
	s, ok = MeasureBound(p, []StepReport{{ID: "a", Outcome: OutcomeDone, Attempts: 1, Start: at(0), Called: at(30), End: at(30)},
		{ID: "c", Outcome: OutcomeDone, Attempts: 1, Start: at(0), Called: at(30), SeenOpen: at(2780), End: at(5800)}})
	if !ok || s.DeleteDelay != 4230*time.Millisecond {
		t.Errorf("MeasureBound of a window seen open: delete delay %v, want 4.23s", s.DeleteDelay)
	}
	if _, ok := MeasureBound(p, []StepReport{{ID: "a", Outcome: OutcomeNotStarted}}); ok {
		t.Error("MeasureBound of a run that called nothing: ok")
	}
}

func TestNewBoundReport(t *testing.T) {
	p := &plans.Plan{Steps: []plans.Step{{ID: "a"}, {ID: "c", WaitFor: "gone", DependsOn: []plans.Dependency{{ID: "a"}}}}}
	s := BoundSettings{Latency: 10 * time.Millisecond, DeleteDelay: 100 * time.Millisecond, Parallelism: 8, QPS: 50}
	b := NewBoundReport(p, s, BoundConfigured, "")
	if b.L != 130 || b.Duration() != 130*time.Millisecond || b.Latency != 10 || b.DeleteDelay != 100 || b.Parallelism != 8 || b.QPS != 50 {
		t.Errorf("NewBoundReport = %+v", b)
	}
	if got := DependencyIDs(&p.Steps[1]); len(got) != 1 || got[0] != "a" {
		t.Errorf("DependencyIDs = %q", got)
	}
}

func TestBoundQueued(t *testing.T) {
	// Ten releases, then a pool whose window is long: the pool cannot start before the ten calls have gone
	// through the rate limit, and its window comes after that.
	p := &plans.Plan{}
	var deps []plans.Dependency
	for i := range 10 {
		id := fmt.Sprintf("a%d", i)
		p.Steps = append(p.Steps, plans.Step{ID: id})
		deps = append(deps, plans.Dependency{ID: id})
	}
	p.Steps = append(p.Steps, plans.Step{ID: "z", WaitFor: "gone", DependsOn: deps})
	ms := time.Millisecond
	long := func(st *plans.Step) time.Duration {
		if st.ID == "z" {
			return 10 * time.Second
		}
		return 0
	}
	for _, tc := range []struct {
		name       string
		s          BoundSettings
		bound, got time.Duration
	}{
		// Bound: the path (10 + 10 + 10 s + 10 ms) or 12 calls at 2/s, apart; BoundQueued: 5 s for the ten
		// calls before z, then z's 10.02 s.
		{"rate limit", BoundSettings{Latency: 10 * ms, Parallelism: 8, QPS: 2, Window: long}, 10030 * ms, 15020 * ms},
		{"a burst", BoundSettings{Latency: 10 * ms, Parallelism: 8, QPS: 2, Burst: 2, Window: long}, 10030 * ms, 14020 * ms},
		// One worker: the ten calls take 100 ms.
		{"parallelism", BoundSettings{Latency: 10 * ms, Parallelism: 1, Window: long}, 10030 * ms, 10120 * ms},
		// The rate limit, not the path, decides: BoundQueued is never below Bound.
		{"calls decide", BoundSettings{Latency: 10 * ms, Parallelism: 8, QPS: 1, DeleteDelay: 100 * ms}, 12 * time.Second, 12 * time.Second},
	} {
		if got := Bound(p, tc.s); got != tc.bound {
			t.Errorf("%s: Bound = %v, want %v", tc.name, got, tc.bound)
		}
		if got := BoundQueued(p, tc.s); got != tc.got {
			t.Errorf("%s: BoundQueued = %v, want %v", tc.name, got, tc.got)
		}
	}
}

func TestRunBound(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	ms := time.Millisecond
	// a -> c (async) and b -> c: Bound is a (30) + c (30 + 300 + 30) = 390 ms with the medians.
	p := &plans.Plan{Steps: []plans.Step{
		{ID: "a"}, {ID: "b"},
		{ID: "c", WaitFor: "gone", DependsOn: []plans.Dependency{{ID: "a"}, {ID: "b"}}},
	}}
	medians := BoundSettings{Latency: 30 * ms, DeleteDelay: 300 * ms, Parallelism: 8}
	released := &plans.Plan{Steps: []plans.Step{
		{ID: "alloc", Product: "VpcIpam", Action: "DeleteIpamPoolAllocation"},
		{ID: "cidr", Product: "VpcIpam", Action: "DeleteIpamPoolCidr", DependsOn: []plans.Dependency{{ID: "alloc"}}},
		{ID: "pool", Product: "VpcIpam", Action: "DeleteIpamPool", WaitFor: "gone", DependsOn: []plans.Dependency{{ID: "alloc"}, {ID: "cidr"}}},
	}}
	ten := &plans.Plan{}
	var paced []StepReport // one call every 500 ms, as a bucket of 2 refilled at 2/s lets them through
	for k := range 10 {
		id := fmt.Sprintf("a%d", k)
		ten.Steps = append(ten.Steps, plans.Step{ID: id})
		paced = append(paced, StepReport{ID: id, Outcome: OutcomeDone, Attempts: 1, Start: at(0), Sent: at(500 * k), Called: at(500*k + 10), End: at(500*k + 10)})
	}
	for _, tc := range []struct {
		name     string
		p        *plans.Plan
		s        BoundSettings
		steps    []StepReport
		want     time.Duration
		executed int
	}{
		// The steps on the critical path were quicker than the medians: each costs its own record, a 10,
		// b 20, c 230 (its call and window): L = X = 250 ms, not 390.
		{"quicker than the medians", p, medians, []StepReport{
			{ID: "a", Outcome: OutcomeDone, Attempts: 1, Start: at(0), Sent: at(0), Called: at(10), End: at(10)},
			{ID: "b", Outcome: OutcomeDone, Attempts: 1, Start: at(0), Sent: at(0), Called: at(20), End: at(20)},
			{ID: "c", Outcome: OutcomeDone, Attempts: 1, Polls: 1, Start: at(20), Sent: at(20), Called: at(30), End: at(250)},
		}, 250 * ms, 3},
		// A step's queueing for a worker is the schedule's, not the step's: c queued 100 ms.
		{"queued", p, medians, []StepReport{
			{ID: "a", Outcome: OutcomeDone, Attempts: 1, Start: at(0), Sent: at(0), Called: at(30), End: at(30)},
			{ID: "b", Outcome: OutcomeDone, Attempts: 1, Start: at(0), Sent: at(0), Called: at(30), End: at(30)},
			{ID: "c", Outcome: OutcomeDone, Attempts: 1, Polls: 1, Start: at(30), Sent: at(130), Called: at(160), End: at(500)},
		}, 390 * ms, 3},
		// Resumed: a and b were done earlier; c, left in its window, is waited for from the run's start.
		{"resumed", p, medians, []StepReport{
			{ID: "a", Outcome: OutcomeDoneEarlier}, {ID: "b", Outcome: OutcomeDoneEarlier},
			{ID: "c", Outcome: OutcomeDone, Polls: 1, Start: at(0), Sent: at(100), End: at(150)},
		}, 150 * ms, 1},
		// Interrupted: b's call was in flight and never answered, c never started.
		{"interrupted", p, medians, []StepReport{
			{ID: "a", Outcome: OutcomeDone, Attempts: 1, Start: at(0), Sent: at(0), Called: at(10), End: at(10)},
			{ID: "b", Outcome: OutcomeInterrupted, Start: at(0), Sent: at(0)},
			{ID: "c", Outcome: OutcomeNotStarted},
		}, 10 * ms, 2},
		{"nothing ran", p, medians, []StepReport{{ID: "a", Outcome: OutcomeDoneEarlier}, {ID: "b", Outcome: OutcomeNotStarted}}, 0, 0},
		// The CIDR holds the release window (its start waits for it): alloc 10, CIDR 100 + 20, pool 120.
		{"hidden window", released, BoundSettings{Latency: 10 * ms, DeleteDelay: 100 * ms, Parallelism: 8}, []StepReport{
			{ID: "alloc", Outcome: OutcomeDone, Attempts: 1, Start: at(0), Sent: at(0), Called: at(10), End: at(10)},
			{ID: "cidr", Outcome: OutcomeDone, Attempts: 2, Start: at(10), Sent: at(110), Called: at(130), End: at(130)},
			{ID: "pool", Outcome: OutcomeDone, Attempts: 1, Polls: 1, Start: at(130), Sent: at(130), Called: at(140), End: at(250)},
		}, 250 * ms, 3},
		// Ten calls, one every 500 ms (X = 4.51 s): a bucket of 2 refilled at 2/s lets them through in no less
		// than 4 s; Bound, which ignores the burst, says 5 s.
		{"rate limit and burst", ten, BoundSettings{Latency: 10 * ms, Parallelism: 8, QPS: 2, Burst: 2}, paced, 4 * time.Second, 10},
	} {
		rep := &Report{Steps: tc.steps}
		l, executed := RunBound(tc.p, tc.steps, tc.s)
		if l != tc.want || executed != tc.executed {
			t.Errorf("%s: RunBound = %v over %d steps, want %v over %d", tc.name, l, executed, tc.want, tc.executed)
		}
		if x, ok := rep.ExecuteSpan(); ok && l > x {
			t.Errorf("%s: L = %v above X = %v", tc.name, l, x)
		}
		b := NewRunBoundReport(tc.p, tc.steps, tc.s, BoundMeasured, "")
		switch {
		case tc.executed == 0 && b != nil:
			t.Errorf("%s: a report's bound %+v; want none", tc.name, b)
		case tc.executed > 0 && (b == nil || b.Duration() != tc.want || b.Steps != map[bool]int{true: 0, false: tc.executed}[tc.executed == len(tc.p.Steps)]):
			t.Errorf("%s: a report's bound %+v; want L %v over %d steps (0: all)", tc.name, b, tc.want, tc.executed)
		}
	}
}
