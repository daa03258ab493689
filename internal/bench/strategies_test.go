package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect/collecttest"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

var full = flag.Bool("full", false, "BenchmarkStrategies: full sizes (1,000 and 10,000 resources) at real time (50 ms latency, 500 ms delete delay, 100 QPS)")

// settings are one run's emulator and the strategies' waits, all divided by scale (and the QPS multiplied).
type settings struct {
	latency, delay time.Duration
	qps            float64
	tail           bool // one delete in ten takes ten times the delay
	scale          float64
}

func (s settings) d(d time.Duration) time.Duration { return time.Duration(float64(d) / s.scale) }

// simOptions are the emulator's options for s: the delete delay, the latency and QPS cap on every call, and
// the heavy tail (one delete in ten ten times as long) when s has it.
func (s settings) simOptions() []simtest.Option {
	opts := []simtest.Option{simtest.WithDeleteDelay(s.d(s.delay)),
		simtest.WithFaults(1, wire.FaultRule{Latency: s.d(s.latency), QPS: s.qps * s.scale})}
	if s.tail {
		opts = append(opts, simtest.WithDeleteDelayTail(0.1, 10))
	}
	return opts
}

// tailName is how the tables name s's tail.
func (s settings) tailName() string {
	if s.tail {
		return "0.1x10"
	}
	return "no"
}

// bound is what executor.Bound is told of the emulator sim started with s: the windows it gives each
// resource, the tail's slow ones included (the same for every strategy: the tail is drawn by resource id),
// so that L is the floor of this very run; the rate limit lets one second's calls through at once.
func (s settings) bound(sim *ipamsim.Sim) executor.BoundSettings {
	return executor.BoundSettings{Latency: s.d(s.latency), DeleteDelay: s.d(s.delay), Parallelism: executor.DefaultParallelism,
		QPS: s.qps * s.scale, Burst: int(s.qps * s.scale), Window: windows(sim)}
}

// The strategies, in the order of the report.
var strategyNames = []string{"sequential", "terraform", "aws-nuke", "levels", "ours"}

// result is one strategy's run.
type result struct {
	wall, execute, bound time.Duration
	calls, minCalls      int
	retries, depErrors   int
	depCodes             map[string]int
	peakHeap             uint64
	steps                int
	outcome              string
}

// runStrategy builds topo in a fresh emulator, plans it in process and tears it down with the strategy,
// then checks that the IPAMs are gone.
// bed is one case's emulator, started with a settings' options, and the plan of everything in it.
type bed struct {
	srv   *simtest.Server
	local *collecttest.SimAPI // the emulator in process, for planning
	plan  *plans.Plan
}

// startBed starts topo's emulator with s's options and plans its teardown.
func startBed(tb testing.TB, topo *topology.Topology, s settings) bed {
	tb.Helper()
	srv := simtest.StartTopology(tb, topo, s.simOptions()...)
	local := &collecttest.SimAPI{Sim: srv.Sim, AccountID: ipamsim.DefaultAccount, RegionID: topo.Accounts[0].IPAMs[0].Region}
	return bed{srv: srv, local: local, plan: Plan(tb, local, inventory.Selector{All: true})}
}

// client is a cloudapi client of the bed's emulator over HTTP, with s's rate limit and retry waits.
func (b bed) client(tb testing.TB, s settings) *cloudapi.Client {
	tb.Helper()
	cred := b.srv.Credential(tb, ipamsim.DefaultAccount)
	api, err := cloudapi.New(tb.Context(), cloudapi.Config{Region: b.local.RegionID, Endpoint: b.srv.URL, QPS: s.qps * s.scale,
		AccessKey:    cloudapi.AccessKey{ID: cred.AccessKeyID, Secret: cred.AccessKeySecret},
		RetryInitial: s.d(executor.DefaultRetryInitial), RetryMax: s.d(executor.DefaultRetryMax)})
	if err != nil {
		tb.Fatal(err)
	}
	return api
}

// applyOptions are apply's defaults scaled by s, with a journal and a drift check that plans in process.
func (b bed) applyOptions(tb testing.TB, s settings) executor.Options {
	return executor.Options{PollInterval: s.d(executor.DefaultPollInterval), PollMax: s.d(executor.DefaultPollMax),
		RetryInitial: s.d(executor.DefaultRetryInitial), RetryMax: s.d(executor.DefaultRetryMax),
		JournalPath: tb.TempDir() + "/journal",
		Replan: func(ctx context.Context) (*plans.Plan, error) {
			return Plan(tb, b.local, inventory.Selector{IPAMIDs: planIPAMs(b.plan)}), nil
		}}
}

