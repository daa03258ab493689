package ipamsim

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"
)

func TestFindFree(t *testing.T) {
	t.Parallel()
	pf := netip.MustParsePrefix
	cases := []struct {
		space, used []string
		bits        int
		want        string
	}{
		{[]string{"10.0.0.0/16"}, nil, 24, "10.0.0.0/24"},
		{[]string{"10.0.0.0/16"}, []string{"10.0.0.0/24"}, 24, "10.0.1.0/24"},
		{[]string{"10.0.0.0/16"}, []string{"10.0.0.0/25"}, 24, "10.0.1.0/24"},
		{[]string{"10.0.0.0/16"}, []string{"10.0.1.0/24"}, 23, "10.0.2.0/23"},
		{[]string{"10.0.0.0/16"}, []string{"10.0.0.0/17"}, 24, "10.0.128.0/24"},
		{[]string{"10.0.0.0/24"}, []string{"10.0.0.0/24"}, 24, ""},
		{[]string{"10.0.0.0/24", "10.9.0.0/24"}, []string{"10.0.0.0/24"}, 26, "10.9.0.0/26"},
		{[]string{"10.0.0.0/24"}, nil, 16, ""},
		{[]string{"255.255.255.0/24"}, []string{"255.255.255.0/25"}, 25, "255.255.255.128/25"},
		{[]string{"255.255.255.0/24"}, []string{"255.255.255.128/25"}, 24, ""},
		{[]string{"2408:4000::/20"}, []string{"2408:4000::/56"}, 56, "2408:4000:0:100::/56"},
	}
	for _, tc := range cases {
		var space, used []netip.Prefix
		for _, s := range tc.space {
			space = append(space, pf(s))
		}
		for _, s := range tc.used {
			used = append(used, pf(s))
		}
		got, _, ok := findFree(space, used, tc.bits)
		if tc.want == "" {
			if ok {
				t.Errorf("findFree(%v, %v, %d) = %v, want none", tc.space, tc.used, tc.bits, got)
			}
			continue
		}
		if !ok || got != pf(tc.want) {
			t.Errorf("findFree(%v, %v, %d) = %v %v, want %s", tc.space, tc.used, tc.bits, got, ok, tc.want)
		}
	}
}

