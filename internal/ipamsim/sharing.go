package ipamsim

import "time"

// PERIPHERY owns this file: Resource Sharing (shares, their resources and targets, asynchronous
// disassociation). CORE wrote the minimal types and placeholders below so the IPAM side compiles.

// share is one resource share.
type share struct {
	Seq       int64           `json:"seq"`
	ID        string          `json:"id"`
	Owner     string          `json:"owner"`
	Name      string          `json:"name,omitempty"`
	Status    string          `json:"status"`
	Resources []shareResource `json:"resources,omitempty"`
	Targets   []string        `json:"targets,omitempty"` // account ids
	Created   time.Time       `json:"created"`
}

// shareResource is one resource (IpamPool or IpamResourceDiscovery) associated with a share.
type shareResource struct {
	ID       string    `json:"id"`
	Type     string    `json:"type"`
	Status   string    `json:"status"` // Associating, Associated, Disassociating, Disassociated
	DeleteAt time.Time `json:"delete_at,omitzero"`
}

// registerSharing registers the Resource Sharing actions (PERIPHERY fills it).
func (s *Sim) registerSharing(m handlerSet) {}

// sharedWith reports whether resourceID is shared with account by an active share association.
// PLACEHOLDER: PERIPHERY implements it; until then nothing is shared.
func (s *Sim) sharedWith(resourceID, account string) bool { return false }

// activeShareIDs returns the ids of the shares that still hold resourceID (not Disassociated), sorted.
// PLACEHOLDER: PERIPHERY implements it; until then nothing is shared.
func (s *Sim) activeShareIDs(resourceID string) []string { return nil }

// settleSharing completes share Deleting/Disassociating windows that ended by now (called by settle).
// PLACEHOLDER: PERIPHERY implements it.
func (s *Sim) settleSharing(now time.Time) {}