func runStrategy(tb testing.TB, strategy string, topo *topology.Topology, s settings) result {
	tb.Helper()
	ctx := tb.Context()
	bd := startBed(tb, topo, s)
	srv, p := bd.srv, bd.plan
	api := bd.client(tb, s)
	var err error
	t := Timing{RetryInitial: s.d(executor.DefaultRetryInitial), RetryMax: s.d(executor.DefaultRetryMax),
		Poll: s.d(time.Second), PollFirst: s.d(100 * time.Millisecond), PollMax: s.d(10 * time.Second)}

	r := result{steps: len(p.Steps), outcome: "done", bound: executor.Bound(p, s.bound(srv.Sim)), minCalls: executor.MinCalls(p)}
	before := len(srv.Wire.Calls())
	stop := sampleHeap(&r.peakHeap)
	start := time.Now()
	var counts Counts
	switch strategy {
	case "sequential":
		counts, err = Sequential(ctx, api, p, t)
	case "terraform":
		counts, err = Terraform(ctx, api, p, t, 10)
	case "aws-nuke":
		counts, err = Nuke(ctx, api, p, t, 10, 1000)
	case "levels", "ours":
		var execStart time.Time
		codes := map[string]int{}
		o := bd.applyOptions(tb, s)
		o.OnEvent = func(e executor.Event) {
			if e.Kind == executor.EventPhase && e.Phase == "execute" {
				execStart = e.Time
			}
			if e.Kind == executor.EventRetry && e.Step != nil && cloudapi.ClassifyCode(e.Step.Product, e.Step.Action, e.Code, 400) == cloudapi.ClassDependency {
				codes[e.Code]++
			}
		}
		if strategy == "levels" {
			o.Schedule = executor.ScheduleLevels
		}
		var rep *executor.Report
		rep, err = executor.Apply(ctx, api, p, o)
		if rep != nil {
			counts = Counts{Retries: rep.Retries, DependencyErrors: rep.DependencyRetries, DependencyCodes: codes}
			r.outcome = string(rep.Outcome)
			r.execute = rep.End.Sub(execStart)
		}
	default:
		tb.Fatalf("no strategy %q", strategy)
	}
	r.wall = time.Since(start)
	stop()
	if r.execute == 0 {
		r.execute = r.wall
	}
	if err != nil {
		tb.Fatalf("%s: %v", strategy, err)
	}
	r.calls = len(srv.Wire.Calls()) - before
	r.retries, r.depErrors, r.depCodes = counts.Retries, counts.DependencyErrors, counts.DependencyCodes
	writeTimeline(tb, strategy, p, srv.Wire.Calls()[before:], s)
	if err := IPAMsGone(ctx, api, p); err != nil {
		tb.Fatalf("%s reported success but: %v", strategy, err)
	}
	return r
}

// sampleHeap records the largest HeapInuse until the returned function is called. Client and emulator share
// the process: the figure is both.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			*peak = max(*peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func planIPAMs(p *plans.Plan) []string {
	seen := map[string]bool{}
	var ids []string
	for i := range p.Steps {
		if id := p.Steps[i].IPAMID; id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

// TestStrategies tears a tiny tree down with each strategy, with a heavy tail: every one must leave the IPAM
// gone, and none but aws-nuke (which finds its order by failing) may meet a prerequisite not met yet, but for
// the allocation window below.
func TestStrategies(t *testing.T) {
	topo, err := topology.Generate(topology.GenerateOptions{Pools: 8, Depth: 3, FanOut: 2, AllocationsPerPool: 2, Seed: 1, Skew: true})
	if err != nil {
		t.Fatal(err)
	}
	s := settings{latency: 20 * time.Millisecond, delay: 200 * time.Millisecond, qps: 50, tail: true, scale: 10}
	for _, name := range strategyNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // each strategy has an emulator and a client of its own, and the test times nothing
			r := runStrategy(t, name, topo, s)
			if r.outcome != "done" {
				t.Errorf("outcome %s", r.outcome)
			}
			// A released allocation still blocks its CIDR's deprovision for the delete window (reference rule
			// 19; the plan has no wait for it): the one prerequisite a DAG order cannot see.
			for code, n := range r.depCodes {
				if name != "aws-nuke" && code != "OperationDenied.IpamPoolAllocationExist" {
					t.Errorf("%d answers %s: the DAG should have ordered every step after its prerequisites", n, code)
				}
			}
			if name == "aws-nuke" && r.depErrors == 0 {
				t.Error("aws-nuke met no dependency error: it sent no step before its prerequisites, so it did not run rounds")
			}
			if r.calls < r.steps {
				t.Errorf("%d calls for %d steps", r.calls, r.steps)
			}
		})
	}
}

