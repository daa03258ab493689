// Package tfexport turns an inventory snapshot into Terraform configuration for Alibaba Cloud's provider
// (aliyun/alicloud): the way back after a teardown. In recreate mode the configuration, applied to an account
// without the IPAM, builds the same tree again (the IPAM with its operating regions, custom scopes, the pool
// tree, every pool CIDR, the custom allocations, the custom discoveries, with their names, descriptions and
// tags); in adopt mode it carries Terraform import blocks with the live ids as well, so that a team can manage
// the IPAM instead of deleting it. What the provider cannot express is written as a comment block at the top of
// the file and returned (Export.Omitted), never dropped silently.
//
// The resources and their arguments are those of the provider's sources (aliyun/terraform-provider-alicloud,
// alicloud/resource_alicloud_vpc_ipam_ipam.go, _ipam_scope.go, _ipam_pool.go, _ipam_pool_cidr.go,
// _ipam_pool_allocation.go, _ipam_resource_discovery.go, and website/docs/r/vpc_ipam_*.html.markdown):
//
//	alicloud_vpc_ipam_ipam                    ipam_name, ipam_description, operating_region_list, tags; exports
//	                                          private_default_scope_id and public_default_scope_id
//	alicloud_vpc_ipam_ipam_scope              ipam_id, ipam_scope_name, ipam_scope_description, ipam_scope_type, tags
//	alicloud_vpc_ipam_ipam_pool               ipam_scope_id, source_ipam_pool_id, pool_region_id, ip_version,
//	                                          ipv6_isp, ipam_pool_name, ipam_pool_description,
//	                                          allocation_{min,max,default}_cidr_mask, auto_import, tags
//	alicloud_vpc_ipam_ipam_pool_cidr          ipam_pool_id, cidr | netmask_length; import id "<poolId>#<cidr>"
//	alicloud_vpc_ipam_ipam_pool_allocation    ipam_pool_id, cidr | cidr_mask, ipam_pool_allocation_name,
//	                                          ipam_pool_allocation_description
//	alicloud_vpc_ipam_ipam_resource_discovery ipam_resource_discovery_name, _description, operating_region_list, tags
//
// Every other resource imports by its own id. Every resource is created in its provider's region, so a
// resource that lives elsewhere (an allocation of a pool with another pool region, a discovery of another
// region) goes through a provider alias named after its region.
//
// The package reads inventory.Snapshot only and links no SDK. Output is deterministic: the same snapshot gives
// the same bytes.
package tfexport

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ipam-teardown/ipam-teardown/inventory"
)

// Mode is what the configuration is for.
type Mode string

const (
	// Recreate is a configuration that builds the tree again in an account without it: references, no ids.
	Recreate Mode = "recreate"
	// Adopt is the same configuration with import blocks carrying the live ids: a plan shows only imports.
	Adopt Mode = "adopt"
)

// Modes are the --mode values, for the check and the shell's completion.
func Modes() []string { return []string{string(Recreate), string(Adopt)} }

// ParseMode reads a --mode value.
func ParseMode(s string) (Mode, error) {
	if slices.Contains(Modes(), s) {
		return Mode(s), nil
	}
	return "", fmt.Errorf("mode %q: want recreate or adopt", s)
}

// Resource types of the provider.
const (
	typeIPAM       = "alicloud_vpc_ipam_ipam"
	typeScope      = "alicloud_vpc_ipam_ipam_scope"
	typePool       = "alicloud_vpc_ipam_ipam_pool"
	typePoolCIDR   = "alicloud_vpc_ipam_ipam_pool_cidr"
	typeAllocation = "alicloud_vpc_ipam_ipam_pool_allocation"
	typeDiscovery  = "alicloud_vpc_ipam_ipam_resource_discovery"
)

// lockTagKey is the apply lock's tag (executor.LockTagKey; this package links no executor). A run's lock is no
// part of what was there, so it is not exported; TestLockTagNotExported keeps the two equal.
const lockTagKey = "ipam-teardown-lock"

// Omission is something of the exported tree the provider cannot express (or that is no part of the tree to
// build), with the reason. It is written in the comment block at the top of the file and listed to the user.
type Omission struct {
	IPAMID string // the IPAM it belongs under; "" for what belongs to the region (discoveries, their shares)
	What   string
	Reason string
}

// String is "what: reason".
func (o Omission) String() string { return o.What + ": " + o.Reason }

// File is one file of a split export.
type File struct {
	Name string // base name, for example "sandbox.tf"
	Data []byte
}

// Export is a built configuration.
type Export struct {
	Mode    Mode
	Omitted []Omission

	b *builder
}

// Build makes the configuration of snap in mode. It fails only on a snapshot it cannot read: an IPAM
// without an id, a pool whose scope or source pool is not in the snapshot.
func Build(snap *inventory.Snapshot, mode Mode) (*Export, error) {
	if snap == nil {
		return nil, errors.New("tfexport: no snapshot")
	}
	if _, err := ParseMode(string(mode)); err != nil {
		return nil, fmt.Errorf("tfexport: %w", err)
	}
	b, err := newBuilder(snap, mode)
	if err != nil {
		return nil, err
	}
	return &Export{Mode: mode, Omitted: b.omitted, b: b}, nil
}

// File is the whole configuration as one file.
func (e *Export) File() []byte { return e.b.single() }

// Files is the configuration as a directory: providers.tf (the terraform and provider blocks), one file per
// IPAM named after its resource name, and discoveries.tf when the region holds custom discoveries. Together
// they are one Terraform root module.
func (e *Export) Files() []File { return e.b.split() }

// oneLine makes text from the snapshot (a name, a description) safe inside a "#" comment: a line break in it
// would end the comment and let the rest be read as configuration.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return ' '
		}
		return r
	}, s)
}
