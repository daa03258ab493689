package conformance

import (
	"net/http"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"
	vpcsdk "github.com/alibabacloud-go/vpc-20160428/v6/client"
	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"
)

// One test per dependency rule of reference section 8: the delete in the wrong order is refused with the
// exact code and status, and succeeds once the prerequisite is gone.

func (e *env) deletePool(account, region, pool string) error {
	_, err := e.ipam(account).DeleteIpamPool(&vpcipam.DeleteIpamPoolRequest{RegionId: tea.String(region), IpamPoolId: tea.String(pool)})
	return err
}

func (e *env) deleteCidr(account, region, pool, cidr string) error {
	_, err := e.ipam(account).DeleteIpamPoolCidr(&vpcipam.DeleteIpamPoolCidrRequest{RegionId: tea.String(region), IpamPoolId: tea.String(pool), Cidr: tea.String(cidr)})
	return err
}

func (e *env) deleteScope(account, scope string) error {
	_, err := e.ipam(account).DeleteIpamScope(&vpcipam.DeleteIpamScopeRequest{RegionId: tea.String(hz), IpamScopeId: tea.String(scope)})
	return err
}

// unshare disassociates resourceID from share.
func (e *env) unshare(account, share, resourceID, resourceType string) {
	e.t.Helper()
	e.mustCall(account, vShare, "DisassociateResourceShare", map[string]any{
		"ResourceShareId": share, "Resources": []map[string]any{{"ResourceId": resourceID, "ResourceType": resourceType}},
	})
}

// shareRowStatus is the AssociationStatus of resourceID's row in share, as its owner lists it.
func (e *env) shareRowStatus(account, share, resourceID string) string {
	e.t.Helper()
	out := e.mustCall(account, vShare, "ListResourceShareAssociations", map[string]any{"AssociationType": "Resource", "ResourceId": resourceID})
	rows, _ := out["ResourceShareAssociations"].([]any)
	for _, r := range rows {
		m, _ := r.(map[string]any)
		if m["ResourceShareId"] == share && m["EntityId"] == resourceID {
			s, _ := m["AssociationStatus"].(string)
			return s
		}
	}
	return ""
}

func TestRule01_AllocationsBeforeCidr(t *testing.T) {
	t.Parallel()
	e := start(t)
	tr := e.newTree(owner)
	custom := e.allocate(owner, hz, tr.child, "10.1.1.0/24")
	e.newVpc(owner, tr.child)
	wantErr(t, e.deleteCidr(owner, hz, tr.child, "10.1.0.0/16"), "OperationDenied.IpamPoolAllocationExist", http.StatusBadRequest)
	ok(t, release(e, owner, hz, custom, false), "release the custom allocation")
	// the VPC allocation still holds the CIDR
	wantErr(t, e.deleteCidr(owner, hz, tr.child, "10.1.0.0/16"), "OperationDenied.IpamPoolAllocationExist", http.StatusBadRequest)
	ok(t, release(e, owner, hz, e.allocationOf(owner, hz, tr.child, "VPC"), false), "release the VPC allocation")
	ok(t, e.deleteCidr(owner, hz, tr.child, "10.1.0.0/16"), "DeleteIpamPoolCidr once empty")
}

func TestRule02_ChildCidrBeforeParentCidr(t *testing.T) {
	t.Parallel()
	e := start(t)
	tr := e.newTree(owner)
	wantErr(t, e.deleteCidr(owner, hz, tr.top, "10.0.0.0/8"), "DependencyViolation.SubCidr", http.StatusBadRequest)
	ok(t, e.deleteCidr(owner, hz, tr.child, "10.1.0.0/16"), "deprovision the child's CIDR")
	if id := e.allocationOf(owner, hz, tr.top, "IpamPool"); id != "" {
		t.Fatalf("the parent still shows the child's allocation %s", id)
	}
	ok(t, e.deleteCidr(owner, hz, tr.top, "10.0.0.0/8"), "deprovision the parent's CIDR")
}

func TestRule03_SubPoolsBeforeParent(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	top := e.newPool(owner, ids.private, "", "")
	child := e.newPool(owner, ids.private, top, "")
	wantErr(t, e.deletePool(owner, hz, top), "DependencyViolation.IpamPool", http.StatusBadRequest)
	ok(t, e.deletePool(owner, hz, child), "delete the leaf")
	ok(t, e.deletePool(owner, hz, top), "delete the parent")
}

