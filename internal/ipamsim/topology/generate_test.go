package topology

import (
	"bytes"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// The generated layout is part of what other tests build on (golden plans of generated topologies): a
// change to it must be deliberate. Run with -update to accept one.
func TestGenerateGolden(t *testing.T) {
	t.Parallel()
	topo, err := Generate(GenerateOptions{Pools: 7, Depth: 3, FanOut: 2, AllocationsPerPool: 1, Seed: 11, Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Marshal(topo)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "generated.golden.yaml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Generate output differs from %s (run go test -update if the change is intended):\n%s", golden, got)
	}
}

// walkPools visits every pool with its parent (nil for a top-level pool).
func walkPools(t *Topology, fn func(ipam *IPAM, parent, p *Pool)) {
	var walk func(ipam *IPAM, parent *Pool, ps []*Pool)
	walk = func(ipam *IPAM, parent *Pool, ps []*Pool) {
		for _, p := range ps {
			fn(ipam, parent, p)
			walk(ipam, p, p.Children)
		}
	}
	for _, a := range t.Accounts {
		for _, m := range a.IPAMs {
			walk(m, nil, m.Pools)
		}
	}
}

func TestGenerateShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		o          GenerateOptions
		wantLevels int
		wantIPAMs  int
	}{
		{GenerateOptions{Pools: 1, Depth: 1}, 1, 1},
		{GenerateOptions{Pools: 40, Depth: 3, FanOut: 3, AllocationsPerPool: 2, Seed: 7}, 3, 1},
		{GenerateOptions{Pools: 1000, Depth: 3, FanOut: 10, AllocationsPerPool: 2, Seed: 1}, 3, 1},
		// 2,500 pools do not fit in one IPAM's four scopes of 500: a second IPAM in the next region.
		{GenerateOptions{Pools: 2500, Depth: 2, FanOut: 20, AllocationsPerPool: 1, Seed: 2, Shared: true}, 2, 2},
		// A full binary tree of 10 levels exceeds a scope's 500 pools: trees are cut at 500, breadth first.
		{GenerateOptions{Pools: 300, Depth: 10, FanOut: 2, Seed: 3}, 9, 1},
	}
	for _, tt := range tests {
		o := tt.o
		topo, err := Generate(o)
		if err != nil {
			t.Fatalf("Generate(%+v): %v", o, err)
		}
		pools, allocs, maxLevel := 0, 0, 0
		level := map[*Pool]int{}
		walkPools(topo, func(ipam *IPAM, parent, p *Pool) {
			pools++
			allocs += len(p.Allocations)
			level[p] = level[parent] + 1
			maxLevel = max(maxLevel, level[p])
			if len(p.Children) > o.FanOut {
				t.Errorf("%+v: pool %s has %d children", o, p.Name, len(p.Children))
			}
			// Every CIDR is carved inside its parent's, and every allocation inside its pool's.
			own := netip.MustParsePrefix(p.CIDRs[0])
			if parent != nil {
				up := netip.MustParsePrefix(parent.CIDRs[0])
				if own.Bits() <= up.Bits() || !up.Contains(own.Addr()) {
					t.Errorf("%+v: pool %s CIDR %s is not inside its parent's %s", o, p.Name, own, up)
				}
			}
			for _, a := range p.Allocations {
				b := netip.MustParsePrefix(a.CIDR)
				if b.Bits() < own.Bits() || !own.Contains(b.Addr()) {
					t.Errorf("%+v: allocation %s %s is not inside pool %s %s", o, a.Name, b, p.Name, own)
				}
			}
		})
		if pools != o.Pools {
			t.Errorf("%+v: %d pools", o, pools)
		}
		if allocs != o.Pools*o.AllocationsPerPool {
			t.Errorf("%+v: %d allocations; want %d", o, allocs, o.Pools*o.AllocationsPerPool)
		}
		if maxLevel != tt.wantLevels {
			t.Errorf("%+v: trees are %d levels deep; want %d", o, maxLevel, tt.wantLevels)
		}
		ipams := 0
		for _, a := range topo.Accounts {
			ipams += len(a.IPAMs)
		}
		if ipams != tt.wantIPAMs {
			t.Errorf("%+v: %d IPAMs; want %d", o, ipams, tt.wantIPAMs)
		}
		if o.Shared {
			consumer := topo.Accounts[len(topo.Accounts)-1]
			tops := 0
			for _, a := range topo.Accounts {
				for _, m := range a.IPAMs {
					tops += len(m.Pools)
				}
			}
			if len(consumer.VPCs) != tops || len(consumer.IPAMs) != 0 {
				t.Errorf("%+v: consumer has %d VPCs and %d IPAMs; want one VPC per top-level pool (%d)", o, len(consumer.VPCs), len(consumer.IPAMs), tops)
			}
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	t.Parallel()
	o := GenerateOptions{Pools: 200, Depth: 3, FanOut: 5, AllocationsPerPool: 3, Seed: 42, Shared: true}
	a, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	ma, err := Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ma, mb) {
		t.Fatal("same options gave different bytes")
	}
	o.Seed = 43
	c, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	mc, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(ma, mc) {
		t.Error("a different seed gave the same bytes")
	}
	// The marshalled form is a valid topology file.
	back, err := Parse(ma, "generated.yaml")
	if err != nil {
		t.Fatalf("generated YAML does not parse: %v", err)
	}
	mback, err := Marshal(back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ma, mback) {
		t.Error("Parse(Marshal(generated)) marshals differently")
	}
}

func TestGenerateRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		o    GenerateOptions
		want string
	}{
		{GenerateOptions{Pools: 0, Depth: 1}, "pools 0"},
		{GenerateOptions{Pools: 10_000_000, Depth: 1}, "pools 10000000: want 1-50000"}, // grew until it was killed
		{GenerateOptions{Pools: 10, Depth: 11, FanOut: 2}, "depth 11"},
		{GenerateOptions{Pools: 10, Depth: 2, FanOut: 51}, "fan-out 51"},
		{GenerateOptions{Pools: 10, Depth: 2, FanOut: 2, AllocationsPerPool: 65}, "allocations-per-pool 65"},
		{GenerateOptions{Pools: 5000, Depth: 10, FanOut: 50, AllocationsPerPool: 10}, "IPv4 has 32 bits"},
	}
	for _, tt := range tests {
		_, err := Generate(tt.o)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Generate(%+v) = %v; want an error containing %q", tt.o, err, tt.want)
		}
	}
}

// TestGenerateSkew: a skewed topology has one chain of Depth pools and, beside it, trees of two levels with
// FanOut sub-pools; Pools in all, every CIDR inside its parent's, the same bytes for the same options.
func TestGenerateSkew(t *testing.T) {
	t.Parallel()
	tests := []GenerateOptions{
		{Pools: 1000, Depth: 10, FanOut: 20, AllocationsPerPool: 3, Seed: 1, Skew: true},
		{Pools: 60, Depth: 5, FanOut: 4, AllocationsPerPool: 1, Seed: 2, Skew: true, Shared: true},
		{Pools: 3, Depth: 10, FanOut: 4, Seed: 3, Skew: true}, // fewer pools than the chain
	}
	for _, o := range tests {
		topo, err := Generate(o)
		if err != nil {
			t.Fatalf("Generate(%+v): %v", o, err)
		}
		pools, allocs := 0, 0
		level := map[*Pool]int{}
		deepest := map[*Pool]int{} // by top-level pool
		var top *Pool
		walkPools(topo, func(_ *IPAM, parent, p *Pool) {
			pools++
			allocs += len(p.Allocations)
			level[p] = level[parent] + 1
			if parent == nil {
				top = p
			}
			deepest[top] = max(deepest[top], level[p])
			if parent != nil {
				own, up := netip.MustParsePrefix(p.CIDRs[0]), netip.MustParsePrefix(parent.CIDRs[0])
				if own.Bits() <= up.Bits() || !up.Contains(own.Addr()) {
					t.Errorf("%+v: pool %s CIDR %s is not inside its parent's %s", o, p.Name, own, up)
				}
			}
			if level[p] > 2 && len(p.Children) > 1 {
				t.Errorf("%+v: pool %s at level %d of the chain has %d children", o, p.Name, level[p], len(p.Children))
			}
		})
		if pools != o.Pools || allocs != o.Pools*o.AllocationsPerPool {
			t.Errorf("%+v: %d pools, %d allocations", o, pools, allocs)
		}
		var depths []int
		for _, d := range deepest {
			depths = append(depths, d)
		}
		slices.Sort(depths)
		chain := min(o.Pools, o.Depth)
		if depths[len(depths)-1] != chain {
			t.Errorf("%+v: deepest tree has %d levels; want the chain's %d", o, depths[len(depths)-1], chain)
		}
		if len(depths) > 1 && depths[len(depths)-2] > 2 {
			t.Errorf("%+v: a second tree of %d levels; want shallow ones beside the chain", o, depths[len(depths)-2])
		}
		if o.Pools > o.Depth && len(depths) < 2 {
			t.Errorf("%+v: no shallow trees", o)
		}
		a, _ := Marshal(topo)
		again, err := Generate(o)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := Marshal(again); !bytes.Equal(a, b) {
			t.Errorf("%+v: the same options gave different bytes", o)
		}
	}
}
