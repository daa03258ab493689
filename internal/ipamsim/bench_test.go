package ipamsim

import (
	"testing"
)

// benchSim builds an IPAM with n pools (at most 1,500: 500 per scope is the quota) spread over three private
// scopes, each with one CIDR and one allocation.
func benchSim(b *testing.B, n int) (*Sim, fixture) {
	b.Helper()
	s := newSim(b)
	f := build(b, s)
	scopes := []string{f.privScope,
		str(do(b, s, owner, "CreateIpamScope", p("RegionId", hz, "IpamId", f.ipam)), "IpamScopeId"),
		str(do(b, s, owner, "CreateIpamScope", p("RegionId", hz, "IpamId", f.ipam)), "IpamScopeId")}
	for i := 0; i < n; i++ {
		id := str(do(b, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", scopes[i%len(scopes)])), "IpamPoolId")
		cidr := "172." + itoa(16+i/256) + "." + itoa(i%256) + ".0/24"
		do(b, s, owner, "AddIpamPoolCidr", p("RegionId", hz, "IpamPoolId", id, "Cidr", cidr))
		do(b, s, owner, "CreateIpamPoolAllocation", p("RegionId", hz, "IpamPoolId", id, "CidrMask", "28"))
	}
	return s, f
}

// BenchmarkListIpamPoolsWalk lists 1,500 pools page by page (100 per page).
func BenchmarkListIpamPoolsWalk(b *testing.B) {
	s, _ := benchSim(b, 1500)
	b.ResetTimer()
	for b.Loop() {
		token := ""
		for {
			params := p("RegionId", hz, "MaxResults", "100")
			if token != "" {
				params["NextToken"] = token
			}
			token = str(do(b, s, owner, "ListIpamPools", params), "NextToken")
			if token == "" {
				break
			}
		}
	}
}

// BenchmarkCreateAllocation measures one custom allocation (first-fit search) in a state of 1,500 pools.
func BenchmarkCreateAllocation(b *testing.B) {
	s, f := benchSim(b, 1500)
	b.ResetTimer()
	for b.Loop() {
		id := str(do(b, s, owner, "CreateIpamPoolAllocation", p("RegionId", hz, "IpamPoolId", f.child, "CidrMask", "28")), "IpamPoolAllocationId")
		do(b, s, owner, "DeleteIpamPoolAllocation", p("RegionId", hz, "IpamPoolAllocationId", id))
	}
}
