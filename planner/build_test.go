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
	p := build(t, richSnapshot(), Options{KeepDiscoveries: true})
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
	}{
		{name: "ipv6 vpc allocation", resource: "alloc-v6", rule: "0.5/seed-001", reason: "Ipv6VpcNotSupport",
			edit: func(s *inventory.Snapshot) {
				p := &s.IPAMs[0].Pools[2]
				p.CIDRs = []inventory.PoolCIDR{{CIDR: "2408:4000::/52", Status: "Created"}}
				p.Allocations = []inventory.Allocation{{ID: "alloc-v6", PoolID: p.ID, CIDR: "2408:4000::/56", SourceCIDR: "2408:4000::/52", ResourceType: "VPC", ResourceID: "vpc-6", Status: "Created"}}
			},
			held: []string{"delete-cidr/pool-v6/2408:4000::/52", "delete-ipam/ipam-a", "delete-pool/pool-v6"}, others: 1 /* the IPv6 CIDR */},
		{name: "keep vpc allocations", opts: Options{KeepVPCAllocations: true}, resource: "alloc-vpc", rule: "8.1", reason: "--keep-vpc-allocations",
			held: regChain, own: []string{"delete-allocation/alloc-vpc"}},
		{name: "exclude a pool keeps its subtree", opts: Options{Exclude: []string{"pool-top"}}, resource: "pool-top", reason: "--exclude",
			held: []string{"delete-ipam/ipam-a", "delete-scope/scope-c"}, own: topOwn},
		{name: "protect tag with value", opts: Options{ProtectTag: "keep=yes"}, resource: "pool-top", reason: "keep=yes",
			held: []string{"delete-ipam/ipam-a", "delete-scope/scope-c"}, own: topOwn},
		{name: "protect tag key only", opts: Options{ProtectTag: "team"}, resource: "scope-c", reason: "protect tag team",
			held: ipamChain, own: append([]string{"delete-scope/scope-c"}, topOwn...)},
		{name: "protected ipam", opts: Options{ProtectTag: "env=test"}, resource: "ipam-a", reason: "env=test",
			held: []string{"delete-discovery/rd-own"},
			own: append([]string{"delete-ipam/ipam-a", "delete-pool/pool-v6", "delete-scope/scope-c", "disassociate-share/rs-2",
				"dissociate-discovery/ipam-a/rd-foreign", "dissociate-discovery/ipam-a/rd-own", "remove-members/ipam-a"}, topOwn...)},
		{name: "exclude a child pool's CIDR by its allocation id", opts: Options{Exclude: []string{"alloc-child"}}, resource: "alloc-child", reason: "--exclude",
			held: []string{"delete-cidr/pool-top/10.0.0.0/8", "delete-ipam/ipam-a", "delete-pool/pool-reg", "delete-pool/pool-top", "delete-scope/scope-c"},
			own:  []string{"delete-cidr/pool-reg/10.0.0.0/12"}},
		{name: "exclude a member", opts: Options{Exclude: []string{"fd-1"}}, resource: "fd-1", reason: "--exclude", held: ipamChain},
		{name: "exclude a share", opts: Options{Exclude: []string{"rs-1"}}, resource: "rs-1", reason: "--exclude",
			held: []string{"delete-ipam/ipam-a", "delete-pool/pool-reg", "delete-pool/pool-top", "delete-scope/scope-c"},
			own:  []string{"disassociate-share/rs-1"}},
		{name: "pool modifying", resource: "pool-reg", rule: "1.10", reason: "Modifying",
			edit: func(s *inventory.Snapshot) { s.IPAMs[0].Pools[0].Status = "Modifying" },
			held: topChain, own: regOwn},
		{name: "share disassociating", resource: "rs-1/pool-reg", rule: "1.10", reason: "Disassociating",
			edit: func(s *inventory.Snapshot) { s.Shares[0].Status = "Disassociating" },
			held: []string{"delete-ipam/ipam-a", "delete-pool/pool-reg", "delete-pool/pool-top", "delete-scope/scope-c"},
			own:  []string{"disassociate-share/rs-1"}},
		{name: "foreign pool", resource: "pool-v6", rule: "8.20", reason: "only its owner",
			edit: func(s *inventory.Snapshot) { s.IPAMs[0].Pools[2].OwnerID = foreign },
			held: ipamChain, own: []string{"delete-pool/pool-v6"}},
		{name: "ipv6 cidr", resource: "pool-v6/2408:4000::/52", rule: "3.4", reason: "IPv4 CIDRs only",
			edit: func(s *inventory.Snapshot) {
				s.IPAMs[0].Pools[2].CIDRs = []inventory.PoolCIDR{{CIDR: "2408:4000::/52", Status: "Created"}}
			},
			held: []string{"delete-ipam/ipam-a", "delete-pool/pool-v6"}},
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
			for _, id := range slices.Concat(c.held, c.own) {
				if _, ok := stepByID(p, id); ok {
					t.Errorf("%s is planned, but the blocker should keep it out", id)
				}
			}
			// Everything not held back is still planned: the full plan minus the held-back and absent steps.
			full := build(t, richSnapshot(), Options{KeepDiscoveries: c.opts.KeepDiscoveries})
			var missing []string
			for _, id := range stepIDs(full) {
				if _, planned := stepByID(p, id); !planned && !slices.Contains(c.held, id) {
					missing = append(missing, id)
				}
			}
			slices.Sort(missing)
			want := slices.Sorted(slices.Values(c.own))
			if diff := cmp.Diff(want, missing); diff != "" {
				t.Errorf("steps of the full plan neither planned nor held back, the blocked resource's own (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExcludedMemberLeavesTheBatch(t *testing.T) {
	t.Parallel()
	p := build(t, richSnapshot(), Options{Exclude: []string{"fd-1"}})
	s, ok := stepByID(p, "remove-members/ipam-a")
	if !ok {
		t.Fatal("the other member is still removed")
	}
	want := map[string]string{"RegionId": "cn-hangzhou", "Members.1.MemberId": "1000000000000002", "Members.1.MemberType": "Account"}
	if diff := cmp.Diff(want, s.Params); diff != "" {
		t.Errorf("params (-want +got):\n%s", diff)
	}
}

func TestExcludeUnknownID(t *testing.T) {
	t.Parallel()
	_, err := Build(richSnapshot(), Options{Exclude: []string{"pool-typo"}})
	if err == nil || !strings.Contains(err.Error(), `"pool-typo"`) {
		t.Fatalf("err = %v, want one naming the unknown id", err)
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
