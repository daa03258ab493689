package bench

import (
	"context"
	"fmt"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// The baselines read a step's asynchronous state back as any script would, with the executor's confirming
// read (executor.Confirm, the catalogue's read for the action), sent once per poll.

// confirmable reports whether the catalogue names a read that confirms the step's effect.
func confirmable(s *plans.Step) bool {
	a, ok := catalog.Lookup(s.Product, s.Action)
	return ok && a.Confirm.Action != ""
}

// IPAMsGone checks the end state: no IPAM of the plan is listed any more (in any status). It is how every
// strategy's run is checked, so that a fast wrong driver cannot win.
func IPAMsGone(ctx context.Context, api *cloudapi.Client, p *plans.Plan) error {
	seen := map[[2]string]bool{}
	for i := range p.Steps {
		st := &p.Steps[i]
		key := [2]string{st.Region, st.IPAMID}
		if st.IPAMID == "" || seen[key] {
			continue
		}
		seen[key] = true
		out, err := api.Read(ctx, cloudapi.Call{Product: catalog.ProductVpcIpam, Action: "ListIpams", Region: st.Region,
			Params: map[string]string{"IpamIds.1": st.IPAMID}})
		if err != nil {
			return fmt.Errorf("ListIpams %s: %w", st.IPAMID, err)
		}
		if rows, _ := out["Ipams"].([]any); len(rows) > 0 {
			return fmt.Errorf("IPAM %s is still listed: %v", st.IPAMID, rows[0])
		}
	}
	if len(seen) == 0 {
		return fmt.Errorf("plan %s names no IPAM", p.PlanID)
	}
	return nil
}
