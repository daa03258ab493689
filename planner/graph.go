package planner

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// The graph is drawn by one function per rule family, in the manner of terraform's graph transformers: each
// adds the units of one kind of resource and draws the edges of the rules (rules.go) that speak of it, so
// that a rule and the edges it makes read side by side. The per-IPAM families run in the order of ipam(): a
// later one looks up the units an earlier one added.

// ipamGraph is what the rule families of one IPAM share.
type ipamGraph struct {
	ip     *inventory.IPAM
	region string                     // the IPAM's region: every call but an allocation's goes there (rule 22)
	unit   int                        // the DeleteIpam unit
	scopes map[string]int             // custom scope id -> its DeleteIpamScope unit
	pools  map[string]*inventory.Pool // the pools not already deleted, by id
	owners map[string][]string        // pool id -> itself, its ancestors, its scope, the IPAM (for blockers)
}

// ipam draws the teardown of one IPAM, one rule family after the other.
func (b *builder) ipam(ip *inventory.IPAM) {
	g := b.deleteIpam(ip)
	b.customScopes(g)
	b.poolTree(g)
	b.poolCIDRs(g)
	b.childCIDRs(g)
	b.allocations(g)
	b.members(g)
	b.associations(g)
}

// deleteIpam adds the IPAM's own deletion. The default scopes (rule 8), the default discovery and its
// association (rule 14) get no step: they go with DeleteIpam, which says so in Implies; they belong to the
// IPAM for blockers (excluding the default scope keeps the IPAM).
func (b *builder) deleteIpam(ip *inventory.IPAM) *ipamGraph {
	region := cmp.Or(ip.RegionID, b.snap.Region)
	b.own(ip.ID, "ipam")
	owners := []string{ip.ID}
	var implies []plans.Implied
	for _, sc := range []struct{ id, what string }{{ip.PrivateDefaultScopeID, "private"}, {ip.PublicDefaultScopeID, "public"}} {
		if sc.id == "" {
			continue
		}
		b.own(sc.id, "scope")
		owners = append(owners, sc.id)
		implies = append(implies, plans.Implied{ResourceType: "scope", ResourceID: sc.id,
			Reason: "the default " + sc.what + " scope goes with the IPAM (" + ruleDefaultScopes + ")"})
	}
	if d := ip.DefaultResourceDiscoveryID; d != "" {
		b.own(d, "discovery")
		owners = append(owners, d)
		implies = append(implies, plans.Implied{ResourceType: "discovery", ResourceID: d,
			Reason: "the default resource discovery goes with the IPAM (" + ruleDefaultRD + ")"})
		assoc := cmp.Or(ip.DefaultResourceDiscoveryAssociationID, ip.ID+"/"+d)
		implies = append(implies, plans.Implied{ResourceType: "association", ResourceID: assoc,
			Reason: "the default discovery's association goes with the IPAM (" + ruleDefaultRD + ")"})
	}
	slices.SortFunc(implies, func(x, y plans.Implied) int {
		return cmp.Or(strings.Compare(x.ResourceType, y.ResourceType), strings.Compare(x.ResourceID, y.ResourceID))
	})
	u := b.add(unit{
		step: plans.Step{ID: ipamStepID(ip.ID), Action: "DeleteIpam", ResourceType: "ipam", ResourceID: ip.ID, IPAMID: ip.ID,
			Region: region, Params: map[string]string{"RegionId": region, "IpamId": ip.ID}, Rule: ruleDeleteIpam,
			WaitFor: "gone", Implies: implies},
		owners: owners,
	})
	return &ipamGraph{ip: ip, region: region, unit: u, scopes: map[string]int{}}
}

// customScopes: rule 10, every custom scope is deleted before the IPAM. Default scopes are never deleted on
// their own (rule 8).
func (b *builder) customScopes(g *ipamGraph) {
	ip := g.ip
	defaults := map[string]bool{ip.PrivateDefaultScopeID: true, ip.PublicDefaultScopeID: true}
	for _, sc := range ip.Scopes {
		b.own(sc.ID, "scope")
		if sc.IsDefault || defaults[sc.ID] || sc.Status == "Deleted" {
			continue
		}
		u := b.add(unit{
			step: plans.Step{ID: scopeStepID(sc.ID), Action: "DeleteIpamScope", ResourceType: "scope", ResourceID: sc.ID, IPAMID: ip.ID,
				Region: g.region, Params: map[string]string{"RegionId": g.region, "IpamScopeId": sc.ID}, Rule: ruleScopeBeforeIpam, WaitFor: "gone"},
			owners: []string{sc.ID, ip.ID},
		})
		g.scopes[sc.ID] = u
		b.edge(u, g.unit, ruleScopeBeforeIpam)
	}
}

