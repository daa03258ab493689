// Package planner turns an inventory snapshot into a teardown plan: one step per API call, ordered by the
// documented prerequisites of reference section 8 (the rule table in this file), with the resources the
// tool must not or cannot remove reported as blockers. It never calls the API.
package planner

// Rule is one documented prerequisite, read as an edge of the plan: a Child step must finish before its
// Parent step starts. Parent is the later, dependent call (DeleteIpam), Child the earlier one that clears
// the way (DeleteIpamPool), as in the resource tree where a pool is a child of its IPAM.
type Rule struct {
	ID      string // the rule's number in reference section 8 ("8.3"), or its seed ("0.5/seed-000")
	Summary string
	Parent  string // the action that waits
	Child   string // the action it waits for
	// DryRunCode is the code the Parent's dry run answers while the Child's resource still exists. The
	// executor accepts it in the up-front dry run (the plan clears it) and checks the step again before
	// running it. Empty when the Parent's dry run does not see the Child (an ordering-only rule).
	DryRunCode string
}

// Rule ids the planner uses for its edges, and for the steps and blockers they explain.
const (
	ruleAllocationBeforeCIDR     = "8.1"
	ruleChildCIDRBeforeParent    = "8.2"
	ruleSubPoolBeforePool        = "8.3"
	ruleRegionalAllocBeforePool  = "8.4"
	ruleCIDRBeforePool           = "8.5"
	ruleCustomAllocBeforePool    = "8.5/allocation"
	rulePoolShareBeforePool      = "8.6"
	rulePoolBeforeScope          = "8.7"
	rulePoolBeforeIpam           = "8.9"
	ruleScopeBeforeIpam          = "8.10"
	ruleDefaultRDShareBeforeIpam = "8.11"
	ruleSharedRDAssocBeforeIpam  = "8.12"
	ruleOwnRDAssocBeforeIpam     = "8.12/own"
	ruleMembersBeforeIpam        = "8.13"
	ruleRDShareBeforeRDDelete    = "8.15"
	ruleRDAssocBeforeRDDelete    = "8.16"

	// Rules that explain steps and blockers rather than edges.
	ruleDefaultScopes = "8.8"
	ruleDefaultRD     = "8.14"
	ruleShareWait     = "8.17"
	ruleOwnerOnly     = "8.20"
	ruleDeleteIpam    = "0.5/seed-000"
	ruleIPv6VPC       = "0.5/seed-001"
	ruleIPv6CIDR      = "3.4"
)

