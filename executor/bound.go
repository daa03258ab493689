package executor

import (
	"slices"
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
	Burst       int           // calls the rate limit lets through at once before QPS paces them (BoundQueued)
	// Window, when set, is the window of one asynchronous step or release, for a service whose windows
	// vary (the emulator's heavy tail: ipamsim.Sim.DeleteWindow); nil: DeleteDelay for every one.
	Window func(st *plans.Step) time.Duration
}

// Bound is the least time the execute phase of p can take: the longest path of the plan's DAG, where a step
// costs its call plus, for an asynchronous step, its window and one confirming read, and for a step with a
// hidden window (catalog.Action.HiddenWindow: a released allocation holds its CIDR's space though no read
// shows it), its window and one look at its end, which only the step that waits for it can take (the CIDR's
// own dry run); or, when larger, the calls of the execute phase over what the parallelism or the rate limit
// lets through. Those calls are ExecuteCalls with the confirming reads that one read can share (ConfirmMany:
// up to 100 pools' windows) counted as the fewest reads that could carry them, so that apply, which shares
// them, cannot come in under it. The dry runs before the execute phase are not in it.
func Bound(p *plans.Plan, s BoundSettings) time.Duration {
	m := measure(p, s)
	var path time.Duration
	finish := make([]time.Duration, len(p.Steps)) // earliest end of each step
	// Steps are sorted by level: every dependency comes before its dependent.
	for i := range p.Steps {
		var start time.Duration
		for _, d := range p.Steps[i].DependsOn {
			start = max(start, finish[m.index[d.ID]])
		}
		finish[i] = start + m.cost[i]
		path = max(path, finish[i])
	}
	return max(path, s.through(m.least))
}

// BoundQueued is a floor at least as high as Bound, for a service whose rate limit or parallelism binds: a
// step cannot start before every call of the steps it depends on, directly or not, has gone through the
// rate limit (a bucket of Burst calls refilled at QPS) and the parallelism, and from there its path to the
// end still takes its length. It is the largest, over the steps, of that earliest start plus the step's
// longest path to the end; Bound counts the calls and the path only apart. Reports and benchmarks compare
// with Bound (L); this says how much of the distance to L no schedule can close.
func BoundQueued(p *plans.Plan, s BoundSettings) time.Duration {
	m := measure(p, s)
	n := len(p.Steps)
	// rest[i]: the longest path from step i (its own cost included) to the end of the plan.
	dependents := make([][]int, n)
	for i := range p.Steps {
		for _, d := range p.Steps[i].DependsOn {
			j := m.index[d.ID]
			dependents[j] = append(dependents[j], i)
		}
	}
	rest := make([]time.Duration, n)
	for i := n - 1; i >= 0; i-- { // dependents come after their dependencies
		var after time.Duration
		for _, j := range dependents[i] {
			after = max(after, rest[j])
		}
		rest[i] = m.cost[i] + after
	}
	bound := Bound(p, s)
	seen := make([]int, n) // stamp of the last step whose ancestors were counted
	var stack []int
	for i := range p.Steps {
		// The calls of every step i depends on, directly or not.
		calls := 0
		stack = append(stack[:0], i)
		for len(stack) > 0 {
			k := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, d := range p.Steps[k].DependsOn {
				j := m.index[d.ID]
				if seen[j] == i+1 {
					continue
				}
				seen[j] = i + 1
				calls += m.leastCalls[j]
				stack = append(stack, j)
			}
		}
		bound = max(bound, s.through(calls-s.Burst)+rest[i])
	}
	return bound
}

// through is the least time the rate limit and the parallelism take to let calls through.
func (s BoundSettings) through(calls int) time.Duration {
	if calls <= 0 {
		return 0
	}
	var d time.Duration
	if s.Parallelism > 0 {
		d = time.Duration(calls) * s.Latency / time.Duration(s.Parallelism)
	}
	if s.QPS > 0 {
		d = max(d, time.Duration(float64(calls)/s.QPS*float64(time.Second)))
	}
	return d
}

// measured is what Bound and BoundQueued know of each step of a plan.
type measured struct {
	index map[string]int
	cost  []time.Duration // the step's least time: its calls, and its window and read when it has one
	calls []int           // the execute phase's least calls of the step (see ExecuteCalls)
	total int
	// least and leastCalls are total and calls where confirming reads are shared (ConfirmMany): a step whose
	// read can carry others' counts no read of its own, and each group of such steps the fewest reads that
	// can carry them all. A floor, not a count any schedule reaches: the windows do not end together.
	least      int
	leastCalls []int
	// hidden is the part of cost that is a hidden window (catalog.Action.HiddenWindow): in a run, the step
	// that waits it out holds it (RunBound).
	hidden []time.Duration
	groups []readGroup
	readOf []int
}

