package conformance

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"
	vpcsdk "github.com/alibabacloud-go/vpc-20160428/v6/client"
	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"
)

// TestSection8Order: the "resulting order for one IPAM" of reference section 8, run step by step on a
// world holding every kind of dependency, with Deleting windows on, tears the IPAM down completely; each
// step waits for the previous one's window as a client must. Nothing outside the plan goes: the VPCs stay,
// the foreign discovery stays with its owner.
func TestSection8Order(t *testing.T) {
	t.Parallel()
	const delay = 20 * time.Second
	e := start(t, withDirectory(rdWorld()), withDeleteDelay(delay))
	w := e.newWorld()
	c := e.ipam(owner)
	wait := func() { e.clock.advance(delay) }
	// The world's external share targets are accepted when the first window ends.
	wait()

	// 1. shares of the IPAM's pools and discoveries: delete the share, wait for Deleted
	e.mustCall(owner, vShare, "DeleteResourceShare", map[string]any{"ResourceShareId": w.share})
	wantErr(t, e.deletePool(owner, hz, w.top), "DependencyViolation.ShareResource", http.StatusBadRequest)
	wait()

	// 2. allocations: Custom and VPC (the VPC keeps its CIDR)
	for _, a := range e.allocations(owner, hz, w.child) {
		if typ := tea.StringValue(a.ResourceType); typ == "Custom" || typ == "VPC" {
			ok(t, release(e, owner, hz, tea.StringValue(a.IpamPoolAllocationId), false), "release "+typ)
		}
	}
	wantErr(t, e.deleteCidr(owner, hz, w.child, "10.1.0.0/16"), "OperationDenied.IpamPoolAllocationExist", http.StatusBadRequest) // rule 19
	wait()

	// 3. CIDRs, deepest pools first
	ok(t, e.deleteCidr(owner, hz, w.child, "10.1.0.0/16"), "deprovision child")
	ok(t, e.deleteCidr(owner, hz, w.top, "10.0.0.0/8"), "deprovision top")
	ok(t, e.deleteCidr(owner, hz, w.cidrPool, "192.168.0.0/16"), "deprovision cidrPool")

	// 4. pools, leaves first, waiting out each level's window
	ok(t, e.deletePool(owner, hz, w.child), "delete child")
	wantErr(t, e.deletePool(owner, hz, w.top), "DependencyViolation.IpamPool", http.StatusBadRequest) // child still Deleting
	wait()
	for _, p := range []string{w.top, w.emptyPool, w.cidrPool} {
		ok(t, e.deletePool(owner, hz, p), "delete pool "+p)
	}
	wait()

	// 5. custom scopes
	for _, s := range []string{w.scope, w.emptyScope} {
		ok(t, e.deleteScope(owner, s), "delete scope "+s)
	}
	wait()

	// 6. non-default associations
	ok(t, dissociate(e, owner, w.ipam, w.foreignRD, false), "dissociate the foreign discovery")

	// 7. members
	e.mustCall(owner, vIpam, "RemoveIpamMembers", map[string]any{"RegionId": hz, "Members": membersArg([]member{{"1000000000000009", "Account"}})})

	// 8. the IPAM, with its default scopes, default discovery and association
	wantErr(t, deleteIpam(e, owner, w.ipam, true), "DryRunOperation", http.StatusBadRequest)
	ok(t, deleteIpam(e, owner, w.ipam, false), "DeleteIpam")
	wait()

	l, err := c.ListIpams(&vpcipam.ListIpamsRequest{RegionId: tea.String(hz)})
	ok(t, err, "ListIpams")
	sc, err := c.ListIpamScopes(&vpcipam.ListIpamScopesRequest{RegionId: tea.String(hz)})
	ok(t, err, "ListIpamScopes")
	pl, err := c.ListIpamPools(&vpcipam.ListIpamPoolsRequest{RegionId: tea.String(hz)})
	ok(t, err, "ListIpamPools")
	if len(l.Body.Ipams)+len(sc.Body.IpamScopes)+len(pl.Body.IpamPools) != 0 {
		t.Fatalf("left after the teardown: %v %v %v", l.Body.Ipams, sc.Body.IpamScopes, pl.Body.IpamPools)
	}
	if rds := e.discoveryIDs(owner, hz); strings.Contains(rds, w.rd) {
		t.Fatalf("the default discovery %s outlived its IPAM: %s", w.rd, rds)
	}
	as := e.mustCall(owner, vIpam, "ListIpamResourceDiscoveryAssociations", map[string]any{"RegionId": hz})
	if l, _ := as["IpamResourceDiscoveryAssociations"].([]any); len(l) != 0 {
		t.Fatalf("associations left: %v", l)
	}
	if rds := e.discoveryIDs(consumer, hz); !strings.Contains(rds, w.foreignRD) {
		t.Fatalf("the foreign discovery went with the IPAM: consumer sees %q", rds)
	}
	if rds := e.discoveryIDs(owner, sh); !strings.Contains(rds, w.loneRD) {
		t.Fatalf("the custom discovery in cn-shanghai went too: %q", rds)
	}
	v, err := e.vpc(owner).DescribeVpcs(&vpcsdk.DescribeVpcsRequest{RegionId: tea.String(hz), VpcId: tea.String(w.vpc)})
	ok(t, err, "DescribeVpcs")
	if vs := v.Body.Vpcs.Vpc; len(vs) != 1 || tea.StringValue(vs[0].Status) != "Available" {
		t.Fatalf("the VPC did not survive the release of its allocations: %v", vs)
	}
}

// discoveryIDs lists the resource discoveries account sees in region, ids joined by spaces.
func (e *env) discoveryIDs(account, region string) string {
	e.t.Helper()
	out := e.mustCall(account, vIpam, "ListIpamResourceDiscoveries", map[string]any{"RegionId": region, "MaxResults": 100})
	var ids []string
	l, _ := out["IpamResourceDiscoveries"].([]any)
	for _, d := range l {
		m, _ := d.(map[string]any)
		id, _ := m["IpamResourceDiscoveryId"].(string)
		ids = append(ids, id)
	}
	return strings.Join(ids, " ")
}
