package tfexport

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/ipam-teardown/ipam-teardown/inventory"
)

// unit is what one file of a split export holds: one IPAM's tree, or the region's discoveries.
type unit struct {
	file    string // base name without ".tf"
	title   string // the first comment line of its part
	ipamID  string
	blocks  []*block
	omitted []Omission
}

// block is one resource, with its import block in adopt mode.
type block struct {
	typ, name string
	importID  string   // the live id (adopt mode)
	region    string   // the region of its provider; "" is the default provider's
	comment   []string // lines written above it
	attrs     []attr
	dependsOn []string // addresses (type.name)
}

func (b *block) address() string { return b.typ + "." + b.name }

// attr is one argument: a value or a reference.
type attr struct {
	name string
	val  cty.Value
	ref  hcl.Traversal
}

func (b *block) set(name string, v cty.Value) { b.attrs = append(b.attrs, attr{name: name, val: v}) }
func (b *block) str(name, v string) {
	if v != "" {
		b.set(name, cty.StringVal(v))
	}
}
func (b *block) num(name string, v int) {
	if v != 0 {
		b.set(name, cty.NumberIntVal(int64(v)))
	}
}
func (b *block) refer(name, typ, resName, attribute string) {
	b.attrs = append(b.attrs, attr{name: name, ref: hcl.Traversal{
		hcl.TraverseRoot{Name: typ}, hcl.TraverseAttr{Name: resName}, hcl.TraverseAttr{Name: attribute},
	}})
}

type builder struct {
	snap    *inventory.Snapshot
	mode    Mode
	names   *namer
	units   []*unit
	omitted []Omission
	regions map[string]bool // regions that need a provider alias
	files   map[string]bool // the file names of a split export, each given once
	print   string          // the snapshot's fingerprint, for every file's header
}

// gone reports whether a resource is on its way out: it is no part of the tree to build.
func gone(status string) bool { return status == "Deleting" || status == "Deleted" }

func newBuilder(snap *inventory.Snapshot, mode Mode) (*builder, error) {
	b := &builder{snap: snap, mode: mode, names: newNamer(), regions: map[string]bool{},
		files: map[string]bool{"providers": true, "discoveries": true}, print: snap.Fingerprint()}
	ipams := slices.Clone(snap.IPAMs)
	slices.SortFunc(ipams, func(x, y inventory.IPAM) int { return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.ID, y.ID)) })
	b.nameAll(ipams)
	exported := map[string]string{} // pool or discovery id -> its address, for the shares
	for i := range ipams {
		u, err := b.ipamUnit(&ipams[i], exported)
		if err != nil {
			return nil, err
		}
		b.units = append(b.units, u)
	}
	b.units = append(b.units, b.discoveryUnit(exported))
	b.shareOmissions(exported)
	for _, p := range snap.SharedPools {
		b.units[len(b.units)-1].omitted = append(b.units[len(b.units)-1].omitted, Omission{
			What:   fmt.Sprintf("pool %s shared with this account", b.label(p.Name, p.ID)),
			Reason: fmt.Sprintf("it belongs to an IPAM of account %s, whose configuration builds it", p.OwnerID),
		})
	}
	for _, u := range b.units {
		b.omitted = append(b.omitted, u.omitted...)
	}
	return b, nil
}

// label names a resource of the exported tree in a comment: by its name in recreate mode, where no id of the
// tree is written; with its id in adopt mode, where the ids are the point.
func (b *builder) label(name, id string) string {
	name = oneLine(name)
	switch {
	case b.mode == Adopt && name != "":
		return fmt.Sprintf("%q (%s)", name, id)
	case b.mode == Adopt:
		return id
	case name != "":
		return fmt.Sprintf("%q", name)
	}
	return "(unnamed)"
}