// Rules returns the rule table: every edge the planner draws comes from exactly one of these rows. The
// codes are the reference's where it names them (section 0.5 seeds, 1.11, 3) and otherwise the emulator's
// documented choice (internal/ipamsim/doc.go, "UNKNOWN n"), so that the executor's dry-run pass and the
// emulator agree. It is a function so that nothing can change the table at run time.
func Rules() []Rule {
	return []Rule{
		{ID: ruleAllocationBeforeCIDR, Parent: "DeleteIpamPoolCidr", Child: "DeleteIpamPoolAllocation",
			Summary:    "every VPC and Custom allocation inside a pool CIDR is released before the CIDR is deprovisioned (also rule 19: serialise release, then deprovision)",
			DryRunCode: "OperationDenied.IpamPoolAllocationExist"},
		{ID: ruleChildCIDRBeforeParent, Parent: "DeleteIpamPoolCidr", Child: "DeleteIpamPoolCidr",
			Summary:    "a child pool's CIDR (an IpamPool-type allocation in the parent) is deprovisioned before the parent CIDR it was carved from",
			DryRunCode: "DependencyViolation.SubCidr"}, // UNKNOWN 12 in the emulator
		{ID: ruleSubPoolBeforePool, Parent: "DeleteIpamPool", Child: "DeleteIpamPool",
			Summary:    "every sub-pool is deleted before its parent pool (leaves first)",
			DryRunCode: "DependencyViolation.IpamPool"}, // reference 1.11 inference; emulator UNKNOWN 14
		{ID: ruleRegionalAllocBeforePool, Parent: "DeleteIpamPool", Child: "DeleteIpamPoolAllocation",
			Summary:    "a pool with a pool region (PoolRegionId) keeps no allocation when it is deleted",
			DryRunCode: "OperationDenied.PoolRegionNotSupportDeletePool"},
		{ID: ruleCIDRBeforePool, Parent: "DeleteIpamPool", Child: "DeleteIpamPoolCidr",
			Summary:    "every provisioned CIDR of a pool is deprovisioned before the pool",
			DryRunCode: "DependencyViolation.PoolCidr"},
		{ID: ruleCustomAllocBeforePool, Parent: "DeleteIpamPool", Child: "DeleteIpamPoolAllocation",
			Summary:    "every custom allocation of a pool is released before the pool (rule 5, the allocation half)",
			DryRunCode: "DependencyViolation.CustomPoolAllocation"},
		{ID: rulePoolShareBeforePool, Parent: "DeleteIpamPool", Child: "DisassociateResourceShare",
			Summary:    "a pool leaves every resource share (and the disassociation has finished, rule 17) before it is deleted",
			DryRunCode: "DependencyViolation.ShareResource"},
		{ID: rulePoolBeforeScope, Parent: "DeleteIpamScope", Child: "DeleteIpamPool",
			Summary:    "every pool of a custom scope is deleted before the scope",
			DryRunCode: "DependencyViolation.IpamPool"}, // emulator UNKNOWN 10
		{ID: rulePoolBeforeIpam, Parent: "DeleteIpam", Child: "DeleteIpamPool",
			Summary:    "every pool of the IPAM, in every scope, is deleted before the IPAM (edges from top-level pools; sub-pools precede them by rule 3)",
			DryRunCode: "OperationFailed.IpamPoolExist"}, // seed 000
		{ID: ruleScopeBeforeIpam, Parent: "DeleteIpam", Child: "DeleteIpamScope",
			Summary:    "every custom scope is deleted before the IPAM",
			DryRunCode: "OperationFailed.IpamScopeExist"}, // seed 000
		{ID: ruleDefaultRDShareBeforeIpam, Parent: "DeleteIpam", Child: "DisassociateResourceShare",
			Summary:    "the IPAM's default resource discovery leaves every share (and the disassociation has finished) before the IPAM is deleted",
			DryRunCode: "DependencyViolation.ShareResource"}, // seed 000
		{ID: ruleSharedRDAssocBeforeIpam, Parent: "DeleteIpam", Child: "DissociateIpamResourceDiscovery",
			Summary:    "every resource discovery another account shares with the IPAM is dissociated before the IPAM is deleted",
			DryRunCode: "OperationDenied.SharedResourceDiscoveryAssociated"}, // seed 000
		{ID: ruleOwnRDAssocBeforeIpam, Parent: "DeleteIpam", Child: "DissociateIpamResourceDiscovery",
			Summary: "the caller's own custom discoveries are dissociated while the IPAM the call names still exists (ordering only: DeleteIpam does not check them)"},
		{ID: ruleMembersBeforeIpam, Parent: "DeleteIpam", Child: "RemoveIpamMembers",
			Summary:    "every managed member is removed before the IPAM used for multi-account management is deleted",
			DryRunCode: "DependencyViolation.IpamMembers"}, // seed 000
		{ID: ruleRDShareBeforeRDDelete, Parent: "DeleteIpamResourceDiscovery", Child: "DisassociateResourceShare",
			Summary:    "a custom resource discovery leaves every share before it is deleted",
			DryRunCode: "DependencyViolation.ShareResource"},
		{ID: ruleRDAssocBeforeRDDelete, Parent: "DeleteIpamResourceDiscovery", Child: "DissociateIpamResourceDiscovery",
			Summary:    "a custom resource discovery is dissociated from its IPAM before it is deleted (enforced: the stricter choice)",
			DryRunCode: "DependencyViolation.ResourceDiscoveryAssociation"}, // emulator UNKNOWN 101
	}
}

// ruleIndex returns the table keyed by id.
func ruleIndex() map[string]Rule {
	rs := Rules()
	m := make(map[string]Rule, len(rs))
	for _, r := range rs {
		m[r.ID] = r
	}
	return m
}

// isDeletion reports whether action removes a resource in its own right: a pool, a custom scope, an IPAM or
// a custom discovery. Every other action of a plan (a release, a deprovision, a dissociation, an unshare, a
// member removal) only clears the way for one of these, and changes a resource that stays when the
// deletion it serves is held back; such steps are pruned (see prune).
func isDeletion(action string) bool {
	switch action {
	case "DeleteIpam", "DeleteIpamScope", "DeleteIpamPool", "DeleteIpamResourceDiscovery":
		return true
	}
	return false
}
