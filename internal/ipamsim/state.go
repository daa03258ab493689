package ipamsim

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// Status values shared by the VpcIpam objects.
const (
	statusCreated  = "Created"
	statusDeleting = "Deleting"
	statusDeleted  = "Deleted"
)

// Allocation resource types.
const (
	allocVPC      = "VPC"
	allocIpamPool = "IpamPool"
	allocCustom   = "Custom"
)

// state is everything the emulator holds. Maps are keyed by id; Seq (a global creation counter) gives every
// list its stable order and is what NextToken points into. Fields are exported only for DumpState's JSON.
type state struct {
	Seq int64 `json:"seq"`

	Ipams        map[string]*ipam        `json:"ipams"`
	Scopes       map[string]*scope       `json:"scopes"`
	Pools        map[string]*pool        `json:"pools"`
	PoolCidrs    map[string]*poolCIDR    `json:"pool_cidrs"` // key: pool id + " " + cidr
	Allocations  map[string]*allocation  `json:"allocations"`
	Discoveries  map[string]*discovery   `json:"discoveries"`
	Associations map[string]*association `json:"associations"`
	Members      map[string]*member      `json:"members"` // key: ipam id + " " + member id
	Shares       map[string]*share       `json:"shares"`
	Vpcs         map[string]*vpc         `json:"vpcs"`

	// Tags by resource id (ids are unique across types); values keyed by tag key.
	Tags map[string]map[string]string `json:"tags"`

	// tokens remembers ClientToken answers. Not dumped: it is not resource state.
	tokens map[string]*clientTokenRecord
	// dueAt is the earliest end of an open Deleting or release window of CORE's objects (zero: none), so
	// settle scans the state only when something is due.
	dueAt time.Time
	// sharesOf indexes the shares by the resources they have rows for (PERIPHERY's, sharing.go); rows are
	// never removed, so the index only grows. Not dumped: it is derived from Shares.
	sharesOf map[string][]*share
	// allocsOf and cidrsOf index Allocations and PoolCidrs by pool id (pool id -> key in the map -> row), for
	// poolAllocations and poolCIDRs: a scan of every row at each call made a topology of thousands of pools
	// quadratic. Not dumped: derived. putAllocation, dropAllocation, putPoolCIDR and dropPoolCIDR are the only
	// writers of the two maps, and keep the indexes with them.
	allocsOf map[string]map[string]*allocation
	cidrsOf  map[string]map[string]*poolCIDR
}

// putAllocation adds a to Allocations and to its pool's index.
func (st *state) putAllocation(a *allocation) {
	st.Allocations[a.ID] = a
	putIndexed(st.allocsOf, a.PoolID, a.ID, a)
}

// dropAllocation removes the allocation id, if present, from Allocations and from its pool's index.
func (st *state) dropAllocation(id string) {
	if a, ok := st.Allocations[id]; ok {
		delete(st.Allocations, id)
		dropIndexed(st.allocsOf, a.PoolID, id)
	}
}

// putPoolCIDR adds pc to PoolCidrs and to its pool's index.
func (st *state) putPoolCIDR(pc *poolCIDR) {
	key := poolCIDRKey(pc.PoolID, pc.CIDR)
	st.PoolCidrs[key] = pc
	putIndexed(st.cidrsOf, pc.PoolID, key, pc)
}

// dropPoolCIDR removes the CIDR of pool poolID, if present, from PoolCidrs and from the pool's index.
func (st *state) dropPoolCIDR(poolID, cidr string) {
	key := poolCIDRKey(poolID, cidr)
	delete(st.PoolCidrs, key)
	dropIndexed(st.cidrsOf, poolID, key)
}

func putIndexed[T any](idx map[string]map[string]T, group, key string, v T) {
	m := idx[group]
	if m == nil {
		m = map[string]T{}
		idx[group] = m
	}
	m[key] = v
}

func dropIndexed[T any](idx map[string]map[string]T, group, key string) {
	if m := idx[group]; m != nil {
		delete(m, key)
		if len(m) == 0 {
			delete(idx, group)
		}
	}
}

func newState() *state {
	return &state{
		Ipams:        map[string]*ipam{},
		Scopes:       map[string]*scope{},
		Pools:        map[string]*pool{},
		PoolCidrs:    map[string]*poolCIDR{},
		Allocations:  map[string]*allocation{},
		Discoveries:  map[string]*discovery{},
		Associations: map[string]*association{},
		Members:      map[string]*member{},
		Shares:       map[string]*share{},
		Vpcs:         map[string]*vpc{},
		Tags:         map[string]map[string]string{},
		tokens:       map[string]*clientTokenRecord{},
		allocsOf:     map[string]map[string]*allocation{},
		cidrsOf:      map[string]map[string]*poolCIDR{},
	}
}

