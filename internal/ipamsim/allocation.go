package ipamsim

import (
	"net/netip"
	"slices"
	"strconv"
)

// allocSpec describes a CIDR a resource wants from a pool: an exact CIDR, or a block of Mask bits (0: the
// pool's AllocationDefaultCidrMask).
type allocSpec struct {
	CIDR                                                    string
	Mask                                                    int
	ResourceType, ResourceID, ResourceOwner, ResourceRegion string
	IPv6                                                    bool // the allocation of an IPv6 VPC (not releasable, seed 001)
	Name, Description                                       string
}

// checkAllocation validates spec against pool p and returns the CIDR it would get and the pool CIDR that
// holds it. It does not check the call's region or the caller's rights (callers do), and changes nothing:
// the Vpc calls run it before their dry-run return, then call allocate.
func (s *Sim) checkAllocation(p *pool, spec allocSpec) (cidr, source netip.Prefix, err error) {
	if p.Status != statusCreated {
		return cidr, source, errConflict("IPAM pool", p.ID)
	}
	space := prefixes(s.poolCIDRs(p.ID))
	if len(space) == 0 {
		// UNKNOWN 15: the code when the pool has no CIDR yet.
		return cidr, source, errf("OperationFailed.IpamPoolCidrNotExist", "The IPAM pool %s has no provisioned CIDR.", p.ID)
	}
	used := allocPrefixes(s.poolAllocations(p.ID))
	if spec.CIDR != "" {
		if cidr, err = parseCIDR("Cidr", spec.CIDR); err != nil {
			return cidr, source, err
		}
		if versionOf(cidr) != p.IpVersion {
			return cidr, source, errf("IllegalParam.Cidr", "The CIDR %s is not an %s CIDR.", spec.CIDR, p.IpVersion)
		}
		if err := checkMask(p, cidr.Bits()); err != nil {
			return cidr, source, err
		}
		i := slices.IndexFunc(space, func(sp netip.Prefix) bool { return within(sp, cidr) })
		if i < 0 {
			return cidr, source, errf("OperationFailed.CidrNotInPool", "The CIDR %s is not within a CIDR of pool %s.", cidr, p.ID)
		}
		if j := slices.IndexFunc(used, cidr.Overlaps); j >= 0 {
			return cidr, source, errf("OperationFailed.CidrOverlap", "The CIDR %s overlaps %s, already allocated in pool %s.", cidr, used[j], p.ID)
		}
		return cidr, space[i], nil
	}
	bits := spec.Mask
	if bits == 0 {
		if p.DefaultMask == 0 {
			return cidr, source, errMissing("CidrMask")
		}
		bits = p.DefaultMask
	}
	if err := checkMask(p, bits); err != nil {
		return cidr, source, err
	}
	var ok bool
	if cidr, source, ok = findFree(space, used, bits); !ok {
		return cidr, source, errf("OperationFailed.InsufficientCidr", "The IPAM pool %s has no free /%d block.", p.ID, bits)
	}
	return cidr, source, nil
}

func checkMask(p *pool, bits int) error {
	if bits < p.MinMask || bits > p.MaxMask {
		return errf("IllegalParam.CidrMask", "The mask /%d is outside the allocation range /%d-/%d of pool %s.", bits, p.MinMask, p.MaxMask, p.ID)
	}
	return nil
}

// allocate checks spec (checkAllocation) and records the allocation. Callers check region and rights and
// return errDryRun before calling it.
func (s *Sim) allocate(c *call, p *pool, spec allocSpec) (*allocation, error) {
	cidr, source, err := s.checkAllocation(p, spec)
	if err != nil {
		return nil, err
	}
	a := &allocation{
		Seq:            s.st.nextSeq(),
		ID:             s.newID("ipam-alloc"),
		PoolID:         p.ID,
		CIDR:           cidr.String(),
		SourceCIDR:     source.String(),
		ResourceType:   spec.ResourceType,
		ResourceID:     spec.ResourceID,
		ResourceOwner:  spec.ResourceOwner,
		ResourceRegion: spec.ResourceRegion,
		Region:         p.allocRegion(),
		IPv6:           spec.IPv6,
		Name:           spec.Name,
		Description:    spec.Description,
		Status:         statusCreated,
		Created:        c.now,
	}
	s.st.putAllocation(a)
	return a, nil
}