func measure(p *plans.Plan, s BoundSettings) measured {
	m := measured{index: make(map[string]int, len(p.Steps)), cost: make([]time.Duration, len(p.Steps)),
		calls: make([]int, len(p.Steps)), leastCalls: make([]int, len(p.Steps)), hidden: make([]time.Duration, len(p.Steps))}
	for i := range p.Steps {
		m.index[p.Steps[i].ID] = i
	}
	for i := range p.Steps {
		st := &p.Steps[i]
		cost, calls := s.Latency, 1
		if dependsOnHidden(p, m.index, st) {
			cost += s.Latency // the look that sees the hidden window end: apply sends the step's dry run again
			calls++
		}
		window := s.DeleteDelay
		if s.Window != nil {
			window = s.Window(st)
		}
		switch a, _ := catalog.Lookup(st.Product, st.Action); {
		case st.WaitFor != "":
			cost += window + s.Latency
			calls++
		case a.HiddenWindow:
			cost += window // its dependent's look sees the end
			m.hidden[i] = window
		}
		m.cost[i], m.calls[i], m.leastCalls[i] = cost, calls, calls
		m.total += calls
	}
	groups, readOf := readGroups(p.Steps)
	m.groups, m.readOf = groups, readOf
	for i := range p.Steps {
		if readOf[i] > 0 {
			m.leastCalls[i]-- // its read is one of its group's, counted below
		}
		m.least += m.leastCalls[i]
	}
	for _, g := range groups {
		m.least += (len(g.steps) + g.batch - 1) / g.batch
	}
	return m
}

// ExecuteCalls is the least number of calls the execute phase of p sends: one per step, one confirming read
// per asynchronous step, and one look per step that waits out a hidden window (dependsOnHidden). MinCalls
// adds the up-front dry run of every step.
func ExecuteCalls(p *plans.Plan) int { return measure(p, BoundSettings{}).total }

// StepCalls is ExecuteCalls step by step, in the plan's order: where a profile finds the calls beyond it.
func StepCalls(p *plans.Plan) []int { return measure(p, BoundSettings{}).calls }

// MinCalls is the least number of calls a whole apply of p sends, lock aside: the up-front dry run of every
// step and ExecuteCalls.
func MinCalls(p *plans.Plan) int { return len(p.Steps) + ExecuteCalls(p) }

// dependsOnHidden reports whether a step waits out a hidden window (catalog.Action.HiddenWindow) itself: it
// depends on such a step, and on no other step that depends on it too. A released allocation holds its CIDR's
// space for a while after its delete answered, and only the CIDR's own answer shows when that ends; the pool,
// which depends on both, starts after the CIDR has seen the end. Such a step is dry-run again before its call
// (see driver.begin).
func dependsOnHidden(p *plans.Plan, index map[string]int, st *plans.Step) bool {
	for _, d := range st.DependsOn {
		if hiddenDependency(p, index, st, d.ID) {
			return true
		}
	}
	return false
}

// hiddenDependency reports whether st's dependency id has a hidden window that st waits out itself: no other
// dependency of st depends on id too.
func hiddenDependency(p *plans.Plan, index map[string]int, st *plans.Step, id string) bool {
	dep := &p.Steps[index[id]]
	if a, _ := catalog.Lookup(dep.Product, dep.Action); !a.HiddenWindow {
		return false
	}
	for _, other := range st.DependsOn {
		if other.ID == id {
			continue
		}
		for _, dd := range p.Steps[index[other.ID]].DependsOn {
			if dd.ID == id {
				return false
			}
		}
	}
	return true
}

// Where a report's bound settings come from (BoundReport.Source).
const (
	// BoundConfigured: the service's settings are known, as the demo knows its emulator's.
	BoundConfigured = "configured"
	// BoundMeasured: measured in the run itself (MeasureBound): against a real cloud nothing else is known.
	BoundMeasured = "measured"
)

// BoundReport is L as a report records it: the bound and the settings it was computed with, in milliseconds
// so that a person can read the JSON, and where they came from.
type BoundReport struct {
	L           float64 `json:"l_ms"`
	Latency     float64 `json:"latency_ms"`
	DeleteDelay float64 `json:"delete_delay_ms"`
	Parallelism int     `json:"parallelism"`
	QPS         float64 `json:"qps,omitempty"` // 0: no rate limit assumed
	Source      string  `json:"source"`        // BoundConfigured or BoundMeasured
	Note        string  `json:"note,omitempty"`
	// Steps, when set, is how many of the plan's steps L covers: those this run executed, the others were
	// done earlier or not run (RunBound). 0: every step.
	Steps int `json:"steps,omitempty"`
}

