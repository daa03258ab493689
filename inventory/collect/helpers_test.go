package collect_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect/collecttest"
)

const (
	owner    = "1000000000000001"
	apps     = "1000000000000002"
	hangzhou = "cn-hangzhou"
)

// epoch is the emulator's clock in the in-process tests, so creation times and golden files are stable.
var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// simAPI is collect.API over the emulator in process.
type simAPI = collecttest.SimAPI

// newSim builds an emulator with the topology applied, ids seeded and the clock at epoch.
func newSim(t testing.TB, topo *topology.Topology) (*ipamsim.Sim, topology.Refs) {
	t.Helper()
	opts := topo.Options()
	opts.IDSeed = 1
	opts.Now = func() time.Time { return epoch }
	sim, err := ipamsim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := topology.Apply(context.Background(), sim, topo)
	if err != nil {
		t.Fatal(err)
	}
	return sim, refs
}

func loadTopology(t testing.TB, name string) *topology.Topology {
	t.Helper()
	topo, err := topology.Load("../../testdata/topologies/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return topo
}

func collectAll(t testing.TB, api collect.API, sel inventory.Selector) *inventory.Snapshot {
	t.Helper()
	snap, err := collect.Collect(context.Background(), api, sel, collect.Options{Now: func() time.Time { return epoch.Add(time.Hour) }})
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return snap
}

func poolByName(t testing.TB, pools []inventory.Pool, name string) inventory.Pool {
	t.Helper()
	for _, p := range pools {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no pool %q", name)
	return inventory.Pool{}
}
