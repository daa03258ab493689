package ipamsim

import "github.com/ipam-teardown/ipam-teardown/internal/catalog"

// PublicRegions returns the region ids of Alibaba Cloud's public region list (catalog.PublicRegions): the
// regions Vpc and ResourceSharing are served in (VpcIpam has its own, catalog.Regions). The slice is the
// caller's.
func PublicRegions() []string { return catalog.PublicRegions() }

// IsPublicRegion reports whether id is on Alibaba Cloud's public region list.
func IsPublicRegion(id string) bool { return catalog.IsPublicRegion(id) }
