package cloudapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/bench"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect/collecttest"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

const (
	capOwner  = "1000000000000001" // the first account topology.Generate makes
	capRegion = "cn-hangzhou"
	capQPS    = 50 // the emulator's per-account cap
)

// startCapped serves a generated topology of about pools pools and returns it with the snapshot an
// unlimited client collects from it before any cap is set (the reference), then caps the account at capQPS.
func startCapped(t testing.TB, pools int) (*simtest.Server, *inventory.Snapshot) {
	t.Helper()
	topo, err := topology.Generate(topology.GenerateOptions{Pools: pools, Depth: 3, FanOut: 6, AllocationsPerPool: 1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	s := simtest.StartTopology(t, topo)
	ref, err := collect.Collect(context.Background(), newClient(t, s, cloudapi.Config{QPS: -1}), inventory.Selector{All: true}, collect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Wire.SetFaults([]wire.FaultRule{{QPS: capQPS}})
	return s, ref
}

// newClient is a client of the emulator s as capOwner, whose key goes into the config rather than the
// environment (t.Setenv would forbid t.Parallel).
func newClient(t testing.TB, s *simtest.Server, cfg cloudapi.Config) *cloudapi.Client {
	t.Helper()
	key := s.Credential(t, capOwner)
	cfg.Region, cfg.Endpoint, cfg.Logger = capRegion, s.URL, zerolog.Nop()
	cfg.AccessKey = cloudapi.AccessKey{ID: key.AccessKeyID, Secret: key.AccessKeySecret}
	c, err := cloudapi.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// collectAuto collects through a client with the adaptive rate and returns the snapshot, the client and the
// calls the emulator answered meanwhile.
func collectAuto(t testing.TB, s *simtest.Server) (*inventory.Snapshot, *cloudapi.Client, []wire.Call) {
	t.Helper()
	before := len(s.Wire.Calls())
	c := newClient(t, s, cloudapi.Config{QPSAuto: true})
	snap, err := collect.Collect(context.Background(), c, inventory.Selector{All: true}, collect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return snap, c, s.Wire.Calls()[before:]
}

func throttled(calls []wire.Call) int {
	n := 0
	for _, c := range calls {
		if c.Code == "Throttling.User" {
			n++
		}
	}
	return n
}

// TestAutoQPSUnderAnAccountCap: against an account capped at 50 calls a second, a collection through the
// adaptive rate completes, collects what an unlimited client does, and is throttled on under 5 % of its calls.
// (How long it takes against calls / 50 is BenchmarkAutoQPSUnderAnAccountCap's: a test does not time.) About
// 150 pools, some 300 calls: about three times as long as the slow start takes to reach the cap, and half
// the benchmark's size, which the assertions do not need.
func TestAutoQPSUnderAnAccountCap(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("some 300 calls at 50 calls a second")
	}
	s, ref := startCapped(t, 150)
	snap, c, calls := collectAuto(t, s)
	if diff := cmp.Diff(ref, snap, cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "CollectedAt" }, cmp.Ignore())); diff != "" {
		t.Errorf("the capped collection differs from the unlimited one (-want +got):\n%s", diff)
	}
	n := throttled(calls)
	t.Logf("%d calls, %d throttled (%.1f %%), the rate ended at %.1f calls/s", len(calls), n, 100*float64(n)/float64(len(calls)), c.Rate())
	if n == 0 {
		t.Errorf("no call throttled: the cap of %d calls/s was never reached, the test proves nothing", capQPS)
	}
	if float64(n) >= 0.05*float64(len(calls)) {
		t.Errorf("%d of %d calls throttled, want under 5 %%", n, len(calls))
	}
	if r := c.Rate(); r <= cloudapi.AutoQPSStart || r > 4*capQPS {
		t.Errorf("the rate ended at %.1f calls/s, want it above where it started (%v) and near the cap (%d)", r, cloudapi.AutoQPSStart, capQPS)
	}
}

// reportCapped reports a capped run's wall time against answered / 50 s, where answered are the calls the
// cap let through (the time they take at the cap exactly; the goal is at most 1.25 of it), and the share of
// all its calls that were throttled.
func reportCapped(b *testing.B, wall time.Duration, calls []wire.Call) {
	n := throttled(calls)
	bound := float64(len(calls)-n) / capQPS
	b.ReportMetric(float64(len(calls)), "calls")
	b.ReportMetric(wall.Seconds(), "wall-s")
	b.ReportMetric(bound, "bound-s")
	b.ReportMetric(wall.Seconds()/bound, "wall/(answered/50)")
	b.ReportMetric(100*float64(n)/float64(len(calls)), "%throttled")
}

// BenchmarkAutoQPSUnderAnAccountCap: a collection of about 300 pools with --qps auto, the account capped at
// 50 calls a second. Run it with:
//
//	go test ./internal/cloudapi -run XXX -bench AutoQPS -benchtime 1x
func BenchmarkAutoQPSUnderAnAccountCap(b *testing.B) {
	b.Run("inventory", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			s, _ := startCapped(b, 300)
			time.Sleep(time.Second) // the emulator's bucket full again, as an account idle before the run
			b.StartTimer()
			start := time.Now()
			_, _, calls := collectAuto(b, s)
			reportCapped(b, time.Since(start), calls)
		}
	})
	b.Run("apply", func(b *testing.B) {
		topo, err := topology.Generate(topology.GenerateOptions{Pools: 60, Depth: 3, FanOut: 4, AllocationsPerPool: 3, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		for range b.N {
			b.StopTimer()
			s := simtest.StartTopology(b, topo, simtest.WithDeleteDelay(50*time.Millisecond))
			s.SetCredentialsEnv(b, capOwner)
			local := &collecttest.SimAPI{Sim: s.Sim, AccountID: capOwner, RegionID: capRegion}
			p := bench.Plan(b, local, inventory.Selector{All: true})
			s.Wire.SetFaults([]wire.FaultRule{{QPS: capQPS}})
			time.Sleep(time.Second)
			before := len(s.Wire.Calls())
			api := newClient(b, s, cloudapi.Config{QPSAuto: true})
			opts := executor.Options{Parallelism: 32, PollInterval: 20 * time.Millisecond, PollMax: 200 * time.Millisecond,
				JournalPath: b.TempDir() + "/journal",
				Replan: func(ctx context.Context) (*plans.Plan, error) {
					return bench.Plan(b, local, inventory.Selector{All: true}), nil
				}}
			b.StartTimer()
			start := time.Now()
			rep, err := executor.Apply(b.Context(), api, p, opts)
			wall := time.Since(start)
			if err != nil {
				b.Fatal(err)
			}
			if rep.Outcome != "done" {
				b.Fatalf("apply: outcome %s", rep.Outcome)
			}
			reportCapped(b, wall, s.Wire.Calls()[before:])
		}
	})
}
