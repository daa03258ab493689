package ipamsim

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// The Vpc 2016-04-28 calls that take CIDRs from IPAM pools (reference 6; rules 1, 20, 21): CreateVpc with
// Ipv4IpamPoolId / Ipv6IpamPoolId, AssociateVpcCidrBlock with IpamPoolId, UnassociateVpcCidrBlock,
// DeleteVpc (asynchronous with a DeleteDelay), DescribeVpcs. A VPC's pool CIDRs are VPC-type allocations in
// state.Allocations (ResourceId = the VPC id); the VPC side shows no link back to the pool (reference 6.1).

// VPC statuses.
const (
	vpcAvailable = "Available"
	vpcDeleting  = "Deleting"
)

// VPC limits.
const (
	maxSecondaryCidrs = 5  // per IP version (reference 6.1)
	minVpcMask        = 8  // IPv4 VPC CIDR masks the Vpc API accepts
	maxVpcMask        = 28 //
	defaultIpv6Mask   = 56 // the block size the Vpc API assigns to a VPC
	maxDescribeVpcIDs = 20
	maxVpcPageSize    = 50
	defaultVpcPage    = 10
	defaultVpcCIDR    = "172.16.0.0/12" // CreateVpc without CidrBlock or pool
)

// vpc is one VPC.
type vpc struct {
	Seq             int64     `json:"seq"`
	ID              string    `json:"id"`
	Owner           string    `json:"owner"`
	Region          string    `json:"region"`
	Name            string    `json:"name,omitempty"`
	Description     string    `json:"description,omitempty"`
	ResourceGroupID string    `json:"resource_group_id,omitempty"`
	CIDR            string    `json:"cidr"`
	Secondary       []string  `json:"secondary_cidrs,omitempty"`
	IPv6            bool      `json:"ipv6,omitempty"`
	Ipv6CIDRs       []string  `json:"ipv6_cidrs,omitempty"` // the first is the primary IPv6 block
	VRouterID       string    `json:"vrouter_id"`
	RouteTableID    string    `json:"route_table_id"`
	Status          string    `json:"status"`
	Created         time.Time `json:"created"`
	DeleteAt        time.Time `json:"delete_at,omitzero"`
}

// registerVpc registers the Vpc actions.
func (s *Sim) registerVpc(m handlerSet) {
	p := wire.ProductVpc
	m.add(p, "CreateVpc", s.createVpc)
	m.add(p, "AssociateVpcCidrBlock", s.associateVpcCidrBlock)
	m.add(p, "UnassociateVpcCidrBlock", s.unassociateVpcCidrBlock)
	m.add(p, "DeleteVpc", s.deleteVpc)
	m.add(p, "DescribeVpcs", s.describeVpcs)
}

// errVpcNotFound is the Vpc product's not-found answer (UNKNOWN 108: the code; 404 so that a
// not-found check by status, as Terraform's, recognises it).
func errVpcNotFound(id string) *wire.Error {
	return wire.Errorf(http.StatusNotFound, "InvalidVpcId.NotFound", "The specified VPC %s is not found.", id)
}

// vpcOf returns the caller's VPC with that id in the call's region.
func (s *Sim) vpcOf(c *call, id string) (*vpc, error) {
	v, ok := s.st.Vpcs[id]
	if !ok || v.Owner != c.account || v.Region != c.region {
		return nil, errVpcNotFound(id)
	}
	return v, nil
}

// vpcPool returns the pool a Vpc call names, checked for the Vpc product's rules: visible to the caller
// (owned or shared with it), of the wanted IP version, with an effective region equal to the call's.
func (s *Sim) vpcPool(c *call, id, version string) (*pool, error) {
	p, err := s.visiblePool(c, id)
	if err != nil {
		return nil, err
	}
	if p.IpVersion != version {
		return nil, errf("Mismatch.IpVersionAndIpamPoolIpVersion", "The IP version %s does not match the IP version %s of IPAM pool %s.", version, p.IpVersion, p.ID)
	}
	if p.PoolRegion == "" {
		return nil, errf("OperationDenied.IpamPoolNotInRegion", "The IPAM pool %s has no effective region; a VPC can take CIDRs only from a pool of its region.", p.ID)
	}
	if p.PoolRegion != c.region {
		return nil, errRegionInvalid(p)
	}
	return p, nil
}

