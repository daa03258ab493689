package planner

import (
	"slices"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

const (
	caller  = "1000000000000001"
	foreign = "1000000000000003"
)

var fixedNow = func() time.Time { return time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC) }

// richSnapshot has one of everything the rule table speaks of:
//
//	ipam-a (cn-hangzhou): default scopes, default discovery rd-default (shared in rs-2), custom scope scope-c
//	  pool-top (scope-c, 10.0.0.0/8): custom allocation alloc-top-custom, the child CIDR of pool-reg
//	    pool-reg (cn-shanghai, 10.0.0.0/12, shared in rs-1): VPC allocation alloc-vpc
//	  pool-v6 (public default scope, IPv6, no CIDR)
//	  members 1000000000000002 (Account) and fd-1 (Folder)
//	  associations: rd-foreign (another account's, shared with the caller), rd-own (the caller's, shared in rs-3)
func richSnapshot() *inventory.Snapshot {
	return &inventory.Snapshot{
		Region:    "cn-hangzhou",
		AccountID: caller,
		Selector:  inventory.Selector{IPAMIDs: []string{"ipam-a"}},
		IPAMs: []inventory.IPAM{{
			ID: "ipam-a", Status: "Created", RegionID: "cn-hangzhou", OwnerID: caller,
			PrivateDefaultScopeID: "scope-priv", PublicDefaultScopeID: "scope-pub",
			DefaultResourceDiscoveryID: "rd-default", DefaultResourceDiscoveryAssociationID: "assoc-default",
			Tags: inventory.Tags{"env": "test"},
			Scopes: []inventory.Scope{
				{ID: "scope-c", IPAMID: "ipam-a", Type: "private", Status: "Created", OwnerID: caller, Tags: inventory.Tags{"team": "net"}},
				{ID: "scope-priv", IPAMID: "ipam-a", Type: "private", IsDefault: true, Status: "Created", OwnerID: caller},
				{ID: "scope-pub", IPAMID: "ipam-a", Type: "public", IsDefault: true, Status: "Created", OwnerID: caller},
			},
			Pools: []inventory.Pool{
				{ID: "pool-reg", IPAMID: "ipam-a", ScopeID: "scope-c", ParentID: "pool-top", Depth: 2, IPVersion: "IPv4",
					PoolRegionID: "cn-shanghai", Status: "Created", OwnerID: caller,
					CIDRs: []inventory.PoolCIDR{{CIDR: "10.0.0.0/12", Status: "Created"}},
					Allocations: []inventory.Allocation{{ID: "alloc-vpc", PoolID: "pool-reg", CIDR: "10.0.0.0/24", SourceCIDR: "10.0.0.0/12",
						ResourceType: "VPC", ResourceID: "vpc-1", ResourceOwnerID: "1000000000000002", RegionID: "cn-shanghai", Status: "Created"}}},
				{ID: "pool-top", IPAMID: "ipam-a", ScopeID: "scope-c", Depth: 1, IPVersion: "IPv4", Status: "Created", OwnerID: caller,
					HasSubPool: true, Tags: inventory.Tags{"keep": "yes"},
					CIDRs: []inventory.PoolCIDR{{CIDR: "10.0.0.0/8", Status: "Created"}},
					Allocations: []inventory.Allocation{
						{ID: "alloc-child", PoolID: "pool-top", CIDR: "10.0.0.0/12", SourceCIDR: "10.0.0.0/8", ResourceType: "IpamPool", ResourceID: "pool-reg", RegionID: "cn-hangzhou", Status: "Created"},
						{ID: "alloc-top-custom", PoolID: "pool-top", CIDR: "10.255.0.0/16", SourceCIDR: "10.0.0.0/8", ResourceType: "Custom", RegionID: "cn-hangzhou", Status: "Created"},
					}},
				{ID: "pool-v6", IPAMID: "ipam-a", ScopeID: "scope-pub", Depth: 1, IPVersion: "IPv6", PoolRegionID: "cn-hangzhou", Status: "Created", OwnerID: caller},
			},
			Associations: []inventory.DiscoveryAssociation{
				{IPAMID: "ipam-a", DiscoveryID: "rd-default", DiscoveryType: "system", OwnerID: caller, Status: "Created"},
				{IPAMID: "ipam-a", DiscoveryID: "rd-foreign", DiscoveryType: "custom", OwnerID: foreign, Status: "Created"},
				{IPAMID: "ipam-a", DiscoveryID: "rd-own", DiscoveryType: "custom", OwnerID: caller, Status: "Created"},
			},
			Members: []inventory.Member{{ID: "1000000000000002", Type: "Account", Status: "Created"}, {ID: "fd-1", Type: "Folder", Status: "Created"}},
		}},
		Discoveries: []inventory.ResourceDiscovery{
			{ID: "rd-default", Type: "system", Status: "Created", RegionID: "cn-hangzhou", OwnerID: caller, ShareType: "Sharing"},
			{ID: "rd-foreign", Type: "custom", Status: "Created", RegionID: "cn-hangzhou", OwnerID: foreign, ShareType: "Shared"},
			{ID: "rd-own", Type: "custom", Status: "Created", RegionID: "cn-hangzhou", OwnerID: caller, ShareType: "Sharing"},
			{ID: "rd-unused", Type: "custom", Status: "Created", RegionID: "cn-hangzhou", OwnerID: caller},
		},
		Shares: []inventory.ShareAssociation{
			{ShareID: "rs-1", EntityID: "pool-reg", EntityType: "IpamPool", Status: "Associated"},
			{ShareID: "rs-2", EntityID: "rd-default", EntityType: "IpamResourceDiscovery", Status: "Associated"},
			{ShareID: "rs-3", EntityID: "rd-own", EntityType: "IpamResourceDiscovery", Status: "Associated"},
		},
	}
}

