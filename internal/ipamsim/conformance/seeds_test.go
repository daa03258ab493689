package conformance

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/alibabacloud-go/tea/tea"
	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
)

// One test per error code of the seed pages (reference 0.5), each asserting the exact code and HTTP status
// the official SDK surfaces.

func deleteIpam(e *env, account, id string, dry bool) error {
	_, err := e.ipam(account).DeleteIpam(&vpcipam.DeleteIpamRequest{RegionId: tea.String(hz), IpamId: tea.String(id), DryRun: tea.Bool(dry)})
	return err
}

// --- seed 000: DeleteIpam -------------------------------------------------------------------------------

func TestSeed000_ResourceNotFoundIpam(t *testing.T) {
	t.Parallel()
	e := start(t)
	wantSeedErr(t, "000", deleteIpam(e, owner, "ipam-doesnotexist0000", false), "ResourceNotFound.Ipam", http.StatusBadRequest)
}

func TestSeed000_OperationFailedIpamScopeExist(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	e.newScope(owner, ids.ipam)
	wantSeedErr(t, "000", deleteIpam(e, owner, ids.ipam, false), "OperationFailed.IpamScopeExist", http.StatusBadRequest)
}

func TestSeed000_OperationFailedIpamPoolExist(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	e.newPool(owner, ids.private, "", "") // a pool in a default scope: no custom scope to hide behind
	wantSeedErr(t, "000", deleteIpam(e, owner, ids.ipam, false), "OperationFailed.IpamPoolExist", http.StatusBadRequest)
}

func TestSeed000_DryRunOperation(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	wantSeedErr(t, "000", deleteIpam(e, owner, ids.ipam, true), "DryRunOperation", http.StatusBadRequest)
	ok(t, deleteIpam(e, owner, ids.ipam, false), "DeleteIpam after the dry run")
}

func TestSeed000_OperationDeniedSharedResourceDiscoveryAssociated(t *testing.T) {
	t.Parallel()
	e := start(t)
	// consumer owns a custom discovery in hz (no IPAM there) and shares it with owner, who associates it.
	rd := e.newDiscovery(consumer)
	e.share(consumer, rd, "IpamResourceDiscovery", owner)
	ids := e.newIpam(owner)
	e.mustCall(owner, vIpam, "AssociateIpamResourceDiscovery", map[string]any{"RegionId": hz, "IpamId": ids.ipam, "IpamResourceDiscoveryId": rd})
	wantSeedErr(t, "000", deleteIpam(e, owner, ids.ipam, false), "OperationDenied.SharedResourceDiscoveryAssociated", http.StatusBadRequest)
}

func TestSeed000_DependencyViolationShareResource(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	e.share(owner, ids.rd, "IpamResourceDiscovery", consumer)
	wantSeedErr(t, "000", deleteIpam(e, owner, ids.ipam, false), "DependencyViolation.ShareResource", http.StatusBadRequest)
}

func TestSeed000_DependencyViolationIpamMembers(t *testing.T) {
	t.Parallel()
	e := start(t, withDirectory(directory()))
	ids := e.newIpam(owner)
	e.addMembers(owner, hz, member{consumer, "Account"})
	wantSeedErr(t, "000", deleteIpam(e, owner, ids.ipam, false), "DependencyViolation.IpamMembers", http.StatusBadRequest)
}

// --- seed 001: DeleteIpamPoolAllocation -----------------------------------------------------------------

func release(e *env, account, region, id string, dry bool) error {
	_, err := e.ipam(account).DeleteIpamPoolAllocation(&vpcipam.DeleteIpamPoolAllocationRequest{
		RegionId: tea.String(region), IpamPoolAllocationId: tea.String(id), DryRun: tea.Bool(dry),
	})
	return err
}

// sharedChild is a tree whose child pool (PoolRegionId hz) is shared with consumer.
func sharedChild(e *env) tree {
	e.t.Helper()
	tr := e.newTree(owner)
	e.share(owner, tr.child, "IpamPool", consumer)
	return tr
}

