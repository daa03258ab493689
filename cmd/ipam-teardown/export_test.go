package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/tfexport"
)

// resourcesOf parses a configuration with hashicorp/hcl/v2 and returns its resource addresses and import ids.
func resourcesOf(t *testing.T, name string, data []byte) (resources map[string]bool, imports map[string]string) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig(data, name, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("%s does not parse: %v\n%s", name, diags, data)
	}
	resources, imports = map[string]bool{}, map[string]string{}
	for _, b := range f.Body.(*hclsyntax.Body).Blocks {
		switch b.Type {
		case "resource":
			resources[b.Labels[0]+"."+b.Labels[1]] = true
		case "import":
			to := b.Body.Attributes["to"].Expr.(*hclsyntax.ScopeTraversalExpr).Traversal
			id, _ := b.Body.Attributes["id"].Expr.Value(nil)
			imports[to.RootName()+"."+to[1].(hcl.TraverseAttr).Name] = id.AsString()
		}
	}
	return resources, imports
}

// TestExportCommand: export collects over HTTP with read calls only and writes the recreate configuration
// (no id of the IPAM), the same as export --from-inventory of a snapshot of it; adopt mode imports with the
// live ids, a pool CIDR as <poolId>#<cidr>; what the provider cannot express is listed on stderr; -o DIR/
// writes a file per IPAM and will not mix with .tf files already there.
func TestExportCommand(t *testing.T) {
	t.Parallel()
	url, refs, _, srv := startSandbox(t)
	dir := t.TempDir()
	live := []string{"--region", "cn-hangzhou", "--endpoint", url, "--log-format", "json"}
	ipam, corp := refs["ipam/sandbox"], refs["pool/corp"]

	file := filepath.Join(dir, "sandbox.tf")
	_, stderr, err := run(t, append(live, "export", "--qps", "1000", "--ipam", ipam, "-o", file)...)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	readOnly(t, srv.Calls())
	data := readFile(t, file)
	res, imports := resourcesOf(t, file, data)
	if !res["alicloud_vpc_ipam_ipam.sandbox"] || !res["alicloud_vpc_ipam_ipam_pool.corp"] || len(imports) != 0 {
		t.Errorf("recreate configuration: resources %v, %d imports", res, len(imports))
	}
	if bytes.Contains(data, []byte(ipam)) || bytes.Contains(data, []byte(corp)) {
		t.Error("recreate configuration holds a live id")
	}
	for _, want := range []string{"IPAM member fd-sandboxapps", "app-pool-share", "VPC allocation 10.1.16.0/20"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not list %q:\n%s", want, stderr)
		}
	}

	// From a snapshot: the bytes tfexport gives for it.
	snapPath := filepath.Join(dir, "snap.json")
	if _, stderr, err := run(t, append(live, "inventory", "--qps", "1000", "--ipam", ipam, "-o", snapPath)...); err != nil {
		t.Fatalf("inventory: %v\n%s", err, stderr)
	}
	stdout, stderr, err := run(t, "--log-format", "json", "export", "--from-inventory", snapPath)
	if err != nil {
		t.Fatalf("export --from-inventory: %v\n%s", err, stderr)
	}
	snap, err := readSnapshot(snapPath)
	if err != nil {
		t.Fatal(err)
	}
	e, err := tfexport.Build(snap, tfexport.Recreate)
	if err != nil {
		t.Fatal(err)
	}
	if stdout != string(e.File()) {
		t.Errorf("export --from-inventory wrote other bytes than tfexport for the snapshot:\n%s", stdout)
	}
	if afterHeader(stdout) != afterHeader(string(data)) {
		t.Error("the export of the snapshot and the live export differ below the header")
	}

	// Adopt.
	stdout, stderr, err = run(t, append(live, "export", "--qps", "1000", "--ipam", ipam, "--mode", "adopt")...)
	if err != nil {
		t.Fatalf("export --mode adopt: %v\n%s", err, stderr)
	}
	_, imports = resourcesOf(t, "adopt", []byte(stdout))
	if imports["alicloud_vpc_ipam_ipam.sandbox"] != ipam || imports["alicloud_vpc_ipam_ipam_pool_cidr.corp_10_0_0_0_8"] != corp+"#10.0.0.0/8" {
		t.Errorf("adopt imports: %v", imports)
	}

	// A directory.
	out := filepath.Join(dir, "tf") + "/"
	if _, stderr, err := run(t, append(live, "export", "--qps", "1000", "--ipam", ipam, "-o", out)...); err != nil {
		t.Fatalf("export -o DIR/: %v\n%s", err, stderr)
	}
	for _, name := range []string{"providers.tf", "sandbox.tf"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("-o DIR/: %v", err)
		}
	}

	// Bad input: exit 2, no call, and no directory made for -o DIR/ (it was made before the other checks).
	calls := len(srv.Calls())
	fresh := filepath.Join(dir, "fresh") + "/"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "--all", "--from-inventory", snapPath, "-o", fresh}, "--from-inventory"},
		{[]string{"export", "--from-inventory", filepath.Join(dir, "nosuch.json"), "-o", fresh}, "nosuch.json"},
		{[]string{"export", "--ipam", ipam, "--parallelism", "0", "-o", fresh}, "--parallelism"},
		{[]string{"export", "--from-inventory", snapPath, "-o", file + "/"}, "-o " + file + "/: is a file, not a directory"},
		{[]string{"export", "--from-inventory", snapPath, "-o", filepath.Join(file, "tf") + "/"}, file + " is a file, not a directory"},
		{[]string{"export", "--all", "--mode", "import"}, "--mode"},
		{[]string{"export", "--all", "-o", out}, "holds"},
		{[]string{"export", "--all", "--from-inventory", snapPath}, "--from-inventory"},
		{[]string{"export", "--from-inventory", filepath.Join(dir, "nosuch.json")}, "nosuch.json"},
		{[]string{"export", "--from-inventory", snapPath, "-o", snapPath}, "is the input"},
		{[]string{"export", "x"}, "no arguments"},
	} {
		_, _, err := run(t, append(live, tc.args...)...)
		if exitCode(err) != exitUsage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: exit %d (%v); want %d naming %q", tc.args, exitCode(err), err, exitUsage, tc.want)
		}
	}
	if n := len(srv.Calls()) - calls; n != 0 {
		t.Errorf("bad input made %d calls; want none", n)
	}
	if _, err := os.Stat(fresh); err == nil {
		t.Errorf("a refused export left the directory %s behind", fresh)
	}
}