// nameAll gives every resource of the export its Terraform name, before any block refers to one.
func (b *builder) nameAll(ipams []inventory.IPAM) {
	for _, ip := range ipams {
		b.names.want(typeIPAM, ip.ID, ip.Name, "ipam")
		for _, sc := range ip.Scopes {
			if !sc.IsDefault {
				b.names.want(typeScope, sc.ID, sc.Name, "scope")
			}
		}
		for _, p := range ip.Pools {
			fallback := "pool"
			if len(p.CIDRs) > 0 {
				fallback = "pool_" + p.CIDRs[0].CIDR
			}
			b.names.want(typePool, p.ID, p.Name, fallback)
		}
	}
	for _, d := range b.snap.Discoveries {
		b.names.want(typeDiscovery, d.ID, d.Name, "discovery")
	}
	b.names.assign(typeIPAM)
	b.names.assign(typeScope)
	b.names.assign(typePool)
	b.names.assign(typeDiscovery)
	// CIDRs and allocations are named after their pool, so they are named once the pools are.
	for _, ip := range ipams {
		for _, p := range ip.Pools {
			pool := b.names.get(typePool, p.ID)
			for _, c := range p.CIDRs {
				b.names.want(typePoolCIDR, p.ID+"#"+c.CIDR, pool+"_"+c.CIDR, "cidr")
			}
			for _, a := range p.Allocations {
				base := a.Name
				if base == "" {
					base = pool + "_" + a.CIDR
				}
				b.names.want(typeAllocation, a.ID, base, "allocation")
			}
		}
	}
	b.names.assign(typePoolCIDR)
	b.names.assign(typeAllocation)
}

// provider returns the region a resource of region goes through: "" for the default provider's.
func (b *builder) provider(region string) string {
	if region == "" || region == b.snap.Region {
		return ""
	}
	b.regions[region] = true
	return region
}

// fileName is the name of an IPAM's file in a split export: the IPAM's resource name, unless the export's
// other files (providers, discoveries) or an IPAM before it took it. A resource name is unique among IPAMs, but
// "providers_ipam", for an IPAM named providers, may be another IPAM's: the second file was renamed over the
// first, and one IPAM's configuration was lost.
func (b *builder) fileName(name string) string {
	f := name
	if b.files[f] {
		f = name + "_ipam"
	}
	for n := 2; b.files[f]; n++ {
		f = fmt.Sprintf("%s_ipam_%d", name, n)
	}
	b.files[f] = true
	return f
}

