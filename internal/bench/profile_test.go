package bench

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect/collecttest"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

var (
	profileCase = flag.String("profile", "", "TestProfile: run apply on this case of BenchmarkStrategies (balanced, skewed, large) and print where its execute phase went")
	profileTail = flag.Bool("profile.tail", false, "TestProfile: with the heavy tail")
)

// TestProfile runs apply once, as BenchmarkStrategies runs "ours" (short form unless -full), and prints the
// path that ended last (each step's ready, start, sent, called and end times, from the report) and the emulator's
// call log in buckets (calls started, calls in flight on average, by action; "?" marks dry runs). It
// asserts nothing beyond the run's success and is skipped unless -profile is given:
//
//	go test ./internal/bench -run Profile -v -args -profile balanced [-profile.tail] [-full]
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
	srv := simtest.StartTopology(t, topo, s.simOptions()...)
	region := topo.Accounts[0].IPAMs[0].Region
	local := &collecttest.SimAPI{Sim: srv.Sim, AccountID: ipamsim.DefaultAccount, RegionID: region}
	p := Plan(t, local, inventory.Selector{All: true})
	cred := srv.Credential(t, ipamsim.DefaultAccount)
	api, err := cloudapi.New(ctx, cloudapi.Config{Region: region, Endpoint: srv.URL, QPS: s.qps * s.scale,
		AccessKey:    cloudapi.AccessKey{ID: cred.AccessKeyID, Secret: cred.AccessKeySecret},
		RetryInitial: s.d(executor.DefaultRetryInitial), RetryMax: s.d(executor.DefaultRetryMax)})
	if err != nil {
		t.Fatal(err)
	}
	var execStart time.Time
	opts := executor.Options{PollInterval: s.d(executor.DefaultPollInterval), PollMax: s.d(executor.DefaultPollMax),
		RetryInitial: s.d(executor.DefaultRetryInitial), RetryMax: s.d(executor.DefaultRetryMax),
		JournalPath: t.TempDir() + "/journal",
		Replan: func(ctx context.Context) (*plans.Plan, error) {
			return Plan(t, local, inventory.Selector{IPAMIDs: planIPAMs(p)}), nil
		},
		OnEvent: func(e executor.Event) {
			if e.Kind == executor.EventPhase && e.Phase == "execute" {
				execStart = e.Time
			}
		}}
	before := len(srv.Wire.Calls())
	rep, err := executor.Apply(ctx, api, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	bs := executor.BoundSettings{Latency: s.d(s.latency), DeleteDelay: s.d(s.delay), Parallelism: executor.DefaultParallelism, QPS: s.qps * s.scale}
	l := executor.Bound(p, bs)
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
