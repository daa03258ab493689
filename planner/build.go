package planner

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/graph/simple"
	"gonum.org/v1/gonum/graph/topo"

	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// Options are the choices a user makes when planning.
type Options struct {
	// KeepVPCAllocations reports the pools' VPC allocations as blockers instead of releasing them.
	KeepVPCAllocations bool
	// Exclude lists resource ids (IPAM, scope, pool, allocation, discovery, share, member) the plan must not
	// touch; everything inside an excluded resource is kept with it.
	Exclude []string
	// ProtectTag protects the IPAMs, scopes, pools and discoveries carrying the tag: "key" (any value) or
	// "key=value".
	ProtectTag string
	// KeepDiscoveries keeps the caller's custom resource discoveries (they are still dissociated).
	KeepDiscoveries bool
	PlanID          string // "" draws "plan-" and 16 random hex digits
	ToolVersion     string
	Now             func() time.Time // default time.Now
}

// maxShareResources is how many Resources.N one DisassociateResourceShare takes (reference 5.4).
const maxShareResources = 5

// Transitional statuses: a resource in one of them is changing under the plan, so the plan leaves it (and
// what needs it gone) alone until it settles.
func transitional(status string) bool {
	switch status {
	case "Creating", "Deleting", "Modifying", "Associating", "Disassociating", "Pending":
		return true
	}
	return false
}

// unit is one logical operation on one resource. Most units become one step; the units of a group (the
// members of one IPAM, the resources of one share) are merged into batched steps after the blockers have
// removed what they hold back.
type unit struct {
	step   plans.Step // the step this unit becomes (for a grouped unit: the fields its batch shares)
	group  string     // "" for a step of its own
	item   [2]string  // a grouped unit's entry: (MemberId, MemberType) or (ResourceId, ResourceType)
	owners []string   // the resource ids that contain this unit's resource, itself first (for blockers)
}

type edge struct {
	from, to int // unit indexes: from must finish before to
	rule     string
}

type pendingBlocker struct {
	b        plans.Blocker
	resource string // the owner key whose units the blocker removes
}

type builder struct {
	snap     *inventory.Snapshot
	opts     Options
	units    []unit
	index    map[string]int // unit id -> index
	edges    []edge
	byOwner  map[string][]int
	kind     map[string]string // owner key -> resource type, for blockers
	blockers []pendingBlocker
}

// Build plans the teardown of the IPAMs in snap. It is deterministic: two snapshots of the same state give
// plans that differ only in PlanID and CreatedAt. It fails on a snapshot whose dependencies form a cycle (the
// error names the steps) and on an Exclude id that names nothing in the snapshot.
func Build(snap *inventory.Snapshot, opts Options) (*plans.Plan, error) {
	if snap == nil {
		return nil, errors.New("planner: no snapshot")
	}
	if snap.Region == "" {
		return nil, errors.New("planner: snapshot: region is empty")
	}
	protectKey, protectValue, protectHasValue := strings.Cut(opts.ProtectTag, "=")
	if opts.ProtectTag != "" && protectKey == "" {
		return nil, fmt.Errorf("planner: protect tag %q: the key is empty", opts.ProtectTag)
	}
	n := len(snap.Shares) + len(snap.Discoveries)
	for _, ip := range snap.IPAMs {
		n += 1 + len(ip.Scopes) + len(ip.Members) + len(ip.Associations)
		for _, p := range ip.Pools {
			n += 1 + len(p.CIDRs) + len(p.Allocations)
		}
	}
	// n bounds the units; sizing up front keeps a 100,000-step plan from copying its units while it grows.
	b := &builder{
		snap:    snap,
		opts:    opts,
		units:   make([]unit, 0, n),
		edges:   make([]edge, 0, 2*n),
		index:   make(map[string]int, n),
		byOwner: make(map[string][]int, n),
		kind:    make(map[string]string, n),
	}
	for i := range snap.IPAMs {
		if err := b.ipam(&snap.IPAMs[i]); err != nil {
			return nil, err
		}
	}
	b.discoveries()
	b.shares()
	if err := b.exclusions(); err != nil {
		return nil, err
	}
	if opts.ProtectTag != "" {
		b.protected(protectKey, protectValue, protectHasValue)
	}
	b.transitions()
	return b.plan()
}

