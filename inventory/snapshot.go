// Package inventory holds what exists under one or more Alibaba Cloud VPC IPAM instances as a Snapshot:
// plain typed values with parent links, a canonical JSON form, a fingerprint and a text rendering. It decides
// nothing about deletion; that is the planner's job. Package inventory/collect fills a Snapshot from the
// cloud API; this package links no SDK, so that the planner and the plan file format, which only read
// snapshots and selectors, link none either.
package inventory

import "time"

// Snapshot is everything relevant to tearing down the selected IPAMs of one region, seen by one account.
// Slices are kept in canonical order (see Canonicalize) so that two snapshots of the same state are equal.
//
// Ownership is relative to AccountID, and the view differs by account. The owner of an IPAM sees it under
// IPAMs with every scope and pool, its pools' share associations under Shares, foreign discoveries that
// other accounts share with it (ShareType "Shared") under Discoveries, and their associations with its IPAM.
// A consumer of shared pools sees no foreign IPAM at all: the pools shared with it are under SharedPools
// (IsShared, OwnerID the owner's), its own discoveries carry ShareType "Sharing" when it shares them, and
// Shares holds only the associations of resources it owns.
type Snapshot struct {
	Region      string    `json:"region"`
	AccountID   string    `json:"account_id"` // the caller; ownership of every resource is relative to it
	Selector    Selector  `json:"selector"`
	CollectedAt time.Time `json:"collected_at"`
	IPAMs       []IPAM    `json:"ipams"`
	// Discoveries holds every resource discovery the caller can see in the region: its own (system or
	// custom, associated or not) and foreign ones shared with it.
	Discoveries []ResourceDiscovery `json:"discoveries"`
	// Shares holds the Resource Sharing associations of the caller's pools and discoveries (resources,
	// AssociationType=Resource) that are not Disassociated or Failed.
	Shares []ShareAssociation `json:"shares"`
	// SharedPools are the pools other accounts share with the caller in this region (IsShared), with their
	// CIDRs and the allocations the caller can see. They belong to another account's IPAM, so they are never
	// the caller's to delete; a consumer's snapshot shows here what it draws from. Empty in an owner's view of
	// its own IPAM.
	SharedPools []Pool `json:"shared_pools"`
}

// Selector says which IPAMs a snapshot (and a plan) covers.
type Selector struct {
	IPAMIDs   []string          `json:"ipam_ids,omitempty"`
	Tags      map[string]string `json:"tags,omitempty"`
	Name      string            `json:"name,omitempty"`
	OlderThan Duration          `json:"older_than,omitempty"`
	All       bool              `json:"all,omitempty"`
}

// Duration is a time.Duration that reads and writes as a Go duration string ("24h0m0s").
type Duration time.Duration

// Tags are a resource's tags, key to value.
type Tags map[string]string

// IPAM is one IPAM instance with everything under it.
type IPAM struct {
	ID                                    string    `json:"id"`
	Name                                  string    `json:"name,omitempty"`
	Description                           string    `json:"description,omitempty"`
	Status                                string    `json:"status"` // Creating, Created, Deleting, Deleted
	RegionID                              string    `json:"region_id"`
	OperatingRegions                      []string  `json:"operating_regions,omitempty"`
	OwnerID                               string    `json:"owner_id"`
	CreateTime                            time.Time `json:"create_time"`
	PrivateDefaultScopeID                 string    `json:"private_default_scope_id"`
	PublicDefaultScopeID                  string    `json:"public_default_scope_id"`
	DefaultResourceDiscoveryID            string    `json:"default_resource_discovery_id"`
	DefaultResourceDiscoveryAssociationID string    `json:"default_resource_discovery_association_id,omitempty"`
	Tags                                  Tags      `json:"tags,omitempty"`

	Scopes []Scope `json:"scopes"`
	// Pools is the whole pool tree of every scope, flat, each with its ParentID; sorted by ID.
	Pools        []Pool                 `json:"pools"`
	Associations []DiscoveryAssociation `json:"associations"`
	// Members are the accounts and folders managed through the IPAM trusted service. Members are
	// account-level (one IPAM per account per region), so they are attached to the region's IPAM.
	Members []Member `json:"members"`
}

// Scope is an IPAM scope.
type Scope struct {
	ID        string `json:"id"`
	IPAMID    string `json:"ipam_id"`
	Name      string `json:"name,omitempty"`
	Type      string `json:"type"` // private, public
	IsDefault bool   `json:"is_default"`
	Status    string `json:"status"`
	OwnerID   string `json:"owner_id"`
	Tags      Tags   `json:"tags,omitempty"`

	// Description is kept for export (the scope recreated as it was); teardown never reads it.
	Description string `json:"description,omitempty"`
}