// nextSeq hands out the creation sequence number of a new object.
func (st *state) nextSeq() int64 {
	st.Seq++
	return st.Seq
}

// ipam is one IPAM instance.
type ipam struct {
	Seq                  int64     `json:"seq"`
	ID                   string    `json:"id"`
	Owner                string    `json:"owner"`
	Region               string    `json:"region"` // hosted region
	Name                 string    `json:"name,omitempty"`
	Description          string    `json:"description,omitempty"`
	ResourceGroupID      string    `json:"resource_group_id,omitempty"`
	OperatingRegions     []string  `json:"operating_regions"`
	PrivateScopeID       string    `json:"private_default_scope_id"`
	PublicScopeID        string    `json:"public_default_scope_id"`
	DefaultDiscoveryID   string    `json:"default_resource_discovery_id,omitempty"`
	DefaultAssociationID string    `json:"default_resource_discovery_association_id,omitempty"`
	Status               string    `json:"status"`
	Created              time.Time `json:"created"`
	DeleteAt             time.Time `json:"delete_at,omitzero"` // end of the Deleting window
}

// scope is one IPAM scope; the two defaults have IsDefault.
type scope struct {
	Seq             int64     `json:"seq"`
	ID              string    `json:"id"`
	IpamID          string    `json:"ipam_id"`
	Owner           string    `json:"owner"`
	Region          string    `json:"region"`
	Name            string    `json:"name,omitempty"`
	Description     string    `json:"description,omitempty"`
	ResourceGroupID string    `json:"resource_group_id,omitempty"`
	Type            string    `json:"type"` // private | public
	IsDefault       bool      `json:"is_default"`
	Status          string    `json:"status"`
	Created         time.Time `json:"created"`
	DeleteAt        time.Time `json:"delete_at,omitzero"`
}

// pool is one IPAM pool; SourceID links a child to its parent.
type pool struct {
	Seq             int64     `json:"seq"`
	ID              string    `json:"id"`
	IpamID          string    `json:"ipam_id"`
	ScopeID         string    `json:"scope_id"`
	Owner           string    `json:"owner"`
	Region          string    `json:"region"`                // IPAM hosted region
	PoolRegion      string    `json:"pool_region,omitempty"` // effective region; may be empty
	SourceID        string    `json:"source_pool_id,omitempty"`
	Depth           int       `json:"depth"`
	IpVersion       string    `json:"ip_version"`
	Ipv6Isp         string    `json:"ipv6_isp,omitempty"`
	MinMask         int       `json:"allocation_min_cidr_mask"`
	MaxMask         int       `json:"allocation_max_cidr_mask"`
	DefaultMask     int       `json:"allocation_default_cidr_mask,omitempty"` // 0: none set
	AutoImport      bool      `json:"auto_import"`
	Name            string    `json:"name,omitempty"`
	Description     string    `json:"description,omitempty"`
	ResourceGroupID string    `json:"resource_group_id,omitempty"`
	Status          string    `json:"status"`
	Created         time.Time `json:"created"`
	DeleteAt        time.Time `json:"delete_at,omitzero"`
}

// allocRegion is the region allocation calls for this pool must be sent to (rule 22).
func (p *pool) allocRegion() string {
	if p.PoolRegion != "" {
		return p.PoolRegion
	}
	return p.Region
}

// poolCIDR is one CIDR provisioned to a pool. A child pool's CIDR has ParentAllocationID: the IpamPool-type
// allocation it holds in the parent.
type poolCIDR struct {
	Seq                int64     `json:"seq"`
	PoolID             string    `json:"pool_id"`
	CIDR               string    `json:"cidr"`
	ParentAllocationID string    `json:"parent_allocation_id,omitempty"`
	Status             string    `json:"status"`
	Created            time.Time `json:"created"`
}

func poolCIDRKey(poolID, cidr string) string { return poolID + " " + cidr }

// allocation is one CIDR taken from a pool: by a VPC, a child pool (IpamPool) or a custom reservation.
type allocation struct {
	Seq            int64     `json:"seq"`
	ID             string    `json:"id"`
	PoolID         string    `json:"pool_id"`
	CIDR           string    `json:"cidr"`
	SourceCIDR     string    `json:"source_cidr"` // the pool CIDR it lies in
	ResourceType   string    `json:"resource_type"`
	ResourceID     string    `json:"resource_id,omitempty"`
	ResourceOwner  string    `json:"resource_owner"` // account that holds it (may differ from the pool owner)
	ResourceRegion string    `json:"resource_region,omitempty"`
	Region         string    `json:"region"`         // the pool's allocation region
	IPv6           bool      `json:"ipv6,omitempty"` // allocation of an IPv6 VPC: not releasable (seed 001)
	Name           string    `json:"name,omitempty"`
	Description    string    `json:"description,omitempty"`
	Status         string    `json:"status"`
	Created        time.Time `json:"created"`
	ReleaseAt      time.Time `json:"release_at,omitzero"` // end of the release window (rule 19)
}