// release frees an allocation. With a DeleteDelay the allocation leaves every list and Get at once but its
// space stays taken and DeleteIpamPoolCidr still sees it until the window ends (rule 19: a release is not
// instantly visible to the deprovision check).
func (s *Sim) release(c *call, a *allocation) {
	if until := s.deletingUntil(c.now, a.ID); !until.IsZero() {
		a.Status, a.ReleaseAt = statusDeleted, until
		return
	}
	s.st.dropAllocation(a.ID)
}

// released reports whether a is in its release window (gone for every reader but DeleteIpamPoolCidr).
func (a *allocation) released() bool { return !a.ReleaseAt.IsZero() }

// CreateIpamPoolAllocation reserves a Custom CIDR (reference 4.5).
func (s *Sim) createIpamPoolAllocation(c *call) (map[string]any, error) {
	if err := c.require("IpamPoolId"); err != nil {
		return nil, err
	}
	cidrArg, maskArg := c.params.Get("Cidr"), c.params.Get("CidrMask")
	if cidrArg == "" && maskArg == "" {
		return nil, errMissing("Cidr")
	}
	mask := 0
	if maskArg != "" {
		n, err := strconv.Atoi(maskArg)
		if err != nil || n < 1 || n > ipv6Bits {
			return nil, errIllegal("CidrMask", maskArg)
		}
		mask = n
	}
	name, err := checkName(c, "IpamPoolAllocationName")
	if err != nil {
		return nil, err
	}
	desc, err := checkDescription(c, "IpamPoolAllocationDescription")
	if err != nil {
		return nil, err
	}
	p, err := s.visiblePool(c, c.params.Get("IpamPoolId"))
	if err != nil {
		return nil, err
	}
	if c.region != p.allocRegion() {
		return nil, errRegionInvalid(p)
	}
	spec := allocSpec{CIDR: cidrArg, Mask: mask, ResourceType: allocCustom, ResourceOwner: c.account, ResourceRegion: c.region, Name: name, Description: desc}
	if _, _, err := s.checkAllocation(p, spec); err != nil {
		return nil, err
	}
	if c.dryRun {
		return nil, errDryRun
	}
	a, err := s.allocate(c, p, spec)
	if err != nil {
		return nil, err
	}
	return map[string]any{"IpamPoolAllocationId": a.ID, "Cidr": a.CIDR, "SourceCidr": a.SourceCIDR}, nil
}

func errRegionInvalid(p *pool) error {
	return errf("OperationDenied.RequestRegionInvalid", "The operation is not allowed because the request is not invoked in the region of the IPAM pool (%s).", p.allocRegion())
}

// allocationItem renders an allocation as ListIpamPoolAllocations and GetIpamPoolAllocation do.
func allocationItem(a *allocation) map[string]any {
	return map[string]any{
		"IpamPoolAllocationId":          a.ID,
		"IpamPoolId":                    a.PoolID,
		"Cidr":                          a.CIDR,
		"SourceCidr":                    a.SourceCIDR,
		"ResourceType":                  a.ResourceType,
		"ResourceId":                    a.ResourceID,
		"ResourceOwnerId":               ownerID(a.ResourceOwner),
		"ResourceRegionId":              a.ResourceRegion,
		"RegionId":                      a.Region,
		"IpamPoolAllocationName":        a.Name,
		"IpamPoolAllocationDescription": a.Description,
		"CreationTime":                  timestamp(a.Created),
		"Status":                        a.Status,
	}
}

