// Package catalog is the one table of every Alibaba Cloud action ipam-teardown knows: its product and API
// version, whether it reads or mutates, whether it takes DryRun and ClientToken, its required and allowed
// parameters, the parameter that names the resource, the codes that mean that resource is gone, the
// asynchronous states a plan may wait for after it, and the read that confirms the state. cloudapi (what may be
// dry-run or retried), plans (what a step may say), the planner and the executor (how to wait and confirm) all
// read it; the emulator checks its own dispatch table against it in a test. It calls nothing.
package catalog

import (
	"slices"
	"strings"
	"sync"
)

// Products and their API versions.
const (
	ProductVpcIpam         = "VpcIpam"
	ProductResourceSharing = "ResourceSharing"
	ProductVpc             = "Vpc"
	ProductSts             = "Sts"
)

// Version returns the API version of a product ("" for an unknown product).
func Version(product string) string {
	switch product {
	case ProductVpcIpam:
		return "2023-02-28"
	case ProductResourceSharing:
		return "2020-01-10"
	case ProductVpc:
		return "2016-04-28"
	case ProductSts:
		return "2015-04-01"
	}
	return ""
}

// Wait states a plan step may name in wait_for.
const (
	WaitGone          = "gone"          // the resource is no longer listed (its Deleting window is over)
	WaitDisassociated = "Disassociated" // every resource of the step left the share (AssociationStatus)
)

// Action is one API action.
type Action struct {
	Name    string
	Product string
	// Mutating is true for every action that changes state; only reads are retried without a ClientToken.
	Mutating bool
	// Teardown is true for the actions a plan step may carry.
	Teardown    bool
	DryRun      bool // the API takes DryRun=true (checks parameters, permission and prerequisites, changes nothing)
	ClientToken bool // the API takes ClientToken (a retry with the same token is not applied twice)
	// Required and Optional are the parameter names a plan step may carry (DryRun and ClientToken excluded,
	// they are the executor's). A list is written with N for its index: "Members.N.MemberId".
	Required, Optional []string
	// ResourceParam is the parameter that holds the step's resource_id; "" when the resource id is
	// composite (DeleteIpamPoolCidr's "<pool>/<cidr>", RemoveIpamMembers' IPAM). DissociateIpamResourceDiscovery
	// names its discovery here, though a plan step's resource_id is the association "<IpamId>/<discovery>":
	// PlanResourceID says exactly how a step's resource_id is made.
	ResourceParam string
	// NotFound lists the codes that mean the resource this action targets is gone: a delete that answers one
	// of them counts as done. Only these codes, never a bare HTTP 404 (a wrong endpoint answers that).
	NotFound []string
	// WaitFor lists the asynchronous states a plan may wait for after a successful call.
	WaitFor []string
	// HiddenWindow is true when the call's effect shows in every read at once but the service goes on holding
	// what the resource held for an asynchronous window no read shows: a released allocation keeps its space,
	// and DeleteIpamPoolCidr answers OperationDenied.IpamPoolAllocationExist, for the delete window
	// (reference rule 19). A step that depends on it can only find the window's end by being refused.
	HiddenWindow bool
	// Confirm is the read that tells whether the resource is gone or the wait state reached; zero when the
	// action has no such read.
	Confirm Confirm

	// PlanResourceType is the resource_type of a plan step that runs this action (teardown actions only).
	PlanResourceType string
	// PlanResourceID lists the parameters whose values, joined with "/", make a plan step's resource_id:
	// usually just ResourceParam; IpamPoolId and Cidr for DeleteIpamPoolCidr; IpamId and
	// IpamResourceDiscoveryId for DissociateIpamResourceDiscovery (the association, not the discovery). Empty
	// when the step's resource is its IPAM, which the call does not name (RemoveIpamMembers): the resource_id
	// is then the step's ipam_id.
	PlanResourceID []string
}