func (b *builder) add(u unit) int {
	id := u.step.ID
	if i, ok := b.index[id]; ok {
		return i
	}
	if u.step.Params == nil {
		u.step.Params = map[string]string{}
	}
	info, _ := plans.LookupAction(u.step.Action)
	u.step.Product = info.Product
	i := len(b.units)
	b.units = append(b.units, u)
	b.index[id] = i
	for _, o := range u.owners {
		b.byOwner[o] = append(b.byOwner[o], i)
	}
	return i
}

func (b *builder) edge(from, to int, rule string) {
	if from < 0 || to < 0 || from == to {
		return
	}
	b.edges = append(b.edges, edge{from: from, to: to, rule: rule})
}

func (b *builder) unitIndex(id string) int {
	if i, ok := b.index[id]; ok {
		return i
	}
	return -1
}

func (b *builder) block(resourceType, resourceID, ipamID, reason, rule string) {
	b.blockers = append(b.blockers, pendingBlocker{
		b:        plans.Blocker{ResourceType: resourceType, ResourceID: resourceID, IPAMID: ipamID, Reason: reason, Rule: rule},
		resource: resourceID,
	})
}

func (b *builder) own(key, resourceType string) {
	if _, ok := b.kind[key]; !ok {
		b.kind[key] = resourceType
	}
}

// Step ids: "<verb>/<resource id>", stable and readable.
func ipamStepID(id string) string            { return "delete-ipam/" + id }
func scopeStepID(id string) string           { return "delete-scope/" + id }
func poolStepID(id string) string            { return "delete-pool/" + id }
func cidrStepID(pool, cidr string) string    { return "delete-cidr/" + pool + "/" + cidr }
func allocationStepID(id string) string      { return "delete-allocation/" + id }
func dissociateStepID(ipam, d string) string { return "dissociate-discovery/" + ipam + "/" + d }
func discoveryStepID(id string) string       { return "delete-discovery/" + id }