// ipamUnit is the IPAM, its custom scopes, its pool tree with CIDRs and custom allocations, and what of it the
// provider cannot express.
func (b *builder) ipamUnit(ip *inventory.IPAM, exported map[string]string) (*unit, error) {
	if ip.ID == "" {
		return nil, fmt.Errorf("tfexport: an IPAM of region %s has no id", b.snap.Region)
	}
	name := b.names.get(typeIPAM, ip.ID)
	u := &unit{file: b.fileName(name), ipamID: ip.ID, title: fmt.Sprintf("IPAM %s", b.label(ip.Name, ip.ID))}
	omit := func(what, reason string) {
		u.omitted = append(u.omitted, Omission{IPAMID: ip.ID, What: what, Reason: reason})
	}
	if gone(ip.Status) {
		omit(u.title, "it is being deleted ("+ip.Status+")")
		return u, nil
	}
	ipamBlock := &block{typ: typeIPAM, name: name, importID: ip.ID, region: b.provider(ip.RegionID)}
	ipamBlock.str("ipam_name", ip.Name)
	ipamBlock.str("ipam_description", ip.Description)
	ipamBlock.set("operating_region_list", stringList(ip.OperatingRegions))
	b.tags(ipamBlock, ip.Tags)
	u.blocks = append(u.blocks, ipamBlock)

	// Scopes: the default ones come with the IPAM (its private_default_scope_id and public_default_scope_id).
	scopeRef := map[string][2]string{} // scope id -> (type, attribute) a pool's ipam_scope_id refers to
	scopeType := map[string]string{}
	scopes := slices.Clone(ip.Scopes)
	slices.SortFunc(scopes, func(x, y inventory.Scope) int { return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.ID, y.ID)) })
	for _, sc := range scopes {
		scopeType[sc.ID] = sc.Type
		if sc.IsDefault {
			attribute := "private_default_scope_id"
			if sc.Type == "public" {
				attribute = "public_default_scope_id"
			}
			scopeRef[sc.ID] = [2]string{name, attribute}
			if sc.Name != "" || sc.Description != "" || len(sc.Tags) > 0 {
				omit(fmt.Sprintf("the name, description or tags of the default %s scope", sc.Type),
					"the default scopes come with the IPAM and are no resource of the provider; set them after the apply")
			}
			continue
		}
		if gone(sc.Status) {
			omit("scope "+b.label(sc.Name, sc.ID), "it is being deleted ("+sc.Status+")")
			continue
		}
		sb := &block{typ: typeScope, name: b.names.get(typeScope, sc.ID), importID: sc.ID, region: ipamBlock.region}
		sb.refer("ipam_id", typeIPAM, name, "id")
		sb.str("ipam_scope_name", sc.Name)
		sb.str("ipam_scope_description", sc.Description)
		sb.str("ipam_scope_type", sc.Type)
		b.tags(sb, sc.Tags)
		u.blocks = append(u.blocks, sb)
		scopeRef[sc.ID] = [2]string{sb.name, "id"}
	}

	// The pool tree, parents first: a pool, its CIDRs and allocations, then its children.
	children := map[string][]inventory.Pool{}
	byID := map[string]bool{}
	for _, p := range ip.Pools {
		byID[p.ID] = true
	}
	for _, p := range ip.Pools {
		parent := p.ParentID
		if parent != "" && !byID[parent] {
			return nil, fmt.Errorf("tfexport: pool %s: its source pool %s is not in the snapshot", p.ID, parent)
		}
		children[parent] = append(children[parent], p)
	}
	for k := range children {
		slices.SortFunc(children[k], func(x, y inventory.Pool) int { return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.ID, y.ID)) })
	}
	var walk func(parent string, parentCIDRs []string, assigned bool) error
	walk = func(parent string, parentCIDRs []string, assigned bool) error {
		for _, p := range children[parent] {
			cidrs, isAssigned, err := b.pool(u, &p, scopeRef, scopeType, parentCIDRs, assigned, exported, omit)
			if err != nil {
				return err
			}
			if cidrs == nil {
				continue // not exported, and neither is anything under it
			}
			if err := walk(p.ID, cidrs, isAssigned); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk("", nil, false); err != nil {
		return nil, err
	}

	for _, a := range ip.Associations {
		if a.DiscoveryID == ip.DefaultResourceDiscoveryID {
			continue // the default discovery's association comes with the IPAM
		}
		omit(fmt.Sprintf("the association of resource discovery %s (account %s) with the IPAM", b.discoveryLabel(a.DiscoveryID), a.OwnerID),
			"the provider has no resource for a discovery association; associate it again after the apply (AssociateIpamResourceDiscovery)")
	}
	for _, m := range ip.Members {
		omit(fmt.Sprintf("IPAM member %s (%s)", m.ID, m.Type),
			"the provider has no resource for IPAM members; add it again after the apply (AddIpamMembers)")
	}
	return u, nil
}

// pool writes one pool with its CIDRs and custom allocations. It returns the addresses of the pool's CIDRs
// (a child depends on them), nil when the pool is not exported, and whether the pool's addresses are
// assigned by the service (a top-level public IPv6 pool takes a block from its ISP) rather than chosen.
func (b *builder) pool(u *unit, p *inventory.Pool, scopeRef map[string][2]string, scopeType map[string]string,
	parentCIDRs []string, parentAssigned bool, exported map[string]string, omit func(what, reason string)) ([]string, bool, error) {
	name := b.names.get(typePool, p.ID)
	label := "pool " + b.label(p.Name, p.ID)
	if p.IsShared || (p.OwnerID != "" && p.OwnerID != b.snap.AccountID) {
		omit(label, fmt.Sprintf("it belongs to account %s", p.OwnerID))
		return nil, false, nil
	}
	if gone(p.Status) {
		omit(label+" and everything under it", "it is being deleted ("+p.Status+")")
		return nil, false, nil
	}
	ref, ok := scopeRef[p.ScopeID]
	if !ok {
		return nil, false, fmt.Errorf("tfexport: pool %s: its scope %s is not in the snapshot", p.ID, p.ScopeID)
	}
	assigned := parentAssigned || (p.ParentID == "" && scopeType[p.ScopeID] == "public")
	pb := &block{typ: typePool, name: name, importID: p.ID}
	scopeTyp := typeScope
	if ref[1] != "id" {
		scopeTyp = typeIPAM
	}
	pb.refer("ipam_scope_id", scopeTyp, ref[0], ref[1])
	if p.ParentID != "" {
		pb.refer("source_ipam_pool_id", typePool, b.names.get(typePool, p.ParentID), "id")
	}
	pb.str("pool_region_id", p.PoolRegionID)
	pb.str("ip_version", p.IPVersion)
	if p.IPVersion == "IPv6" {
		pb.str("ipv6_isp", p.Ipv6Isp)
	}
	pb.str("ipam_pool_name", p.Name)
	pb.str("ipam_pool_description", p.Description)
	pb.num("allocation_min_cidr_mask", p.AllocationMinMask)
	if p.AllocationMaxMask != addrBits(p.IPVersion) {
		pb.num("allocation_max_cidr_mask", p.AllocationMaxMask)
	}
	pb.num("allocation_default_cidr_mask", p.AllocationDefaultMask)
	if p.AutoImport {
		pb.set("auto_import", cty.True)
	}
	b.tags(pb, p.Tags)
	pb.dependsOn = parentCIDRs
	u.blocks = append(u.blocks, pb)
	exported[p.ID] = pb.address()

	cidrs := []string{}
	for _, c := range p.CIDRs {
		if gone(c.Status) {
			omit(fmt.Sprintf("CIDR %s of %s", c.CIDR, label), "it is being deleted ("+c.Status+")")
			continue
		}
		cb := &block{typ: typePoolCIDR, name: b.names.get(typePoolCIDR, p.ID+"#"+c.CIDR), importID: p.ID + "#" + c.CIDR}
		cb.refer("ipam_pool_id", typePool, name, "id")
		if bits, ok := maskOf(c.CIDR); ok && assigned && b.mode == Recreate {
			cb.comment = []string{fmt.Sprintf("Was %s: the addresses under an ISP's block are assigned anew, so a block of this size is asked for.", c.CIDR)}
			cb.set("netmask_length", cty.NumberIntVal(int64(bits)))
		} else {
			cb.set("cidr", cty.StringVal(c.CIDR))
		}
		u.blocks = append(u.blocks, cb)
		cidrs = append(cidrs, cb.address())
	}

	allocs := slices.Clone(p.Allocations)
	slices.SortFunc(allocs, func(x, y inventory.Allocation) int {
		return cmp.Or(cmp.Compare(x.CIDR, y.CIDR), cmp.Compare(x.Name, y.Name), cmp.Compare(x.ID, y.ID))
	})
	for _, a := range allocs {
		what := fmt.Sprintf("%s allocation %s of %s", a.ResourceType, a.CIDR, label)
		switch {
		case a.ResourceType == inventory.AllocationIpamPool:
			continue // a child pool's CIDR: its pool_cidr resource makes it again
		case gone(a.Status):
			omit(what, "it is being deleted ("+a.Status+")")
			continue
		case a.ResourceType == inventory.AllocationVPC:
			omit(fmt.Sprintf("%s to VPC %s (account %s)", what, a.ResourceID, a.ResourceOwnerID),
				"a VPC allocation belongs to its VPC: it comes back when the VPC takes its CIDR from the pool again")
			continue
		case a.ResourceType != inventory.AllocationCustom:
			omit(what, "the provider's allocation resource makes custom allocations only")
			continue
		case a.ResourceOwnerID != "" && a.ResourceOwnerID != b.snap.AccountID:
			omit(fmt.Sprintf("%s made by account %s", what, a.ResourceOwnerID),
				"an allocation belongs to the account that made it, through the share; that account's configuration makes it")
			continue
		}
		ab := &block{typ: typeAllocation, name: b.names.get(typeAllocation, a.ID), importID: a.ID, region: b.provider(a.RegionID)}
		ab.refer("ipam_pool_id", typePool, name, "id")
		if bits, ok := maskOf(a.CIDR); ok && assigned && b.mode == Recreate {
			ab.comment = []string{fmt.Sprintf("Was %s: the addresses under an ISP's block are assigned anew, so a block of this size is asked for.", a.CIDR)}
			ab.set("cidr_mask", cty.NumberIntVal(int64(bits)))
		} else {
			ab.set("cidr", cty.StringVal(a.CIDR))
		}
		ab.str("ipam_pool_allocation_name", a.Name)
		ab.str("ipam_pool_allocation_description", a.Description)
		ab.dependsOn = cidrs
		u.blocks = append(u.blocks, ab)
	}
	return cidrs, assigned, nil
}

// discoveryUnit is the region's custom discoveries of this account.
func (b *builder) discoveryUnit(exported map[string]string) *unit {
	u := &unit{file: "discoveries", title: "Resource discoveries of " + b.snap.Region}
	ds := slices.Clone(b.snap.Discoveries)
	slices.SortFunc(ds, func(x, y inventory.ResourceDiscovery) int {
		return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.ID, y.ID))
	})
	for _, d := range ds {
		label := "resource discovery " + b.label(d.Name, d.ID)
		switch {
		case d.Type == "system":
			continue // an IPAM's default discovery comes with the IPAM
		case d.ShareType == "Shared" || (d.OwnerID != "" && d.OwnerID != b.snap.AccountID):
			u.omitted = append(u.omitted, Omission{What: label + " shared with this account",
				Reason: fmt.Sprintf("it belongs to account %s, whose configuration builds it", d.OwnerID)})
			continue
		case gone(d.Status):
			u.omitted = append(u.omitted, Omission{What: label, Reason: "it is being deleted (" + d.Status + ")"})
			continue
		}
		db := &block{typ: typeDiscovery, name: b.names.get(typeDiscovery, d.ID), importID: d.ID, region: b.provider(d.RegionID)}
		db.str("ipam_resource_discovery_name", d.Name)
		db.str("ipam_resource_discovery_description", d.Description)
		regions := d.OperatingRegions
		if len(regions) == 0 {
			regions = []string{d.RegionID} // the argument is required; a discovery operates at least in its own region
		}
		db.set("operating_region_list", stringList(regions))
		b.tags(db, d.Tags)
		u.blocks = append(u.blocks, db)
		exported[d.ID] = db.address()
	}
	return u
}

