package topology

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"net/netip"
	"strconv"
)

// GenerateOptions size a generated topology.
type GenerateOptions struct {
	Pools              int // total number of pools, at least 1
	Depth              int // levels of each pool tree, 1-10 (1: top-level pools only)
	FanOut             int // sub-pools of each pool above the last level, 1-50
	AllocationsPerPool int // custom allocations in every pool, 0-64
	Seed               int64
	// Shared adds a consumer account: every top-level pool is shared with it through its own resource share,
	// and the consumer makes one VPC allocation in each.
	Shared bool
	// Skew gives the pools a skewed shape: one chain of Depth pools (one deep branch) beside trees of two
	// levels with FanOut sub-pools each (many shallow, wide ones), Pools in all. A plan of it has one long
	// critical path and most of its steps off it.
	Skew bool
}

// Quotas that shape a generated topology (reference §1.13).
const (
	genPoolsPerScope  = 500 // pools per private scope
	genScopesPerIPAM  = 1 + maxCustomScopes
	genMaxAllocations = 64
	genFirstAccount   = 1000000000000001
	genVPCMaxMask     = 28 // the smallest VPC block
	// genMaxPools bounds a generated topology: 100 accounts' worth of IPAMs at the quotas, far past every
	// test and benchmark here, and within what the emulator holds in memory (a typo of a few zeros more grew
	// until the kernel killed it, with no message).
	genMaxPools = 50_000
)

var genRoot = netip.MustParsePrefix("10.0.0.0/8")

// Generate builds a valid topology of the requested size: balanced pool trees filled breadth first, every
// tree in one scope (at most 500 pools a scope, four private scopes an IPAM, one IPAM per region and account,
// then the next account), and every CIDR carved inside its parent: each level splits its pool into FanOut
// sub-pool slots plus one slot that holds the pool's allocations. The seed shuffles the slots and picks tags,
// so the same options always give the same topology, byte for byte through Marshal.
func Generate(o GenerateOptions) (*Topology, error) {
	switch {
	case o.Pools < 1 || o.Pools > genMaxPools:
		return nil, fmt.Errorf("generate: pools %d: want 1-%d", o.Pools, genMaxPools)
	case o.Depth < 1 || o.Depth > maxPoolLevels:
		return nil, fmt.Errorf("generate: depth %d: want 1-%d", o.Depth, maxPoolLevels)
	case o.Depth > 1 && (o.FanOut < 1 || o.FanOut > maxChildren):
		return nil, fmt.Errorf("generate: fan-out %d: want 1-%d", o.FanOut, maxChildren)
	case o.AllocationsPerPool < 0 || o.AllocationsPerPool > genMaxAllocations:
		return nil, fmt.Errorf("generate: allocations-per-pool %d: want 0-%d", o.AllocationsPerPool, genMaxAllocations)
	}
	if o.Depth == 1 {
		o.FanOut = 0
	}
	g := &generator{o: o, rng: rand.New(rand.NewPCG(uint64(o.Seed), 0x1b4a_7e57_0f_a11))}
	return g.run()
}

type generator struct {
	o   GenerateOptions
	rng *rand.Rand
	t   *Topology

	pools, allocs, vpcs int // counters for names
}

// shape is the form of one pool tree: its levels and sub-pools per pool.
type shape struct {
	depth, fanOut int
	chain         bool // the skewed shape's deep branch: every pool a strictly smaller block than its parent
}

// size is the number of pools in a full tree of the shape, capped at a scope's quota.
func (s shape) size() int {
	size, level := 0, 1
	for d := 0; d < s.depth; d++ {
		size += level
		if size >= genPoolsPerScope {
			return genPoolsPerScope
		}
		level *= s.fanOut
	}
	return size
}

// tree is one tree to generate: its shape and its number of pools.
type tree struct {
	shape
	pools int
}

// trees splits the pools into trees: full ones of the requested shape, then the rest; with Skew, first the
// deep chain, then full shallow ones.
func (g *generator) trees() []tree {
	o := g.o
	main := shape{depth: o.Depth, fanOut: o.FanOut}
	var out []tree
	left := o.Pools
	if o.Skew {
		chain := shape{depth: o.Depth, fanOut: min(o.Depth-1, 1), chain: true}
		out = append(out, tree{chain, min(left, o.Depth)})
		left -= out[0].pools
		main = shape{depth: min(o.Depth, 2), fanOut: o.FanOut}
		if main.depth == 1 {
			main.fanOut = 0
		}
	}
	for full := main.size(); left > 0; left -= min(left, full) {
		out = append(out, tree{main, min(left, full)})
	}
	return out
}

