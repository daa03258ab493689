package plans

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/inventory"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// assertGolden compares got with the golden file at path, or rewrites it under -update.
func assertGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./plans -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (go test ./plans -update rewrites it); -want +got:\n%s", path, cmp.Diff(string(want), string(got)))
	}
}

// stepSpec is a step of a fixture before levels are known.
type stepSpec struct {
	id, action, typ, resource, ipam, region, rule, waitFor string
	params                                                 map[string]string
	deps                                                   []Dependency
	implies                                                []Implied
	dryRunCodes                                            []string
}

// buildPlan turns specs into a plan, giving each step the level of the longest path to it, the way the
// planner does, so the fixtures cannot hold an inconsistent level by accident.
func buildPlan(t testing.TB, specs []stepSpec, blockers []Blocker) *Plan {
	t.Helper()
	byID := map[string]stepSpec{}
	for _, s := range specs {
		byID[s.id] = s
	}
	levels := map[string]int{}
	var level func(id string, depth int) int
	level = func(id string, depth int) int {
		if depth > len(specs) {
			t.Fatalf("fixture cycle at %s", id)
		}
		if l, ok := levels[id]; ok {
			return l
		}
		l := 0
		for _, d := range byID[id].deps {
			l = max(l, level(d.ID, depth+1)+1)
		}
		levels[id] = l
		return l
	}
	p := &Plan{
		FormatVersion:        FormatVersion,
		PlanID:               "plan-20261123-0a1b2c",
		CreatedAt:            time.Date(2026, 11, 23, 6, 30, 0, 0, time.UTC),
		ToolVersion:          "v0.4.0",
		Region:               "cn-hangzhou",
		AccountID:            "1000000000000001",
		InventoryFingerprint: "sha256:5c2f0e3c7a4be1d0f9a8c6b5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5",
		Blockers:             blockers,
	}
	for _, s := range specs {
		if s.region == "" {
			s.region = "cn-hangzhou"
		}
		info, ok := LookupAction(s.action)
		if !ok {
			t.Fatalf("fixture step %s: unknown action %s", s.id, s.action)
		}
		params := map[string]string{}
		if a, _ := catalog.Lookup(info.Product, s.action); a.AllowsParam("RegionId") {
			params["RegionId"] = s.region
		}
		for k, v := range s.params {
			params[k] = v
		}
		p.Steps = append(p.Steps, Step{
			ID: s.id, Action: s.action, Product: info.Product, ResourceType: s.typ, ResourceID: s.resource,
			IPAMID: s.ipam, Region: s.region, Params: params, DependsOn: slices.Clone(s.deps),
			Level: level(s.id, 0), Rule: s.rule, DryRunCodes: s.dryRunCodes, WaitFor: s.waitFor, Implies: s.implies,
		})
	}
	return p
}

func dep(id, rule string) Dependency { return Dependency{ID: id, Rule: rule} }