func (b *builder) ipam(ip *inventory.IPAM) error {
	region := cmp.Or(ip.RegionID, b.snap.Region)
	b.own(ip.ID, "ipam")
	ipamOwners := []string{ip.ID}
	var implies []plans.Implied
	for _, sc := range []struct{ id, what string }{{ip.PrivateDefaultScopeID, "private"}, {ip.PublicDefaultScopeID, "public"}} {
		if sc.id == "" {
			continue
		}
		b.own(sc.id, "scope")
		ipamOwners = append(ipamOwners, sc.id)
		implies = append(implies, plans.Implied{ResourceType: "scope", ResourceID: sc.id,
			Reason: "the default " + sc.what + " scope goes with the IPAM (" + ruleDefaultScopes + ")"})
	}
	if d := ip.DefaultResourceDiscoveryID; d != "" {
		b.own(d, "discovery")
		ipamOwners = append(ipamOwners, d)
		implies = append(implies, plans.Implied{ResourceType: "discovery", ResourceID: d,
			Reason: "the default resource discovery goes with the IPAM (" + ruleDefaultRD + ")"})
		assoc := cmp.Or(ip.DefaultResourceDiscoveryAssociationID, ip.ID+"/"+d)
		implies = append(implies, plans.Implied{ResourceType: "association", ResourceID: assoc,
			Reason: "the default discovery's association goes with the IPAM (" + ruleDefaultRD + ")"})
	}
	slices.SortFunc(implies, func(x, y plans.Implied) int {
		return cmp.Or(strings.Compare(x.ResourceType, y.ResourceType), strings.Compare(x.ResourceID, y.ResourceID))
	})
	ipamUnit := b.add(unit{
		step: plans.Step{ID: ipamStepID(ip.ID), Action: "DeleteIpam", ResourceType: "ipam", ResourceID: ip.ID, IPAMID: ip.ID,
			Region: region, Params: map[string]string{"RegionId": region, "IpamId": ip.ID}, Rule: ruleDeleteIpam,
			WaitFor: "gone", Implies: implies},
		owners: ipamOwners,
	})

	custom := map[string]int{} // custom scope id -> unit
	defaults := map[string]bool{ip.PrivateDefaultScopeID: true, ip.PublicDefaultScopeID: true}
	for _, sc := range ip.Scopes {
		if sc.IsDefault || defaults[sc.ID] || sc.Status == "Deleted" {
			b.own(sc.ID, "scope")
			continue
		}
		b.own(sc.ID, "scope")
		u := b.add(unit{
			step: plans.Step{ID: scopeStepID(sc.ID), Action: "DeleteIpamScope", ResourceType: "scope", ResourceID: sc.ID, IPAMID: ip.ID,
				Region: region, Params: map[string]string{"RegionId": region, "IpamScopeId": sc.ID}, Rule: ruleScopeBeforeIpam, WaitFor: "gone"},
			owners: []string{sc.ID, ip.ID},
		})
		custom[sc.ID] = u
		b.edge(u, ipamUnit, ruleScopeBeforeIpam)
	}

	pools := make(map[string]*inventory.Pool, len(ip.Pools))
	for i := range ip.Pools {
		if ip.Pools[i].Status != "Deleted" {
			pools[ip.Pools[i].ID] = &ip.Pools[i]
		}
	}
	// owners of a pool: itself, its ancestors, its scope, the IPAM. A parent cycle (a broken snapshot)
	// stops the walk; the pool edges then form a cycle that plan() reports by name.
	chain := func(p *inventory.Pool) []string {
		out := []string{p.ID}
		seen := map[string]bool{p.ID: true}
		for q := pools[p.ParentID]; q != nil && !seen[q.ID]; q = pools[q.ParentID] {
			seen[q.ID] = true
			out = append(out, q.ID)
		}
		if p.ScopeID != "" {
			out = append(out, p.ScopeID)
		}
		return append(out, ip.ID)
	}
	for i := range ip.Pools {
		p := &ip.Pools[i]
		if pools[p.ID] != p {
			continue
		}
		b.own(p.ID, "pool")
		owners := chain(p)
		pu := b.add(unit{
			step: plans.Step{ID: poolStepID(p.ID), Action: "DeleteIpamPool", ResourceType: "pool", ResourceID: p.ID, IPAMID: ip.ID,
				Region: region, Params: map[string]string{"RegionId": region, "IpamPoolId": p.ID}, Rule: rulePoolBeforeIpam, WaitFor: "gone"},
			owners: owners,
		})
		if p.OwnerID != "" && b.snap.AccountID != "" && p.OwnerID != b.snap.AccountID {
			b.block("pool", p.ID, ip.ID, fmt.Sprintf("pool %s belongs to account %s: only its owner can deprovision its CIDRs and delete it", p.ID, p.OwnerID), ruleOwnerOnly)
		}
		for _, c := range p.CIDRs {
			if c.Status == "Deleted" {
				continue
			}
			key := p.ID + "/" + c.CIDR
			b.own(key, "pool-cidr")
			cu := b.add(unit{
				step: plans.Step{ID: cidrStepID(p.ID, c.CIDR), Action: "DeleteIpamPoolCidr", ResourceType: "pool-cidr", ResourceID: key, IPAMID: ip.ID,
					Region: region, Params: map[string]string{"RegionId": region, "IpamPoolId": p.ID, "Cidr": c.CIDR}, Rule: ruleCIDRBeforePool},
				owners: append([]string{key}, owners...),
			})
			b.edge(cu, pu, ruleCIDRBeforePool)
			if prefix, err := netip.ParsePrefix(c.CIDR); err == nil && !prefix.Addr().Is4() {
				b.block("pool-cidr", key, ip.ID, fmt.Sprintf("%s is an IPv6 CIDR of pool %s: DeleteIpamPoolCidr deprovisions IPv4 CIDRs only, so the pool cannot be emptied by this tool", c.CIDR, p.ID), ruleIPv6CIDR)
			}
		}
	}
	// Pool edges and allocations, once every pool and CIDR unit exists (rules 2 and 3 link a child to its
	// parent, which may come later in the slice).
	for i := range ip.Pools {
		p := &ip.Pools[i]
		if pools[p.ID] != p {
			continue
		}
		owners := chain(p)
		pu := b.unitIndex(poolStepID(p.ID))
		if parent, ok := pools[p.ParentID]; ok && parent.ID != p.ID {
			b.units[pu].step.Rule = ruleSubPoolBeforePool
			b.edge(pu, b.unitIndex(poolStepID(parent.ID)), ruleSubPoolBeforePool)
		} else {
			b.edge(pu, ipamUnit, rulePoolBeforeIpam)
			if su, ok := custom[p.ScopeID]; ok {
				b.edge(pu, su, rulePoolBeforeScope)
			}
		}
		for _, a := range p.Allocations {
			if a.Status == "Deleted" {
				continue
			}
			source := b.unitIndex(cidrStepID(p.ID, sourceCIDR(p, a)))
			if a.ResourceType == inventory.AllocationIpamPool {
				// A child pool's CIDR: it goes with the child's DeleteIpamPoolCidr, before the parent CIDR. The
				// allocation's id names that step too, so that excluding it keeps the child's CIDR.
				child := b.unitIndex(cidrStepID(a.ResourceID, a.CIDR))
				b.edge(child, source, ruleChildCIDRBeforeParent)
				b.own(a.ID, "allocation")
				if child >= 0 {
					b.byOwner[a.ID] = append(b.byOwner[a.ID], child)
				}
				continue
			}
			b.own(a.ID, "allocation")
			allocRegion := cmp.Or(a.RegionID, p.PoolRegionID, region)
			au := b.add(unit{
				step: plans.Step{ID: allocationStepID(a.ID), Action: "DeleteIpamPoolAllocation", ResourceType: "allocation", ResourceID: a.ID, IPAMID: ip.ID,
					Region: allocRegion, Params: map[string]string{"RegionId": allocRegion, "IpamPoolAllocationId": a.ID}, Rule: ruleAllocationBeforeCIDR},
				owners: append([]string{a.ID}, owners...),
			})
			b.edge(au, source, ruleAllocationBeforeCIDR)
			switch {
			case p.PoolRegionID != "":
				b.edge(au, pu, ruleRegionalAllocBeforePool)
			case a.ResourceType == inventory.AllocationCustom:
				b.edge(au, pu, ruleCustomAllocBeforePool)
			}
			switch {
			case a.ResourceType != inventory.AllocationVPC && a.ResourceType != inventory.AllocationCustom:
				b.block("allocation", a.ID, ip.ID, fmt.Sprintf("allocation %s has resource type %q; DeleteIpamPoolAllocation releases only VPC and Custom allocations", a.ID, a.ResourceType), "0.5/seed-001")
			case a.ResourceType == inventory.AllocationVPC && p.IPVersion == "IPv6":
				b.block("allocation", a.ID, ip.ID, fmt.Sprintf("allocation %s is the IPv6 block of VPC %s, which DeleteIpamPoolAllocation refuses (OperationDenied.Ipv6VpcNotSupport); remove the block on the VPC side (UnassociateVpcCidrBlock or DeleteVpc) and plan again", a.ID, cmp.Or(a.ResourceID, "?")), ruleIPv6VPC)
			case a.ResourceType == inventory.AllocationVPC && b.opts.KeepVPCAllocations:
				b.block("allocation", a.ID, ip.ID, fmt.Sprintf("allocation %s of VPC %s is kept (--keep-vpc-allocations)", a.ID, cmp.Or(a.ResourceID, "?")), ruleAllocationBeforeCIDR)
			}
		}
	}

	// Members: one RemoveIpamMembers per IPAM (the call takes a list and names no IPAM).
	for _, m := range ip.Members {
		if m.Status == "Deleted" {
			continue
		}
		b.own(m.ID, "member")
		mu := b.add(unit{
			step: plans.Step{ID: "remove-members/" + ip.ID + "/" + m.ID, Action: "RemoveIpamMembers", ResourceType: "members", ResourceID: ip.ID,
				IPAMID: ip.ID, Region: region, Params: map[string]string{"RegionId": region}, Rule: ruleMembersBeforeIpam},
			group:  "remove-members/" + ip.ID,
			item:   [2]string{m.ID, cmp.Or(m.Type, "Account")},
			owners: []string{m.ID, ip.ID},
		})
		b.edge(mu, ipamUnit, ruleMembersBeforeIpam)
	}

	// Explicit discovery associations; never the default one (rule 14, seed 002).
	for _, a := range ip.Associations {
		if a.DiscoveryID == ip.DefaultResourceDiscoveryID || a.DiscoveryType == "system" || a.Status == "Deleted" {
			continue
		}
		b.own(a.DiscoveryID, "discovery")
		foreign := a.OwnerID != "" && b.snap.AccountID != "" && a.OwnerID != b.snap.AccountID
		rule := ruleOwnRDAssocBeforeIpam
		if foreign {
			rule = ruleSharedRDAssocBeforeIpam
		}
		du := b.add(unit{
			step: plans.Step{ID: dissociateStepID(ip.ID, a.DiscoveryID), Action: "DissociateIpamResourceDiscovery", ResourceType: "association",
				ResourceID: ip.ID + "/" + a.DiscoveryID, IPAMID: ip.ID, Region: region,
				Params: map[string]string{"RegionId": region, "IpamId": ip.ID, "IpamResourceDiscoveryId": a.DiscoveryID}, Rule: rule},
			owners: []string{ip.ID + "/" + a.DiscoveryID, a.DiscoveryID, ip.ID},
		})
		b.edge(du, ipamUnit, rule)
	}
	return nil
}