// shareOmissions lists the share associations of exported pools and discoveries: the provider's
// alicloud_resource_manager_shared_resource accepts only the resource types VSwitch, ROSTemplate,
// ServiceCatalogPortfolio, PrefixList, Image, PublicIpAddressPool and KMSInstance (its resource_type
// validation), and the inventory holds a share's resources, not its targets.
func (b *builder) shareOmissions(exported map[string]string) {
	shares := slices.Clone(b.snap.Shares)
	slices.SortFunc(shares, func(x, y inventory.ShareAssociation) int {
		return cmp.Or(cmp.Compare(x.ShareName, y.ShareName), cmp.Compare(x.ShareID, y.ShareID), cmp.Compare(x.EntityID, y.EntityID))
	})
	owner := map[string]*unit{}
	for _, u := range b.units {
		for _, bl := range u.blocks {
			if bl.typ == typePool || bl.typ == typeDiscovery {
				owner[bl.importID] = u
			}
		}
	}
	for _, sh := range shares {
		u, ok := owner[sh.EntityID]
		if !ok {
			continue // the share of something not exported, which is listed itself
		}
		entity := exported[sh.EntityID]
		u.omitted = append(u.omitted, Omission{IPAMID: u.ipamID,
			What: fmt.Sprintf("resource share %q (%s) of %s", oneLine(sh.ShareName), sh.ShareID, entity),
			Reason: "the provider's shared_resource resource accepts no IPAM resource types, and the inventory holds no share targets; " +
				"associate it with the share again after the apply"})
	}
}

