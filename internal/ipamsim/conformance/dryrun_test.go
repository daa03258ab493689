package conformance

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
)

const vVpc = "2016-04-28"

// world is a fixture holding a resource of every kind, so that each mutating action has something to act on.
type world struct {
	tree
	alloc, emptyPool, cidrPool, emptyScope, vpc, vpcSecondary string
	foreignRD                                                 string // consumer's discovery, shared with owner and associated with owner's IPAM
	spareRD                                                   string // third's discovery, shared with owner, not associated
	loneRD                                                    string // owner's custom discovery in cn-shanghai, neither shared nor associated
	share                                                     string // owner's share of tr.top with consumer
	thirdIpam                                                 string // third's empty IPAM in cn-shanghai
}

// rdWorld: owner is the delegated administrator; 1000000000000009 is already a member, ...08 is not.
func rdWorld() *ipamsim.ResourceDirectory {
	return &ipamsim.ResourceDirectory{DelegatedAdmin: owner, Accounts: []string{owner, consumer, third, "1000000000000008", "1000000000000009"}}
}

func (e *env) newWorld() world {
	e.t.Helper()
	var w world
	w.foreignRD = e.newDiscovery(consumer)
	e.share(consumer, w.foreignRD, "IpamResourceDiscovery", owner)
	w.spareRD = e.newDiscovery(third)
	e.share(third, w.spareRD, "IpamResourceDiscovery", owner)
	w.tree = e.newTree(owner)
	e.mustCall(owner, vIpam, "AssociateIpamResourceDiscovery", map[string]any{"RegionId": hz, "IpamId": w.ipam, "IpamResourceDiscoveryId": w.foreignRD})
	w.alloc = e.allocate(owner, hz, w.child, "10.1.1.0/24")
	w.emptyPool = e.newPool(owner, w.scope, "", "")
	w.cidrPool = e.newPool(owner, w.scope, "", "")
	e.addCidr(owner, w.cidrPool, "192.168.0.0/16")
	w.emptyScope = e.newScope(owner, w.ipam)
	e.mustCall(owner, vIpam, "TagResources", map[string]any{"RegionId": hz, "ResourceType": "IPAMPOOL", "ResourceId": []string{w.top}, "Tag": []map[string]any{{"Key": "team", "Value": "net"}}})
	w.vpc = e.newVpc(owner, w.child)
	out := e.mustCall(owner, vVpc, "AssociateVpcCidrBlock", map[string]any{"RegionId": hz, "VpcId": w.vpc, "IpamPoolId": w.child, "SecondaryCidrMask": 24})
	w.vpcSecondary, _ = out["CidrBlock"].(string)
	out = e.mustCall(owner, vIpam, "CreateIpamResourceDiscovery", map[string]any{"RegionId": sh, "OperatingRegionList": []string{sh}})
	w.loneRD, _ = out["IpamResourceDiscoveryId"].(string)
	w.share = e.share(owner, w.top, "IpamPool", consumer)
	out = e.mustCall(third, vIpam, "CreateIpam", map[string]any{"RegionId": sh, "OperatingRegionList": []string{sh}})
	w.thirdIpam, _ = out["IpamId"].(string)
	e.addMembers(owner, hz, member{"1000000000000009", "Account"})
	return w
}

