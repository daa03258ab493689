package bench

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

var (
	profileCase = flag.String("profile", "", "TestProfile: run apply on this case of BenchmarkStrategies (balanced, skewed, large) and print where its execute phase went")
	profileTail = flag.Bool("profile.tail", false, "TestProfile: with the heavy tail")
	profileOut  = flag.String("profile.out", "", "TestProfile: write the run's plan and report to this directory (plan.json, report.json) for the timeline command")
)

// TestProfile runs apply once, as BenchmarkStrategies runs "ours" (short form unless -full), and prints the
// path that ended last (each step's ready, start, sent, called and end times, from the report), the calls
// beyond the minimum by action and by whether the step waited out a slow window, and the emulator's call log
// in buckets (calls started, calls in flight on average, by action; "?" marks dry runs). -profile.out DIR
// writes the plan and the report. It asserts nothing beyond the run's success and is skipped unless
// -profile is given:
//
//	go test ./internal/bench -run Profile -v -args -profile balanced [-profile.tail] [-full] [-profile.out DIR]
func TestProfile(t *testing.T) {
	if *profileCase == "" {
		t.Skip("no -profile case")
	}
	s, cases := strategyCases()
	s.tail = *profileTail
	var o topology.GenerateOptions
	for _, c := range cases {
		if c.name == *profileCase {
			o = c.o
		}
	}
	if o.Pools == 0 {
		t.Fatalf("no case %q", *profileCase)
	}
	topo, err := topology.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	bd := startBed(t, topo, s)
	srv, p := bd.srv, bd.plan
	api := bd.client(t, s)
	var execStart time.Time
	opts := bd.applyOptions(t, s)
	opts.OnEvent = func(e executor.Event) {
		if e.Kind == executor.EventPhase && e.Phase == "execute" {
			execStart = e.Time
		}
	}
	before := len(srv.Wire.Calls())
	rep, err := executor.Apply(ctx, api, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	l := executor.Bound(p, s.bound(srv.Sim))
	if *profileOut != "" {
		writeRun(t, *profileOut, p, rep)
	}
	exec := rep.End.Sub(execStart)
	t.Logf("execute %v, L %v (%.2f), retries %d (%d on dependency codes)", exec.Round(time.Millisecond), l, exec.Seconds()/l.Seconds(), rep.Retries, rep.DependencyRetries)

	// The path that ended last, walked back through the dependency that finished last.
	steps := map[string]executor.StepReport{}
	last := ""
	for _, x := range rep.Steps {
		steps[x.ID] = x
		if last == "" || x.End.After(steps[last].End) {
			last = x.ID
		}
	}
	byID := map[string]*plans.Step{}
	for i := range p.Steps {
		byID[p.Steps[i].ID] = &p.Steps[i]
	}
	rel := func(tm time.Time) time.Duration { return tm.Sub(execStart).Round(time.Millisecond) }
	for id := last; id != ""; {
		x, ready, next := steps[id], execStart, ""
		for _, d := range byID[id].DependsOn {
			if steps[d.ID].End.After(ready) {
				ready, next = steps[d.ID].End, d.ID
			}
		}
		t.Logf("%-56s ready %8v start %8v sent %8v called %8v end %8v attempts %d polls %d", id, rel(ready), rel(x.Start), rel(x.Sent), rel(x.Called), rel(x.End), x.Attempts, x.Polls)
		id = next
	}

	// Where the calls beyond the minimum went: by action, and by whether the step waited out a slow window
	// (its own, or for a step behind a hidden window, the longest of the windows it waits for).
	window := windows(srv.Sim)
	type excess struct{ steps, calls, min int }
	by := map[string]*excess{}
	least := executor.StepCalls(p)
	var keys []string
	for i := range p.Steps {
		st := &p.Steps[i]
		x := steps[st.ID]
		w := time.Duration(0)
		if st.WaitFor != "" {
			w = window(st)
		}
		for _, d := range st.DependsOn {
			dep := byID[d.ID]
			if a, _ := catalog.Lookup(dep.Product, dep.Action); st.WaitFor == "" && a.HiddenWindow {
				w = max(w, window(dep))
			}
		}
		k := fmt.Sprintf("%s slow=%v", st.Action, w > s.d(s.delay))
		if by[k] == nil {
			by[k] = &excess{}
			keys = append(keys, k)
		}
		by[k].steps++
		by[k].calls += x.Attempts + x.Polls
		by[k].min += least[i]
	}
	slices.Sort(keys)
	for _, k := range keys {
		e := by[k]
		t.Logf("%-48s steps %4d calls %5d (%.2f a step) excess %4d", k, e.steps, e.calls, float64(e.calls)/float64(e.steps), e.calls-e.min)
	}

	bucket := time.Duration(float64(100*time.Millisecond) / s.scale)
	type row struct {
		n    int
		busy time.Duration
		by   map[string]int
	}
	var rows []row
	for _, c := range srv.Wire.Calls()[before:] {
		k := int(c.Start.Sub(execStart) / bucket)
		if k < 0 {
			continue
		}
		for len(rows) <= k {
			rows = append(rows, row{by: map[string]int{}})
		}
		a := c.Action
		if c.DryRun {
			a += "?"
		}
		rows[k].n++
		rows[k].busy += c.End.Sub(c.Start)
		rows[k].by[a]++
	}
	for k, r := range rows {
		var by []string
		for a, n := range r.by {
			by = append(by, fmt.Sprintf("%s %d", a, n))
		}
		t.Logf("%8v calls %4d in flight %4.1f  %s", time.Duration(k)*bucket, r.n, r.busy.Seconds()/bucket.Seconds(), strings.Join(by, ", "))
	}
}

// writeRun writes p and rep into dir as plan.json and report.json.
func writeRun(t *testing.T, dir string, p *plans.Plan, rep *executor.Report) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := plans.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plan.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if data, err = json.MarshalIndent(rep, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}
