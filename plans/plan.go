// Package plans is the plan file: the versioned, reviewable JSON a person reads in a pull request and
// apply executes. It reads, validates, writes and renders plans; it knows nothing of the SDK.
package plans

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/inventory"
)

// FormatVersion is the plan file format this build writes and the only one it reads.
const FormatVersion = 1

// Plan is a teardown plan: the steps to run, in dependency order, and what the tool will not touch.
type Plan struct {
	FormatVersion        int                `json:"format_version"`
	PlanID               string             `json:"plan_id"`
	CreatedAt            time.Time          `json:"created_at"`
	ToolVersion          string             `json:"tool_version"`
	Region               string             `json:"region"`
	AccountID            string             `json:"account_id"`
	Selector             inventory.Selector `json:"selector"`
	Options              Options            `json:"options"` // what the plan was built with, to build it again
	InventoryFingerprint string             `json:"inventory_fingerprint"`
	Steps                []Step             `json:"steps"`    // sorted by (Level, ID)
	Blockers             []Blocker          `json:"blockers"` // sorted by (ResourceID, Reason)
	Summary              Summary            `json:"summary"`
	Checksum             string             `json:"checksum"` // "sha256:" + hex of the file with this field empty
}

// Options are the planning choices a plan records, so that the executor's drift check can plan a fresh
// inventory again with the same ones and compare the steps (planner.OptionsFor).
type Options struct {
	// Exclude lists resource ids the plan must not touch, with everything in them; sorted.
	Exclude []string `json:"exclude"`
	// ProtectTag keeps the IPAMs, scopes, pools and discoveries carrying the tag: "key" or "key=value".
	ProtectTag string `json:"protect_tag,omitempty"`
	// KeepVPCAllocations reports the pools' VPC allocations as blockers instead of releasing them.
	KeepVPCAllocations bool `json:"keep_vpc_allocations,omitempty"`
	// KeepDiscoveries keeps the caller's custom resource discoveries (still dissociated from an IPAM the
	// plan deletes).
	KeepDiscoveries bool `json:"keep_discoveries,omitempty"`
	// OrphanDiscoveries also deletes the caller's custom resource discoveries that nothing in the snapshot
	// uses: no association, no share. Only a snapshot that holds every IPAM of the region, or none but the
	// orphans themselves (collect.Orphans), makes "nothing in the snapshot" mean "nothing"; cleanup sets it.
	OrphanDiscoveries bool `json:"orphan_discoveries,omitempty"`
}

// MarshalJSON writes Options with "exclude": [] rather than null when nothing is excluded, so that every
// plan file spells the same options the same way (and a file has no null). In memory, no exclusion is a nil
// Exclude, whichever way it was written (UnmarshalJSON), so that a plan reads back equal to itself.
func (o Options) MarshalJSON() ([]byte, error) {
	type fields Options // the same fields without these methods
	f := fields(o)
	if f.Exclude == nil {
		f.Exclude = []string{}
	}
	return json.Marshal(f)
}

// UnmarshalJSON reads Options as strictly as the rest of the plan (an unknown field is an error) and makes an
// empty Exclude nil.
func (o *Options) UnmarshalJSON(data []byte) error {
	type fields Options
	var f fields
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("options: %w", err)
	}
	if len(f.Exclude) == 0 {
		f.Exclude = nil
	}
	*o = Options(f)
	return nil
}

