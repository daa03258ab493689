package ipamsim

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// CIDR arithmetic on net/netip prefixes, and the pool CIDR calls (provision, list, deprovision).

const (
	maxCidrsPerPool           = 50
	maxCidrsPerPublicV6Top    = 1
	ipv6ProviderSpace         = "2408:4000::/20" // where top-level public IPv6 pools get their NetmaskLength blocks
	ipv4Bits, ipv6Bits        = 32, 128
	ipVersion4, ipVersion6    = "IPv4", "IPv6"
	scopePrivate, scopePublic = "private", "public"
)

// parseCIDR parses a canonical CIDR ("10.0.0.0/8", not "10.0.0.1/8").
func parseCIDR(param, v string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(v)
	if err != nil || p != p.Masked() || p.Addr().Zone() != "" || p.Addr().Is4In6() {
		return netip.Prefix{}, errIllegal(param, v)
	}
	return p, nil
}

func versionOf(p netip.Prefix) string {
	if p.Addr().Is4() {
		return ipVersion4
	}
	return ipVersion6
}

func addrBits(version string) int {
	if version == ipVersion6 {
		return ipv6Bits
	}
	return ipv4Bits
}

// within reports whether inner lies entirely inside outer.
func within(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// lastAddr is the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// alignUp returns the first prefix of the given length that starts at or after a.
func alignUp(a netip.Addr, bits int) (netip.Prefix, bool) {
	p := netip.PrefixFrom(a, bits).Masked()
	if p.Addr() == a {
		return p, true
	}
	next := lastAddr(p).Next()
	if !next.IsValid() || next.Is4() != a.Is4() {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(next, bits), true
}

// findFree returns the first block of the given length inside one of space (in order) that overlaps none of
// used, and the space prefix it lies in.
func findFree(space, used []netip.Prefix, bits int) (block, source netip.Prefix, ok bool) {
	for _, sp := range space {
		if bits < sp.Bits() || bits > sp.Addr().BitLen() {
			continue
		}
		cand := netip.PrefixFrom(sp.Addr(), bits)
		for within(sp, cand) {
			var hit *netip.Prefix
			for i := range used {
				if used[i].Overlaps(cand) {
					hit = &used[i]
					break
				}
			}
			if hit == nil {
				return cand, sp, true
			}
			end := lastAddr(*hit)
			if e := lastAddr(cand); e.Compare(end) > 0 {
				end = e
			}
			next := end.Next()
			if !next.IsValid() || next.Is4() != sp.Addr().Is4() {
				break
			}
			if cand, ok = alignUp(next, bits); !ok {
				break
			}
		}
	}
	return netip.Prefix{}, netip.Prefix{}, false
}

// poolCIDRs returns a pool's provisioned CIDRs in creation order.
func (s *Sim) poolCIDRs(poolID string) []*poolCIDR {
	var out []*poolCIDR
	for _, pc := range s.st.cidrsOf[poolID] {
		out = append(out, pc)
	}
	slices.SortFunc(out, func(a, b *poolCIDR) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

func prefixes(pcs []*poolCIDR) []netip.Prefix {
	out := make([]netip.Prefix, len(pcs))
	for i, pc := range pcs {
		out[i] = netip.MustParsePrefix(pc.CIDR)
	}
	return out
}

// poolAllocations returns a pool's allocations in creation order, released ones (still in their release
// window) included: their space is not free yet.
func (s *Sim) poolAllocations(poolID string) []*allocation {
	var out []*allocation
	for _, a := range s.st.allocsOf[poolID] {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *allocation) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

func allocPrefixes(as []*allocation) []netip.Prefix {
	out := make([]netip.Prefix, len(as))
	for i, a := range as {
		out[i] = netip.MustParsePrefix(a.CIDR)
	}
	return out
}

// AddIpamPoolCidr provisions a CIDR to a pool (reference 4.4). A child pool's CIDR is carved from its
// parent's CIDRs and recorded in the parent as an IpamPool-type allocation.
func (s *Sim) addIpamPoolCidr(c *call) (map[string]any, error) {
	if err := c.require("IpamPoolId"); err != nil {
		return nil, err
	}
	cidrArg, maskArg := c.params.Get("Cidr"), c.params.Get("NetmaskLength")
	if cidrArg == "" && maskArg == "" {
		return nil, errMissing("Cidr")
	}
	if cidrArg != "" && maskArg != "" {
		return nil, errf("IllegalParam.NetmaskLength", "Cidr and NetmaskLength are mutually exclusive.")
	}
	p, err := s.ownedPool(c, c.params.Get("IpamPoolId"), true)
	if err != nil {
		return nil, err
	}
	if p.Status != statusCreated {
		return nil, errConflict("IPAM pool", p.ID)
	}
	if ip := s.st.Ipams[p.IpamID]; ip != nil && ip.Status != statusCreated {
		return nil, errConflict("IPAM", ip.ID)
	}
	sc := s.st.Scopes[p.ScopeID]
	publicV6Top := p.SourceID == "" && sc != nil && sc.Type == scopePublic
	var want netip.Prefix
	bits := -1
	switch {
	case cidrArg != "":
		if publicV6Top {
			return nil, errf("IllegalParam.Cidr", "A top-level public IPv6 pool accepts NetmaskLength only.")
		}
		if want, err = parseCIDR("Cidr", cidrArg); err != nil {
			return nil, err
		}
		if versionOf(want) != p.IpVersion {
			return nil, errf("IllegalParam.Cidr", "The CIDR %s is not an %s CIDR.", cidrArg, p.IpVersion)
		}
	default:
		n, perr := strconv.Atoi(maskArg)
		if perr != nil || n < 0 || n > addrBits(p.IpVersion) {
			return nil, errIllegal("NetmaskLength", maskArg)
		}
		if p.SourceID == "" && !publicV6Top {
			return nil, errf("IllegalParam.NetmaskLength", "A top-level private pool accepts Cidr only.")
		}
		bits = n
	}
	existing := s.poolCIDRs(p.ID)
	limit := maxCidrsPerPool
	if publicV6Top {
		limit = maxCidrsPerPublicV6Top
	}
	if len(existing) >= limit {
		return nil, errf("QuotaExceeded.IpamPoolCidr", "The quota of CIDRs per pool (%d) is exceeded for %s.", limit, p.ID)
	}
	var parent *pool
	var source netip.Prefix
	switch {
	case p.SourceID != "":
		parent = s.st.Pools[p.SourceID]
		if parent == nil || parent.Status != statusCreated {
			return nil, errConflict("IPAM pool", p.SourceID)
		}
		space := prefixes(s.poolCIDRs(parent.ID))
		if len(space) == 0 {
			// UNKNOWN 11: the code when the parent has no CIDR.
			return nil, errf("OperationFailed.ParentPoolCidrNotExist", "The parent pool %s has no provisioned CIDR.", parent.ID)
		}
		used := allocPrefixes(s.poolAllocations(parent.ID))
		if bits >= 0 {
			var ok bool
			if want, source, ok = findFree(space, used, bits); !ok {
				return nil, errf("OperationFailed.InsufficientCidr", "The parent pool %s has no free /%d block.", parent.ID, bits)
			}
		} else {
			i := slices.IndexFunc(space, func(sp netip.Prefix) bool { return within(sp, want) })
			if i < 0 {
				return nil, errf("OperationFailed.CidrNotInParentPool", "The CIDR %s is not within a CIDR of the parent pool %s.", want, parent.ID)
			}
			source = space[i]
			if j := slices.IndexFunc(used, want.Overlaps); j >= 0 {
				return nil, errf("OperationFailed.CidrOverlap", "The CIDR %s overlaps %s, already allocated in the parent pool %s.", want, used[j], parent.ID)
			}
		}
		if want.Bits() < parent.MinMask || want.Bits() > parent.MaxMask {
			return nil, errf("IllegalParam.Cidr", "The mask /%d is outside the parent pool's allocation range /%d-/%d.", want.Bits(), parent.MinMask, parent.MaxMask)
		}
	case bits >= 0: // top-level public IPv6: the provider's space
		var used []netip.Prefix
		for _, pc := range s.st.PoolCidrs {
			if q := s.st.Pools[pc.PoolID]; q != nil && q.SourceID == "" && q.IpVersion == ipVersion6 {
				used = append(used, netip.MustParsePrefix(pc.CIDR))
			}
		}
		slices.SortFunc(used, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
		var ok bool
		if want, _, ok = findFree([]netip.Prefix{netip.MustParsePrefix(ipv6ProviderSpace)}, used, bits); !ok {
			return nil, errf("OperationFailed.InsufficientCidr", "No free /%d IPv6 block is left.", bits)
		}
	default: // top-level: no overlap with the top-level CIDRs of the same scope
		for _, pc := range sortedBySeq(s.st.PoolCidrs, func(x *poolCIDR) int64 { return x.Seq }) {
			q := s.st.Pools[pc.PoolID]
			if q == nil || q.ScopeID != p.ScopeID || q.SourceID != "" {
				continue
			}
			if other := netip.MustParsePrefix(pc.CIDR); other.Overlaps(want) {
				return nil, errf("OperationFailed.CidrOverlap", "The CIDR %s overlaps %s of pool %s in the same scope.", want, other, q.ID)
			}
		}
	}
	if c.dryRun {
		return nil, errDryRun
	}
	pc := &poolCIDR{Seq: s.st.nextSeq(), PoolID: p.ID, CIDR: want.String(), Status: statusCreated, Created: c.now}
	if parent != nil {
		a := &allocation{
			Seq:            s.st.nextSeq(),
			ID:             s.newID("ipam-alloc"),
			PoolID:         parent.ID,
			CIDR:           want.String(),
			SourceCIDR:     source.String(),
			ResourceType:   allocIpamPool,
			ResourceID:     p.ID,
			ResourceOwner:  p.Owner,
			ResourceRegion: p.allocRegion(),
			Region:         parent.allocRegion(),
			Status:         statusCreated,
			Created:        c.now,
		}
		s.st.putAllocation(a)
		pc.ParentAllocationID = a.ID
	}
	s.st.putPoolCIDR(pc)
	return map[string]any{"Cidr": pc.CIDR}, nil
}

// ListIpamPoolCidrs lists a pool's provisioned CIDRs (reference 2.4); a consumer of a shared pool may list them.
func (s *Sim) listIpamPoolCidrs(c *call) (map[string]any, error) {
	if err := c.require("IpamPoolId"); err != nil {
		return nil, err
	}
	p, err := s.visiblePool(c, c.params.Get("IpamPoolId"))
	if err != nil {
		return nil, err
	}
	if c.region != p.Region {
		return nil, errPoolNotFound404(p.ID)
	}
	var filter netip.Prefix
	if v := c.params.Get("Cidr"); v != "" {
		if filter, err = parseCIDR("Cidr", v); err != nil {
			return nil, err
		}
	}
	var match []*poolCIDR
	for _, pc := range s.poolCIDRs(p.ID) {
		if filter.IsValid() && pc.CIDR != filter.String() {
			continue
		}
		match = append(match, pc)
	}
	page, next, maxResults, err := paginate(s, c, match, func(x *poolCIDR) int64 { return x.Seq }, limitsList)
	if err != nil {
		return nil, err
	}
	items := make([]map[string]any, 0, len(page))
	for _, pc := range page {
		items = append(items, map[string]any{"Cidr": pc.CIDR, "IpamPoolId": pc.PoolID, "Status": pc.Status})
	}
	return pageBody(map[string]any{}, "IpamPoolCidrs", items, next, maxResults, len(match)), nil
}

// DeleteIpamPoolCidr deprovisions a CIDR once nothing is allocated inside it (rules 1, 2, 19, 20).
func (s *Sim) deleteIpamPoolCidr(c *call) (map[string]any, error) {
	if err := c.require("IpamPoolId", "Cidr"); err != nil {
		return nil, err
	}
	want, err := parseCIDR("Cidr", c.params.Get("Cidr"))
	if err != nil {
		return nil, err
	}
	if !want.Addr().Is4() {
		return nil, errf("IllegalParam.Cidr", "DeleteIpamPoolCidr takes IPv4 CIDRs only.")
	}
	p, err := s.ownedPool(c, c.params.Get("IpamPoolId"), true)
	if err != nil {
		return nil, err
	}
	pc, ok := s.st.PoolCidrs[poolCIDRKey(p.ID, want.String())]
	if !ok {
		return nil, errf("ResourceNotFound.IpamPoolCidr", "The specified resource of IPAM pool CIDR is not found.")
	}
	if p.Status != statusCreated {
		return nil, errConflict("IPAM pool", p.ID)
	}
	var children, allocs []string
	for _, a := range s.poolAllocations(p.ID) {
		if a.SourceCIDR != pc.CIDR {
			continue
		}
		if a.ResourceType == allocIpamPool {
			children = append(children, a.ResourceID+" "+a.CIDR)
		} else {
			allocs = append(allocs, a.ID)
		}
	}
	if len(children) > 0 { // rule 2; UNKNOWN 12: the code
		return nil, errf("DependencyViolation.SubCidr", "The specified resource of IPAM pool CIDR %s depends on child pool CIDRs %s, so the operation cannot be completed.", pc.CIDR, strings.Join(children, ", "))
	}
	if len(allocs) > 0 { // rules 1 and 19 (a released allocation stays here until its release window ends)
		return nil, errf("OperationDenied.IpamPoolAllocationExist", "The operation is not allowed because allocations exist in IPAM pool CIDR %s: %s.", pc.CIDR, strings.Join(allocs, ", "))
	}
	if c.dryRun {
		return nil, errDryRun
	}
	s.st.dropPoolCIDR(p.ID, pc.CIDR)
	if pc.ParentAllocationID != "" {
		s.st.dropAllocation(pc.ParentAllocationID)
	}
	return map[string]any{}, nil
}
