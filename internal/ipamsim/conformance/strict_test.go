package conformance

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"
	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"
)

// TestDryRunReportsTheRealError: a dry run whose checks fail answers the real error, not DryRunOperation
// (reference 1.6), the status check of deletes included, and changes nothing.
func TestDryRunReportsTheRealError(t *testing.T) {
	t.Parallel()
	e := start(t, withDirectory(rdWorld()), withDeleteDelay(time.Minute))
	w := e.newWorld()
	c := e.ipam(owner)
	deleting := e.newPool(owner, w.scope, "", "")
	ok(t, e.deletePool(owner, hz, deleting), "DeleteIpamPool")
	ipamPoolAlloc := e.allocationOf(owner, hz, w.top, "IpamPool")
	before := e.state()
	type m = map[string]any
	for _, tc := range []struct {
		name, version, action string
		args                  m
		code                  string
		status                int
	}{
		{"custom scope remains", vIpam, "DeleteIpam", m{"RegionId": hz, "IpamId": w.ipam}, "OperationFailed.IpamScopeExist", 400},
		{"pool Deleting", vIpam, "DeleteIpamPool", m{"RegionId": hz, "IpamPoolId": deleting}, "OperationConflict", 400},
		{"shared pool with sub-pools", vIpam, "DeleteIpamPool", m{"RegionId": hz, "IpamPoolId": w.top}, "DependencyViolation.ShareResource", 400},
		{"IpamPool-type allocation", vIpam, "DeleteIpamPoolAllocation", m{"RegionId": hz, "IpamPoolAllocationId": ipamPoolAlloc}, "OperationDenied.UnexpectedResourceType", 400},
		{"allocation in CIDR", vIpam, "DeleteIpamPoolCidr", m{"RegionId": hz, "IpamPoolId": w.child, "Cidr": "10.1.0.0/16"}, "OperationDenied.IpamPoolAllocationExist", 400},
		{"default scope", vIpam, "DeleteIpamScope", m{"RegionId": hz, "IpamScopeId": w.private}, "OperationDenied.DeleteDefaultScope", 400},
		{"default association", vIpam, "DissociateIpamResourceDiscovery", m{"RegionId": hz, "IpamId": w.ipam, "IpamResourceDiscoveryId": w.rd}, "OperationDenied.DissociateSelfSystemIpamResourceDiscovery", 400},
		{"admin as member", vIpam, "AddIpamMembers", m{"RegionId": hz, "Members": membersArg([]member{{owner, "Account"}})}, "OperationDenied.DelegateAdminAsMember", 400},
		{"unknown allocation", vIpam, "DeleteIpamPoolAllocation", m{"RegionId": hz, "IpamPoolAllocationId": "ipam-alloc-doesnotexist00"}, "ResourceNotFound.IpamPoolAllocation", 400},
		{"missing IpamId", vIpam, "DeleteIpam", m{"RegionId": hz}, "MissingParameter.IpamId", 400},
	} {
		args := m{"DryRun": true}
		for k, v := range tc.args {
			args[k] = v
		}
		_, err := e.call(owner, tc.version, tc.action, args)
		t.Run(tc.name, func(t *testing.T) { wantErr(t, err, tc.code, tc.status) })
	}
	if !bytes.Equal(before, e.state()) {
		t.Fatal("a failed dry run changed the state")
	}
	_, err := c.ListIpams(&vpcipam.ListIpamsRequest{RegionId: tea.String(hz)})
	ok(t, err, "ListIpams")
}

// TestSeedSuccessBodies: the seed operations answer a body with RequestId only (reference 0.5).
func TestSeedSuccessBodies(t *testing.T) {
	t.Parallel()
	e := start(t, withDirectory(rdWorld()))
	w := e.newWorld()
	type m = map[string]any
	for _, tc := range []struct {
		action string
		args   m
	}{
		{"UntagResources", m{"RegionId": hz, "ResourceType": "IPAMPOOL", "ResourceId": []string{w.top}, "All": true}},
		{"DeleteIpamPoolAllocation", m{"RegionId": hz, "IpamPoolAllocationId": w.alloc}},
		{"DissociateIpamResourceDiscovery", m{"RegionId": hz, "IpamId": w.ipam, "IpamResourceDiscoveryId": w.foreignRD}},
		{"AddIpamMembers", m{"RegionId": hz, "Members": membersArg([]member{{"1000000000000008", "Account"}})}},
		{"DeleteIpam", m{"RegionId": sh, "IpamId": w.thirdIpam}},
	} {
		account := owner
		if tc.action == "DeleteIpam" {
			account = third
		}
		out := e.mustCall(account, vIpam, tc.action, tc.args)
		var ks []string
		for k := range out {
			ks = append(ks, k)
		}
		if !slices.Equal(ks, []string{"RequestId"}) {
			t.Errorf("%s answered fields %v, want RequestId only", tc.action, ks)
		}
	}
}

// TestSeedLimits: the limits of seeds 003 and 004 hold exactly at their bounds.
func TestSeedLimits(t *testing.T) {
	t.Parallel()
	t.Run("1000 member accounts", func(t *testing.T) {
		t.Parallel()
		rd := directory()
		var k []string
		for i := range 1000 {
			k = append(k, fmt.Sprintf("2%015d", i))
		}
		rd.Accounts = append(rd.Accounts, k...)
		rd.Folders["fd-1000"] = k
		e := start(t, withDirectory(rd))
		e.newIpam(owner)
		e.addMembers(owner, hz, member{"fd-1000", "Folder"})
		wantSeedErr(t, "003", e.tryAddMembers(owner, hz, member{consumer, "Account"}), "QuotaExceeded.MemberAccount", http.StatusBadRequest)
	})
	t.Run("20 resources, 20 keys, 64-character key", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		tr := e.newTree(owner)
		key64 := "k" + strings.Repeat("x.-_9", 12) + "abc"
		if len(key64) != 64 {
			t.Fatalf("key of %d characters", len(key64))
		}
		_, err := e.ipam(owner).TagResources(&vpcipam.TagResourcesRequest{RegionId: tea.String(hz), ResourceType: ipamPool,
			ResourceId: tea.StringSlice([]string{tr.top}), Tag: []*vpcipam.TagResourcesRequestTag{{Key: tea.String(key64), Value: tea.String("v")}}})
		ok(t, err, "TagResources with a 64-character key")
		tags := func() int {
			r, err := e.ipam(owner).ListTagResources(&vpcipam.ListTagResourcesRequest{RegionId: tea.String(hz), ResourceType: ipamPool, ResourceId: tea.StringSlice([]string{tr.top})})
			ok(t, err, "ListTagResources")
			return len(r.Body.TagResources)
		}
		if n := tags(); n != 1 {
			t.Fatalf("%d tags after TagResources, want 1", n)
		}
		keys := append(numbered("k", 19), key64)
		ok(t, untag(e, &vpcipam.UntagResourcesRequest{ResourceType: ipamPool, ResourceId: tea.StringSlice(repeat(tr.top, 20)), TagKey: tea.StringSlice(keys)}), "UntagResources at the limits")
		if n := tags(); n != 0 {
			t.Fatalf("%d tags left", n)
		}
	})
	t.Run("ClientToken is ASCII", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		ids := e.newIpam(owner)
		_, err := e.ipam(owner).DeleteIpam(&vpcipam.DeleteIpamRequest{RegionId: tea.String(hz), IpamId: tea.String(ids.ipam), ClientToken: tea.String("tök")})
		wantErr(t, err, "IllegalParam.ClientToken", http.StatusBadRequest)
	})
}
