package planner

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/plans"
)

// TestOrderLevels: on random DAGs, order gives every step the length of the longest dependency path to it
// (computed here by memoised recursion) and sorts the steps by (level, id).
func TestOrderLevels(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 10, 300} {
		// Step k may depend only on steps created before it, so there is no cycle; ids are shuffled so that
		// id order is not creation order.
		perm := r.Perm(n)
		steps := make([]plans.Step, n)
		deps := make([][]int, n)
		for k := range steps {
			steps[k] = plans.Step{ID: fmt.Sprintf("delete-pool/p-%04d", perm[k]), Action: "DeleteIpamPool"}
			for j := range k {
				if r.IntN(max(1, k/3)) == 0 {
					deps[k] = append(deps[k], j)
					steps[k].DependsOn = append(steps[k].DependsOn, plans.Dependency{ID: steps[j].ID, Rule: "8.5"})
				}
			}
		}
		want := map[string]int{}
		var level func(k int) int
		level = func(k int) int {
			if l, ok := want[steps[k].ID]; ok {
				return l
			}
			l := 0
			for _, j := range deps[k] {
				l = max(l, level(j)+1)
			}
			want[steps[k].ID] = l
			return l
		}
		for k := range steps {
			level(k)
		}
		if err := order(steps); err != nil {
			t.Fatal(err)
		}
		for k, s := range steps {
			if s.Level != want[s.ID] {
				t.Fatalf("n=%d: %s has level %d, want %d", n, s.ID, s.Level, want[s.ID])
			}
			if k > 0 && (steps[k-1].Level > s.Level || steps[k-1].Level == s.Level && steps[k-1].ID >= s.ID) {
				t.Fatalf("n=%d: %s (level %d) after %s (level %d)", n, s.ID, s.Level, steps[k-1].ID, steps[k-1].Level)
			}
		}
	}
}
