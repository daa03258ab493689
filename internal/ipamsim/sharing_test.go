package ipamsim

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func unshareRes(shareID, typ, id string) map[string]string {
	return p("ResourceShareId", shareID, "Resources.1.ResourceId", id, "Resources.1.ResourceType", typ)
}

// assocStatus returns the status of the newest association row of entity in the owner's shares.
func assocStatus(t *testing.T, s *Sim, account, typ, entity string) string {
	t.Helper()
	params := p("AssociationType", typ)
	if typ == entityResource {
		params["ResourceId"] = entity
	} else {
		params["Target"] = entity
	}
	rows := items(t, invoke(t, s, account, rsP, "ListResourceShareAssociations", params), "ResourceShareAssociations")
	if len(rows) == 0 {
		return ""
	}
	return str(rows[len(rows)-1], "AssociationStatus")
}

// consumerSeesPool reports whether account lists pool as shared with it, from region.
func consumerSeesPool(t *testing.T, s *Sim, account, region, pool string) bool {
	t.Helper()
	rows := items(t, invoke(t, s, account, ipamP, "ListIpamPools", p("RegionId", region, "IsShared", "true")), "IpamPools")
	return slices.Contains(ids(rows, "IpamPoolId"), pool)
}

// TestSharedPoolRule20 is the multi-account scenario of rule 20: the owner shares a regional pool with a
// consumer in the resource directory; the consumer sees it with IsShared and the owner's OwnerId, creates a
// VPC from it, and can delete, deprovision or release nothing of the owner's; the owner can release the
// consumer's VPC allocation. Unsharing hides the pool but leaves the consumer's allocations (reference 5.1).
func TestSharedPoolRule20(t *testing.T) {
	t.Parallel()
	s := newSim(t, withDirectory)
	f := build(t, s)
	shareID := createShare(t, s, owner, "pools", [][2]string{{sharePool, f.child}}, other)

	rows := items(t, invoke(t, s, other, ipamP, "ListIpamPools", p("RegionId", hz, "IsShared", "true")), "IpamPools")
	if len(rows) != 1 || str(rows[0], "IpamPoolId") != f.child || rows[0]["IsShared"] != true || rows[0]["OwnerId"] != ownerID(owner) {
		t.Fatalf("consumer's shared pools = %v", rows)
	}
	if consumerSeesPool(t, s, another, hz, f.child) {
		t.Fatalf("an account outside the share sees the pool")
	}

	vpcID := str(invoke(t, s, other, vpcP, "CreateVpc", p("RegionId", hz, "Ipv4IpamPoolId", f.child, "Ipv4CidrMask", "24")), "VpcId")
	allocs := items(t, invoke(t, s, owner, ipamP, "ListIpamPoolAllocations", p("RegionId", hz, "IpamPoolId", f.child)), "IpamPoolAllocations")
	var vpcAlloc map[string]any
	for _, a := range allocs {
		if str(a, "ResourceId") == vpcID {
			vpcAlloc = a
		}
	}
	if vpcAlloc == nil || str(vpcAlloc, "ResourceType") != "VPC" || vpcAlloc["ResourceOwnerId"] != ownerID(other) || str(vpcAlloc, "ResourceRegionId") != hz {
		t.Fatalf("the consumer's VPC allocation is missing or wrong: %v", allocs)
	}
	vpcAllocID := str(vpcAlloc, "IpamPoolAllocationId")

	// The consumer can do none of the owner's teardown steps (rule 20).
	wantCode(t, s, other, ipamP, "DeleteIpamPool", p("RegionId", hz, "IpamPoolId", f.child), 400, "OperationDenied.Unauthorized")
	wantCode(t, s, other, ipamP, "DeleteIpamPoolCidr", p("RegionId", hz, "IpamPoolId", f.child, "Cidr", "10.1.0.0/16"), 400, "OperationDenied.Unauthorized")
	wantCode(t, s, other, ipamP, "DeleteIpamPoolAllocation", p("RegionId", hz, "IpamPoolAllocationId", f.alloc), 400, "OperationDenied.Unauthorized")
	wantCode(t, s, other, ipamP, "DeleteIpamPoolAllocation", p("RegionId", hz, "IpamPoolAllocationId", vpcAllocID), 400, "OperationDenied.ResourceTypeIsNotCustom")
	// The owner cannot delete a shared pool (rule 6).
	wantCode(t, s, owner, ipamP, "DeleteIpamPool", p("RegionId", hz, "IpamPoolId", f.child), 400, "DependencyViolation.ShareResource")

	// The owner may release the consumer's VPC allocation; the VPC keeps its CIDR.
	invoke(t, s, owner, ipamP, "DeleteIpamPoolAllocation", p("RegionId", hz, "IpamPoolAllocationId", vpcAllocID))
	vpcs := invoke(t, s, other, vpcP, "DescribeVpcs", p("RegionId", hz, "VpcId", vpcID))
	v := vpcs["Vpcs"].(map[string]any)["Vpc"].([]map[string]any)
	if len(v) != 1 || str(v[0], "CidrBlock") != str(vpcAlloc, "Cidr") || v[0]["OwnerId"] != ownerID(other) {
		t.Fatalf("consumer's VPC after the release = %v", vpcs)
	}

	// A second consumer VPC, then unshare: the pool disappears for the consumer, the allocation stays.
	vpc2 := str(invoke(t, s, other, vpcP, "CreateVpc", p("RegionId", hz, "Ipv4IpamPoolId", f.child, "CidrBlock", "10.1.9.0/24")), "VpcId")
	invoke(t, s, owner, rsP, "DisassociateResourceShare", unshareRes(shareID, sharePool, f.child))
	if consumerSeesPool(t, s, other, hz, f.child) {
		t.Fatalf("the consumer still sees the unshared pool")
	}
	wantCode(t, s, other, vpcP, "CreateVpc", p("RegionId", hz, "Ipv4IpamPoolId", f.child, "Ipv4CidrMask", "24"), 404, "ResourceNotFound.IpamPool")
	allocs = items(t, invoke(t, s, owner, ipamP, "ListIpamPoolAllocations", p("RegionId", hz, "IpamPoolId", f.child)), "IpamPoolAllocations")
	if !slices.Contains(ids(allocs, "ResourceId"), vpc2) {
		t.Fatalf("the consumer's allocation did not survive the unshare: %v", allocs)
	}
	// Deleting the consumer's VPC releases it, even though the pool is no longer shared.
	invoke(t, s, other, vpcP, "DeleteVpc", p("RegionId", hz, "VpcId", vpc2))
	allocs = items(t, invoke(t, s, owner, ipamP, "ListIpamPoolAllocations", p("RegionId", hz, "IpamPoolId", f.child)), "IpamPoolAllocations")
	if slices.Contains(ids(allocs, "ResourceId"), vpc2) {
		t.Fatalf("DeleteVpc did not release the allocation: %v", allocs)
	}
}

