package topology

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// counts are the resources a topology declares, or the emulator holds, by kind.
type counts struct {
	IPAMs, CustomScopes, Pools, PoolCIDRs, CustomAllocations, VPCAllocations, PoolAllocations int
	Discoveries, Associations, Members, Shares, VPCs                                          int
}

// declared counts what a topology file declares.
func declared(t *Topology) counts {
	var c counts
	for _, a := range t.Accounts {
		for _, m := range a.IPAMs {
			c.IPAMs++
			c.CustomScopes += len(m.Scopes)
			c.Members += len(m.Members)
			c.Associations++ // the default discovery's association
			c.Discoveries++  // the default discovery
		}
		c.Discoveries += len(a.Discoveries)
		c.Associations += len(a.Associations)
		c.Shares += len(a.Shares)
		c.CustomAllocations += len(a.Allocations)
		for _, v := range a.VPCs {
			c.VPCs++
			if v.Pool != "" {
				c.VPCAllocations++
			}
			if v.IPv6Pool != "" {
				c.VPCAllocations++
			}
			for _, b := range v.Blocks {
				if b.Pool != "" {
					c.VPCAllocations++
				}
			}
		}
	}
	walkPools(t, func(_ *IPAM, parent, p *Pool) {
		c.Pools++
		n := len(p.CIDRs) + len(p.Netmasks)
		c.PoolCIDRs += n
		if parent != nil {
			c.PoolAllocations += n // a sub-pool's CIDR is an IpamPool allocation in its parent
		}
		c.CustomAllocations += len(p.Allocations)
	})
	return c
}

// lister pages through one List call as an account and returns every item.
func lister(t *testing.T, sim *ipamsim.Sim, account, product, action, itemsKey string, params wire.Params) []map[string]any {
	t.Helper()
	var out []map[string]any
	next := ""
	for page := 0; ; page++ {
		p := wire.Params{"MaxResults": "100"}
		for k, v := range params {
			p[k] = v
		}
		if next != "" {
			p["NextToken"] = next
		}
		resp, err := sim.Invoke(context.Background(), account, product, action, p)
		if err != nil {
			t.Fatalf("%s %v as %s: %v", action, params, account, err)
		}
		switch items := resp[itemsKey].(type) {
		case []map[string]any:
			out = append(out, items...)
		case []any:
			for _, it := range items {
				out = append(out, it.(map[string]any))
			}
		case nil:
		default:
			t.Fatalf("%s: %s is a %T", action, itemsKey, items)
		}
		next, _ = resp["NextToken"].(string)
		if next == "" {
			return out
		}
		if page > 10000 {
			t.Fatalf("%s does not stop paging", action)
		}
	}
}

// held counts what the emulator holds, through the List calls each owner would make.
func held(t *testing.T, sim *ipamsim.Sim, topo *Topology) counts {
	t.Helper()
	var c counts
	for _, a := range topo.Accounts {
		regions := map[string]bool{}
		for _, m := range a.IPAMs {
			regions[m.Region] = true
		}
		for _, region := range sortedSet(regions) {
			ipams := lister(t, sim, a.ID, wire.ProductVpcIpam, "ListIpams", "Ipams", wire.Params{"RegionId": region})
			c.IPAMs += len(ipams)
			for _, ipam := range ipams {
				id := ipam["IpamId"].(string)
				for _, sc := range lister(t, sim, a.ID, wire.ProductVpcIpam, "ListIpamScopes", "IpamScopes", wire.Params{"RegionId": region, "IpamId": id}) {
					if sc["IsDefault"] != true {
						c.CustomScopes++
					}
				}
			}
			for _, pool := range lister(t, sim, a.ID, wire.ProductVpcIpam, "ListIpamPools", "IpamPools", wire.Params{"RegionId": region}) {
				if owner := fmt.Sprint(pool["OwnerId"]); owner != a.ID {
					continue // a pool shared with this account is counted by its owner
				}
				c.Pools++
				id := pool["IpamPoolId"].(string)
				c.PoolCIDRs += len(lister(t, sim, a.ID, wire.ProductVpcIpam, "ListIpamPoolCidrs", "IpamPoolCidrs", wire.Params{"RegionId": region, "IpamPoolId": id}))
				allocRegion := region
				if r, _ := pool["PoolRegionId"].(string); r != "" {
					allocRegion = r
				}
				for _, al := range lister(t, sim, a.ID, wire.ProductVpcIpam, "ListIpamPoolAllocations", "IpamPoolAllocations", wire.Params{"RegionId": allocRegion, "IpamPoolId": id}) {
					switch al["ResourceType"] {
					case "Custom":
						c.CustomAllocations++
					case "VPC":
						c.VPCAllocations++
					case "IpamPool":
						c.PoolAllocations++
					default:
						t.Errorf("allocation %v has an unknown ResourceType", al)
					}
				}
			}
		}
	}
	return c
}

