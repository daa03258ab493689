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
// and the whole pass is linear in units and edges, however many blockers share a chain (77,770 kept VPC
// allocations under one IPAM used to list the IPAM 77,770 times).
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
	out := make([][]int, n) // unit -> the units that wait for it
	in := make([][]int, n)  // unit -> the units it waits for
	for _, e := range b.edges {
		out[e.from] = append(out[e.from], e.to)
		in[e.to] = append(in[e.to], e.from)
	}

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
			for _, v := range out[queue[k]] {
				if by[v] < 0 {
					claim(v)
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
func (b *builder) prune(blockers []plans.Blocker, by []int32, removed []bool, in [][]int) {
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
		for _, v := range in[queue[k]] {
			if !removed[v] && !needed[v] {
				needed[v] = true
				queue = append(queue, v)
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
			for _, v := range in[queue[k]] {
				if !removed[v] && !needed[v] {
					removed[v] = true
					pruned = append(pruned, b.units[v].step.ID)
					queue = append(queue, v)
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
