package planner

import (
	"fmt"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/inventory"
)

// bigSnapshot is one IPAM with a pool tree of fanOut top-level pools and fan-out fanOut down to depth 4
// (340 pools for 4), each with one CIDR (a child's CIDR is an IpamPool allocation in its parent) and 7
// custom allocations, the first 1,000 pools in one share.
func bigSnapshot(fanOut int) *inventory.Snapshot {
	return bigSnapshotOf(fanOut, inventory.AllocationCustom)
}

// bigSnapshotOf is bigSnapshot with allocations of the given resource type.
func bigSnapshotOf(fanOut int, allocType string) *inventory.Snapshot {
	ip := inventory.IPAM{ID: "ipam-big", Status: "Created", RegionID: "cn-hangzhou", OwnerID: caller,
		PrivateDefaultScopeID: "scope-priv", PublicDefaultScopeID: "scope-pub", DefaultResourceDiscoveryID: "rd-default",
		Scopes: []inventory.Scope{{ID: "scope-c", Status: "Created", OwnerID: caller}}}
	snap := &inventory.Snapshot{Region: "cn-hangzhou", AccountID: caller, Selector: inventory.Selector{All: true}}
	n := 0
	var add func(parent *inventory.Pool, depth int)
	add = func(parent *inventory.Pool, depth int) {
		for range fanOut {
			id := fmt.Sprintf("ipam-pool-%06d", n)
			cidr := fmt.Sprintf("10.%d.%d.0/24", n/256, n%256)
			n++
			p := inventory.Pool{ID: id, IPAMID: ip.ID, ScopeID: "scope-c", Depth: depth, IPVersion: "IPv4", Status: "Created", OwnerID: caller,
				CIDRs: []inventory.PoolCIDR{{CIDR: cidr, Status: "Created"}}}
			if parent != nil {
				p.ParentID = parent.ID
				parent.Allocations = append(parent.Allocations, inventory.Allocation{ID: "alloc-" + id, PoolID: parent.ID, CIDR: cidr,
					SourceCIDR: parent.CIDRs[0].CIDR, ResourceType: inventory.AllocationIpamPool, ResourceID: id, Status: "Created"})
			}
			for k := range 7 {
				a := inventory.Allocation{ID: fmt.Sprintf("alloc-%s-%d", id, k), PoolID: id,
					CIDR: cidr, SourceCIDR: cidr, ResourceType: allocType, Status: "Created"}
				if allocType == inventory.AllocationVPC {
					a.ResourceID = fmt.Sprintf("vpc-%s-%d", id, k)
				}
				p.Allocations = append(p.Allocations, a)
			}
			if n <= 1000 {
				snap.Shares = append(snap.Shares, inventory.ShareAssociation{ShareID: "rs-big", EntityID: id, EntityType: "IpamPool", Status: "Associated"})
			}
			if depth < 4 {
				add(&p, depth+1)
			}
			ip.Pools = append(ip.Pools, p)
		}
	}
	add(nil, 1)
	snap.IPAMs = []inventory.IPAM{ip}
	return snap
}

// TestBigPlanIsValid builds a plan of a tree with shares and checks it as every plan is checked.
func TestBigPlanIsValid(t *testing.T) {
	t.Parallel()
	snap := bigSnapshot(4) // 340 pools
	p := build(t, snap, Options{})
	// Per pool: delete, CIDR, 7 allocations; the scope; the IPAM; a share batch per 5 of the 340 shared pools.
	if want := 340*9 + 2 + 340/5; len(p.Steps) != want {
		t.Errorf("%d steps, want %d", len(p.Steps), want)
	}
	// allocation, the CIDRs of depths 4, 3, 2 and 1 (rule 2), the top-level pool, the scope, the IPAM.
	if p.Summary.Levels != 8 {
		t.Errorf("%d levels, want 8", p.Summary.Levels)
	}
}
