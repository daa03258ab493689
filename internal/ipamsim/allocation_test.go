package ipamsim

import (
	"testing"

	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"
)

// inject records an allocation directly, as the Vpc calls do through s.allocate.
func inject(t *testing.T, s *Sim, poolID string, spec allocSpec) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.allocate(&call{now: s.opts.Now()}, s.st.Pools[poolID], spec)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func TestCreateIpamPoolAllocation(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	empty := str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.privScope)), "IpamPoolId")
	ranged := str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.scope, "SourceIpamPoolId", f.top,
		"AllocationMinCidrMask", "20", "AllocationMaxCidrMask", "26", "AllocationDefaultCidrMask", "24")), "IpamPoolId")
	do(t, s, owner, "AddIpamPoolCidr", p("RegionId", hz, "IpamPoolId", ranged, "Cidr", "10.2.0.0/16"))
	cases := []struct {
		name   string
		args   []string
		status int
		code   string
	}{
		{"no pool", []string{"Cidr", "10.1.3.0/24"}, 400, "MissingParameter.IpamPoolId"},
		{"neither CIDR nor mask", []string{"IpamPoolId", f.child}, 400, "MissingParameter.Cidr"},
		{"bad mask", []string{"IpamPoolId", f.child, "CidrMask", "x"}, 400, "IllegalParam.CidrMask"},
		{"unknown pool", []string{"IpamPoolId", "ipam-pool-none", "CidrMask", "24"}, 404, "ResourceNotFound.IpamPool"},
		{"pool without CIDR", []string{"IpamPoolId", empty, "CidrMask", "24"}, 400, "OperationFailed.IpamPoolCidrNotExist"},
		{"outside the pool", []string{"IpamPoolId", f.child, "Cidr", "10.2.0.0/24"}, 400, "OperationFailed.CidrNotInPool"},
		{"overlap", []string{"IpamPoolId", f.child, "Cidr", "10.1.2.128/25"}, 400, "OperationFailed.CidrOverlap"},
		{"mask above range", []string{"IpamPoolId", ranged, "CidrMask", "28"}, 400, "IllegalParam.CidrMask"},
		{"CIDR mask below range", []string{"IpamPoolId", ranged, "Cidr", "10.2.0.0/16"}, 400, "IllegalParam.CidrMask"},
		{"no room", []string{"IpamPoolId", f.child, "CidrMask", "8"}, 400, "OperationFailed.InsufficientCidr"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, s, owner, "CreateIpamPoolAllocation", with(p(tc.args...), "RegionId", hz), tc.status, tc.code)
		})
	}
	// The child has PoolRegionId cn-hangzhou: a pool with region cn-shanghai is allocated from there only.
	regional := str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.scope, "SourceIpamPoolId", f.top, "PoolRegionId", sh)), "IpamPoolId")
	do(t, s, owner, "AddIpamPoolCidr", p("RegionId", hz, "IpamPoolId", regional, "Cidr", "10.3.0.0/16"))
	wantErr(t, s, owner, "CreateIpamPoolAllocation", p("RegionId", hz, "IpamPoolId", regional, "CidrMask", "24"), 400, "OperationDenied.RequestRegionInvalid")
	out := do(t, s, owner, "CreateIpamPoolAllocation", p("RegionId", sh, "IpamPoolId", regional, "CidrMask", "24"))
	if str(out, "Cidr") != "10.3.0.0/24" || str(out, "SourceCidr") != "10.3.0.0/16" || str(out, "IpamPoolAllocationId") == "" {
		t.Fatalf("allocation answer %v", out)
	}
	// A CIDR by mask lands on the first free block.
	got := decode[vpcipam.CreateIpamPoolAllocationResponseBody](t, do(t, s, owner, "CreateIpamPoolAllocation", p("RegionId", hz, "IpamPoolId", ranged, "CidrMask", "24")))
	if *got.Cidr != "10.2.0.0/24" {
		t.Fatalf("first fit gave %s", *got.Cidr)
	}
	wantDryRunClean(t, s, owner, "CreateIpamPoolAllocation", p("RegionId", hz, "IpamPoolId", ranged, "CidrMask", "24"))
}

