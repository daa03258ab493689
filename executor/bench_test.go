package executor_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/bench"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect/collecttest"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// BenchmarkApply runs a whole apply (lock, drift check, dry run, execute) of a generated IPAM of about 1,000
// resources through the official SDK over HTTP, against an emulator answering every call after 50 ms and
// keeping deleted pools, scopes and IPAMs Deleting (and released allocations holding their CIDRs) for 50 ms,
// once per schedule. It reports the execute phase against the plan's bound (executor.Bound): the longest path
// of the DAG, or the calls over what the parallelism lets through, whichever is larger; and the calls against
// their minimum (executor.MinCalls). Run it with:
//
//	go test ./executor -run XXX -bench Apply -benchtime 2x
func BenchmarkApply(b *testing.B) {
	const latency, delay, parallelism = 50 * time.Millisecond, 50 * time.Millisecond, 32
	topo, err := topology.Generate(topology.GenerateOptions{Pools: 200, Depth: 3, FanOut: 4, AllocationsPerPool: 3, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	for _, schedule := range []executor.Schedule{executor.ScheduleReady, executor.ScheduleLevels} {
		b.Run(string(schedule), func(b *testing.B) {
			var exec, bound, wall time.Duration
			calls, minCalls, steps := 0, 0, 0
			for b.Loop() {
				b.StopTimer()
				srv := simtest.StartTopology(b, topo, simtest.WithDeleteDelay(delay),
					simtest.WithFaults(1, wire.FaultRule{Latency: latency}))
				srv.SetCredentialsEnv(b, ipamsim.DefaultAccount)
				region := topo.Accounts[0].IPAMs[0].Region
				local := &collecttest.SimAPI{Sim: srv.Sim, AccountID: ipamsim.DefaultAccount, RegionID: region}
				p := bench.Plan(b, local, inventory.Selector{All: true})
				bd := &bed{t: nil, srv: srv, region: region}
				api := bd.clientB(b)
				var execStart time.Time
				opts := executor.Options{Schedule: schedule, Parallelism: parallelism, PollInterval: 20 * time.Millisecond,
					PollMax: 200 * time.Millisecond, JournalPath: b.TempDir() + "/journal",
					Replan: func(ctx context.Context) (*plans.Plan, error) {
						return bench.Plan(b, local, inventory.Selector{IPAMIDs: planIPAMs(p)}), nil
					},
					OnEvent: func(e executor.Event) {
						if e.Kind == executor.EventPhase && e.Phase == "execute" {
							execStart = e.Time
						}
					}}
				b.StartTimer()
				start := time.Now()
				rep, err := executor.Apply(b.Context(), api, p, opts)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				wall += time.Since(start)
				exec += rep.End.Sub(execStart)
				bs := executor.BoundSettings{Latency: latency, DeleteDelay: delay, Parallelism: parallelism}
				bound += executor.Bound(p, bs)
				minCalls += executor.MinCalls(p)
				for _, kinds := range rep.Calls {
					for _, n := range kinds {
						calls += n
					}
				}
				steps += len(p.Steps)
				b.StartTimer()
			}
			n := float64(b.N)
			b.ReportMetric(wall.Seconds()/n, "wall-s/op")
			b.ReportMetric(exec.Seconds()/n, "execute-s/op")
			b.ReportMetric(bound.Seconds()/n, "bound-s/op")
			b.ReportMetric(exec.Seconds()/bound.Seconds(), "execute/bound")
			b.ReportMetric(float64(calls)/n, "calls/op")
			b.ReportMetric(float64(calls)/float64(minCalls), "calls/min")
			b.ReportMetric(float64(steps)/n, "steps/op")
		})
	}
}