// bitsFor is the number of bits that number n slots.
func bitsFor(n int) int {
	if n <= 1 {
		return 0
	}
	return bits.Len(uint(n - 1))
}

func (g *generator) run() (*Topology, error) {
	o := g.o
	trees := g.trees()
	full := 0
	for _, t := range trees {
		full = max(full, t.size())
	}
	perScope := genPoolsPerScope / full
	// Slots per pool: FanOut sub-pools, plus one for allocations when there are any.
	allocSlots := o.AllocationsPerPool
	if o.Shared {
		allocSlots++ // the consumer's VPC block in each top-level pool
	}
	rootBits := bitsFor(min(len(trees), perScope))
	abits := bitsFor(allocSlots)
	// The deepest pools sit at leafPrefix; the smallest allocation blocks are abits below the deepest
	// level's pools (a leaf's own CIDR, or an inner pool's allocation slot one level below it).
	allocPrefix, vpcPrefix := 0, 0
	for _, t := range trees {
		slotBits := t.slotBits(allocSlots)
		leafPrefix := genRoot.Bits() + rootBits + (t.depth-1)*slotBits
		ap := leafPrefix + abits
		if allocSlots == 0 {
			ap = leafPrefix
		}
		vp := genRoot.Bits() + rootBits + abits
		if t.depth > 1 {
			vp += slotBits
		}
		allocPrefix, vpcPrefix = max(allocPrefix, ap), max(vpcPrefix, vp)
	}
	switch {
	case allocPrefix > 32:
		return nil, fmt.Errorf("generate: depth %d, fan-out %d, %d allocations a pool and %d trees a scope need /%d blocks: IPv4 has 32 bits; lower depth, fan-out or allocations",
			o.Depth, o.FanOut, o.AllocationsPerPool, min(len(trees), perScope), allocPrefix)
	case o.Shared && vpcPrefix > genVPCMaxMask:
		return nil, fmt.Errorf("generate: the consumer's VPC blocks would be /%d, smaller than a VPC's /%d; lower fan-out, allocations or pools", vpcPrefix, genVPCMaxMask)
	}

	g.t = &Topology{}
	// Three regions, whatever the emulator serves: generated topologies (and the benchmarks' figures) stay
	// the same as the served list grows.
	regions := []string{"cn-hangzhou", "cn-shanghai", "cn-beijing"}
	var ipam *IPAM
	var account *Account
	scopeIndex, treesInScope := genScopesPerIPAM, perScope // start by opening an IPAM
	ipamCount := 0
	var consumer *Account
	if o.Shared {
		consumer = &Account{} // id set once the owners are known
	}
	for ti, tr := range trees {
		if treesInScope == perScope {
			treesInScope = 0
			scopeIndex++
			if scopeIndex >= genScopesPerIPAM {
				scopeIndex = 0
				region := regions[ipamCount%len(regions)]
				if ipamCount%len(regions) == 0 {
					account = &Account{ID: strconv.FormatInt(genFirstAccount+int64(len(g.t.Accounts)), 10)}
					g.t.Accounts = append(g.t.Accounts, account)
				}
				ipamCount++
				ipam = &IPAM{Name: fmt.Sprintf("gen-%d", ipamCount), Region: region, Tags: Tags{"generated": "true"}}
				account.IPAMs = append(account.IPAMs, ipam)
			} else {
				ipam.Scopes = append(ipam.Scopes, &Scope{Name: fmt.Sprintf("%s-scope-%d", ipam.Name, scopeIndex)})
			}
		}
		scope := ""
		if scopeIndex > 0 {
			scope = "scope/" + ipam.Scopes[scopeIndex-1].Name
		}
		rootCIDR := subnet(genRoot, rootBits, treesInScope)
		root, space := g.tree(ipam, scope, rootCIDR, tr, allocSlots)
		if o.Shared {
			share := &Share{Name: fmt.Sprintf("share-%d", ti+1), Resources: []string{"pool/" + root.Name}}
			account.Shares = append(account.Shares, share)
			g.vpcs++
			// The consumer's block is the last one of the root's allocation space.
			block := subnet(space, abits, allocSlots-1)
			consumer.VPCs = append(consumer.VPCs, &VPC{Name: fmt.Sprintf("vpc-%05d", g.vpcs), Pool: "pool/" + root.Name, CIDR: block.String()})
		}
		treesInScope++
	}
	if o.Shared {
		consumer.ID = strconv.FormatInt(genFirstAccount+int64(len(g.t.Accounts)), 10)
		for _, a := range g.t.Accounts {
			for _, s := range a.Shares {
				s.Targets = []string{consumer.ID}
			}
		}
		g.t.Accounts = append(g.t.Accounts, consumer)
		// Every account in one resource directory, so the shares need no invitation.
		rd := &ResourceDirectory{DelegatedAdmin: g.t.Accounts[0].ID}
		for _, a := range g.t.Accounts {
			rd.Accounts = append(rd.Accounts, a.ID)
		}
		g.t.ResourceDirectory = rd
	}
	if _, err := g.t.check(); err != nil {
		return nil, fmt.Errorf("generate: the generated topology is invalid (a generator bug): %w", err)
	}
	return g.t, nil
}