// applyFresh applies a topology to a new emulator built from its options.
func applyFresh(t *testing.T, topo *Topology) (*ipamsim.Sim, Refs) {
	t.Helper()
	sim, err := ipamsim.New(topo.Options())
	if err != nil {
		t.Fatal(err)
	}
	refs, err := Apply(context.Background(), sim, topo)
	if err != nil {
		t.Fatal(err)
	}
	return sim, refs
}

func TestApplyGenerated(t *testing.T) {
	t.Parallel()
	topo, err := Generate(GenerateOptions{Pools: 1000, Depth: 3, FanOut: 10, AllocationsPerPool: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sim, refs := applyFresh(t, topo)
	want := declared(topo)
	got := held(t, sim, topo)
	// held does not count these kinds (they need the discovery, sharing and VPC calls).
	got.Discoveries, got.Associations, got.Members, got.Shares, got.VPCs = want.Discoveries, want.Associations, want.Members, want.Shares, want.VPCs
	if got != want {
		t.Errorf("emulator holds %+v\n  topology declares %+v", got, want)
	}
	if want.Pools != 1000 || want.CustomAllocations != 1000 {
		t.Errorf("generated %+v; want 1000 pools and 1000 allocations", want)
	}
	// Every named resource has a ref.
	if n := want.IPAMs*5 + want.CustomScopes + want.Pools + want.CustomAllocations; len(refs) != n {
		t.Errorf("%d refs; want %d", len(refs), n)
	}
	if refs["pool/pool-00001"] == "" || refs["allocation/alloc-01000"] == "" || refs["ipam/gen-1/private-scope"] == "" {
		t.Errorf("refs lack expected names: pool-00001=%q alloc-01000=%q", refs["pool/pool-00001"], refs["allocation/alloc-01000"])
	}
}

// Apply names the field whose call the emulator refused.
func TestApplyNamesTheFailingField(t *testing.T) {
	t.Parallel()
	// The file is valid, but the emulator serves only cn-hangzhou: Parse does not know, the emulator refuses.
	topo, err := Parse([]byte(base), "base.yaml")
	if err != nil {
		t.Fatal(err)
	}
	opts := topo.Options()
	opts.Regions = []string{"cn-shanghai"}
	sim, err := ipamsim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Apply(context.Background(), sim, topo)
	if err == nil {
		t.Fatal("Apply succeeded against an emulator that does not serve the IPAM's region")
	}
	var te *Error
	if !errors.As(err, &te) || te.Path != "accounts[0].ipams[0]" || te.Line != 4 || te.File != "base.yaml" {
		t.Errorf("error = %v; want one naming base.yaml:4 accounts[0].ipams[0]", err)
	}
}

func TestApplyCancelled(t *testing.T) {
	t.Parallel()
	topo, err := Parse([]byte(base), "base.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sim, err := ipamsim.New(topo.Options())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Apply(ctx, sim, topo); err == nil {
		t.Fatal("Apply with a cancelled context succeeded")
	}
}

// BenchmarkApply measures building a 10,000-resource topology (2,000 pools with their CIDRs and three
// custom allocations each), the size inventory's benchmark uses.
func BenchmarkApply(b *testing.B) {
	topo, err := Generate(GenerateOptions{Pools: 2000, Depth: 3, FanOut: 10, AllocationsPerPool: 3, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		sim, err := ipamsim.New(topo.Options())
		if err != nil {
			b.Fatal(err)
		}
		refs, err := Apply(context.Background(), sim, topo)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(refs)), "refs")
	}
}