// vpcAllocError maps the IPAM side's allocation errors to the codes the Vpc calls document (reference 6.1).
func vpcAllocError(err error, maskParam string) error {
	var we *wire.Error
	if !errors.As(err, &we) {
		return err
	}
	switch we.Code {
	case "IllegalParam.CidrMask":
		return errf("OperationDenied.MaskOfCidrIsNotAllowed", "%s", we.Message)
	case "OperationFailed.InsufficientCidr", "OperationFailed.IpamPoolCidrNotExist":
		return errf("OperationDenied.AvailableCidrInsufficient", "%s", we.Message)
	case "OperationFailed.CidrOverlap", "OperationFailed.CidrNotInPool":
		return errf("OperationDenied.CidrUnavailableInPool", "%s", we.Message)
	case "MissingParameter.CidrMask":
		return errf("MissingParam.CidrOrCidrMask", "Specify the CIDR block or %s.", maskParam)
	}
	return err
}

// vpcMask reads an optional mask argument; ok is false when absent.
func vpcMask(c *call, name string, lo, hi int) (n int, ok bool, err error) {
	v, present, perr := c.params.Int(name)
	if perr != nil || present && (v < int64(lo) || v > int64(hi)) {
		return 0, false, errf("IllegalParam."+name, "The parameter %s %q must be an integer from %d to %d.", name, c.params.Get(name), lo, hi)
	}
	return int(v), present, nil
}

// vpcCIDR parses a CIDR argument of the wanted IP version.
func vpcCIDR(c *call, name, version string) (netip.Prefix, error) {
	v := c.params.Get(name)
	pfx, err := netip.ParsePrefix(v)
	if err != nil || pfx.Masked() != pfx || versionOf(pfx) != version {
		return netip.Prefix{}, errf("InvalidCidrBlock.Malformed", "The parameter %s %q is not a valid %s CIDR block.", name, v, version)
	}
	if version == "IPv4" && (pfx.Bits() < minVpcMask || pfx.Bits() > maxVpcMask) {
		return netip.Prefix{}, errf("InvalidCidrBlock.Malformed", "The parameter %s %q must have a mask from /%d to /%d.", name, v, minVpcMask, maxVpcMask)
	}
	return pfx, nil
}

// vpcAllocSpec is the allocation a VPC takes from a pool.
func vpcAllocSpec(c *call, vpcID, cidr string, mask int, ipv6 bool) allocSpec {
	return allocSpec{CIDR: cidr, Mask: mask, ResourceType: allocVPC, ResourceID: vpcID, ResourceOwner: c.account, ResourceRegion: c.region, IPv6: ipv6}
}

// pseudoIpv6 is the IPv6 block the Vpc API assigns to a VPC without an IPv6 pool; deterministic per seq,
// and outside 2408:4000::/20, where the emulator's public IPv6 pools get their blocks.
func pseudoIpv6(seq int64) string {
	return fmt.Sprintf("2409:8a00:%x::/%d", seq&0xffff, defaultIpv6Mask)
}

