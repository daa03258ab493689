package ipamsim

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// describeVpcs returns the Vpc rows of a DescribeVpcs answer.
func describeVpcs(t *testing.T, s *Sim, account string, params map[string]string) (rows []map[string]any, out map[string]any) {
	t.Helper()
	out = invoke(t, s, account, vpcP, "DescribeVpcs", params)
	vpcs, ok := out["Vpcs"].(map[string]any)
	if !ok {
		t.Fatalf("DescribeVpcs has no Vpcs: %v", out)
	}
	return vpcs["Vpc"].([]map[string]any), out
}

// poolAllocs returns the allocations of pool listed by its owner, keyed by ResourceId.
func poolAllocs(t *testing.T, s *Sim, pool string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, a := range items(t, invoke(t, s, owner, ipamP, "ListIpamPoolAllocations", p("RegionId", hz, "IpamPoolId", pool)), "IpamPoolAllocations") {
		out[str(a, "ResourceId")+" "+str(a, "Cidr")] = a
	}
	return out
}

// TestVpcFromPool: CreateVpc takes a VPC-type allocation from the pool; AssociateVpcCidrBlock adds a
// secondary one; UnassociateVpcCidrBlock releases it; DeleteVpc (asynchronous) releases the rest once gone.
func TestVpcFromPool(t *testing.T) {
	t.Parallel()
	s, clk := simClock(t, withDelay(20*time.Second))
	f := build(t, s)
	create := p("RegionId", hz, "Ipv4IpamPoolId", f.child, "Ipv4CidrMask", "20", "VpcName", "app")
	wantDryRun(t, s, owner, vpcP, "CreateVpc", create)
	out := invoke(t, s, owner, vpcP, "CreateVpc", create)
	vpcID := str(out, "VpcId")
	if vpcID == "" || str(out, "VRouterId") == "" || str(out, "RouteTableId") == "" {
		t.Fatalf("CreateVpc answered %v", out)
	}
	rows, _ := describeVpcs(t, s, owner, p("RegionId", hz, "VpcId", vpcID))
	if len(rows) != 1 || str(rows[0], "Status") != "Available" || str(rows[0], "VpcName") != "app" || rows[0]["OwnerId"] != ownerID(owner) {
		t.Fatalf("DescribeVpcs = %v", rows)
	}
	primary := str(rows[0], "CidrBlock")
	a := poolAllocs(t, s, f.child)[vpcID+" "+primary]
	if a == nil || str(a, "ResourceType") != "VPC" || str(a, "SourceCidr") != "10.1.0.0/16" || a["ResourceOwnerId"] != ownerID(owner) {
		t.Fatalf("no VPC allocation for %s %s: %v", vpcID, primary, poolAllocs(t, s, f.child))
	}

	assoc := p("RegionId", hz, "VpcId", vpcID, "IpamPoolId", f.child, "SecondaryCidrMask", "24")
	wantDryRun(t, s, owner, vpcP, "AssociateVpcCidrBlock", assoc)
	out = invoke(t, s, owner, vpcP, "AssociateVpcCidrBlock", assoc)
	second := str(out, "CidrBlock")
	if str(out, "IpVersion") != "IPV4" || poolAllocs(t, s, f.child)[vpcID+" "+second] == nil {
		t.Fatalf("AssociateVpcCidrBlock answered %v; allocations %v", out, poolAllocs(t, s, f.child))
	}
	rows, _ = describeVpcs(t, s, owner, p("RegionId", hz, "VpcId", vpcID))
	if got := rows[0]["SecondaryCidrBlocks"].(map[string]any)["SecondaryCidrBlock"]; !slices.Equal(got.([]string), []string{second}) {
		t.Fatalf("secondary blocks = %v, want [%s]", got, second)
	}

	unassoc := p("RegionId", hz, "VpcId", vpcID, "SecondaryCidrBlock", second)
	wantDryRun(t, s, owner, vpcP, "UnassociateVpcCidrBlock", unassoc)
	invoke(t, s, owner, vpcP, "UnassociateVpcCidrBlock", unassoc)
	if poolAllocs(t, s, f.child)[vpcID+" "+second] != nil {
		t.Fatalf("UnassociateVpcCidrBlock did not release %s", second)
	}
	wantCode(t, s, owner, vpcP, "UnassociateVpcCidrBlock", unassoc, 400, "InvalidCidrBlock.NotFound")
	wantCode(t, s, owner, vpcP, "UnassociateVpcCidrBlock", p("RegionId", hz, "VpcId", vpcID, "SecondaryCidrBlock", primary), 400, "InvalidCidrBlock.NotFound")

	del := p("RegionId", hz, "VpcId", vpcID)
	wantDryRun(t, s, owner, vpcP, "DeleteVpc", del)
	invoke(t, s, owner, vpcP, "DeleteVpc", del)
	rows, _ = describeVpcs(t, s, owner, p("RegionId", hz, "VpcId", vpcID))
	if len(rows) != 1 || str(rows[0], "Status") != "Deleting" {
		t.Fatalf("VPC during its Deleting window = %v", rows)
	}
	if poolAllocs(t, s, f.child)[vpcID+" "+primary] == nil {
		t.Fatalf("the allocation was released before the VPC was gone")
	}
	wantCode(t, s, owner, vpcP, "DeleteVpc", del, 400, "IncorrectVpcStatus")
	wantCode(t, s, owner, vpcP, "AssociateVpcCidrBlock", assoc, 400, "IncorrectVpcStatus")
	clk.advance(20 * time.Second)
	if rows, _ = describeVpcs(t, s, owner, p("RegionId", hz, "VpcId", vpcID)); len(rows) != 0 {
		t.Fatalf("VPC still listed after its window: %v", rows)
	}
	if poolAllocs(t, s, f.child)[vpcID+" "+primary] != nil {
		t.Fatalf("the VPC's allocation survived the VPC")
	}
	wantCode(t, s, owner, vpcP, "DeleteVpc", del, 404, "InvalidVpcId.NotFound")
}