// Confirm describes the read that confirms an action's effect. The read is Action (of the action's product
// unless Product is set) with Query's parameters taken from the step's (read parameter -> step parameter) and
// Fixed's as they are. Its answer lists rows under ListKey (or, when ListKey is "", is the row itself and a
// NotFound code of the action means gone). The step's resource is still there while a row's IDField equals the
// value of the step's MatchParam (a pattern with N matches every list entry of the step), unless the row's
// StatusField is one of GoneStatuses.
type Confirm struct {
	Product, Action string
	Query           map[string]string
	Fixed           map[string]string
	ListKey         string
	IDField         string
	MatchParam      string
	StatusField     string
	GoneStatuses    []string
	// GoneCodes are codes the read answers when a resource the step's resource lives in is gone (a CIDR's
	// pool): the step's resource is gone with it.
	GoneCodes []string
	// Batch is how many steps' resources one read may ask for, where Query is one list parameter (X.1) of the
	// resource's id: X.1 to X.Batch. Zero: one a read.
	Batch int
}

// BatchParam is the list parameter a read of several steps' resources fills (IpamPoolIds for
// IpamPoolIds.1), and the step parameter each takes its value from; ok is false when c reads one at a time.
func (c Confirm) BatchParam() (list, stepParam string, ok bool) {
	if c.Batch < 2 || len(c.Query) != 1 || c.ListKey == "" {
		return "", "", false
	}
	for k, v := range c.Query {
		if list, ok = strings.CutSuffix(k, ".1"); ok && v == c.MatchParam {
			return list, v, true
		}
	}
	return "", "", false
}

// Zero reports whether c names no read.
func (c Confirm) Zero() bool { return c.Action == "" }

// table is the catalogue, built once: every API call looks its action up (cloudapi, the executor), and
// building it costs about 20 KB. Nothing writes to it after it is built; the Actions handed out share its
// slices, which callers only read.
var table = sync.OnceValue(func() (t struct {
	actions []Action
	index   map[[2]string]int // {product, name} -> index in actions
}) {
	t.actions = all()
	t.index = make(map[[2]string]int, len(t.actions))
	for i, a := range t.actions {
		t.index[[2]string{a.Product, a.Name}] = i
	}
	return t
})