// Pool is an IPAM pool. ParentID links a sub-pool to the pool its CIDRs come from.
type Pool struct {
	ID           string       `json:"id"`
	IPAMID       string       `json:"ipam_id"`
	ScopeID      string       `json:"scope_id"`
	ParentID     string       `json:"parent_id,omitempty"` // SourceIpamPoolId; empty for a top-level pool
	Name         string       `json:"name,omitempty"`
	Depth        int          `json:"depth"`
	IPVersion    string       `json:"ip_version"`               // IPv4, IPv6
	PoolRegionID string       `json:"pool_region_id,omitempty"` // effective region; allocation calls go there
	Status       string       `json:"status"`
	OwnerID      string       `json:"owner_id"`
	IsShared     bool         `json:"is_shared"` // shared *to* the caller by another account
	HasSubPool   bool         `json:"has_sub_pool"`
	Tags         Tags         `json:"tags,omitempty"`
	CIDRs        []PoolCIDR   `json:"cidrs"`
	Allocations  []Allocation `json:"allocations"`

	// The settings below are kept for export (the pool recreated or adopted as it was); teardown never reads
	// them. A zero mask is one not set.
	Description           string `json:"description,omitempty"`
	Ipv6Isp               string `json:"ipv6_isp,omitempty"`
	AllocationMinMask     int    `json:"allocation_min_mask,omitempty"`
	AllocationMaxMask     int    `json:"allocation_max_mask,omitempty"`
	AllocationDefaultMask int    `json:"allocation_default_mask,omitempty"`
	AutoImport            bool   `json:"auto_import,omitempty"`
}

// PoolCIDR is a CIDR provisioned to a pool.
type PoolCIDR struct {
	CIDR   string `json:"cidr"`
	Status string `json:"status"`
}

// Allocation types, as ListIpamPoolAllocations reports them.
const (
	AllocationVPC      = "VPC"
	AllocationIpamPool = "IpamPool" // a child pool's provisioned CIDR
	AllocationCustom   = "Custom"
)

// Allocation is a CIDR allocated from a pool.
type Allocation struct {
	ID               string `json:"id"`
	PoolID           string `json:"pool_id"`
	CIDR             string `json:"cidr"`
	SourceCIDR       string `json:"source_cidr"`
	ResourceType     string `json:"resource_type"` // VPC, IpamPool, Custom
	ResourceID       string `json:"resource_id,omitempty"`
	ResourceOwnerID  string `json:"resource_owner_id,omitempty"`
	ResourceRegionID string `json:"resource_region_id,omitempty"`
	RegionID         string `json:"region_id"` // the region allocation calls for this pool go to
	Name             string `json:"name,omitempty"`
	Status           string `json:"status"`

	Description string `json:"description,omitempty"` // kept for export; teardown never reads it
}

// ResourceDiscovery is an IPAM resource discovery.
type ResourceDiscovery struct {
	ID               string   `json:"id"`
	Name             string   `json:"name,omitempty"`
	Type             string   `json:"type"` // system (an IPAM's default), custom
	Status           string   `json:"status"`
	RegionID         string   `json:"region_id"`
	OperatingRegions []string `json:"operating_regions,omitempty"`
	OwnerID          string   `json:"owner_id"`
	ShareType        string   `json:"share_type,omitempty"` // "", Shared (shared with the caller), Sharing (the caller shares it)
	Tags             Tags     `json:"tags,omitempty"`
	// CreateTime lets cleanup's older_than judge an orphaned discovery as it judges an IPAM.
	CreateTime  time.Time `json:"create_time,omitzero"`
	Description string    `json:"description,omitempty"` // kept for export; teardown never reads it
}

// DiscoveryAssociation links a resource discovery to an IPAM; the pair identifies it.
type DiscoveryAssociation struct {
	IPAMID        string `json:"ipam_id"`
	DiscoveryID   string `json:"discovery_id"`
	DiscoveryType string `json:"discovery_type"` // system, custom
	OwnerID       string `json:"owner_id"`       // the discovery's owner
	Status        string `json:"status"`
}

// ShareAssociation is one resource (pool or discovery) in one resource share.
type ShareAssociation struct {
	ShareID    string `json:"share_id"`
	ShareName  string `json:"share_name,omitempty"`
	EntityID   string `json:"entity_id"`
	EntityType string `json:"entity_type"` // IpamPool, IpamResourceDiscovery
	Status     string `json:"status"`      // Associating, Associated, Disassociating
}

// Member is an account or folder managed by the IPAM trusted service.
type Member struct {
	ID     string `json:"id"`
	Type   string `json:"type"` // Account, Folder
	Status string `json:"status"`
}
