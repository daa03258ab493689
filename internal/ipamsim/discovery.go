package ipamsim

import (
	"slices"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// Resource discoveries and their associations with IPAMs (reference 2.8, 2.9, 3.6, 3.7, 4.6, 4.7; seed 002;
// rules 12, 14, 15, 16).

// Discovery types as ListIpamResourceDiscoveries reports them.
const (
	discoverySystem = "system" // an IPAM's default discovery; goes only with DeleteIpam (rule 14)
	discoveryCustom = "custom"
)

// discovery is one IPAM resource discovery; Type "system" is an IPAM's default one, "custom" the others.
type discovery struct {
	Seq              int64     `json:"seq"`
	ID               string    `json:"id"`
	Owner            string    `json:"owner"`
	Region           string    `json:"region"`
	OperatingRegions []string  `json:"operating_regions"`
	Name             string    `json:"name,omitempty"`
	Description      string    `json:"description,omitempty"`
	ResourceGroupID  string    `json:"resource_group_id,omitempty"`
	Type             string    `json:"type"` // system | custom
	Status           string    `json:"status"`
	Created          time.Time `json:"created"`
}

// association links a discovery (possibly another account's, shared) to an IPAM. The service lists
// associations by the pair (IpamId, IpamResourceDiscoveryId); the id is exposed only for the default one.
type association struct {
	Seq            int64     `json:"seq"`
	ID             string    `json:"id"`
	IpamID         string    `json:"ipam_id"`
	DiscoveryID    string    `json:"discovery_id"`
	DiscoveryOwner string    `json:"discovery_owner"`
	IpamOwner      string    `json:"ipam_owner"`
	Region         string    `json:"region"`
	IsDefault      bool      `json:"is_default"`
	Status         string    `json:"status"`
	Created        time.Time `json:"created"`
}

// maxDiscoveriesPerRegion is the "custom RDs per account per region" quota (reference 1.13); the default
// discovery of an IPAM takes the same slot (reference 4.6).
const maxDiscoveriesPerRegion = 1

// registerDiscovery registers the resource discovery actions.
func (s *Sim) registerDiscovery(m handlerSet) {
	p := wire.ProductVpcIpam
	m.add(p, "CreateIpamResourceDiscovery", s.createIpamResourceDiscovery)
	m.add(p, "ListIpamResourceDiscoveries", s.listIpamResourceDiscoveries)
	m.add(p, "DeleteIpamResourceDiscovery", s.deleteIpamResourceDiscovery)
	m.add(p, "AssociateIpamResourceDiscovery", s.associateIpamResourceDiscovery)
	m.add(p, "DissociateIpamResourceDiscovery", s.dissociateIpamResourceDiscovery)
	m.add(p, "ListIpamResourceDiscoveryAssociations", s.listIpamResourceDiscoveryAssociations)
	s.registerMembers(m) // New has no hook of its own for the member calls
}

func errDiscoveryNotFound(id string) *wire.Error {
	return errf("ResourceNotFound.IpamResourceDiscovery", "The dependent instance of IPAM resource discovery is not found.")
}

// discoveryVisible reports whether account sees d: it owns it, or d is shared with it.
func (s *Sim) discoveryVisible(d *discovery, account string) bool {
	return d.Owner == account || s.sharedWith(d.ID, account)
}

// discoveryOf returns a discovery the caller can see in the call's region. A discovery in another region is
// not found (UNKNOWN 102: the service's answer for a cross-region id is not documented; not found is the
// stricter reading).
func (s *Sim) discoveryOf(c *call, id string) (*discovery, error) {
	d, ok := s.st.Discoveries[id]
	if !ok || d.Region != c.region || !s.discoveryVisible(d, c.account) {
		return nil, errDiscoveryNotFound(id)
	}
	return d, nil
}

// createDefaultDiscovery gives a new IPAM its default resource discovery and association (reference 4.1):
// the caller's custom discovery in the region is converted into the default one if it exists, otherwise a
// system discovery is created. CreateIpam calls it; removeIpam takes both away again (rule 14).
func (s *Sim) createDefaultDiscovery(c *call, ip *ipam) {
	var d *discovery
	for _, x := range sortedBySeq(s.st.Discoveries, func(x *discovery) int64 { return x.Seq }) {
		if x.Owner == c.account && x.Region == ip.Region && x.Type == discoveryCustom {
			d = x
			break
		}
	}
	if d == nil {
		d = &discovery{
			Seq:              s.st.nextSeq(),
			ID:               s.newID("ipam-res-disco"),
			Owner:            c.account,
			Region:           ip.Region,
			OperatingRegions: slices.Clone(ip.OperatingRegions),
			Status:           statusCreated,
			Created:          c.now,
		}
		s.st.Discoveries[d.ID] = d
	}
	d.Type = discoverySystem
	// A converted discovery may have been associated (shared) with another account's IPAM before; it is
	// now this IPAM's default one, and a discovery belongs to one IPAM only (reference 4.7).
	for id, a := range s.st.Associations {
		if a.DiscoveryID == d.ID {
			delete(s.st.Associations, id)
		}
	}
	a := &association{
		Seq:            s.st.nextSeq(),
		ID:             s.newID("ipam-res-disco-assoc"),
		IpamID:         ip.ID,
		DiscoveryID:    d.ID,
		DiscoveryOwner: d.Owner,
		IpamOwner:      ip.Owner,
		Region:         ip.Region,
		IsDefault:      true,
		Status:         statusCreated,
		Created:        c.now,
	}
	s.st.Associations[a.ID] = a
	ip.DefaultDiscoveryID = d.ID
	ip.DefaultAssociationID = a.ID
}

// CreateIpamResourceDiscovery creates a custom discovery (reference 4.6).
func (s *Sim) createIpamResourceDiscovery(c *call) (map[string]any, error) {
	regions, err := s.operatingRegions(c)
	if err != nil {
		return nil, err
	}
	name, err := checkName(c, "IpamResourceDiscoveryName")
	if err != nil {
		return nil, err
	}
	desc, err := checkDescription(c, "IpamResourceDiscoveryDescription")
	if err != nil {
		return nil, err
	}
	tags, err := parseTags(c, "Tag")
	if err != nil {
		return nil, err
	}
	n := 0
	for _, d := range s.st.Discoveries {
		if d.Owner == c.account && d.Region == c.region {
			n++
		}
	}
	if n >= maxDiscoveriesPerRegion {
		// UNKNOWN 102: the code for a second discovery in a region (an IPAM's default one counts).
		return nil, errf("QuotaExceeded.IpamResourceDiscovery", "The quota of IPAM resource discovery per region (%d) is exceeded.", maxDiscoveriesPerRegion)
	}
	if c.dryRun {
		return nil, errDryRun
	}
	d := &discovery{
		Seq:              s.st.nextSeq(),
		ID:               s.newID("ipam-res-disco"),
		Owner:            c.account,
		Region:           c.region,
		OperatingRegions: slices.Clone(regions),
		Name:             name,
		Description:      desc,
		ResourceGroupID:  c.params.Get("ResourceGroupId"),
		Type:             discoveryCustom,
		Status:           statusCreated,
		Created:          c.now,
	}
	s.st.Discoveries[d.ID] = d
	s.setTags(d.ID, tags)
	return map[string]any{"IpamResourceDiscoveryId": d.ID}, nil
}

// ListIpamResourceDiscoveries lists the discoveries the caller owns or that are shared with it, in the
// region (reference 2.8). ShareType is "Sharing" on the owner's side while the discovery is in a share,
// "Shared" on a consumer's side, "" otherwise.
func (s *Sim) listIpamResourceDiscoveries(c *call) (map[string]any, error) {
	ids, err := idFilter(c, "IpamResourceDiscoveryIds")
	if err != nil {
		return nil, err
	}
	name, err := checkName(c, "IpamResourceDiscoveryName")
	if err != nil {
		return nil, err
	}
	filter, err := parseTags(c, "Tags")
	if err != nil {
		return nil, err
	}
	typ := c.params.Get("Type")
	if typ != "" && typ != discoverySystem && typ != discoveryCustom {
		return nil, errIllegal("Type", typ)
	}
	isShared, err := c.params.Bool("IsShared", false)
	if err != nil {
		return nil, errIllegal("IsShared", c.params.Get("IsShared"))
	}
	sharedFilter := c.params.Get("IsShared") != ""
	rg := c.params.Get("ResourceGroupId")
	var match []*discovery
	for _, d := range sortedBySeq(s.st.Discoveries, func(x *discovery) int64 { return x.Seq }) {
		foreign := d.Owner != c.account
		switch {
		case d.Region != c.region || !s.discoveryVisible(d, c.account),
			len(ids) > 0 && !slices.Contains(ids, d.ID),
			name != "" && d.Name != name,
			typ != "" && d.Type != typ,
			sharedFilter && foreign != isShared,
			rg != "" && d.ResourceGroupID != rg,
			!s.matchTags(d.ID, filter):
			continue
		}
		match = append(match, d)
	}
	page, next, maxResults, err := paginate(s, c, match, func(x *discovery) int64 { return x.Seq }, limitsList)
	if err != nil {
		return nil, err
	}
	items := make([]map[string]any, 0, len(page))
	for _, d := range page {
		shareType := ""
		switch {
		case d.Owner != c.account:
			shareType = "Shared"
		case len(s.activeShareIDs(d.ID)) > 0:
			shareType = "Sharing"
		}
		items = append(items, map[string]any{
			"IpamResourceDiscoveryId":          d.ID,
			"IpamResourceDiscoveryName":        d.Name,
			"IpamResourceDiscoveryDescription": d.Description,
			"IpamResourceDiscoveryStatus":      d.Status,
			"Type":                             d.Type,
			"ShareType":                        shareType,
			"OperatingRegionList":              slices.Clone(d.OperatingRegions),
			"RegionId":                         d.Region,
			"OwnerId":                          ownerID(d.Owner),
			"ResourceGroupId":                  d.ResourceGroupID,
			"CreateTime":                       timestamp(d.Created),
			"Tags":                             s.tagList(d.ID),
		})
	}
	return pageBody(map[string]any{}, "IpamResourceDiscoveries", items, next, maxResults, len(match)), nil
}

// DeleteIpamResourceDiscovery deletes a custom discovery the caller owns (reference 3.7; rules 14-16).
func (s *Sim) deleteIpamResourceDiscovery(c *call) (map[string]any, error) {
	if err := c.require("IpamResourceDiscoveryId"); err != nil {
		return nil, err
	}
	d, err := s.discoveryOf(c, c.params.Get("IpamResourceDiscoveryId"))
	if err != nil {
		return nil, err
	}
	if d.Owner != c.account {
		// Only the owner may delete (rule 15). UNKNOWN 101: the code; the product's "caller is not authorized"
		// code of seed 001 is used.
		return nil, errf("OperationDenied.Unauthorized", "The operation is not allowed because the resource discovery %s is owned by another account.", d.ID)
	}
	if d.Type == discoverySystem {
		// Rule 14. UNKNOWN 101: the code; named after seed 002's OperationDenied.DissociateSelfSystemIpamResourceDiscovery.
		return nil, errf("OperationDenied.DeleteSystemIpamResourceDiscovery", "The operation is not allowed because the default resource discovery cannot be deleted; it is deleted with its IPAM.")
	}
	for _, a := range sortedBySeq(s.st.Associations, func(x *association) int64 { return x.Seq }) {
		if a.DiscoveryID == d.ID {
			// Rule 16 (UNKNOWN 101: enforced, and checked before the share, so that a shared and associated
			// discovery answers in teardown order: dissociate, then unshare, then delete).
			return nil, errf("DependencyViolation.ResourceDiscoveryAssociation", "The specified resource of IPAM resource discovery %s depends on its association with IPAM %s, so the operation cannot be completed.", d.ID, a.IpamID)
		}
	}
	if len(s.activeShareIDs(d.ID)) > 0 { // rule 15, message (c)
		return nil, errf("DependencyViolation.ShareResource", "The specified resource of IPAM resource discovery depends on resource sharing, so the operation cannot be completed.")
	}
	if c.dryRun {
		return nil, errDryRun
	}
	delete(s.st.Discoveries, d.ID)
	delete(s.st.Tags, d.ID)
	return map[string]any{}, nil
}

// AssociateIpamResourceDiscovery associates a discovery (the caller's own custom one, or one shared with
// it) with the caller's IPAM (reference 4.7).
func (s *Sim) associateIpamResourceDiscovery(c *call) (map[string]any, error) {
	if err := c.require("IpamId", "IpamResourceDiscoveryId"); err != nil {
		return nil, err
	}
	ip, err := s.ipamOf(c, c.params.Get("IpamId"))
	if err != nil {
		return nil, err
	}
	if ip.Status == statusDeleting {
		return nil, errConflict("IPAM", ip.ID)
	}
	id := c.params.Get("IpamResourceDiscoveryId")
	d, ok := s.st.Discoveries[id]
	if !ok || d.Region != c.region {
		// A shared discovery's hosted region must equal the IPAM's (reference 4.7); the IPAM is in the
		// call's region.
		return nil, errDiscoveryNotFound(id)
	}
	if d.Owner != c.account && !s.sharedWith(d.ID, c.account) {
		// Product-wide code "The IPAM resource discovery instance in the parameters is not allowed ..."
		// (reference 1.11): another account's discovery that is not shared with the caller.
		return nil, errf("Forbidden.IpResourceAccess", "The IPAM resource discovery instance in the parameters is not allowed to be accessed: %s is not shared with account %s.", d.ID, c.account)
	}
	for _, a := range sortedBySeq(s.st.Associations, func(x *association) int64 { return x.Seq }) {
		if a.DiscoveryID == d.ID {
			// One IPAM only, and only once (reference 4.7). UNKNOWN 103: the code.
			return nil, errf("OperationDenied.ResourceDiscoveryAlreadyAssociated", "The operation is not allowed because the resource discovery %s is already associated with IPAM %s.", d.ID, a.IpamID)
		}
	}
	if d.Owner != c.account && s.managedAccounts(ip.ID)[d.Owner] {
		// A member managed through the trusted service cannot share its discovery with the administrator
		// (seed 003, reference 4.7). UNKNOWN 103: the code on this side; seed 003's "under the management" one.
		return nil, errf("OperationDenied.MemberExistInIpamRDService", "The operation is not allowed because %s is under the management of the IPAM.", d.Owner)
	}
	if c.dryRun {
		return nil, errDryRun
	}
	a := &association{
		Seq:            s.st.nextSeq(),
		ID:             s.newID("ipam-res-disco-assoc"),
		IpamID:         ip.ID,
		DiscoveryID:    d.ID,
		DiscoveryOwner: d.Owner,
		IpamOwner:      ip.Owner,
		Region:         ip.Region,
		Status:         statusCreated,
		Created:        c.now,
	}
	s.st.Associations[a.ID] = a
	return map[string]any{}, nil
}

// DissociateIpamResourceDiscovery removes an explicit association (seed 002). Either side may call it: the
// IPAM's owner or the discovery's owner (reference 3.6).
func (s *Sim) dissociateIpamResourceDiscovery(c *call) (map[string]any, error) {
	if err := c.require("IpamId", "IpamResourceDiscoveryId"); err != nil {
		return nil, err
	}
	ipamID, rdID := c.params.Get("IpamId"), c.params.Get("IpamResourceDiscoveryId")
	var assoc *association
	for _, a := range sortedBySeq(s.st.Associations, func(x *association) int64 { return x.Seq }) {
		if a.IpamID == ipamID && a.DiscoveryID == rdID {
			assoc = a
		}
	}
	d, ok := s.st.Discoveries[rdID]
	// The caller sees the discovery if it owns it, if it is shared with it, or if it is associated with
	// the caller's IPAM.
	if !ok || d.Region != c.region || !(s.discoveryVisible(d, c.account) || assoc != nil && assoc.IpamOwner == c.account) {
		return nil, errDiscoveryNotFound(rdID)
	}
	ip, ok := s.st.Ipams[ipamID]
	if !ok || ip.Region != c.region || !(ip.Owner == c.account || assoc != nil && d.Owner == c.account) {
		return nil, errIpamNotFound(ipamID)
	}
	if assoc == nil {
		return nil, errf("ResourceNotFound.ResourceDiscoveryAssociation", "You cannot disassociate from the resource discovery because no association exists.")
	}
	if assoc.IsDefault || ip.DefaultDiscoveryID == d.ID {
		return nil, errf("OperationDenied.DissociateSelfSystemIpamResourceDiscovery", "The operation is not allowed because the default resource discovery cannot be disassociated.")
	}
	if ip.Status == statusDeleting {
		return nil, errConflict("IPAM", ip.ID)
	}
	if c.dryRun {
		return nil, errDryRun
	}
	delete(s.st.Associations, assoc.ID)
	return map[string]any{}, nil
}

// ListIpamResourceDiscoveryAssociations lists the associations of the caller's IPAMs and of the caller's
// discoveries, in the region (reference 2.9).
func (s *Sim) listIpamResourceDiscoveryAssociations(c *call) (map[string]any, error) {
	ipamID, rdID := c.params.Get("IpamId"), c.params.Get("IpamResourceDiscoveryId")
	var match []*association
	for _, a := range sortedBySeq(s.st.Associations, func(x *association) int64 { return x.Seq }) {
		switch {
		case a.Region != c.region || (a.IpamOwner != c.account && a.DiscoveryOwner != c.account),
			ipamID != "" && a.IpamID != ipamID,
			rdID != "" && a.DiscoveryID != rdID:
			continue
		}
		match = append(match, a)
	}
	page, next, maxResults, err := paginate(s, c, match, func(x *association) int64 { return x.Seq }, limitsList)
	if err != nil {
		return nil, err
	}
	items := make([]map[string]any, 0, len(page))
	for _, a := range page {
		rdStatus, rdType := "", ""
		if d, ok := s.st.Discoveries[a.DiscoveryID]; ok {
			rdStatus, rdType = d.Status, d.Type
		}
		items = append(items, map[string]any{
			"IpamId":                       a.IpamID,
			"IpamResourceDiscoveryId":      a.DiscoveryID,
			"IpamResourceDiscoveryOwnerId": a.DiscoveryOwner, // a string in the SDK model (reference 1.12)
			"IpamResourceDiscoveryStatus":  rdStatus,
			"IpamResourceDiscoveryType":    rdType,
			"Status":                       a.Status,
		})
	}
	return pageBody(map[string]any{}, "IpamResourceDiscoveryAssociations", items, next, maxResults, len(match)), nil
}