// DumpState implements wire.StateDumper: the whole state as JSON, maps in key order, so two dumps of the same
// state are byte-identical (tests compare them to prove a dry run changed nothing).
func (s *Sim) DumpState() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle(s.opts.Now().UTC())
	b, err := json.Marshal(s.st)
	if err != nil {
		// The state holds only strings, numbers, bools, times and maps/slices of them.
		panic("ipamsim: DumpState: " + err.Error())
	}
	return json.RawMessage(b)
}

// sortedBySeq returns the map's values in creation order.
func sortedBySeq[T any](m map[string]*T, seq func(*T) int64) []*T {
	out := slices.Collect(maps.Values(m))
	slices.SortFunc(out, func(a, b *T) int { return cmp.Compare(seq(a), seq(b)) })
	return out
}

// settle completes every Deleting window that has ended by now. It runs at the start of each call, under
// the lock: the windows are evaluated lazily, so the emulator needs no goroutines or timers.
func (s *Sim) settle(now time.Time) {
	if due := s.st.dueAt; !due.IsZero() && !now.Before(due) {
		s.st.dueAt = time.Time{}
		// pending notes a window that is still open after this pass.
		pending := func(t time.Time) {
			if s.st.dueAt.IsZero() || t.Before(s.st.dueAt) {
				s.st.dueAt = t
			}
		}
		for id, a := range s.st.Allocations {
			switch {
			case !a.released():
			case !now.Before(a.ReleaseAt):
				s.st.dropAllocation(id)
			default:
				pending(a.ReleaseAt)
			}
		}
		// Pools before scopes before IPAMs: a parent's window never ends before its children are gone.
		for _, p := range s.st.Pools {
			switch {
			case p.Status != statusDeleting:
			case !now.Before(p.DeleteAt):
				s.removePool(p)
			default:
				pending(p.DeleteAt)
			}
		}
		for _, sc := range s.st.Scopes {
			switch {
			case sc.Status != statusDeleting:
			case !now.Before(sc.DeleteAt):
				s.removeScope(sc)
			default:
				pending(sc.DeleteAt)
			}
		}
		for _, ip := range s.st.Ipams {
			switch {
			case ip.Status != statusDeleting:
			case !now.Before(ip.DeleteAt):
				s.removeIpam(ip)
			default:
				pending(ip.DeleteAt)
			}
		}
	}
	s.settleSharing(now)
}

// removePool drops a pool that has passed every delete check (no CIDRs, allocations or children remain).
func (s *Sim) removePool(p *pool) {
	delete(s.st.Pools, p.ID)
	delete(s.st.Tags, p.ID)
}

// removeScope drops a scope (custom, or a default one going with its IPAM).
func (s *Sim) removeScope(sc *scope) {
	delete(s.st.Scopes, sc.ID)
	delete(s.st.Tags, sc.ID)
}

// removeIpam drops an IPAM and what goes with it implicitly (rule 14): both default scopes, the default
// resource discovery and every association of the IPAM.
func (s *Sim) removeIpam(ip *ipam) {
	for _, sc := range s.st.Scopes {
		if sc.IpamID == ip.ID {
			s.removeScope(sc)
		}
	}
	for id, a := range s.st.Associations {
		if a.IpamID == ip.ID {
			delete(s.st.Associations, id)
		}
	}
	if d, ok := s.st.Discoveries[ip.DefaultDiscoveryID]; ok {
		delete(s.st.Discoveries, d.ID)
		delete(s.st.Tags, d.ID)
	}
	delete(s.st.Ipams, ip.ID)
	delete(s.st.Tags, ip.ID)
}

// deletingUntil returns the end of the Deleting window of resource key that starts now (DeleteWindow), or
// the zero time when deletes are synchronous. Callers must be about to open the window (settle is told to
// look at that time).
func (s *Sim) deletingUntil(now time.Time, key string) time.Time {
	if s.opts.DeleteDelay <= 0 {
		return time.Time{}
	}
	d := s.DeleteWindow(key)
	until := now.Add(d)
	if s.st.dueAt.IsZero() || until.Before(s.st.dueAt) {
		s.st.dueAt = until
	}
	return until
}