func TestRule04_RegionPoolWithAllocations(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	pool := e.newPool(owner, ids.private, "", hz)
	e.addCidr(owner, pool, "10.0.0.0/16")
	a := e.allocate(owner, hz, pool, "10.0.1.0/24")
	wantErr(t, e.deletePool(owner, hz, pool), "OperationDenied.PoolRegionNotSupportDeletePool", http.StatusBadRequest)
	ok(t, release(e, owner, hz, a, false), "release")
	ok(t, e.deleteCidr(owner, hz, pool, "10.0.0.0/16"), "deprovision")
	ok(t, e.deletePool(owner, hz, pool), "delete the pool")
}

func TestRule05_CidrsAndCustomAllocationsBeforePool(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	pool := e.newPool(owner, ids.private, "", "") // no PoolRegionId: rule 4 does not apply
	e.addCidr(owner, pool, "192.168.0.0/16")
	a := e.allocate(owner, hz, pool, "192.168.1.0/24")
	wantErr(t, e.deletePool(owner, hz, pool), "DependencyViolation.CustomPoolAllocation", http.StatusBadRequest)
	ok(t, release(e, owner, hz, a, false), "release")
	wantErr(t, e.deletePool(owner, hz, pool), "DependencyViolation.PoolCidr", http.StatusBadRequest)
	ok(t, e.deleteCidr(owner, hz, pool, "192.168.0.0/16"), "deprovision")
	ok(t, e.deletePool(owner, hz, pool), "delete the pool")
}

func TestRule06_SharesBeforePool(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	pool := e.newPool(owner, ids.private, "", hz)
	share := e.share(owner, pool, "IpamPool", consumer)
	wantErr(t, e.deletePool(owner, hz, pool), "DependencyViolation.ShareResource", http.StatusBadRequest)
	e.unshare(owner, share, pool, "IpamPool")
	if st := e.shareRowStatus(owner, share, pool); st != "Disassociated" {
		t.Fatalf("row status %q after an undelayed disassociation, want Disassociated", st)
	}
	ok(t, e.deletePool(owner, hz, pool), "delete the unshared pool")
}

func TestRule07_PoolsBeforeScope(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	scope := e.newScope(owner, ids.ipam)
	pool := e.newPool(owner, scope, "", "")
	wantErr(t, e.deleteScope(owner, scope), "DependencyViolation.IpamPool", http.StatusBadRequest)
	ok(t, e.deletePool(owner, hz, pool), "delete the pool")
	ok(t, e.deleteScope(owner, scope), "delete the scope")
}

func TestRule08_DefaultScopesNeverDeleted(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	for _, s := range []string{ids.private, ids.public} {
		wantErr(t, e.deleteScope(owner, s), "OperationDenied.DeleteDefaultScope", http.StatusBadRequest)
	}
	ok(t, deleteIpam(e, owner, ids.ipam, false), "DeleteIpam takes the default scopes")
	r, err := e.ipam(owner).ListIpamScopes(&vpcipam.ListIpamScopesRequest{RegionId: tea.String(hz)})
	ok(t, err, "ListIpamScopes")
	if len(r.Body.IpamScopes) != 0 {
		t.Fatalf("scopes left after DeleteIpam: %v", r.Body.IpamScopes)
	}
}

func TestRule09_AllPoolsBeforeIpam(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	r, err := e.ipam(owner).CreateIpamPool(&vpcipam.CreateIpamPoolRequest{RegionId: tea.String(hz), IpamScopeId: tea.String(ids.public), IpVersion: tea.String("IPv6"), PoolRegionId: tea.String(hz)})
	ok(t, err, "CreateIpamPool in the public default scope")
	wantErr(t, deleteIpam(e, owner, ids.ipam, false), "OperationFailed.IpamPoolExist", http.StatusBadRequest)
	ok(t, e.deletePool(owner, hz, tea.StringValue(r.Body.IpamPoolId)), "delete the pool")
	ok(t, deleteIpam(e, owner, ids.ipam, false), "DeleteIpam")
}

func TestRule10_CustomScopesBeforeIpam(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	scope := e.newScope(owner, ids.ipam)
	wantErr(t, deleteIpam(e, owner, ids.ipam, false), "OperationFailed.IpamScopeExist", http.StatusBadRequest)
	ok(t, e.deleteScope(owner, scope), "delete the custom scope")
	ok(t, deleteIpam(e, owner, ids.ipam, false), "DeleteIpam")
}

