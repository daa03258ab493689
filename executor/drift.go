package executor

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ipam-teardown/ipam-teardown/plans"
)

// drift compares a fresh plan of the same IPAMs and options with the file's, less the steps that are done
// (a done step the fresh plan still has is drift).
// Steps are compared by id: a step only the fresh plan has was added, one only the file has was removed (unless
// an earlier run started it: its effect may have happened), and a step in both changed when its action,
// resource, region, parameters, wait or dependencies (other than done ones) differ. Blockers are compared by
// resource and reason. Levels and plan ids are not compared: they follow from the rest.
func (r *run) drift(fresh *plans.Plan) *Drift {
	d := &Drift{}
	freshSteps := make(map[string]*plans.Step, len(fresh.Steps))
	for i := range fresh.Steps {
		freshSteps[fresh.Steps[i].ID] = &fresh.Steps[i]
	}
	// A step is out of the comparison when it is done, or when an earlier run sent it and the fresh plan no
	// longer has it (its effect happened; the dry run confirms it).
	done := func(id string) bool {
		i, ok := r.index[id]
		if !ok {
			return false
		}
		_, planned := freshSteps[id]
		return succeeded(r.steps[i].Outcome) || r.prior.steps[id] == recordStart && !planned
	}
	for i := range r.plan.Steps {
		s := &r.plan.Steps[i]
		if done(s.ID) {
			// The journal's word for a step no read confirms (RemoveIpamMembers) can be wrong: an earlier run
			// took a not-found for done, or the resource came back. A fresh plan that still needs the step says so.
			if _, again := freshSteps[s.ID]; again {
				d.Changed = append(d.Changed, s.ID+": done by an earlier run, yet the IPAMs still need it")
			}
			continue
		}
		f, ok := freshSteps[s.ID]
		if !ok {
			d.Removed = append(d.Removed, s.ID)
			continue
		}
		if diff := stepDiff(s, f, done); diff != "" {
			d.Changed = append(d.Changed, s.ID+": "+diff)
		}
	}
	for id := range freshSteps {
		if _, ok := r.index[id]; !ok {
			d.Added = append(d.Added, id)
		}
	}
	key := func(b plans.Blocker) string { return b.ResourceType + " " + b.ResourceID + ": " + b.Reason }
	mine := map[string]bool{}
	for _, b := range r.plan.Blockers {
		mine[key(b)] = true
	}
	theirs := map[string]bool{}
	for _, b := range fresh.Blockers {
		theirs[key(b)] = true
		if !mine[key(b)] {
			d.BlockersAdded = append(d.BlockersAdded, key(b))
		}
	}
	for k := range mine {
		if !theirs[k] {
			d.BlockersRemoved = append(d.BlockersRemoved, k)
		}
	}
	for _, l := range [][]string{d.Added, d.Removed, d.Changed, d.BlockersAdded, d.BlockersRemoved} {
		slices.Sort(l)
	}
	return d
}

// stepDiff names what differs between two steps of one id ("" when nothing does).
func stepDiff(a, b *plans.Step, done func(string) bool) string {
	var diffs []string
	field := func(name, x, y string) {
		if x != y {
			diffs = append(diffs, fmt.Sprintf("%s %q -> %q", name, x, y))
		}
	}
	field("action", a.Action, b.Action)
	field("product", a.Product, b.Product)
	field("resource", a.ResourceID, b.ResourceID)
	field("region", a.Region, b.Region)
	field("wait_for", a.WaitFor, b.WaitFor)
	if !maps.Equal(a.Params, b.Params) {
		diffs = append(diffs, fmt.Sprintf("params %v -> %v", a.Params, b.Params))
	}
	deps := func(s *plans.Step) []string {
		var ids []string
		for _, d := range s.DependsOn {
			if !done(d.ID) {
				ids = append(ids, d.ID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	if x, y := deps(a), deps(b); !slices.Equal(x, y) {
		diffs = append(diffs, fmt.Sprintf("depends on %v -> %v", x, y))
	}
	return strings.Join(diffs, "; ")
}