// Step is one API call on one resource.
type Step struct {
	ID           string            `json:"id"`     // "<verb>/<resource id>", e.g. "delete-pool/ipam-pool-abc"
	Action       string            `json:"action"` // a teardown action of internal/catalog, e.g. "DeleteIpamPool"
	Product      string            `json:"product"`
	ResourceType string            `json:"resource_type"`     // the action's catalog.Action.PlanResourceType: ipam, scope, pool, ...
	ResourceID   string            `json:"resource_id"`       // made of params as catalog.Action.PlanResourceID says
	IPAMID       string            `json:"ipam_id,omitempty"` // the IPAM the step belongs to (renderers group by it)
	Region       string            `json:"region"`            // the RegionId and endpoint region (reference rule 22)
	Params       map[string]string `json:"params"`            // the exact API parameters, without DryRun and ClientToken
	DependsOn    []Dependency      `json:"depends_on"`        // sorted by ID
	Level        int               `json:"level"`             // longest path from a root; 0 for roots
	Rule         string            `json:"rule"`              // why this step exists, e.g. "8.3"
	// DryRunCodes are the codes the up-front dry run may answer because an earlier step of this plan still has
	// to clear them (one per incoming edge's rule); the executor checks such steps again just before running.
	DryRunCodes []string `json:"dry_run_codes,omitempty"`
	// WaitFor names the asynchronous state the executor waits for after the call ("Disassociated", "gone").
	WaitFor string `json:"wait_for,omitempty"`
	// Implies lists what disappears with this step without a step of its own (DeleteIpam: default scopes,
	// default discovery and its association).
	Implies []Implied `json:"implies,omitempty"`
}

// Dependency is an edge: the step named by ID must finish before this one starts, because of Rule.
type Dependency struct {
	ID   string `json:"id"`
	Rule string `json:"rule"`
}

// Implied is a resource removed as a side effect of a step.
type Implied struct {
	ResourceType string `json:"resource_type"`
	ResourceID   string `json:"resource_id"`
	Reason       string `json:"reason"`
}

// Blocker is a resource the tool must not or cannot remove, and what it holds back.
type Blocker struct {
	ResourceType string `json:"resource_type"`
	ResourceID   string `json:"resource_id"`
	IPAMID       string `json:"ipam_id,omitempty"`
	Reason       string `json:"reason"`         // a sentence a person understands
	Rule         string `json:"rule,omitempty"` // the reference rule or seed code behind it
	// HeldBack lists the steps not emitted because they need this blocker's resource gone, directly or
	// through other held-back steps; sorted. A step held back by several blockers is listed under the first
	// of them (in blocker order) only, so that the file grows with the plan and not with blockers x depth.
	HeldBack []string `json:"held_back"`
	// Pruned lists the steps not emitted because their only purpose was to clear the way for steps this
	// blocker holds back (releases, deprovisions, dissociations, unshares, member removals): they would
	// change a resource that stays. An entry of a batched call is named by its entry,
	// "remove-members/<ipam>/<member>" or "disassociate-share/<share>/<resource>". Sorted; each pruned step
	// is listed under one blocker only, like HeldBack.
	Pruned []string `json:"pruned,omitempty"`
}

// Summary counts steps by action and blockers, for a reviewer's first glance.
type Summary struct {
	Steps    int            `json:"steps"`
	Levels   int            `json:"levels"`
	Blockers int            `json:"blockers"`
	ByAction map[string]int `json:"by_action"` // encoding/json writes map keys sorted
	HeldBack int            `json:"held_back"`
}

// ActionInfo is what callers of LookupAction need of a teardown action; internal/catalog holds the rest.
type ActionInfo struct {
	Name      string
	Product   string // VpcIpam, ResourceSharing
	HasDryRun bool   // the API takes DryRun=true
	Async     bool   // the effect completes after the call returns; the executor waits (Step.WaitFor)
}

// teardownInfo is the catalogue's teardown actions, in teardown order, reduced to ActionInfo. It is built
// once because LookupAction runs for every step of a plan while reading the catalogue builds its
// whole table each time. It holds plain values and is never handed out, so nothing can change
// it after it is built.
var teardownInfo = sync.OnceValue(func() []ActionInfo {
	as := catalog.Teardown()
	out := make([]ActionInfo, len(as))
	for i, a := range as {
		out[i] = ActionInfo{Name: a.Name, Product: a.Product, HasDryRun: a.DryRun, Async: len(a.WaitFor) > 0}
	}
	return out
})

// LookupAction returns what the catalogue (internal/catalog) says of a teardown action; ok is false for any
// action a plan step may not carry, which Read refuses.
func LookupAction(name string) (ActionInfo, bool) {
	for _, a := range teardownInfo() {
		if a.Name == name {
			return a, true
		}
	}
	return ActionInfo{}, false
}

// ActionNames returns the teardown action names in teardown order.
func ActionNames() []string {
	as := teardownInfo()
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = a.Name
	}
	return names
}