func TestRule11_DefaultDiscoveryUnsharedBeforeIpam(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	share := e.share(owner, ids.rd, "IpamResourceDiscovery", consumer)
	wantErr(t, deleteIpam(e, owner, ids.ipam, false), "DependencyViolation.ShareResource", http.StatusBadRequest)
	e.mustCall(owner, vShare, "DeleteResourceShare", map[string]any{"ResourceShareId": share})
	ok(t, deleteIpam(e, owner, ids.ipam, false), "DeleteIpam after the share is deleted")
}

func TestRule12_ForeignDiscoveryDissociatedBeforeIpam(t *testing.T) {
	t.Parallel()
	t.Run("dissociate", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		ids, rd := foreignAssociated(e)
		wantErr(t, deleteIpam(e, owner, ids.ipam, false), "OperationDenied.SharedResourceDiscoveryAssociated", http.StatusBadRequest)
		ok(t, dissociate(e, owner, ids.ipam, rd, false), "dissociate")
		ok(t, deleteIpam(e, owner, ids.ipam, false), "DeleteIpam")
	})
	t.Run("owner unshares", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		rd := e.newDiscovery(consumer)
		share := e.share(consumer, rd, "IpamResourceDiscovery", owner)
		ids := e.newIpam(owner)
		e.mustCall(owner, vIpam, "AssociateIpamResourceDiscovery", map[string]any{"RegionId": hz, "IpamId": ids.ipam, "IpamResourceDiscoveryId": rd})
		wantErr(t, deleteIpam(e, owner, ids.ipam, false), "OperationDenied.SharedResourceDiscoveryAssociated", http.StatusBadRequest)
		e.unshare(consumer, share, rd, "IpamResourceDiscovery") // removes the association automatically
		ok(t, deleteIpam(e, owner, ids.ipam, false), "DeleteIpam")
	})
}

func TestRule13_MembersRemovedBeforeIpam(t *testing.T) {
	t.Parallel()
	e := start(t, withDirectory(directory()))
	ids := e.newIpam(owner)
	e.addMembers(owner, hz, member{"fd-team", "Folder"})
	members := func() []any {
		out := e.mustCall(owner, vIpam, "ListIpamMembers", map[string]any{"RegionId": hz})
		ms, _ := out["MemberInfos"].([]any)
		return ms
	}
	if ms := members(); len(ms) != 1 {
		t.Fatalf("ListIpamMembers after adding a folder: %v", ms)
	}
	wantErr(t, deleteIpam(e, owner, ids.ipam, false), "DependencyViolation.IpamMembers", http.StatusBadRequest)
	e.mustCall(owner, vIpam, "RemoveIpamMembers", map[string]any{"RegionId": hz, "Members": membersArg([]member{{"fd-team", "Folder"}})})
	if ms := members(); len(ms) != 0 {
		t.Fatalf("members left after RemoveIpamMembers: %v", ms)
	}
	ok(t, deleteIpam(e, owner, ids.ipam, false), "DeleteIpam")
}

func TestRule14_DefaultDiscoveryGoesOnlyWithIpam(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	wantErr(t, dissociate(e, owner, ids.ipam, ids.rd, false), "OperationDenied.DissociateSelfSystemIpamResourceDiscovery", http.StatusBadRequest)
	_, err := e.call(owner, vIpam, "DeleteIpamResourceDiscovery", map[string]any{"RegionId": hz, "IpamResourceDiscoveryId": ids.rd})
	wantErr(t, err, "OperationDenied.DeleteSystemIpamResourceDiscovery", http.StatusBadRequest)
	lists := []struct{ action, key string }{
		{"ListIpamResourceDiscoveries", "IpamResourceDiscoveries"},
		{"ListIpamResourceDiscoveryAssociations", "IpamResourceDiscoveryAssociations"},
	}
	count := func(action, key string) int {
		out := e.mustCall(owner, vIpam, action, map[string]any{"RegionId": hz})
		l, _ := out[key].([]any)
		return len(l)
	}
	for _, c := range lists {
		if n := count(c.action, c.key); n != 1 {
			t.Fatalf("%s lists %d before DeleteIpam, want the default one", c.action, n)
		}
	}
	ok(t, deleteIpam(e, owner, ids.ipam, false), "DeleteIpam")
	for _, c := range lists {
		if n := count(c.action, c.key); n != 0 {
			t.Fatalf("%s lists %d after DeleteIpam", c.action, n)
		}
	}
}