func TestSeed001_OperationDeniedResourceTypeIsNotCustom(t *testing.T) {
	t.Parallel()
	e := start(t)
	tr := sharedChild(e)
	e.newVpc(consumer, tr.child) // the consumer's VPC allocation in the owner's pool
	id := e.allocationOf(consumer, hz, tr.child, "VPC")
	if id == "" {
		t.Fatal("the consumer sees no VPC allocation of its VPC")
	}
	// A consumer may release only Custom allocations (rule 20).
	wantSeedErr(t, "001", release(e, consumer, hz, id, false), "OperationDenied.ResourceTypeIsNotCustom", http.StatusBadRequest)
}

func TestSeed001_DryRunOperation(t *testing.T) {
	t.Parallel()
	e := start(t)
	tr := e.newTree(owner)
	id := e.allocate(owner, hz, tr.child, "10.1.1.0/24")
	wantSeedErr(t, "001", release(e, owner, hz, id, true), "DryRunOperation", http.StatusBadRequest)
	ok(t, release(e, owner, hz, id, false), "release after the dry run")
}

func TestSeed001_ResourceNotFoundIpamPoolAllocation(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.newTree(owner)
	wantSeedErr(t, "001", release(e, owner, hz, "ipam-alloc-doesnotexist00", false), "ResourceNotFound.IpamPoolAllocation", http.StatusBadRequest)
}

func TestSeed001_OperationDeniedUnexpectedResourceType(t *testing.T) {
	t.Parallel()
	e := start(t)
	tr := e.newTree(owner)
	id := e.allocationOf(owner, hz, tr.top, "IpamPool") // the child's CIDR, as seen in the parent
	if id == "" {
		t.Fatal("the parent shows no IpamPool-type allocation for its child's CIDR")
	}
	wantSeedErr(t, "001", release(e, owner, hz, id, false), "OperationDenied.UnexpectedResourceType", http.StatusBadRequest)
}

func TestSeed001_OperationDeniedUnauthorized(t *testing.T) {
	t.Parallel()
	e := start(t)
	tr := sharedChild(e)
	e.share(owner, tr.child, "IpamPool", third)
	id := e.allocate(third, hz, tr.child, "10.1.2.0/24")
	// consumer releasing third's custom allocation in owner's pool.
	wantSeedErr(t, "001", release(e, consumer, hz, id, false), "OperationDenied.Unauthorized", http.StatusBadRequest)
}

func TestSeed001_OperationDeniedRequestRegionInvalid(t *testing.T) {
	t.Parallel()
	e := start(t)
	tr := e.newTree(owner)
	id := e.allocate(owner, hz, tr.child, "10.1.1.0/24")
	wantSeedErr(t, "001", release(e, owner, sh, id, false), "OperationDenied.RequestRegionInvalid", http.StatusBadRequest)
}

func TestSeed001_OperationDeniedIpv6VpcNotSupport(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	r, err := e.ipam(owner).CreateIpamPool(&vpcipam.CreateIpamPoolRequest{
		RegionId: tea.String(hz), IpamScopeId: tea.String(ids.public), IpVersion: tea.String("IPv6"), PoolRegionId: tea.String(hz),
	})
	ok(t, err, "CreateIpamPool IPv6")
	pool := tea.StringValue(r.Body.IpamPoolId)
	e.mustCall(owner, vIpam, "AddIpamPoolCidr", map[string]any{"RegionId": hz, "IpamPoolId": pool, "NetmaskLength": 48})
	e.newIpv6Vpc(owner, pool)
	id := e.allocationOf(owner, hz, pool, "VPC")
	if id == "" {
		t.Fatal("no VPC allocation for the IPv6 VPC")
	}
	wantSeedErr(t, "001", release(e, owner, hz, id, false), "OperationDenied.Ipv6VpcNotSupport", http.StatusBadRequest)
}