// all lists the table.
func all() []Action {
	const ipam, rs, vpc, sts = ProductVpcIpam, ProductResourceSharing, ProductVpc, ProductSts
	return []Action{
		// Teardown actions, in the order a teardown runs them (reference section 3, 5.4).
		{Name: "RemoveIpamMembers", Product: ipam, Mutating: true, Teardown: true, DryRun: true, ClientToken: true,
			Required:         []string{"RegionId", "Members.N.MemberId", "Members.N.MemberType"},
			NotFound:         []string{"OperationDenied.MemberNotExistInIpamRDService"},
			PlanResourceType: "members"},
		// DisassociateResourceShare takes neither DryRun nor ClientToken (reference 5.4); it is asynchronous and
		// its effect is read back from ListResourceShareAssociations.
		{Name: "DisassociateResourceShare", Product: rs, Mutating: true, Teardown: true,
			Required:      []string{"ResourceShareId"},
			Optional:      []string{"Resources.N.ResourceId", "Resources.N.ResourceType", "Targets.N", "ResourceOwner"},
			ResourceParam: "ResourceShareId",
			NotFound:      []string{"EntityNotExists.ResourceShare"},
			WaitFor:       []string{WaitDisassociated},
			Confirm: Confirm{Action: "ListResourceShareAssociations", Query: map[string]string{"ResourceShareIds.1": "ResourceShareId"},
				Fixed: map[string]string{"AssociationType": "Resource"}, ListKey: "ResourceShareAssociations",
				IDField: "EntityId", MatchParam: "Resources.N.ResourceId",
				StatusField: "AssociationStatus", GoneStatuses: []string{"Disassociated"}},
			PlanResourceType: "share-association", PlanResourceID: []string{"ResourceShareId"}},
		{Name: "DeleteIpamPoolAllocation", Product: ipam, Mutating: true, Teardown: true, DryRun: true, ClientToken: true,
			Required: []string{"RegionId", "IpamPoolAllocationId"}, ResourceParam: "IpamPoolAllocationId",
			NotFound: []string{"ResourceNotFound.IpamPoolAllocation"}, HiddenWindow: true,
			Confirm: Confirm{Action: "GetIpamPoolAllocation", Query: map[string]string{"IpamPoolAllocationId": "IpamPoolAllocationId"},
				IDField: "IpamPoolAllocationId", MatchParam: "IpamPoolAllocationId"},
			PlanResourceType: "allocation", PlanResourceID: []string{"IpamPoolAllocationId"}},
		{Name: "DeleteIpamPoolCidr", Product: ipam, Mutating: true, Teardown: true, DryRun: true, ClientToken: true,
			Required: []string{"RegionId", "IpamPoolId", "Cidr"},
			NotFound: []string{"ResourceNotFound.IpamPoolCidr"},
			Confirm: Confirm{Action: "ListIpamPoolCidrs", Query: map[string]string{"IpamPoolId": "IpamPoolId", "Cidr": "Cidr"},
				ListKey: "IpamPoolCidrs", IDField: "Cidr", MatchParam: "Cidr",
				GoneCodes: []string{"ResourceNotFound.IpamPool"}},
			PlanResourceType: "pool-cidr", PlanResourceID: []string{"IpamPoolId", "Cidr"}},
		{Name: "DeleteIpamPool", Product: ipam, Mutating: true, Teardown: true, DryRun: true, ClientToken: true,
			Required: []string{"RegionId", "IpamPoolId"}, ResourceParam: "IpamPoolId",
			NotFound: []string{"ResourceNotFound.IpamPool"},
			WaitFor:  []string{WaitGone},
			// IpamPoolIds takes up to 100 ids (reference 2.3): one read looks at the windows of up to 100 pools.
			Confirm: Confirm{Action: "ListIpamPools", Query: map[string]string{"IpamPoolIds.1": "IpamPoolId"},
				ListKey: "IpamPools", IDField: "IpamPoolId", MatchParam: "IpamPoolId", Batch: 100},
			PlanResourceType: "pool", PlanResourceID: []string{"IpamPoolId"}},
		{Name: "DeleteIpamScope", Product: ipam, Mutating: true, Teardown: true, DryRun: true, ClientToken: true,
			Required: []string{"RegionId", "IpamScopeId"}, ResourceParam: "IpamScopeId",
			NotFound: []string{"ResourceNotFound.IpamScope"},
			WaitFor:  []string{WaitGone},
			Confirm: Confirm{Action: "ListIpamScopes", Query: map[string]string{"IpamScopeIds.1": "IpamScopeId"},
				ListKey: "IpamScopes", IDField: "IpamScopeId", MatchParam: "IpamScopeId"},
			PlanResourceType: "scope", PlanResourceID: []string{"IpamScopeId"}},
		{Name: "DissociateIpamResourceDiscovery", Product: ipam, Mutating: true, Teardown: true, DryRun: true, ClientToken: true,
			Required: []string{"RegionId", "IpamId", "IpamResourceDiscoveryId"}, ResourceParam: "IpamResourceDiscoveryId",
			NotFound: []string{"ResourceNotFound.ResourceDiscoveryAssociation"},
			Confirm: Confirm{Action: "ListIpamResourceDiscoveryAssociations",
				Query:   map[string]string{"IpamId": "IpamId", "IpamResourceDiscoveryId": "IpamResourceDiscoveryId"},
				ListKey: "IpamResourceDiscoveryAssociations", IDField: "IpamResourceDiscoveryId", MatchParam: "IpamResourceDiscoveryId",
				GoneCodes: []string{"ResourceNotFound.Ipam", "ResourceNotFound.IpamResourceDiscovery"}},
			PlanResourceType: "association", PlanResourceID: []string{"IpamId", "IpamResourceDiscoveryId"}},
		{Name: "DeleteIpam", Product: ipam, Mutating: true, Teardown: true, DryRun: true, ClientToken: true,
			Required: []string{"RegionId", "IpamId"}, ResourceParam: "IpamId",
			NotFound: []string{"ResourceNotFound.Ipam"},
			WaitFor:  []string{WaitGone},
			// IpamIds takes up to 100 ids (reference 2.1). IpamScopeIds' limit is UNKNOWN (reference, UNKNOWNs):
			// scopes are read one at a time.
			Confirm: Confirm{Action: "ListIpams", Query: map[string]string{"IpamIds.1": "IpamId"},
				ListKey: "Ipams", IDField: "IpamId", MatchParam: "IpamId", Batch: 100},
			PlanResourceType: "ipam", PlanResourceID: []string{"IpamId"}},
		{Name: "DeleteIpamResourceDiscovery", Product: ipam, Mutating: true, Teardown: true, DryRun: true, ClientToken: true,
			Required: []string{"RegionId", "IpamResourceDiscoveryId"}, ResourceParam: "IpamResourceDiscoveryId",
			NotFound: []string{"ResourceNotFound.IpamResourceDiscovery"},
			Confirm: Confirm{Action: "ListIpamResourceDiscoveries", Query: map[string]string{"IpamResourceDiscoveryIds.1": "IpamResourceDiscoveryId"},
				ListKey: "IpamResourceDiscoveries", IDField: "IpamResourceDiscoveryId", MatchParam: "IpamResourceDiscoveryId"},
			PlanResourceType: "discovery", PlanResourceID: []string{"IpamResourceDiscoveryId"}},

		// The apply lock (tags on the IPAM). Neither takes DryRun (emulator UNKNOWN 110: refused when sent).
		{Name: "TagResources", Product: ipam, Mutating: true,
			Required: []string{"RegionId", "ResourceType", "ResourceId.N", "Tag.N.Key", "Tag.N.Value"}},
		{Name: "UntagResources", Product: ipam, Mutating: true,
			Required: []string{"RegionId", "ResourceType", "ResourceId.N"}, Optional: []string{"TagKey.N", "All"}},

		// Creation (fixtures and tests only).
		{Name: "CreateIpam", Product: ipam, Mutating: true, DryRun: true, ClientToken: true},
		{Name: "CreateIpamScope", Product: ipam, Mutating: true, DryRun: true, ClientToken: true},
		{Name: "CreateIpamPool", Product: ipam, Mutating: true, DryRun: true, ClientToken: true},
		{Name: "AddIpamPoolCidr", Product: ipam, Mutating: true, DryRun: true, ClientToken: true},
		{Name: "CreateIpamPoolAllocation", Product: ipam, Mutating: true, DryRun: true, ClientToken: true},
		{Name: "CreateIpamResourceDiscovery", Product: ipam, Mutating: true, DryRun: true, ClientToken: true},
		{Name: "AssociateIpamResourceDiscovery", Product: ipam, Mutating: true, DryRun: true, ClientToken: true},
		{Name: "AddIpamMembers", Product: ipam, Mutating: true, DryRun: true, ClientToken: true},
		{Name: "OpenVpcIpamService", Product: ipam, Mutating: true, ClientToken: true},
		{Name: "CreateResourceShare", Product: rs, Mutating: true},
		{Name: "AssociateResourceShare", Product: rs, Mutating: true},
		{Name: "DeleteResourceShare", Product: rs, Mutating: true},
		{Name: "CreateVpc", Product: vpc, Mutating: true, DryRun: true, ClientToken: true},
		{Name: "DeleteVpc", Product: vpc, Mutating: true, DryRun: true, ClientToken: true,
			NotFound: []string{"InvalidVpcId.NotFound"}},
		{Name: "AssociateVpcCidrBlock", Product: vpc, Mutating: true},
		{Name: "UnassociateVpcCidrBlock", Product: vpc, Mutating: true},

		// Reads. A read's NotFound codes mean the resource it names is gone: the allocation it gets, the pool
		// whose CIDRs or allocations it lists (and so those too).
		{Name: "ListIpams", Product: ipam},
		{Name: "ListIpamScopes", Product: ipam},
		{Name: "ListIpamPools", Product: ipam},
		{Name: "ListIpamPoolCidrs", Product: ipam, NotFound: []string{"ResourceNotFound.IpamPool"}},
		{Name: "ListIpamPoolAllocations", Product: ipam, NotFound: []string{"ResourceNotFound.IpamPool"}},
		{Name: "GetIpamPoolAllocation", Product: ipam, NotFound: []string{"ResourceNotFound.IpamPoolAllocation"}},
		{Name: "ListIpamResourceCidrs", Product: ipam},
		{Name: "ListIpamResourceDiscoveries", Product: ipam},
		{Name: "ListIpamResourceDiscoveryAssociations", Product: ipam},
		{Name: "ListIpamMembers", Product: ipam},
		{Name: "ListTagResources", Product: ipam},
		{Name: "GetVpcIpamServiceStatus", Product: ipam},
		{Name: "ListResourceShares", Product: rs},
		{Name: "ListResourceShareAssociations", Product: rs},
		{Name: "DescribeVpcs", Product: vpc},
		{Name: "GetCallerIdentity", Product: sts},
		// AssumeRole issues temporary credentials of a role (the scheduled cleanup's cross-account access);
		// credentials-go's RAM role provider calls it, not cloudapi.
		{Name: "AssumeRole", Product: sts, Required: []string{"RoleArn", "RoleSessionName"}},
	}
}

