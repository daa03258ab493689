package ipamsim

import (
	"slices"
	"testing"

	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"
)

func TestCreateIpamPoolValidation(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	cases := []struct {
		name   string
		args   []string
		status int
		code   string
	}{
		{"no scope", nil, 400, "MissingParameter.IpamScopeId"},
		{"unknown scope", []string{"IpamScopeId", "ipam-scope-none"}, 400, "ResourceNotFound.IpamScope"},
		{"IPv6 in a private scope", []string{"IpamScopeId", f.scope, "IpVersion", "IPv6", "PoolRegionId", hz}, 400, "IllegalParam.IpVersion"},
		{"IPv4 in the public scope", []string{"IpamScopeId", f.pubScope, "IpVersion", "IPv4"}, 400, "IllegalParam.IpVersion"},
		{"unknown IP version", []string{"IpamScopeId", f.scope, "IpVersion", "IPv5"}, 400, "IllegalParam.IpVersion"},
		{"IPv6 without a pool region", []string{"IpamScopeId", f.pubScope}, 400, "MissingParameter.PoolRegionId"},
		{"unknown source pool", []string{"IpamScopeId", f.scope, "SourceIpamPoolId", "ipam-pool-none"}, 404, "ResourceNotFound.IpamPool"},
		{"source pool in another scope", []string{"IpamScopeId", f.privScope, "SourceIpamPoolId", f.top}, 400, "IllegalParam.SourceIpamPoolId"},
		{"pool region not operating", []string{"IpamScopeId", f.scope, "PoolRegionId", "cn-beijing"}, 400, "IllegalParam.PoolRegionId"},
		{"child leaves the parent's region", []string{"IpamScopeId", f.scope, "SourceIpamPoolId", f.child, "PoolRegionId", sh}, 400, "IllegalParam.PoolRegionId"},
		{"ISP on IPv4", []string{"IpamScopeId", f.scope, "Ipv6Isp", "BGP"}, 400, "IllegalParam.Ipv6Isp"},
		{"mask out of range", []string{"IpamScopeId", f.scope, "AllocationMaxCidrMask", "33"}, 400, "IllegalParam.AllocationMaxCidrMask"},
		{"min above max", []string{"IpamScopeId", f.scope, "AllocationMinCidrMask", "24", "AllocationMaxCidrMask", "16"}, 400, "IllegalParam.AllocationMinCidrMask"},
		{"default outside range", []string{"IpamScopeId", f.scope, "AllocationMinCidrMask", "16", "AllocationMaxCidrMask", "24", "AllocationDefaultCidrMask", "28"}, 400, "IllegalParam.AllocationDefaultCidrMask"},
		{"bad AutoImport", []string{"IpamScopeId", f.scope, "AutoImport", "maybe"}, 400, "IllegalParam.AutoImport"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, s, owner, "CreateIpamPool", with(p(tc.args...), "RegionId", hz), tc.status, tc.code)
		})
	}
	// A consumer of a shared pool cannot create children under it (rule 20).
	shareRes(t, s, owner, f.top, "IpamPool", other)
	wantErr(t, s, other, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.scope, "SourceIpamPoolId", f.top), 400, "ResourceNotFound.IpamScope")
	// The public default scope takes IPv6 pools with a region; one top-level pool per ISP and region.
	do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.pubScope, "PoolRegionId", hz))
	wantErr(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.pubScope, "PoolRegionId", hz), 400, "QuotaExceeded.IpamPool")
	do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.pubScope, "PoolRegionId", hz, "Ipv6Isp", "ChinaMobile"))
}

// TestPoolDepth: a chain of 10 pools is allowed, the 11th level is refused.
func TestPoolDepth(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	parent := f.top
	for depth := 2; depth <= maxPoolDepth; depth++ {
		parent = str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.scope, "SourceIpamPoolId", parent)), "IpamPoolId")
	}
	got := decode[vpcipam.ListIpamPoolsResponseBody](t, do(t, s, owner, "ListIpamPools", p("RegionId", hz, "IpamPoolIds.1", parent)))
	if *got.IpamPools[0].PoolDepth != maxPoolDepth {
		t.Fatalf("PoolDepth %d, want %d", *got.IpamPools[0].PoolDepth, maxPoolDepth)
	}
	wantErr(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.scope, "SourceIpamPoolId", parent), 400, "QuotaExceeded.PoolDepth")
}

