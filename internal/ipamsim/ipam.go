package ipamsim

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// registerIpam registers the VpcIpam actions CORE implements.
func (s *Sim) registerIpam(m handlerSet) {
	p := wire.ProductVpcIpam
	m.add(p, "CreateIpam", s.createIpam)
	m.add(p, "ListIpams", s.listIpams)
	m.add(p, "DeleteIpam", s.deleteIpam)
	m.add(p, "CreateIpamScope", s.createIpamScope)
	m.add(p, "ListIpamScopes", s.listIpamScopes)
	m.add(p, "DeleteIpamScope", s.deleteIpamScope)
	m.add(p, "CreateIpamPool", s.createIpamPool)
	m.add(p, "ListIpamPools", s.listIpamPools)
	m.add(p, "DeleteIpamPool", s.deleteIpamPool)
	m.add(p, "AddIpamPoolCidr", s.addIpamPoolCidr)
	m.add(p, "ListIpamPoolCidrs", s.listIpamPoolCidrs)
	m.add(p, "DeleteIpamPoolCidr", s.deleteIpamPoolCidr)
	m.add(p, "CreateIpamPoolAllocation", s.createIpamPoolAllocation)
	m.add(p, "ListIpamPoolAllocations", s.listIpamPoolAllocations)
	m.add(p, "GetIpamPoolAllocation", s.getIpamPoolAllocation)
	m.add(p, "DeleteIpamPoolAllocation", s.deleteIpamPoolAllocation)
	m.add(p, "TagResources", s.tagResources)
	m.add(p, "UntagResources", s.untagResources)
	m.add(p, "ListTagResources", s.listTagResources)
}

const (
	maxIpamsPerRegion = 1
	maxListIDs        = 100
)

func errIpamNotFound(id string) *wire.Error {
	return errf("ResourceNotFound.Ipam", "The specified resource of ipam is not found.")
}

// errConflict answers a call that conflicts with an object in its Deleting window (reference 1.10).
func errConflict(kind, id string) *wire.Error {
	return errf("OperationConflict", "The operation conflicts with another operation in progress: %s %s is being deleted.", kind, id)
}

// ownerID renders an account id as the int64 the SDK models decode.
func ownerID(account string) int64 {
	n, _ := strconv.ParseInt(account, 10, 64) // New checked every account id
	return n
}

// checkName validates a 1-128 character name that must not start with a URL scheme.
func checkName(c *call, param string) (string, error) {
	v := c.params.Get(param)
	if !c.params.Has(param) {
		return "", nil
	}
	if n := utf8.RuneCountInString(v); n < 1 || n > 128 || strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
		return "", errIllegal(param, v)
	}
	return v, nil
}

// checkDescription validates a 1-256 character description starting with a letter or a Chinese character.
func checkDescription(c *call, param string) (string, error) {
	v := c.params.Get(param)
	if !c.params.Has(param) {
		return "", nil
	}
	r, _ := utf8.DecodeRuneInString(v)
	if n := utf8.RuneCountInString(v); n < 1 || n > 256 || !(unicode.IsLetter(r)) ||
		strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
		return "", errIllegal(param, v)
	}
	return v, nil
}

// idFilter reads an <X>Ids.N filter (at most 100 ids).
func idFilter(c *call, name string) ([]string, error) {
	ids := c.params.List(name)
	if len(ids) > maxListIDs {
		return nil, errf("IllegalParamSize."+name, "The number of Param %s exceeded the limit (%d).", name, maxListIDs)
	}
	return ids, nil
}

// ipamOf returns the caller's IPAM with that id in the call's region, or ResourceNotFound.Ipam.
func (s *Sim) ipamOf(c *call, id string) (*ipam, error) {
	ip, ok := s.st.Ipams[id]
	if !ok || ip.Owner != c.account || ip.Region != c.region {
		return nil, errIpamNotFound(id)
	}
	return ip, nil
}

// operatingRegions reads OperatingRegionList of CreateIpam and CreateIpamResourceDiscovery: present, served
// regions, no repeats, and the hosted region among them (the hosted region is always an operating region).
func (s *Sim) operatingRegions(c *call) ([]string, error) {
	regions := c.params.List("OperatingRegionList")
	if len(regions) == 0 {
		return nil, errMissing("OperatingRegionList")
	}
	seen := map[string]bool{}
	for _, r := range regions {
		if !s.serves(wire.ProductVpcIpam, r) || seen[r] {
			return nil, errIllegal("OperatingRegionList", r)
		}
		seen[r] = true
	}
	if !seen[c.region] {
		return nil, errf("IllegalParam.OperatingRegionList", "The operating regions must include the hosted region %s.", c.region)
	}
	return regions, nil
}