// ListIpamPoolAllocations lists a pool's allocations (reference 2.5), from the pool's allocation region.
func (s *Sim) listIpamPoolAllocations(c *call) (map[string]any, error) {
	if err := c.require("IpamPoolId"); err != nil {
		return nil, err
	}
	ids, err := idFilter(c, "IpamPoolAllocationIds")
	if err != nil {
		return nil, err
	}
	name, err := checkName(c, "IpamPoolAllocationName")
	if err != nil {
		return nil, err
	}
	var filter netip.Prefix
	if v := c.params.Get("Cidr"); v != "" {
		if filter, err = parseCIDR("Cidr", v); err != nil {
			return nil, err
		}
	}
	p, err := s.visiblePool(c, c.params.Get("IpamPoolId"))
	if err != nil {
		return nil, err
	}
	if c.region != p.allocRegion() {
		return nil, errRegionInvalid(p)
	}
	var match []*allocation
	for _, a := range s.poolAllocations(p.ID) {
		switch {
		case a.released(),
			len(ids) > 0 && !slices.Contains(ids, a.ID),
			name != "" && a.Name != name,
			filter.IsValid() && a.CIDR != filter.String():
			continue
		}
		match = append(match, a)
	}
	page, next, maxResults, err := paginate(s, c, match, func(x *allocation) int64 { return x.Seq }, limitsList)
	if err != nil {
		return nil, err
	}
	items := make([]map[string]any, 0, len(page))
	for _, a := range page {
		items = append(items, allocationItem(a))
	}
	return pageBody(map[string]any{}, "IpamPoolAllocations", items, next, maxResults, len(match)), nil
}

func errAllocationNotFound() error {
	return errf("ResourceNotFound.IpamPoolAllocation", "The specified resource of IPAM pool allocation is not found.")
}

// visibleAllocation returns an allocation the caller may see: in a pool it owns or that is shared with it.
func (s *Sim) visibleAllocation(c *call, id string) (*allocation, *pool, error) {
	a, ok := s.st.Allocations[id]
	if !ok || a.released() {
		return nil, nil, errAllocationNotFound()
	}
	p := s.st.Pools[a.PoolID]
	if p == nil || (p.Owner != c.account && a.ResourceOwner != c.account && !s.sharedWith(p.ID, c.account)) {
		return nil, nil, errAllocationNotFound()
	}
	return a, p, nil
}

// GetIpamPoolAllocation returns one allocation (reference 2.6); RegionId is the pool's allocation region.
func (s *Sim) getIpamPoolAllocation(c *call) (map[string]any, error) {
	if err := c.require("IpamPoolAllocationId"); err != nil {
		return nil, err
	}
	a, _, err := s.visibleAllocation(c, c.params.Get("IpamPoolAllocationId"))
	if err != nil {
		return nil, err
	}
	if c.region != a.Region {
		return nil, errAllocationNotFound()
	}
	return allocationItem(a), nil
}

// DeleteIpamPoolAllocation releases a VPC or Custom allocation (seed 001, rule 20). The optional IpamPoolId
// and Cidr that the v1.0.3 SDK still sends must match the allocation when given.
func (s *Sim) deleteIpamPoolAllocation(c *call) (map[string]any, error) {
	if err := c.require("IpamPoolAllocationId"); err != nil {
		return nil, err
	}
	if pid := c.params.Get("IpamPoolId"); pid != "" {
		if _, err := s.visiblePool(c, pid); err != nil {
			return nil, err // 404 ResourceNotFound.IpamPool
		}
	}
	a, p, err := s.visibleAllocation(c, c.params.Get("IpamPoolAllocationId"))
	if err != nil {
		return nil, err
	}
	if pid := c.params.Get("IpamPoolId"); pid != "" && pid != a.PoolID {
		return nil, errAllocationNotFound()
	}
	if v := c.params.Get("Cidr"); v != "" && v != a.CIDR {
		return nil, errAllocationNotFound()
	}
	if c.region != p.allocRegion() {
		return nil, errRegionInvalid(p)
	}
	if a.ResourceType == allocIpamPool {
		return nil, errf("OperationDenied.UnexpectedResourceType", "The operation is not allowed because the resource type is unexpected: %s is the CIDR of child pool %s; deprovision it with DeleteIpamPoolCidr.", a.ID, a.ResourceID)
	}
	if a.IPv6 {
		return nil, errf("OperationDenied.Ipv6VpcNotSupport", "The allocation of IPv6 VPC is not supported to delete.")
	}
	if p.Owner != c.account {
		// A consumer of a shared pool may release only the custom allocations it made itself (rule 20).
		if a.ResourceType != allocCustom {
			return nil, errf("OperationDenied.ResourceTypeIsNotCustom", "The operation is not allowed because the resource type is not Custom.")
		}
		if a.ResourceOwner != c.account {
			return nil, errUnauthorized(a.ID)
		}
	}
	if c.dryRun {
		return nil, errDryRun
	}
	s.release(c, a)
	return map[string]any{}, nil
}