// CreateVpc creates a VPC, taking its IPv4 CIDR (and with EnableIpv6 its IPv6 CIDR) from IPAM pools when
// Ipv4IpamPoolId / Ipv6IpamPoolId are given (reference 6.1). A consumer of a shared pool may use it.
func (s *Sim) createVpc(c *call) (map[string]any, error) {
	name, err := checkName(c, "VpcName")
	if err != nil {
		return nil, err
	}
	desc := c.params.Get("Description")
	if len([]rune(desc)) > 256 {
		return nil, errIllegal("Description", desc)
	}
	enableV6, err := c.params.Bool("EnableIpv6", false)
	if err != nil {
		return nil, errIllegal("EnableIpv6", c.params.Get("EnableIpv6"))
	}
	tags, err := parseTags(c, "Tag")
	if err != nil {
		return nil, err
	}
	// The VPC id is drawn only after every check, so that a refused call leaves the id sequence alone.
	const pendingID = ""
	var (
		v4Pool, v6Pool *pool
		v4Spec, v6Spec allocSpec
		cidr           string
	)
	mask, hasMask, err := vpcMask(c, "Ipv4CidrMask", minVpcMask, maxVpcMask)
	if err != nil {
		return nil, err
	}
	if c.params.Has("CidrBlock") {
		pfx, err := vpcCIDR(c, "CidrBlock", "IPv4")
		if err != nil {
			return nil, err
		}
		cidr = pfx.String()
	}
	if poolID := c.params.Get("Ipv4IpamPoolId"); poolID != "" {
		if cidr == "" && !hasMask {
			return nil, errf("MissingParam.CidrOrCidrMask", "When Ipv4IpamPoolId is given, specify CidrBlock or Ipv4CidrMask.")
		}
		if v4Pool, err = s.vpcPool(c, poolID, "IPv4"); err != nil {
			return nil, err
		}
		v4Spec = vpcAllocSpec(c, pendingID, cidr, mask, false)
		if cidr != "" {
			v4Spec.Mask = 0
		}
		got, _, err := s.checkAllocation(v4Pool, v4Spec)
		if err != nil {
			return nil, vpcAllocError(err, "Ipv4CidrMask")
		}
		cidr = got.String()
	} else if hasMask {
		return nil, errf("IllegalParam.IpamPool", "The specified IPAM pool cannot be empty when Ipv4CidrMask is given.")
	}
	if cidr == "" {
		cidr = defaultVpcCIDR
	}
	if poolID := c.params.Get("Ipv6IpamPoolId"); poolID != "" {
		if !enableV6 {
			return nil, errf("IllegalParam.EnableIpv6", "Ipv6IpamPoolId requires EnableIpv6=true.")
		}
		m6, has6, err := vpcMask(c, "Ipv6CidrMask", 1, 128)
		if err != nil {
			return nil, err
		}
		if v6Pool, err = s.vpcPool(c, poolID, "IPv6"); err != nil {
			return nil, err
		}
		if !has6 {
			m6 = 0
		}
		v6Spec = vpcAllocSpec(c, pendingID, "", m6, true)
		if _, _, err := s.checkAllocation(v6Pool, v6Spec); err != nil {
			return nil, vpcAllocError(err, "Ipv6CidrMask")
		}
	}
	if c.dryRun {
		return nil, errDryRun
	}
	v := &vpc{
		Seq:             s.st.nextSeq(),
		ID:              s.newID("vpc"),
		Owner:           c.account,
		Region:          c.region,
		Name:            name,
		Description:     desc,
		ResourceGroupID: c.params.Get("ResourceGroupId"),
		CIDR:            cidr,
		IPv6:            enableV6,
		Status:          vpcAvailable,
		Created:         c.now,
	}
	v.VRouterID, v.RouteTableID = s.newID("vrt"), s.newID("vtb")
	if v4Pool != nil {
		v4Spec.ResourceID = v.ID
		if _, err := s.allocate(c, v4Pool, v4Spec); err != nil {
			return nil, vpcAllocError(err, "Ipv4CidrMask") // checked above under the same lock: cannot happen
		}
	}
	if enableV6 {
		block := pseudoIpv6(v.Seq)
		if v6Pool != nil {
			v6Spec.ResourceID = v.ID
			a, err := s.allocate(c, v6Pool, v6Spec)
			if err != nil {
				return nil, vpcAllocError(err, "Ipv6CidrMask")
			}
			block = a.CIDR
		}
		v.Ipv6CIDRs = []string{block}
	}
	s.st.Vpcs[v.ID] = v
	s.setTags(v.ID, tags)
	return map[string]any{
		"VpcId":           v.ID,
		"VRouterId":       v.VRouterID,
		"RouteTableId":    v.RouteTableID,
		"ResourceGroupId": v.ResourceGroupID,
	}, nil
}

