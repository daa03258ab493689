package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
	"github.com/ipam-teardown/ipam-teardown/planner"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// Plan collects sel through api and plans it with no options, under the plan id "plan-bench": how every
// benchmark and strategy test gets the plan it runs (in process, so that planning costs no emulated latency).
func Plan(tb testing.TB, api collect.API, sel inventory.Selector) *plans.Plan {
	tb.Helper()
	snap, err := collect.Collect(context.Background(), api, sel, collect.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	p, err := planner.Build(snap, planner.Options{PlanID: "plan-bench"})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// QuotaSnapshot is an IPAM with all the pools the quotas allow (reference §1.13: 5 scopes, the two
// defaults included, of at most 500 pools each): its 5 scopes with 500 pools each (5 top-level pools, 9
// sub-pools each, 10 below each of those), every pool with one CIDR (a sub-pool's is an IpamPool allocation
// in its parent) and 8 allocations of type allocType (inventory.AllocationCustom or AllocationVPC). Planned
// with no options it is 25,004 steps: per pool its deletion, its CIDR's and 8 allocations' releases, then
// the three custom scopes and the IPAM. The plan benchmarks measure this size (BENCHMARKS.md, "Plan build,
// write and read"); it is built in code, since the emulator takes most of a minute to hold it.
func QuotaSnapshot(allocType string) *inventory.Snapshot {
	const owner = "1000000000000001"
	ip := inventory.IPAM{ID: "ipam-quota", Status: "Created", RegionID: "cn-hangzhou", OwnerID: owner,
		PrivateDefaultScopeID: "scope-priv", PublicDefaultScopeID: "scope-pub", DefaultResourceDiscoveryID: "rd-default"}
	scopes := []string{"scope-priv", "scope-pub", "scope-c1", "scope-c2", "scope-c3"}
	for _, s := range scopes {
		typ := "private"
		if s == "scope-pub" {
			typ = "public"
		}
		ip.Scopes = append(ip.Scopes, inventory.Scope{ID: s, IPAMID: ip.ID, Type: typ, IsDefault: s == "scope-priv" || s == "scope-pub",
			Status: "Created", OwnerID: owner})
	}
	n := 0
	var add func(scope string, parent *inventory.Pool, depth, count int)
	add = func(scope string, parent *inventory.Pool, depth, count int) {
		for range count {
			id := fmt.Sprintf("ipam-pool-%06d", n)
			cidr := fmt.Sprintf("10.%d.%d.0/24", n/256, n%256)
			n++
			p := inventory.Pool{ID: id, IPAMID: ip.ID, ScopeID: scope, Depth: depth, IPVersion: "IPv4", Status: "Created",
				OwnerID: owner, CIDRs: []inventory.PoolCIDR{{CIDR: cidr, Status: "Created"}}}
			if parent != nil {
				p.ParentID = parent.ID
				parent.Allocations = append(parent.Allocations, inventory.Allocation{ID: "alloc-" + id, PoolID: parent.ID, CIDR: cidr,
					SourceCIDR: parent.CIDRs[0].CIDR, ResourceType: inventory.AllocationIpamPool, ResourceID: id, Status: "Created"})
			}
			for k := range 8 {
				a := inventory.Allocation{ID: fmt.Sprintf("alloc-%s-%d", id, k), PoolID: id,
					CIDR: cidr, SourceCIDR: cidr, ResourceType: allocType, Status: "Created"}
				if allocType == inventory.AllocationVPC {
					a.ResourceID = fmt.Sprintf("vpc-%s-%d", id, k)
				}
				p.Allocations = append(p.Allocations, a)
			}
			switch depth {
			case 1:
				add(scope, &p, 2, 9)
			case 2:
				add(scope, &p, 3, 10)
			}
			ip.Pools = append(ip.Pools, p)
		}
	}
	for _, s := range scopes {
		add(s, nil, 1, 5)
	}
	return &inventory.Snapshot{Region: "cn-hangzhou", AccountID: owner, Selector: inventory.Selector{All: true},
		IPAMs: []inventory.IPAM{ip}}
}