func TestRule15_CustomDiscoveryUnsharedBeforeDelete(t *testing.T) {
	t.Parallel()
	e := start(t)
	rd := e.newDiscovery(owner)
	share := e.share(owner, rd, "IpamResourceDiscovery", consumer)
	del := func(account string) error {
		_, err := e.call(account, vIpam, "DeleteIpamResourceDiscovery", map[string]any{"RegionId": hz, "IpamResourceDiscoveryId": rd})
		return err
	}
	wantErr(t, del(owner), "DependencyViolation.ShareResource", http.StatusBadRequest)
	wantErr(t, del(consumer), "OperationDenied.Unauthorized", http.StatusBadRequest) // only the owner deletes
	e.unshare(owner, share, rd, "IpamResourceDiscovery")
	ok(t, del(owner), "DeleteIpamResourceDiscovery once unshared")
}

func TestRule16_CustomDiscoveryDissociatedBeforeDelete(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids, rd := foreignAssociated(e)
	del := func() error {
		_, err := e.call(consumer, vIpam, "DeleteIpamResourceDiscovery", map[string]any{"RegionId": hz, "IpamResourceDiscoveryId": rd})
		return err
	}
	wantErr(t, del(), "DependencyViolation.ResourceDiscoveryAssociation", http.StatusBadRequest)
	ok(t, dissociate(e, consumer, ids.ipam, rd, false), "the discovery's owner dissociates")
	wantErr(t, del(), "DependencyViolation.ShareResource", http.StatusBadRequest) // still shared (rule 15)
}

func TestRule17_ShareDisassociationFinishesBeforeIpamDelete(t *testing.T) {
	t.Parallel()
	e := start(t, withDeleteDelay(time.Minute))
	ids := e.newIpam(owner)
	share := e.share(owner, ids.rd, "IpamResourceDiscovery", consumer)
	e.unshare(owner, share, ids.rd, "IpamResourceDiscovery")
	if st := e.shareRowStatus(owner, share, ids.rd); st != "Disassociating" {
		t.Fatalf("row status %q during the window, want Disassociating", st)
	}
	wantErr(t, deleteIpam(e, owner, ids.ipam, false), "DependencyViolation.ShareResource", http.StatusBadRequest)
	e.clock.advance(time.Minute)
	if st := e.shareRowStatus(owner, share, ids.rd); st != "Disassociated" {
		t.Fatalf("row status %q after the window, want Disassociated", st)
	}
	ok(t, deleteIpam(e, owner, ids.ipam, false), "DeleteIpam once Disassociated")
}

func TestRule18_ShareDeletionFinishes(t *testing.T) {
	t.Parallel()
	e := start(t, withDeleteDelay(time.Minute))
	ids := e.newIpam(owner)
	pool := e.newPool(owner, ids.private, "", hz)
	share := e.share(owner, pool, "IpamPool", consumer)
	e.clock.advance(time.Minute) // the external target's invitation is accepted when the window ends
	e.mustCall(owner, vShare, "DeleteResourceShare", map[string]any{"ResourceShareId": share})
	_, err := e.call(owner, vShare, "DeleteResourceShare", map[string]any{"ResourceShareId": share})
	wantErr(t, err, "DeleteResourceShareConflict", http.StatusConflict)
	wantErr(t, e.deletePool(owner, hz, pool), "DependencyViolation.ShareResource", http.StatusBadRequest)
	e.clock.advance(time.Minute)
	out := e.mustCall(owner, vShare, "ListResourceShares", map[string]any{"ResourceOwner": "Self", "ResourceShareIds": []string{share}})
	rs, _ := out["ResourceShares"].([]any)
	if len(rs) != 1 || rs[0].(map[string]any)["ResourceShareStatus"] != "Deleted" {
		t.Fatalf("share after the window: %v", rs)
	}
	ok(t, e.deletePool(owner, hz, pool), "DeleteIpamPool once the share is Deleted")
}