// AssociateVpcCidrBlock adds a secondary IPv4 or IPv6 block, from an IPAM pool when IpamPoolId is given
// (reference 6.1). The call has no DryRun parameter: dispatch refuses one (UNKNOWN 110).
func (s *Sim) associateVpcCidrBlock(c *call) (map[string]any, error) {
	if err := c.require("VpcId"); err != nil {
		return nil, err
	}
	v, err := s.vpcOf(c, c.params.Get("VpcId"))
	if err != nil {
		return nil, err
	}
	if v.Status != vpcAvailable {
		return nil, errf("IncorrectVpcStatus", "The VPC %s is not in the Available state.", v.ID)
	}
	version := "IPv4"
	switch iv := c.params.Get("IpVersion"); strings.ToUpper(iv) {
	case "", "IPV4":
	case "IPV6":
		version = "IPv6"
	default:
		return nil, errIllegal("IpVersion", iv)
	}
	var (
		pl   *pool
		spec allocSpec
		cidr string
	)
	poolID := c.params.Get("IpamPoolId")
	if version == "IPv4" {
		if len(v.Secondary) >= maxSecondaryCidrs {
			return nil, errf("QuotaExceeded.SecondaryCidrBlock", "The VPC %s already has %d secondary IPv4 CIDR blocks.", v.ID, maxSecondaryCidrs)
		}
		mask, hasMask, err := vpcMask(c, "SecondaryCidrMask", minVpcMask, maxVpcMask)
		if err != nil {
			return nil, err
		}
		if c.params.Get("SecondaryCidrBlock") != "" {
			pfx, err := vpcCIDR(c, "SecondaryCidrBlock", "IPv4")
			if err != nil {
				return nil, err
			}
			cidr = pfx.String()
		}
		switch {
		case poolID == "" && hasMask:
			return nil, errf("IllegalParam.IpamPool", "The specified IPAM pool cannot be empty when SecondaryCidrMask is given.")
		case poolID == "" && cidr == "":
			return nil, errMissing("SecondaryCidrBlock")
		case poolID != "" && cidr == "" && !hasMask:
			return nil, errf("MissingParam.SecondaryCidrMask", "When IpamPoolId is given, specify SecondaryCidrBlock or SecondaryCidrMask.")
		}
		if poolID != "" {
			if pl, err = s.vpcPool(c, poolID, "IPv4"); err != nil {
				return nil, err
			}
			spec = vpcAllocSpec(c, v.ID, cidr, mask, false)
			if cidr != "" {
				spec.Mask = 0
			}
		}
	} else {
		if !v.IPv6 {
			return nil, errf("OperationFailed.Ipv6NotEnabled", "IPv6 is not enabled for VPC %s.", v.ID)
		}
		if len(v.Ipv6CIDRs)-1 >= maxSecondaryCidrs {
			return nil, errf("QuotaExceeded.SecondaryCidrBlock", "The VPC %s already has %d secondary IPv6 CIDR blocks.", v.ID, maxSecondaryCidrs)
		}
		mask, hasMask, err := vpcMask(c, "Ipv6CidrMask", 1, 128)
		if err != nil {
			return nil, err
		}
		if c.params.Get("IPv6CidrBlock") != "" {
			pfx, err := vpcCIDR(c, "IPv6CidrBlock", "IPv6")
			if err != nil {
				return nil, err
			}
			cidr = pfx.String()
		}
		if poolID == "" && cidr == "" {
			return nil, errMissing("IPv6CidrBlock")
		}
		if poolID != "" {
			if pl, err = s.vpcPool(c, poolID, "IPv6"); err != nil {
				return nil, err
			}
			if !hasMask {
				mask = 0
			}
			spec = vpcAllocSpec(c, v.ID, cidr, mask, true)
			if cidr != "" {
				spec.Mask = 0
			}
		}
	}
	if pl != nil {
		got, _, err := s.checkAllocation(pl, spec)
		if err != nil {
			return nil, vpcAllocError(err, "SecondaryCidrMask")
		}
		cidr = got.String()
	}
	if slices.Contains(v.Secondary, cidr) || v.CIDR == cidr || slices.Contains(v.Ipv6CIDRs, cidr) {
		return nil, errf("InvalidCidrBlock.Overlapped", "The CIDR block %s is already associated with VPC %s.", cidr, v.ID)
	}
	if pl != nil {
		if _, err := s.allocate(c, pl, spec); err != nil {
			return nil, vpcAllocError(err, "SecondaryCidrMask")
		}
	}
	if version == "IPv4" {
		v.Secondary = append(v.Secondary, cidr)
	} else {
		v.Ipv6CIDRs = append(v.Ipv6CIDRs, cidr)
	}
	return map[string]any{"CidrBlock": cidr, "IpVersion": strings.ToUpper(version)}, nil
}

// vpcAllocations returns the live allocations a VPC holds, in creation order.
func (s *Sim) vpcAllocations(vpcID string) []*allocation {
	var out []*allocation
	for _, a := range sortedBySeq(s.st.Allocations, func(x *allocation) int64 { return x.Seq }) {
		if a.ResourceType == allocVPC && a.ResourceID == vpcID && !a.released() {
			out = append(out, a)
		}
	}
	return out
}

