// Package replan is the executor's drift check as the commands wire it: collect the planned IPAMs again and
// plan them with the options the plan records. It sits between inventory/planner and the executor, which
// must not plan itself.
package replan

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
	"github.com/ipam-teardown/ipam-teardown/planner"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// Func returns the executor's drift check: collect the IPAMs the plan names again and plan them with
// opts. nil when the plan names no IPAM. progress gets the listing's lines, as the inventory's (nil: none): on
// a large tree the check lists for as long as the inventory did, and a silent minute looks like a hang.
func Func(api *cloudapi.Client, p *plans.Plan, opts planner.Options, parallelism int, progress io.Writer) func(context.Context) (*plans.Plan, error) {
	// The blockers' IPAMs too: an IPAM a blocker holds whole has no step, and without it the fresh plan would
	// lack that blocker and look like drift.
	opts.PlanID = p.PlanID
	ids := planIPAMs(p)
	if len(ids) == 0 {
		if !p.Options.OrphanDiscoveries {
			return nil
		}
		// A plan of orphaned discoveries only: find the orphans again. Every orphan found is planned again,
		// whether cleanup's select matched it or not: this holds only because an account has at most one custom
		// discovery per region (reference 1.13, a quota that cannot be raised), so the fresh plan's orphan is
		// the plan's own. A service that allowed more would need the fresh snapshot cut to the planned ids.
		return func(ctx context.Context) (*plans.Plan, error) {
			snap, err := collect.Orphans(ctx, api, collect.Options{Parallelism: parallelism, Progress: progress})
			if err != nil {
				return nil, err
			}
			return planner.Build(snap, opts)
		}
	}
	return func(ctx context.Context) (*plans.Plan, error) {
		// An IPAM this plan (or an earlier run of it) deleted is gone, and Collect refuses to select an IPAM
		// that is not there. So collect those that exist; the executor sets the deleted IPAM's steps against
		// its journal, and one deleted behind its back shows as drift (steps the fresh plan lacks).
		present, err := ExistingIPAMs(ctx, api, ids)
		if err != nil {
			return nil, err
		}
		if len(present) == 0 {
			return &plans.Plan{PlanID: p.PlanID, Region: p.Region, Steps: []plans.Step{}, Blockers: []plans.Blocker{}}, nil
		}
		snap, err := collect.Collect(ctx, api, inventory.Selector{IPAMIDs: present}, collect.Options{Parallelism: parallelism, Progress: progress})
		if err != nil {
			return nil, err
		}
		return planner.Build(snap, opts)
	}
}

// ExistingIPAMs returns those of ids (sorted) that ListIpams still lists, in any status.
func ExistingIPAMs(ctx context.Context, api *cloudapi.Client, ids []string) ([]string, error) {
	var found []string
	for start := 0; start < len(ids); start += 100 { // IpamIds.N takes at most 100, and so does one page
		batch := ids[start:min(start+100, len(ids))]
		params := map[string]string{"MaxResults": "100"}
		for i, id := range batch {
			params["IpamIds."+strconv.Itoa(i+1)] = id
		}
		out, err := api.Read(ctx, cloudapi.Call{Product: cloudapi.ProductVpcIpam, Action: "ListIpams", Params: params, Resource: strings.Join(batch, ",")})
		if err != nil {
			return nil, fmt.Errorf("inventory: %w", err)
		}
		rows, ok := out["Ipams"].([]any)
		if !ok && out["Ipams"] != nil {
			return nil, fmt.Errorf("inventory: ListIpams: Ipams is %T, not a list", out["Ipams"])
		}
		for _, r := range rows {
			if m, ok := r.(map[string]any); ok {
				if id, _ := m["IpamId"].(string); slices.Contains(batch, id) && !slices.Contains(found, id) {
					found = append(found, id)
				}
			}
		}
	}
	slices.Sort(found)
	return found, nil
}

// planIPAMs lists the IPAMs the plan's steps and blockers name, sorted.
func planIPAMs(p *plans.Plan) []string {
	var ids []string
	for _, s := range p.Steps {
		ids = append(ids, s.IPAMID)
	}
	for _, bl := range p.Blockers {
		ids = append(ids, bl.IPAMID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > 0 && ids[0] == "" {
		ids = ids[1:]
	}
	return ids
}