func TestRule19_ReleaseRacesAndDeletingWindows(t *testing.T) {
	t.Parallel()
	e := start(t, withDeleteDelay(30*time.Second))
	tr := e.newTree(owner)
	a := e.allocate(owner, hz, tr.child, "10.1.1.0/24")
	ok(t, release(e, owner, hz, a, false), "release")
	if id := e.allocationOf(owner, hz, tr.child, "Custom"); id != "" {
		t.Fatalf("released allocation %s still listed", id)
	}
	// the release is not yet visible to the deprovision check
	wantErr(t, e.deleteCidr(owner, hz, tr.child, "10.1.0.0/16"), "OperationDenied.IpamPoolAllocationExist", http.StatusBadRequest)
	e.clock.advance(30 * time.Second)
	ok(t, e.deleteCidr(owner, hz, tr.child, "10.1.0.0/16"), "deprovision after the window")
	// a pool delete opens a Deleting window: listed as Deleting, a second delete conflicts
	ok(t, e.deletePool(owner, hz, tr.child), "DeleteIpamPool")
	if st := e.poolStatus(owner, tr.child); st != "Deleting" {
		t.Fatalf("pool status %q during the window, want Deleting", st)
	}
	wantErr(t, e.deletePool(owner, hz, tr.child), "OperationConflict", http.StatusBadRequest)
	_, err := e.ipam(owner).AddIpamPoolCidr(&vpcipam.AddIpamPoolCidrRequest{RegionId: tea.String(hz), IpamPoolId: tea.String(tr.child), Cidr: tea.String("10.2.0.0/16")})
	wantErr(t, err, "OperationConflict", http.StatusBadRequest)
	e.clock.advance(30 * time.Second)
	if st := e.poolStatus(owner, tr.child); st != "" {
		t.Fatalf("pool still listed as %q after the window", st)
	}
}

func TestRule20_OnlyOwnerDeletesSharedPool(t *testing.T) {
	t.Parallel()
	e := start(t)
	tr := sharedChild(e)
	e.newVpc(owner, tr.child)
	ownerVpcAlloc := e.allocationOf(owner, hz, tr.child, "VPC")
	e.newVpc(consumer, tr.child)
	mine := e.allocate(consumer, hz, tr.child, "10.1.200.0/24")

	wantErr(t, e.deletePool(consumer, hz, tr.child), "OperationDenied.Unauthorized", http.StatusBadRequest)
	wantErr(t, e.deleteCidr(consumer, hz, tr.child, "10.1.0.0/16"), "OperationDenied.Unauthorized", http.StatusBadRequest)
	_, err := e.ipam(consumer).AddIpamPoolCidr(&vpcipam.AddIpamPoolCidrRequest{RegionId: tea.String(hz), IpamPoolId: tea.String(tr.child), Cidr: tea.String("10.1.0.0/16")})
	wantErr(t, err, "OperationDenied.Unauthorized", http.StatusBadRequest)
	mine2 := e.newIpam(consumer)
	_, err = e.ipam(consumer).CreateIpamPool(&vpcipam.CreateIpamPoolRequest{RegionId: tea.String(hz), IpamScopeId: tea.String(mine2.private), SourceIpamPoolId: tea.String(tr.child)})
	wantErr(t, err, "OperationDenied.Unauthorized", http.StatusBadRequest)
	wantErr(t, release(e, consumer, hz, ownerVpcAlloc, false), "OperationDenied.ResourceTypeIsNotCustom", http.StatusBadRequest)
	ok(t, release(e, consumer, hz, mine, false), "a consumer releases its own custom allocation")
	// the owner may release the consumer's VPC allocation
	for _, a := range e.allocations(owner, hz, tr.child) {
		if tea.StringValue(a.ResourceType) == "VPC" && tea.Int64Value(a.ResourceOwnerId) == 1000000000000002 {
			ok(t, release(e, owner, hz, tea.StringValue(a.IpamPoolAllocationId), false), "the owner releases the consumer's VPC allocation")
			return
		}
	}
	t.Fatal("the owner does not see the consumer's VPC allocation with ResourceOwnerId")
}