// NewBoundReport computes Bound(p, s), L of the whole plan, and records it with s: for a comparison of
// strategies on the same plan. A run's report has NewRunBoundReport.
func NewBoundReport(p *plans.Plan, s BoundSettings, source, note string) *BoundReport {
	return boundReport(Bound(p, s), s, source, note)
}

// boundReport records L with the settings it assumed.
func boundReport(l time.Duration, s BoundSettings, source, note string) *BoundReport {
	return &BoundReport{L: ms(l), Latency: ms(s.Latency), DeleteDelay: ms(s.DeleteDelay),
		Parallelism: s.Parallelism, QPS: s.QPS, Source: source, Note: note}
}

// NewRunBoundReport computes RunBound of the run whose step reports are steps, and records it with s; nil
// when no step ran in it (a resume that found everything done earlier, an interrupt before the first step).
func NewRunBoundReport(p *plans.Plan, steps []StepReport, s BoundSettings, source, note string) *BoundReport {
	l, executed := RunBound(p, steps, s)
	if executed == 0 || l <= 0 {
		return nil
	}
	b := boundReport(l, s, source, note)
	if executed < len(p.Steps) {
		b.Steps = executed
	}
	return b
}

// Duration is L.
func (b *BoundReport) Duration() time.Duration {
	return time.Duration(b.L * float64(time.Millisecond))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// MeasuredNote explains a BoundMeasured report's settings.
const MeasuredNote = "measured in this run: latency is the median Sent..Called per attempt of steps done without a retry; " +
	"the delete delay is the median wait of the asynchronous steps, less that latency: Called..End when the first read found the step over " +
	"(it includes the first read's overshoot), else Called to the middle of the last read that saw it under way and End; " +
	"L covers the steps this run executed, none for more than its own record shows"

// MeasureBound estimates the latency and delete delay of the service a run went to from the run's steps (the
// plan's steps, to know which are asynchronous): the median time from a step's first call being sent (its
// start, in a report without Sent) to its successful call over its attempts (a dry run repeated before the
// call is one), over steps done without a retry (whose time holds no backoff), and the median wait from the
// call to the end of asynchronous steps (to the middle of the last interval between reads, when a read saw the
// step still under way), less one call for the confirming read. ok is false when no step says anything
// (nothing was called).
func MeasureBound(p *plans.Plan, steps []StepReport) (s BoundSettings, ok bool) {
	async := make(map[string]bool, len(p.Steps))
	for i := range p.Steps {
		async[p.Steps[i].ID] = p.Steps[i].WaitFor != ""
	}
	var calls, waits []time.Duration
	for _, st := range steps {
		if st.Outcome != OutcomeDone || st.Start.IsZero() || st.Called.IsZero() {
			continue
		}
		if st.Retries == 0 && st.Attempts > 0 {
			from := st.Start
			if !st.Sent.IsZero() { // not the time it queued for a worker or a window
				from = st.Sent
			}
			calls = append(calls, st.Called.Sub(from)/time.Duration(st.Attempts))
		}
		switch {
		case !async[st.ID] || st.End.IsZero():
		case !st.SeenOpen.IsZero():
			// The window ended between the read that last saw it open and the one that saw it over: the
			// middle, rather than the end, which can be as late again as the window had lasted.
			waits = append(waits, st.SeenOpen.Sub(st.Called)+st.End.Sub(st.SeenOpen)/2)
		default:
			waits = append(waits, st.End.Sub(st.Called))
		}
	}
	if len(calls) == 0 {
		return BoundSettings{}, false
	}
	s.Latency = median(calls)
	if len(waits) > 0 {
		s.DeleteDelay = max(median(waits)-s.Latency, 0)
	}
	return s, true
}

// median sorts ds and returns its middle value (the lower one of an even count).
func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[(len(ds)-1)/2]
}

// DependencyIDs lists the ids of the steps s depends on, as StepReport.DependsOn records them.
func DependencyIDs(s *plans.Step) []string {
	if len(s.DependsOn) == 0 {
		return nil
	}
	ids := make([]string, len(s.DependsOn))
	for i, d := range s.DependsOn {
		ids[i] = d.ID
	}
	return ids
}