// sourceCIDR is the pool CIDR an allocation lies in: its SourceCidr, else the CIDR that contains it.
func sourceCIDR(p *inventory.Pool, a inventory.Allocation) string {
	if a.SourceCIDR != "" {
		return a.SourceCIDR
	}
	in, err := netip.ParsePrefix(a.CIDR)
	if err != nil {
		return ""
	}
	for _, c := range p.CIDRs {
		if pc, err := netip.ParsePrefix(c.CIDR); err == nil && pc.Bits() <= in.Bits() && pc.Contains(in.Addr()) {
			return c.CIDR
		}
	}
	return ""
}

// discoveries plans DeleteIpamResourceDiscovery for the caller's custom discoveries that a selected IPAM
// uses (a discovery is associated with one IPAM at most, so no other IPAM uses them), after their
// dissociation (rule 16). Discoveries no selected IPAM uses are not the plan's business.
func (b *builder) discoveries() {
	if b.opts.KeepDiscoveries {
		return
	}
	used := map[string][]int{}
	for _, ip := range b.snap.IPAMs {
		for _, a := range ip.Associations {
			if u := b.unitIndex(dissociateStepID(ip.ID, a.DiscoveryID)); u >= 0 {
				used[a.DiscoveryID] = append(used[a.DiscoveryID], u)
			}
		}
	}
	for _, d := range b.snap.Discoveries {
		if d.Type == "system" || d.OwnerID != b.snap.AccountID || len(used[d.ID]) == 0 || d.Status == "Deleted" {
			continue
		}
		b.own(d.ID, "discovery")
		region := cmp.Or(d.RegionID, b.snap.Region)
		du := b.add(unit{
			step: plans.Step{ID: discoveryStepID(d.ID), Action: "DeleteIpamResourceDiscovery", ResourceType: "discovery", ResourceID: d.ID,
				Region: region, Params: map[string]string{"RegionId": region, "IpamResourceDiscoveryId": d.ID}, Rule: ruleRDShareBeforeRDDelete},
			owners: []string{d.ID},
		})
		for _, u := range used[d.ID] {
			b.units[du].step.IPAMID = b.units[u].step.IPAMID
			b.edge(u, du, ruleRDAssocBeforeRDDelete)
		}
	}
}