// TestIpv6VpcAllocation: a VPC with EnableIpv6 and Ipv6IpamPoolId holds an IPv6 allocation that
// DeleteIpamPoolAllocation refuses with OperationDenied.Ipv6VpcNotSupport (seed 001).
func TestIpv6VpcAllocation(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	v6 := str(invoke(t, s, owner, ipamP, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.pubScope, "IpVersion", "IPv6", "PoolRegionId", hz, "Ipv6Isp", "BGP")), "IpamPoolId")
	invoke(t, s, owner, ipamP, "AddIpamPoolCidr", p("RegionId", hz, "IpamPoolId", v6, "NetmaskLength", "48"))
	create := p("RegionId", hz, "CidrBlock", "192.168.0.0/16", "EnableIpv6", "true", "Ipv6IpamPoolId", v6, "Ipv6CidrMask", "56")
	wantCode(t, s, owner, vpcP, "CreateVpc", with(create, "EnableIpv6", "false"), 400, "IllegalParam.EnableIpv6")
	wantCode(t, s, owner, vpcP, "CreateVpc", with(create, "Ipv6IpamPoolId", f.child), 400, "Mismatch.IpVersionAndIpamPoolIpVersion")
	wantDryRun(t, s, owner, vpcP, "CreateVpc", create)
	vpcID := str(invoke(t, s, owner, vpcP, "CreateVpc", create), "VpcId")
	allocs := items(t, invoke(t, s, owner, ipamP, "ListIpamPoolAllocations", p("RegionId", hz, "IpamPoolId", v6)), "IpamPoolAllocations")
	if len(allocs) != 1 || str(allocs[0], "ResourceId") != vpcID || str(allocs[0], "ResourceType") != "VPC" {
		t.Fatalf("IPv6 allocations = %v", allocs)
	}
	rows, _ := describeVpcs(t, s, owner, p("RegionId", hz, "VpcId", vpcID))
	if rows[0]["EnabledIpv6"] != true || str(rows[0], "Ipv6CidrBlock") != str(allocs[0], "Cidr") || str(rows[0], "CidrBlock") != "192.168.0.0/16" {
		t.Fatalf("IPv6 VPC = %v, allocation %v", rows, allocs)
	}
	rel := p("RegionId", hz, "IpamPoolAllocationId", str(allocs[0], "IpamPoolAllocationId"))
	wantCode(t, s, owner, ipamP, "DeleteIpamPoolAllocation", rel, 400, "OperationDenied.Ipv6VpcNotSupport")
	wantCode(t, s, owner, ipamP, "DeleteIpamPoolAllocation", with(rel, "DryRun", "true"), 400, "OperationDenied.Ipv6VpcNotSupport")

	// A secondary IPv6 block from the pool is an IPv6 VPC allocation too.
	out := invoke(t, s, owner, vpcP, "AssociateVpcCidrBlock", p("RegionId", hz, "VpcId", vpcID, "IpVersion", "IPV6", "IpamPoolId", v6, "Ipv6CidrMask", "56"))
	if str(out, "IpVersion") != "IPV6" {
		t.Fatalf("AssociateVpcCidrBlock answered %v", out)
	}
	allocs = items(t, invoke(t, s, owner, ipamP, "ListIpamPoolAllocations", p("RegionId", hz, "IpamPoolId", v6, "Cidr", str(out, "CidrBlock"))), "IpamPoolAllocations")
	if len(allocs) != 1 {
		t.Fatalf("secondary IPv6 allocation missing: %v", allocs)
	}
	wantCode(t, s, owner, ipamP, "DeleteIpamPoolAllocation", p("RegionId", hz, "IpamPoolAllocationId", str(allocs[0], "IpamPoolAllocationId")), 400, "OperationDenied.Ipv6VpcNotSupport")
	// Unassociating the secondary IPv6 block releases it; deleting the VPC releases the primary.
	invoke(t, s, owner, vpcP, "UnassociateVpcCidrBlock", p("RegionId", hz, "VpcId", vpcID, "IPv6CidrBlock", str(out, "CidrBlock")))
	invoke(t, s, owner, vpcP, "DeleteVpc", p("RegionId", hz, "VpcId", vpcID))
	if rest := items(t, invoke(t, s, owner, ipamP, "ListIpamPoolAllocations", p("RegionId", hz, "IpamPoolId", v6)), "IpamPoolAllocations"); len(rest) != 0 {
		t.Fatalf("IPv6 allocations left after DeleteVpc: %v", rest)
	}
}

