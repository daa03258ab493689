package inventory_test

import (
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect/collecttest"
)

// The model's tests read snapshots collected from the emulator in process, so that canonical JSON,
// fingerprints and text are checked on what the collector really produces. Only the tests link the
// collector; package inventory itself does not (TestModelLinksNoSDK).

const (
	owner    = "1000000000000001"
	apps     = "1000000000000002"
	hangzhou = "cn-hangzhou"
)

// The emulator in process, the example topologies and a collection: shared with the other package's tests
// through collecttest.

// simAPI is collect.API over the emulator in process.
type simAPI = collecttest.SimAPI

func newSim(t testing.TB, topo *topology.Topology) (*ipamsim.Sim, topology.Refs) {
	t.Helper()
	return collecttest.NewSim(t, topo)
}

func loadTopology(t testing.TB, name string) *topology.Topology {
	t.Helper()
	return collecttest.Topology(t, name)
}

func collectAll(t testing.TB, api collect.API, sel inventory.Selector) *inventory.Snapshot {
	t.Helper()
	return collecttest.CollectAll(t, api, sel)
}