// CreateIpam creates an IPAM with its two default scopes and its default resource discovery (reference 4.1).
func (s *Sim) createIpam(c *call) (map[string]any, error) {
	regions, err := s.operatingRegions(c)
	if err != nil {
		return nil, err
	}
	name, err := checkName(c, "IpamName")
	if err != nil {
		return nil, err
	}
	desc, err := checkDescription(c, "IpamDescription")
	if err != nil {
		return nil, err
	}
	tags, err := parseTags(c, "Tag")
	if err != nil {
		return nil, err
	}
	n := 0
	for _, ip := range s.st.Ipams {
		if ip.Owner == c.account && ip.Region == c.region {
			n++
		}
	}
	if n >= maxIpamsPerRegion {
		// UNKNOWN 7: the code for a second IPAM in one region.
		return nil, errf("QuotaExceeded.Ipam", "The quota of IPAM per region (%d) is exceeded.", maxIpamsPerRegion)
	}
	if c.dryRun {
		return nil, errDryRun
	}
	ip := &ipam{
		Seq:              s.st.nextSeq(),
		ID:               s.newID("ipam"),
		Owner:            c.account,
		Region:           c.region,
		Name:             name,
		Description:      desc,
		ResourceGroupID:  c.params.Get("ResourceGroupId"),
		OperatingRegions: slices.Clone(regions),
		Status:           statusCreated,
		Created:          c.now,
	}
	s.st.Ipams[ip.ID] = ip
	s.setTags(ip.ID, tags)
	for _, typ := range []string{"private", "public"} {
		sc := &scope{
			Seq:       s.st.nextSeq(),
			ID:        s.newID("ipam-scope"),
			IpamID:    ip.ID,
			Owner:     c.account,
			Region:    c.region,
			Type:      typ,
			IsDefault: true,
			Status:    statusCreated,
			Created:   c.now,
		}
		s.st.Scopes[sc.ID] = sc
		if typ == "private" {
			ip.PrivateScopeID = sc.ID
		} else {
			ip.PublicScopeID = sc.ID
		}
	}
	s.createDefaultDiscovery(c, ip)
	return map[string]any{
		"IpamId":                                ip.ID,
		"PrivateDefaultScopeId":                 ip.PrivateScopeID,
		"PublicDefaultScopeId":                  ip.PublicScopeID,
		"DefaultResourceDiscoveryId":            ip.DefaultDiscoveryID,
		"DefaultResourceDiscoveryAssociationId": ip.DefaultAssociationID,
		"ResourceDiscoveryAssociationCount":     s.associationCount(ip.ID),
	}, nil
}

func (s *Sim) associationCount(ipamID string) int {
	n := 0
	for _, a := range s.st.Associations {
		if a.IpamID == ipamID {
			n++
		}
	}
	return n
}

func (s *Sim) scopeCount(ipamID string) int {
	n := 0
	for _, sc := range s.st.Scopes {
		if sc.IpamID == ipamID {
			n++
		}
	}
	return n
}