// shares plans DisassociateResourceShare for the share entries of the resources the plan removes: pools of
// the selected IPAMs (rule 6), their default discoveries (rule 11) and the custom discoveries it deletes
// (rule 15). Entries of other resources stay in their shares.
func (b *builder) shares() {
	defaultRD := map[string]*inventory.IPAM{}
	for i := range b.snap.IPAMs {
		if d := b.snap.IPAMs[i].DefaultResourceDiscoveryID; d != "" {
			defaultRD[d] = &b.snap.IPAMs[i]
		}
	}
	for _, s := range b.snap.Shares {
		if s.Status == "Disassociated" || s.Status == "Failed" {
			continue
		}
		var target int
		var rule, ipamID, region string
		var owners []string
		switch {
		case s.EntityType == "IpamPool" && b.unitIndex(poolStepID(s.EntityID)) >= 0:
			target, rule = b.unitIndex(poolStepID(s.EntityID)), rulePoolShareBeforePool
			owners = b.units[target].owners
		case s.EntityType == "IpamResourceDiscovery" && defaultRD[s.EntityID] != nil:
			target, rule = b.unitIndex(ipamStepID(defaultRD[s.EntityID].ID)), ruleDefaultRDShareBeforeIpam
			owners = []string{s.EntityID, defaultRD[s.EntityID].ID}
		case s.EntityType == "IpamResourceDiscovery" && b.unitIndex(discoveryStepID(s.EntityID)) >= 0:
			target, rule = b.unitIndex(discoveryStepID(s.EntityID)), ruleRDShareBeforeRDDelete
			owners = []string{s.EntityID}
		default:
			continue
		}
		ipamID, region = b.units[target].step.IPAMID, b.units[target].step.Region
		key := s.ShareID + "/" + s.EntityID
		b.own(key, "share-association")
		b.own(s.ShareID, "share")
		u := b.add(unit{
			step: plans.Step{ID: "disassociate-share/" + key, Action: "DisassociateResourceShare", ResourceType: "share-association",
				ResourceID: s.ShareID, IPAMID: ipamID, Region: region, Params: map[string]string{"ResourceShareId": s.ShareID},
				Rule: rule, WaitFor: "Disassociated"},
			group:  "disassociate-share/" + s.ShareID,
			item:   [2]string{s.EntityID, s.EntityType},
			owners: append([]string{key, s.ShareID}, owners...),
		})
		b.edge(u, target, rule)
	}
}