func TestRule21_VpcDeleteReleasesAllocation(t *testing.T) {
	t.Parallel()
	e := start(t, withDeleteDelay(time.Minute))
	tr := e.newTree(owner)
	vpcID := e.newVpc(owner, tr.child)
	sec, err := e.vpc(owner).AssociateVpcCidrBlock(&vpcsdk.AssociateVpcCidrBlockRequest{RegionId: tea.String(hz), VpcId: tea.String(vpcID), IpamPoolId: tea.String(tr.child), SecondaryCidrMask: tea.Int32(24)})
	ok(t, err, "AssociateVpcCidrBlock")
	if n := len(e.allocations(owner, hz, tr.child)); n != 2 {
		t.Fatalf("%d allocations for a VPC with a secondary block, want 2", n)
	}
	_, err = e.vpc(owner).UnassociateVpcCidrBlock(&vpcsdk.UnassociateVpcCidrBlockRequest{RegionId: tea.String(hz), VpcId: tea.String(vpcID), SecondaryCidrBlock: sec.Body.CidrBlock})
	ok(t, err, "UnassociateVpcCidrBlock")
	if n := len(e.allocations(owner, hz, tr.child)); n != 1 {
		t.Fatalf("%d allocations after UnassociateVpcCidrBlock, want 1", n)
	}
	_, err = e.vpc(owner).DeleteVpc(&vpcsdk.DeleteVpcRequest{RegionId: tea.String(hz), VpcId: tea.String(vpcID)})
	ok(t, err, "DeleteVpc")
	// asynchronous: Deleting, allocation still held, and the VPC is not Available any more
	if n := len(e.allocations(owner, hz, tr.child)); n != 1 {
		t.Fatalf("%d allocations while the VPC is Deleting, want 1", n)
	}
	_, err = e.vpc(owner).DeleteVpc(&vpcsdk.DeleteVpcRequest{RegionId: tea.String(hz), VpcId: tea.String(vpcID)})
	wantErr(t, err, "IncorrectVpcStatus", http.StatusBadRequest)
	e.clock.advance(2 * time.Minute) // VPC gone, then its release window ends too
	if n := len(e.allocations(owner, hz, tr.child)); n != 0 {
		t.Fatalf("%d allocations after the VPC is gone, want 0", n)
	}
	ok(t, e.deleteCidr(owner, hz, tr.child, "10.1.0.0/16"), "deprovision once the VPC is gone")
}

func TestRule22_RegionRouting(t *testing.T) {
	t.Parallel()
	e := start(t)
	tr := e.newTree(owner)
	// allocation calls go to the pool's region
	_, err := e.ipam(owner).CreateIpamPoolAllocation(&vpcipam.CreateIpamPoolAllocationRequest{RegionId: tea.String(sh), IpamPoolId: tea.String(tr.child), Cidr: tea.String("10.1.9.0/24")})
	wantErr(t, err, "OperationDenied.RequestRegionInvalid", http.StatusBadRequest)
	a := e.allocate(owner, hz, tr.child, "10.1.9.0/24")
	wantErr(t, release(e, owner, sh, a, false), "OperationDenied.RequestRegionInvalid", http.StatusBadRequest)
	_, err = e.ipam(owner).ListIpamPoolAllocations(&vpcipam.ListIpamPoolAllocationsRequest{RegionId: tea.String(sh), IpamPoolId: tea.String(tr.child)})
	wantErr(t, err, "OperationDenied.RequestRegionInvalid", http.StatusBadRequest)
	_, err = e.call(owner, vIpam, "GetIpamPoolAllocation", map[string]any{"RegionId": sh, "IpamPoolAllocationId": a})
	wantErr(t, err, "ResourceNotFound.IpamPoolAllocation", http.StatusBadRequest)
	ok(t, release(e, owner, hz, a, false), "release in the pool's region")
	// CIDR and pool/scope/IPAM deletes go to the hosted region: elsewhere the object is not found
	wantErr(t, e.deleteCidr(owner, sh, tr.child, "10.1.0.0/16"), "ResourceNotFound.IpamPool", http.StatusNotFound)
	ok(t, e.deleteCidr(owner, hz, tr.child, "10.1.0.0/16"), "deprovision in the hosted region")
	wantErr(t, e.deletePool(owner, sh, tr.child), "ResourceNotFound.IpamPool", http.StatusNotFound)
	ok(t, e.deletePool(owner, hz, tr.child), "delete in the hosted region")
	_, err = e.ipam(owner).DeleteIpamScope(&vpcipam.DeleteIpamScopeRequest{RegionId: tea.String(sh), IpamScopeId: tea.String(tr.scope)})
	wantErr(t, err, "ResourceNotFound.IpamScope", http.StatusBadRequest)
	_, err = e.ipam(owner).DeleteIpam(&vpcipam.DeleteIpamRequest{RegionId: tea.String(sh), IpamId: tea.String(tr.ipam)})
	wantErr(t, err, "ResourceNotFound.Ipam", http.StatusBadRequest)
}
