package ipamsim

import "time"

// PERIPHERY owns this file: IPAM members (AddIpamMembers, RemoveIpamMembers, ListIpamMembers). CORE wrote
// the minimal type DeleteIpam reads (rule 13).

// member is one account or folder managed by an IPAM through the trusted service.
type member struct {
	Seq      int64     `json:"seq"`
	IpamID   string    `json:"ipam_id"`
	MemberID string    `json:"member_id"`
	Type     string    `json:"type"` // Account | Folder
	Status   string    `json:"status"`
	Created  time.Time `json:"created"`
}
