package collect_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
)

func collectWith(t testing.TB, api collect.API) *inventory.Snapshot {
	t.Helper()
	snap, err := collect.Collect(context.Background(), api, inventory.Selector{All: true}, collect.Options{Now: func() time.Time { return epoch }})
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return snap
}

// TestCollectOverHTTPUnderThrottling: the SDK over real HTTP with 30% of calls throttled yields the same
// snapshot as without faults, and the same resources as the in-process path.
func TestCollectOverHTTPUnderThrottling(t *testing.T) {
	generated, err := topology.Generate(topology.GenerateOptions{Pools: 320, Depth: 2, FanOut: 50, AllocationsPerPool: 1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		topo *topology.Topology
	}{{"sandbox", loadTopology(t, "sandbox.yaml")}, {"multi-account", loadTopology(t, "multi-account.yaml")}, {"320 pools", generated}} {
		t.Run(tc.name, func(t *testing.T) {
			topo := tc.topo
			sim, _ := newSim(t, topo)
			hs := simtest.Serve(t, sim)
			srv := hs.Wire
			c := sdkClient(t, hs, owner, -1)
			clean := collectWith(t, c)
			cleanCalls := len(srv.Calls())

			srv.SetFaults([]wire.FaultRule{{Throttle: 0.3}})
			throttled := collectWith(t, c)
			log := srv.Calls()[cleanCalls:]
			calls, refused := len(log), throttledCalls(log)
			if refused < calls/5 {
				t.Fatalf("%d of %d calls throttled; want about 30%%", refused, calls)
			}
			a, _ := clean.CanonicalJSON()
			b, _ := throttled.CanonicalJSON()
			if !bytes.Equal(a, b) || clean.Fingerprint() != throttled.Fingerprint() {
				t.Errorf("the snapshot under 30%% throttling differs from the clean one")
			}
			t.Logf("%d of %d calls throttled; fingerprint %s", refused, calls, clean.Fingerprint())

			// The in-process collection finds the same resources, allocation names included (the typed
			// v1.0.3 models lack them; cloudapi returns the whole answer).
			direct := collectWith(t, &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou})
			if direct.Fingerprint() != clean.Fingerprint() {
				x, _ := direct.CanonicalJSON()
				t.Errorf("HTTP and in-process snapshots differ:\n%s\n---\n%s", a, x)
			}
		})
	}
}

func TestCollectOverHTTPConsumerView(t *testing.T) {
	topo := loadTopology(t, "multi-account.yaml")
	sim, refs := newSim(t, topo)
	hs := simtest.Serve(t, sim)
	own := collectWith(t, sdkClient(t, hs, owner, -1))
	con := collectWith(t, sdkClient(t, hs, apps, -1))
	if own.AccountID != owner || con.AccountID != apps {
		t.Fatalf("accounts %s %s", own.AccountID, con.AccountID)
	}
	if len(own.IPAMs) != 1 || len(con.IPAMs) != 0 || len(con.SharedPools) != 1 || len(own.SharedPools) != 0 {
		t.Fatalf("owner: %d IPAMs %d shared pools; consumer: %d IPAMs %d shared pools", len(own.IPAMs), len(own.SharedPools), len(con.IPAMs), len(con.SharedPools))
	}
	if sp := con.SharedPools[0]; sp.ID != refs["pool/shared-apps"] || !sp.IsShared || sp.OwnerID != owner {
		t.Errorf("consumer's shared pool %+v", sp)
	}
	if own.Fingerprint() == con.Fingerprint() {
		t.Error("owner and consumer fingerprints are equal")
	}
}

// BenchmarkCollect collects generated topologies (300 pools and 2,300 resources; 2,000 pools and 11,920
// resources) through the SDK over HTTP with an emulator latency of 5 ms per call. It reports the calls made and the ratio of the wall time to the bound
// max(depth x latency, calls / QPS, calls x latency / parallelism): depth is the longest chain of calls that
// must follow one another (Sts, the ListIpams pages, then the longest listing of each phase).
func BenchmarkCollect(b *testing.B) {
	const latency = 5 * time.Millisecond
	small, err := topology.Generate(topology.GenerateOptions{Pools: 300, Depth: 2, FanOut: 20, AllocationsPerPool: 2, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	large, err := topology.Generate(topology.GenerateOptions{Pools: 2000, Depth: 2, FanOut: 24, AllocationsPerPool: 3, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		topo *topology.Topology
		qps  float64
	}{{"300pools/qps=200", small, 200}, {"300pools/qps=inf", small, -1}, {"10k/qps=inf", large, -1}} {
		b.Run(bc.name, func(b *testing.B) {
			sim, _ := newSim(b, bc.topo)
			hs := simtest.Serve(b, sim, simtest.WithFaults(3, wire.FaultRule{Latency: latency}))
			c := sdkClient(b, hs, owner, bc.qps)
			counter := &countingAPI{API: c}
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				counter.reset()
				snap, err := collect.Collect(context.Background(), counter, inventory.Selector{All: true}, collect.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if len(snap.IPAMs) != 1 {
					b.Fatalf("IPAMs %d", len(snap.IPAMs))
				}
			}
			wall := time.Since(start) / time.Duration(b.N)
			calls, depth := counter.stats()
			bound := max(time.Duration(depth)*latency, time.Duration(calls)*latency/collect.DefaultParallelism)
			if bc.qps > 0 {
				bound = max(bound, time.Duration(float64(calls)/bc.qps*float64(time.Second)))
			}
			b.ReportMetric(float64(calls), "calls/op")
			b.ReportMetric(float64(depth), "depth")
			b.ReportMetric(float64(bound)/float64(time.Millisecond), "bound-ms")
			b.ReportMetric(float64(wall)/float64(bound), "x-bound")
		})
	}
}
