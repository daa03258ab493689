package executor

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// Presence is what a confirming read says of a step's resource.
type Presence int

// What a confirming read can find.
const (
	PresenceGone       Presence = iota // not listed (or listed in a gone status)
	PresenceInProgress                 // listed in a transitional status: the step's effect is under way
	PresenceThere                      // listed as it was before the step
	PresenceFailed                     // listed in Failed: the asynchronous operation failed
)

func (p Presence) String() string {
	return [...]string{"gone", "in progress", "present", "failed"}[p]
}

// maxConfirmPages bounds the pages of one confirming read; a resource share with more associations than that
// is not read to the end (the step is then reported, not assumed done).
const maxConfirmPages = 50

// confirmable reports whether the catalogue names a read that confirms the step's effect.
func confirmable(s *plans.Step) bool {
	a, ok := catalog.Lookup(s.Product, s.Action)
	return ok && a.Confirm.Action != ""
}

// Confirm reads whether the step's resource is still there, with the read the catalogue names for its action
// (paging through it), and says how it found it. Every call goes through do, which may count or retry it.
// A step whose action has no confirming read is an error.
func Confirm(ctx context.Context, do func(context.Context, cloudapi.Call) (map[string]any, error), s *plans.Step) (Presence, error) {
	a, ok := catalog.Lookup(s.Product, s.Action)
	if !ok || a.Confirm.Action == "" {
		return PresenceThere, fmt.Errorf("no read confirms %s", s.Action)
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
	want := matchValues(s, c.MatchParam)
	if len(want) == 0 {
		return PresenceThere, fmt.Errorf("step %s has no %s to confirm", s.ID, c.MatchParam)
	}
	seen := map[string]Presence{}
	for page := 0; ; page++ {
		if page == maxConfirmPages {
			return PresenceThere, fmt.Errorf("%s for %s: more than %d pages", c.Action, s.ID, maxConfirmPages)
		}
		out, err := do(ctx, cloudapi.Call{Product: product, Action: c.Action, Region: s.Region, Params: params, Resource: s.ResourceID})
		if err != nil {
			code := cloudapi.Code(err)
			if a.IsNotFound(code) || read.IsNotFound(code) || code != "" && slices.Contains(c.GoneCodes, code) {
				return PresenceGone, nil
			}
			return PresenceThere, err
		}
		if c.ListKey == "" {
			// The answer is the resource itself.
			return PresenceThere, nil
		}
		rows, _ := out[c.ListKey].([]any)
		for _, r := range rows {
			row, _ := r.(map[string]any)
			id := cloudapi.String(row[c.IDField])
			if !slices.Contains(want, id) {
				continue
			}
			p := PresenceThere
			if c.StatusField != "" {
				switch status := cloudapi.String(row[c.StatusField]); {
				case slices.Contains(c.GoneStatuses, status):
					p = PresenceGone
				case status == "Failed":
					p = PresenceFailed
				case status == "Disassociating" || status == "Deleting":
					p = PresenceInProgress
				}
			}
			if prev, ok := seen[id]; !ok || p > prev {
				seen[id] = p
			}
		}
		next := cloudapi.String(out["NextToken"])
		if next == "" {
			break
		}
		params["NextToken"] = next
	}
	worst := PresenceGone
	for _, id := range want {
		if p, ok := seen[id]; ok && p > worst {
			worst = p
		}
	}
	return worst, nil
}

// matchValues returns the values of the step's parameters that match pattern (sorted).
func matchValues(s *plans.Step, pattern string) []string {
	var out []string
	for k, v := range s.Params {
		if catalog.MatchParam(pattern, k) {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}
