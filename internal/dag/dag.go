// Package dag is the one dependency graph of the plan layer: the planner orders and levels its steps with it,
// the plan reader checks a file's depends_on with it, and the executor walks it (dependents, longest
// remaining path). A Graph is built once from the nodes' dependencies and never changes, so all three read
// the same adjacency by index instead of rebuilding it from step ids.
//
// Terraform's internal/dag (one AcyclicGraph serving the builder, validation and the walk) is the model.
// The order, levels and paths come from adjacency slices by index; gonum's simple.DirectedGraph of the same
// edges is built only when it is needed: to name the cycles (topo.TarjanSCC) or for a caller's gonum
// algorithm (Directed). Its maps cost ten times the slices on a plan of the largest size the quotas allow,
// and an acyclic plan never needs them (BENCHMARKS.md, "Plan build, write and read").
package dag

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/simple"
	"gonum.org/v1/gonum/graph/topo"
)

// Graph is an immutable DAG over nodes 0..n-1, built once by New; an edge from -> to means "from finishes
// before to starts" (to depends on from). It is safe for concurrent use: nothing changes it after New.
type Graph struct {
	once  sync.Once
	g     *simple.DirectedGraph // built by gonum(): node ids are the indexes; edges from dependency to dependent
	deps  [][]int               // deps[i]: the nodes i depends on, ascending, without duplicates
	dents [][]int               // dents[i]: the nodes that depend on i, ascending
	order []int                 // topological order, ties broken by the smaller index
	level []int
}

// CycleError is the error New returns when the dependencies form a cycle. Cycles holds one cycle for each
// strongly connected component that has one (a self-dependency is a component of its own), ordered by the
// component's smallest node; each cycle starts at its component's smallest node, follows the smallest
// dependent inside the component, and repeats its first node at the end: [3 5 3] means 3 before 5 before 3.
// Components holds those components' nodes, ascending, in the same order. Cycle is Cycles[0].
type CycleError struct {
	Cycle      []int
	Cycles     [][]int
	Components [][]int
}

func (e *CycleError) Error() string {
	parts := make([]string, len(e.Cycles))
	for k, c := range e.Cycles {
		ids := make([]string, len(c))
		for j, n := range c {
			ids[j] = strconv.Itoa(n)
		}
		parts[k] = strings.Join(ids, " -> ")
	}
	return "dag: dependency cycle: " + strings.Join(parts, "; ")
}

// New builds the graph of n nodes; deps(i) returns the nodes i depends on, in any order and possibly
// repeated (the graph keeps each edge once). New calls deps once per node, in index order, and copies what
// it returns before the next call, so deps may return the same slice each time. A dependency out of range is the caller's bug, and New panics on
// it. The error is a *CycleError when the dependencies form a cycle (a node depending on itself included).
func New(n int, deps func(i int) []int) (*Graph, error) {
	g := &Graph{
		deps:  make([][]int, n),
		dents: make([][]int, n),
	}
	// All dependency lists share one backing array, and so do all dependent lists: two allocations for
	// the adjacency however many nodes there are.
	flat := make([]int, 0, 2*n) // most plans' steps wait for one or two others; more costs a copy
	starts := make([]int, n+1)
	indeg := make([]int, n) // dependents per node, to size dents
	var self []int
	for i := range n {
		starts[i] = len(flat)
		from := len(flat)
		for _, d := range deps(i) {
			if d < 0 || d >= n {
				panic(fmt.Sprintf("dag: node %d depends on %d, outside 0..%d", i, d, n-1))
			}
			flat = append(flat, d)
		}
		ds := flat[from:]
		slices.Sort(ds)
		ds = slices.Compact(ds)
		flat = flat[:from+len(ds)]
		for _, d := range ds {
			if d == i {
				self = append(self, i) // gonum's simple graphs refuse self edges; reported below
				continue
			}
			indeg[d]++
		}
	}
	starts[n] = len(flat)
	for i := range n {
		g.deps[i] = flat[starts[i]:starts[i+1]:starts[i+1]]
	}
	dflat := make([]int, len(flat))
	at := 0
	for i := range n {
		g.dents[i] = dflat[at : at : at+indeg[i]]
		at += indeg[i]
	}
	for i := range n { // i ascending, so every dents list comes out sorted
		for _, d := range g.deps[i] {
			if d != i {
				g.dents[d] = append(g.dents[d], i)
			}
		}
	}
	if len(self) > 0 || !g.sort() {
		g.gonum()
		return nil, g.cycles(self)
	}
	g.level = make([]int, n)
	for _, i := range g.order {
		for _, d := range g.deps[i] {
			g.level[i] = max(g.level[i], g.level[d]+1)
		}
	}
	return g, nil
}

// gonum builds the gonum graph of the adjacency; it runs once, from New or the first Directed.
func (g *Graph) gonum() {
	g.once.Do(func() {
		g.g = simple.NewDirectedGraph()
		for i := range g.deps {
			g.g.AddNode(simple.Node(i))
		}
		for i, ds := range g.deps {
			for _, d := range ds {
				if d != i { // gonum's simple graphs refuse self edges; New reports them itself
					g.g.SetEdge(simple.Edge{F: simple.Node(d), T: simple.Node(i)})
				}
			}
		}
	})
}