// discoveryLabel names a discovery in a comment (it may be another account's, so its id is no id of the tree).
func (b *builder) discoveryLabel(id string) string {
	for _, d := range b.snap.Discoveries {
		if d.ID == id {
			if d.OwnerID != "" && d.OwnerID != b.snap.AccountID {
				return fmt.Sprintf("%q (%s)", oneLine(d.Name), d.ID)
			}
			return b.label(d.Name, d.ID)
		}
	}
	return id
}

// tags writes a resource's tags without the apply lock's.
func (b *builder) tags(bl *block, tags inventory.Tags) {
	m := map[string]cty.Value{}
	for k, v := range tags {
		if k != lockTagKey {
			m[k] = cty.StringVal(v)
		}
	}
	if len(m) > 0 {
		bl.set("tags", cty.MapVal(m))
	}
}

func stringList(ss []string) cty.Value {
	s := slices.Clone(ss)
	slices.Sort(s)
	vals := make([]cty.Value, 0, len(s))
	for _, x := range s {
		vals = append(vals, cty.StringVal(x))
	}
	if len(vals) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	return cty.ListVal(vals)
}

func addrBits(version string) int {
	if version == "IPv6" {
		return 128
	}
	return 32
}

// maskOf returns a CIDR's prefix length.
func maskOf(cidr string) (int, bool) {
	p, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	if err != nil {
		return 0, false
	}
	return p.Bits(), true
}