// afterHeader drops the header comment, which names the collection time.
func afterHeader(s string) string {
	_, rest, _ := strings.Cut(s, "\nterraform {")
	return rest
}

// TestDestroyWritesRecreateConfig: destroy writes recreate.tf beside the plan, the configuration of what it
// deletes, and the report names it; --no-export writes none.
func TestDestroyWritesRecreateConfig(t *testing.T) {
	t.Parallel()
	for _, noExport := range []bool{false, true} {
		url, refs, _, _ := startSandbox(t)
		dir := filepath.Join(t.TempDir(), "audit")
		args := []string{"--region", "cn-hangzhou", "--endpoint", url, "--log-format", "json",
			"destroy", "--ipam", refs["ipam/sandbox"], "--yes", "--qps", "1000", "--out-dir", dir}
		if noExport {
			args = append(args, "--no-export")
		}
		_, stderr, err := runIn(t, t.Context(), strings.NewReader(""), args...)
		if err != nil {
			t.Fatalf("destroy (no-export %v): %v\n%s", noExport, err, stderr)
		}
		path := filepath.Join(dir, "recreate.tf")
		var rep struct {
			Outcome        string `json:"outcome"`
			RecreateConfig string `json:"recreate_config"`
		}
		if err := json.Unmarshal(readFile(t, filepath.Join(dir, "report.json")), &rep); err != nil {
			t.Fatal(err)
		}
		if noExport {
			if _, err := os.Stat(path); err == nil || rep.RecreateConfig != "" {
				t.Errorf("--no-export: recreate.tf written (%v), report names %q", err, rep.RecreateConfig)
			}
			continue
		}
		res, _ := resourcesOf(t, path, readFile(t, path))
		if !res["alicloud_vpc_ipam_ipam.sandbox"] || !res["alicloud_vpc_ipam_ipam_pool_allocation.db_reserved"] {
			t.Errorf("recreate.tf lacks the IPAM or an allocation: %v", res)
		}
		if rep.Outcome != "done" || rep.RecreateConfig != path {
			t.Errorf("report: outcome %q, recreate_config %q; want done, %s", rep.Outcome, rep.RecreateConfig, path)
		}
		if !strings.Contains(stderr, "recreate configuration saved to") {
			t.Errorf("stderr does not say where the recreate configuration is:\n%s", stderr)
		}
	}
}

// TestDestroyRecreateBeforeFirstMutation: when recreate.tf cannot be written (a directory is in its place),
// destroy stops having made read calls only: the configuration is written before the first mutating call,
// and no teardown runs without it.
func TestDestroyRecreateBeforeFirstMutation(t *testing.T) {
	t.Parallel()
	url, refs, sim, srv := startSandbox(t)
	dir := filepath.Join(t.TempDir(), "audit")
	if err := os.MkdirAll(filepath.Join(dir, "recreate.tf", "in-the-way"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, _, err := runIn(t, t.Context(), strings.NewReader(""), "--region", "cn-hangzhou", "--endpoint", url, "--log-format", "json",
		"destroy", "--ipam", refs["ipam/sandbox"], "--yes", "--qps", "1000", "--out-dir", dir)
	if err == nil || !strings.Contains(err.Error(), "recreate configuration") || !strings.Contains(err.Error(), "nothing was deleted") {
		t.Fatalf("destroy with recreate.tf unwritable: %v; want an error naming the recreate configuration", err)
	}
	readOnly(t, srv.Calls())
	if !strings.Contains(string(mustJSON(t, sim.DumpState())), refs["ipam/sandbox"]) {
		t.Error("the IPAM is gone")
	}
}

// TestCleanupApplyWritesRecreateConfig: cleanup --apply writes each IPAM's recreate configuration in a
// directory of its own beside its plan, and the report names it.
func TestCleanupApplyWritesRecreateConfig(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, "../../testdata/topologies/sandbox.yaml")
	useDefaultKey(t, s)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "cleanup.yaml")
	if err := os.WriteFile(cfg, []byte(cleanupSandbox), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "apply")
	_, stderr, err := run(t, "--endpoint", s.URL, "--log-format", "json", "cleanup", "--config", cfg, "--apply", "--out-dir", out)
	if err != nil {
		t.Fatalf("cleanup --apply: %v\n%s", err, stderr)
	}
	ir := readCleanupReport(t, filepath.Join(out, "report.json")).Accounts[0].Regions[0].IPAMs[0]
	want := strings.TrimSuffix(ir.Plan, ".plan.json") + ".recreate/main.tf"
	if ir.Outcome != "done" || ir.RecreateConfig != want {
		t.Fatalf("report: outcome %q, recreate_config %q; want done, %s", ir.Outcome, ir.RecreateConfig, want)
	}
	if res, _ := resourcesOf(t, want, readFile(t, want)); !res["alicloud_vpc_ipam_ipam.sandbox"] {
		t.Errorf("%s lacks the IPAM: %v", want, res)
	}
}