// TestCreateVpcErrors covers the IPAM-related CreateVpc / AssociateVpcCidrBlock codes of reference 6.1.
func TestCreateVpcErrors(t *testing.T) {
	t.Parallel()
	s := newSim(t, withDirectory)
	f := build(t, s)
	vpcID := str(invoke(t, s, owner, vpcP, "CreateVpc", p("RegionId", hz, "CidrBlock", "192.168.0.0/16")), "VpcId")
	tests := []struct {
		name, account, action string
		params                map[string]string
		status                int
		code                  string
	}{
		{"pool without a region", owner, "CreateVpc", p("RegionId", hz, "Ipv4IpamPoolId", f.top, "Ipv4CidrMask", "24"), 400, "OperationDenied.IpamPoolNotInRegion"},
		{"request from another region", owner, "CreateVpc", p("RegionId", sh, "Ipv4IpamPoolId", f.child, "Ipv4CidrMask", "24"), 400, "OperationDenied.RequestRegionInvalid"},
		{"neither CIDR nor mask", owner, "CreateVpc", p("RegionId", hz, "Ipv4IpamPoolId", f.child), 400, "MissingParam.CidrOrCidrMask"},
		{"mask without a pool", owner, "CreateVpc", p("RegionId", hz, "Ipv4CidrMask", "24"), 400, "IllegalParam.IpamPool"},
		{"mask out of range", owner, "CreateVpc", p("RegionId", hz, "Ipv4IpamPoolId", f.child, "Ipv4CidrMask", "30"), 400, "IllegalParam.Ipv4CidrMask"},
		{"unknown pool", owner, "CreateVpc", p("RegionId", hz, "Ipv4IpamPoolId", "ipam-pool-nope", "Ipv4CidrMask", "24"), 404, "ResourceNotFound.IpamPool"},
		{"pool not shared with the caller", other, "CreateVpc", p("RegionId", hz, "Ipv4IpamPoolId", f.child, "Ipv4CidrMask", "24"), 404, "ResourceNotFound.IpamPool"},
		{"block larger than the pool", owner, "CreateVpc", p("RegionId", hz, "Ipv4IpamPoolId", f.child, "Ipv4CidrMask", "8"), 400, "OperationDenied.AvailableCidrInsufficient"},
		{"CIDR outside the pool", owner, "CreateVpc", p("RegionId", hz, "Ipv4IpamPoolId", f.child, "CidrBlock", "10.2.0.0/24"), 400, "OperationDenied.CidrUnavailableInPool"},
		{"CIDR already allocated", owner, "CreateVpc", p("RegionId", hz, "Ipv4IpamPoolId", f.child, "CidrBlock", "10.1.2.0/24"), 400, "OperationDenied.CidrUnavailableInPool"},
		{"malformed CIDR", owner, "CreateVpc", p("RegionId", hz, "CidrBlock", "10.1.2.3/24"), 400, "InvalidCidrBlock.Malformed"},
		{"unknown region", owner, "CreateVpc", p("RegionId", "mars-1"), 404, "InvalidRegionId.NotFound"},
		{"associate to an unknown VPC", owner, "AssociateVpcCidrBlock", p("RegionId", hz, "VpcId", "vpc-nope", "SecondaryCidrBlock", "10.9.0.0/24"), 404, "InvalidVpcId.NotFound"},
		{"associate to another account's VPC", other, "AssociateVpcCidrBlock", p("RegionId", hz, "VpcId", vpcID, "SecondaryCidrBlock", "10.9.0.0/24"), 404, "InvalidVpcId.NotFound"},
		{"pool without a mask", owner, "AssociateVpcCidrBlock", p("RegionId", hz, "VpcId", vpcID, "IpamPoolId", f.child), 400, "MissingParam.SecondaryCidrMask"},
		{"secondary mask out of range", owner, "AssociateVpcCidrBlock", p("RegionId", hz, "VpcId", vpcID, "IpamPoolId", f.child, "SecondaryCidrMask", "29"), 400, "IllegalParam.SecondaryCidrMask"},
		{"IPv6 on a VPC without IPv6", owner, "AssociateVpcCidrBlock", p("RegionId", hz, "VpcId", vpcID, "IpVersion", "IPV6", "IpamPoolId", f.child, "Ipv6CidrMask", "56"), 400, "OperationFailed.Ipv6NotEnabled"},
		{"unassociate without a block", owner, "UnassociateVpcCidrBlock", p("RegionId", hz, "VpcId", vpcID), 400, "MissingParameter"},
		{"delete without VpcId", owner, "DeleteVpc", p("RegionId", hz), 400, "MissingParameter.VpcId"},
		{"describe with a page size of 51", owner, "DescribeVpcs", p("RegionId", hz, "PageSize", "51"), 400, "IllegalParam.PageSize"},
		{"describe page 0", owner, "DescribeVpcs", p("RegionId", hz, "PageNumber", "0"), 400, "IllegalParam.PageNumber"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, s, tc.account, vpcP, tc.action, tc.params, tc.status, tc.code)
		})
	}
	// Six secondary IPv4 blocks: the sixth is refused.
	for i := range 5 {
		invoke(t, s, owner, vpcP, "AssociateVpcCidrBlock", p("RegionId", hz, "VpcId", vpcID, "SecondaryCidrBlock", fmt.Sprintf("10.%d.0.0/24", 20+i)))
	}
	wantCode(t, s, owner, vpcP, "AssociateVpcCidrBlock", p("RegionId", hz, "VpcId", vpcID, "SecondaryCidrBlock", "10.30.0.0/24"), 400, "QuotaExceeded.SecondaryCidrBlock")
}

