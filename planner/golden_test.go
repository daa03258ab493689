package planner_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
	"github.com/ipam-teardown/ipam-teardown/planner"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

var update = flag.Bool("update", false, "rewrite the golden plans and renderings under testdata/golden")

// TestGoldenPlans writes the plan of each example topology (emulator on a fixed clock, so ids, times and the
// inventory fingerprint are stable) and compares it with testdata/golden/<topology>.plan.json: a change of
// the planner's output shows as a diff a reviewer can read. go test ./planner -run TestGoldenPlans -update
// accepts it.
func TestGoldenPlans(t *testing.T) {
	t.Parallel()
	epoch := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	for _, path := range topologies(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			topo, err := topology.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			opts := topo.Options()
			opts.Now = func() time.Time { return epoch }
			sim, err := ipamsim.New(opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := topology.Apply(t.Context(), sim, topo); err != nil {
				t.Fatal(err)
			}
			api := &invokeAPI{sim: sim, account: ipamsim.DefaultAccount, region: "cn-hangzhou", log: &callLog{}}
			snap, err := collect.Collect(t.Context(), api, inventory.Selector{All: true}, collect.Options{Parallelism: 1, Now: func() time.Time { return epoch }})
			if err != nil {
				t.Fatal(err)
			}
			p, err := planner.Build(snap, planner.Options{PlanID: "plan-golden", ToolVersion: "golden", Now: func() time.Time { return epoch }})
			if err != nil {
				t.Fatal(err)
			}
			got, err := plans.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			assertGolden(t, filepath.Join("testdata", "golden", name+".plan.json"), got)
			// Every renderer on the same plan: what a reviewer sees in a terminal, a pull request or a graph
			// viewer changes only with a diff here.
			for _, format := range plans.Formats() {
				if format == "json" {
					continue // the plan file itself, compared above
				}
				var buf bytes.Buffer
				if err := plans.Render(&buf, p, format); err != nil {
					t.Fatalf("render %s: %v", format, err)
				}
				assertGolden(t, filepath.Join("testdata", "golden", name+"."+renderExt[format]), buf.Bytes())
			}
		})
	}
}

// renderExt is the golden file extension of each renderer.
var renderExt = map[string]string{"text": "txt", "markdown": "md", "dot": "dot", "mermaid": "mmd"}

// assertGolden compares got with the golden file, or rewrites the file under -update.
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
		t.Fatalf("%v (go test ./planner -run TestGoldenPlans -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (-want +got; -update accepts it):\n%s", golden, cmp.Diff(string(want), string(got)))
	}
}