func TestAddIpamPoolCidr(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	other2 := str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.scope)), "IpamPoolId")
	empty := str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.scope)), "IpamPoolId")
	orphan := str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.scope, "SourceIpamPoolId", empty)), "IpamPoolId")
	cases := []struct {
		name   string
		args   []string
		status int
		code   string
	}{
		{"no pool", []string{"Cidr", "10.0.0.0/8"}, 400, "MissingParameter.IpamPoolId"},
		{"no CIDR", []string{"IpamPoolId", other2}, 400, "MissingParameter.Cidr"},
		{"both CIDR and mask", []string{"IpamPoolId", f.child, "Cidr", "10.2.0.0/16", "NetmaskLength", "16"}, 400, "IllegalParam.NetmaskLength"},
		{"non-canonical", []string{"IpamPoolId", other2, "Cidr", "172.16.0.1/12"}, 400, "IllegalParam.Cidr"},
		{"garbage", []string{"IpamPoolId", other2, "Cidr", "ten/8"}, 400, "IllegalParam.Cidr"},
		{"IPv6 into IPv4 pool", []string{"IpamPoolId", other2, "Cidr", "fd00::/8"}, 400, "IllegalParam.Cidr"},
		{"mask on top-level private", []string{"IpamPoolId", other2, "NetmaskLength", "16"}, 400, "IllegalParam.NetmaskLength"},
		{"overlap in scope", []string{"IpamPoolId", other2, "Cidr", "10.128.0.0/9"}, 400, "OperationFailed.CidrOverlap"},
		{"child outside parent", []string{"IpamPoolId", f.child, "Cidr", "11.0.0.0/16"}, 400, "OperationFailed.CidrNotInParentPool"},
		{"child overlaps sibling allocation", []string{"IpamPoolId", f.child, "Cidr", "10.1.128.0/17"}, 400, "OperationFailed.CidrOverlap"},
		{"parent has no CIDR", []string{"IpamPoolId", orphan, "Cidr", "10.0.0.0/16"}, 400, "OperationFailed.ParentPoolCidrNotExist"},
		{"unknown pool", []string{"IpamPoolId", "ipam-pool-none", "Cidr", "10.0.0.0/8"}, 404, "ResourceNotFound.IpamPool"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, s, owner, "AddIpamPoolCidr", with(p(tc.args...), "RegionId", hz), tc.status, tc.code)
		})
	}
	// Another scope may overlap.
	do(t, s, owner, "AddIpamPoolCidr", p("RegionId", hz, "IpamPoolId", str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.privScope)), "IpamPoolId"), "Cidr", "10.0.0.0/8"))
	// Sent from another region: the pool is not found there.
	wantErr(t, s, owner, "AddIpamPoolCidr", p("RegionId", sh, "IpamPoolId", other2, "Cidr", "172.16.0.0/12"), 404, "ResourceNotFound.IpamPool")

	// A child CIDR by NetmaskLength is carved from the parent and appears there as an IpamPool allocation.
	out := do(t, s, owner, "AddIpamPoolCidr", p("RegionId", hz, "IpamPoolId", f.child, "NetmaskLength", "16"))
	if got := str(out, "Cidr"); got != "10.0.0.0/16" {
		t.Fatalf("NetmaskLength 16 gave %q, want 10.0.0.0/16 (the first free block)", got)
	}
	allocs := decode[vpcipam.ListIpamPoolAllocationsResponseBody](t, do(t, s, owner, "ListIpamPoolAllocations", p("RegionId", hz, "IpamPoolId", f.top)))
	if *allocs.TotalCount != 2 {
		t.Fatalf("parent has %d allocations, want 2 (one per child CIDR)", *allocs.TotalCount)
	}
	for _, a := range allocs.IpamPoolAllocations {
		if *a.ResourceType != "IpamPool" || *a.ResourceId != f.child || *a.SourceCidr != "10.0.0.0/8" ||
			*a.ResourceOwnerId != 1000000000000001 || *a.ResourceRegionId != hz || *a.RegionId != hz || *a.Status != "Created" {
			t.Errorf("parent allocation %+v", a)
		}
	}
	cidrs := decode[vpcipam.ListIpamPoolCidrsResponseBody](t, do(t, s, owner, "ListIpamPoolCidrs", p("RegionId", hz, "IpamPoolId", f.child)))
	if *cidrs.TotalCount != 2 || *cidrs.IpamPoolCidrs[0].Cidr != "10.1.0.0/16" || *cidrs.IpamPoolCidrs[1].Cidr != "10.0.0.0/16" || *cidrs.IpamPoolCidrs[0].Status != "Created" {
		t.Fatalf("child CIDRs %+v", cidrs.IpamPoolCidrs)
	}
	filtered := decode[vpcipam.ListIpamPoolCidrsResponseBody](t, do(t, s, owner, "ListIpamPoolCidrs", p("RegionId", hz, "IpamPoolId", f.child, "Cidr", "10.0.0.0/16")))
	if *filtered.TotalCount != 1 {
		t.Fatalf("Cidr filter returned %d", *filtered.TotalCount)
	}
	wantErr(t, s, owner, "ListIpamPoolCidrs", p("RegionId", hz), 400, "MissingParameter.IpamPoolId")

	// At most 50 CIDRs per pool.
	for i := 0; i < maxCidrsPerPool; i++ {
		do(t, s, owner, "AddIpamPoolCidr", p("RegionId", hz, "IpamPoolId", other2, "Cidr", "172.16."+itoa(i)+".0/24"))
	}
	wantErr(t, s, owner, "AddIpamPoolCidr", p("RegionId", hz, "IpamPoolId", other2, "Cidr", "172.16.99.0/24"), 400, "QuotaExceeded.IpamPoolCidr")
}

// TestPublicIPv6PoolCidr: a top-level public IPv6 pool takes NetmaskLength only, once.
func TestPublicIPv6PoolCidr(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	v6 := str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.pubScope, "PoolRegionId", hz)), "IpamPoolId")
	wantErr(t, s, owner, "AddIpamPoolCidr", p("RegionId", hz, "IpamPoolId", v6, "Cidr", "2408:4000::/48"), 400, "IllegalParam.Cidr")
	got := str(do(t, s, owner, "AddIpamPoolCidr", p("RegionId", hz, "IpamPoolId", v6, "NetmaskLength", "48")), "Cidr")
	if pr, err := netip.ParsePrefix(got); err != nil || pr.Bits() != 48 || !pr.Addr().Is6() {
		t.Fatalf("IPv6 block %q", got)
	}
	wantErr(t, s, owner, "AddIpamPoolCidr", p("RegionId", hz, "IpamPoolId", v6, "NetmaskLength", "48"), 400, "QuotaExceeded.IpamPoolCidr")
}