// Lookup returns the action of a product by name; ok is false for an action the tool does not know.
func Lookup(product, name string) (Action, bool) {
	t := table()
	i, ok := t.index[[2]string{product, name}]
	if !ok {
		return Action{}, false
	}
	return t.actions[i], true
}

// Teardown returns the actions a plan step may carry, in teardown order.
func Teardown() []Action {
	var out []Action
	for _, a := range table().actions {
		if a.Teardown {
			out = append(out, a)
		}
	}
	return out
}

// All returns every action, teardown actions first.
func All() []Action { return slices.Clone(table().actions) }

// IsNotFound reports whether code means the action's own resource is gone.
func (a Action) IsNotFound(code string) bool { return code != "" && slices.Contains(a.NotFound, code) }

// AllowsParam reports whether name is one of the action's required or optional parameters, list indexes
// (1 to 1000) matching N.
func (a Action) AllowsParam(name string) bool {
	for _, p := range a.Required {
		if matchParam(p, name) {
			return true
		}
	}
	for _, p := range a.Optional {
		if matchParam(p, name) {
			return true
		}
	}
	return false
}

// matchParam matches a parameter name against a pattern in which each "N" segment stands for a list index.
// It walks both dot-separated, without allocating: plans checks every param of a 100,000-step plan with it.
func matchParam(pattern, name string) bool {
	for {
		p, prest, pmore := strings.Cut(pattern, ".")
		n, nrest, nmore := strings.Cut(name, ".")
		if p == "N" {
			if !isIndex(n) {
				return false
			}
		} else if p != n {
			return false
		}
		if pmore != nmore {
			return false
		}
		if !pmore {
			return true
		}
		pattern, name = prest, nrest
	}
}

func isIndex(s string) bool {
	if s == "" || len(s) > 4 || s[0] == '0' {
		return false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
		n = n*10 + int(r-'0')
	}
	return n >= 1 && n <= 1000
}

// MatchParam reports whether name matches pattern, in which each "N" segment stands for a list index 1..1000.
func MatchParam(pattern, name string) bool { return matchParam(pattern, name) }