func TestSeed001_ResourceNotFoundIpamPool(t *testing.T) {
	t.Parallel()
	e := start(t)
	// v1.0.3 still sends IpamPoolId; a pool that does not exist answers 404 (seed 001's only 404).
	_, err := e.ipam(owner).DeleteIpamPoolAllocation(&vpcipam.DeleteIpamPoolAllocationRequest{
		RegionId: tea.String(hz), IpamPoolAllocationId: tea.String("ipam-alloc-doesnotexist00"), IpamPoolId: tea.String("ipam-pool-doesnotexist00"),
	})
	wantSeedErr(t, "001", err, "ResourceNotFound.IpamPool", http.StatusNotFound)
}

// --- seed 002: DissociateIpamResourceDiscovery ----------------------------------------------------------

func dissociate(e *env, account, ipamID, rd string, dry bool) error {
	_, err := e.call(account, vIpam, "DissociateIpamResourceDiscovery", map[string]any{"RegionId": hz, "IpamId": ipamID, "IpamResourceDiscoveryId": rd, "DryRun": dry})
	return err
}

// foreignAssociated is an owner IPAM with consumer's shared custom discovery associated.
func foreignAssociated(e *env) (ipamIDs, string) {
	e.t.Helper()
	rd := e.newDiscovery(consumer)
	e.share(consumer, rd, "IpamResourceDiscovery", owner)
	ids := e.newIpam(owner)
	e.mustCall(owner, vIpam, "AssociateIpamResourceDiscovery", map[string]any{"RegionId": hz, "IpamId": ids.ipam, "IpamResourceDiscoveryId": rd})
	return ids, rd
}

func TestSeed002_DryRunOperation(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids, rd := foreignAssociated(e)
	wantSeedErr(t, "002", dissociate(e, owner, ids.ipam, rd, true), "DryRunOperation", http.StatusBadRequest)
	ok(t, dissociate(e, owner, ids.ipam, rd, false), "dissociate after the dry run")
}

func TestSeed002_ResourceNotFoundIpamResourceDiscovery(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	wantSeedErr(t, "002", dissociate(e, owner, ids.ipam, "ipam-res-disco-doesnotexist0", false), "ResourceNotFound.IpamResourceDiscovery", http.StatusBadRequest)
}

func TestSeed002_ResourceNotFoundIpam(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids, rd := foreignAssociated(e)
	_ = ids
	wantSeedErr(t, "002", dissociate(e, owner, "ipam-doesnotexist0000", rd, false), "ResourceNotFound.Ipam", http.StatusBadRequest)
}

func TestSeed002_ResourceNotFoundResourceDiscoveryAssociation(t *testing.T) {
	t.Parallel()
	e := start(t)
	rd := e.newDiscovery(consumer)
	e.share(consumer, rd, "IpamResourceDiscovery", owner)
	ids := e.newIpam(owner) // shared with owner but never associated
	wantSeedErr(t, "002", dissociate(e, owner, ids.ipam, rd, false), "ResourceNotFound.ResourceDiscoveryAssociation", http.StatusBadRequest)
}

func TestSeed002_OperationDeniedDissociateSelfSystemIpamResourceDiscovery(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	wantSeedErr(t, "002", dissociate(e, owner, ids.ipam, ids.rd, false), "OperationDenied.DissociateSelfSystemIpamResourceDiscovery", http.StatusBadRequest)
}

// --- seed 003: AddIpamMembers ---------------------------------------------------------------------------

// directory: owner is the delegated administrator; folder fd-team holds consumer and third.
func directory() *ipamsim.ResourceDirectory {
	return &ipamsim.ResourceDirectory{
		DelegatedAdmin: owner,
		Accounts:       []string{owner, consumer, third},
		Folders:        map[string][]string{"fd-team": {consumer, third}},
	}
}

type member struct{ id, typ string }

func membersArg(ms []member) []map[string]any {
	out := make([]map[string]any, len(ms))
	for i, m := range ms {
		out[i] = map[string]any{"MemberId": m.id, "MemberType": m.typ}
	}
	return out
}