// poolTree adds DeleteIpamPool for every pool and draws the tree: rule 3, a sub-pool before its parent
// (leaves first); rule 9, a top-level pool before the IPAM (sub-pools precede it by rule 3); rule 7, a
// top-level pool before its custom scope. Rule 20: only the owner deletes a pool, so another account's pool
// is a blocker.
func (b *builder) poolTree(g *ipamGraph) {
	ip := g.ip
	g.pools = make(map[string]*inventory.Pool, len(ip.Pools))
	for i := range ip.Pools {
		if ip.Pools[i].Status != "Deleted" {
			g.pools[ip.Pools[i].ID] = &ip.Pools[i]
		}
	}
	g.owners = make(map[string][]string, len(g.pools))
	for i := range ip.Pools {
		p := &ip.Pools[i]
		if g.pools[p.ID] != p {
			continue
		}
		b.own(p.ID, "pool")
		// A parent cycle (a broken snapshot) stops the walk; the pool edges then form a cycle that plan()
		// reports by name.
		owners := []string{p.ID}
		seen := map[string]bool{p.ID: true}
		for q := g.pools[p.ParentID]; q != nil && !seen[q.ID]; q = g.pools[q.ParentID] {
			seen[q.ID] = true
			owners = append(owners, q.ID)
		}
		if p.ScopeID != "" {
			owners = append(owners, p.ScopeID)
		}
		g.owners[p.ID] = append(owners, ip.ID)
		b.add(unit{
			step: plans.Step{ID: poolStepID(p.ID), Action: "DeleteIpamPool", ResourceType: "pool", ResourceID: p.ID, IPAMID: ip.ID,
				Region: g.region, Params: map[string]string{"RegionId": g.region, "IpamPoolId": p.ID}, Rule: rulePoolBeforeIpam, WaitFor: "gone"},
			owners: g.owners[p.ID],
		})
		if p.OwnerID != "" && b.snap.AccountID != "" && p.OwnerID != b.snap.AccountID {
			b.block("pool", p.ID, ip.ID, fmt.Sprintf("pool %s belongs to account %s: only its owner can deprovision its CIDRs and delete it", p.ID, p.OwnerID), ruleOwnerOnly)
		}
	}
	// Edges once every pool unit exists: a parent may come later in the slice.
	for _, p := range g.livePools() {
		pu := b.unitIndex(poolStepID(p.ID))
		if parent, ok := g.pools[p.ParentID]; ok && parent.ID != p.ID {
			b.units[pu].step.Rule = ruleSubPoolBeforePool
			b.edge(pu, b.unitIndex(poolStepID(parent.ID)), ruleSubPoolBeforePool)
			continue
		}
		b.edge(pu, g.unit, rulePoolBeforeIpam)
		if su, ok := g.scopes[p.ScopeID]; ok {
			b.edge(pu, su, rulePoolBeforeScope)
		}
	}
}

// livePools returns the IPAM's pools not already deleted, in the snapshot's order.
func (g *ipamGraph) livePools() []*inventory.Pool {
	out := make([]*inventory.Pool, 0, len(g.pools))
	for i := range g.ip.Pools {
		if p := &g.ip.Pools[i]; g.pools[p.ID] == p {
			out = append(out, p)
		}
	}
	return out
}

// poolCIDRs: rule 5, every provisioned CIDR of a pool is deprovisioned before the pool. DeleteIpamPoolCidr
// deprovisions IPv4 CIDRs only (reference 3.4), so an IPv6 CIDR is a blocker.
func (b *builder) poolCIDRs(g *ipamGraph) {
	for _, p := range g.livePools() {
		pu := b.unitIndex(poolStepID(p.ID))
		for _, c := range p.CIDRs {
			if c.Status == "Deleted" {
				continue
			}
			key := p.ID + "/" + c.CIDR
			b.own(key, "pool-cidr")
			cu := b.add(unit{
				step: plans.Step{ID: cidrStepID(p.ID, c.CIDR), Action: "DeleteIpamPoolCidr", ResourceType: "pool-cidr", ResourceID: key, IPAMID: g.ip.ID,
					Region: g.region, Params: map[string]string{"RegionId": g.region, "IpamPoolId": p.ID, "Cidr": c.CIDR}, Rule: ruleCIDRBeforePool},
				owners: append([]string{key}, g.owners[p.ID]...),
			})
			b.edge(cu, pu, ruleCIDRBeforePool)
			if prefix, err := netip.ParsePrefix(c.CIDR); err == nil && !prefix.Addr().Is4() {
				b.block("pool-cidr", key, g.ip.ID, fmt.Sprintf("%s is an IPv6 CIDR of pool %s: DeleteIpamPoolCidr deprovisions IPv4 CIDRs only, so the pool cannot be emptied by this tool", c.CIDR, p.ID), ruleIPv6CIDR)
			}
		}
	}
}