// TestAsyncDisassociation covers rule 17 with an injected clock: a disassociation stays Disassociating for
// the DeleteDelay window, during which the pool still counts as shared and the consumer keeps access, then
// turns Disassociated. Re-associating during the window is AssociateConflict; deleting the share is
// DeleteResourceShareConflict.
func TestAsyncDisassociation(t *testing.T) {
	t.Parallel()
	s, clk := simClock(t, withDirectory, withDelay(time.Minute))
	f := build(t, s)
	shareID := createShare(t, s, owner, "pools", [][2]string{{sharePool, f.child}}, other)
	if got := assocStatus(t, s, owner, entityResource, f.child); got != "Associated" {
		t.Fatalf("status after create = %q, want Associated (directory members are accepted at once)", got)
	}
	out := invoke(t, s, owner, rsP, "DisassociateResourceShare", unshareRes(shareID, sharePool, f.child))
	if rows := items(t, out, "ResourceShareAssociations"); len(rows) != 1 || str(rows[0], "AssociationStatus") != "Disassociating" || str(rows[0], "EntityId") != f.child || str(rows[0], "EntityType") != sharePool {
		t.Fatalf("DisassociateResourceShare answered %v", out)
	}
	delPool := p("RegionId", hz, "IpamPoolId", f.child)
	clk.advance(59 * time.Second)
	if got := assocStatus(t, s, owner, entityResource, f.child); got != "Disassociating" {
		t.Fatalf("status inside the window = %q, want Disassociating", got)
	}
	wantCode(t, s, owner, ipamP, "DeleteIpamPool", delPool, 400, "DependencyViolation.ShareResource")
	if !consumerSeesPool(t, s, other, hz, f.child) {
		t.Fatalf("the consumer lost access before the disassociation completed")
	}
	wantCode(t, s, owner, rsP, "AssociateResourceShare", with(unshareRes(shareID, sharePool, f.child)), 409, "AssociateConflict")
	wantCode(t, s, owner, rsP, "DeleteResourceShare", p("ResourceShareId", shareID), 409, "DeleteResourceShareConflict")
	wantCode(t, s, owner, rsP, "DisassociateResourceShare", unshareRes(shareID, sharePool, f.child), 400, "DisassociateInvalid")
	clk.advance(time.Second)
	if got := assocStatus(t, s, owner, entityResource, f.child); got != "Disassociated" {
		t.Fatalf("status after the window = %q, want Disassociated", got)
	}
	if consumerSeesPool(t, s, other, hz, f.child) {
		t.Fatalf("the consumer still sees the pool after the disassociation completed")
	}
	// Past the share check, the pool answers its next prerequisite.
	if e := invokeErr(t, s, owner, ipamP, "DeleteIpamPool", delPool); e == nil || e.Code == "DependencyViolation.ShareResource" {
		t.Fatalf("DeleteIpamPool after the disassociation = %v, want a non-share dependency", e)
	}
	// The share can now be deleted, asynchronously too (rule 18).
	invoke(t, s, owner, rsP, "DeleteResourceShare", p("ResourceShareId", shareID))
	status := func() string {
		rows := items(t, invoke(t, s, owner, rsP, "ListResourceShares", p("ResourceOwner", "Self", "ResourceShareIds.1", shareID)), "ResourceShares")
		if len(rows) != 1 {
			t.Fatalf("ListResourceShares = %v", rows)
		}
		return str(rows[0], "ResourceShareStatus")
	}
	if got := status(); got != "Deleting" {
		t.Fatalf("share status = %q, want Deleting", got)
	}
	wantCode(t, s, owner, rsP, "DeleteResourceShare", p("ResourceShareId", shareID), 409, "DeleteResourceShareConflict")
	clk.advance(time.Minute)
	if got := status(); got != "Deleted" {
		t.Fatalf("share status = %q, want Deleted", got)
	}
	wantCode(t, s, owner, rsP, "DeleteResourceShare", p("ResourceShareId", shareID), 404, "EntityNotExists.ResourceShare")
}