// ExcludeError is Build's answer to an Options.Exclude id that names nothing in the snapshot.
type ExcludeError struct{ ID, Region string }

func (e *ExcludeError) Error() string {
	return fmt.Sprintf("planner: exclude %q: no such resource in the inventory of %s", e.ID, e.Region)
}

// exclusions turns Options.Exclude into blockers; an id that names nothing in the snapshot is an error (a
// typo must not leave the resource it meant unprotected).
func (b *builder) exclusions() error {
	known := map[string]bool{}
	for k := range b.kind {
		known[k] = true
	}
	for _, d := range b.snap.Discoveries {
		known[d.ID] = true
	}
	for _, s := range b.snap.Shares {
		known[s.ShareID] = true
	}
	for _, p := range b.snap.SharedPools {
		known[p.ID] = true
	}
	for _, id := range b.opts.Exclude {
		if !known[id] {
			return &ExcludeError{ID: id, Region: b.snap.Region}
		}
		if len(b.byOwner[id]) > 0 {
			b.block(b.kind[id], id, b.ipamOf(id), fmt.Sprintf("%s %s is excluded (--exclude): the plan keeps it and everything in it", b.kind[id], id), "")
		}
	}
	return nil
}

func (b *builder) ipamOf(owner string) string {
	if us := b.byOwner[owner]; len(us) > 0 {
		return b.units[us[0]].step.IPAMID
	}
	return ""
}

func (b *builder) protected(key, value string, hasValue bool) {
	match := func(t inventory.Tags) bool {
		v, ok := t[key]
		return ok && (!hasValue || v == value)
	}
	tag := key
	if hasValue {
		tag += "=" + value
	}
	protect := func(typ, id string, t inventory.Tags) {
		if match(t) && len(b.byOwner[id]) > 0 {
			b.block(typ, id, b.ipamOf(id), fmt.Sprintf("%s %s carries the protect tag %s: the plan keeps it and everything in it", typ, id, tag), "")
		}
	}
	for _, ip := range b.snap.IPAMs {
		protect("ipam", ip.ID, ip.Tags)
		for _, sc := range ip.Scopes {
			protect("scope", sc.ID, sc.Tags)
		}
		for _, p := range ip.Pools {
			protect("pool", p.ID, p.Tags)
		}
	}
	for _, d := range b.snap.Discoveries {
		protect("discovery", d.ID, d.Tags)
	}
}

func (b *builder) transitions() {
	why := func(typ, id, status string) string {
		return fmt.Sprintf("%s %s is %s: the plan leaves it and what needs it gone until it settles; plan again then", typ, id, status)
	}
	check := func(typ, id, status string) {
		if transitional(status) && len(b.byOwner[id]) > 0 {
			b.block(typ, id, b.ipamOf(id), why(typ, id, status), "1.10")
		}
	}
	for _, ip := range b.snap.IPAMs {
		check("ipam", ip.ID, ip.Status)
		for _, sc := range ip.Scopes {
			check("scope", sc.ID, sc.Status)
		}
		for _, p := range ip.Pools {
			check("pool", p.ID, p.Status)
		}
		for _, a := range ip.Associations {
			check("association", ip.ID+"/"+a.DiscoveryID, a.Status)
		}
	}
	for _, d := range b.snap.Discoveries {
		check("discovery", d.ID, d.Status)
	}
	for _, s := range b.snap.Shares {
		check("share-association", s.ShareID+"/"+s.EntityID, s.Status)
	}
}