// ListIpams lists the caller's IPAMs in the region (reference 2.1).
func (s *Sim) listIpams(c *call) (map[string]any, error) {
	ids, err := idFilter(c, "IpamIds")
	if err != nil {
		return nil, err
	}
	name, err := checkName(c, "IpamName")
	if err != nil {
		return nil, err
	}
	filter, err := parseTags(c, "Tags")
	if err != nil {
		return nil, err
	}
	rg := c.params.Get("ResourceGroupId")
	var match []*ipam
	for _, ip := range sortedBySeq(s.st.Ipams, func(x *ipam) int64 { return x.Seq }) {
		switch {
		case ip.Owner != c.account || ip.Region != c.region,
			len(ids) > 0 && !slices.Contains(ids, ip.ID),
			name != "" && ip.Name != name,
			rg != "" && ip.ResourceGroupID != rg,
			!s.matchTags(ip.ID, filter):
			continue
		}
		match = append(match, ip)
	}
	page, next, maxResults, err := paginate(s, c, match, func(x *ipam) int64 { return x.Seq }, limitsList)
	if err != nil {
		return nil, err
	}
	items := make([]map[string]any, 0, len(page))
	for _, ip := range page {
		items = append(items, map[string]any{
			"IpamId":                                ip.ID,
			"IpamName":                              ip.Name,
			"IpamDescription":                       ip.Description,
			"IpamStatus":                            ip.Status,
			"RegionId":                              ip.Region,
			"OperatingRegionList":                   slices.Clone(ip.OperatingRegions),
			"OwnerId":                               ownerID(ip.Owner),
			"PrivateDefaultScopeId":                 ip.PrivateScopeID,
			"PublicDefaultScopeId":                  ip.PublicScopeID,
			"DefaultResourceDiscoveryId":            ip.DefaultDiscoveryID,
			"DefaultResourceDiscoveryAssociationId": ip.DefaultAssociationID,
			"ResourceDiscoveryAssociationCount":     s.associationCount(ip.ID),
			"ScopeCount":                            s.scopeCount(ip.ID),
			"ResourceGroupId":                       ip.ResourceGroupID,
			"CreateTime":                            timestamp(ip.Created),
			"Tags":                                  s.tagList(ip.ID),
		})
	}
	return pageBody(map[string]any{}, "Ipams", items, next, maxResults, len(match)), nil
}

// DeleteIpam deletes an IPAM once rules 9-13 hold; the default scopes, the default resource discovery and
// its association go with it (rule 14). The checks run in the order of seed 000's error table (UNKNOWN 8).
func (s *Sim) deleteIpam(c *call) (map[string]any, error) {
	if err := c.require("IpamId"); err != nil {
		return nil, err
	}
	ip, err := s.ipamOf(c, c.params.Get("IpamId"))
	if err != nil {
		return nil, err
	}
	if ip.Status == statusDeleting {
		return nil, errConflict("IPAM", ip.ID)
	}
	var customScopes, pools []string
	for _, sc := range sortedBySeq(s.st.Scopes, func(x *scope) int64 { return x.Seq }) {
		if sc.IpamID == ip.ID && !sc.IsDefault {
			customScopes = append(customScopes, sc.ID)
		}
	}
	if len(customScopes) > 0 { // rule 10
		return nil, errf("OperationFailed.IpamScopeExist", "The operation is failed because user IPAM scope exist: %s.", strings.Join(customScopes, ", "))
	}
	for _, p := range sortedBySeq(s.st.Pools, func(x *pool) int64 { return x.Seq }) {
		if p.IpamID == ip.ID {
			pools = append(pools, p.ID)
		}
	}
	if len(pools) > 0 { // rule 9
		return nil, errf("OperationFailed.IpamPoolExist", "The operation is failed because user IPAM pool exist: %s.", strings.Join(pools, ", "))
	}
	for _, a := range sortedBySeq(s.st.Associations, func(x *association) int64 { return x.Seq }) {
		if a.IpamID == ip.ID && a.DiscoveryOwner != ip.Owner { // rule 12
			return nil, errf("OperationDenied.SharedResourceDiscoveryAssociated", "The operation is not allowed because the IPAM is associated with a shared resource discovery (%s).", a.DiscoveryID)
		}
	}
	if ip.DefaultDiscoveryID != "" && len(s.activeShareIDs(ip.DefaultDiscoveryID)) > 0 { // rule 11
		return nil, errf("DependencyViolation.ShareResource", "The operation is not allowed because the default resource discovery of this IPAM is sharing.")
	}
	var members []string
	for _, m := range sortedBySeq(s.st.Members, func(x *member) int64 { return x.Seq }) {
		if m.IpamID == ip.ID {
			members = append(members, m.MemberID)
		}
	}
	if len(members) > 0 { // rule 13
		return nil, errf("DependencyViolation.IpamMembers", "The IPAM [%s] has managed members [%s], so the IPAM cannot be deleted.", ip.ID, strings.Join(members, ","))
	}
	if c.dryRun {
		return nil, errDryRun
	}
	if until := s.deletingUntil(c.now, ip.ID); !until.IsZero() {
		ip.Status, ip.DeleteAt = statusDeleting, until
		return map[string]any{}, nil
	}
	s.removeIpam(ip)
	return map[string]any{}, nil
}
