package ipamsim

import "testing"

// TestTeardownInOrder builds the fixture and removes it in the documented order (reference 8, resulting
// order): every step succeeds and the state ends empty.
func TestTeardownInOrder(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	steps := []struct {
		action string
		params []string
	}{
		{"DeleteIpamPoolAllocation", []string{"IpamPoolAllocationId", f.alloc}},
		{"DeleteIpamPoolCidr", []string{"IpamPoolId", f.child, "Cidr", "10.1.0.0/16"}},
		{"DeleteIpamPool", []string{"IpamPoolId", f.child}},
		{"DeleteIpamPoolCidr", []string{"IpamPoolId", f.top, "Cidr", "10.0.0.0/8"}},
		{"DeleteIpamPool", []string{"IpamPoolId", f.top}},
		{"DeleteIpamScope", []string{"IpamScopeId", f.scope}},
		{"DeleteIpam", []string{"IpamId", f.ipam}},
	}
	for _, st := range steps {
		params := with(p(st.params...), "RegionId", hz)
		wantDryRunClean(t, s, owner, st.action, params)
		do(t, s, owner, st.action, params)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.st.Ipams) + len(s.st.Scopes) + len(s.st.Pools) + len(s.st.PoolCidrs) + len(s.st.Allocations) + len(s.st.Discoveries) + len(s.st.Associations) + len(s.st.Tags); n != 0 {
		t.Fatalf("%d objects left after teardown", n)
	}
	if n := len(s.st.allocsOf) + len(s.st.cidrsOf); n != 0 {
		t.Fatalf("the by-pool indexes hold %d pools after teardown", n)
	}
}