// TestDeleteShareUnshares covers rule 18: deleting a share holding a pool keeps the pool shared (and the
// consumer's access) until the share is Deleted, then releases both; principals' rows become Disassociated.
func TestDeleteShareUnshares(t *testing.T) {
	t.Parallel()
	s, clk := simClock(t, withDirectory, withDelay(10*time.Second))
	f := build(t, s)
	shareID := createShare(t, s, owner, "pools", [][2]string{{sharePool, f.child}}, other)
	invoke(t, s, owner, rsP, "DeleteResourceShare", p("ResourceShareId", shareID))
	wantCode(t, s, owner, ipamP, "DeleteIpamPool", p("RegionId", hz, "IpamPoolId", f.child), 400, "DependencyViolation.ShareResource")
	if !consumerSeesPool(t, s, other, hz, f.child) {
		t.Fatalf("access ended before the share was Deleted")
	}
	clk.advance(10 * time.Second)
	if consumerSeesPool(t, s, other, hz, f.child) {
		t.Fatalf("access survived the share's deletion")
	}
	if got := assocStatus(t, s, owner, entityTarget, other); got != "Disassociated" {
		t.Fatalf("target status = %q, want Disassociated", got)
	}
	if got := s.activeShareIDs(f.child); len(got) != 0 {
		t.Fatalf("activeShareIDs after deletion = %v", got)
	}
}