// childCIDRs: rule 2, a child pool's CIDR (an IpamPool-type allocation in its parent, never released on its
// own) is deprovisioned before the parent CIDR it was carved from. The allocation's id names the child's
// DeleteIpamPoolCidr too, so that excluding the allocation keeps the child's CIDR.
//
// When the inventory lists no CIDR step at one end, the edge cannot be drawn, and the CIDR delete that
// would have waited for it cannot be ordered: a blocker says so and holds that CIDR delete back.
func (b *builder) childCIDRs(g *ipamGraph) {
	for _, p := range g.livePools() {
		for _, a := range p.Allocations {
			if a.Status == "Deleted" || a.ResourceType != inventory.AllocationIpamPool {
				continue
			}
			b.own(a.ID, "allocation")
			source, sourceOK := b.sourceCIDR(p, a)
			child := b.unitIndex(cidrStepID(a.ResourceID, a.CIDR))
			switch {
			case child < 0:
				b.blockUnits(plans.Blocker{ResourceType: "allocation", ResourceID: a.ID, IPAMID: g.ip.ID, Rule: ruleChildCIDRBeforeParent,
					Reason: fmt.Sprintf("allocation %s is the CIDR %s of pool %s, which the inventory lists as no CIDR of a pool of this IPAM: no step deprovisions it, so the CIDR of pool %s it lies in cannot be deprovisioned; plan again once the inventory agrees", a.ID, a.CIDR, cmp.Or(a.ResourceID, "?"), p.ID)},
					a.ID, b.cidrHolds(p, source, sourceOK))
			case !sourceOK:
				b.byOwner[a.ID] = append(b.byOwner[a.ID], child)
				b.blockUnits(plans.Blocker{ResourceType: "allocation", ResourceID: a.ID, IPAMID: g.ip.ID, Rule: ruleChildCIDRBeforeParent,
					Reason: fmt.Sprintf("allocation %s (the CIDR %s of pool %s) lies in no CIDR the inventory lists for its parent pool %s (source CIDR %q): the plan cannot tell which CIDR delete must wait for it; plan again once the inventory agrees", a.ID, a.CIDR, a.ResourceID, p.ID, a.SourceCIDR)},
					"", b.cidrHolds(p, -1, false)) // the child's CIDR and pool can still go
			default:
				b.byOwner[a.ID] = append(b.byOwner[a.ID], child)
				b.edge(child, source, ruleChildCIDRBeforeParent)
			}
		}
	}
}

