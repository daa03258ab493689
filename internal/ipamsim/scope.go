package ipamsim

import (
	"slices"
	"strings"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

const maxScopesPerIpam = 5 // including the two defaults

func errScopeNotFound(id string) *wire.Error {
	return errf("ResourceNotFound.IpamScope", "The specified resource of IPAM scope is not found.")
}

// scopeOf returns the caller's scope with that id in the call's region, or ResourceNotFound.IpamScope.
func (s *Sim) scopeOf(c *call, id string) (*scope, error) {
	sc, ok := s.st.Scopes[id]
	if !ok || sc.Owner != c.account || sc.Region != c.region {
		return nil, errScopeNotFound(id)
	}
	return sc, nil
}

// CreateIpamScope creates a custom private scope (reference 4.2).
func (s *Sim) createIpamScope(c *call) (map[string]any, error) {
	if err := c.require("IpamId"); err != nil {
		return nil, err
	}
	typ := c.params.Get("IpamScopeType")
	switch typ {
	case "", "private":
		typ = "private"
	default: // only private scopes can be created
		return nil, errIllegal("IpamScopeType", typ)
	}
	name, err := checkName(c, "IpamScopeName")
	if err != nil {
		return nil, err
	}
	desc, err := checkDescription(c, "IpamScopeDescription")
	if err != nil {
		return nil, err
	}
	tags, err := parseTags(c, "Tag")
	if err != nil {
		return nil, err
	}
	ip, err := s.ipamOf(c, c.params.Get("IpamId"))
	if err != nil {
		return nil, err
	}
	if ip.Status == statusDeleting {
		return nil, errConflict("IPAM", ip.ID)
	}
	if s.scopeCount(ip.ID) >= maxScopesPerIpam {
		// UNKNOWN 9: the code for the sixth scope.
		return nil, errf("QuotaExceeded.IpamScope", "The quota of scopes per IPAM (%d, including the two default scopes) is exceeded.", maxScopesPerIpam)
	}
	if c.dryRun {
		return nil, errDryRun
	}
	sc := &scope{
		Seq:             s.st.nextSeq(),
		ID:              s.newID("ipam-scope"),
		IpamID:          ip.ID,
		Owner:           c.account,
		Region:          c.region,
		Name:            name,
		Description:     desc,
		ResourceGroupID: c.params.Get("ResourceGroupId"),
		Type:            typ,
		Status:          statusCreated,
		Created:         c.now,
	}
	s.st.Scopes[sc.ID] = sc
	s.setTags(sc.ID, tags)
	return map[string]any{"IpamScopeId": sc.ID}, nil
}

// ListIpamScopes lists the caller's scopes in the region (reference 2.2).
func (s *Sim) listIpamScopes(c *call) (map[string]any, error) {
	ids, err := idFilter(c, "IpamScopeIds")
	if err != nil {
		return nil, err
	}
	name, err := checkName(c, "IpamScopeName")
	if err != nil {
		return nil, err
	}
	typ := c.params.Get("IpamScopeType")
	if typ != "" && typ != "private" && typ != "public" {
		return nil, errIllegal("IpamScopeType", typ)
	}
	filter, err := parseTags(c, "Tags")
	if err != nil {
		return nil, err
	}
	ipamID, rg := c.params.Get("IpamId"), c.params.Get("ResourceGroupId")
	var match []*scope
	for _, sc := range sortedBySeq(s.st.Scopes, func(x *scope) int64 { return x.Seq }) {
		switch {
		case sc.Owner != c.account || sc.Region != c.region,
			ipamID != "" && sc.IpamID != ipamID,
			len(ids) > 0 && !slices.Contains(ids, sc.ID),
			name != "" && sc.Name != name,
			typ != "" && sc.Type != typ,
			rg != "" && sc.ResourceGroupID != rg,
			!s.matchTags(sc.ID, filter):
			continue
		}
		match = append(match, sc)
	}
	page, next, maxResults, err := paginate(s, c, match, func(x *scope) int64 { return x.Seq }, limitsList)
	if err != nil {
		return nil, err
	}
	items := make([]map[string]any, 0, len(page))
	for _, sc := range page {
		items = append(items, map[string]any{
			"IpamScopeId":          sc.ID,
			"IpamId":               sc.IpamID,
			"IpamScopeName":        sc.Name,
			"IpamScopeDescription": sc.Description,
			"IpamScopeType":        sc.Type,
			"IsDefault":            sc.IsDefault,
			"PoolCount":            s.poolCount(sc.ID),
			"OwnerId":              ownerID(sc.Owner),
			"RegionId":             sc.Region,
			"ResourceGroupId":      sc.ResourceGroupID,
			"CreateTime":           timestamp(sc.Created),
			"Status":               sc.Status,
			"Tags":                 s.tagList(sc.ID),
		})
	}
	return pageBody(map[string]any{}, "IpamScopes", items, next, maxResults, len(match)), nil
}

func (s *Sim) poolCount(scopeID string) int {
	n := 0
	for _, p := range s.st.Pools {
		if p.ScopeID == scopeID {
			n++
		}
	}
	return n
}

// DeleteIpamScope deletes a custom scope once it holds no pool (rules 7, 8).
func (s *Sim) deleteIpamScope(c *call) (map[string]any, error) {
	if err := c.require("IpamScopeId"); err != nil {
		return nil, err
	}
	sc, err := s.scopeOf(c, c.params.Get("IpamScopeId"))
	if err != nil {
		return nil, err
	}
	if sc.Status != statusCreated {
		return nil, errf("IncorrectStatus.IpamScope", "The status of the IPAM scope is incorrect: %s is %s.", sc.ID, sc.Status)
	}
	if sc.IsDefault { // rule 8
		return nil, errf("OperationDenied.DeleteDefaultScope", "The operation is not allowed because the default scope %s cannot be deleted.", sc.ID)
	}
	var pools []string
	for _, p := range sortedBySeq(s.st.Pools, func(x *pool) int64 { return x.Seq }) {
		if p.ScopeID == sc.ID {
			pools = append(pools, p.ID)
		}
	}
	if len(pools) > 0 { // rule 7; UNKNOWN 10: the code
		return nil, errf("DependencyViolation.IpamPool", "The specified resource of IPAM scope %s depends on IPAM pools %s, so the operation cannot be completed.", sc.ID, strings.Join(pools, ", "))
	}
	if c.dryRun {
		return nil, errDryRun
	}
	if until := s.deletingUntil(c.now, sc.ID); !until.IsZero() {
		sc.Status, sc.DeleteAt = statusDeleting, until
		return map[string]any{}, nil
	}
	s.removeScope(sc)
	return map[string]any{}, nil
}
