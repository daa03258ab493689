package executor

import (
	"time"

	"github.com/ipam-teardown/ipam-teardown/plans"
)

// RunBound is L of one run, from its steps' reports: Bound over the steps this run executed (those with a
// Start; not the ones done earlier, not started or skipped), where each step costs what Bound says or what its
// own record shows, whichever is less. executed is how many steps L covers; 0: none ran, no L.
//
// Why it is a floor of X (Report.ExecuteSpan) by construction, whatever the settings say: a step starts only
// after every step it depends on has ended (Start >= their End), and it is given no more than its record's
// span, from its first call (Sent; its Start when it waited out a hidden window first, or a resume found it in
// its window) to its call's answer or its end; so along any chain of executed steps the spans follow one
// another inside X. A hidden window (a released allocation still holding its CIDR) is held by the step that
// waits it out, in whose span it falls, not by the allocation, whose record ends with its call. The calls
// term counts the calls the finished steps' records show (Attempts and Polls; Bound's least count of them
// when lower): they went through the rate limit inside X, less the Burst it lets through at once; through
// the parallelism each takes the shortest time one call took alone in the run (a step sent once, without a
// retry: Sent..Called), or s.Latency when shorter. That last term assumes that no call was quicker than the
// quickest one the records show (a read's time is not recorded); it binds only where the parallelism does.
//
// L of the whole plan with the medians on every step was not a floor: half the calls are quicker than the
// median, and the critical path may be made of them; an interrupted run counted the steps not run, a resume
// the steps done earlier (BENCHMARKS.md, "Default flags", the last paragraph).
func RunBound(p *plans.Plan, steps []StepReport, s BoundSettings) (l time.Duration, executed int) {
	m := measure(p, s)
	rec := make([]*StepReport, len(p.Steps))
	for k := range steps {
		if i, ok := m.index[steps[k].ID]; ok {
			rec[i] = &steps[k]
		}
	}
	var (
		path   time.Duration
		finish = make([]time.Duration, len(p.Steps))
		calls  = runCalls{grouped: make([]int, len(m.groups))}
	)
	// Steps are sorted by level: every dependency comes before its dependent.
	for i := range p.Steps {
		if !ran(rec, i) {
			continue
		}
		executed++
		finish[i] = m.runFinish(p, rec, finish, i)
		path = max(path, finish[i])
		calls.add(m, rec[i], i)
	}
	if !calls.finished {
		return path, executed
	}
	return max(path, calls.through(m, s)), executed
}

// ran reports whether the run executed step i (its record has a Start).
func ran(rec []*StepReport, i int) bool { return rec[i] != nil && !rec[i].Start.IsZero() }

// runFinish is the earliest end of executed step i, after the ends (finish) of the steps it depends on: its
// cost as Bound has it, or its record's span, whichever is less.
func (m measured) runFinish(p *plans.Plan, rec []*StepReport, finish []time.Duration, i int) time.Duration {
	r, st := rec[i], &p.Steps[i]
	var after, held time.Duration // the latest end of a dependency; of a hidden window this step waits out
	for _, d := range st.DependsOn {
		j := m.index[d.ID]
		after = max(after, finish[j])
		if ran(rec, j) && rec[j].Outcome == OutcomeDone && hiddenDependency(p, m.index, st, d.ID) {
			held = max(held, finish[j]+m.hidden[j]) // as driver.openHidden: a window this run opened
		}
	}
	cost := max(held-after, 0) + m.cost[i] - m.hidden[i]
	// Its span runs from its first call, not from when it queued for a worker: the schedule's time, not the
	// step's. From its start, though, for a step that waits out a hidden window before its first call
	// (driver.openHidden), and one that a resume found in its window (no call, its first look is Sent).
	from := r.Start
	if !r.Sent.IsZero() && !r.Called.IsZero() && held == 0 {
		from = r.Sent
	}
	span := time.Duration(0)
	if end := latest(r.Called, r.End); end.After(from) {
		span = end.Sub(from)
	}
	return after + min(cost, span)
}

// runCalls is RunBound's calls term, step by step.
type runCalls struct {
	least, recorded int
	grouped         []int         // finished steps of each read group that waited
	quickest        time.Duration // the shortest single call recorded; 0: none
	finished        bool
}

// add counts the calls of executed step i, whose record is r.
func (c *runCalls) add(m measured, r *StepReport, i int) {
	if r.Attempts == 1 && r.Retries == 0 && !r.Sent.IsZero() && r.Called.After(r.Sent) {
		if d := r.Called.Sub(r.Sent); c.quickest == 0 || d < c.quickest {
			c.quickest = d
		}
	}
	if r.End.IsZero() {
		return // interrupted: what it sent after its call may have gone after X's end
	}
	c.finished = true
	c.least += m.leastCalls[i]
	c.recorded += r.Attempts + r.Polls
	if g := m.readOf[i]; g > 0 && r.Outcome == OutcomeDone {
		c.grouped[g-1]++
	}
}

// through is the least time the calls counted take through the rate limit and the parallelism.
func (c *runCalls) through(m measured, s BoundSettings) time.Duration {
	least := c.least
	for g, n := range c.grouped {
		least += (n + m.groups[g].batch - 1) / m.groups[g].batch
	}
	calls := min(least, c.recorded)
	var through time.Duration
	if s.Parallelism > 0 {
		through = time.Duration(calls) * min(c.quickest, s.Latency) / time.Duration(s.Parallelism)
	}
	if s.QPS > 0 && calls > s.Burst {
		through = max(through, time.Duration(float64(calls-s.Burst)/s.QPS*float64(time.Second)))
	}
	return through
}

// latest is the later of a and b.
func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// ExecuteSpan is X, the time the execute phase took as the steps' records show it: from the first step's
// start to the last call's answer or step's end, or to ExecuteEnd when that is later (an interrupted run:
// its cut-off steps have no end, and the drain waited on them). ok is false when no step started.
func (r *Report) ExecuteSpan() (x time.Duration, ok bool) {
	var first, last time.Time
	for _, s := range r.Steps {
		if s.Start.IsZero() {
			continue
		}
		if first.IsZero() || s.Start.Before(first) {
			first = s.Start
		}
		last = latest(last, latest(s.Called, s.End))
	}
	if !first.IsZero() {
		last = latest(last, r.ExecuteEnd)
	}
	if first.IsZero() || !last.After(first) {
		return 0, false
	}
	return last.Sub(first), true
}
