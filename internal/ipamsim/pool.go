package ipamsim

import (
	"cmp"
	"slices"
	"strings"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

const (
	maxPoolDepth       = 10
	maxSubPools        = 50
	maxPoolsPerScope   = 500
	maxPublicV6TopPool = 1 // per ISP per region
)

// validIsp reports whether isp is one of the documented Ipv6Isp values.
func validIsp(isp string) bool {
	switch isp {
	case "BGP", "ChinaMobile", "ChinaUnicom", "ChinaTelecom":
		return true
	}
	return false
}

// visiblePool returns a pool the caller owns or that is shared with it, or 404 ResourceNotFound.IpamPool.
func (s *Sim) visiblePool(c *call, id string) (*pool, error) {
	p, ok := s.st.Pools[id]
	if !ok || (p.Owner != c.account && !s.sharedWith(p.ID, c.account)) {
		return nil, errPoolNotFound404(id)
	}
	return p, nil
}

// ownedPool returns a pool the caller owns. A consumer of a shared pool gets OperationDenied.Unauthorized
// (rule 20); hosted requires the call to be sent to the IPAM hosted region (otherwise the pool is not
// found there).
func (s *Sim) ownedPool(c *call, id string, hosted bool) (*pool, error) {
	p, err := s.visiblePool(c, id)
	if err != nil {
		return nil, err
	}
	if hosted && c.region != p.Region {
		return nil, errPoolNotFound404(id)
	}
	if p.Owner != c.account {
		return nil, errUnauthorized(p.ID)
	}
	return p, nil
}

func errUnauthorized(id string) *wire.Error {
	return errf("OperationDenied.Unauthorized", "The operation is denied because the user is not authorized (%s belongs to another account).", id)
}

// maskParam reads an allocation mask parameter in 0..bits; ok is false when absent.
func maskParam(c *call, name string, bits int) (n int, ok bool, err error) {
	v, present, perr := c.params.Int(name)
	if perr != nil || present && (v < 0 || int(v) > bits) {
		return 0, false, errIllegal(name, c.params.Get(name))
	}
	return int(v), present, nil
}

// CreateIpamPool creates a top-level pool, or a child of SourceIpamPoolId (reference 4.3).
func (s *Sim) createIpamPool(c *call) (map[string]any, error) {
	if err := c.require("IpamScopeId"); err != nil {
		return nil, err
	}
	name, err := checkName(c, "IpamPoolName")
	if err != nil {
		return nil, err
	}
	desc, err := checkDescription(c, "IpamPoolDescription")
	if err != nil {
		return nil, err
	}
	tags, err := parseTags(c, "Tag")
	if err != nil {
		return nil, err
	}
	autoImport, err := c.params.Bool("AutoImport", false)
	if err != nil {
		return nil, errIllegal("AutoImport", c.params.Get("AutoImport"))
	}
	sc, err := s.scopeOf(c, c.params.Get("IpamScopeId"))
	if err != nil {
		return nil, err
	}
	if sc.Status != statusCreated {
		return nil, errf("IncorrectStatus.IpamScope", "The status of the IPAM scope is incorrect: %s is %s.", sc.ID, sc.Status)
	}
	ip := s.st.Ipams[sc.IpamID]
	if ip.Status != statusCreated {
		return nil, errConflict("IPAM", ip.ID)
	}
	version := c.params.Get("IpVersion")
	if version == "" {
		version = ipVersion4
		if sc.Type == scopePublic {
			version = ipVersion6
		}
	}
	switch {
	case version != ipVersion4 && version != ipVersion6,
		sc.Type == scopePrivate && version != ipVersion4,
		sc.Type == scopePublic && version != ipVersion6:
		return nil, errf("IllegalParam.IpVersion", "The IP version %q is not supported in a %s scope.", version, sc.Type)
	}
	var parent *pool
	depth := 1
	if src := c.params.Get("SourceIpamPoolId"); src != "" {
		if parent, err = s.ownedPool(c, src, true); err != nil {
			return nil, err
		}
		if parent.ScopeID != sc.ID {
			return nil, errf("IllegalParam.SourceIpamPoolId", "The source pool %s is not in scope %s.", src, sc.ID)
		}
		if parent.Status != statusCreated {
			return nil, errConflict("IPAM pool", parent.ID)
		}
		if parent.IpVersion != version {
			return nil, errf("IllegalParam.IpVersion", "The IP version %s differs from the source pool's %s.", version, parent.IpVersion)
		}
		depth = parent.Depth + 1
		if depth > maxPoolDepth {
			return nil, errf("QuotaExceeded.PoolDepth", "The pool depth quota (%d) is exceeded.", maxPoolDepth)
		}
		n := 0
		for _, q := range s.st.Pools {
			if q.SourceID == parent.ID {
				n++
			}
		}
		if n >= maxSubPools {
			return nil, errf("QuotaExceeded.SubPool", "The quota of sub-pools per pool (%d) is exceeded for %s.", maxSubPools, parent.ID)
		}
	}
	poolRegion := c.params.Get("PoolRegionId")
	if poolRegion != "" && !slices.Contains(ip.OperatingRegions, poolRegion) {
		return nil, errf("IllegalParam.PoolRegionId", "The pool region %s is not an operating region of %s.", poolRegion, ip.ID)
	}
	if parent != nil && parent.PoolRegion != "" {
		if poolRegion != "" && poolRegion != parent.PoolRegion {
			return nil, errf("IllegalParam.PoolRegionId", "A child pool inherits its parent's region %s.", parent.PoolRegion)
		}
		poolRegion = parent.PoolRegion
	}
	if version == ipVersion6 && poolRegion == "" {
		return nil, errMissing("PoolRegionId")
	}
	isp := c.params.Get("Ipv6Isp")
	switch {
	case isp != "" && (version != ipVersion6 || !validIsp(isp)):
		return nil, errIllegal("Ipv6Isp", isp)
	case isp == "" && version == ipVersion6:
		isp = "BGP"
		if parent != nil {
			isp = parent.Ipv6Isp
		}
	}
	bits := addrBits(version)
	minMask, hasMin, err := maskParam(c, "AllocationMinCidrMask", bits)
	if err != nil {
		return nil, err
	}
	maxMask, hasMax, err := maskParam(c, "AllocationMaxCidrMask", bits)
	if err != nil {
		return nil, err
	}
	defMask, hasDef, err := maskParam(c, "AllocationDefaultCidrMask", bits)
	if err != nil {
		return nil, err
	}
	if !hasMin {
		minMask = 0
	}
	if !hasMax {
		maxMask = bits
	}
	if minMask > maxMask {
		return nil, errf("IllegalParam.AllocationMinCidrMask", "AllocationMinCidrMask %d is greater than AllocationMaxCidrMask %d.", minMask, maxMask)
	}
	if hasDef && (defMask < minMask || defMask > maxMask) {
		return nil, errf("IllegalParam.AllocationDefaultCidrMask", "AllocationDefaultCidrMask %d is outside %d-%d.", defMask, minMask, maxMask)
	}
	inScope, v6Top := 0, 0
	for _, q := range s.st.Pools {
		if q.ScopeID == sc.ID {
			inScope++
			if parent == nil && q.SourceID == "" && version == ipVersion6 && q.Ipv6Isp == isp && q.PoolRegion == poolRegion {
				v6Top++
			}
		}
	}
	if inScope >= maxPoolsPerScope {
		return nil, errf("QuotaExceeded.IpamPool", "The quota of pools per scope (%d) is exceeded for %s.", maxPoolsPerScope, sc.ID)
	}
	if v6Top >= maxPublicV6TopPool {
		return nil, errf("QuotaExceeded.IpamPool", "Only %d top-level public IPv6 pool per ISP (%s) per region (%s) is allowed.", maxPublicV6TopPool, isp, poolRegion)
	}
	if c.dryRun {
		return nil, errDryRun
	}
	p := &pool{
		Seq:             s.st.nextSeq(),
		ID:              s.newID("ipam-pool"),
		IpamID:          ip.ID,
		ScopeID:         sc.ID,
		Owner:           c.account,
		Region:          ip.Region,
		PoolRegion:      poolRegion,
		Depth:           depth,
		IpVersion:       version,
		Ipv6Isp:         isp,
		MinMask:         minMask,
		MaxMask:         maxMask,
		AutoImport:      autoImport,
		Name:            name,
		Description:     desc,
		ResourceGroupID: c.params.Get("ResourceGroupId"),
		Status:          statusCreated,
		Created:         c.now,
	}
	if hasDef {
		p.DefaultMask = defMask
	}
	if parent != nil {
		p.SourceID = parent.ID
	}
	s.st.Pools[p.ID] = p
	s.setTags(p.ID, tags)
	return map[string]any{"IpamPoolId": p.ID}, nil
}

// ListIpamPools lists the caller's pools in the region and the pools shared with it (IsShared=true, with
// the owner's OwnerId; reference 2.3, UNKNOWN 13).
func (s *Sim) listIpamPools(c *call) (map[string]any, error) {
	ids, err := idFilter(c, "IpamPoolIds")
	if err != nil {
		return nil, err
	}
	name, err := checkName(c, "IpamPoolName")
	if err != nil {
		return nil, err
	}
	filter, err := parseTags(c, "Tags")
	if err != nil {
		return nil, err
	}
	version := c.params.Get("IpVersion")
	if version != "" && version != ipVersion4 && version != ipVersion6 {
		return nil, errIllegal("IpVersion", version)
	}
	isp := c.params.Get("Ipv6Isp")
	if isp != "" && !validIsp(isp) {
		return nil, errIllegal("Ipv6Isp", isp)
	}
	var isShared *bool
	if c.params.Get("IsShared") != "" {
		b, err := c.params.Bool("IsShared", false)
		if err != nil {
			return nil, errIllegal("IsShared", c.params.Get("IsShared"))
		}
		isShared = &b
	}
	scopeID, src, poolRegion, rg := c.params.Get("IpamScopeId"), c.params.Get("SourceIpamPoolId"), c.params.Get("PoolRegionId"), c.params.Get("ResourceGroupId")
	var match []*pool
	for _, p := range sortedBySeq(s.st.Pools, func(x *pool) int64 { return x.Seq }) {
		shared := p.Owner != c.account
		switch {
		case !shared && p.Region != c.region,
			shared && (!s.sharedWith(p.ID, c.account) || (c.region != p.Region && c.region != p.PoolRegion)),
			isShared != nil && *isShared != shared,
			scopeID != "" && p.ScopeID != scopeID,
			src != "" && p.SourceID != src,
			poolRegion != "" && p.PoolRegion != poolRegion,
			version != "" && p.IpVersion != version,
			isp != "" && p.Ipv6Isp != isp,
			len(ids) > 0 && !slices.Contains(ids, p.ID),
			name != "" && p.Name != name,
			rg != "" && p.ResourceGroupID != rg,
			!s.matchTags(p.ID, filter):
			continue
		}
		match = append(match, p)
	}
	page, next, maxResults, err := paginate(s, c, match, func(x *pool) int64 { return x.Seq }, limitsList)
	if err != nil {
		return nil, err
	}
	// Index children and CIDRs once for the page rather than scanning the state per item.
	hasSub := map[string]bool{}
	for _, q := range s.st.Pools {
		hasSub[q.SourceID] = true
	}
	onPage := map[string][]*poolCIDR{}
	for _, p := range page {
		onPage[p.ID] = nil
	}
	for _, pc := range s.st.PoolCidrs {
		if _, ok := onPage[pc.PoolID]; ok {
			onPage[pc.PoolID] = append(onPage[pc.PoolID], pc)
		}
	}
	items := make([]map[string]any, 0, len(page))
	for _, p := range page {
		scopeType := ""
		if sc := s.st.Scopes[p.ScopeID]; sc != nil {
			scopeType = sc.Type
		}
		item := map[string]any{
			"IpamPoolId":            p.ID,
			"IpamPoolName":          p.Name,
			"IpamPoolDescription":   p.Description,
			"IpamId":                p.IpamID,
			"IpamScopeId":           p.ScopeID,
			"IpamScopeType":         scopeType,
			"SourceIpamPoolId":      p.SourceID,
			"HasSubPool":            hasSub[p.ID],
			"PoolDepth":             p.Depth,
			"IpamRegionId":          p.Region,
			"PoolRegionId":          p.PoolRegion,
			"RegionId":              p.Region,
			"IpVersion":             p.IpVersion,
			"Ipv6Isp":               p.Ipv6Isp,
			"AllocationMinCidrMask": p.MinMask,
			"AllocationMaxCidrMask": p.MaxMask,
			"AutoImport":            p.AutoImport,
			"IsShared":              p.Owner != c.account,
			"OwnerId":               ownerID(p.Owner),
			"Status":                p.Status,
			"ResourceGroupId":       p.ResourceGroupID,
			"CreateTime":            timestamp(p.Created),
			"Tags":                  s.tagList(p.ID),
		}
		if p.DefaultMask != 0 {
			item["AllocationDefaultCidrMask"] = p.DefaultMask
		}
		pcs := onPage[p.ID]
		slices.SortFunc(pcs, func(a, b *poolCIDR) int { return cmp.Compare(a.Seq, b.Seq) })
		cidrs := make([]string, 0, len(pcs))
		for _, pc := range pcs {
			cidrs = append(cidrs, pc.CIDR)
		}
		item["Cidrs"] = cidrs
		items = append(items, item)
	}
	return pageBody(map[string]any{}, "IpamPools", items, next, maxResults, len(match)), nil
}

// DeleteIpamPool deletes a pool once it is unshared, childless, and holds no allocation or CIDR
// (rules 3, 4, 5, 6, 20). The check order is UNKNOWN 14.
func (s *Sim) deleteIpamPool(c *call) (map[string]any, error) {
	if err := c.require("IpamPoolId"); err != nil {
		return nil, err
	}
	p, err := s.ownedPool(c, c.params.Get("IpamPoolId"), true)
	if err != nil {
		return nil, err
	}
	if p.Status != statusCreated {
		return nil, errConflict("IPAM pool", p.ID)
	}
	if shares := s.activeShareIDs(p.ID); len(shares) > 0 { // rule 6
		return nil, errf("DependencyViolation.ShareResource", "The specified resource of IPAM pool depends on resource sharing %s, so the operation cannot be completed.", strings.Join(shares, ", "))
	}
	var subs []string
	for _, q := range sortedBySeq(s.st.Pools, func(x *pool) int64 { return x.Seq }) {
		if q.SourceID == p.ID {
			subs = append(subs, q.ID)
		}
	}
	if len(subs) > 0 { // rule 3
		return nil, errf("DependencyViolation.IpamPool", "The specified resource of IPAM pool %s depends on sub-pools %s, so the operation cannot be completed.", p.ID, strings.Join(subs, ", "))
	}
	var custom, other []string
	for _, a := range s.poolAllocations(p.ID) {
		if a.ResourceType == allocCustom {
			custom = append(custom, a.ID)
		} else {
			other = append(other, a.ID)
		}
	}
	if p.PoolRegion != "" && len(custom)+len(other) > 0 { // rule 4
		return nil, errf("OperationDenied.PoolRegionNotSupportDeletePool", "The operation is not allowed because pool region not support delete: %s (region %s) still has allocations %s.", p.ID, p.PoolRegion, strings.Join(append(custom, other...), ", "))
	}
	if len(custom) > 0 { // rule 5
		return nil, errf("DependencyViolation.CustomPoolAllocation", "The specified resource of %s depends on custom allocations %s: the IpamPool has custom pool allocation dependency.", p.ID, strings.Join(custom, ", "))
	}
	if cidrs := s.poolCIDRs(p.ID); len(cidrs) > 0 || len(other) > 0 { // rule 5
		list := make([]string, 0, len(cidrs))
		for _, pc := range cidrs {
			list = append(list, pc.CIDR)
		}
		return nil, errf("DependencyViolation.PoolCidr", "The specified resource of %s depends on pool CIDRs: the IpamPool has pool CIDR dependency %s.", p.ID, strings.Join(list, ", "))
	}
	if c.dryRun {
		return nil, errDryRun
	}
	if until := s.deletingUntil(c.now, p.ID); !until.IsZero() {
		p.Status, p.DeleteAt = statusDeleting, until
		return map[string]any{}, nil
	}
	s.removePool(p)
	return map[string]any{}, nil
}