// TestAllocationReadsAndFields: List and Get answer the SDK fields, with CreationTime and int64 owners.
func TestAllocationReadsAndFields(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	list := decode[vpcipam.ListIpamPoolAllocationsResponseBody](t, do(t, s, owner, "ListIpamPoolAllocations", p("RegionId", hz, "IpamPoolId", f.child)))
	if *list.TotalCount != 1 || *list.Count != 1 {
		t.Fatalf("list %+v", list)
	}
	a := list.IpamPoolAllocations[0]
	if *a.IpamPoolAllocationId != f.alloc || *a.Cidr != "10.1.2.0/24" || *a.SourceCidr != "10.1.0.0/16" || *a.ResourceType != "Custom" ||
		*a.ResourceOwnerId != 1000000000000001 || *a.RegionId != hz || *a.CreationTime != "2026-01-02T03:04:05Z" || *a.Status != "Created" {
		t.Fatalf("allocation %+v", a)
	}
	get := do(t, s, owner, "GetIpamPoolAllocation", p("RegionId", hz, "IpamPoolAllocationId", f.alloc))
	if str(get, "IpamPoolAllocationId") != f.alloc || str(get, "Cidr") != "10.1.2.0/24" || get["ResourceOwnerId"] != int64(1000000000000001) {
		t.Fatalf("get %v", get)
	}
	for _, tc := range []struct{ args []string }{
		{[]string{"IpamPoolAllocationIds.1", f.alloc}},
		{[]string{"Cidr", "10.1.2.0/24"}},
	} {
		got := decode[vpcipam.ListIpamPoolAllocationsResponseBody](t, do(t, s, owner, "ListIpamPoolAllocations", with(p("RegionId", hz, "IpamPoolId", f.child), tc.args...)))
		if *got.TotalCount != 1 {
			t.Errorf("filter %v: %d", tc.args, *got.TotalCount)
		}
	}
	if got := decode[vpcipam.ListIpamPoolAllocationsResponseBody](t, do(t, s, owner, "ListIpamPoolAllocations", p("RegionId", hz, "IpamPoolId", f.child, "Cidr", "10.1.3.0/24"))); *got.TotalCount != 0 {
		t.Errorf("Cidr filter matched %d", *got.TotalCount)
	}
	wantErr(t, s, owner, "GetIpamPoolAllocation", p("RegionId", hz, "IpamPoolAllocationId", "ipam-alloc-none"), 400, "ResourceNotFound.IpamPoolAllocation")
	wantErr(t, s, owner, "GetIpamPoolAllocation", p("RegionId", sh, "IpamPoolAllocationId", f.alloc), 400, "ResourceNotFound.IpamPoolAllocation")
	wantErr(t, s, other, "GetIpamPoolAllocation", p("RegionId", hz, "IpamPoolAllocationId", f.alloc), 400, "ResourceNotFound.IpamPoolAllocation")
	wantErr(t, s, owner, "GetIpamPoolAllocation", p("RegionId", hz), 400, "MissingParameter.IpamPoolAllocationId")
	wantErr(t, s, owner, "ListIpamPoolAllocations", p("RegionId", hz), 400, "MissingParameter.IpamPoolId")
	wantErr(t, s, owner, "ListIpamPoolAllocations", p("RegionId", sh, "IpamPoolId", f.child), 400, "OperationDenied.RequestRegionInvalid")
	wantErr(t, s, other, "ListIpamPoolAllocations", p("RegionId", hz, "IpamPoolId", f.child), 404, "ResourceNotFound.IpamPool")
}

