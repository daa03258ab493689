package planner

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

func TestRulesTable(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.ID] {
			t.Errorf("rule %s is listed twice", r.ID)
		}
		seen[r.ID] = true
		if !strings.HasPrefix(r.ID, "8.") && !strings.HasPrefix(r.ID, "0.5/") {
			t.Errorf("rule %s does not name a section 8 rule or a seed", r.ID)
		}
		for _, a := range []string{r.Parent, r.Child} {
			if _, ok := plans.LookupAction(a); !ok {
				t.Errorf("rule %s names %q, not a plan action", r.ID, a)
			}
		}
		if r.Summary == "" {
			t.Errorf("rule %s has no summary", r.ID)
		}
		info, _ := plans.LookupAction(r.Parent)
		if r.DryRunCode != "" && !info.HasDryRun {
			t.Errorf("rule %s gives %s a dry-run code, but it takes no DryRun", r.ID, r.Parent)
		}
	}
}

// TestEachRuleMakesItsEdge checks, for every row of the rule table, that the rich snapshot yields the edge,
// labelled with the rule, and that the dependent step accepts the rule's dry-run code.
func TestEachRuleMakesItsEdge(t *testing.T) {
	t.Parallel()
	p := build(t, richSnapshot(), Options{})
	cases := map[string][2]string{ // rule -> {child step, parent step}
		"8.1":            {"delete-allocation/alloc-vpc", "delete-cidr/pool-reg/10.0.0.0/12"},
		"8.2":            {"delete-cidr/pool-reg/10.0.0.0/12", "delete-cidr/pool-top/10.0.0.0/8"},
		"8.3":            {"delete-pool/pool-reg", "delete-pool/pool-top"},
		"8.4":            {"delete-allocation/alloc-vpc", "delete-pool/pool-reg"},
		"8.5":            {"delete-cidr/pool-top/10.0.0.0/8", "delete-pool/pool-top"},
		"8.5/allocation": {"delete-allocation/alloc-top-custom", "delete-pool/pool-top"},
		"8.6":            {"disassociate-share/rs-1", "delete-pool/pool-reg"},
		"8.7":            {"delete-pool/pool-top", "delete-scope/scope-c"},
		"8.9":            {"delete-pool/pool-top", "delete-ipam/ipam-a"},
		"8.10":           {"delete-scope/scope-c", "delete-ipam/ipam-a"},
		"8.11":           {"disassociate-share/rs-2", "delete-ipam/ipam-a"},
		"8.12":           {"dissociate-discovery/ipam-a/rd-foreign", "delete-ipam/ipam-a"},
		"8.12/own":       {"dissociate-discovery/ipam-a/rd-own", "delete-ipam/ipam-a"},
		"8.13":           {"remove-members/ipam-a", "delete-ipam/ipam-a"},
		"8.15":           {"disassociate-share/rs-3", "delete-discovery/rd-own"},
		"8.16":           {"dissociate-discovery/ipam-a/rd-own", "delete-discovery/rd-own"},
	}
	for _, r := range Rules() {
		c, ok := cases[r.ID]
		if !ok {
			t.Errorf("rule %s has no case here", r.ID)
			continue
		}
		child, okc := stepByID(p, c[0])
		parent, okp := stepByID(p, c[1])
		if !okc || !okp {
			t.Errorf("rule %s: steps %s (%v) and %s (%v) should both be planned", r.ID, c[0], okc, c[1], okp)
			continue
		}
		if child.Action != r.Child || parent.Action != r.Parent {
			t.Errorf("rule %s is %s <- %s, the case is %s <- %s", r.ID, r.Parent, r.Child, parent.Action, child.Action)
		}
		if !slices.Contains(parent.DependsOn, plans.Dependency{ID: child.ID, Rule: r.ID}) {
			t.Errorf("rule %s: %s should depend on %s by %s; depends_on = %v", r.ID, parent.ID, child.ID, r.ID, parent.DependsOn)
		}
		if r.DryRunCode != "" && !slices.Contains(parent.DryRunCodes, r.DryRunCode) {
			t.Errorf("rule %s: %s dry_run_codes %v lack %s", r.ID, parent.ID, parent.DryRunCodes, r.DryRunCode)
		}
	}
}