// TestDescribeVpcsPages: PageNumber/PageSize paging as the Vpc API does, TotalCount over all pages.
func TestDescribeVpcsPages(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	var want []string
	for i := range 23 {
		want = append(want, str(invoke(t, s, owner, vpcP, "CreateVpc", p("RegionId", hz, "CidrBlock", fmt.Sprintf("10.%d.0.0/16", i))), "VpcId"))
	}
	invoke(t, s, other, vpcP, "CreateVpc", p("RegionId", hz))
	invoke(t, s, owner, vpcP, "CreateVpc", p("RegionId", sh))
	var got []string
	for page := 1; ; page++ {
		rows, out := describeVpcs(t, s, owner, p("RegionId", hz, "PageSize", "10", "PageNumber", fmt.Sprint(page)))
		if out["TotalCount"] != 23 || out["PageNumber"] != page || out["PageSize"] != 10 {
			t.Fatalf("page %d: %v", page, out)
		}
		if len(rows) == 0 {
			break
		}
		got = append(got, ids(rows, "VpcId")...)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged VPCs = %v, want %v", got, want)
	}
	rows, _ := describeVpcs(t, s, owner, p("RegionId", hz, "VpcId", want[3]+","+want[7]))
	if !slices.Equal(ids(rows, "VpcId"), []string{want[3], want[7]}) {
		t.Fatalf("VpcId filter = %v", ids(rows, "VpcId"))
	}
	if rows, _ := describeVpcs(t, s, owner, p("RegionId", hz)); len(rows) != 10 {
		t.Fatalf("default page size gave %d rows, want 10", len(rows))
	}
}