// multiIPAMPlan is a realistic plan over two IPAMs of one account: a shared pool tree with a regional
// (cn-shanghai) child, custom and VPC allocations, a custom scope, a foreign resource discovery to
// dissociate, members to remove, a custom discovery to delete afterwards; and a second IPAM held back by an
// IPv6 VPC allocation and an excluded scope, with one branch that can still go.
func multiIPAMPlan(t testing.TB) *Plan {
	const a, b = "ipam-0a1b2c3d4e5f6a7b8c", "ipam-9f8e7d6c5b4a3f2e1d"
	specs := []stepSpec{
		// IPAM a
		{id: "disassociate-share/rs-8d1f2e3a/ipam-pool-prod", action: "DisassociateResourceShare", typ: "share-association",
			resource: "rs-8d1f2e3a", ipam: a, rule: "8.6", waitFor: "Disassociated",
			params: map[string]string{"ResourceShareId": "rs-8d1f2e3a", "Resources.1.ResourceId": "ipam-pool-prod", "Resources.1.ResourceType": "IpamPool"}},
		{id: "delete-allocation/ipam-pool-alloc-custom1", action: "DeleteIpamPoolAllocation", typ: "allocation",
			resource: "ipam-pool-alloc-custom1", ipam: a, region: "cn-shanghai", rule: "8.1",
			params: map[string]string{"IpamPoolAllocationId": "ipam-pool-alloc-custom1"}},
		{id: "delete-allocation/ipam-pool-alloc-vpc7", action: "DeleteIpamPoolAllocation", typ: "allocation",
			resource: "ipam-pool-alloc-vpc7", ipam: a, region: "cn-shanghai", rule: "8.1",
			params: map[string]string{"IpamPoolAllocationId": "ipam-pool-alloc-vpc7"}},
		{id: "delete-cidr/ipam-pool-app-sh/10.0.8.0/22", action: "DeleteIpamPoolCidr", typ: "pool-cidr",
			resource: "ipam-pool-app-sh/10.0.8.0/22", ipam: a, rule: "8.1",
			params:      map[string]string{"IpamPoolId": "ipam-pool-app-sh", "Cidr": "10.0.8.0/22"},
			deps:        []Dependency{dep("delete-allocation/ipam-pool-alloc-custom1", "8.1"), dep("delete-allocation/ipam-pool-alloc-vpc7", "8.1")},
			dryRunCodes: []string{"OperationDenied.IpamPoolAllocationExist"}},
		{id: "delete-pool/ipam-pool-app-sh", action: "DeleteIpamPool", typ: "pool", resource: "ipam-pool-app-sh", ipam: a,
			rule: "8.5", waitFor: "gone", params: map[string]string{"IpamPoolId": "ipam-pool-app-sh"},
			deps:        []Dependency{dep("delete-cidr/ipam-pool-app-sh/10.0.8.0/22", "8.5")},
			dryRunCodes: []string{"DependencyViolation.PoolCidr"}},
		{id: "delete-cidr/ipam-pool-prod/10.0.0.0/16", action: "DeleteIpamPoolCidr", typ: "pool-cidr",
			resource: "ipam-pool-prod/10.0.0.0/16", ipam: a, rule: "8.2",
			params:      map[string]string{"IpamPoolId": "ipam-pool-prod", "Cidr": "10.0.0.0/16"},
			deps:        []Dependency{dep("delete-cidr/ipam-pool-app-sh/10.0.8.0/22", "8.2")},
			dryRunCodes: []string{"OperationDenied.IpamPoolAllocationExist"}},
		{id: "delete-pool/ipam-pool-prod", action: "DeleteIpamPool", typ: "pool", resource: "ipam-pool-prod", ipam: a,
			rule: "8.3", waitFor: "gone", params: map[string]string{"IpamPoolId": "ipam-pool-prod"},
			deps: []Dependency{dep("delete-cidr/ipam-pool-prod/10.0.0.0/16", "8.5"), dep("delete-pool/ipam-pool-app-sh", "8.3"),
				dep("disassociate-share/rs-8d1f2e3a/ipam-pool-prod", "8.6")},
			dryRunCodes: []string{"DependencyViolation.PoolCidr", "DependencyViolation.ShareResource"}},
		{id: "delete-scope/ipam-scope-custom42", action: "DeleteIpamScope", typ: "scope", resource: "ipam-scope-custom42", ipam: a,
			rule: "8.7", waitFor: "gone", params: map[string]string{"IpamScopeId": "ipam-scope-custom42"},
			deps: []Dependency{dep("delete-pool/ipam-pool-prod", "8.7")}},
		{id: "dissociate-discovery/ipam-res-disco-assoc-f00d", action: "DissociateIpamResourceDiscovery", typ: "association",
			resource: a + "/ipam-res-disco-custom9", ipam: a, rule: "8.12",
			params: map[string]string{"IpamId": a, "IpamResourceDiscoveryId": "ipam-res-disco-custom9"}},
		{id: "remove-members/" + a, action: "RemoveIpamMembers", typ: "members", resource: a, ipam: a, rule: "8.13",
			params: map[string]string{"Members.1.MemberId": "1000000000000002", "Members.1.MemberType": "Account"}},
		{id: "delete-ipam/" + a, action: "DeleteIpam", typ: "ipam", resource: a, ipam: a, rule: "8.9", waitFor: "gone",
			params: map[string]string{"IpamId": a},
			deps: []Dependency{dep("delete-pool/ipam-pool-prod", "8.9"), dep("delete-scope/ipam-scope-custom42", "8.10"),
				dep("dissociate-discovery/ipam-res-disco-assoc-f00d", "8.12"), dep("remove-members/"+a, "8.13")},
			dryRunCodes: []string{"DependencyViolation.IpamMembers", "OperationFailed.IpamPoolExist"},
			implies: []Implied{
				{ResourceType: "scope", ResourceID: "ipam-scope-priv0a1b", Reason: "the default private scope goes with the IPAM (8.8)"},
				{ResourceType: "scope", ResourceID: "ipam-scope-pub0a1b", Reason: "the default public scope goes with the IPAM (8.8)"},
				{ResourceType: "discovery", ResourceID: "ipam-res-disco-default0a1b", Reason: "the default resource discovery goes with the IPAM (8.14)"},
				{ResourceType: "association", ResourceID: "ipam-res-disco-assoc-default0a1b", Reason: "its association goes with it (8.14)"},
			}},
		// A custom discovery of the caller's, used by no IPAM once IPAM a's association is gone.
		{id: "delete-discovery/ipam-res-disco-custom9", action: "DeleteIpamResourceDiscovery", typ: "discovery",
			resource: "ipam-res-disco-custom9", rule: "8.15",
			params: map[string]string{"IpamResourceDiscoveryId": "ipam-res-disco-custom9"},
			deps:   []Dependency{dep("dissociate-discovery/ipam-res-disco-assoc-f00d", "8.16")}},
		// IPAM b: the dev pool can go; the IPv6 pool and the IPAM cannot.
		{id: "delete-allocation/ipam-pool-alloc-dev3", action: "DeleteIpamPoolAllocation", typ: "allocation",
			resource: "ipam-pool-alloc-dev3", ipam: b, rule: "8.1",
			params: map[string]string{"IpamPoolAllocationId": "ipam-pool-alloc-dev3"}},
		{id: "delete-cidr/ipam-pool-dev/192.168.0.0/20", action: "DeleteIpamPoolCidr", typ: "pool-cidr",
			resource: "ipam-pool-dev/192.168.0.0/20", ipam: b, rule: "8.1",
			params: map[string]string{"IpamPoolId": "ipam-pool-dev", "Cidr": "192.168.0.0/20"},
			deps:   []Dependency{dep("delete-allocation/ipam-pool-alloc-dev3", "8.1")}},
		{id: "delete-pool/ipam-pool-dev", action: "DeleteIpamPool", typ: "pool", resource: "ipam-pool-dev", ipam: b,
			rule: "8.5", waitFor: "gone", params: map[string]string{"IpamPoolId": "ipam-pool-dev"},
			deps: []Dependency{dep("delete-cidr/ipam-pool-dev/192.168.0.0/20", "8.5")}},
	}
	blockers := []Blocker{
		{ResourceType: "allocation", ResourceID: "ipam-pool-alloc-v6vpc", IPAMID: b,
			Reason:   "an IPv6 VPC allocation cannot be released through the IPAM API; detach the IPv6 block from VPC vpc-bp1v6 first",
			Rule:     "OperationDenied.Ipv6VpcNotSupport",
			HeldBack: []string{"delete-cidr/ipam-pool-v6/2408:4000:1000::/48", "delete-ipam/" + b, "delete-pool/ipam-pool-v6"}},
		{ResourceType: "scope", ResourceID: "ipam-scope-keep", IPAMID: b,
			Reason:   "excluded with --exclude ipam-scope-keep",
			HeldBack: []string{"delete-ipam/" + b, "delete-scope/ipam-scope-keep"}},
		{ResourceType: "pool", ResourceID: "ipam-pool-partner", IPAMID: a,
			Reason:   "shared with this account by 2000000000000009, which owns it; only the owner can delete a pool",
			Rule:     "8.20",
			HeldBack: []string{}},
	}
	return buildPlan(t, specs, blockers)
}

// blockedOnlyPlan is a plan that can do nothing: every step of the one IPAM is held back.
func blockedOnlyPlan(t testing.TB) *Plan {
	p := buildPlan(t, nil, []Blocker{{
		ResourceType: "ipam", ResourceID: "ipam-locked77", IPAMID: "ipam-locked77",
		Reason:   "protected by the tag keep=true (--protect-tag keep=true)",
		HeldBack: []string{"delete-ipam/ipam-locked77"},
	}})
	p.PlanID = "plan-20261123-ffee00"
	p.Selector = inventory.Selector{Tags: map[string]string{"team": "net", "env": "dev"}}
	return p
}

// fixtures are the plans the golden files are made from.
func fixtures(t testing.TB) map[string]*Plan {
	multi := multiIPAMPlan(t)
	multi.Selector = inventory.Selector{IPAMIDs: []string{"ipam-9f8e7d6c5b4a3f2e1d", "ipam-0a1b2c3d4e5f6a7b8c"}}
	return map[string]*Plan{
		"multi-ipam":   multi,
		"blocked-only": blockedOnlyPlan(t),
	}
}
