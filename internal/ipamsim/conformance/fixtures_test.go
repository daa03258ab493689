package conformance

import (
	"github.com/alibabacloud-go/tea/tea"
	vpcsdk "github.com/alibabacloud-go/vpc-20160428/v6/client"
	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"
)

// Fixtures are built through the SDK itself, so the creation calls are exercised on the wire as well.

// ipamIDs is what CreateIpam answers.
type ipamIDs struct{ ipam, private, public, rd, rdAssoc string }

// newIpam creates an IPAM hosted in hz operating in hz and sh.
func (e *env) newIpam(account string) ipamIDs {
	e.t.Helper()
	r, err := e.ipam(account).CreateIpam(&vpcipam.CreateIpamRequest{
		RegionId: tea.String(hz), IpamName: tea.String("conf"), OperatingRegionList: tea.StringSlice([]string{hz, sh}),
	})
	ok(e.t, err, "CreateIpam")
	b := r.Body
	ids := ipamIDs{tea.StringValue(b.IpamId), tea.StringValue(b.PrivateDefaultScopeId), tea.StringValue(b.PublicDefaultScopeId),
		tea.StringValue(b.DefaultResourceDiscoveryId), tea.StringValue(b.DefaultResourceDiscoveryAssociationId)}
	if ids.ipam == "" || ids.private == "" || ids.public == "" || ids.rd == "" {
		e.t.Fatalf("CreateIpam answered %v", b)
	}
	return ids
}

// newScope creates a custom private scope.
func (e *env) newScope(account, ipamID string) string {
	e.t.Helper()
	r, err := e.ipam(account).CreateIpamScope(&vpcipam.CreateIpamScopeRequest{
		RegionId: tea.String(hz), IpamId: tea.String(ipamID), IpamScopeType: tea.String("private"),
	})
	ok(e.t, err, "CreateIpamScope")
	return tea.StringValue(r.Body.IpamScopeId)
}

// newPool creates a pool in scope under parent ("" = top level) with the given PoolRegionId ("" = none).
func (e *env) newPool(account, scope, parent, poolRegion string) string {
	e.t.Helper()
	req := &vpcipam.CreateIpamPoolRequest{RegionId: tea.String(hz), IpamScopeId: tea.String(scope), IpVersion: tea.String("IPv4")}
	if parent != "" {
		req.SourceIpamPoolId = tea.String(parent)
	}
	if poolRegion != "" {
		req.PoolRegionId = tea.String(poolRegion)
	}
	r, err := e.ipam(account).CreateIpamPool(req)
	ok(e.t, err, "CreateIpamPool")
	return tea.StringValue(r.Body.IpamPoolId)
}

// addCidr provisions cidr into pool.
func (e *env) addCidr(account, pool, cidr string) {
	e.t.Helper()
	_, err := e.ipam(account).AddIpamPoolCidr(&vpcipam.AddIpamPoolCidrRequest{RegionId: tea.String(hz), IpamPoolId: tea.String(pool), Cidr: tea.String(cidr)})
	ok(e.t, err, "AddIpamPoolCidr "+cidr)
}

// allocate makes a Custom allocation of cidr in pool, sent to region.
func (e *env) allocate(account, region, pool, cidr string) string {
	e.t.Helper()
	r, err := e.ipam(account).CreateIpamPoolAllocation(&vpcipam.CreateIpamPoolAllocationRequest{
		RegionId: tea.String(region), IpamPoolId: tea.String(pool), Cidr: tea.String(cidr),
	})
	ok(e.t, err, "CreateIpamPoolAllocation "+cidr)
	return tea.StringValue(r.Body.IpamPoolAllocationId)
}

// tree is a typical fixture: IPAM, custom scope, a top pool 10.0.0.0/8 (no region) and a child
// 10.1.0.0/16 in hz (PoolRegionId hz) carved from it.
type tree struct {
	ipamIDs
	scope, top, child string
}

func (e *env) newTree(account string) tree {
	e.t.Helper()
	ids := e.newIpam(account)
	tr := tree{ipamIDs: ids, scope: e.newScope(account, ids.ipam)}
	tr.top = e.newPool(account, tr.scope, "", "")
	e.addCidr(account, tr.top, "10.0.0.0/8")
	tr.child = e.newPool(account, tr.scope, tr.top, hz)
	e.addCidr(account, tr.child, "10.1.0.0/16")
	return tr
}

