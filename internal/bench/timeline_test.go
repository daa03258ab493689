package bench

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/plans"
	"github.com/ipam-teardown/ipam-teardown/timeline"
)

var timelineDir = flag.String("timeline", "", "BenchmarkStrategies and TestStrategies: write one SVG timeline per run to `DIR`")

// writeTimeline draws the run of one strategy to the -timeline directory, named after the test. The
// baselines keep no report, so every strategy's steps are rebuilt the same way from the emulator's call log
// (stepsFromCalls): the charts compare like with like.
func writeTimeline(tb testing.TB, strategy string, p *plans.Plan, calls []wire.Call, s settings) {
	tb.Helper()
	if *timelineDir == "" {
		return
	}
	schedule := executor.Schedule(strategy)
	switch strategy {
	case "ours":
		schedule = executor.ScheduleReady
	case "levels":
		schedule = executor.ScheduleLevels
	}
	rep := &executor.Report{PlanID: p.PlanID, Outcome: "done", Schedule: schedule, Steps: stepsFromCalls(p, calls),
		Calls: map[string]map[string]int{},
		Bound: executor.NewBoundReport(p, executor.BoundSettings{Latency: s.d(s.latency), DeleteDelay: s.d(s.delay),
			Parallelism: executor.DefaultParallelism, QPS: s.qps * s.scale}, executor.BoundConfigured, "the emulator's settings, scaled"),
	}
	for _, st := range rep.Steps {
		rep.Retries += st.Retries
	}
	data, err := json.Marshal(rep)
	if err != nil {
		tb.Fatal(err)
	}
	r, err := timeline.Parse(data, strategy)
	if err != nil {
		tb.Fatal(err)
	}
	r.Label = strategy
	if err := os.MkdirAll(*timelineDir, 0o755); err != nil {
		tb.Fatal(err)
	}
	name := strings.NewReplacer("/", "_", "=", "-").Replace(tb.Name()) + ".svg"
	f, err := os.Create(filepath.Join(*timelineDir, name))
	if err != nil {
		tb.Fatal(err)
	}
	if err := timeline.SVG(f, r); err != nil {
		f.Close()
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// stepsFromCalls rebuilds each step's report from the calls the emulator logged: its start is the first
// call of its action with its parameters, its call ends with the first answer that is not an error (or the
// resource's not-found code), and its wait with the last confirming read (the catalogue's read with the
// step's query) after that. Every call of the step after the first is a retry, so aws-nuke's rounds show.
// Only the executor sends dry runs: those of its dry-run phase, before any step's call, are left out; a step's
// dry runs after that are its recheck just before its call (an attempt as the executor counts them, the first
// one not a retry).
func stepsFromCalls(p *plans.Plan, calls []wire.Call) []executor.StepReport {
	var execStart time.Time // the first call of any step
	for i := range p.Steps {
		for _, c := range calls {
			if !c.DryRun && c.Action == p.Steps[i].Action && hasParams(c.Params, p.Steps[i].Params) {
				if execStart.IsZero() || c.Start.Before(execStart) {
					execStart = c.Start
				}
				break
			}
		}
	}
	steps := make([]executor.StepReport, len(p.Steps))
	for i := range p.Steps {
		st := &p.Steps[i]
		sr := executor.StepReport{ID: st.ID, Action: st.Action, ResourceID: st.ResourceID, IPAMID: st.IPAMID, Level: st.Level,
			Outcome: executor.OutcomeNotStarted, DependsOn: executor.DependencyIDs(st)}
		a, _ := catalog.Lookup(st.Product, st.Action)
		rechecked := false
		for _, c := range calls {
			if c.Action != st.Action || !hasParams(c.Params, st.Params) || c.DryRun && c.Start.Before(execStart) || !sr.Called.IsZero() {
				continue
			}
			if sr.Attempts == 0 {
				sr.Start = c.Start
				rechecked = c.DryRun
			}
			sr.Attempts++
			if !c.DryRun && (c.Code == "" || a.IsNotFound(c.Code)) {
				sr.Called, sr.End, sr.Outcome = c.End, c.End, executor.OutcomeDone
			}
		}
		sr.Retries = max(sr.Attempts-1, 0)
		if rechecked {
			sr.Retries = max(sr.Attempts-2, 0)
		}
		if q := a.Confirm; st.WaitFor != "" && !q.Zero() && !sr.Called.IsZero() {
			for _, c := range calls {
				if c.Action != q.Action || c.Start.Before(sr.Called) {
					continue
				}
				match := true
				for readParam, stepParam := range q.Query {
					match = match && c.Params[readParam] == st.Params[stepParam]
				}
				if match {
					sr.Polls++
					sr.End = c.End
				}
			}
		}
		steps[i] = sr
	}
	return steps
}

// hasParams reports whether the call carries every one of the step's parameters.
func hasParams(call, step map[string]string) bool {
	for k, v := range step {
		if call[k] != v {
			return false
		}
	}
	return true
}

// TestStepsFromCalls: a step's times, attempts and polls come from its own calls and confirming reads.
func TestStepsFromCalls(t *testing.T) {
	p := &plans.Plan{PlanID: "p", Steps: []plans.Step{
		{ID: "delete-pool/a", Product: catalog.ProductVpcIpam, Action: "DeleteIpamPool", Params: map[string]string{"IpamPoolId": "a"}, WaitFor: "Deleted"},
		{ID: "delete-pool/b", Product: catalog.ProductVpcIpam, Action: "DeleteIpamPool", Params: map[string]string{"IpamPoolId": "b"}, WaitFor: "Deleted",
			DependsOn: []plans.Dependency{{ID: "delete-pool/a"}}},
	}}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	call := func(action, key, id string, start, end int, code string, dry bool) wire.Call {
		return wire.Call{Action: action, Params: map[string]string{key: id, "RegionId": "r"}, Start: at(start), End: at(end), Code: code, DryRun: dry}
	}
	calls := []wire.Call{
		call("DeleteIpamPool", "IpamPoolId", "a", 0, 1, "", true), // a dry run: not part of the step
		call("DeleteIpamPool", "IpamPoolId", "a", 10, 20, "", false),
		call("ListIpamPools", "IpamPoolIds.1", "a", 100, 110, "", false),
		call("ListIpamPools", "IpamPoolIds.1", "a", 200, 210, "", false),
		call("DeleteIpamPool", "IpamPoolId", "b", 2, 3, "", true),                                  // the dry-run phase
		call("DeleteIpamPool", "IpamPoolId", "b", 25, 35, "OperationFailed.IpamPoolExist", true),   // a recheck, too early
		call("DeleteIpamPool", "IpamPoolId", "b", 100, 110, "OperationFailed.IpamPoolExist", true), // a retried recheck
		call("DeleteIpamPool", "IpamPoolId", "b", 220, 230, "", false),
		call("DeleteIpamPool", "IpamPoolId", "b", 240, 250, "", false), // after the step's call: not its attempt
		call("ListIpamPools", "IpamPoolIds.1", "b", 300, 310, "", false),
	}
	got := stepsFromCalls(p, calls)
	a, b := got[0], got[1]
	if !a.Start.Equal(at(10)) || !a.Called.Equal(at(20)) || !a.End.Equal(at(210)) || a.Attempts != 1 || a.Retries != 0 || a.Polls != 2 || a.Outcome != executor.OutcomeDone {
		t.Errorf("step a: %+v", a)
	}
	if !b.Start.Equal(at(25)) || !b.Called.Equal(at(230)) || !b.End.Equal(at(310)) || b.Attempts != 3 || b.Retries != 1 || b.Polls != 1 || len(b.DependsOn) != 1 {
		t.Errorf("step b: %+v", b)
	}
}