// allocations: rule 1, every VPC and Custom allocation inside a pool CIDR is released before the CIDR; rule
// 4, a pool with a pool region keeps no allocation when it is deleted; rule 5, a custom allocation is
// released before its pool. DeleteIpamPoolAllocation releases VPC and Custom allocations only, and refuses
// an IPv6 VPC's block (seed 001): those are blockers, as are the VPC allocations the user keeps.
//
// An allocation that lies in no CIDR the inventory lists for its pool cannot be ordered before the CIDR
// delete it blocks: a blocker says so and holds back every CIDR of the pool and the pool.
func (b *builder) allocations(g *ipamGraph) {
	ip := g.ip
	for _, p := range g.livePools() {
		pu := b.unitIndex(poolStepID(p.ID))
		for _, a := range p.Allocations {
			if a.Status == "Deleted" || a.ResourceType == inventory.AllocationIpamPool {
				continue
			}
			b.own(a.ID, "allocation")
			region := cmp.Or(a.RegionID, p.PoolRegionID, g.region)
			au := b.add(unit{
				step: plans.Step{ID: allocationStepID(a.ID), Action: "DeleteIpamPoolAllocation", ResourceType: "allocation", ResourceID: a.ID, IPAMID: ip.ID,
					Region: region, Params: map[string]string{"RegionId": region, "IpamPoolAllocationId": a.ID}, Rule: ruleAllocationBeforeCIDR},
				owners: append([]string{a.ID}, g.owners[p.ID]...),
			})
			if source, ok := b.sourceCIDR(p, a); ok {
				b.edge(au, source, ruleAllocationBeforeCIDR)
			} else {
				b.blockUnits(plans.Blocker{ResourceType: "allocation", ResourceID: a.ID, IPAMID: ip.ID, Rule: ruleAllocationBeforeCIDR,
					Reason: fmt.Sprintf("allocation %s (%s) lies in no CIDR the inventory lists for pool %s (source CIDR %q): the plan cannot tell which CIDR delete must wait for its release; plan again once the inventory agrees", a.ID, a.CIDR, p.ID, a.SourceCIDR)},
					a.ID, b.cidrHolds(p, -1, false))
			}
			switch {
			case p.PoolRegionID != "":
				b.edge(au, pu, ruleRegionalAllocBeforePool)
			case a.ResourceType == inventory.AllocationCustom:
				b.edge(au, pu, ruleCustomAllocBeforePool)
			}
			switch {
			case a.ResourceType != inventory.AllocationVPC && a.ResourceType != inventory.AllocationCustom:
				b.block("allocation", a.ID, ip.ID, fmt.Sprintf("allocation %s has resource type %q; DeleteIpamPoolAllocation releases only VPC and Custom allocations", a.ID, a.ResourceType), ruleIPv6VPC)
			case a.ResourceType == inventory.AllocationVPC && p.IPVersion == "IPv6":
				b.block("allocation", a.ID, ip.ID, fmt.Sprintf("allocation %s is the IPv6 block of VPC %s, which DeleteIpamPoolAllocation refuses (OperationDenied.Ipv6VpcNotSupport); remove the block on the VPC side (UnassociateVpcCidrBlock or DeleteVpc) and plan again", a.ID, cmp.Or(a.ResourceID, "?")), ruleIPv6VPC)
			case a.ResourceType == inventory.AllocationVPC && b.opts.KeepVPCAllocations:
				b.block("allocation", a.ID, ip.ID, fmt.Sprintf("allocation %s of VPC %s is kept (--keep-vpc-allocations)", a.ID, cmp.Or(a.ResourceID, "?")), ruleAllocationBeforeCIDR)
			}
		}
	}
}

// sourceCIDR returns the DeleteIpamPoolCidr unit of the pool CIDR an allocation lies in: its SourceCidr,
// else the CIDR that contains it; ok is false when the pool has no such CIDR step.
func (b *builder) sourceCIDR(p *inventory.Pool, a inventory.Allocation) (int, bool) {
	cidr := a.SourceCIDR
	if cidr == "" {
		in, err := netip.ParsePrefix(a.CIDR)
		if err != nil {
			return -1, false
		}
		for _, c := range p.CIDRs {
			if pc, err := netip.ParsePrefix(c.CIDR); err == nil && pc.Bits() <= in.Bits() && pc.Contains(in.Addr()) {
				cidr = c.CIDR
				break
			}
		}
	}
	if cidr == "" {
		return -1, false
	}
	u := b.unitIndex(cidrStepID(p.ID, cidr))
	return u, u >= 0
}

// cidrHolds is what a blocker of a missing rule 1 or 2 edge holds back: the CIDR delete the edge would have
// ordered, or, when it is unknown, every CIDR delete of the pool and the pool itself.
func (b *builder) cidrHolds(p *inventory.Pool, source int, ok bool) []int {
	if ok {
		return []int{source}
	}
	holds := []int{b.unitIndex(poolStepID(p.ID))}
	for _, c := range p.CIDRs {
		if u := b.unitIndex(cidrStepID(p.ID, c.CIDR)); u >= 0 {
			holds = append(holds, u)
		}
	}
	return holds
}

// members: rule 13, every managed member is removed before the IPAM used for multi-account management is
// deleted; one RemoveIpamMembers per IPAM (the call takes a list and names no IPAM).
func (b *builder) members(g *ipamGraph) {
	for _, m := range g.ip.Members {
		if m.Status == "Deleted" {
			continue
		}
		b.own(m.ID, "member")
		mu := b.add(unit{
			step: plans.Step{ID: "remove-members/" + g.ip.ID + "/" + m.ID, Action: "RemoveIpamMembers", ResourceType: "members", ResourceID: g.ip.ID,
				IPAMID: g.ip.ID, Region: g.region, Params: map[string]string{"RegionId": g.region}, Rule: ruleMembersBeforeIpam},
			group:  "remove-members/" + g.ip.ID,
			item:   [2]string{m.ID, cmp.Or(m.Type, "Account")},
			owners: []string{m.ID, g.ip.ID},
		})
		b.edge(mu, g.unit, ruleMembersBeforeIpam)
	}
}