// mutations lists every mutating action the emulator serves with arguments that succeed on a fresh world.
func mutations() []struct {
	account, version, action string
	args                     func(w world) map[string]any
} {
	type m = map[string]any
	return []struct {
		account, version, action string
		args                     func(w world) map[string]any
	}{
		{consumer, vIpam, "CreateIpam", func(w world) m { return m{"RegionId": sh, "OperatingRegionList": []string{sh}} }},
		{third, vIpam, "DeleteIpam", func(w world) m { return m{"RegionId": sh, "IpamId": w.thirdIpam} }},
		{owner, vIpam, "CreateIpamScope", func(w world) m { return m{"RegionId": hz, "IpamId": w.ipam, "IpamScopeType": "private"} }},
		{owner, vIpam, "DeleteIpamScope", func(w world) m { return m{"RegionId": hz, "IpamScopeId": w.emptyScope} }},
		{owner, vIpam, "CreateIpamPool", func(w world) m { return m{"RegionId": hz, "IpamScopeId": w.scope, "SourceIpamPoolId": w.top} }},
		{owner, vIpam, "DeleteIpamPool", func(w world) m { return m{"RegionId": hz, "IpamPoolId": w.emptyPool} }},
		{owner, vIpam, "AddIpamPoolCidr", func(w world) m { return m{"RegionId": hz, "IpamPoolId": w.emptyPool, "Cidr": "172.16.0.0/16"} }},
		{owner, vIpam, "DeleteIpamPoolCidr", func(w world) m { return m{"RegionId": hz, "IpamPoolId": w.cidrPool, "Cidr": "192.168.0.0/16"} }},
		{owner, vIpam, "CreateIpamPoolAllocation", func(w world) m { return m{"RegionId": hz, "IpamPoolId": w.child, "CidrMask": 24} }},
		{owner, vIpam, "DeleteIpamPoolAllocation", func(w world) m { return m{"RegionId": hz, "IpamPoolAllocationId": w.alloc} }},
		{owner, vIpam, "TagResources", func(w world) m {
			return m{"RegionId": hz, "ResourceType": "IPAMPOOL", "ResourceId": []string{w.top}, "Tag": []m{{"Key": "env", "Value": "x"}}}
		}},
		{owner, vIpam, "UntagResources", func(w world) m {
			return m{"RegionId": hz, "ResourceType": "IPAMPOOL", "ResourceId": []string{w.top}, "All": true}
		}},
		{owner, vIpam, "CreateIpamResourceDiscovery", func(w world) m { return m{"RegionId": "cn-beijing", "OperatingRegionList": []string{"cn-beijing"}} }},
		{owner, vIpam, "DeleteIpamResourceDiscovery", func(w world) m { return m{"RegionId": sh, "IpamResourceDiscoveryId": w.loneRD} }},
		{owner, vIpam, "AssociateIpamResourceDiscovery", func(w world) m { return m{"RegionId": hz, "IpamId": w.ipam, "IpamResourceDiscoveryId": w.spareRD} }},
		{owner, vIpam, "DissociateIpamResourceDiscovery", func(w world) m { return m{"RegionId": hz, "IpamId": w.ipam, "IpamResourceDiscoveryId": w.foreignRD} }},
		{owner, vIpam, "AddIpamMembers", func(w world) m {
			return m{"RegionId": hz, "Members": membersArg([]member{{"1000000000000008", "Account"}})}
		}},
		{owner, vIpam, "RemoveIpamMembers", func(w world) m {
			return m{"RegionId": hz, "Members": membersArg([]member{{"1000000000000009", "Account"}})}
		}},
		{owner, vShare, "CreateResourceShare", func(w world) m {
			return m{"ResourceShareName": "dry", "Resources": []m{{"ResourceId": w.child, "ResourceType": "IpamPool"}}, "Targets": []string{third}, "AllowExternalTargets": true}
		}},
		{owner, vShare, "AssociateResourceShare", func(w world) m {
			return m{"ResourceShareId": w.share, "Resources": []m{{"ResourceId": w.child, "ResourceType": "IpamPool"}}}
		}},
		{owner, vShare, "DisassociateResourceShare", func(w world) m {
			return m{"ResourceShareId": w.share, "Resources": []m{{"ResourceId": w.top, "ResourceType": "IpamPool"}}}
		}},
		{owner, vShare, "DeleteResourceShare", func(w world) m { return m{"ResourceShareId": w.share} }},
		{owner, vVpc, "CreateVpc", func(w world) m { return m{"RegionId": hz, "Ipv4IpamPoolId": w.child, "Ipv4CidrMask": 24} }},
		{owner, vVpc, "AssociateVpcCidrBlock", func(w world) m {
			return m{"RegionId": hz, "VpcId": w.vpc, "IpamPoolId": w.child, "SecondaryCidrMask": 24}
		}},
		{owner, vVpc, "UnassociateVpcCidrBlock", func(w world) m { return m{"RegionId": hz, "VpcId": w.vpc, "SecondaryCidrBlock": w.vpcSecondary} }},
		{owner, vVpc, "DeleteVpc", func(w world) m { return m{"RegionId": hz, "VpcId": w.vpc} }},
	}
}

// withoutDryRun reports the mutating actions whose API has no DryRun parameter (reference 1.6).
func withoutDryRun(action string) bool {
	switch action {
	case "TagResources", "UntagResources", "CreateResourceShare", "AssociateResourceShare",
		"DisassociateResourceShare", "DeleteResourceShare", "AssociateVpcCidrBlock", "UnassociateVpcCidrBlock":
		return true
	}
	return false
}

// TestDryRunLeavesStateUnchanged: for every mutating action, DryRun=true on a call that would succeed
// answers 400 DryRunOperation (InvalidParameter.DryRun where the API has no DryRun) and leaves GET /_sim/state byte-identical; the same call without DryRun then
// succeeds and does change the state (so the dry run was not vacuous).
func TestDryRunLeavesStateUnchanged(t *testing.T) {
	t.Parallel()
	for _, c := range mutations() {
		t.Run(c.action, func(t *testing.T) {
			t.Parallel()
			e := start(t, withDirectory(rdWorld()))
			w := e.newWorld()
			args := c.args(w)
			before := e.state()
			dry := map[string]any{"DryRun": true}
			for k, v := range args {
				dry[k] = v
			}
			_, err := e.call(c.account, c.version, c.action, dry)
			want := "DryRunOperation"
			if withoutDryRun(c.action) {
				// The API defines no DryRun here (reference 1.6): the emulator refuses one (UNKNOWN 110).
				want = "InvalidParameter.DryRun"
			}
			wantErr(t, err, want, http.StatusBadRequest)
			if after := e.state(); !bytes.Equal(before, after) {
				t.Fatalf("the dry run changed /_sim/state:\nbefore %s\nafter  %s", before, after)
			}
			e.mustCall(c.account, c.version, c.action, args)
			if bytes.Equal(before, e.state()) {
				t.Fatal("the real call changed nothing: the case does not prove the dry run")
			}
		})
	}
}
