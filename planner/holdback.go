package planner

import (
	"cmp"
	"slices"
	"strings"

	"github.com/ipam-teardown/ipam-teardown/plans"
)

// holdBack applies the blockers to the units and returns the plan's blockers, sorted, and which units are
// not emitted.
//
// A blocker removes its own units (those of its resource and of everything in it) and holds back every unit
// that needs one of them gone, transitively along the edges, and the units it holds directly (those a
// missing edge would have ordered after it). Blockers are applied in their file order, and a unit an
// earlier blocker has reached is not walked again, so each held-back unit is listed under one blocker only
// and the whole pass is linear in units and edges, however many blockers share a chain (when every blocker
// listed all it reached, kept VPC allocations listed their IPAM once each: BENCHMARKS.md, "Plan build, write and
// read", BenchmarkBuildQuotaKeepVPC).
//
// Then prune removes what only served the removed units.
func (b *builder) holdBack() ([]plans.Blocker, []bool) {
	pending := slices.Clone(b.blockers)
	slices.SortStableFunc(pending, func(x, y pendingBlocker) int { return compareBlockers(x.b, y.b) })
	// The same blocker found twice (an id excluded twice) is one blocker, holding what both held.
	merged := pending[:0]
	for _, pb := range pending {
		if k := len(merged) - 1; k >= 0 && compareBlockers(merged[k].b, pb.b) == 0 {
			merged[k].holds = append(merged[k].holds, pb.holds...)
			continue
		}
		merged = append(merged, pb)
	}
	pending = merged

	n := len(b.units)
	out := b.adjacency(func(e edge) (int, int) { return e.from, e.to }) // unit -> the units that wait for it
	in := b.adjacency(func(e edge) (int, int) { return e.to, e.from })  // unit -> the units it waits for

	by := make([]int32, n) // the blocker that removed the unit, or -1
	for i := range by {
		by[i] = -1
	}
	blockers := make([]plans.Blocker, len(pending))
	var queue []int
	for bi, pb := range pending {
		queue = queue[:0]
		for _, u := range b.byOwner[pb.resource] {
			if pb.resource != "" && by[u] < 0 {
				by[u] = int32(bi)
				queue = append(queue, u)
			}
		}
		held := []string{}
		claim := func(v int) {
			by[v] = int32(bi)
			held = append(held, b.units[v].step.ID)
			queue = append(queue, v)
		}
		for _, u := range pb.holds {
			if u >= 0 && by[u] < 0 {
				claim(u)
			}
		}
		for k := 0; k < len(queue); k++ {
			for _, v := range out.of(queue[k]) {
				if by[v] < 0 {
					claim(int(v))
				}
			}
		}
		slices.Sort(held)
		blockers[bi] = pb.b
		blockers[bi].HeldBack = held
	}
	removed := make([]bool, n)
	for u := range removed {
		removed[u] = by[u] >= 0
	}
	b.prune(blockers, by, removed, in)
	return blockers, removed
}

// prune removes the units whose only purpose was to clear the way for removed ones, and lists each under
// the blocker whose removed units it served (the first, in blocker order, when it served several). A unit
// survives when it is a deletion in its own right (isDeletion) or a prerequisite, at any depth, of a
// surviving deletion: a plan never changes a resource that stays unless the change is a deletion of its own.
func (b *builder) prune(blockers []plans.Blocker, by []int32, removed []bool, in adjacency) {
	n := len(b.units)
	needed := make([]bool, n)
	var queue []int
	for u := range n {
		if !removed[u] && isDeletion(b.units[u].step.Action) {
			needed[u] = true
			queue = append(queue, u)
		}
	}
	for k := 0; k < len(queue); k++ {
		for _, v := range in.of(queue[k]) {
			if !removed[v] && !needed[v] {
				needed[v] = true
				queue = append(queue, int(v))
			}
		}
	}
	// Walk back from each blocker's removed units to the units that served only them. Every unneeded unit
	// leads, along its edges, to a removed one (an edge never ends at nothing: see builder.edge), so each
	// is reached by some blocker.
	first := make([][]int, len(blockers))
	for u := range n {
		if by[u] >= 0 {
			first[by[u]] = append(first[by[u]], u)
		}
	}
	for bi := range blockers {
		queue = append(queue[:0], first[bi]...)
		var pruned []string
		for k := 0; k < len(queue); k++ {
			for _, v := range in.of(queue[k]) {
				if !removed[v] && !needed[v] {
					removed[v] = true
					pruned = append(pruned, b.units[v].step.ID)
					queue = append(queue, int(v))
				}
			}
		}
		slices.Sort(pruned)
		blockers[bi].Pruned = pruned
	}
}

// compareBlockers is the blockers' file order: (resource id, reason, resource type).
func compareBlockers(x, y plans.Blocker) int {
	return cmp.Or(strings.Compare(x.ResourceID, y.ResourceID), strings.Compare(x.Reason, y.Reason), strings.Compare(x.ResourceType, y.ResourceType))
}

// adjacency lists the neighbours of every unit in one array (compressed rows): two allocations however
// many units, instead of one slice a unit. It is the units' graph, before blockers and batching make the
// steps, and may hold a cycle (order reports it), which is why it is not a dag.Graph.
type adjacency struct {
	start []int32 // unit u's neighbours are next[start[u]:start[u+1]]
	next  []int32
}

func (a adjacency) of(u int) []int32 { return a.next[a.start[u]:a.start[u+1]] }

// adjacency returns, for every unit, the other end of its edges as ends picks them (from, to).
func (b *builder) adjacency(ends func(edge) (int, int)) adjacency {
	a := adjacency{start: make([]int32, len(b.units)+1), next: make([]int32, len(b.edges))}
	for _, e := range b.edges {
		u, _ := ends(e)
		a.start[u+1]++
	}
	for u := range len(b.units) {
		a.start[u+1] += a.start[u]
	}
	fill := slices.Clone(a.start[:len(b.units)])
	for _, e := range b.edges {
		u, v := ends(e)
		a.next[fill[u]] = int32(v)
		fill[u]++
	}
	return a
}
