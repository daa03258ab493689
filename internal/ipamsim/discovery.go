package ipamsim

import "time"

// PERIPHERY owns this file: resource discoveries and their associations. CORE wrote the minimal types and
// the default discovery CreateIpam needs; PERIPHERY extends them.

// discovery is one IPAM resource discovery; Type "system" is an IPAM's default one, "custom" the others.
type discovery struct {
	Seq              int64     `json:"seq"`
	ID               string    `json:"id"`
	Owner            string    `json:"owner"`
	Region           string    `json:"region"`
	OperatingRegions []string  `json:"operating_regions"`
	Name             string    `json:"name,omitempty"`
	Description      string    `json:"description,omitempty"`
	Type             string    `json:"type"` // system | custom
	Status           string    `json:"status"`
	Created          time.Time `json:"created"`
}

// association links a discovery (possibly another account's, shared) to an IPAM.
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

// registerDiscovery registers the resource discovery actions (PERIPHERY fills it).
func (s *Sim) registerDiscovery(m handlerSet) {}

// createDefaultDiscovery gives a new IPAM its default resource discovery and association (reference 4.1):
// the caller's custom discovery in the region is converted into the default one if it exists, otherwise a
// system discovery is created. CORE's minimal version; PERIPHERY owns it.
func (s *Sim) createDefaultDiscovery(c *call, ip *ipam) {
	var d *discovery
	for _, x := range sortedBySeq(s.st.Discoveries, func(x *discovery) int64 { return x.Seq }) {
		if x.Owner == c.account && x.Region == ip.Region && x.Type == "custom" {
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
			OperatingRegions: ip.OperatingRegions,
			Status:           statusCreated,
			Created:          c.now,
		}
		s.st.Discoveries[d.ID] = d
	}
	d.Type = "system"
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