// TestDeleteIpamPoolCidrRules covers rules 1, 2 and 20 and the not-found code.
func TestDeleteIpamPoolCidrRules(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	del := func(pool, cidr string) []string { return []string{"IpamPoolId", pool, "Cidr", cidr} }
	cases := []struct {
		name    string
		account string
		args    []string
		status  int
		code    string
	}{
		{"allocation inside (rule 1)", owner, del(f.child, "10.1.0.0/16"), 400, "OperationDenied.IpamPoolAllocationExist"},
		{"child CIDR inside (rule 2)", owner, del(f.top, "10.0.0.0/8"), 400, "DependencyViolation.SubCidr"},
		{"no such CIDR", owner, del(f.top, "10.0.0.0/9"), 400, "ResourceNotFound.IpamPoolCidr"},
		{"IPv6 CIDR", owner, del(f.top, "fd00::/8"), 400, "IllegalParam.Cidr"},
		{"missing CIDR", owner, []string{"IpamPoolId", f.top}, 400, "MissingParameter.Cidr"},
		{"unknown pool", owner, del("ipam-pool-none", "10.0.0.0/8"), 404, "ResourceNotFound.IpamPool"},
		{"not the hosted region", owner, append(del(f.top, "10.0.0.0/8"), "RegionId", sh), 404, "ResourceNotFound.IpamPool"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			params := with(p("RegionId", hz), tc.args...)
			wantErr(t, s, tc.account, "DeleteIpamPoolCidr", with(params, "DryRun", "true"), tc.status, tc.code)
			wantErr(t, s, tc.account, "DeleteIpamPoolCidr", params, tc.status, tc.code)
		})
	}
	// Rule 20: a consumer of the shared pool cannot deprovision.
	shareRes(t, s, owner, f.child, "IpamPool", other)
	wantErr(t, s, other, "DeleteIpamPoolCidr", p("RegionId", hz, "IpamPoolId", f.child, "Cidr", "10.1.0.0/16"), 400, "OperationDenied.Unauthorized")
	wantErr(t, s, other, "AddIpamPoolCidr", p("RegionId", hz, "IpamPoolId", f.child, "Cidr", "10.3.0.0/16"), 400, "OperationDenied.Unauthorized")

	// Deprovisioning the child's CIDR releases its IpamPool allocation in the parent.
	do(t, s, owner, "DeleteIpamPoolAllocation", p("RegionId", hz, "IpamPoolAllocationId", f.alloc))
	wantDryRunClean(t, s, owner, "DeleteIpamPoolCidr", p("RegionId", hz, "IpamPoolId", f.child, "Cidr", "10.1.0.0/16"))
	do(t, s, owner, "DeleteIpamPoolCidr", p("RegionId", hz, "IpamPoolId", f.child, "Cidr", "10.1.0.0/16"))
	if n := *decode[vpcipam.ListIpamPoolAllocationsResponseBody](t, do(t, s, owner, "ListIpamPoolAllocations", p("RegionId", hz, "IpamPoolId", f.top))).TotalCount; n != 0 {
		t.Fatalf("parent still has %d allocations", n)
	}
	do(t, s, owner, "DeleteIpamPoolCidr", p("RegionId", hz, "IpamPoolId", f.top, "Cidr", "10.0.0.0/8"))
}

// TestFindFreeMatchesBruteForce compares findFree with an exhaustive first-fit search over random,
// seeded layouts of a small space.
func TestFindFreeMatchesBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	space := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/26"), netip.MustParsePrefix("10.0.1.0/27")}
	for round := 0; round < 500; round++ {
		var used []netip.Prefix
		for range rng.IntN(6) {
			sp := space[rng.IntN(len(space))]
			bits := sp.Bits() + rng.IntN(32-sp.Bits()+1)
			off := rng.IntN(1 << (32 - sp.Bits()))
			a := sp.Addr().As4()
			n := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
			n += uint32(off)
			p := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), bits).Masked()
			used = append(used, p)
		}
		bits := 26 + rng.IntN(7)
		want, wantOK := bruteFirstFit(space, used, bits)
		got, _, ok := findFree(space, used, bits)
		if ok != wantOK || got != want {
			t.Fatalf("round %d: findFree(%v, %v, /%d) = %v %v, brute force %v %v", round, space, used, bits, got, ok, want, wantOK)
		}
	}
}

func bruteFirstFit(space, used []netip.Prefix, bits int) (netip.Prefix, bool) {
	for _, sp := range space {
		if bits < sp.Bits() {
			continue
		}
		a := sp.Addr().As4()
		base := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
		size := uint32(1) << (32 - bits)
		for n := base; n < base+(uint32(1)<<(32-sp.Bits())); n += size {
			cand := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), bits)
			free := true
			for _, u := range used {
				if u.Overlaps(cand) {
					free = false
					break
				}
			}
			if free {
				return cand, true
			}
		}
	}
	return netip.Prefix{}, false
}