// plan removes what the blockers hold back, merges the grouped units into batched steps, sorts the steps
// with gonum and assigns levels.
func (b *builder) plan() (*plans.Plan, error) {
	out := make([][]int, len(b.units)) // unit -> indexes of its outgoing edges
	for i, e := range b.edges {
		out[e.from] = append(out[e.from], i)
	}

	removed := make([]bool, len(b.units))
	blockers := make([]plans.Blocker, 0, len(b.blockers))
	for _, pb := range b.blockers {
		seeds := b.byOwner[pb.resource]
		isSeed := make(map[int]bool, len(seeds))
		for _, s := range seeds {
			isSeed[s] = true
			removed[s] = true
		}
		seen := map[int]bool{}
		queue := slices.Clone(seeds)
		held := []string{}
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			for _, ei := range out[u] {
				v := b.edges[ei].to
				if seen[v] || isSeed[v] {
					continue
				}
				seen[v] = true
				removed[v] = true
				held = append(held, b.units[v].step.ID)
				queue = append(queue, v)
			}
		}
		slices.Sort(held)
		pb.b.HeldBack = held
		blockers = append(blockers, pb.b)
	}
	slices.SortFunc(blockers, func(x, y plans.Blocker) int {
		return cmp.Or(strings.Compare(x.ResourceID, y.ResourceID), strings.Compare(x.Reason, y.Reason), strings.Compare(x.ResourceType, y.ResourceType))
	})
	blockers = slices.CompactFunc(blockers, func(x, y plans.Blocker) bool {
		return x.ResourceID == y.ResourceID && x.Reason == y.Reason && x.ResourceType == y.ResourceType
	})

	// Surviving units become steps; grouped ones are batched.
	stepOf := make([]int, len(b.units))
	steps := make([]plans.Step, 0, len(b.units))
	groups := map[string][]int{}
	var groupOrder []string
	for i := range b.units {
		if removed[i] {
			stepOf[i] = -1
			continue
		}
		if g := b.units[i].group; g != "" {
			if _, ok := groups[g]; !ok {
				groupOrder = append(groupOrder, g)
			}
			groups[g] = append(groups[g], i)
			continue
		}
		stepOf[i] = len(steps)
		steps = append(steps, b.units[i].step)
	}
	for _, g := range groupOrder {
		members := groups[g]
		slices.SortFunc(members, func(x, y int) int {
			return cmp.Or(strings.Compare(b.units[x].item[1], b.units[y].item[1]), strings.Compare(b.units[x].item[0], b.units[y].item[0]))
		})
		size := len(members)
		if b.units[members[0]].step.Action == "DisassociateResourceShare" {
			size = maxShareResources
		}
		batches := (len(members) + size - 1) / size
		for k := 0; k < batches; k++ {
			batch := members[k*size : min((k+1)*size, len(members))]
			st := b.units[batch[0]].step
			st.ID = g
			if batches > 1 {
				st.ID += "/" + strconv.Itoa(k+1)
			}
			st.Params = map[string]string{}
			for key, v := range b.units[batch[0]].step.Params {
				st.Params[key] = v
			}
			rules := []string{}
			for n, u := range batch {
				stepOf[u] = len(steps)
				rules = append(rules, b.units[u].step.Rule)
				if st.Action == "RemoveIpamMembers" {
					st.Params[fmt.Sprintf("Members.%d.MemberId", n+1)] = b.units[u].item[0]
					st.Params[fmt.Sprintf("Members.%d.MemberType", n+1)] = b.units[u].item[1]
				} else {
					st.Params[fmt.Sprintf("Resources.%d.ResourceId", n+1)] = b.units[u].item[0]
					st.Params[fmt.Sprintf("Resources.%d.ResourceType", n+1)] = b.units[u].item[1]
				}
			}
			slices.Sort(rules)
			st.Rule = rules[0]
			steps = append(steps, st)
		}
	}

	// Edges between steps, one per pair (the first rule in table order wins; pairs with two rules do not
	// occur with this table).
	for _, e := range b.edges {
		from, to := stepOf[e.from], stepOf[e.to]
		if from < 0 || to < 0 || from == to {
			continue
		}
		steps[to].DependsOn = append(steps[to].DependsOn, plans.Dependency{ID: steps[from].ID, Rule: e.rule})
	}
	for i := range steps {
		d := steps[i].DependsOn
		slices.SortFunc(d, func(x, y plans.Dependency) int {
			return cmp.Or(strings.Compare(x.ID, y.ID), strings.Compare(x.Rule, y.Rule))
		})
		steps[i].DependsOn = slices.CompactFunc(d, func(x, y plans.Dependency) bool { return x.ID == y.ID })
		if steps[i].DependsOn == nil {
			steps[i].DependsOn = []plans.Dependency{}
		}
	}

	if err := order(steps); err != nil {
		return nil, err
	}

	now := time.Now
	if b.opts.Now != nil {
		now = b.opts.Now
	}
	planID := b.opts.PlanID
	if planID == "" {
		var buf [8]byte
		if _, err := rand.Read(buf[:]); err != nil {
			return nil, fmt.Errorf("planner: plan id: %w", err)
		}
		planID = "plan-" + hex.EncodeToString(buf[:])
	}
	sel := b.snap.Selector
	sel.IPAMIDs = slices.Sorted(slices.Values(sel.IPAMIDs))
	p := &plans.Plan{
		FormatVersion:        plans.FormatVersion,
		PlanID:               planID,
		CreatedAt:            now().UTC(),
		ToolVersion:          b.opts.ToolVersion,
		Region:               b.snap.Region,
		AccountID:            b.snap.AccountID,
		Selector:             sel,
		InventoryFingerprint: b.snap.Fingerprint(),
		Steps:                steps,
		Blockers:             blockers,
	}
	p.Summarize()
	return p, nil
}

