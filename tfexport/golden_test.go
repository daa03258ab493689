package tfexport_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect/collecttest"
	"github.com/ipam-teardown/ipam-teardown/tfexport"
)

// generated is a generated topology (three-level trees, allocations, shared pools with VPCs in a consumer
// account) with what the examples lack: a pool whose pool region is not the IPAM's, with an allocation (a
// provider alias), a public IPv6 tree below an ISP block (netmask_length, cidr_mask), names that make the same
// Terraform name, and a description with template sequences. (An account's
// own custom discovery cannot be in the region of its IPAM, whose default discovery is the region's one:
// sandbox's is in cn-beijing, exported from there.)
func generated(t testing.TB) *topology.Topology {
	t.Helper()
	topo, err := topology.Generate(topology.GenerateOptions{Pools: 7, Depth: 3, FanOut: 2, AllocationsPerPool: 1, Shared: true, Seed: 24})
	if err != nil {
		t.Fatal(err)
	}
	acct := topo.Accounts[0]
	ip := acct.IPAMs[0]
	ip.OperatingRegions = []string{"cn-hangzhou", "cn-shanghai"}
	ip.Pools = append(ip.Pools,
		&topology.Pool{Name: "edge-sh", Description: "Shanghai edge ${var.x} %{if true}", Region: "cn-shanghai",
			CIDRs: []string{"192.168.0.0/16"}, AllocationMinMask: 20, Tags: topology.Tags{"tier": "edge", "cost-center": "ops:1"},
			Allocations: []*topology.Allocation{{Name: "edge-reserved", Description: "Kept for the edge", CIDR: "192.168.0.0/24"}}},
		&topology.Pool{Name: "dup-name", CIDRs: []string{"192.169.0.0/16"}},
		&topology.Pool{Name: "dup_name", CIDRs: []string{"192.170.0.0/16"}},
		&topology.Pool{Name: "public-v6", Scope: topology.ScopeDefaultPublic, IPVersion: "IPv6", Region: "cn-hangzhou", ISP: "BGP",
			Netmasks: []int{48}, Children: []*topology.Pool{{Name: "public-v6-child", Netmasks: []int{52},
				Allocations: []*topology.Allocation{{Name: "v6-reserved", Mask: 56}}}}},
	)
	return topo
}

type exportCase struct {
	name string
	snap *inventory.Snapshot
}

func exportCases(t *testing.T) []exportCase {
	t.Helper()
	return []exportCase{
		{"sandbox", snapshotOf(t, collecttest.Topology(t, "sandbox.yaml"))},
		{"multi-account", snapshotOf(t, collecttest.Topology(t, "multi-account.yaml"))},
		{"sandbox-cn-beijing", snapshotIn(t, collecttest.Topology(t, "sandbox.yaml"), "cn-beijing")},
		{"generated", generatedSnapshot(t)},
	}
}

// generatedSnapshot is the snapshot of generated, with the name of pool-00001 (whose VPC allocation is listed
// in the header's comment) given what the emulator's topology refuses and the service may not: line breaks,
// and configuration after one. It must stay inside its comment and its string.
func generatedSnapshot(t *testing.T) *inventory.Snapshot {
	snap := snapshotOf(t, generated(t))
	for i, p := range snap.IPAMs[0].Pools {
		if p.Name == "pool-00001" {
			snap.IPAMs[0].Pools[i].Name = "line\nbreak\nresource \"x\" \"y\" {}"
		}
	}
	return snap
}

// TestExportGolden compares the export of both example topologies and a generated one, in both modes, with
// testdata/<topology>.<mode>.tf, checks it (checkExport) and that a second export gives the same bytes.
// go test ./tfexport -run TestExportGolden -update accepts a change.
func TestExportGolden(t *testing.T) {
	t.Parallel()
	for _, c := range exportCases(t) {
		for _, mode := range []tfexport.Mode{tfexport.Recreate, tfexport.Adopt} {
			t.Run(c.name+"/"+string(mode), func(t *testing.T) {
				t.Parallel()
				e, err := tfexport.Build(c.snap, mode)
				if err != nil {
					t.Fatal(err)
				}
				got := e.File()
				assertGolden(t, filepath.Join("testdata", c.name+"."+string(mode)+".tf"), got)
				checkExport(t, c.snap, mode, map[string][]byte{"main.tf": got}, e.Omitted)
				again, err := tfexport.Build(c.snap, mode)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(again.File(), got) {
					t.Error("a second export of the same snapshot gave other bytes")
				}
			})
		}
	}
}

// TestExportSplit: -o DIR's files (providers.tf, a file per IPAM, discoveries.tf) are one module that holds
// the same resources as the single file, and the omissions of each IPAM head its own file.
func TestExportSplit(t *testing.T) {
	t.Parallel()
	for _, c := range exportCases(t) {
		for _, mode := range []tfexport.Mode{tfexport.Recreate, tfexport.Adopt} {
			t.Run(c.name+"/"+string(mode), func(t *testing.T) {
				t.Parallel()
				e, err := tfexport.Build(c.snap, mode)
				if err != nil {
					t.Fatal(err)
				}
				files := map[string][]byte{}
				for _, f := range e.Files() {
					files[f.Name] = f.Data
				}
				if _, ok := files["providers.tf"]; !ok {
					t.Fatalf("no providers.tf among %d files", len(files))
				}
				for _, ip := range c.snap.IPAMs {
					if _, ok := files[snakeForTest(ip.Name)+".tf"]; !ok {
						t.Errorf("no file for IPAM %s", ip.Name)
					}
				}
				split := checkExport(t, c.snap, mode, files, e.Omitted)
				single := checkExport(t, c.snap, mode, map[string][]byte{"main.tf": e.File()}, e.Omitted)
				if strings.Join(split, "\n") != strings.Join(single, "\n") {
					t.Errorf("the files hold other resources than the single file:\n%v\n%v", split, single)
				}
				for _, o := range e.Omitted {
					if o.IPAMID == "" {
						continue
					}
					found := false
					for name, data := range files {
						if name != "providers.tf" && bytes.Contains(data, []byte(o.What)) {
							found = true
						}
					}
					if !found {
						t.Errorf("omission %q is in no IPAM's file", o.What)
					}
				}
			})
		}
	}
}

func snakeForTest(s string) string {
	return strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, strings.ToLower(s)), "_")
}

// TestExportTerraformFmt runs terraform fmt -check on the golden files and on the files of split exports, when
// the Terraform CLI is on PATH (fmt needs no provider); it is skipped where it is not.
func TestExportTerraformFmt(t *testing.T) {
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("terraform is not on PATH")
	}
	goldens, err := filepath.Glob(filepath.Join("testdata", "*.tf"))
	if err != nil || len(goldens) == 0 {
		t.Fatalf("no golden files (%v)", err)
	}
	dir := t.TempDir()
	for _, g := range goldens {
		data, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(g)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// And the files of -o DIR/, written by the same code in other pieces.
	for _, c := range exportCases(t) {
		e, err := tfexport.Build(c.snap, tfexport.Adopt)
		if err != nil {
			t.Fatal(err)
		}
		sub := filepath.Join(dir, c.name)
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range e.Files() {
			if err := os.WriteFile(filepath.Join(sub, f.Name), f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cmd := exec.Command(tf, "fmt", "-check", "-diff", "-recursive", dir)
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+os.DevNull, "CHECKPOINT_DISABLE=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("terraform fmt -check: %v\n%s", err, out)
	}
}
