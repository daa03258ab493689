package bench

import (
	"context"
	"fmt"
	"slices"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// The confirming read, cut down from executor/confirm.go (which is unexported): the baselines need to know
// when a step's asynchronous state is reached, as any script would read it back.

type presence int

const (
	presenceGone presence = iota
	presenceInProgress
	presenceThere
	presenceFailed
)

// confirmable reports whether the catalogue names a read that confirms the step's effect.
func confirmable(s *plans.Step) bool {
	a, ok := catalog.Lookup(s.Product, s.Action)
	return ok && a.Confirm.Action != ""
}

// maxConfirmPages bounds the pages of one confirming read.
const maxConfirmPages = 50

// confirm reads whether the step's resource is still there, through one call per page.
func confirm(ctx context.Context, api *cloudapi.Client, s *plans.Step) (presence, error) {
	a, ok := catalog.Lookup(s.Product, s.Action)
	if !ok || a.Confirm.Action == "" {
		return presenceThere, fmt.Errorf("no read confirms %s", s.Action)
	}
	c := a.Confirm
	product := s.Product
	if c.Product != "" {
		product = c.Product
	}
	read, _ := catalog.Lookup(product, c.Action)
	params := map[string]string{}
	for k, v := range c.Fixed {
		params[k] = v
	}
	for readParam, stepParam := range c.Query {
		if v, ok := s.Params[stepParam]; ok {
			params[readParam] = v
		}
	}
	if product == catalog.ProductVpcIpam {
		params["RegionId"] = s.Region
	}
	var want []string
	for k, v := range s.Params {
		if catalog.MatchParam(c.MatchParam, k) {
			want = append(want, v)
		}
	}
	if len(want) == 0 {
		return presenceThere, fmt.Errorf("step %s has no %s to confirm", s.ID, c.MatchParam)
	}
	worst := presenceGone
	for page := 0; ; page++ {
		if page == maxConfirmPages {
			return presenceThere, fmt.Errorf("%s for %s: more than %d pages", c.Action, s.ID, maxConfirmPages)
		}
		out, err := api.Do(ctx, cloudapi.Call{Product: product, Action: c.Action, Region: s.Region, Params: params, Resource: s.ResourceID})
		if err != nil {
			code := cloudapi.Code(err)
			if a.IsNotFound(code) || read.IsNotFound(code) || code != "" && slices.Contains(c.GoneCodes, code) {
				return presenceGone, nil
			}
			return presenceThere, err
		}
		if c.ListKey == "" {
			return presenceThere, nil
		}
		rows, _ := out[c.ListKey].([]any)
		for _, row := range rows {
			m, _ := row.(map[string]any)
			if !slices.Contains(want, cloudapi.String(m[c.IDField])) {
				continue
			}
			p := presenceThere
			if c.StatusField != "" {
				switch status := cloudapi.String(m[c.StatusField]); {
				case slices.Contains(c.GoneStatuses, status):
					p = presenceGone
				case status == "Failed":
					p = presenceFailed
				case status == "Disassociating" || status == "Deleting":
					p = presenceInProgress
				}
			}
			worst = max(worst, p)
		}
		next := cloudapi.String(out["NextToken"])
		if next == "" {
			return worst, nil
		}
		params["NextToken"] = next
	}
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