func (e *env) tryAddMembers(account, region string, ms ...member) error {
	_, err := e.call(account, vIpam, "AddIpamMembers", map[string]any{"RegionId": region, "Members": membersArg(ms)})
	return err
}

func (e *env) addMembers(account, region string, ms ...member) {
	e.t.Helper()
	ok(e.t, e.tryAddMembers(account, region, ms...), "AddIpamMembers")
}

func TestSeed003_OperationDeniedMemberIdNotMatchMemberType(t *testing.T) {
	t.Parallel()
	e := start(t, withDirectory(directory()))
	e.newIpam(owner)
	wantSeedErr(t, "003", e.tryAddMembers(owner, hz, member{"fd-team", "Account"}), "OperationDenied.MemberIdNotMatchMemberType", http.StatusBadRequest)
}

func TestSeed003_OperationDeniedMemberExistInIpamRDService(t *testing.T) {
	t.Parallel()
	e := start(t, withDirectory(directory()))
	e.newIpam(owner)
	e.addMembers(owner, hz, member{"fd-team", "Folder"})
	// consumer is already managed through the folder.
	wantSeedErr(t, "003", e.tryAddMembers(owner, hz, member{consumer, "Account"}), "OperationDenied.MemberExistInIpamRDService", http.StatusBadRequest)
}

func TestSeed003_QuotaExceededMemberAccount(t *testing.T) {
	t.Parallel()
	rd := directory()
	big := make([]string, 0, 1001)
	for i := range 1001 {
		big = append(big, fmt.Sprintf("2%015d", i))
	}
	rd.Accounts = append(rd.Accounts, big...)
	rd.Folders["fd-big"] = big // a folder counts every account in it
	e := start(t, withDirectory(rd))
	e.newIpam(owner)
	wantSeedErr(t, "003", e.tryAddMembers(owner, hz, member{"fd-big", "Folder"}), "QuotaExceeded.MemberAccount", http.StatusBadRequest)
}

func TestSeed003_OperationDeniedIpamResourceDiscoveryAlreadySharedWithAdmin(t *testing.T) {
	t.Parallel()
	e := start(t, withDirectory(directory()))
	rd := e.newDiscovery(consumer)
	e.share(consumer, rd, "IpamResourceDiscovery", owner)
	e.newIpam(owner)
	wantSeedErr(t, "003", e.tryAddMembers(owner, hz, member{consumer, "Account"}), "OperationDenied.IpamResourceDiscoveryAlreadySharedWithAdmin", http.StatusBadRequest)
}

func TestSeed003_OperationDeniedIpamRDServiceAlreadyEnabledInOtherRegion(t *testing.T) {
	t.Parallel()
	e := start(t, withDirectory(directory()))
	e.newIpam(owner)
	e.addMembers(owner, hz, member{consumer, "Account"})
	_, err := e.ipam(owner).CreateIpam(&vpcipam.CreateIpamRequest{RegionId: tea.String(sh), OperatingRegionList: tea.StringSlice([]string{sh})})
	ok(t, err, "CreateIpam in cn-shanghai")
	wantSeedErr(t, "003", e.tryAddMembers(owner, sh, member{third, "Account"}), "OperationDenied.IpamRDServiceAlreadyEnabledInOtherRegion", http.StatusBadRequest)
}

func TestSeed003_OperationDeniedAccountNotRDEntity(t *testing.T) {
	t.Parallel()
	e := start(t) // no resource directory
	e.newIpam(owner)
	wantSeedErr(t, "003", e.tryAddMembers(owner, hz, member{consumer, "Account"}), "OperationDenied.AccountNotRDEntity", http.StatusBadRequest)
}

func TestSeed003_OperationDeniedNotDelegatedAdminAccount(t *testing.T) {
	t.Parallel()
	e := start(t, withDirectory(directory()))
	e.newIpam(consumer)
	wantSeedErr(t, "003", e.tryAddMembers(consumer, hz, member{third, "Account"}), "OperationDenied.NotDelegatedAdminAccount", http.StatusBadRequest)
}