// strategyCase is one generated tree of BenchmarkStrategies.
type strategyCase struct {
	name string
	o    topology.GenerateOptions
}

// strategyCases are the settings and trees of BenchmarkStrategies (and TestProfile, TestBounds): the short
// form unless -full.
func strategyCases() (settings, []strategyCase) {
	base := settings{latency: 50 * time.Millisecond, delay: 500 * time.Millisecond, qps: 100, scale: 10}
	div, largeDiv := 5, 10
	if *full {
		base.scale, div, largeDiv = 1, 1, 1
	}
	return base, []strategyCase{
		{"balanced", topology.GenerateOptions{Pools: 200 / div, Depth: 3, FanOut: 4, AllocationsPerPool: 4, Seed: 1}},
		{"skewed", topology.GenerateOptions{Pools: 200 / div, Depth: 10, FanOut: 20, AllocationsPerPool: 4, Seed: 1, Skew: true}},
		{"large", topology.GenerateOptions{Pools: 2000 / largeDiv, Depth: 3, FanOut: 10, AllocationsPerPool: 4, Seed: 1}},
	}
}

// BenchmarkStrategies tears the same plans down with the five strategies on the same emulator settings and
// prints one table. The default is the short form (about 2.5 minutes on 2 cores): delays divided by ten (QPS
// multiplied by ten), a fifth of the 1,000-resource trees and a tenth of the 10,000-resource one; -full runs
// the real sizes at real time. Ratios, calls and retries are the figures to compare; no time is asserted. Run it with:
//
//	go test ./internal/bench -run XXX -bench Strategies -benchtime 1x [-args [-full] [-timeline DIR]]
func BenchmarkStrategies(b *testing.B) {
	base, cases := strategyCases()
	var table strings.Builder
	fmt.Fprintf(&table, "| case | tail | strategy | steps | wall | execute | L | execute / L | calls | min calls | calls / min | retries | dependency errors | peak heap |\n")
	fmt.Fprintf(&table, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range cases {
		topo, err := topology.Generate(c.o)
		if err != nil {
			b.Fatal(err)
		}
		for _, tail := range []bool{false, true} {
			s := base
			s.tail = tail
			for _, name := range strategyNames {
				sub := fmt.Sprintf("%s/tail=%t/%s", c.name, tail, name)
				b.Run(sub, func(b *testing.B) {
					var r result
					for b.Loop() {
						b.StopTimer()
						r = runStrategy(b, name, topo, s)
						b.StartTimer()
					}
					b.ReportMetric(r.wall.Seconds(), "wall-s")
					b.ReportMetric(r.bound.Seconds(), "L-s")
					b.ReportMetric(r.wall.Seconds()/r.bound.Seconds(), "wall/L")
					b.ReportMetric(r.execute.Seconds()/r.bound.Seconds(), "execute/L")
					b.ReportMetric(float64(r.calls), "calls")
					b.ReportMetric(float64(r.minCalls), "min-calls")
					b.ReportMetric(float64(r.retries), "retries")
					b.ReportMetric(float64(r.peakHeap)/(1<<20), "peak-heap-MB")
					fmt.Fprintf(&table, "| %s | %s | %s | %d | %.2f s | %.2f s | %.2f s | %.2f | %d | %d | %.2f | %d | %d | %.0f MB |\n",
						c.name, s.tailName(), name, r.steps, r.wall.Seconds(), r.execute.Seconds(), r.bound.Seconds(), r.execute.Seconds()/r.bound.Seconds(),
						r.calls, r.minCalls, float64(r.calls)/float64(r.minCalls), r.retries, r.depErrors, float64(r.peakHeap)/(1<<20))
				})
			}
		}
	}
	fmt.Fprintf(os.Stdout, "\nscale 1/%g\n%s", base.scale, table.String())
}

// windows is the window the emulator gives the resource of each step (ipamsim.Sim.DeleteWindow); a share
// disassociation of several resources lasts as long as the slowest.
func windows(sim *ipamsim.Sim) func(st *plans.Step) time.Duration {
	return func(st *plans.Step) time.Duration {
		if st.Action != "DisassociateResourceShare" {
			return sim.DeleteWindow(st.ResourceID)
		}
		var w time.Duration
		for k, v := range st.Params {
			if strings.HasSuffix(k, ".ResourceId") || strings.HasPrefix(k, "Targets.") {
				w = max(w, sim.DeleteWindow(ipamsim.ShareWindowKey(st.Params["ResourceShareId"], v)))
			}
		}
		return w
	}
}