func build(t *testing.T, snap *inventory.Snapshot, opts Options) *plans.Plan {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	if opts.PlanID == "" {
		opts.PlanID = "plan-test"
	}
	p, err := Build(snap, opts)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	checkPlan(t, p)
	return p
}

// checkPlan asserts what every plan must satisfy: the plans package accepts it, and every dependency comes
// earlier in the step order at a lower level.
func checkPlan(t *testing.T, p *plans.Plan) {
	t.Helper()
	if err := plans.Validate(p); err != nil {
		t.Fatalf("plans.Validate: %v", err)
	}
	checkServesDeletion(t, p)
	pos := map[string]int{}
	for i, s := range p.Steps {
		pos[s.ID] = i
	}
	for i, s := range p.Steps {
		for _, d := range s.DependsOn {
			j, ok := pos[d.ID]
			if !ok || j >= i || p.Steps[j].Level >= s.Level {
				t.Errorf("%s (pos %d, level %d) depends on %s (pos %d) by %s, which does not come before it", s.ID, i, s.Level, d.ID, j, d.Rule)
			}
		}
	}
}

// checkServesDeletion asserts that every step that deletes nothing in its own right clears the way, at some
// depth, for a deletion the plan makes (the rest is pruned), and that no step is both planned and listed as
// held back or pruned, nor listed twice.
func checkServesDeletion(t *testing.T, p *plans.Plan) {
	t.Helper()
	next := map[string][]string{}
	action := map[string]string{}
	for _, s := range p.Steps {
		action[s.ID] = s.Action
		for _, d := range s.DependsOn {
			next[d.ID] = append(next[d.ID], s.ID)
		}
	}
	var serves func(id string, seen map[string]bool) bool
	serves = func(id string, seen map[string]bool) bool {
		for _, n := range next[id] {
			if isDeletion(action[n]) {
				return true
			}
			if !seen[n] {
				seen[n] = true
				if serves(n, seen) {
					return true
				}
			}
		}
		return false
	}
	for _, s := range p.Steps {
		if !isDeletion(s.Action) && !serves(s.ID, map[string]bool{}) {
			t.Errorf("%s serves no deletion of the plan; it should have been pruned", s.ID)
		}
	}
	listed := map[string]bool{}
	for _, b := range p.Blockers {
		for _, id := range slices.Concat(b.HeldBack, b.Pruned) {
			if _, planned := action[id]; planned || listed[id] {
				t.Errorf("%s is listed under blocker %s but also planned or listed before", id, b.ResourceID)
			}
			listed[id] = true
		}
	}
}

func stepByID(p *plans.Plan, id string) (plans.Step, bool) {
	i := slices.IndexFunc(p.Steps, func(s plans.Step) bool { return s.ID == id })
	if i < 0 {
		return plans.Step{}, false
	}
	return p.Steps[i], true
}

func stepIDs(p *plans.Plan) []string {
	ids := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		ids[i] = s.ID
	}
	return ids
}