// TestListIpamPools checks the filters, the SDK field types, and that a shared pool is listed for its
// consumer with IsShared=true and the owner's OwnerId.
func TestListIpamPools(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	do(t, s, owner, "TagResources", p("RegionId", hz, "ResourceType", "IPAMPOOL", "ResourceId.1", f.child, "Tag.1.Key", "tier", "Tag.1.Value", "web"))
	list := func(account string, args ...string) []*vpcipam.ListIpamPoolsResponseBodyIpamPools {
		t.Helper()
		return decode[vpcipam.ListIpamPoolsResponseBody](t, do(t, s, account, "ListIpamPools", with(p(args...), "RegionId", hz))).IpamPools
	}
	ids := func(pools []*vpcipam.ListIpamPoolsResponseBodyIpamPools) []string {
		var out []string
		for _, p := range pools {
			out = append(out, *p.IpamPoolId)
		}
		return out
	}
	cases := []struct {
		args []string
		want []string
	}{
		{nil, []string{f.top, f.child}},
		{[]string{"IpamScopeId", f.scope}, []string{f.top, f.child}},
		{[]string{"IpamScopeId", f.privScope}, nil},
		{[]string{"SourceIpamPoolId", f.top}, []string{f.child}},
		{[]string{"PoolRegionId", hz}, []string{f.child}},
		{[]string{"IpamPoolIds.1", f.top}, []string{f.top}},
		{[]string{"Tags.1.Key", "tier"}, []string{f.child}},
		{[]string{"IsShared", "true"}, nil},
		{[]string{"IsShared", "false"}, []string{f.top, f.child}},
		{[]string{"IpVersion", "IPv6"}, nil},
	}
	for _, tc := range cases {
		if got := ids(list(owner, tc.args...)); !slices.Equal(got, tc.want) {
			t.Errorf("ListIpamPools %v = %v, want %v", tc.args, got, tc.want)
		}
	}
	pools := list(owner)
	top, child := pools[0], pools[1]
	if !*top.HasSubPool || *child.HasSubPool || *top.PoolDepth != 1 || *child.PoolDepth != 2 ||
		*child.SourceIpamPoolId != f.top || *child.PoolRegionId != hz || *top.PoolRegionId != "" ||
		*top.IpamRegionId != hz || *top.IpamScopeType != "private" || *top.IpVersion != "IPv4" ||
		*top.IsShared || *top.OwnerId != 1000000000000001 || *top.Status != "Created" ||
		*top.AllocationMinCidrMask != 0 || *top.AllocationMaxCidrMask != 32 || *top.IpamId != f.ipam {
		t.Errorf("pool fields: top %+v child %+v", top, child)
	}
	if len(child.Tags) != 1 || *child.Tags[0].Key != "tier" {
		t.Errorf("child tags %+v", child.Tags)
	}

	// Before sharing, the consumer sees nothing; after, it sees the shared pool only, marked IsShared.
	if got := list(other); len(got) != 0 {
		t.Fatalf("consumer sees %v before sharing", ids(got))
	}
	shareRes(t, s, owner, f.child, "IpamPool", other)
	got := list(other)
	if len(got) != 1 || *got[0].IpamPoolId != f.child || !*got[0].IsShared || *got[0].OwnerId != 1000000000000001 {
		t.Fatalf("consumer list %+v", got)
	}
	if got := ids(list(other, "IsShared", "false")); len(got) != 0 {
		t.Fatalf("consumer IsShared=false: %v", got)
	}
	if got := list(another); len(got) != 0 {
		t.Fatalf("a third account sees %v", ids(got))
	}
}

// TestDeleteIpamPoolRules covers rules 3, 4, 5, 6 and 20 with exact codes, dry run first each time.
func TestDeleteIpamPoolRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		setup   func(t *testing.T, s *Sim, f fixture) (account, pool string)
		status  int
		code    string
		dryCode string
	}{
		{"sub-pool remains (rule 3)", func(t *testing.T, s *Sim, f fixture) (string, string) {
			return owner, f.top
		}, 400, "DependencyViolation.IpamPool", ""},
		{"regional pool with an allocation (rule 4)", func(t *testing.T, s *Sim, f fixture) (string, string) {
			return owner, f.child
		}, 400, "OperationDenied.PoolRegionNotSupportDeletePool", ""},
		{"custom allocation remains (rule 5)", func(t *testing.T, s *Sim, f fixture) (string, string) {
			id := str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.privScope)), "IpamPoolId")
			do(t, s, owner, "AddIpamPoolCidr", p("RegionId", hz, "IpamPoolId", id, "Cidr", "192.168.0.0/16"))
			do(t, s, owner, "CreateIpamPoolAllocation", p("RegionId", hz, "IpamPoolId", id, "CidrMask", "24"))
			return owner, id
		}, 400, "DependencyViolation.CustomPoolAllocation", ""},
		{"CIDR remains (rule 5)", func(t *testing.T, s *Sim, f fixture) (string, string) {
			do(t, s, owner, "DeleteIpamPoolAllocation", p("RegionId", hz, "IpamPoolAllocationId", f.alloc))
			return owner, f.child
		}, 400, "DependencyViolation.PoolCidr", ""},
		{"shared pool (rule 6)", func(t *testing.T, s *Sim, f fixture) (string, string) {
			id := str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.privScope)), "IpamPoolId")
			shareRes(t, s, owner, id, "IpamPool", other)
			return owner, id
		}, 400, "DependencyViolation.ShareResource", ""},
		{"consumer deletes a shared pool (rule 20)", func(t *testing.T, s *Sim, f fixture) (string, string) {
			id := str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.privScope)), "IpamPoolId")
			shareRes(t, s, owner, id, "IpamPool", other)
			return other, id
		}, 400, "OperationDenied.Unauthorized", ""},
		{"unknown pool", func(t *testing.T, s *Sim, f fixture) (string, string) {
			return owner, "ipam-pool-none"
		}, 404, "ResourceNotFound.IpamPool", ""},
		{"another account's unshared pool", func(t *testing.T, s *Sim, f fixture) (string, string) {
			return other, f.top
		}, 404, "ResourceNotFound.IpamPool", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSim(t)
			f := build(t, s)
			account, id := tc.setup(t, s, f)
			del := p("RegionId", hz, "IpamPoolId", id)
			before := dump(t, s)
			wantErr(t, s, account, "DeleteIpamPool", with(del, "DryRun", "true"), tc.status, tc.code)
			wantErr(t, s, account, "DeleteIpamPool", del, tc.status, tc.code)
			if string(dump(t, s)) != string(before) {
				t.Fatal("a refused delete changed the state")
			}
		})
	}
	s := newSim(t)
	f := build(t, s)
	wantErr(t, s, owner, "DeleteIpamPool", p("RegionId", hz), 400, "MissingParameter.IpamPoolId")
	wantErr(t, s, owner, "DeleteIpamPool", p("RegionId", sh, "IpamPoolId", f.top), 404, "ResourceNotFound.IpamPool")
}