// sort fills g.order with Kahn's algorithm, taking the smallest ready node first (a binary heap), so the
// order is the same on every run; it reports false when some nodes are left over: a cycle.
func (g *Graph) sort() bool {
	n := len(g.deps)
	waiting := make([]int, n)
	var ready intHeap
	for i := range n {
		waiting[i] = len(g.deps[i])
		if waiting[i] == 0 {
			ready = append(ready, i) // ascending: already a heap
		}
	}
	g.order = make([]int, 0, n)
	for len(ready) > 0 {
		i := ready.pop()
		g.order = append(g.order, i)
		for _, j := range g.dents[i] {
			if waiting[j]--; waiting[j] == 0 {
				ready.push(j)
			}
		}
	}
	return len(g.order) == n
}

// cycles names the cycles for a *CycleError: gonum's strongly connected components, then one cycle in each.
func (g *Graph) cycles(self []int) *CycleError {
	e := &CycleError{}
	var comps [][]int
	for _, i := range self {
		comps = append(comps, []int{i})
	}
	for _, c := range topo.TarjanSCC(g.g) {
		if len(c) < 2 {
			continue
		}
		ids := make([]int, len(c))
		for k, nd := range c {
			ids[k] = int(nd.ID())
		}
		slices.Sort(ids)
		comps = append(comps, ids)
	}
	slices.SortFunc(comps, func(a, b []int) int { return a[0] - b[0] })
	for _, c := range comps {
		var cyc []int
		if len(c) == 1 {
			cyc = []int{c[0], c[0]}
		} else {
			cyc = g.findCycle(c)
		}
		e.Components = append(e.Components, c)
		e.Cycles = append(e.Cycles, cyc)
	}
	e.Cycle = e.Cycles[0]
	return e
}

// findCycle returns one cycle inside the strongly connected component comp (ascending, more than one node):
// from its smallest node, always to the smallest dependent inside comp, until a node repeats.
func (g *Graph) findCycle(comp []int) []int {
	pos := map[int]int{}
	var path []int
	for n := comp[0]; ; {
		if k, seen := pos[n]; seen {
			return append(slices.Clone(path[k:]), n)
		}
		pos[n] = len(path)
		path = append(path, n)
		next := -1
		for _, j := range g.dents[n] { // ascending: the first inside comp is the smallest
			if _, in := slices.BinarySearch(comp, j); in {
				next = j
				break
			}
		}
		if next < 0 { // cannot happen in a strongly connected component; never loop
			return path
		}
		n = next
	}
}

// Len returns the number of nodes.
func (g *Graph) Len() int { return len(g.deps) }

// Dependencies returns the nodes i depends on, ascending; the slice is shared: do not modify it.
func (g *Graph) Dependencies(i int) []int { return g.deps[i] }

// Dependents returns the nodes that depend on i, ascending; the slice is shared: do not modify it.
func (g *Graph) Dependents(i int) []int { return g.dents[i] }

// Order returns a topological order (every node after the nodes it depends on), ties broken by the smaller
// index, so it is the same on every run. The slice is shared: do not modify it.
func (g *Graph) Order() []int { return g.order }

// Levels returns each node's level: 0 for a node without dependencies, else 1 + the largest level of its
// dependencies (the longest path to it). The slice is shared: do not modify it.
func (g *Graph) Levels() []int { return g.level }

// LongestPath returns, per node, the heaviest path from it to a node without dependents, counting the
// node's own weight: rem[i] = w(i) + max over dependents j of rem[j]. The executor starts the steps with
// the most work behind them first.
func (g *Graph) LongestPath(w func(i int) int) []int {
	rem := make([]int, len(g.deps))
	for k := len(g.order) - 1; k >= 0; k-- {
		i := g.order[k]
		best := 0
		for _, j := range g.dents[i] {
			best = max(best, rem[j])
		}
		rem[i] = w(i) + best
	}
	return rem
}

// Directed returns the gonum graph (node ids are the indexes; an edge runs from a dependency to its
// dependent), for gonum's algorithms. It must not be modified.
func (g *Graph) Directed() graph.Directed {
	g.gonum()
	return g.g
}

// intHeap is a min-heap of node indexes, for the deterministic order.
type intHeap []int

func (h *intHeap) push(x int) {
	*h = append(*h, x)
	s := *h
	for k := len(s) - 1; k > 0; {
		p := (k - 1) / 2
		if s[p] <= s[k] {
			break
		}
		s[p], s[k] = s[k], s[p]
		k = p
	}
}

func (h *intHeap) pop() int {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for k := 0; ; {
		c := 2*k + 1
		if c >= len(s) {
			break
		}
		if c+1 < len(s) && s[c+1] < s[c] {
			c++
		}
		if s[k] <= s[c] {
			break
		}
		s[k], s[c] = s[c], s[k]
		k = c
	}
	*h = s
	return top
}