// UnassociateVpcCidrBlock removes a secondary block and releases its pool allocation, if it has one
// (reference 6.2; UNKNOWN 108: the release is taken as immediate, subject to the same release window as
// DeleteIpamPoolAllocation). The call has no DryRun parameter: dispatch refuses one (UNKNOWN 110).
func (s *Sim) unassociateVpcCidrBlock(c *call) (map[string]any, error) {
	if err := c.require("VpcId"); err != nil {
		return nil, err
	}
	v, err := s.vpcOf(c, c.params.Get("VpcId"))
	if err != nil {
		return nil, err
	}
	if v.Status != vpcAvailable {
		return nil, errf("IncorrectVpcStatus", "The VPC %s is not in the Available state.", v.ID)
	}
	v4, v6 := c.params.Get("SecondaryCidrBlock"), c.params.Get("IPv6CidrBlock")
	if (v4 == "") == (v6 == "") {
		return nil, errf("MissingParameter", "Specify exactly one of SecondaryCidrBlock and IPv6CidrBlock.")
	}
	block, list := v4, &v.Secondary
	if v6 != "" {
		block, list = v6, &v.Ipv6CIDRs
	}
	i := slices.Index(*list, block)
	if i < 0 || v6 != "" && i == 0 {
		// The primary IPv6 block is not a secondary one. UNKNOWN 108: the code.
		return nil, errf("InvalidCidrBlock.NotFound", "The CIDR block %s is not a secondary CIDR block of VPC %s.", block, v.ID)
	}
	*list = slices.Delete(*list, i, i+1)
	for _, a := range s.vpcAllocations(v.ID) {
		if a.CIDR == block {
			s.release(c, a)
		}
	}
	return map[string]any{}, nil
}

// DeleteVpc deletes an Available VPC (reference 6.2): with a DeleteDelay it is Deleting until the window
// ends, then it is gone and its pool allocations are released; without one, at once.
func (s *Sim) deleteVpc(c *call) (map[string]any, error) {
	if err := c.require("VpcId"); err != nil {
		return nil, err
	}
	v, err := s.vpcOf(c, c.params.Get("VpcId"))
	if err != nil {
		return nil, err
	}
	if v.Status != vpcAvailable {
		return nil, errf("IncorrectVpcStatus", "The VPC %s is not in the Available state.", v.ID)
	}
	if c.dryRun {
		return nil, errDryRun
	}
	if until := s.deletingUntil(c.now, v.ID); !until.IsZero() {
		v.Status, v.DeleteAt = vpcDeleting, until
		return map[string]any{}, nil
	}
	s.removeVpc(c, v)
	return map[string]any{}, nil
}

// removeVpc drops a VPC and releases the allocations it holds in any pool, its own or a shared one.
func (s *Sim) removeVpc(c *call, v *vpc) {
	for _, a := range s.vpcAllocations(v.ID) {
		s.release(c, a)
	}
	delete(s.st.Vpcs, v.ID)
	delete(s.st.Tags, v.ID)
}

// settleVpcs removes the VPCs whose Deleting window ended by now. It runs on every call, so it only scans
// (no sorting, no allocation) unless a window has ended.
func (s *Sim) settleVpcs(now time.Time) {
	due := false
	for _, v := range s.st.Vpcs {
		if v.Status == vpcDeleting && !now.Before(v.DeleteAt) {
			due = true
			break
		}
	}
	if !due {
		return
	}
	for _, v := range sortedBySeq(s.st.Vpcs, func(x *vpc) int64 { return x.Seq }) {
		if v.Status != vpcDeleting || now.Before(v.DeleteAt) {
			continue
		}
		// The VPC went at DeleteAt; its allocations' release window, if any, starts then. CORE's settle pass
		// for released allocations ran before this one, so a window that has ended by now is closed here.
		allocs := s.vpcAllocations(v.ID)
		s.removeVpc(&call{now: v.DeleteAt}, v)
		for _, a := range allocs {
			if a.released() && !now.Before(a.ReleaseAt) {
				s.st.dropAllocation(a.ID)
			}
		}
	}
}

