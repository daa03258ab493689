// Package topology describes an emulator's starting state in YAML: accounts, a resource directory, and per
// account the IPAMs with their scopes, pool trees, CIDRs and allocations, resource discoveries, associations,
// members, resource shares and VPCs. Parse checks a file completely (fields, references, CIDR arithmetic) and
// names the file, line and field path of the first fault; Apply builds the state through the emulator's own
// API, as the account that owns each resource, so a topology can never hold a state the service would refuse.
// Generate builds large, valid topologies for benchmarks. The format is documented in
// testdata/topologies/README.md.
package topology

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
)

// Topology is one topology file.
type Topology struct {
	// Regions the emulator serves; empty means the emulator's default set.
	Regions []string `yaml:"regions,omitempty"`
	// ResourceDirectory is needed for IPAM members; nil means the accounts are not in a resource directory.
	ResourceDirectory *ResourceDirectory `yaml:"resource_directory,omitempty"`
	Accounts          []*Account         `yaml:"accounts"`

	name string     // file name, for error messages
	root *yaml.Node // the parsed document, to find the line of a field path; nil for generated topologies
}

// ResourceDirectory is the accounts' resource directory.
type ResourceDirectory struct {
	DelegatedAdmin string              `yaml:"delegated_admin"`
	Accounts       []string            `yaml:"accounts,omitempty"`
	Folders        map[string][]string `yaml:"folders,omitempty"` // folder id (fd-...) -> account ids
}

// Account is one Alibaba Cloud account and everything it owns.
type Account struct {
	ID              string   `yaml:"id"`
	AccessKeyID     string   `yaml:"access_key_id,omitempty"`
	AccessKeySecret string   `yaml:"access_key_secret,omitempty"`
	Denied          []string `yaml:"denied,omitempty"` // API actions this account's key is refused (RAM denial)
	// Roles are RAM roles other accounts (or this one) may assume with Sts AssumeRole.
	Roles []*Role `yaml:"roles,omitempty"`

	IPAMs        []*IPAM        `yaml:"ipams,omitempty"`
	Discoveries  []*Discovery   `yaml:"discoveries,omitempty"`
	Shares       []*Share       `yaml:"shares,omitempty"`
	Associations []*Association `yaml:"associations,omitempty"`
	// Allocations are custom allocations this account makes in pools it owns or that are shared with it.
	Allocations []*Allocation `yaml:"allocations,omitempty"`
	VPCs        []*VPC        `yaml:"vpcs,omitempty"`
}

// Role is a RAM role of the account; trust lists the account ids whose keys may assume it. The role's session
// acts as the account that owns the role.
type Role struct {
	Name  string   `yaml:"name"`
	Trust []string `yaml:"trust"`
}

// Tags are resource tags; they are sent sorted by key.
type Tags map[string]string

// IPAM is one IPAM instance; the emulator creates its two default scopes and its default resource discovery.
type IPAM struct {
	Name             string   `yaml:"name"`
	Description      string   `yaml:"description,omitempty"`
	Region           string   `yaml:"region"`
	OperatingRegions []string `yaml:"operating_regions,omitempty"` // default: [region]
	Tags             Tags     `yaml:"tags,omitempty"`
	Scopes           []*Scope `yaml:"scopes,omitempty"`
	Pools            []*Pool  `yaml:"pools,omitempty"`
	// Members are added with AddIpamMembers; the owning account must be the resource directory's delegated admin.
	Members []*Member `yaml:"members,omitempty"`
}

// Scope is a custom (private) scope.
type Scope struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	Tags        Tags   `yaml:"tags,omitempty"`
}

// Scope keywords for a top-level pool's scope field.
const (
	ScopeDefaultPrivate = "default-private"
	ScopeDefaultPublic  = "default-public"
)

// IP versions as the API spells them.
const (
	IPv4 = "IPv4"
	IPv6 = "IPv6"
)

// Pool is a pool and, nested, its sub-pools.
type Pool struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	// Scope of a top-level pool: scope/NAME (a custom scope of the same IPAM), default-private or
	// default-public. Sub-pools are in their parent's scope and must leave it empty.
	Scope     string `yaml:"scope,omitempty"`
	IPVersion string `yaml:"ip_version,omitempty"` // IPv4 (default) or IPv6; sub-pools inherit it
	Region    string `yaml:"region,omitempty"`     // PoolRegionId; sub-pools inherit their parent's
	ISP       string `yaml:"isp,omitempty"`        // Ipv6Isp of a public IPv6 pool
	// Allocation mask limits; 0 leaves the emulator's default.
	AllocationMinMask     int `yaml:"allocation_min_mask,omitempty"`
	AllocationMaxMask     int `yaml:"allocation_max_mask,omitempty"`
	AllocationDefaultMask int `yaml:"allocation_default_mask,omitempty"`
	// CIDRs are provisioned with AddIpamPoolCidr Cidr; Netmasks with AddIpamPoolCidr NetmaskLength (the
	// emulator picks the block).
	CIDRs       []string      `yaml:"cidrs,omitempty"`
	Netmasks    []int         `yaml:"netmasks,omitempty"`
	Allocations []*Allocation `yaml:"allocations,omitempty"` // custom allocations made by the pool's owner
	Tags        Tags          `yaml:"tags,omitempty"`
	Children    []*Pool       `yaml:"children,omitempty"`
}