func TestRichPlan(t *testing.T) {
	t.Parallel()
	p := build(t, richSnapshot(), Options{})
	want := []string{
		"delete-allocation/alloc-top-custom", "delete-allocation/alloc-vpc", "delete-pool/pool-v6",
		"disassociate-share/rs-1", "disassociate-share/rs-2", "disassociate-share/rs-3",
		"dissociate-discovery/ipam-a/rd-foreign", "dissociate-discovery/ipam-a/rd-own", "remove-members/ipam-a",
		"delete-cidr/pool-reg/10.0.0.0/12", "delete-discovery/rd-own",
		"delete-cidr/pool-top/10.0.0.0/8", "delete-pool/pool-reg",
		"delete-pool/pool-top", "delete-scope/scope-c", "delete-ipam/ipam-a",
	}
	if diff := cmp.Diff(want, stepIDs(p)); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	ipam, _ := stepByID(p, "delete-ipam/ipam-a")
	if ipam.Level != 5 || p.Summary.Levels != 6 {
		t.Errorf("delete-ipam level %d, plan levels %d; want 5 and 6 (allocation, cidr, cidr, pool, pool, scope... the longest path)", ipam.Level, p.Summary.Levels)
	}
	wantParams := map[string]map[string]string{
		// Rule 22: an allocation call goes to the pool's region, everything else to the IPAM's.
		"delete-allocation/alloc-vpc":      {"RegionId": "cn-shanghai", "IpamPoolAllocationId": "alloc-vpc"},
		"delete-cidr/pool-reg/10.0.0.0/12": {"RegionId": "cn-hangzhou", "IpamPoolId": "pool-reg", "Cidr": "10.0.0.0/12"},
		"delete-pool/pool-reg":             {"RegionId": "cn-hangzhou", "IpamPoolId": "pool-reg"},
		"delete-scope/scope-c":             {"RegionId": "cn-hangzhou", "IpamScopeId": "scope-c"},
		"delete-ipam/ipam-a":               {"RegionId": "cn-hangzhou", "IpamId": "ipam-a"},
		"remove-members/ipam-a": {"RegionId": "cn-hangzhou",
			"Members.1.MemberId": "1000000000000002", "Members.1.MemberType": "Account",
			"Members.2.MemberId": "fd-1", "Members.2.MemberType": "Folder"},
		"dissociate-discovery/ipam-a/rd-foreign": {"RegionId": "cn-hangzhou", "IpamId": "ipam-a", "IpamResourceDiscoveryId": "rd-foreign"},
		"delete-discovery/rd-own":                {"RegionId": "cn-hangzhou", "IpamResourceDiscoveryId": "rd-own"},
		"disassociate-share/rs-2": {"ResourceShareId": "rs-2",
			"Resources.1.ResourceId": "rd-default", "Resources.1.ResourceType": "IpamResourceDiscovery"},
	}
	for id, params := range wantParams {
		s, ok := stepByID(p, id)
		if !ok {
			t.Errorf("no step %s", id)
			continue
		}
		if diff := cmp.Diff(params, s.Params); diff != "" {
			t.Errorf("%s params (-want +got):\n%s", id, diff)
		}
	}
	for _, s := range p.Steps {
		switch {
		case s.Action == "DisassociateResourceShare" && (s.WaitFor != "Disassociated" || len(s.DryRunCodes) > 0):
			t.Errorf("%s: wait_for %q, dry_run_codes %v; want Disassociated and none (the call takes no DryRun)", s.ID, s.WaitFor, s.DryRunCodes)
		case strings.Contains(s.ID, "scope-priv") || strings.Contains(s.ID, "scope-pub") || strings.Contains(s.ID, "rd-default") && s.Action != "DisassociateResourceShare":
			t.Errorf("%s: the default scopes, discovery and association get no step (rules 8 and 14)", s.ID)
		case strings.Contains(s.ID, "alloc-child"):
			t.Errorf("%s: an IpamPool-type allocation goes with the child's CIDR, never released on its own", s.ID)
		case strings.Contains(s.ID, "rd-unused") || strings.Contains(s.ID, "delete-discovery/rd-foreign"):
			t.Errorf("%s: discoveries no selected IPAM uses, and other accounts' discoveries, are not deleted", s.ID)
		}
	}
	wantImplies := []plans.Implied{
		{ResourceType: "association", ResourceID: "assoc-default", Reason: "the default discovery's association goes with the IPAM (8.14)"},
		{ResourceType: "discovery", ResourceID: "rd-default", Reason: "the default resource discovery goes with the IPAM (8.14)"},
		{ResourceType: "scope", ResourceID: "scope-priv", Reason: "the default private scope goes with the IPAM (8.8)"},
		{ResourceType: "scope", ResourceID: "scope-pub", Reason: "the default public scope goes with the IPAM (8.8)"},
	}
	if diff := cmp.Diff(wantImplies, ipam.Implies); diff != "" {
		t.Errorf("delete-ipam implies (-want +got):\n%s", diff)
	}
	wantCodes := []string{"DependencyViolation.IpamMembers", "DependencyViolation.ShareResource", "OperationDenied.SharedResourceDiscoveryAssociated",
		"OperationFailed.IpamPoolExist", "OperationFailed.IpamScopeExist"}
	if diff := cmp.Diff(wantCodes, ipam.DryRunCodes); diff != "" {
		t.Errorf("delete-ipam dry_run_codes (-want +got):\n%s", diff)
	}
	if len(p.Blockers) != 0 {
		t.Errorf("blockers = %v, want none", p.Blockers)
	}
}