// order sorts steps in place by (level, id), where a step's level is the longest path to it from a step
// with no dependency, and fills the dry-run codes from the rule table. A cycle is an error naming its steps.
// It sorts indexes rather than the (large) steps themselves, and moves each step once at the end.
func order(steps []plans.Step) error {
	byID := make([]int, len(steps)) // rank by id -> index in steps
	for i := range byID {
		byID[i] = i
	}
	slices.SortFunc(byID, func(x, y int) int { return strings.Compare(steps[x].ID, steps[y].ID) })
	rank := make(map[string]int64, len(steps))
	for r, i := range byID {
		rank[steps[i].ID] = int64(r)
	}
	g := simple.NewDirectedGraph()
	for r := range byID {
		g.AddNode(simple.Node(r))
	}
	for r, i := range byID {
		for _, d := range steps[i].DependsOn {
			g.SetEdge(g.NewEdge(simple.Node(rank[d.ID]), simple.Node(r)))
		}
	}
	// Node ids are ranks in id order, so SortStabilized's lexical tie-break is the step id's.
	sorted, err := topo.SortStabilized(g, nil)
	if err != nil {
		var u topo.Unorderable
		if !errors.As(err, &u) {
			return fmt.Errorf("planner: ordering the steps: %w", err)
		}
		var cycles []string
		for _, comp := range u {
			ids := make([]string, len(comp))
			for k, n := range comp {
				ids[k] = steps[byID[n.ID()]].ID
			}
			slices.Sort(ids)
			cycles = append(cycles, strings.Join(ids, ", "))
		}
		return fmt.Errorf("planner: the dependencies form a cycle, so no order can satisfy them (is the snapshot consistent?): %s", strings.Join(cycles, "; "))
	}
	rules := ruleIndex()
	level := make([]int, len(steps)) // by rank
	for _, n := range sorted {
		r := n.ID()
		s := &steps[byID[r]]
		info, _ := plans.LookupAction(s.Action)
		var codes []string
		for _, d := range s.DependsOn {
			level[r] = max(level[r], level[rank[d.ID]]+1)
			if c := rules[d.Rule].DryRunCode; c != "" && info.HasDryRun {
				codes = append(codes, c)
			}
		}
		slices.Sort(codes)
		s.DryRunCodes = slices.Compact(codes)
		s.Level = level[r]
	}
	// byID is in id order; a stable sort by level gives (level, id).
	slices.SortStableFunc(byID, func(x, y int) int { return cmp.Compare(steps[x].Level, steps[y].Level) })
	out := make([]plans.Step, len(steps))
	for k, i := range byID {
		out[k] = steps[i]
	}
	copy(steps, out)
	return nil
}
