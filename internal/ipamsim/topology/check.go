package topology

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
)

// defaultRegions are the emulator's regions when a topology names none (ipamsim.Options.Regions): every
// region some product is served in; each resource is then checked against its own product's regions.
func defaultRegions() []string { return catalog.AllRegions() }

// Limits the format checks itself because they shape the tree; the emulator enforces the other quotas.
const (
	maxPoolLevels   = 10 // ipam_pool_quota_depth
	maxChildren     = 50 // sub-pools per pool
	maxPoolCIDRs    = 50 // provisioned CIDRs per pool
	maxCustomScopes = 3  // 5 scopes per IPAM, two of them the defaults
	maxTags         = 20
	maxSecondary    = 5 // secondary blocks per VPC and IP version
)

var (
	reName      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	reAccountID = regexp.MustCompile(`^[0-9]{1,20}$`)
	reFolderID  = regexp.MustCompile(`^fd-[A-Za-z0-9]+$`)
	reTagKey    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._:/-]{0,63}$`)
	reAction    = regexp.MustCompile(`^[A-Z][A-Za-z0-9]+$`)
	reRoleName  = regexp.MustCompile(`^[A-Za-z0-9.-]{1,64}$`) // a RAM role name
)

// index is what check learns about a topology: every named resource with its owner and the derived facts
// (effective scope, region, IP version, CIDRs) Apply needs.
type index struct {
	accounts    map[string]*Account
	ipams       map[string]*ipamInfo
	scopes      map[string]*scopeInfo
	pools       map[string]*poolInfo
	poolOrder   []*poolInfo // pre-order: parents before children
	discoveries map[string]*discoveryInfo
	shares      map[string]*Share
	vpcs        map[string]*VPC
	allocations map[string]fieldPath       // named custom allocations
	sharedWith  map[string]map[string]bool // "pool/NAME" or "discovery/NAME" -> target accounts
	associated  map[string]fieldPath       // discovery name -> where it is associated
	needs       map[string]map[string]fieldPath
	ipamRegions map[string]map[string]fieldPath // account -> region -> the IPAM hosted there
}

type ipamInfo struct {
	ipam  *IPAM
	owner *Account
	path  fieldPath
}

type scopeInfo struct {
	scope *Scope
	ipam  *ipamInfo
}

type poolInfo struct {
	pool     *Pool
	ipam     *ipamInfo
	parent   *poolInfo
	path     fieldPath
	scope    string // ScopeDefaultPrivate, ScopeDefaultPublic or a custom scope's name
	version  string // effective IP version
	region   string // effective pool region ("" when none)
	level    int    // 1 for a top-level pool
	prefixes []netip.Prefix
	used     []usedBlock // explicit blocks taken inside this pool: sub-pool CIDRs and allocations
}

// allocRegion is the RegionId of the pool's allocation calls: its own region, else the IPAM's.
func (p *poolInfo) allocRegion() string {
	if p.region != "" {
		return p.region
	}
	return p.ipam.ipam.Region
}

type usedBlock struct {
	prefix netip.Prefix
	path   fieldPath
}

type discoveryInfo struct {
	discovery *Discovery
	owner     *Account
	path      fieldPath
}

type checker struct {
	t       *Topology
	ix      *index
	regions map[string]bool
}

func (c *checker) errf(p fieldPath, format string, args ...any) error {
	return &Error{File: c.t.name, Line: lineOf(c.t.root, p), Path: p.String(), Msg: fmt.Sprintf(format, args...)}
}

// need records that Apply calls action as account because of the resource at p.
func (c *checker) need(account, action string, p fieldPath) {
	m := c.ix.needs[account]
	if m == nil {
		m = map[string]fieldPath{}
		c.ix.needs[account] = m
	}
	if _, ok := m[action]; !ok {
		m[action] = p
	}
}

// check validates the whole topology and indexes it. Parse runs it; Apply runs it again so that a topology
// built in Go (Generate, tests) gets the same checks.
func (t *Topology) check() (*index, error) {
	c := &checker{t: t, ix: &index{
		accounts:    map[string]*Account{},
		ipams:       map[string]*ipamInfo{},
		scopes:      map[string]*scopeInfo{},
		pools:       map[string]*poolInfo{},
		discoveries: map[string]*discoveryInfo{},
		shares:      map[string]*Share{},
		vpcs:        map[string]*VPC{},
		allocations: map[string]fieldPath{},
		sharedWith:  map[string]map[string]bool{},
		associated:  map[string]fieldPath{},
		needs:       map[string]map[string]fieldPath{},
		ipamRegions: map[string]map[string]fieldPath{},
	}, regions: map[string]bool{}}
	if err := c.checkTop(); err != nil {
		return nil, err
	}
	// Owned resources first, then shares (they refer to pools and discoveries), then what may use a
	// resource shared by another account.
	for i, a := range t.Accounts {
		p := fieldPath{"accounts", i}
		for j, ipam := range a.IPAMs {
			if err := c.checkIPAM(a, ipam, p.Add("ipams", j)); err != nil {
				return nil, err
			}
		}
	}
	for i, a := range t.Accounts {
		p := fieldPath{"accounts", i}
		for j, d := range a.Discoveries {
			if err := c.checkDiscovery(a, d, p.Add("discoveries", j)); err != nil {
				return nil, err
			}
		}
	}
	for i, a := range t.Accounts {
		p := fieldPath{"accounts", i}
		for j, s := range a.Shares {
			if err := c.checkShare(a, s, p.Add("shares", j)); err != nil {
				return nil, err
			}
		}
	}
	for i, a := range t.Accounts {
		p := fieldPath{"accounts", i}
		for j, as := range a.Associations {
			if err := c.checkAssociation(a, as, p.Add("associations", j)); err != nil {
				return nil, err
			}
		}
		for j, ipam := range a.IPAMs {
			if err := c.checkMembers(a, ipam, p.Add("ipams", j)); err != nil {
				return nil, err
			}
		}
		for j, al := range a.Allocations {
			if err := c.checkAccountAllocation(a, al, p.Add("allocations", j)); err != nil {
				return nil, err
			}
		}
		for j, v := range a.VPCs {
			if err := c.checkVPC(a, v, p.Add("vpcs", j)); err != nil {
				return nil, err
			}
		}
	}
	// Explicit blocks inside a pool (sub-pool CIDRs, custom and VPC allocations) must not overlap.
	for _, pi := range c.ix.poolOrder {
		if err := c.disjoint(pi.used, "inside pool "+pi.pool.Name); err != nil {
			return nil, err
		}
	}
	// A denied action Apply itself needs would make the topology impossible to build.
	for i, a := range t.Accounts {
		for j, d := range a.Denied {
			if where, ok := c.ix.needs[a.ID][d]; ok {
				return nil, c.errf(fieldPath{"accounts", i, "denied", j},
					"%s is denied but needed to build %s; deny only actions the topology does not create with", d, where)
			}
		}
	}
	return c.ix, nil
}

func (c *checker) checkTop() error {
	t := c.t
	for i, r := range t.Regions {
		p := fieldPath{"regions", i}
		if r == "" {
			return c.errf(p, "empty region")
		}
		if c.regions[r] {
			return c.errf(p, "region %s listed twice", r)
		}
		if !slices.Contains(catalog.AllRegions(), r) {
			return c.errf(p, "%s is a region of no product the emulator serves (VpcIpam: %s; Vpc and ResourceSharing: %s)", r,
				strings.Join(catalog.Regions(catalog.ProductVpcIpam), ", "), strings.Join(catalog.PublicRegions(), ", "))
		}
		c.regions[r] = true
	}
	if len(t.Regions) == 0 {
		for _, r := range defaultRegions() {
			c.regions[r] = true
		}
	}
	if len(t.Accounts) == 0 {
		return c.errf(fieldPath{"accounts"}, "a topology needs at least one account")
	}
	keys := map[string]fieldPath{}
	for i, a := range t.Accounts {
		p := fieldPath{"accounts", i}
		if a == nil {
			return c.errf(p, "empty account")
		}
		if !reAccountID.MatchString(a.ID) {
			return c.errf(p.Add("id"), "account id %q: want a numeric account id such as 1000000000000001", a.ID)
		}
		if _, dup := c.ix.accounts[a.ID]; dup {
			return c.errf(p.Add("id"), "account %s is declared twice", a.ID)
		}
		c.ix.accounts[a.ID] = a
		if (a.AccessKeyID == "") != (a.AccessKeySecret == "") {
			return c.errf(p, "set both access_key_id and access_key_secret, or neither (defaults are generated)")
		}
		for j, d := range a.Denied {
			if !reAction.MatchString(d) {
				return c.errf(p.Add("denied", j), "%q is not an API action name such as DeleteIpamPool", d)
			}
		}
	}
	for i, a := range t.Accounts {
		if err := c.checkRoles(a, fieldPath{"accounts", i, "roles"}); err != nil {
			return err
		}
	}
	for i, cred := range t.Credentials() {
		if prev, dup := keys[cred.AccessKeyID]; dup {
			return c.errf(fieldPath{"accounts", i, "access_key_id"}, "access key id %s is also used by %s", cred.AccessKeyID, prev)
		}
		keys[cred.AccessKeyID] = fieldPath{"accounts", i}
	}
	if rd := t.ResourceDirectory; rd != nil {
		p := fieldPath{"resource_directory"}
		in := map[string]bool{}
		for i, id := range rd.Accounts {
			if !reAccountID.MatchString(id) {
				return c.errf(p.Add("accounts", i), "account id %q is not numeric", id)
			}
			if in[id] {
				return c.errf(p.Add("accounts", i), "account %s listed twice", id)
			}
			in[id] = true
		}
		if !in[rd.DelegatedAdmin] {
			return c.errf(p.Add("delegated_admin"), "delegated admin %q must be one of resource_directory.accounts", rd.DelegatedAdmin)
		}
		for _, fd := range sortedKeys(rd.Folders) {
			fp := p.Add("folders", fd)
			if !reFolderID.MatchString(fd) {
				return c.errf(fp, "folder id %q: want fd-...", fd)
			}
			for j, id := range rd.Folders[fd] {
				if !in[id] {
					return c.errf(fp.Add(j), "account %s of folder %s is not in resource_directory.accounts", id, fd)
				}
			}
		}
	}
	return nil
}

// checkRoles checks an account's RAM roles: names as RAM spells them, distinct (case-insensitively, as RAM
// compares them), and trust lists of accounts the topology declares.
func (c *checker) checkRoles(a *Account, p fieldPath) error {
	seen := map[string]fieldPath{}
	for j, r := range a.Roles {
		rp := p.Add(j)
		if r == nil {
			return c.errf(rp, "empty role")
		}
		if !reRoleName.MatchString(r.Name) {
			return c.errf(rp.Add("name"), "role name %q: want 1-64 letters, digits, '.' or '-'", r.Name)
		}
		if prev, dup := seen[strings.ToLower(r.Name)]; dup {
			return c.errf(rp.Add("name"), "role %s is also declared at %s", r.Name, prev)
		}
		seen[strings.ToLower(r.Name)] = rp
		if len(r.Trust) == 0 {
			return c.errf(rp.Add("trust"), "role %s trusts no account: list the account ids that may assume it", r.Name)
		}
		listed := map[string]bool{}
		for k, id := range r.Trust {
			if _, ok := c.ix.accounts[id]; !ok {
				return c.errf(rp.Add("trust", k), "account %q is not an account of this topology", id)
			}
			if listed[id] {
				return c.errf(rp.Add("trust", k), "account %s listed twice", id)
			}
			listed[id] = true
		}
	}
	return nil
}

func (c *checker) name(p fieldPath, kind, n string) error {
	if !reName.MatchString(n) {
		return c.errf(p.Add("name"), "%s name %q: want 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit", kind, n)
	}
	return nil
}

// region checks a resource's region: served by the topology (regions:) and one of its product's regions
// (catalog.Regions): an IPAM cannot be in na-south-1, a VPC not in cn-wuhan-lr.
func (c *checker) region(p fieldPath, product, r string) error {
	if r == "" {
		return c.errf(p, "missing region")
	}
	if !c.regions[r] {
		return c.errf(p, "region %s is not served (served: %s)", r, strings.Join(sortedSet(c.regions), ", "))
	}
	if !catalog.HasRegion(product, r) {
		return c.errf(p, "%s is not served in region %s (its regions: %s)", product, r, strings.Join(catalog.Regions(product), ", "))
	}
	return nil
}

func (c *checker) operatingRegions(p fieldPath, home string, list []string) error {
	seen := map[string]bool{}
	for i, r := range list {
		if err := c.region(p.Add(i), catalog.ProductVpcIpam, r); err != nil {
			return err
		}
		if seen[r] {
			return c.errf(p.Add(i), "region %s listed twice", r)
		}
		seen[r] = true
	}
	if len(list) > 0 && !seen[home] {
		return c.errf(p, "operating regions must include the hosted region %s", home)
	}
	return nil
}

func (c *checker) tags(p fieldPath, tags Tags) error {
	if len(tags) > maxTags {
		return c.errf(p, "%d tags: at most %d per resource", len(tags), maxTags)
	}
	for _, k := range sortedKeys(tags) {
		lk := strings.ToLower(k)
		if !reTagKey.MatchString(k) || strings.HasPrefix(lk, "aliyun") || strings.HasPrefix(lk, "acs:") ||
			strings.Contains(lk, "http://") || strings.Contains(lk, "https://") {
			return c.errf(p.Add(k), "tag key %q: at most 64 characters, starting with a letter, not aliyun... or acs:...", k)
		}
		if len(tags[k]) > 128 {
			return c.errf(p.Add(k), "tag value longer than 128 characters")
		}
	}
	return nil
}

func (c *checker) checkIPAM(owner *Account, m *IPAM, p fieldPath) error {
	if m == nil {
		return c.errf(p, "empty ipam")
	}
	if err := c.name(p, "ipam", m.Name); err != nil {
		return err
	}
	if prev, dup := c.ix.ipams[m.Name]; dup {
		return c.errf(p.Add("name"), "ipam %s is also declared at %s", m.Name, prev.path)
	}
	info := &ipamInfo{ipam: m, owner: owner, path: p}
	c.ix.ipams[m.Name] = info
	if err := c.region(p.Add("region"), catalog.ProductVpcIpam, m.Region); err != nil {
		return err
	}
	byRegion := c.ix.ipamRegions[owner.ID]
	if byRegion == nil {
		byRegion = map[string]fieldPath{}
		c.ix.ipamRegions[owner.ID] = byRegion
	}
	if prev, dup := byRegion[m.Region]; dup {
		return c.errf(p.Add("region"), "account %s already has an IPAM in %s (%s): one IPAM per account and region", owner.ID, m.Region, prev)
	}
	byRegion[m.Region] = p
	if err := c.operatingRegions(p.Add("operating_regions"), m.Region, m.OperatingRegions); err != nil {
		return err
	}
	if err := c.tags(p.Add("tags"), m.Tags); err != nil {
		return err
	}
	c.need(owner.ID, "CreateIpam", p)
	if len(m.Scopes) > maxCustomScopes {
		return c.errf(p.Add("scopes"), "%d custom scopes: an IPAM holds at most %d besides its two default scopes", len(m.Scopes), maxCustomScopes)
	}
	for i, s := range m.Scopes {
		sp := p.Add("scopes", i)
		if s == nil {
			return c.errf(sp, "empty scope")
		}
		if err := c.name(sp, "scope", s.Name); err != nil {
			return err
		}
		if _, dup := c.ix.scopes[s.Name]; dup {
			return c.errf(sp.Add("name"), "scope %s is declared twice", s.Name)
		}
		if err := c.tags(sp.Add("tags"), s.Tags); err != nil {
			return err
		}
		c.ix.scopes[s.Name] = &scopeInfo{scope: s, ipam: info}
		c.need(owner.ID, "CreateIpamScope", sp)
	}
	// Top-level pools of one scope must not overlap; different scopes may.
	top := map[string][]usedBlock{}
	for i, pool := range m.Pools {
		pi, err := c.checkPool(info, nil, pool, p.Add("pools", i))
		if err != nil {
			return err
		}
		for j, pre := range pi.prefixes {
			top[pi.scope] = append(top[pi.scope], usedBlock{pre, pi.path.Add("cidrs", j)})
		}
	}
	for _, scope := range sortedKeys(top) {
		if err := c.disjoint(top[scope], "in the same scope"); err != nil {
			return err
		}
	}
	return nil
}

// disjoint reports the first two blocks that overlap.
func (c *checker) disjoint(blocks []usedBlock, where string) error {
	sorted := slices.Clone(blocks)
	sort.SliceStable(sorted, func(i, j int) bool {
		return sorted[i].prefix.Addr().Less(sorted[j].prefix.Addr()) ||
			(sorted[i].prefix.Addr() == sorted[j].prefix.Addr() && sorted[i].prefix.Bits() < sorted[j].prefix.Bits())
	})
	for i := 1; i < len(sorted); i++ {
		a, b := sorted[i-1], sorted[i]
		if a.prefix.Overlaps(b.prefix) {
			first, second := a, b
			if lessPath(second.path, first.path) {
				first, second = second, first
			}
			return c.errf(second.path, "%s overlaps %s (%s) %s", second.prefix, first.prefix, first.path, where)
		}
	}
	return nil
}

// lessPath orders paths by their text, which follows the file for equal prefixes well enough to name the
// later of two overlapping blocks.
func lessPath(a, b fieldPath) bool { return a.String() < b.String() }

func (c *checker) checkPool(ipam *ipamInfo, parent *poolInfo, pool *Pool, p fieldPath) (*poolInfo, error) {
	if pool == nil {
		return nil, c.errf(p, "empty pool")
	}
	if err := c.name(p, "pool", pool.Name); err != nil {
		return nil, err
	}
	if prev, dup := c.ix.pools[pool.Name]; dup {
		return nil, c.errf(p.Add("name"), "pool %s is also declared at %s", pool.Name, prev.path)
	}
	pi := &poolInfo{pool: pool, ipam: ipam, parent: parent, path: p, level: 1}
	c.ix.pools[pool.Name] = pi
	c.ix.poolOrder = append(c.ix.poolOrder, pi)
	c.need(ipam.owner.ID, "CreateIpamPool", p)

	// IP version and scope.
	switch pool.IPVersion {
	case "", IPv4, IPv6:
	default:
		return nil, c.errf(p.Add("ip_version"), "ip_version %q: want IPv4 or IPv6", pool.IPVersion)
	}
	if parent != nil {
		pi.level = parent.level + 1
		if pi.level > maxPoolLevels {
			return nil, c.errf(p, "pool %s is at level %d: pool trees are at most %d levels deep", pool.Name, pi.level, maxPoolLevels)
		}
		if pool.Scope != "" {
			return nil, c.errf(p.Add("scope"), "a sub-pool is in its parent's scope; leave scope empty")
		}
		if pool.IPVersion != "" && pool.IPVersion != parent.version {
			return nil, c.errf(p.Add("ip_version"), "%s differs from the parent's %s", pool.IPVersion, parent.version)
		}
		pi.version, pi.scope = parent.version, parent.scope
	} else {
		pi.version = pool.IPVersion
		if pi.version == "" {
			pi.version = IPv4
		}
		switch s := pool.Scope; {
		case s == "" && pi.version == IPv4, s == ScopeDefaultPrivate:
			pi.scope = ScopeDefaultPrivate
		case s == "" && pi.version == IPv6, s == ScopeDefaultPublic:
			pi.scope = ScopeDefaultPublic
		case strings.HasPrefix(s, "scope/"):
			name := strings.TrimPrefix(s, "scope/")
			si, ok := c.ix.scopes[name]
			if !ok || si.ipam != ipam {
				return nil, c.errf(p.Add("scope"), "%s is not a scope of ipam %s", s, ipam.ipam.Name)
			}
			pi.scope = name
		default:
			return nil, c.errf(p.Add("scope"), "scope %q: want scope/NAME, %s or %s", s, ScopeDefaultPrivate, ScopeDefaultPublic)
		}
		// Private scopes take IPv4 only; the public default scope takes IPv6 only.
		if pi.scope == ScopeDefaultPublic && pi.version != IPv6 {
			return nil, c.errf(p.Add("scope"), "the public default scope holds IPv6 pools only")
		}
		if pi.scope != ScopeDefaultPublic && pi.version != IPv4 {
			return nil, c.errf(p.Add("ip_version"), "private scopes hold IPv4 pools only; put IPv6 pools in %s", ScopeDefaultPublic)
		}
	}

	// Region: a sub-pool inherits its parent's region when the parent has one.
	pi.region = pool.Region
	if parent != nil && parent.region != "" {
		if pool.Region != "" && pool.Region != parent.region {
			return nil, c.errf(p.Add("region"), "%s differs from the parent's region %s (a sub-pool inherits it)", pool.Region, parent.region)
		}
		pi.region = parent.region
	}
	if pool.Region != "" {
		ops := ipam.ipam.OperatingRegions
		if len(ops) == 0 {
			ops = []string{ipam.ipam.Region}
		}
		if !slices.Contains(ops, pool.Region) {
			return nil, c.errf(p.Add("region"), "%s is not an operating region of ipam %s (%s)", pool.Region, ipam.ipam.Name, strings.Join(ops, ", "))
		}
	}
	if pi.version == IPv6 && pi.region == "" {
		return nil, c.errf(p.Add("region"), "an IPv6 pool needs a region")
	}
	switch pool.ISP {
	case "":
	case "BGP", "ChinaMobile", "ChinaUnicom", "ChinaTelecom":
		if pi.version != IPv6 {
			return nil, c.errf(p.Add("isp"), "isp applies to IPv6 pools only")
		}
	default:
		return nil, c.errf(p.Add("isp"), "isp %q: want BGP, ChinaMobile, ChinaUnicom or ChinaTelecom", pool.ISP)
	}
	maxBits := 32
	if pi.version == IPv6 {
		maxBits = 128
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"allocation_min_mask", pool.AllocationMinMask}, {"allocation_max_mask", pool.AllocationMaxMask}, {"allocation_default_mask", pool.AllocationDefaultMask}} {
		if f.v < 0 || f.v > maxBits {
			return nil, c.errf(p.Add(f.name), "%d is outside 0-%d", f.v, maxBits)
		}
	}
	if lo, hi := pool.AllocationMinMask, pool.AllocationMaxMask; lo != 0 && hi != 0 && lo > hi {
		return nil, c.errf(p.Add("allocation_min_mask"), "allocation_min_mask %d is larger than allocation_max_mask %d", lo, hi)
	}
	if d := pool.AllocationDefaultMask; d != 0 && ((pool.AllocationMinMask != 0 && d < pool.AllocationMinMask) || (pool.AllocationMaxMask != 0 && d > pool.AllocationMaxMask)) {
		return nil, c.errf(p.Add("allocation_default_mask"), "%d is outside allocation_min_mask..allocation_max_mask", d)
	}
	if err := c.tags(p.Add("tags"), pool.Tags); err != nil {
		return nil, err
	}

	// CIDRs. Private top-level pools take explicit CIDRs only, public IPv6 top-level pools netmasks only.
	if n := len(pool.CIDRs) + len(pool.Netmasks); n > maxPoolCIDRs {
		return nil, c.errf(p.Add("cidrs"), "%d CIDRs: a pool holds at most %d", n, maxPoolCIDRs)
	}
	if parent == nil && pi.version == IPv4 && len(pool.Netmasks) > 0 {
		return nil, c.errf(p.Add("netmasks"), "a top-level private pool is provisioned with explicit cidrs only")
	}
	if parent == nil && pi.version == IPv6 && len(pool.CIDRs) > 0 {
		return nil, c.errf(p.Add("cidrs"), "a top-level public IPv6 pool is provisioned with netmasks only")
	}
	var own []usedBlock
	for i, s := range pool.CIDRs {
		cp := p.Add("cidrs", i)
		pre, err := c.prefix(cp, s, pi.version)
		if err != nil {
			return nil, err
		}
		if parent != nil {
			if len(parent.prefixes) == 0 {
				return nil, c.errf(cp, "%s: the parent pool %s has no explicit cidrs to carve it from; use netmasks", s, parent.pool.Name)
			}
			if !within(pre, parent.prefixes) {
				return nil, c.errf(cp, "%s is not inside a CIDR of the parent pool %s (%s)", s, parent.pool.Name, joinPrefixes(parent.prefixes))
			}
			parent.used = append(parent.used, usedBlock{pre, cp})
		}
		pi.prefixes = append(pi.prefixes, pre)
		own = append(own, usedBlock{pre, cp})
		c.need(ipam.owner.ID, "AddIpamPoolCidr", cp)
	}
	if err := c.disjoint(own, "in the same pool"); err != nil {
		return nil, err
	}
	for i, n := range pool.Netmasks {
		np := p.Add("netmasks", i)
		if n < 1 || n > maxBits {
			return nil, c.errf(np, "netmask %d is outside 1-%d", n, maxBits)
		}
		if parent != nil && len(parent.prefixes) > 0 && n < minBits(parent.prefixes) {
			return nil, c.errf(np, "netmask /%d is larger than every CIDR of the parent pool %s", n, parent.pool.Name)
		}
		c.need(ipam.owner.ID, "AddIpamPoolCidr", np)
	}

	for i, a := range pool.Allocations {
		ap := p.Add("allocations", i)
		if a == nil {
			return nil, c.errf(ap, "empty allocation")
		}
		if a.Pool != "" {
			return nil, c.errf(ap.Add("pool"), "an allocation nested in a pool is in that pool; pool is for an account's allocations")
		}
		if err := c.allocation(pi, a, ap); err != nil {
			return nil, err
		}
		c.need(ipam.owner.ID, "CreateIpamPoolAllocation", ap)
	}

	if len(pool.Children) > maxChildren {
		return nil, c.errf(p.Add("children"), "%d sub-pools: a pool holds at most %d", len(pool.Children), maxChildren)
	}
	for i, child := range pool.Children {
		if _, err := c.checkPool(ipam, pi, child, p.Add("children", i)); err != nil {
			return nil, err
		}
	}
	return pi, nil
}

// allocation checks a custom allocation in pool pi and records its explicit block.
func (c *checker) allocation(pi *poolInfo, a *Allocation, p fieldPath) error {
	if a.Name != "" {
		if err := c.name(p, "allocation", a.Name); err != nil {
			return err
		}
		if prev, dup := c.ix.allocations[a.Name]; dup {
			return c.errf(p.Add("name"), "allocation %s is also declared at %s", a.Name, prev)
		}
		c.ix.allocations[a.Name] = p
	}
	return c.block(pi, a.CIDR, a.Mask, p, true)
}

// block checks a CIDR or mask taken from pool pi; required says one of them must be given.
func (c *checker) block(pi *poolInfo, cidr string, mask int, p fieldPath, required bool) error {
	if len(pi.pool.CIDRs) == 0 && len(pi.pool.Netmasks) == 0 {
		return c.errf(p, "pool %s has no cidrs or netmasks to allocate from", pi.pool.Name)
	}
	switch {
	case cidr != "" && mask != 0:
		return c.errf(p, "give cidr or mask, not both")
	case cidr == "" && mask == 0:
		if required {
			return c.errf(p, "give cidr or mask")
		}
		return nil
	case mask != 0:
		maxBits := 32
		if pi.version == IPv6 {
			maxBits = 128
		}
		if mask < 1 || mask > maxBits {
			return c.errf(p.Add("mask"), "mask %d is outside 1-%d", mask, maxBits)
		}
		return nil
	}
	pre, err := c.prefix(p.Add("cidr"), cidr, pi.version)
	if err != nil {
		return err
	}
	if len(pi.prefixes) == 0 {
		return c.errf(p.Add("cidr"), "%s: pool %s has no explicit cidrs; use mask", cidr, pi.pool.Name)
	}
	if !within(pre, pi.prefixes) {
		return c.errf(p.Add("cidr"), "%s is not inside a CIDR of pool %s (%s)", cidr, pi.pool.Name, joinPrefixes(pi.prefixes))
	}
	pi.used = append(pi.used, usedBlock{pre, p.Add("cidr")})
	return nil
}

// prefix parses a CIDR of the given IP version that must be written in its canonical (masked) form.
func (c *checker) prefix(p fieldPath, s, version string) (netip.Prefix, error) {
	pre, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, c.errf(p, "%q is not a CIDR", s)
	}
	if pre.Masked() != pre {
		return netip.Prefix{}, c.errf(p, "%s has host bits set; did you mean %s?", s, pre.Masked())
	}
	if (version == IPv6) != pre.Addr().Is6() {
		return netip.Prefix{}, c.errf(p, "%s is not an %s CIDR", s, version)
	}
	return pre, nil
}

func within(p netip.Prefix, parents []netip.Prefix) bool {
	for _, q := range parents {
		if q.Bits() <= p.Bits() && q.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

func minBits(ps []netip.Prefix) int {
	m := 128
	for _, p := range ps {
		m = min(m, p.Bits())
	}
	return m
}

func joinPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

func (c *checker) checkDiscovery(owner *Account, d *Discovery, p fieldPath) error {
	if d == nil {
		return c.errf(p, "empty discovery")
	}
	if err := c.name(p, "discovery", d.Name); err != nil {
		return err
	}
	if prev, dup := c.ix.discoveries[d.Name]; dup {
		return c.errf(p.Add("name"), "discovery %s is also declared at %s", d.Name, prev.path)
	}
	if err := c.region(p.Add("region"), catalog.ProductVpcIpam, d.Region); err != nil {
		return err
	}
	// One resource discovery per account and region: an IPAM's default discovery takes the slot.
	if where, ok := c.ix.ipamRegions[owner.ID][d.Region]; ok {
		return c.errf(p.Add("region"), "account %s has an IPAM in %s (%s), whose default discovery is the region's one discovery", owner.ID, d.Region, where)
	}
	for _, other := range c.ix.discoveries {
		if other.owner == owner && other.discovery.Region == d.Region {
			return c.errf(p.Add("region"), "account %s already has discovery %s in %s: one custom discovery per account and region", owner.ID, other.discovery.Name, d.Region)
		}
	}
	if err := c.operatingRegions(p.Add("operating_regions"), d.Region, d.OperatingRegions); err != nil {
		return err
	}
	if err := c.tags(p.Add("tags"), d.Tags); err != nil {
		return err
	}
	c.ix.discoveries[d.Name] = &discoveryInfo{discovery: d, owner: owner, path: p}
	c.need(owner.ID, "CreateIpamResourceDiscovery", p)
	return nil
}

// ref parses a reference "kind/NAME".
func (c *checker) ref(p fieldPath, v string, kinds ...string) (kind, name string, err error) {
	k, n, ok := strings.Cut(v, "/")
	if !ok || n == "" || !slices.Contains(kinds, k) {
		return "", "", c.errf(p, "reference %q: want %s/NAME", v, strings.Join(kinds, "/NAME or "))
	}
	return k, n, nil
}

func (c *checker) checkShare(owner *Account, s *Share, p fieldPath) error {
	if s == nil {
		return c.errf(p, "empty share")
	}
	if err := c.name(p, "share", s.Name); err != nil {
		return err
	}
	if _, dup := c.ix.shares[s.Name]; dup {
		return c.errf(p.Add("name"), "share %s is declared twice", s.Name)
	}
	c.ix.shares[s.Name] = s
	if len(s.Resources) == 0 {
		return c.errf(p.Add("resources"), "a share needs at least one resource")
	}
	if len(s.Targets) == 0 {
		return c.errf(p.Add("targets"), "a share needs at least one target account")
	}
	region := ""
	seen := map[string]bool{}
	for i, r := range s.Resources {
		rp := p.Add("resources", i)
		kind, name, err := c.ref(rp, r, "pool", "discovery")
		if err != nil {
			return err
		}
		if seen[r] {
			return c.errf(rp, "%s listed twice", r)
		}
		seen[r] = true
		var resOwner *Account
		var resRegion string
		switch kind {
		case "pool":
			pi, ok := c.ix.pools[name]
			if !ok {
				return c.errf(rp, "%s is not declared", r)
			}
			resOwner, resRegion = pi.ipam.owner, pi.ipam.ipam.Region
		case "discovery":
			di, ok := c.ix.discoveries[name]
			if !ok {
				return c.errf(rp, "%s is not declared (an IPAM's default discovery cannot be named here)", r)
			}
			resOwner, resRegion = di.owner, di.discovery.Region
		}
		if resOwner != owner {
			return c.errf(rp, "%s belongs to account %s: only the owner can share it", r, resOwner.ID)
		}
		if region != "" && resRegion != region {
			return c.errf(rp, "%s is in %s but the share's other resources are in %s", r, resRegion, region)
		}
		region = resRegion
	}
	targets := map[string]bool{}
	for i, tg := range s.Targets {
		tp := p.Add("targets", i)
		if !reAccountID.MatchString(tg) {
			return c.errf(tp, "target %q: want an account id", tg)
		}
		if tg == owner.ID {
			return c.errf(tp, "a share's target cannot be its owner %s", tg)
		}
		if targets[tg] {
			return c.errf(tp, "target %s listed twice", tg)
		}
		if !s.AllowExternalTargets && !c.inDirectory(owner.ID, tg) {
			return c.errf(tp, "account %s is not in the resource directory with %s: set allow_external_targets", tg, owner.ID)
		}
		targets[tg] = true
	}
	for _, r := range s.Resources {
		m := c.ix.sharedWith[r]
		if m == nil {
			m = map[string]bool{}
			c.ix.sharedWith[r] = m
		}
		for tg := range targets {
			m[tg] = true
		}
	}
	c.need(owner.ID, "CreateResourceShare", p)
	return nil
}

// inDirectory reports whether both accounts are in the resource directory.
func (c *checker) inDirectory(a, b string) bool {
	rd := c.t.ResourceDirectory
	return rd != nil && slices.Contains(rd.Accounts, a) && slices.Contains(rd.Accounts, b)
}

// usable reports whether account may use a resource: it owns it or the resource is shared with it.
func (c *checker) usable(account *Account, ref string, owner *Account) bool {
	return owner == account || c.ix.sharedWith[ref][account.ID]
}

func (c *checker) checkAssociation(a *Account, as *Association, p fieldPath) error {
	if as == nil {
		return c.errf(p, "empty association")
	}
	_, iname, err := c.ref(p.Add("ipam"), as.IPAM, "ipam")
	if err != nil {
		return err
	}
	ii, ok := c.ix.ipams[iname]
	if !ok {
		return c.errf(p.Add("ipam"), "%s is not declared", as.IPAM)
	}
	if ii.owner != a {
		return c.errf(p.Add("ipam"), "%s belongs to account %s; associate it from that account", as.IPAM, ii.owner.ID)
	}
	_, dname, err := c.ref(p.Add("discovery"), as.Discovery, "discovery")
	if err != nil {
		return err
	}
	di, ok := c.ix.discoveries[dname]
	if !ok {
		return c.errf(p.Add("discovery"), "%s is not declared", as.Discovery)
	}
	if !c.usable(a, as.Discovery, di.owner) {
		return c.errf(p.Add("discovery"), "%s belongs to account %s and no share gives it to %s", as.Discovery, di.owner.ID, a.ID)
	}
	if di.owner != a && di.discovery.Region != ii.ipam.Region {
		return c.errf(p.Add("discovery"), "shared %s is hosted in %s but ipam %s in %s: they must match", as.Discovery, di.discovery.Region, iname, ii.ipam.Region)
	}
	if prev, dup := c.ix.associated[dname]; dup {
		return c.errf(p.Add("discovery"), "%s is already associated (%s): a discovery joins one IPAM", as.Discovery, prev)
	}
	c.ix.associated[dname] = p
	c.need(a.ID, "AssociateIpamResourceDiscovery", p)
	return nil
}

func (c *checker) checkMembers(a *Account, m *IPAM, p fieldPath) error {
	if len(m.Members) == 0 {
		return nil
	}
	rd := c.t.ResourceDirectory
	if rd == nil {
		return c.errf(p.Add("members"), "members need a resource_directory")
	}
	if rd.DelegatedAdmin != a.ID {
		return c.errf(p.Add("members"), "only the resource directory's delegated admin (%s) can add members; ipam %s belongs to %s", rd.DelegatedAdmin, m.Name, a.ID)
	}
	seen := map[string]bool{}
	for i, mem := range m.Members {
		mp := p.Add("members", i)
		if mem == nil {
			return c.errf(mp, "empty member")
		}
		typ := mem.Type
		if typ == "" {
			typ = MemberAccount
			if strings.HasPrefix(mem.ID, "fd-") {
				typ = MemberFolder
			}
		}
		switch typ {
		case MemberAccount:
			if !slices.Contains(rd.Accounts, mem.ID) {
				return c.errf(mp.Add("id"), "account %s is not in the resource directory", mem.ID)
			}
			if mem.ID == rd.DelegatedAdmin {
				return c.errf(mp.Add("id"), "the delegated admin %s cannot be a member", mem.ID)
			}
		case MemberFolder:
			if _, ok := rd.Folders[mem.ID]; !ok {
				return c.errf(mp.Add("id"), "folder %s is not in the resource directory", mem.ID)
			}
		default:
			return c.errf(mp.Add("type"), "member type %q: want %s or %s", mem.Type, MemberAccount, MemberFolder)
		}
		if seen[mem.ID] {
			return c.errf(mp.Add("id"), "member %s listed twice", mem.ID)
		}
		seen[mem.ID] = true
	}
	c.need(a.ID, "AddIpamMembers", p.Add("members"))
	return nil
}

// usePool resolves a pool reference an account wants to take addresses from.
func (c *checker) usePool(a *Account, p fieldPath, ref, version string) (*poolInfo, error) {
	_, name, err := c.ref(p, ref, "pool")
	if err != nil {
		return nil, err
	}
	pi, ok := c.ix.pools[name]
	if !ok {
		return nil, c.errf(p, "%s is not declared", ref)
	}
	if !c.usable(a, ref, pi.ipam.owner) {
		return nil, c.errf(p, "%s belongs to account %s and no share gives it to %s", ref, pi.ipam.owner.ID, a.ID)
	}
	if version != "" && pi.version != version {
		return nil, c.errf(p, "%s is an %s pool; want %s", ref, pi.version, version)
	}
	return pi, nil
}

func (c *checker) checkAccountAllocation(a *Account, al *Allocation, p fieldPath) error {
	if al == nil {
		return c.errf(p, "empty allocation")
	}
	if al.Pool == "" {
		return c.errf(p.Add("pool"), "missing pool: an account's allocation names its pool/NAME")
	}
	pi, err := c.usePool(a, p.Add("pool"), al.Pool, "")
	if err != nil {
		return err
	}
	if err := c.allocation(pi, al, p); err != nil {
		return err
	}
	c.need(a.ID, "CreateIpamPoolAllocation", p)
	return nil
}

func (c *checker) checkVPC(a *Account, v *VPC, p fieldPath) error {
	if v == nil {
		return c.errf(p, "empty vpc")
	}
	if err := c.name(p, "vpc", v.Name); err != nil {
		return err
	}
	if _, dup := c.ix.vpcs[v.Name]; dup {
		return c.errf(p.Add("name"), "vpc %s is declared twice", v.Name)
	}
	c.ix.vpcs[v.Name] = v
	var pools []*poolInfo
	if v.Pool != "" {
		pi, err := c.usePool(a, p.Add("pool"), v.Pool, IPv4)
		if err != nil {
			return err
		}
		if err := c.block(pi, v.CIDR, v.Mask, p, true); err != nil {
			return err
		}
		pools = append(pools, pi)
	} else {
		if v.Mask != 0 {
			return c.errf(p.Add("mask"), "mask needs a pool")
		}
		if v.CIDR != "" {
			if _, err := c.prefix(p.Add("cidr"), v.CIDR, IPv4); err != nil {
				return err
			}
		}
	}
	if v.IPv6Pool != "" {
		pi, err := c.usePool(a, p.Add("ipv6_pool"), v.IPv6Pool, IPv6)
		if err != nil {
			return err
		}
		if len(pi.pool.CIDRs) == 0 && len(pi.pool.Netmasks) == 0 {
			return c.errf(p.Add("ipv6_pool"), "pool %s has no cidrs or netmasks to allocate from", pi.pool.Name)
		}
		if v.IPv6Mask < 1 || v.IPv6Mask > 128 {
			return c.errf(p.Add("ipv6_mask"), "an IPv6 pool allocation needs ipv6_mask 1-128")
		}
		pools = append(pools, pi)
	} else if v.IPv6Mask != 0 {
		return c.errf(p.Add("ipv6_mask"), "ipv6_mask needs ipv6_pool")
	}
	region := v.Region
	if region == "" {
		if len(pools) == 0 {
			return c.errf(p.Add("region"), "missing region (a vpc without a pool names its region)")
		}
		region = pools[0].region
	}
	if err := c.region(p.Add("region"), catalog.ProductVpc, region); err != nil {
		return err
	}
	for _, pi := range pools {
		if pi.region != region {
			where := "no region"
			if pi.region != "" {
				where = "region " + pi.region
			}
			return c.errf(p.Add("region"), "vpc %s is in %s but pool %s has %s: a VPC takes addresses only from a pool of its region", v.Name, region, pi.pool.Name, where)
		}
	}
	if err := c.tags(p.Add("tags"), v.Tags); err != nil {
		return err
	}
	c.need(a.ID, "CreateVpc", p)
	count := map[string]int{}
	for i, b := range v.Blocks {
		bp := p.Add("secondary", i)
		if b == nil {
			return c.errf(bp, "empty block")
		}
		version := IPv4
		if b.Pool != "" {
			pi, err := c.usePool(a, bp.Add("pool"), b.Pool, "")
			if err != nil {
				return err
			}
			if pi.region != region {
				return c.errf(bp.Add("pool"), "pool %s is not in the vpc's region %s", pi.pool.Name, region)
			}
			if err := c.block(pi, b.CIDR, b.Mask, bp, true); err != nil {
				return err
			}
			version = pi.version
			pools = append(pools, pi)
		} else {
			if b.CIDR == "" {
				return c.errf(bp, "give pool or cidr")
			}
			if b.Mask != 0 {
				return c.errf(bp.Add("mask"), "mask needs a pool")
			}
			pre, err := netip.ParsePrefix(b.CIDR)
			if err != nil || pre.Masked() != pre {
				return c.errf(bp.Add("cidr"), "%q is not a canonical CIDR", b.CIDR)
			}
			if pre.Addr().Is6() {
				version = IPv6
			}
		}
		count[version]++
		if count[version] > maxSecondary {
			return c.errf(bp, "more than %d secondary %s blocks", maxSecondary, version)
		}
		c.need(a.ID, "AssociateVpcCidrBlock", bp)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedSet(m map[string]bool) []string { return sortedKeys(m) }