func TestSeed003_OperationDeniedIpamNotExist(t *testing.T) {
	t.Parallel()
	e := start(t, withDirectory(directory()))
	wantSeedErr(t, "003", e.tryAddMembers(owner, hz, member{consumer, "Account"}), "OperationDenied.IpamNotExist", http.StatusBadRequest)
}

func TestSeed003_OperationDeniedDelegateAdminAsMember(t *testing.T) {
	t.Parallel()
	e := start(t, withDirectory(directory()))
	e.newIpam(owner)
	wantSeedErr(t, "003", e.tryAddMembers(owner, hz, member{owner, "Account"}), "OperationDenied.DelegateAdminAsMember", http.StatusBadRequest)
}

func TestSeed003_OperationDeniedNoServicePrincipalAdminPrivileges(t *testing.T) {
	t.Parallel()
	rd := directory()
	rd.DelegatedAdmin = ""
	e := start(t, withDirectory(rd))
	e.newIpam(owner)
	wantSeedErr(t, "003", e.tryAddMembers(owner, hz, member{consumer, "Account"}), "OperationDenied.NoServicePrincipalAdminPrivileges", http.StatusBadRequest)
}

func TestSeed003_DryRunOperation(t *testing.T) {
	t.Parallel()
	e := start(t, withDirectory(directory()))
	e.newIpam(owner)
	_, err := e.call(owner, vIpam, "AddIpamMembers", map[string]any{"RegionId": hz, "DryRun": true, "Members": membersArg([]member{{consumer, "Account"}})})
	wantSeedErr(t, "003", err, "DryRunOperation", http.StatusBadRequest)
	e.addMembers(owner, hz, member{consumer, "Account"}) // the dry run added nothing
}

// --- seed 004: UntagResources ---------------------------------------------------------------------------

func untag(e *env, req *vpcipam.UntagResourcesRequest) error {
	if req.RegionId == nil {
		req.RegionId = tea.String(hz)
	}
	_, err := e.ipam(owner).UntagResources(req)
	return err
}