func TestKeepDiscoveries(t *testing.T) {
	t.Parallel()
	p := build(t, richSnapshot(), Options{Options: plans.Options{KeepDiscoveries: true}})
	for _, id := range []string{"delete-discovery/rd-own", "disassociate-share/rs-3"} {
		if _, ok := stepByID(p, id); ok {
			t.Errorf("%s planned with KeepDiscoveries", id)
		}
	}
	if _, ok := stepByID(p, "dissociate-discovery/ipam-a/rd-own"); !ok {
		t.Error("the kept discovery must still be dissociated from the IPAM being deleted")
	}
}

// TestBlockers checks that each kind of blocker removes exactly the steps that need it gone, transitively,
// and says so.
func TestBlockers(t *testing.T) {
	t.Parallel()
	ipamChain := []string{"delete-ipam/ipam-a"}
	topChain := []string{"delete-cidr/pool-top/10.0.0.0/8", "delete-ipam/ipam-a", "delete-pool/pool-top", "delete-scope/scope-c"}
	regChain := append([]string{"delete-cidr/pool-reg/10.0.0.0/12", "delete-pool/pool-reg"}, topChain...)
	slices.Sort(regChain)
	// The steps of the blocked resource itself, and of everything inside it, are not held back: they are
	// the blocker's own and simply not planned.
	regOwn := []string{"delete-allocation/alloc-vpc", "delete-cidr/pool-reg/10.0.0.0/12", "delete-pool/pool-reg", "disassociate-share/rs-1"}
	topOwn := slices.Concat(regOwn, []string{"delete-allocation/alloc-top-custom", "delete-cidr/pool-top/10.0.0.0/8", "delete-pool/pool-top"})
	// With the IPAM held back, what served only its deletion is pruned: the member removals, the foreign
	// discovery's dissociation and the default discovery's unshare (rd-own's dissociation still serves its
	// deletion).
	ipamOnly := []string{"disassociate-share/rs-2/rd-default", "dissociate-discovery/ipam-a/rd-foreign",
		"remove-members/ipam-a/1000000000000002", "remove-members/ipam-a/fd-1"}
	plus := func(ids ...string) []string { return slices.Sorted(slices.Values(slices.Concat(ipamOnly, ids))) }
	cases := []struct {
		name     string
		edit     func(*inventory.Snapshot)
		opts     Options
		resource string
		rule     string
		reason   string   // a part of the reason
		held     []string // held back
		others   int      // further blockers the edit brings
		own      []string // steps of the full plan acting on the blocked resource or inside it
		pruned   []string // steps (entries of batched ones) that only served held-back steps
	}{
		{name: "ipv6 vpc allocation", resource: "alloc-v6", rule: "0.5/seed-001", reason: "Ipv6VpcNotSupport",
			edit: func(s *inventory.Snapshot) {
				p := &s.IPAMs[0].Pools[2]
				p.CIDRs = []inventory.PoolCIDR{{CIDR: "2408:4000::/52", Status: "Created"}}
				p.Allocations = []inventory.Allocation{{ID: "alloc-v6", PoolID: p.ID, CIDR: "2408:4000::/56", SourceCIDR: "2408:4000::/52", ResourceType: "VPC", ResourceID: "vpc-6", Status: "Created"}}
			},
			held: []string{"delete-cidr/pool-v6/2408:4000::/52", "delete-ipam/ipam-a", "delete-pool/pool-v6"}, others: 1, /* the IPv6 CIDR */
			pruned: ipamOnly},
		{name: "keep vpc allocations", opts: Options{Options: plans.Options{KeepVPCAllocations: true}}, resource: "alloc-vpc", rule: "8.1", reason: "--keep-vpc-allocations",
			held: regChain, own: []string{"delete-allocation/alloc-vpc"},
			pruned: plus("delete-allocation/alloc-top-custom", "disassociate-share/rs-1/pool-reg")},
		{name: "exclude a pool keeps its subtree", opts: Options{Options: plans.Options{Exclude: []string{"pool-top"}}}, resource: "pool-top", reason: "--exclude",
			held: []string{"delete-ipam/ipam-a", "delete-scope/scope-c"}, own: topOwn, pruned: ipamOnly},
		{name: "protect tag with value", opts: Options{Options: plans.Options{ProtectTag: "keep=yes"}}, resource: "pool-top", reason: "keep=yes",
			held: []string{"delete-ipam/ipam-a", "delete-scope/scope-c"}, own: topOwn, pruned: ipamOnly},
		{name: "protect tag key only", opts: Options{Options: plans.Options{ProtectTag: "team"}}, resource: "scope-c", reason: "protect tag team",
			held: ipamChain, own: append([]string{"delete-scope/scope-c"}, topOwn...), pruned: ipamOnly},
		{name: "protected ipam", opts: Options{Options: plans.Options{ProtectTag: "env=test"}}, resource: "ipam-a", reason: "env=test",
			held: []string{"delete-discovery/rd-own"},
			own: append([]string{"delete-ipam/ipam-a", "delete-pool/pool-v6", "delete-scope/scope-c", "disassociate-share/rs-2",
				"dissociate-discovery/ipam-a/rd-foreign", "dissociate-discovery/ipam-a/rd-own", "remove-members/ipam-a"}, topOwn...),
			// rd-own's unshare served only its deletion, which needs the protected IPAM's dissociation.
			pruned: []string{"disassociate-share/rs-3/rd-own"}},
		{name: "exclude a child pool's CIDR by its allocation id", opts: Options{Options: plans.Options{Exclude: []string{"alloc-child"}}}, resource: "alloc-child", reason: "--exclude",
			held:   []string{"delete-cidr/pool-top/10.0.0.0/8", "delete-ipam/ipam-a", "delete-pool/pool-reg", "delete-pool/pool-top", "delete-scope/scope-c"},
			own:    []string{"delete-cidr/pool-reg/10.0.0.0/12"},
			pruned: plus("delete-allocation/alloc-top-custom", "delete-allocation/alloc-vpc", "disassociate-share/rs-1/pool-reg")},
		{name: "exclude a member", opts: Options{Options: plans.Options{Exclude: []string{"fd-1"}}}, resource: "fd-1", reason: "--exclude", held: ipamChain,
			// The other member's removal served only the IPAM's deletion: the IPAM stays, and so does the member.
			pruned: []string{"disassociate-share/rs-2/rd-default", "dissociate-discovery/ipam-a/rd-foreign", "remove-members/ipam-a/1000000000000002"}},
		{name: "exclude a share", opts: Options{Options: plans.Options{Exclude: []string{"rs-1"}}}, resource: "rs-1", reason: "--exclude",
			held: []string{"delete-ipam/ipam-a", "delete-pool/pool-reg", "delete-pool/pool-top", "delete-scope/scope-c"},
			own:  []string{"disassociate-share/rs-1"},
			// The pools stay, so their allocations and CIDRs stay too.
			pruned: plus("delete-allocation/alloc-top-custom", "delete-allocation/alloc-vpc", "delete-cidr/pool-reg/10.0.0.0/12", "delete-cidr/pool-top/10.0.0.0/8")},
		{name: "pool modifying", resource: "pool-reg", rule: "1.10", reason: "Modifying",
			edit: func(s *inventory.Snapshot) { s.IPAMs[0].Pools[0].Status = "Modifying" },
			held: topChain, own: regOwn, pruned: plus("delete-allocation/alloc-top-custom")},
		{name: "share disassociating", resource: "rs-1/pool-reg", rule: "1.10", reason: "Disassociating",
			edit:   func(s *inventory.Snapshot) { s.Shares[0].Status = "Disassociating" },
			held:   []string{"delete-ipam/ipam-a", "delete-pool/pool-reg", "delete-pool/pool-top", "delete-scope/scope-c"},
			own:    []string{"disassociate-share/rs-1"},
			pruned: plus("delete-allocation/alloc-top-custom", "delete-allocation/alloc-vpc", "delete-cidr/pool-reg/10.0.0.0/12", "delete-cidr/pool-top/10.0.0.0/8")},
		{name: "foreign pool", resource: "pool-v6", rule: "8.20", reason: "only its owner",
			edit: func(s *inventory.Snapshot) { s.IPAMs[0].Pools[2].OwnerID = foreign },
			held: ipamChain, own: []string{"delete-pool/pool-v6"}, pruned: ipamOnly},
		{name: "ipv6 cidr", resource: "pool-v6/2408:4000::/52", rule: "3.4", reason: "IPv4 CIDRs only",
			edit: func(s *inventory.Snapshot) {
				s.IPAMs[0].Pools[2].CIDRs = []inventory.PoolCIDR{{CIDR: "2408:4000::/52", Status: "Created"}}
			},
			held: []string{"delete-ipam/ipam-a", "delete-pool/pool-v6"}, pruned: ipamOnly},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			snap := richSnapshot()
			if c.edit != nil {
				c.edit(snap)
			}
			p := build(t, snap, c.opts)
			var found *plans.Blocker
			for i := range p.Blockers {
				if p.Blockers[i].ResourceID == c.resource {
					found = &p.Blockers[i]
				}
			}
			if found == nil || len(p.Blockers) != 1+c.others {
				t.Fatalf("blockers = %+v, want one on %s", p.Blockers, c.resource)
			}
			if found.Rule != c.rule || !strings.Contains(found.Reason, c.reason) {
				t.Errorf("blocker rule %q reason %q; want rule %q and a reason mentioning %q", found.Rule, found.Reason, c.rule, c.reason)
			}
			if diff := cmp.Diff(c.held, found.HeldBack); diff != "" {
				t.Errorf("held back (-want +got):\n%s", diff)
			}
			var pruned []string
			for _, bl := range p.Blockers {
				pruned = append(pruned, bl.Pruned...)
			}
			slices.Sort(pruned)
			if diff := cmp.Diff(c.pruned, pruned); diff != "" {
				t.Errorf("pruned (-want +got):\n%s", diff)
			}
			for _, id := range slices.Concat(c.held, c.own, c.pruned) {
				if _, ok := stepByID(p, id); ok {
					t.Errorf("%s is planned, but the blocker should keep it out", id)
				}
			}
			// Everything neither held back nor pruned is still planned: the full plan minus the held-back,
			// pruned and absent steps. A batched step is pruned when all its entries are.
			full := build(t, richSnapshot(), Options{Options: plans.Options{KeepDiscoveries: c.opts.KeepDiscoveries}})
			var missing []string
			for _, id := range stepIDs(full) {
				entryPruned := slices.ContainsFunc(c.pruned, func(e string) bool { return e == id || strings.HasPrefix(e, id+"/") })
				if _, planned := stepByID(p, id); !planned && !slices.Contains(c.held, id) && !entryPruned {
					missing = append(missing, id)
				}
			}
			slices.Sort(missing)
			want := slices.Sorted(slices.Values(c.own))
			if diff := cmp.Diff(want, missing); diff != "" {
				t.Errorf("steps of the full plan neither planned, held back nor pruned, the blocked resource's own (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExcludedEntryLeavesTheBatch: a share holding a kept pool and one that goes is still unshared for the
// pool that goes, with that entry alone.
func TestExcludedEntryLeavesTheBatch(t *testing.T) {
	t.Parallel()
	snap := richSnapshot()
	snap.IPAMs[0].Pools = append(snap.IPAMs[0].Pools, inventory.Pool{ID: "pool-x", IPAMID: "ipam-a", ScopeID: "scope-priv", IPVersion: "IPv4", Status: "Created", OwnerID: caller})
	snap.Shares = append(snap.Shares, inventory.ShareAssociation{ShareID: "rs-1", EntityID: "pool-x", EntityType: "IpamPool", Status: "Associated"})
	p := build(t, snap, Options{Options: plans.Options{Exclude: []string{"pool-reg"}}})
	s, ok := stepByID(p, "disassociate-share/rs-1")
	if !ok {
		t.Fatalf("pool-x still leaves rs-1; steps %v", stepIDs(p))
	}
	want := map[string]string{"ResourceShareId": "rs-1", "Resources.1.ResourceId": "pool-x", "Resources.1.ResourceType": "IpamPool"}
	if diff := cmp.Diff(want, s.Params); diff != "" {
		t.Errorf("params (-want +got):\n%s", diff)
	}
}

// TestExcludedMemberKeepsTheOthers: excluding one member keeps the IPAM, so removing the other members
// would only change an IPAM that stays; they are pruned, under the member's blocker.
func TestExcludedMemberKeepsTheOthers(t *testing.T) {
	t.Parallel()
	p := build(t, richSnapshot(), Options{Options: plans.Options{Exclude: []string{"fd-1"}}})
	if _, ok := stepByID(p, "remove-members/ipam-a"); ok {
		t.Error("remove-members/ipam-a planned, but the IPAM stays")
	}
	if len(p.Blockers) != 1 || !slices.Contains(p.Blockers[0].Pruned, "remove-members/ipam-a/1000000000000002") {
		t.Errorf("blockers %+v, want fd-1's pruning the other member's removal", p.Blockers)
	}
}

func TestExcludeUnknownID(t *testing.T) {
	t.Parallel()
	_, err := Build(richSnapshot(), Options{Options: plans.Options{Exclude: []string{"pool-typo"}}})
	if err == nil || !strings.Contains(err.Error(), `"pool-typo"`) {
		t.Fatalf("err = %v, want one naming the unknown id", err)
	}
}

// TestProtectTagEmptyValue: key= is refused by the planner itself, not only by the flag and the config (an
// unset shell variable in --protect-tag owner=$OWNER protected nothing that carried the key).
func TestProtectTagEmptyValue(t *testing.T) {
	t.Parallel()
	for _, tag := range []string{"owner=", "owner= "} {
		if _, err := Build(richSnapshot(), Options{Options: plans.Options{ProtectTag: tag}}); err == nil || !strings.Contains(err.Error(), "the value is empty") {
			t.Errorf("protect tag %q: %v, want it refused", tag, err)
		}
	}
}

func TestShareBatches(t *testing.T) {
	t.Parallel()
	snap := richSnapshot()
	ip := &snap.IPAMs[0]
	snap.Shares = nil
	for i := range 7 {
		id := fmt.Sprintf("pool-s%d", i)
		ip.Pools = append(ip.Pools, inventory.Pool{ID: id, IPAMID: "ipam-a", ScopeID: "scope-priv", IPVersion: "IPv4", Status: "Created", OwnerID: caller})
		snap.Shares = append(snap.Shares, inventory.ShareAssociation{ShareID: "rs-big", EntityID: id, EntityType: "IpamPool", Status: "Associated"})
	}
	p := build(t, snap, Options{})
	first, ok1 := stepByID(p, "disassociate-share/rs-big/1")
	second, ok2 := stepByID(p, "disassociate-share/rs-big/2")
	if !ok1 || !ok2 {
		t.Fatalf("want two batches; steps %v", stepIDs(p))
	}
	if len(first.Params) != 1+2*5 || len(second.Params) != 1+2*2 || second.Params["Resources.2.ResourceId"] != "pool-s6" {
		t.Errorf("batches: %v and %v; want 5 resources then 2", first.Params, second.Params)
	}
	pool, _ := stepByID(p, "delete-pool/pool-s6")
	if !slices.Contains(pool.DependsOn, plans.Dependency{ID: second.ID, Rule: "8.6"}) {
		t.Errorf("delete-pool/pool-s6 depends on %v, want the batch that holds it", pool.DependsOn)
	}
}

func TestCycleIsReported(t *testing.T) {
	t.Parallel()
	snap := richSnapshot()
	snap.IPAMs[0].Pools[1].ParentID = "pool-reg" // pool-top <-> pool-reg
	_, err := Build(snap, Options{PlanID: "p", Now: fixedNow})
	if err == nil || !strings.Contains(err.Error(), "cycle") || !strings.Contains(err.Error(), "delete-pool/pool-reg, delete-pool/pool-top") {
		t.Fatalf("err = %v, want a cycle naming delete-pool/pool-reg and delete-pool/pool-top", err)
	}
}

// TestDeterministic: plans of the same snapshot differ only in plan_id and created_at, also when the
// snapshot's slices come in another order.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	a, err := Build(richSnapshot(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	snap := richSnapshot()
	slices.Reverse(snap.IPAMs[0].Pools)
	slices.Reverse(snap.IPAMs[0].Associations)
	slices.Reverse(snap.IPAMs[0].Members)
	slices.Reverse(snap.Shares)
	b, err := Build(snap, Options{PlanID: "plan-other", Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if a.PlanID == b.PlanID || !strings.HasPrefix(a.PlanID, "plan-") || len(a.PlanID) != len("plan-")+16 {
		t.Errorf("plan ids %q and %q", a.PlanID, b.PlanID)
	}
	b.PlanID, b.CreatedAt = a.PlanID, a.CreatedAt
	ja, err := plans.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := plans.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ja, jb) {
		t.Errorf("plans differ beyond plan_id and created_at:\n%s", cmp.Diff(string(ja), string(jb)))
	}
	if _, err := plans.Read(bytes.NewReader(ja), "plan.json"); err != nil {
		t.Errorf("plans.Read refuses the plan: %v", err)
	}
}

// TestMissingEdgeIsABlocker: an edge whose lookup misses used to be dropped, planning the two steps
// unordered (both at level 0 for an allocation outside every CIDR of its pool). Now the blocker says why and
// holds back the CIDR deletes that could not be ordered.
func TestMissingEdgeIsABlocker(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		edit     func(*inventory.Snapshot)
		resource string
		rule     string
		held     []string
		planned  []string // steps that can still go
	}{
		{name: "allocation outside every CIDR", resource: "alloc-top-custom", rule: "8.1",
			edit: func(s *inventory.Snapshot) {
				a := &s.IPAMs[0].Pools[1].Allocations[1]
				a.CIDR, a.SourceCIDR = "192.168.0.0/24", ""
			},
			held:    []string{"delete-cidr/pool-top/10.0.0.0/8", "delete-ipam/ipam-a", "delete-pool/pool-top", "delete-scope/scope-c"},
			planned: []string{"delete-pool/pool-reg", "delete-pool/pool-v6"}},
		{name: "source CIDR not listed", resource: "alloc-vpc", rule: "8.1",
			edit:    func(s *inventory.Snapshot) { s.IPAMs[0].Pools[0].Allocations[0].SourceCIDR = "10.1.0.0/16" },
			held:    []string{"delete-cidr/pool-reg/10.0.0.0/12", "delete-cidr/pool-top/10.0.0.0/8", "delete-ipam/ipam-a", "delete-pool/pool-reg", "delete-pool/pool-top", "delete-scope/scope-c"},
			planned: []string{"delete-pool/pool-v6"}},
		{name: "child CIDR not listed", resource: "alloc-child", rule: "8.2",
			edit: func(s *inventory.Snapshot) { s.IPAMs[0].Pools[1].Allocations[0].CIDR = "10.0.0.0/13" },
			// pool-reg's own CIDR still goes, with pool-reg; the parent CIDR holding the unlisted one stays.
			held:    []string{"delete-cidr/pool-top/10.0.0.0/8", "delete-ipam/ipam-a", "delete-pool/pool-top", "delete-scope/scope-c"},
			planned: []string{"delete-cidr/pool-reg/10.0.0.0/12", "delete-pool/pool-reg"}},
		{name: "child CIDR in no parent CIDR", resource: "alloc-child", rule: "8.2",
			edit:    func(s *inventory.Snapshot) { s.IPAMs[0].Pools[1].Allocations[0].SourceCIDR = "10.0.0.0/9" },
			held:    []string{"delete-cidr/pool-top/10.0.0.0/8", "delete-ipam/ipam-a", "delete-pool/pool-top", "delete-scope/scope-c"},
			planned: []string{"delete-cidr/pool-reg/10.0.0.0/12", "delete-pool/pool-reg"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			snap := richSnapshot()
			c.edit(snap)
			p := build(t, snap, Options{})
			if len(p.Blockers) != 1 || p.Blockers[0].ResourceID != c.resource || p.Blockers[0].Rule != c.rule ||
				!strings.Contains(p.Blockers[0].Reason, "plan again once the inventory agrees") {
				t.Fatalf("blockers %+v, want one on %s by rule %s", p.Blockers, c.resource, c.rule)
			}
			if diff := cmp.Diff(c.held, p.Blockers[0].HeldBack); diff != "" {
				t.Errorf("held back (-want +got):\n%s", diff)
			}
			for _, id := range c.planned {
				if _, ok := stepByID(p, id); !ok {
					t.Errorf("%s is not planned; it does not need the blocker gone", id)
				}
			}
		})
	}
}

// TestEdgeToNoStepIsAnError: a rule family that draws an edge to a unit it did not find makes Build fail
// (a bug), instead of dropping the edge.
func TestEdgeToNoStepIsAnError(t *testing.T) {
	t.Parallel()
	b := &builder{snap: richSnapshot(), index: map[string]int{}, byOwner: map[string][]int{}, kind: map[string]string{}}
	u := b.add(unit{step: plans.Step{ID: "delete-pool/p", Action: "DeleteIpamPool"}})
	b.edge(-1, u, ruleCIDRBeforePool)
	if len(b.edges) != 0 || len(b.errs) != 1 || !strings.Contains(b.errs[0].Error(), "8.5") || !strings.Contains(b.errs[0].Error(), "delete-pool/p") {
		t.Errorf("edges %v, errors %v; want no edge and one error naming the rule and the step", b.edges, b.errs)
	}
}

// TestOptionsRecorded: the plan records the planning options (Exclude sorted), and OptionsFor gives them
// back, with the plan's id and tool version, so that planning the same inventory again gives the same plan.
func TestOptionsRecorded(t *testing.T) {
	t.Parallel()
	opts := Options{Options: plans.Options{Exclude: []string{"rd-unused", "fd-1", "rd-unused"}, ProtectTag: "keep=yes", KeepVPCAllocations: true, KeepDiscoveries: true},
		PlanID: "plan-opts", ToolVersion: "v1.2.3"}
	p := build(t, richSnapshot(), opts)
	want := plans.Options{Exclude: []string{"fd-1", "rd-unused"}, ProtectTag: "keep=yes", KeepVPCAllocations: true, KeepDiscoveries: true}
	if diff := cmp.Diff(want, p.Options); diff != "" {
		t.Errorf("recorded options (-want +got):\n%s", diff)
	}
	data, err := plans.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	read, err := plans.Read(bytes.NewReader(data), "plan.json")
	if err != nil {
		t.Fatal(err)
	}
	again := OptionsFor(read)
	if again.PlanID != "plan-opts" || again.ToolVersion != "v1.2.3" || !cmp.Equal(again.Options, want) {
		t.Errorf("OptionsFor = %+v, want the recorded options, plan id and tool version", again)
	}
	again.Exclude[0] = "changed" // OptionsFor's slice is its own
	if read.Options.Exclude[0] != "fd-1" {
		t.Error("OptionsFor shares the plan's Exclude slice")
	}
	again.Exclude[0] = "fd-1"
	replanned := build(t, richSnapshot(), again)
	other, err := plans.Marshal(replanned)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, other) {
		t.Errorf("planning again with OptionsFor gives another plan:\n%s", cmp.Diff(string(data), string(other)))
	}

	none := build(t, richSnapshot(), Options{})
	data, err = plans.Marshal(none)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"options": {`+"\n"+`    "exclude": []`+"\n"+`  },`)) {
		t.Errorf("a plan without options does not record them as {\"exclude\": []}:\n%s", data)
	}
}

// TestHeldBackIsLinear: many blockers sharing a chain (every VPC allocation kept) list each held-back step
// once, so the plan grows with the snapshot, not with blockers x depth.
func TestHeldBackIsLinear(t *testing.T) {
	t.Parallel()
	snap := bigSnapshotOf(3, inventory.AllocationVPC) // 120 pools, 840 VPC allocations
	p := build(t, snap, Options{Options: plans.Options{KeepVPCAllocations: true}})
	entries, pruned := 0, 0
	seen := map[string]bool{}
	for _, bl := range p.Blockers {
		entries += len(bl.HeldBack)
		pruned += len(bl.Pruned)
		for _, id := range slices.Concat(bl.HeldBack, bl.Pruned) {
			if seen[id] {
				t.Errorf("%s is listed twice", id)
			}
			seen[id] = true
		}
	}
	// Every pool, CIDR, the scope and the IPAM are held back; the shares of the first pools are pruned.
	if want := 120*2 + 2; len(p.Blockers) != 840 || entries != want || p.Summary.HeldBack != want {
		t.Errorf("%d blockers, %d held-back entries, summary %d; want 840 blockers and %d entries, each step once", len(p.Blockers), entries, p.Summary.HeldBack, want)
	}
	if len(p.Steps) != 0 || pruned != 120 {
		t.Errorf("%d steps, %d pruned; want none planned and the 120 share entries pruned", len(p.Steps), pruned)
	}
}
