package tfexport_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect/collecttest"
)

var update = flag.Bool("update", false, "rewrite the golden configurations under testdata/")

const (
	owner    = "1000000000000001"
	hangzhou = "cn-hangzhou"
)

// snapshotOf collects everything the owner account sees in cn-hangzhou from the emulator in process, with
// seeded ids and a fixed clock, so that the golden files are stable.
func snapshotOf(t testing.TB, topo *topology.Topology) *inventory.Snapshot {
	t.Helper()
	return snapshotIn(t, topo, hangzhou)
}

// snapshotIn is snapshotOf in another region.
func snapshotIn(t testing.TB, topo *topology.Topology, region string) *inventory.Snapshot {
	t.Helper()
	sim, _ := collecttest.NewSim(t, topo)
	return collecttest.CollectAll(t, &collecttest.SimAPI{Sim: sim, AccountID: owner, RegionID: region}, inventory.Selector{All: true})
}

// assertGolden compares got with the golden file, or rewrites it under -update.
func assertGolden(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./tfexport -update to write it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the export (go test ./tfexport -update accepts it):\n--- got\n%s", golden, got)
	}
}