// slotBits is the number of bits that number a pool's slots: its sub-pools, plus one for allocations when
// there are any.
func (s shape) slotBits(allocSlots int) int {
	b := bitsFor(s.fanOut + min(allocSlots, 1))
	if s.chain {
		b = max(b, 1)
	}
	return b
}

// subnet returns the i-th of the 2^extra sub-blocks of the IPv4 block p.
func subnet(p netip.Prefix, extra, i int) netip.Prefix {
	a := p.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	newBits := p.Bits() + extra
	if extra > 0 {
		v |= uint32(i) << (32 - newBits)
	}
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), newBits)
}

// tree builds one pool tree of size pools breadth first under rootCIDR; it returns the root and the block
// that holds the root's allocations.
func (g *generator) tree(ipam *IPAM, scope string, rootCIDR netip.Prefix, tr tree, allocSlots int) (*Pool, netip.Prefix) {
	size, slotBits := tr.pools, tr.slotBits(allocSlots)
	type node struct {
		pool  *Pool
		level int
		cidr  netip.Prefix
		slots []int // a shuffled permutation of the pool's slots; the last FanOut+1-th is for allocations
	}
	newNode := func(level int, cidr netip.Prefix) *node {
		g.pools++
		p := &Pool{Name: fmt.Sprintf("pool-%05d", g.pools), CIDRs: []string{cidr.String()}, Tags: g.tags()}
		n := &node{pool: p, level: level, cidr: cidr}
		if level < tr.depth {
			n.slots = g.rng.Perm(1 << slotBits)
		}
		return n
	}
	rootNode := newNode(1, rootCIDR)
	rootNode.pool.Scope = scope
	rootNode.pool.Region = ipam.Region
	ipam.Pools = append(ipam.Pools, rootNode.pool)
	queue := []*node{rootNode}
	all := []*node{rootNode}
	for count := 1; len(queue) > 0 && count < size; {
		n := queue[0]
		queue = queue[1:]
		if n.level == tr.depth {
			continue
		}
		for i := 0; i < tr.fanOut && count < size; i++ {
			c := newNode(n.level+1, subnet(n.cidr, slotBits, n.slots[i]))
			n.pool.Children = append(n.pool.Children, c.pool)
			queue = append(queue, c)
			all = append(all, c)
			count++
		}
	}
	// Allocations: in the allocation slot of a pool with slots, else in the whole pool. The last block of a
	// top-level pool's slot is left to the consumer's VPC.
	var rootSpace netip.Prefix
	for _, n := range all {
		space := n.cidr
		if n.slots != nil && allocSlots > 0 {
			space = subnet(n.cidr, slotBits, n.slots[tr.fanOut])
		}
		if n == rootNode {
			rootSpace = space
		}
		abits := bitsFor(allocSlots)
		order := g.rng.Perm(1 << abits)
		for i := 0; i < g.o.AllocationsPerPool; i++ {
			g.allocs++
			idx := order[i]
			if n.level == 1 && g.o.Shared {
				idx = i // keep the last block free for the VPC
			}
			n.pool.Allocations = append(n.pool.Allocations, &Allocation{
				Name: fmt.Sprintf("alloc-%05d", g.allocs),
				CIDR: subnet(space, abits, idx).String(),
			})
		}
	}
	return rootNode.pool, rootSpace
}

// tags picks a pool's tags from the seed.
func (g *generator) tags() Tags {
	envs := []string{"prod", "staging", "dev"}
	teams := []string{"network", "payments", "search", "platform"}
	t := Tags{"env": envs[g.rng.IntN(len(envs))]}
	if g.rng.IntN(2) == 0 {
		t["team"] = teams[g.rng.IntN(len(teams))]
	}
	return t
}
