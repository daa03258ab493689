package inventory_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/inventory"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestCanonicalAndFingerprint(t *testing.T) {
	t.Parallel()
	sim, _ := newSim(t, loadTopology(t, "sandbox.yaml"))
	snap := collectAll(t, &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}, inventory.Selector{All: true})
	base, err := snap.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	fp := snap.Fingerprint()
	if !strings.HasPrefix(fp, "sha256:") || len(fp) != len("sha256:")+64 {
		t.Fatalf("fingerprint %q", fp)
	}

	// Order does not matter.
	shuffled, _ := inventory.ReadSnapshot(bytes.NewReader(base), "base")
	slices.Reverse(shuffled.IPAMs[0].Pools)
	slices.Reverse(shuffled.IPAMs[0].Scopes)
	slices.Reverse(shuffled.IPAMs[0].Pools[0].Allocations)
	slices.Reverse(shuffled.IPAMs[0].Members)
	if got, _ := shuffled.CanonicalJSON(); !bytes.Equal(got, base) {
		t.Error("CanonicalJSON depends on slice order")
	}
	// When and how it was selected do not change the fingerprint.
	other, _ := inventory.ReadSnapshot(bytes.NewReader(base), "base")
	other.CollectedAt = other.CollectedAt.Add(48 * time.Hour)
	other.Selector = inventory.Selector{Name: "sandbox"}
	if other.Fingerprint() != fp {
		t.Error("fingerprint depends on CollectedAt or Selector")
	}
	// What teardown depends on does.
	changes := map[string]func(s *inventory.Snapshot){
		"pool status":     func(s *inventory.Snapshot) { s.IPAMs[0].Pools[0].Status = "Deleting" },
		"allocation gone": func(s *inventory.Snapshot) { s.IPAMs[0].Pools[0].Allocations = s.IPAMs[0].Pools[0].Allocations[1:] },
		"tag":             func(s *inventory.Snapshot) { s.IPAMs[0].Tags["env"] = "prod" },
		"share":           func(s *inventory.Snapshot) { s.Shares = nil },
		"member":          func(s *inventory.Snapshot) { s.IPAMs[0].Members[0].Status = "Deleted" },
		"account":         func(s *inventory.Snapshot) { s.AccountID = apps },
	}
	for name, change := range changes {
		s, _ := inventory.ReadSnapshot(bytes.NewReader(base), "base")
		change(s)
		if s.Fingerprint() == fp {
			t.Errorf("%s: fingerprint unchanged", name)
		}
	}
}

func TestReadSnapshot(t *testing.T) {
	t.Parallel()
	sim, _ := newSim(t, loadTopology(t, "sandbox.yaml"))
	snap := collectAll(t, &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}, inventory.Selector{OlderThan: inventory.Duration(36 * time.Minute), Tags: map[string]string{"env": "sandbox"}})
	data, err := snap.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"older_than": "36m0s"`)) {
		t.Errorf("older_than not a duration string:\n%s", data[:400])
	}
	back, err := inventory.ReadSnapshot(bytes.NewReader(data), "snap.json")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(snap, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	bad := []struct{ name, from, to, want string }{
		{"unknown field", `"region":`, `"regoin": "x", "region":`, `unknown field "regoin"`},
		{"dangling parent", `"parent_id": "` + snap.IPAMs[0].Pools[1].ParentID, `"parent_id": "ipam-pool-missing`, "parent_id"},
		{"bad duration", `"36m0s"`, `"36 minutes"`, "36 minutes"},
		{"no region", `"region": "cn-hangzhou"`, `"region": ""`, "region: empty"},
	}
	for _, b := range bad {
		in := strings.Replace(string(data), b.from, b.to, 1)
		if in == string(data) {
			t.Fatalf("%s: test edit did not apply", b.name)
		}
		_, err := inventory.ReadSnapshot(strings.NewReader(in), "snap.json")
		if err == nil || !strings.Contains(err.Error(), b.want) || !strings.Contains(err.Error(), "snap.json") {
			t.Errorf("%s: err = %v, want it to name snap.json and %q", b.name, err, b.want)
		}
	}
}

func TestWriteTextGolden(t *testing.T) {
	t.Parallel()
	sim, _ := newSim(t, loadTopology(t, "multi-account.yaml"))
	snap := collectAll(t, &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}, inventory.Selector{All: true})
	var buf bytes.Buffer
	if err := inventory.WriteText(&buf, snap); err != nil {
		t.Fatal(err)
	}
	golden := "testdata/multi-account-owner.txt"
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./inventory -run WriteText -update)", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("WriteText (-golden +got):\n%s", diff)
	}
}

// TestFingerprintIsTheCanonicalHash: the fingerprint is the sha256 of the canonical JSON without CollectedAt
// and Selector, and neither it nor CanonicalJSON changes the snapshot they read.
func TestFingerprintIsTheCanonicalHash(t *testing.T) {
	t.Parallel()
	sim, _ := newSim(t, loadTopology(t, "multi-account.yaml"))
	snap := collectAll(t, &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}, inventory.Selector{Name: "core"})
	slices.Reverse(snap.IPAMs[0].Pools)
	before := fmt.Sprintf("%+v", *snap)

	fp := snap.Fingerprint()
	if _, err := snap.CanonicalJSON(); err != nil {
		t.Fatal(err)
	}
	if after := fmt.Sprintf("%+v", *snap); after != before {
		t.Error("Fingerprint or CanonicalJSON changed the snapshot")
	}
	bare := *snap
	bare.CollectedAt = time.Time{}
	bare.Selector = inventory.Selector{}
	bare.IPAMs = slices.Clone(snap.IPAMs)
	bare.IPAMs[0].Pools = slices.Clone(snap.IPAMs[0].Pools)
	for i := range bare.IPAMs[0].Pools {
		p := &bare.IPAMs[0].Pools[i] // core's pools set no allocation masks, auto-import or descriptions
		p.Ipv6Isp, p.AllocationMaxMask = "", 0
	}
	data, err := bare.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if want := "sha256:" + hex.EncodeToString(sum[:]); fp != want {
		t.Errorf("Fingerprint = %s, want %s", fp, want)
	}
}

// BenchmarkFingerprint hashes the snapshot of the 11,920-resource generated topology.
func BenchmarkFingerprint(b *testing.B) {
	topo, err := topology.Generate(topology.GenerateOptions{Pools: 2000, Depth: 2, FanOut: 24, AllocationsPerPool: 3, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	sim, _ := newSim(b, topo)
	snap := collectAll(b, &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}, inventory.Selector{All: true})
	b.ReportAllocs()
	for b.Loop() {
		_ = snap.Fingerprint()
	}
}
