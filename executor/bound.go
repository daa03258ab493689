package executor

import (
	"time"

	"github.com/ipam-teardown/ipam-teardown/plans"
)

// BoundSettings describe the service a plan runs against, for Bound.
type BoundSettings struct {
	Latency     time.Duration // one call
	DeleteDelay time.Duration // an asynchronous step's window after its call (Deleting, Disassociating)
	Parallelism int           // calls in flight at once
	QPS         float64       // the account's rate limit; 0: none
}

// Bound is the least time the execute phase of p can take: the longest path of the plan's DAG, where a step
// costs its call plus, for an asynchronous step, its window and one confirming read; or, when larger, the calls
// (one per step, one poll per asynchronous step) over what the parallelism or the rate limit lets through.
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
		if st.WaitFor != "" {
			cost += s.DeleteDelay + s.Latency
			calls++
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
