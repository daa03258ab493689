package executor

import (
	"fmt"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/dag"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// stepGraph is the plan's dependency graph by step index, built once for a run: the walker's dependents and
// the queue's priorities read it. A dependency on a step the plan does not have, or a cycle, is an error that
// names the step (plans.Read refuses both; a plan built in code may still carry them).
func stepGraph(steps []plans.Step, index map[string]int) (*dag.Graph, error) {
	var missing error
	g, err := dag.New(len(steps), func(i int) []int {
		deps := make([]int, 0, len(steps[i].DependsOn))
		for _, d := range steps[i].DependsOn {
			j, ok := index[d.ID]
			if !ok {
				if missing == nil {
					missing = fmt.Errorf("step %s depends on %s, which the plan does not have", steps[i].ID, d.ID)
				}
				continue
			}
			deps = append(deps, j)
		}
		return deps
	})
	if missing != nil {
		return nil, missing
	}
	if ce, ok := err.(*dag.CycleError); ok && len(ce.Cycle) > 0 {
		return nil, fmt.Errorf("step %s depends on itself through %d step(s): %w", steps[ce.Cycle[0]].ID, len(ce.Cycle)-1, err)
	}
	return g, err
}

// windowCalls is how many calls long the priority takes an asynchronous window to be: the default first poll
// (500 ms) against a call of about 50 ms.
const windowCalls = 10

// cost of a step in the priority, in calls: its call, and for an asynchronous step its window and a read; a
// released allocation's hidden window holds its CIDR's path as long as a Deleting pool holds its parent's.
func cost(s *plans.Step) int {
	switch a, _ := catalog.Lookup(s.Product, s.Action); {
	case s.WaitFor != "":
		return 1 + windowCalls + 1
	case a.HiddenWindow:
		return 1 + windowCalls
	}
	return 1
}

// priority is where a ready step stands in the queue: the longest remaining path from the step to the end of
// the plan, in cost units (prio); among equal ones, the one with less slack (through: the longest path of the
// plan through the step); then the steps that unblock the same dependent (group: the one on that path) go
// together.
type priority struct{ prio, through, group int }

// priorities ranks the steps of a plan for the queue: the longest remaining path to the end of the plan first
// (so that the critical path never queues behind leaves), in call units (cost); a step that opens a window
// ahead of one as far from the end that only calls; then the least slack; then the steps that unblock the
// same dependent together.
func priorities(steps []plans.Step, g *dag.Graph) []priority {
	pr := make([]priority, len(steps))
	rem := g.LongestPath(func(i int) int { return cost(&steps[i]) })
	for i := range steps {
		pr[i].prio, pr[i].group = rem[i], i
		best := 0
		for _, j := range g.Dependents(i) {
			if rem[j] > best {
				best, pr[i].group = rem[j], j
			}
		}
	}
	// A step whose remaining path is as long as another's but that starts later on the plan's longest path
	// has less slack: a leaf pool (after its allocations and CIDR) before a mid pool's allocations, whose
	// CIDR waits for that leaf pool anyway.
	before := make([]int, len(steps))
	for _, i := range g.Order() {
		for _, j := range g.Dependencies(i) {
			before[i] = max(before[i], before[j]+cost(&steps[j]))
		}
		pr[i].through = before[i] + pr[i].prio
	}
	// A step that opens a window (a Deleting pool, a release) goes ahead of one as far from the end that only
	// calls: how long a window lasts is not known until it ends (one delete in ten may take ten times as
	// long), and where the rate limit binds, as it does for any large plan, opening it sooner costs nothing,
	// while a long window opened late holds the end back. Added after the paths, so that it does not add up
	// along them (BENCHMARKS.md, "Teardown strategies", item 8).
	for i := range steps {
		if a, _ := catalog.Lookup(steps[i].Product, steps[i].Action); steps[i].WaitFor != "" || a.HiddenWindow {
			pr[i].prio += windowCalls
		}
	}
	return pr
}
