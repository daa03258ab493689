package dag

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/gonum/graph/topo"
)

func depsOf(d [][]int) func(int) []int { return func(i int) []int { return d[i] } }

func TestNew(t *testing.T) {
	tests := []struct {
		name                 string
		deps                 [][]int
		order, levels        []int
		dependents, depsSeen [][]int
		longest              []int // with w(i) = i+1
	}{
		{
			name:       "empty",
			deps:       [][]int{},
			order:      []int{},
			levels:     []int{},
			dependents: [][]int{},
			depsSeen:   [][]int{},
			longest:    []int{},
		},
		{
			// 3 -> {0, 2}, 0 -> 1, 2 -> 1 (from finishes before to); 4 alone.
			name:       "diamond with a loner",
			deps:       [][]int{{3}, {2, 0, 2}, {3}, nil, {}},
			order:      []int{3, 0, 2, 1, 4},
			levels:     []int{1, 2, 1, 0, 0},
			dependents: [][]int{{1}, {}, {1}, {0, 2}, {}},
			depsSeen:   [][]int{{3}, {0, 2}, {3}, {}, {}},
			longest:    []int{1 + 2, 2, 3 + 2, 4 + 3 + 2, 5},
		},
		{
			// Ties go to the smaller index: 2 and 0 are both ready at the start.
			name:       "ties by index",
			deps:       [][]int{nil, {2}, nil},
			order:      []int{0, 2, 1},
			levels:     []int{0, 1, 0},
			dependents: [][]int{{}, {}, {1}},
			depsSeen:   [][]int{{}, {2}, {}},
			longest:    []int{1, 2, 3 + 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := New(len(tt.deps), depsOf(tt.deps))
			if err != nil {
				t.Fatal(err)
			}
			if g.Len() != len(tt.deps) {
				t.Errorf("Len = %d, want %d", g.Len(), len(tt.deps))
			}
			if d := cmp.Diff(tt.order, g.Order()); d != "" {
				t.Errorf("Order (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.levels, g.Levels()); d != "" {
				t.Errorf("Levels (-want +got):\n%s", d)
			}
			for i := range tt.deps {
				if d := cmp.Diff(tt.dependents[i], g.Dependents(i)); d != "" {
					t.Errorf("Dependents(%d) (-want +got):\n%s", i, d)
				}
				if d := cmp.Diff(tt.depsSeen[i], g.Dependencies(i)); d != "" {
					t.Errorf("Dependencies(%d) (-want +got):\n%s", i, d)
				}
			}
			if d := cmp.Diff(tt.longest, g.LongestPath(func(i int) int { return i + 1 })); d != "" {
				t.Errorf("LongestPath (-want +got):\n%s", d)
			}
			if _, err := topo.Sort(g.Directed()); err != nil {
				t.Errorf("gonum cannot sort the graph: %v", err)
			}
		})
	}
}

func TestNewCycle(t *testing.T) {
	tests := []struct {
		name       string
		deps       [][]int
		cycles     [][]int
		components [][]int
		msg        string
	}{
		{
			// 1 before 2 before 3 before 1; 0 before 1 is outside the cycle.
			name:       "three",
			deps:       [][]int{nil, {0, 3}, {1}, {2}},
			cycles:     [][]int{{1, 2, 3, 1}},
			components: [][]int{{1, 2, 3}},
			msg:        "dag: dependency cycle: 1 -> 2 -> 3 -> 1",
		},
		{
			// Two components; inside {0,1,2} the smallest dependent is taken: 0 -> 1 -> 0.
			name:       "two components, smallest first",
			deps:       [][]int{{1, 2}, {0}, {0}, nil, {5}, {4}},
			cycles:     [][]int{{0, 1, 0}, {4, 5, 4}},
			components: [][]int{{0, 1, 2}, {4, 5}},
			msg:        "dag: dependency cycle: 0 -> 1 -> 0; 4 -> 5 -> 4",
		},
		{
			name:       "self",
			deps:       [][]int{nil, {1}},
			cycles:     [][]int{{1, 1}},
			components: [][]int{{1}},
			msg:        "dag: dependency cycle: 1 -> 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := New(len(tt.deps), depsOf(tt.deps))
			var ce *CycleError
			if !errors.As(err, &ce) {
				t.Fatalf("New = %v, %v; want a *CycleError", g, err)
			}
			if d := cmp.Diff(tt.cycles, ce.Cycles); d != "" {
				t.Errorf("Cycles (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.cycles[0], ce.Cycle); d != "" {
				t.Errorf("Cycle (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.components, ce.Components); d != "" {
				t.Errorf("Components (-want +got):\n%s", d)
			}
			if err.Error() != tt.msg {
				t.Errorf("Error() = %q, want %q", err.Error(), tt.msg)
			}
		})
	}
}

func TestNewPanicsOutOfRange(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New accepted a dependency outside the nodes")
		}
	}()
	New(2, depsOf([][]int{{2}, nil}))
}

// TestSharedSlices checks that Dependencies and Dependents do not spill into one another: they are views
// of shared backing arrays, and an append by a careless caller must not overwrite a neighbour.
func TestSharedSlices(t *testing.T) {
	g, err := New(4, depsOf([][]int{nil, {0}, {0}, {0}}))
	if err != nil {
		t.Fatal(err)
	}
	_ = append(g.Dependencies(1), 9)
	_ = append(g.Dependents(1), 9) // empty, between 0's and 2's
	if d := cmp.Diff([]int{0}, g.Dependencies(2)); d != "" {
		t.Errorf("Dependencies(2) (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int{1, 2, 3}, g.Dependents(0)); d != "" {
		t.Errorf("Dependents(0) (-want +got):\n%s", d)
	}
}

// BenchmarkNew builds a graph of 25,000 nodes, the size of the largest plan the quotas allow (5 scopes of 500
// pools, with their allocations), with two dependencies a node as a plan's steps have: on a parent ten times
// smaller and on the node before, which makes it one chain 25,000 deep (the deepest case for the order's
// heap, not a plan's shape): see BENCHMARKS.md, "Plan build, write and read".
func BenchmarkNew(b *testing.B) {
	const n = 25000
	deps := make([][]int, n)
	for i := 1; i < n; i++ {
		deps[i] = []int{(i - 1) / 10, i - 1}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(n, depsOf(deps)); err != nil {
			b.Fatal(err)
		}
	}
}