// TestUnsharedPoolDeletes: once the share is gone (disassociated), the owner can delete the pool.
func TestUnsharedPoolDeletes(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	id := str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.privScope)), "IpamPoolId")
	rs := shareRes(t, s, owner, id, "IpamPool", other)
	wantErr(t, s, owner, "DeleteIpamPool", p("RegionId", hz, "IpamPoolId", id), 400, "DependencyViolation.ShareResource")
	if _, err := s.Invoke(t.Context(), owner, "ResourceSharing", "DeleteResourceShare", p("ResourceShareId", rs)); err != nil {
		t.Fatal(err)
	}
	do(t, s, owner, "DeleteIpamPool", p("RegionId", hz, "IpamPoolId", id))
}

// TestSharedPoolRegions: a consumer sees a shared pool from the pool's IPAM region and from its PoolRegionId
// (UNKNOWN 13), allocates only in the pool's region, and keeps its allocation visible to the owner.
func TestSharedPoolRegions(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	regional := str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.scope, "SourceIpamPoolId", f.top, "PoolRegionId", sh)), "IpamPoolId")
	do(t, s, owner, "AddIpamPoolCidr", p("RegionId", hz, "IpamPoolId", regional, "Cidr", "10.7.0.0/16"))
	shareRes(t, s, owner, regional, "IpamPool", other)
	for _, region := range []string{hz, sh} {
		got := decode[vpcipam.ListIpamPoolsResponseBody](t, do(t, s, other, "ListIpamPools", p("RegionId", region)))
		if len(got.IpamPools) != 1 || *got.IpamPools[0].IpamPoolId != regional {
			t.Fatalf("consumer in %s sees %d pools", region, len(got.IpamPools))
		}
	}
	if got := decode[vpcipam.ListIpamPoolsResponseBody](t, do(t, s, other, "ListIpamPools", p("RegionId", "cn-beijing"))); len(got.IpamPools) != 0 {
		t.Fatalf("consumer in cn-beijing sees %d pools", len(got.IpamPools))
	}
	wantErr(t, s, other, "CreateIpamPoolAllocation", p("RegionId", hz, "IpamPoolId", regional, "CidrMask", "24"), 400, "OperationDenied.RequestRegionInvalid")
	id := str(do(t, s, other, "CreateIpamPoolAllocation", p("RegionId", sh, "IpamPoolId", regional, "CidrMask", "24")), "IpamPoolAllocationId")
	got := decode[vpcipam.ListIpamPoolAllocationsResponseBody](t, do(t, s, owner, "ListIpamPoolAllocations", p("RegionId", sh, "IpamPoolId", regional)))
	if len(got.IpamPoolAllocations) != 1 || *got.IpamPoolAllocations[0].IpamPoolAllocationId != id || *got.IpamPoolAllocations[0].ResourceOwnerId != 1000000000000002 {
		t.Fatalf("owner's view of the consumer allocation: %+v", got.IpamPoolAllocations)
	}
	// While shared (and holding the consumer's allocation) the pool answers rule 6 first (UNKNOWN 14).
	wantErr(t, s, owner, "DeleteIpamPool", p("RegionId", hz, "IpamPoolId", regional), 400, "DependencyViolation.ShareResource")
}