// TestSharingErrors covers the Resource Sharing codes of reference 5.6 the emulator answers.
func TestSharingErrors(t *testing.T) {
	t.Parallel()
	s, _ := simClock(t, func(o *Options) {
		o.ResourceDirectory = &ResourceDirectory{DelegatedAdmin: owner, Accounts: []string{owner, other}}
	}, withDelay(time.Minute))
	f := build(t, s)
	shareID := createShare(t, s, owner, "pools", [][2]string{{sharePool, f.child}}, other)
	extShare := str(invoke(t, s, owner, rsP, "CreateResourceShare", p("ResourceShareName", "ext", "AllowExternalTargets", "true", "Targets.1", another))["ResourceShare"].(map[string]any), "ResourceShareId")
	otherPool := func() string {
		out := invoke(t, s, other, ipamP, "CreateIpam", p("RegionId", hz, "OperatingRegionList.1", hz))
		sc := str(invoke(t, s, other, ipamP, "CreateIpamScope", p("RegionId", hz, "IpamId", str(out, "IpamId"))), "IpamScopeId")
		return str(invoke(t, s, other, ipamP, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", sc)), "IpamPoolId")
	}()
	tests := []struct {
		name, account, action string
		params                map[string]string
		status                int
		code                  string
	}{
		{"create without a name", owner, "CreateResourceShare", p(), 400, "MissingParameter.ResourceShareName"},
		{"create with a bad name", owner, "CreateResourceShare", p("ResourceShareName", "a b"), 400, "InvalidParameter.ResourceShareName"},
		{"create with a duplicate name", owner, "CreateResourceShare", p("ResourceShareName", "pools"), 409, "EntityAlreadyExists.ResourceShare"},
		{"share an unsupported type", owner, "CreateResourceShare", p("ResourceShareName", "x", "Resources.1.ResourceId", "vsw-1", "Resources.1.ResourceType", "VSwitch"), 400, "InvalidParameter.ResourceType"},
		{"share an unpaired resource", owner, "CreateResourceShare", p("ResourceShareName", "x", "Resources.1.ResourceId", f.top), 400, "InvalidParameter.Resources"},
		{"share another account's pool", owner, "CreateResourceShare", p("ResourceShareName", "x", "Resources.1.ResourceId", otherPool, "Resources.1.ResourceType", sharePool), 404, "EntityNotExists.Resource"},
		{"share with an account outside the directory", owner, "CreateResourceShare", p("ResourceShareName", "x", "Targets.1", another), 409, "AccountNotInResourceDirectory"},
		{"share with oneself", owner, "CreateResourceShare", p("ResourceShareName", "x", "AllowExternalTargets", "true", "Targets.1", owner), 400, "InvalidParameter.Targets"},
		{"six resources", owner, "CreateResourceShare", sixResources(f.top), 400, "InvalidParameter.Resources"},
		{"associate to an unknown share", owner, "AssociateResourceShare", p("ResourceShareId", "rs-nope", "Targets.1", other), 404, "EntityNotExists.ResourceShare"},
		{"associate to another account's share", other, "AssociateResourceShare", p("ResourceShareId", shareID, "Targets.1", owner), 404, "EntityNotExists.ResourceShare"},
		{"associate nothing", owner, "AssociateResourceShare", p("ResourceShareId", shareID), 400, "MissingParameter"},
		{"disassociate an unassociated resource", owner, "DisassociateResourceShare", unshareRes(shareID, sharePool, f.top), 400, "DisassociateInvalid"},
		{"disassociate a pending invitation", owner, "DisassociateResourceShare", p("ResourceShareId", extShare, "Targets.1", another), 409, "DisassociateConflict"},
		{"delete a share with a pending invitation", owner, "DeleteResourceShare", p("ResourceShareId", extShare), 409, "DeleteResourceShareConflict"},
		{"delete an unknown share", owner, "DeleteResourceShare", p("ResourceShareId", "rs-nope"), 404, "EntityNotExists.ResourceShare"},
		{"list shares without ResourceOwner", owner, "ListResourceShares", p(), 400, "MissingParameter.ResourceOwner"},
		{"list shares with a bad ResourceOwner", owner, "ListResourceShares", p("ResourceOwner", "Me"), 400, "InvalidParameter.ResourceOwner"},
		{"list shares with six ids", owner, "ListResourceShares", p("ResourceOwner", "Self", "ResourceShareIds.1", "a", "ResourceShareIds.2", "b", "ResourceShareIds.3", "c", "ResourceShareIds.4", "d", "ResourceShareIds.5", "e", "ResourceShareIds.6", "f"), 400, "InvalidParameter.ResourceShareIds"},
		{"list associations without AssociationType", owner, "ListResourceShareAssociations", p(), 400, "MissingParameter.AssociationType"},
		{"list associations with a bad AssociationType", owner, "ListResourceShareAssociations", p("AssociationType", "Principal"), 400, "InvalidParameter.AssociationType"},
		{"ResourceId with Target", owner, "ListResourceShareAssociations", p("AssociationType", "Target", "ResourceId", f.child), 400, "ConflictedAssociationType"},
		{"Target with Resource", owner, "ListResourceShareAssociations", p("AssociationType", "Resource", "Target", other), 400, "ConflictedAssociationType"},
		{"bad AssociationStatus", owner, "ListResourceShareAssociations", p("AssociationType", "Resource", "AssociationStatus", "Gone"), 400, "InvalidParameter.AssociationStatus"},
		{"MaxResults 0", owner, "ListResourceShareAssociations", p("AssociationType", "Resource", "MaxResults", "0"), 400, "InvalidParameter.MaxResults"},
		{"MaxResults 101", owner, "ListResourceShares", p("ResourceOwner", "Self", "MaxResults", "101"), 400, "InvalidParameter.MaxResults"},
		{"forged NextToken", owner, "ListResourceShares", p("ResourceOwner", "Self", "NextToken", "abc"), 400, "InvalidParameter.NextToken"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, s, tc.account, rsP, tc.action, tc.params, tc.status, tc.code)
		})
	}
}

