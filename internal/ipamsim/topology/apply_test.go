package topology

import (
	"context"
	"errors"
	"fmt"
	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"path/filepath"
	"testing"
	"time"

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
		out = append(out, asItems(t, resp[itemsKey])...)
		next, _ = resp["NextToken"].(string)
		if next == "" {
			return out
		}
		if page > 10000 {
			t.Fatalf("%s does not stop paging", action)
		}
	}
}

// servedRegions are the regions a topology's emulator serves.
func servedRegions(t *Topology) []string {
	if len(t.Regions) > 0 {
		return t.Regions
	}
	return defaultRegions()
}

// held counts what the emulator holds, through the List calls each account would make; a resource shared
// with an account is counted once, by its owner.
func held(t *testing.T, sim *ipamsim.Sim, topo *Topology) counts {
	t.Helper()
	var c counts
	ipam := func(account, action, key string, params wire.Params) []map[string]any {
		if !catalog.HasRegion(catalog.ProductVpcIpam, params.Get("RegionId")) {
			return nil // a region VpcIpam is not served in (na-south-1) holds no IPAM resource
		}
		return lister(t, sim, account, wire.ProductVpcIpam, action, key, params)
	}
	for _, a := range topo.Accounts {
		for _, region := range servedRegions(topo) {
			rp := wire.Params{"RegionId": region}
			for _, m := range ipam(a.ID, "ListIpams", "Ipams", rp) {
				c.IPAMs++
				id := m["IpamId"].(string)
				for _, sc := range ipam(a.ID, "ListIpamScopes", "IpamScopes", wire.Params{"RegionId": region, "IpamId": id}) {
					if sc["IsDefault"] != true {
						c.CustomScopes++
					}
				}
				c.Associations += len(ipam(a.ID, "ListIpamResourceDiscoveryAssociations", "IpamResourceDiscoveryAssociations", wire.Params{"RegionId": region, "IpamId": id}))
				if topo.ResourceDirectory != nil && topo.ResourceDirectory.DelegatedAdmin == a.ID {
					c.Members += len(ipam(a.ID, "ListIpamMembers", "MemberInfos", rp))
				}
			}
			for _, pool := range ipam(a.ID, "ListIpamPools", "IpamPools", rp) {
				if owner := fmt.Sprint(pool["OwnerId"]); owner != a.ID {
					continue
				}
				c.Pools++
				id := pool["IpamPoolId"].(string)
				c.PoolCIDRs += len(ipam(a.ID, "ListIpamPoolCidrs", "IpamPoolCidrs", wire.Params{"RegionId": region, "IpamPoolId": id}))
				allocRegion := region
				if r, _ := pool["PoolRegionId"].(string); r != "" {
					allocRegion = r
				}
				for _, al := range ipam(a.ID, "ListIpamPoolAllocations", "IpamPoolAllocations", wire.Params{"RegionId": allocRegion, "IpamPoolId": id}) {
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
			for _, d := range ipam(a.ID, "ListIpamResourceDiscoveries", "IpamResourceDiscoveries", rp) {
				if fmt.Sprint(d["OwnerId"]) == a.ID {
					c.Discoveries++
				}
			}
			// Vpc is not served in every region VpcIpam is (cn-wuhan-lr).
			for page := 1; catalog.HasRegion(catalog.ProductVpc, region); page++ {
				resp, err := sim.Invoke(context.Background(), a.ID, wire.ProductVpc, "DescribeVpcs",
					wire.Params{"RegionId": region, "PageSize": "50", "PageNumber": fmt.Sprint(page)})
				if err != nil {
					t.Fatalf("DescribeVpcs: %v", err)
				}
				vpcs, _ := resp["Vpcs"].(map[string]any)
				items := asItems(t, vpcs["Vpc"])
				c.VPCs += len(items)
				if len(items) < 50 {
					break
				}
			}
		}
		for _, sh := range lister(t, sim, a.ID, wire.ProductResourceSharing, "ListResourceShares", "ResourceShares", wire.Params{"ResourceOwner": "Self"}) {
			if sh["ResourceShareStatus"] == "Active" {
				c.Shares++
			}
		}
	}
	return c
}

// asItems reads a list of objects from a response.
func asItems(t *testing.T, v any) []map[string]any {
	t.Helper()
	switch items := v.(type) {
	case []map[string]any:
		return items
	case []any:
		out := make([]map[string]any, 0, len(items))
		for _, it := range items {
			out = append(out, it.(map[string]any))
		}
		return out
	case nil:
		return nil
	}
	t.Fatalf("items are a %T", v)
	return nil
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

// Every example topology applies to a fresh emulator, which then holds what the file declares.
func TestApplyExamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../../testdata/topologies/*.yaml")
	if err != nil || len(files) < 2 {
		t.Fatalf("example topologies: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			topo, err := Load(f)
			if err != nil {
				t.Fatal(err)
			}
			sim, refs := applyFresh(t, topo)
			want, got := declared(topo), held(t, sim, topo)
			if got != want {
				t.Errorf("emulator holds %+v\n  topology declares %+v", got, want)
			}
			if want.IPAMs == 0 || want.Pools == 0 || want.VPCs == 0 || want.Shares == 0 {
				t.Errorf("example declares %+v: every example should have IPAMs, pools, VPCs and shares", want)
			}
			for ref, id := range refs {
				if id == "" {
					t.Errorf("ref %s has no id", ref)
				}
			}
		})
	}
}

func TestApplyGenerated(t *testing.T) {
	t.Parallel()
	topo, err := Generate(GenerateOptions{Pools: 1000, Depth: 3, FanOut: 10, AllocationsPerPool: 1, Seed: 1, Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	sim, refs := applyFresh(t, topo)
	want := declared(topo)
	got := held(t, sim, topo)
	if got != want {
		t.Errorf("emulator holds %+v\n  topology declares %+v", got, want)
	}
	if want.Pools != 1000 || want.CustomAllocations != 1000 || want.VPCs != 10 || want.Shares != 10 {
		t.Errorf("generated %+v; want 1000 pools in 10 trees, 1000 allocations, a share and a VPC per tree", want)
	}
	// Every named resource has a ref.
	if n := want.IPAMs*5 + want.CustomScopes + want.Pools + want.CustomAllocations + want.Shares + want.VPCs; len(refs) != n {
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

// TestBuildPassesDeleteDelayTail: Build hands the tail to the emulator (which validates it), as it does the
// delay; it once dropped it, and a benchmark "with a heavy tail" ran without one.
func TestBuildPassesDeleteDelayTail(t *testing.T) {
	t.Parallel()
	topo, err := Generate(GenerateOptions{Pools: 1, Depth: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Build(t.Context(), topo, ipamsim.Options{DeleteDelayTail: ipamsim.DeleteDelayTail{Ratio: 2, Factor: 10}}); err == nil {
		t.Error("Build accepted a tail ratio of 2: the tail did not reach ipamsim.New")
	}
	if _, _, err := Build(t.Context(), topo, ipamsim.Options{DeleteDelay: time.Second, DeleteDelayTail: ipamsim.DeleteDelayTail{Ratio: 0.1, Factor: 10}}); err != nil {
		t.Errorf("Build refused a valid tail: %v", err)
	}
}
