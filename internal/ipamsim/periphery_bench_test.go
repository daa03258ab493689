package ipamsim

import (
	"fmt"
	"testing"
)

// BenchmarkConsumerWalkSharedPools: a consumer lists 1,500 pools shared with it through 300 shares (five
// pools each, the Resources.N limit), page by page; every pool's visibility goes through sharedWith.
func BenchmarkConsumerWalkSharedPools(b *testing.B) {
	s, _ := benchSim(b, 1500)
	s.opts.ResourceDirectory = &ResourceDirectory{DelegatedAdmin: owner, Accounts: []string{owner, other, another}}
	var pools []string
	for _, pl := range sortedBySeq(s.st.Pools, func(x *pool) int64 { return x.Seq }) {
		pools = append(pools, pl.ID)
	}
	for i := 0; i < len(pools); i += 5 {
		params := p("ResourceShareName", fmt.Sprintf("s%d", i), "Targets.1", other)
		for j, id := range pools[i:min(i+5, len(pools))] {
			params[fmt.Sprintf("Resources.%d.ResourceId", j+1)] = id
			params[fmt.Sprintf("Resources.%d.ResourceType", j+1)] = sharePool
		}
		invoke(b, s, owner, rsP, "CreateResourceShare", params)
	}
	b.ResetTimer()
	for b.Loop() {
		token, n := "", 0
		for {
			params := p("RegionId", hz, "MaxResults", "100", "IsShared", "true")
			if token != "" {
				params["NextToken"] = token
			}
			out := invoke(b, s, other, ipamP, "ListIpamPools", params)
			n += len(out["IpamPools"].([]map[string]any))
			if token = str(out, "NextToken"); token == "" {
				break
			}
		}
		if n != len(pools) {
			b.Fatalf("the consumer saw %d pools, want %d", n, len(pools))
		}
	}
}