// share shares resourceID (of type IpamPool or IpamResourceDiscovery) from account to target and
// returns the share id.
func (e *env) share(account, resourceID, resourceType, target string) string {
	e.t.Helper()
	out := e.mustCall(account, vShare, "CreateResourceShare", map[string]any{
		"ResourceShareName":    "s-" + target[len(target)-4:] + "-" + resourceID[len(resourceID)-12:],
		"AllowExternalTargets": true,
		"Resources":            []map[string]any{{"ResourceId": resourceID, "ResourceType": resourceType}},
		"Targets":              []string{target},
	})
	id := ""
	if rs, ok := out["ResourceShare"].(map[string]any); ok {
		id, _ = rs["ResourceShareId"].(string)
	}
	if id == "" {
		e.t.Fatalf("CreateResourceShare answered %v", out)
	}
	return id
}

// newVpc creates a VPC in hz whose CIDR comes from pool (a /24).
func (e *env) newVpc(account, pool string) string {
	e.t.Helper()
	r, err := e.vpc(account).CreateVpc(&vpcsdk.CreateVpcRequest{
		RegionId: tea.String(hz), Ipv4IpamPoolId: tea.String(pool), Ipv4CidrMask: tea.Int32(24), VpcName: tea.String("v"),
	})
	ok(e.t, err, "CreateVpc")
	return tea.StringValue(r.Body.VpcId)
}

// allocations lists pool's allocations (sent to region).
func (e *env) allocations(account, region, pool string) []*vpcipam.ListIpamPoolAllocationsResponseBodyIpamPoolAllocations {
	e.t.Helper()
	r, err := e.ipam(account).ListIpamPoolAllocations(&vpcipam.ListIpamPoolAllocationsRequest{
		RegionId: tea.String(region), IpamPoolId: tea.String(pool), MaxResults: tea.Int32(100),
	})
	ok(e.t, err, "ListIpamPoolAllocations")
	return r.Body.IpamPoolAllocations
}

// allocationOf returns the id of pool's allocation of the given type ("" if none).
func (e *env) allocationOf(account, region, pool, typ string) string {
	e.t.Helper()
	for _, a := range e.allocations(account, region, pool) {
		if tea.StringValue(a.ResourceType) == typ {
			return tea.StringValue(a.IpamPoolAllocationId)
		}
	}
	return ""
}

// poolStatus returns the pool's status as ListIpamPools shows it to account ("" when not listed).
func (e *env) poolStatus(account, pool string) string {
	e.t.Helper()
	r, err := e.ipam(account).ListIpamPools(&vpcipam.ListIpamPoolsRequest{RegionId: tea.String(hz), IpamPoolIds: tea.StringSlice([]string{pool})})
	ok(e.t, err, "ListIpamPools")
	for _, p := range r.Body.IpamPools {
		if tea.StringValue(p.IpamPoolId) == pool {
			return tea.StringValue(p.Status)
		}
	}
	return ""
}

// newIpv6Vpc creates a VPC in hz with IPv6 from pool (a /56).
func (e *env) newIpv6Vpc(account, pool string) string {
	e.t.Helper()
	r, err := e.vpc(account).CreateVpc(&vpcsdk.CreateVpcRequest{
		RegionId: tea.String(hz), EnableIpv6: tea.Bool(true), Ipv6IpamPoolId: tea.String(pool), Ipv6CidrMask: tea.Int32(56),
	})
	ok(e.t, err, "CreateVpc IPv6")
	return tea.StringValue(r.Body.VpcId)
}

// newDiscovery creates a custom resource discovery hosted in hz (the account must have no IPAM there).
func (e *env) newDiscovery(account string) string {
	e.t.Helper()
	out := e.mustCall(account, vIpam, "CreateIpamResourceDiscovery", map[string]any{"RegionId": hz, "OperatingRegionList": []string{hz}})
	id, _ := out["IpamResourceDiscoveryId"].(string)
	if id == "" {
		e.t.Fatalf("CreateIpamResourceDiscovery answered %v", out)
	}
	return id
}