// seed004 runs one UntagResources case on a tree whose top pool carries the tag env=x: the call is refused
// with code and status (and the seed's message) and changes nothing; the tag is then still removable.
func seed004(t *testing.T, code string, status int, mk func(tr tree) *vpcipam.UntagResourcesRequest) {
	t.Helper()
	e := start(t)
	tr := e.newTree(owner)
	_, err := e.ipam(owner).TagResources(&vpcipam.TagResourcesRequest{RegionId: tea.String(hz), ResourceType: tea.String("IPAMPOOL"),
		ResourceId: tea.StringSlice([]string{tr.top}), Tag: []*vpcipam.TagResourcesRequestTag{{Key: tea.String("env"), Value: tea.String("x")}}})
	ok(t, err, "TagResources")
	before := e.state()
	err = untag(e, mk(tr))
	if code == "IllegalParam.TagKey" {
		wantErr(t, err, code, status) // message: see the report (the emulator puts the key inside the sentence)
	} else {
		wantSeedErr(t, "004", err, code, status)
	}
	if !bytes.Equal(before, e.state()) {
		t.Fatal("a refused UntagResources changed the state")
	}
	ok(t, untag(e, &vpcipam.UntagResourcesRequest{ResourceType: tea.String("IPAMPOOL"), ResourceId: tea.StringSlice([]string{tr.top}), TagKey: tea.StringSlice([]string{"env"})}), "UntagResources")
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

var ipamPool = tea.String("IPAMPOOL")

func TestSeed004_MissingParameterResourceIds(t *testing.T) {
	t.Parallel()
	seed004(t, "MissingParameter.ResourceIds", 400, func(tr tree) *vpcipam.UntagResourcesRequest {
		return &vpcipam.UntagResourcesRequest{ResourceType: ipamPool, All: tea.Bool(true)}
	})
}

func TestSeed004_MissingParameterResourceType(t *testing.T) {
	t.Parallel()
	seed004(t, "MissingParameter.ResourceType", 400, func(tr tree) *vpcipam.UntagResourcesRequest {
		return &vpcipam.UntagResourcesRequest{ResourceId: tea.StringSlice([]string{tr.top}), All: tea.Bool(true)}
	})
}

func TestSeed004_IllegalParamSizeResourceIds(t *testing.T) {
	t.Parallel()
	seed004(t, "IllegalParamSize.ResourceIds", 400, func(tr tree) *vpcipam.UntagResourcesRequest {
		return &vpcipam.UntagResourcesRequest{ResourceType: ipamPool, ResourceId: tea.StringSlice(repeat(tr.top, 21)), All: tea.Bool(true)}
	})
}

func TestSeed004_IllegalParamSizeTags(t *testing.T) {
	t.Parallel()
	seed004(t, "IllegalParamSize.Tags", 400, func(tr tree) *vpcipam.UntagResourcesRequest {
		return &vpcipam.UntagResourcesRequest{ResourceType: ipamPool, ResourceId: tea.StringSlice([]string{tr.top}), TagKey: tea.StringSlice(numbered("k", 21))}
	})
}

func TestSeed004_IllegalParamResourceType(t *testing.T) {
	t.Parallel()
	seed004(t, "IllegalParam.ResourceType", 400, func(tr tree) *vpcipam.UntagResourcesRequest {
		return &vpcipam.UntagResourcesRequest{ResourceType: tea.String("VPC"), ResourceId: tea.StringSlice([]string{tr.top}), All: tea.Bool(true)}
	})
}

func TestSeed004_MissingParameterTags(t *testing.T) {
	t.Parallel()
	seed004(t, "MissingParameter.Tags", 400, func(tr tree) *vpcipam.UntagResourcesRequest {
		return &vpcipam.UntagResourcesRequest{ResourceType: ipamPool, ResourceId: tea.StringSlice([]string{tr.top})}
	})
}

func TestSeed004_IllegalParamTagKey(t *testing.T) {
	t.Parallel()
	// Each clause of seed 004's key rule: prefix aliyun / acs:, first character, URL, length, charset.
	for _, key := range []string{"aliyun-x", "acs:x", "1starts-with-digit", "has-https://x", "k" + strings.Repeat("x", 64), "sp ace"} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			seed004(t, "IllegalParam.TagKey", 400, func(tr tree) *vpcipam.UntagResourcesRequest {
				return &vpcipam.UntagResourcesRequest{ResourceType: ipamPool, ResourceId: tea.StringSlice([]string{tr.top}), TagKey: tea.StringSlice([]string{key})}
			})
		})
	}
}

func TestSeed004_ResourceNotFoundIpam(t *testing.T) {
	t.Parallel()
	seed004(t, "ResourceNotFound.Ipam", 400, func(tr tree) *vpcipam.UntagResourcesRequest {
		return &vpcipam.UntagResourcesRequest{ResourceType: tea.String("IPAM"), ResourceId: tea.StringSlice([]string{"ipam-doesnotexist0000"}), All: tea.Bool(true)}
	})
}

func TestSeed004_ResourceNotFoundIpamScope(t *testing.T) {
	t.Parallel()
	seed004(t, "ResourceNotFound.IpamScope", 400, func(tr tree) *vpcipam.UntagResourcesRequest {
		return &vpcipam.UntagResourcesRequest{ResourceType: tea.String("IPAMSCOPE"), ResourceId: tea.StringSlice([]string{"ipam-scope-doesnotexist00"}), All: tea.Bool(true)}
	})
}

func TestSeed004_ResourceNotFoundIpamPool(t *testing.T) {
	t.Parallel()
	seed004(t, "ResourceNotFound.IpamPool", 404, func(tr tree) *vpcipam.UntagResourcesRequest {
		return &vpcipam.UntagResourcesRequest{ResourceType: ipamPool, ResourceId: tea.StringSlice([]string{"ipam-pool-doesnotexist00"}), All: tea.Bool(true)}
	})
}
