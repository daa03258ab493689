package ipamsim

import (
	"testing"
)

// TestDryRunEveryMutatingAction: for each mutating action CORE serves, a dry run of a call that would
// succeed answers 400 DryRunOperation and leaves DumpState byte-identical; the real call then succeeds.
// The cases run in order on one emulator, so each real call prepares the next.
func TestDryRunEveryMutatingAction(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	var pool, alloc string
	steps := []struct {
		action string
		params func() []string
		after  func(out map[string]any)
	}{
		{"CreateIpamScope", func() []string { return []string{"IpamId", f.ipam} }, nil},
		{"CreateIpamPool", func() []string { return []string{"IpamScopeId", f.privScope, "PoolRegionId", hz} }, func(out map[string]any) { pool = str(out, "IpamPoolId") }},
		{"AddIpamPoolCidr", func() []string { return []string{"IpamPoolId", pool, "Cidr", "192.168.0.0/16"} }, nil},
		{"CreateIpamPoolAllocation", func() []string { return []string{"IpamPoolId", pool, "CidrMask", "24"} }, func(out map[string]any) { alloc = str(out, "IpamPoolAllocationId") }},
		{"TagResources", func() []string {
			return []string{"ResourceType", "IPAMPOOL", "ResourceId.1", pool, "Tag.1.Key", "k", "Tag.1.Value", "v"}
		}, nil},
		{"UntagResources", func() []string { return []string{"ResourceType", "IPAMPOOL", "ResourceId.1", pool, "All", "true"} }, nil},
		{"DeleteIpamPoolAllocation", func() []string { return []string{"IpamPoolAllocationId", alloc} }, nil},
		{"DeleteIpamPoolCidr", func() []string { return []string{"IpamPoolId", pool, "Cidr", "192.168.0.0/16"} }, nil},
		{"DeleteIpamPool", func() []string { return []string{"IpamPoolId", pool} }, nil},
		{"DeleteIpamPoolAllocation", func() []string { return []string{"IpamPoolAllocationId", f.alloc} }, nil},
		{"DeleteIpamPoolCidr", func() []string { return []string{"IpamPoolId", f.child, "Cidr", "10.1.0.0/16"} }, nil},
		{"DeleteIpamPool", func() []string { return []string{"IpamPoolId", f.child} }, nil},
		{"DeleteIpamPoolCidr", func() []string { return []string{"IpamPoolId", f.top, "Cidr", "10.0.0.0/8"} }, nil},
		{"DeleteIpamPool", func() []string { return []string{"IpamPoolId", f.top} }, nil},
		{"DeleteIpamScope", func() []string { return []string{"IpamScopeId", f.scope} }, nil},
	}
	for _, st := range steps {
		params := with(p("RegionId", hz), st.params()...)
		wantDryRunClean(t, s, owner, st.action, params)
		out := do(t, s, owner, st.action, params)
		if st.after != nil {
			st.after(out)
		}
	}
	// The extra scope from the first step still blocks DeleteIpam; remove it, then dry-run DeleteIpam and
	// CreateIpam (in another region).
	scopes := do(t, s, owner, "ListIpamScopes", p("RegionId", hz, "IpamId", f.ipam))["IpamScopes"].([]map[string]any)
	for _, sc := range scopes {
		if sc["IsDefault"] == false {
			do(t, s, owner, "DeleteIpamScope", p("RegionId", hz, "IpamScopeId", str(sc, "IpamScopeId")))
		}
	}
	wantDryRunClean(t, s, owner, "DeleteIpam", p("RegionId", hz, "IpamId", f.ipam))
	wantDryRunClean(t, s, owner, "CreateIpam", p("RegionId", sh, "OperatingRegionList.1", sh))
	do(t, s, owner, "DeleteIpam", p("RegionId", hz, "IpamId", f.ipam))
}
