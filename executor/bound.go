package executor

import (
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// BoundSettings describe the service a plan runs against, for Bound.
type BoundSettings struct {
	Latency     time.Duration // one call
	DeleteDelay time.Duration // an asynchronous step's window after its call (Deleting, Disassociating, a release)
	Parallelism int           // calls in flight at once
	QPS         float64       // the account's rate limit; 0: none
	// DryRunAgain counts the second dry run Apply sends before the call of a step whose up-front dry run
	// answered a code a step it depends on clears (a step with dry_run_codes and dependencies): a call more on
	// its path and in the count. With it, Bound is apply's own floor; without, the floor of the work.
	DryRunAgain bool
}

// Bound is the least time the execute phase of p can take: the longest path of the plan's DAG, where a step
// costs its call plus, for an asynchronous step, its window and one confirming read, and for a step with a
// hidden window (catalog.Action.HiddenWindow: a released allocation holds its CIDR's space though no read
// shows it), its window; or, when larger, the calls (one per step, one poll per asynchronous step) over what
// the parallelism or the rate limit lets through. The dry runs before the execute phase are not in it.
func Bound(p *plans.Plan, s BoundSettings) time.Duration {
	index := make(map[string]int, len(p.Steps))
	for i := range p.Steps {
		index[p.Steps[i].ID] = i
	}
	finish := make([]time.Duration, len(p.Steps)) // earliest end of each step
	var path time.Duration
	calls := 0
	// Steps are sorted by level: every dependency comes before its dependent.
	for i := range p.Steps {
		st := &p.Steps[i]
		var start time.Duration
		for _, d := range st.DependsOn {
			start = max(start, finish[index[d.ID]])
		}
		cost := s.Latency
		calls++
		if s.DryRunAgain && len(st.DryRunCodes) > 0 && len(st.DependsOn) > 0 {
			cost += s.Latency
			calls++
		}
		switch a, _ := catalog.Lookup(st.Product, st.Action); {
		case st.WaitFor != "":
			cost += s.DeleteDelay + s.Latency
			calls++
		case a.HiddenWindow:
			cost += s.DeleteDelay // its dependent's call is the read that sees the end
		}
		finish[i] = start + cost
		path = max(path, finish[i])
	}
	bound := path
	if s.Parallelism > 0 {
		bound = max(bound, time.Duration(calls)*s.Latency/time.Duration(s.Parallelism))
	}
	if s.QPS > 0 {
		bound = max(bound, time.Duration(float64(calls)/s.QPS*float64(time.Second)))
	}
	return bound
}