func sixResources(pool string) map[string]string {
	out := p("ResourceShareName", "six")
	for i := 1; i <= 6; i++ {
		out[fmt.Sprintf("Resources.%d.ResourceId", i)] = pool
		out[fmt.Sprintf("Resources.%d.ResourceType", i)] = sharePool
	}
	return out
}

// TestExternalTarget: a target outside the resource directory needs AllowExternalTargets; its invitation is
// Associating for the window (no access meanwhile), then Associated.
func TestExternalTarget(t *testing.T) {
	t.Parallel()
	s, clk := simClock(t, withDelay(time.Minute)) // no resource directory: every target is external
	f := build(t, s)
	res := p("ResourceShareName", "ext", "AllowExternalTargets", "true", "Resources.1.ResourceId", f.child, "Resources.1.ResourceType", sharePool, "Targets.1", other)
	wantDryRun(t, s, owner, rsP, "CreateResourceShare", res)
	invoke(t, s, owner, rsP, "CreateResourceShare", res)
	if consumerSeesPool(t, s, other, hz, f.child) {
		t.Fatalf("an external target has access before accepting")
	}
	rows := items(t, invoke(t, s, owner, rsP, "ListResourceShareAssociations", p("AssociationType", "Target")), "ResourceShareAssociations")
	if len(rows) != 1 || str(rows[0], "AssociationStatus") != "Associating" || rows[0]["External"] != true || str(rows[0], "EntityType") != "Account" {
		t.Fatalf("target rows = %v", rows)
	}
	clk.advance(time.Minute)
	if !consumerSeesPool(t, s, other, hz, f.child) {
		t.Fatalf("an external target has no access after the invitation window")
	}
	shares := items(t, invoke(t, s, other, rsP, "ListResourceShares", p("ResourceOwner", "OtherAccounts")), "ResourceShares")
	if len(shares) != 1 || str(shares[0], "ResourceShareOwner") != owner || shares[0]["AllowExternalTargets"] != true {
		t.Fatalf("shares seen by the target = %v", shares)
	}
	// A principal cannot leave a share of IPAM pools (reference 5.1).
	wantCode(t, s, other, rsP, "DisassociateResourceShare", p("ResourceShareId", str(shares[0], "ResourceShareId"), "ResourceOwner", "OtherAccounts"), 400, "UnsupportedOperation")
}

// TestShareDryRuns: no mutating sharing call has DryRun (reference 1.6), so each refuses one (UNKNOWN 110) and
// changes nothing.
func TestShareDryRuns(t *testing.T) {
	t.Parallel()
	s := newSim(t, withDirectory)
	f := build(t, s)
	shareID := createShare(t, s, owner, "pools", [][2]string{{sharePool, f.child}}, other)
	wantDryRun(t, s, owner, rsP, "CreateResourceShare", p("ResourceShareName", "new", "Resources.1.ResourceId", f.top, "Resources.1.ResourceType", sharePool))
	wantDryRun(t, s, owner, rsP, "AssociateResourceShare", p("ResourceShareId", shareID, "Targets.1", another))
	wantDryRun(t, s, owner, rsP, "DisassociateResourceShare", unshareRes(shareID, sharePool, f.child))
	wantDryRun(t, s, owner, rsP, "DeleteResourceShare", p("ResourceShareId", shareID))
	if !consumerSeesPool(t, s, other, hz, f.child) {
		t.Fatalf("a dry run unshared the pool")
	}
}