// TestDeleteIpamPoolAllocationSeed001: every code of seed 001's table, with its HTTP status, for the dry run
// and the real call alike.
func TestDeleteIpamPoolAllocationSeed001(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	// A pool with region cn-shanghai, shared with two consumers.
	shPool := str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.scope, "SourceIpamPoolId", f.top, "PoolRegionId", sh)), "IpamPoolId")
	do(t, s, owner, "AddIpamPoolCidr", p("RegionId", hz, "IpamPoolId", shPool, "Cidr", "10.5.0.0/16"))
	shareRes(t, s, owner, shPool, "IpamPool", other)
	shareRes(t, s, owner, f.child, "IpamPool", other)
	shareRes(t, s, owner, f.child, "IpamPool", another)
	consumerCustom := str(do(t, s, other, "CreateIpamPoolAllocation", p("RegionId", hz, "IpamPoolId", f.child, "CidrMask", "24")), "IpamPoolAllocationId")
	consumerVPC := inject(t, s, f.child, allocSpec{Mask: 24, ResourceType: allocVPC, ResourceID: "vpc-consumer", ResourceOwner: other, ResourceRegion: hz})
	ipv6VPC := inject(t, s, f.child, allocSpec{Mask: 24, ResourceType: allocVPC, ResourceID: "vpc-v6", ResourceOwner: owner, ResourceRegion: hz, IPv6: true})
	shAlloc := str(do(t, s, owner, "CreateIpamPoolAllocation", p("RegionId", sh, "IpamPoolId", shPool, "CidrMask", "24")), "IpamPoolAllocationId")
	parentAlloc := *decode[vpcipam.ListIpamPoolAllocationsResponseBody](t, do(t, s, owner, "ListIpamPoolAllocations", p("RegionId", hz, "IpamPoolId", f.top))).IpamPoolAllocations[0].IpamPoolAllocationId

	cases := []struct {
		name    string
		account string
		args    []string
		status  int
		code    string
	}{
		{"not found", owner, []string{"IpamPoolAllocationId", "ipam-alloc-none"}, 400, "ResourceNotFound.IpamPoolAllocation"},
		{"pool given does not exist", owner, []string{"IpamPoolAllocationId", f.alloc, "IpamPoolId", "ipam-pool-none"}, 404, "ResourceNotFound.IpamPool"},
		{"pool given is not the allocation's", owner, []string{"IpamPoolAllocationId", f.alloc, "IpamPoolId", f.top}, 400, "ResourceNotFound.IpamPoolAllocation"},
		{"CIDR given does not match", owner, []string{"IpamPoolAllocationId", f.alloc, "Cidr", "10.1.9.0/24"}, 400, "ResourceNotFound.IpamPoolAllocation"},
		{"wrong region", owner, []string{"IpamPoolAllocationId", shAlloc}, 400, "OperationDenied.RequestRegionInvalid"},
		{"IpamPool-type allocation", owner, []string{"IpamPoolAllocationId", parentAlloc}, 400, "OperationDenied.UnexpectedResourceType"},
		{"IPv6 VPC allocation", owner, []string{"IpamPoolAllocationId", ipv6VPC}, 400, "OperationDenied.Ipv6VpcNotSupport"},
		{"consumer releases a VPC allocation", other, []string{"IpamPoolAllocationId", consumerVPC}, 400, "OperationDenied.ResourceTypeIsNotCustom"},
		{"consumer releases another's custom", another, []string{"IpamPoolAllocationId", consumerCustom}, 400, "OperationDenied.Unauthorized"},
		{"consumer releases the owner's custom", other, []string{"IpamPoolAllocationId", f.alloc}, 400, "OperationDenied.Unauthorized"},
		{"stranger", "1000000000000003", []string{"IpamPoolAllocationId", shAlloc}, 400, "ResourceNotFound.IpamPoolAllocation"},
		{"missing id", owner, nil, 400, "MissingParameter.IpamPoolAllocationId"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			params := with(p("RegionId", hz), tc.args...)
			wantErr(t, s, tc.account, "DeleteIpamPoolAllocation", with(params, "DryRun", "true"), tc.status, tc.code)
			wantErr(t, s, tc.account, "DeleteIpamPoolAllocation", params, tc.status, tc.code)
		})
	}
	// DryRunOperation, then the releases that are allowed: the consumer its own custom allocation, the owner
	// a consumer's VPC allocation and its own allocation in the regional pool (from that region; the v1.0.3
	// SDK's IpamPoolId and Cidr are accepted when they match).
	wantDryRunClean(t, s, other, "DeleteIpamPoolAllocation", p("RegionId", hz, "IpamPoolAllocationId", consumerCustom))
	do(t, s, other, "DeleteIpamPoolAllocation", p("RegionId", hz, "IpamPoolAllocationId", consumerCustom))
	do(t, s, owner, "DeleteIpamPoolAllocation", p("RegionId", hz, "IpamPoolAllocationId", consumerVPC))
	do(t, s, owner, "DeleteIpamPoolAllocation", p("RegionId", sh, "IpamPoolAllocationId", shAlloc, "IpamPoolId", shPool, "Cidr", "10.5.0.0/24"))
	wantErr(t, s, owner, "DeleteIpamPoolAllocation", p("RegionId", sh, "IpamPoolAllocationId", shAlloc), 400, "ResourceNotFound.IpamPoolAllocation")
}