// Allocation is a custom allocation (CreateIpamPoolAllocation): an explicit CIDR or a mask.
type Allocation struct {
	Name        string `yaml:"name,omitempty"`
	Description string `yaml:"description,omitempty"`
	Pool        string `yaml:"pool,omitempty"` // only in an account's allocations: pool/NAME
	CIDR        string `yaml:"cidr,omitempty"`
	Mask        int    `yaml:"mask,omitempty"`
}

// Discovery is a custom resource discovery.
type Discovery struct {
	Name             string   `yaml:"name"`
	Description      string   `yaml:"description,omitempty"`
	Region           string   `yaml:"region"`
	OperatingRegions []string `yaml:"operating_regions,omitempty"` // default: [region]
	Tags             Tags     `yaml:"tags,omitempty"`
}

// Association associates a resource discovery (the account's own, or one shared with it) with one of the
// account's IPAMs.
type Association struct {
	IPAM      string `yaml:"ipam"`      // ipam/NAME
	Discovery string `yaml:"discovery"` // discovery/NAME
}

// Member is an IPAM member: an account or a folder of the resource directory.
type Member struct {
	ID   string `yaml:"id"`
	Type string `yaml:"type,omitempty"` // Account or Folder; default from the id (fd-... is a folder)
}

// Member types as the API spells them.
const (
	MemberAccount = "Account"
	MemberFolder  = "Folder"
)

// Share is a resource share (Resource Sharing CreateResourceShare) of pools and resource discoveries.
type Share struct {
	Name                 string   `yaml:"name"`
	Resources            []string `yaml:"resources"` // pool/NAME or discovery/NAME, owned by the account
	Targets              []string `yaml:"targets"`   // account ids
	AllowExternalTargets bool     `yaml:"allow_external_targets,omitempty"`
}

// VPC is a VPC, optionally with its CIDR blocks taken from IPAM pools.
type VPC struct {
	Name   string `yaml:"name"`
	Region string `yaml:"region,omitempty"` // default: the pool's region
	// IPv4 primary block: CIDR alone (no IPAM), pool with mask (the pool picks) or pool with CIDR.
	CIDR     string       `yaml:"cidr,omitempty"`
	Pool     string       `yaml:"pool,omitempty"` // pool/NAME, an IPv4 pool
	Mask     int          `yaml:"mask,omitempty"`
	IPv6Pool string       `yaml:"ipv6_pool,omitempty"` // pool/NAME, an IPv6 pool
	IPv6Mask int          `yaml:"ipv6_mask,omitempty"`
	Tags     Tags         `yaml:"tags,omitempty"`
	Blocks   []*CIDRBlock `yaml:"secondary,omitempty"` // AssociateVpcCidrBlock, in order
}

// CIDRBlock is a secondary VPC block; its IP version is the pool's (or the CIDR's when there is no pool).
type CIDRBlock struct {
	Pool string `yaml:"pool,omitempty"`
	CIDR string `yaml:"cidr,omitempty"`
	Mask int    `yaml:"mask,omitempty"`
}

// Default credentials of accounts that do not set their own: the first account gets the emulator's default
// key (so `sim serve` works with the documented sim-access-key / sim-secret), the others a key derived from
// their id.
func defaultKeys(index int, id string) (keyID, secret string) {
	if index == 0 {
		return ipamsim.DefaultAccessKeyID, ipamsim.DefaultAccessKeySecret
	}
	return ipamsim.DefaultAccessKeyID + "-" + id, ipamsim.DefaultAccessKeySecret + "-" + id
}

// Credentials returns each account's effective access key, defaults filled in, in file order.
func (t *Topology) Credentials() []ipamsim.Account {
	out := make([]ipamsim.Account, 0, len(t.Accounts))
	for i, a := range t.Accounts {
		id, secret := a.AccessKeyID, a.AccessKeySecret
		if id == "" {
			id, secret = defaultKeys(i, a.ID)
		}
		var roles []ipamsim.Role
		for _, r := range a.Roles {
			roles = append(roles, ipamsim.Role{Name: r.Name, Trust: append([]string(nil), r.Trust...)})
		}
		out = append(out, ipamsim.Account{ID: a.ID, AccessKeyID: id, AccessKeySecret: secret, Denied: append([]string(nil), a.Denied...), Roles: roles})
	}
	return out
}

// Options maps the topology's accounts, resource directory and regions to emulator options. Delays, clock
// and id seed are the caller's to set.
func (t *Topology) Options() ipamsim.Options {
	opts := ipamsim.Options{
		Accounts: t.Credentials(),
		Regions:  append([]string(nil), t.Regions...),
	}
	if rd := t.ResourceDirectory; rd != nil {
		folders := make(map[string][]string, len(rd.Folders))
		for k, v := range rd.Folders {
			folders[k] = append([]string(nil), v...)
		}
		opts.ResourceDirectory = &ipamsim.ResourceDirectory{
			DelegatedAdmin: rd.DelegatedAdmin,
			Accounts:       append([]string(nil), rd.Accounts...),
			Folders:        folders,
		}
	}
	return opts
}

// Name is the file name the topology was parsed from ("" for a generated one).
func (t *Topology) Name() string { return t.name }

// Marshal encodes the topology as YAML: two-space indent, fields in declaration order, map keys sorted, so
// equal topologies give identical bytes.
func Marshal(t *Topology) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(t); err != nil {
		return nil, fmt.Errorf("encode topology: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode topology: %w", err)
	}
	return buf.Bytes(), nil
}