// TestShareAssociationPaging: ListResourceShareAssociations pages 1-100, default 20, with an opaque token
// that returns every row exactly once.
func TestShareAssociationPaging(t *testing.T) {
	t.Parallel()
	var accts []string
	for i := range 25 {
		accts = append(accts, fmt.Sprintf("30000000000000%02d", i))
	}
	s := newSim(t, func(o *Options) {
		o.ResourceDirectory = &ResourceDirectory{DelegatedAdmin: owner, Accounts: append([]string{owner}, accts...)}
	})
	var shareID string
	for i := 0; i < len(accts); i += 5 {
		params := p("ResourceShareName", "s")
		if i == 0 {
			params["ResourceShareName"] = "s"
		}
		for j, a := range accts[i : i+5] {
			params[fmt.Sprintf("Targets.%d", j+1)] = a
		}
		if i == 0 {
			shareID = str(invoke(t, s, owner, rsP, "CreateResourceShare", params)["ResourceShare"].(map[string]any), "ResourceShareId")
			continue
		}
		delete(params, "ResourceShareName")
		params["ResourceShareId"] = shareID
		out := invoke(t, s, owner, rsP, "AssociateResourceShare", params)
		if rows := items(t, out, "ResourceShareAssociations"); len(rows) != 5 || str(rows[0], "AssociationStatus") != "Associated" {
			t.Fatalf("AssociateResourceShare answered %v", out)
		}
	}
	var got []string
	token := ""
	pages := 0
	for {
		params := p("AssociationType", "Target")
		if token != "" {
			params["NextToken"] = token
		}
		out := invoke(t, s, owner, rsP, "ListResourceShareAssociations", params)
		rows := items(t, out, "ResourceShareAssociations")
		if pages == 0 && len(rows) != 20 {
			t.Fatalf("first page holds %d rows, want the default 20", len(rows))
		}
		got = append(got, ids(rows, "EntityId")...)
		pages++
		if token = str(out, "NextToken"); token == "" {
			break
		}
	}
	if pages != 2 || !slices.Equal(got, accts) {
		t.Fatalf("paged %d times, got %v, want %v", pages, got, accts)
	}
}

// TestShareTagsAndReplay: Tag.N on CreateResourceShare is listed and filters ListResourceShares; a
// replayed ClientToken returns the first share and creates no second one.
func TestShareTagsAndReplay(t *testing.T) {
	t.Parallel()
	s := newSim(t, withDirectory)
	create := p("ResourceShareName", "tagged", "Tag.1.Key", "team", "Tag.1.Value", "net", "ClientToken", "tok")
	first := invoke(t, s, owner, rsP, "CreateResourceShare", create)
	again := invoke(t, s, owner, rsP, "CreateResourceShare", create)
	id := str(first["ResourceShare"].(map[string]any), "ResourceShareId")
	if str(again["ResourceShare"].(map[string]any), "ResourceShareId") != id {
		t.Fatalf("replay answered %v, want share %s", again, id)
	}
	createShare(t, s, owner, "plain", nil)
	rows := items(t, invoke(t, s, owner, rsP, "ListResourceShares", p("ResourceOwner", "Self", "Tag.1.Key", "team")), "ResourceShares")
	if len(rows) != 1 || str(rows[0], "ResourceShareId") != id {
		t.Fatalf("tag-filtered shares = %v", rows)
	}
	tags := rows[0]["Tags"].([]map[string]any)
	if len(tags) != 1 || tags[0]["Key"] != "team" || tags[0]["Value"] != "net" {
		t.Fatalf("share tags = %v", tags)
	}
	if all := items(t, invoke(t, s, owner, rsP, "ListResourceShares", p("ResourceOwner", "Self")), "ResourceShares"); len(all) != 2 {
		t.Fatalf("%d shares, want 2 (the replay made none)", len(all))
	}
}