// DescribeVpcs lists the caller's VPCs in the region, paged by PageNumber/PageSize as the Vpc API does.
func (s *Sim) describeVpcs(c *call) (map[string]any, error) {
	page, ok, err := c.params.Int("PageNumber")
	if err != nil || ok && page < 1 {
		return nil, errIllegal("PageNumber", c.params.Get("PageNumber"))
	}
	if !ok {
		page = 1
	}
	size, ok, err := c.params.Int("PageSize")
	if err != nil || ok && (size < 1 || size > maxVpcPageSize) {
		return nil, errIllegal("PageSize", c.params.Get("PageSize"))
	}
	if !ok {
		size = defaultVpcPage
	}
	var ids []string
	if v := c.params.Get("VpcId"); v != "" {
		for _, id := range strings.Split(v, ",") {
			ids = append(ids, strings.TrimSpace(id))
		}
		if len(ids) > maxDescribeVpcIDs {
			return nil, errIllegal("VpcId", v)
		}
	}
	name, rg := c.params.Get("VpcName"), c.params.Get("ResourceGroupId")
	isDefault, err := c.params.Bool("IsDefault", false)
	if err != nil {
		return nil, errIllegal("IsDefault", c.params.Get("IsDefault"))
	}
	filter, err := parseTags(c, "Tag")
	if err != nil {
		return nil, err
	}
	if c.dryRun { // DescribeVpcs has a DryRun parameter, unlike the VpcIpam lists
		return nil, errDryRun
	}
	var match []*vpc
	for _, v := range sortedBySeq(s.st.Vpcs, func(x *vpc) int64 { return x.Seq }) {
		switch {
		case v.Owner != c.account || v.Region != c.region,
			len(ids) > 0 && !slices.Contains(ids, v.ID),
			name != "" && v.Name != name,
			rg != "" && v.ResourceGroupID != rg,
			isDefault, // the emulator has no default VPCs
			!s.matchTags(v.ID, filter):
			continue
		}
		match = append(match, v)
	}
	start := min(int((page-1)*size), len(match))
	end := min(start+int(size), len(match))
	items := make([]map[string]any, 0, end-start)
	for _, v := range match[start:end] {
		items = append(items, s.vpcItem(v))
	}
	return map[string]any{
		"TotalCount": len(match),
		"PageNumber": int(page),
		"PageSize":   int(size),
		"Vpcs":       map[string]any{"Vpc": items},
	}, nil
}

// vpcItem renders a VPC as DescribeVpcs does (DescribeVpcsResponseBodyVpcsVpc).
func (s *Sim) vpcItem(v *vpc) map[string]any {
	v6 := make([]map[string]any, 0, len(v.Ipv6CIDRs))
	for _, b := range v.Ipv6CIDRs {
		v6 = append(v6, map[string]any{"Ipv6CidrBlock": b, "Ipv6Isp": "BGP"})
	}
	primaryV6 := ""
	if len(v.Ipv6CIDRs) > 0 {
		primaryV6 = v.Ipv6CIDRs[0]
	}
	tags := s.tagList(v.ID)
	return map[string]any{
		"VpcId":                v.ID,
		"VpcName":              v.Name,
		"Description":          v.Description,
		"RegionId":             v.Region,
		"Status":               v.Status,
		"CidrBlock":            v.CIDR,
		"SecondaryCidrBlocks":  map[string]any{"SecondaryCidrBlock": slices.Clone(v.Secondary)},
		"Ipv6CidrBlock":        primaryV6,
		"Ipv6CidrBlocks":       map[string]any{"Ipv6CidrBlock": v6},
		"EnabledIpv6":          v.IPv6,
		"IsDefault":            false,
		"OwnerId":              ownerID(v.Owner),
		"CreationTime":         timestamp(v.Created),
		"VRouterId":            v.VRouterID,
		"RouterTableIds":       map[string]any{"RouterTableIds": []string{v.RouteTableID}},
		"VSwitchIds":           map[string]any{"VSwitchId": []string{}},
		"UserCidrs":            map[string]any{"UserCidr": []string{}},
		"NatGatewayIds":        map[string]any{"NatGatewayIds": []string{}},
		"Tags":                 map[string]any{"Tag": tags},
		"ResourceGroupId":      v.ResourceGroupID,
		"CenStatus":            "Detached",
		"DhcpOptionsSetStatus": "Available",
		"DnsHostnameStatus":    "DISABLED",
	}
}