// TestDeleteVpcReleaseAfterLongWait: when the clock passes both the VPC's Deleting window and its
// allocations' release window before the next call, that call already sees the pool CIDR free.
func TestDeleteVpcReleaseAfterLongWait(t *testing.T) {
	t.Parallel()
	s, clk := simClock(t, withDelay(10*time.Second))
	f := build(t, s)
	invoke(t, s, owner, ipamP, "DeleteIpamPoolAllocation", p("RegionId", hz, "IpamPoolAllocationId", f.alloc))
	vpcID := str(invoke(t, s, owner, vpcP, "CreateVpc", p("RegionId", hz, "Ipv4IpamPoolId", f.child, "Ipv4CidrMask", "24")), "VpcId")
	invoke(t, s, owner, vpcP, "DeleteVpc", p("RegionId", hz, "VpcId", vpcID))
	deprovision := p("RegionId", hz, "IpamPoolId", f.child, "Cidr", "10.1.0.0/16")
	wantCode(t, s, owner, ipamP, "DeleteIpamPoolCidr", deprovision, 400, "OperationDenied.IpamPoolAllocationExist")
	clk.advance(time.Hour)
	invoke(t, s, owner, ipamP, "DeleteIpamPoolCidr", deprovision)
}

// TestVpcClientTokenReplay: the same ClientToken returns the first VPC again and takes no second block.
func TestVpcClientTokenReplay(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	create := p("RegionId", hz, "Ipv4IpamPoolId", f.child, "Ipv4CidrMask", "24", "ClientToken", "tok-1")
	first := str(invoke(t, s, owner, vpcP, "CreateVpc", create), "VpcId")
	if again := str(invoke(t, s, owner, vpcP, "CreateVpc", create), "VpcId"); again != first {
		t.Fatalf("replay created %s, want the first VPC %s", again, first)
	}
	if rows, _ := describeVpcs(t, s, owner, p("RegionId", hz)); len(rows) != 1 {
		t.Fatalf("%d VPCs after a replay, want 1", len(rows))
	}
	if n := len(poolAllocs(t, s, f.child)); n != 2 { // the fixture's custom allocation and the VPC's
		t.Fatalf("%d allocations after a replay, want 2", n)
	}
	wantCode(t, s, owner, vpcP, "CreateVpc", with(create, "Ipv4CidrMask", "25"), 400, "IdempotentParameterMismatch")
	// DescribeVpcs has DryRun; it answers DryRunOperation.
	wantDryRun(t, s, owner, vpcP, "DescribeVpcs", p("RegionId", hz))
}