// associations: rule 12, every discovery another account shares with the IPAM is dissociated before the
// IPAM is deleted; the caller's own custom discoveries are dissociated while the IPAM still exists (ordering
// only). Never the default discovery's association (rule 14, seed 002): it goes with the IPAM.
func (b *builder) associations(g *ipamGraph) {
	ip := g.ip
	for _, a := range ip.Associations {
		if a.DiscoveryID == ip.DefaultResourceDiscoveryID || a.DiscoveryType == "system" || a.Status == "Deleted" {
			continue
		}
		b.own(a.DiscoveryID, "discovery")
		rule := ruleOwnRDAssocBeforeIpam
		if a.OwnerID != "" && b.snap.AccountID != "" && a.OwnerID != b.snap.AccountID {
			rule = ruleSharedRDAssocBeforeIpam
		}
		du := b.add(unit{
			step: plans.Step{ID: dissociateStepID(ip.ID, a.DiscoveryID), Action: "DissociateIpamResourceDiscovery", ResourceType: "association",
				ResourceID: ip.ID + "/" + a.DiscoveryID, IPAMID: ip.ID, Region: g.region,
				Params: map[string]string{"RegionId": g.region, "IpamId": ip.ID, "IpamResourceDiscoveryId": a.DiscoveryID}, Rule: rule},
			owners: []string{ip.ID + "/" + a.DiscoveryID, a.DiscoveryID, ip.ID},
		})
		b.edge(du, g.unit, rule)
	}
}

// discoveries: rule 16, the caller's custom discoveries that a selected IPAM uses are deleted after their
// dissociation (a discovery is associated with one IPAM at most, so no other IPAM uses them). Discoveries no
// selected IPAM uses are not the plan's business; KeepDiscoveries keeps them all.
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
	shared := map[string]bool{}
	for _, s := range b.snap.Shares {
		shared[s.EntityID] = true
	}
	for _, d := range b.snap.Discoveries {
		if d.Type == "system" || d.OwnerID != b.snap.AccountID || d.Status == "Deleted" {
			continue
		}
		// An orphan (Options.OrphanDiscoveries): associated with nothing and shared with nobody. A
		// discovery already Deleting is on its way out; planning its delete again would only fail.
		orphan := len(used[d.ID]) == 0 && b.opts.OrphanDiscoveries && d.ShareType == "" && !shared[d.ID] &&
			d.Status != "Deleting" && !b.associatedAnywhere(d.ID)
		if len(used[d.ID]) == 0 && !orphan {
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

// associatedAnywhere reports whether any IPAM of the snapshot lists an association of discovery id, in any
// status (also one the plan does not dissociate).
func (b *builder) associatedAnywhere(id string) bool {
	for _, ip := range b.snap.IPAMs {
		for _, a := range ip.Associations {
			if a.DiscoveryID == id {
				return true
			}
		}
	}
	return false
}

// shares: the share entries of the resources the plan removes leave their shares first, and the
// disassociation has finished (rule 17, WaitFor): a pool's before the pool (rule 6), the default discovery's
// before the IPAM (rule 11), a custom discovery's before the discovery (rule 15). Entries of other resources
// stay in their shares. The entries of one share are batched, maxShareResources a call.
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
		var rule string
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
		key := s.ShareID + "/" + s.EntityID
		b.own(key, "share-association")
		b.own(s.ShareID, "share")
		u := b.add(unit{
			step: plans.Step{ID: "disassociate-share/" + key, Action: "DisassociateResourceShare", ResourceType: "share-association",
				ResourceID: s.ShareID, IPAMID: b.units[target].step.IPAMID, Region: b.units[target].step.Region,
				Params: map[string]string{"ResourceShareId": s.ShareID}, Rule: rule, WaitFor: "Disassociated"},
			group:  "disassociate-share/" + s.ShareID,
			item:   [2]string{s.EntityID, s.EntityType},
			owners: append([]string{key, s.ShareID}, owners...),
		})
		b.edge(u, target, rule)
	}
}
