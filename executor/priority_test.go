package executor

import (
	"testing"

	"github.com/ipam-teardown/ipam-teardown/plans"
)

// A leaf pool p1 inside a parent pool p2: p1's allocation a1, its CIDR c1 and p1; p2's allocation a2, whose
// CIDR c2 waits for a2 and for p1; then p2.
func TestPriorities(t *testing.T) {
	step := func(id, action, waitFor string, deps ...string) plans.Step {
		s := plans.Step{ID: id, Product: "VpcIpam", Action: action, WaitFor: waitFor}
		for _, d := range deps {
			s.DependsOn = append(s.DependsOn, plans.Dependency{ID: d})
		}
		return s
	}
	steps := []plans.Step{
		step("a1", "DeleteIpamPoolAllocation", ""),
		step("a2", "DeleteIpamPoolAllocation", ""),
		step("c1", "DeleteIpamPoolCidr", "", "a1"),
		step("p1", "DeleteIpamPool", "Deleted", "c1"),
		step("c2", "DeleteIpamPoolCidr", "", "a2", "p1"),
		step("p2", "DeleteIpamPool", "Deleted", "c2"),
	}
	index := map[string]int{}
	for i, s := range steps {
		index[s.ID] = i
	}
	g, err := stepGraph(steps, index)
	if err != nil {
		t.Fatal(err)
	}
	pr := priorities(steps, g)
	prio := map[string]int{}
	for i, s := range steps {
		prio[s.ID] = pr[i].prio
	}
	// Remaining paths in calls, a window 10: p2 12, c2 13, p1 25, c1 26, a2 24, a1 37. Steps that open a
	// window gain 10 on top of their path, which their dependencies do not inherit.
	want := map[string]int{"p2": 22, "c2": 13, "p1": 35, "c1": 26, "a2": 34, "a1": 47}
	for id, w := range want {
		if prio[id] != w {
			t.Errorf("prio of %s = %d, want %d", id, prio[id], w)
		}
	}
	// The parent's release goes before the leaf's CIDR, a call one step further from the end: its window
	// is open while the leaf's chain goes on.
	if prio["a2"] <= prio["c1"] {
		t.Errorf("the parent pool's release (%d) does not go before the leaf's CIDR (%d)", prio["a2"], prio["c1"])
	}
	// Among steps that open windows, the longer path still goes first.
	if !(prio["a1"] > prio["p1"] && prio["p1"] > prio["a2"]) {
		t.Errorf("a1 %d, p1 %d, a2 %d: want the longest remaining path first", prio["a1"], prio["p1"], prio["a2"])
	}
	// Least slack among equal priorities: through is the plan's longest path through the step.
	if pr[index["c1"]].through != 37 || pr[index["a2"]].through != 24 {
		t.Errorf("through: c1 %d, a2 %d; want 37 and 24", pr[index["c1"]].through, pr[index["a2"]].through)
	}
}
