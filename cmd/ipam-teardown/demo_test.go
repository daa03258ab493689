package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/testdata/topologies"
)

// TestEmbeddedTopologies: the demo's embedded topologies are the repository's files, byte for byte. (The
// check lives here because go test ./... skips testdata directories.)
func TestEmbeddedTopologies(t *testing.T) {
	t.Parallel()
	names, err := filepath.Glob("../../testdata/topologies/*.yaml")
	if err != nil || len(names) == 0 {
		t.Fatalf("no topology files: %v", err)
	}
	for _, name := range names {
		want, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := topologies.File(filepath.Base(name))
		if err != nil {
			t.Fatalf("%s is not embedded: %v", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("the embedded %s differs from the file", filepath.Base(name))
		}
	}
	if want, _ := os.ReadFile("../../testdata/topologies/sandbox.yaml"); !bytes.Equal(topologies.Sandbox(), want) {
		t.Error("topologies.Sandbox() differs from sandbox.yaml")
	}
}

// TestDemo: demo exits 0, prints the plan, the summary and that the IPAM is gone, writes the report where
// asked, and neither reads nor prints a credential of the environment. (Needs the executor.)
func TestDemo(t *testing.T) {
	// Credentials in the environment that would fail against the emulator: the demo must not use them.
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-key-that-must-not-be-used")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret-that-must-not-be-printed")
	dir := t.TempDir()
	report := filepath.Join(dir, "report.json")
	stdout, stderr, err := runIn(t, t.Context(), strings.NewReader(""), "--log-format", "json", "demo",
		"--latency", "1ms", "--delete-delay", "50ms", "--out-dir", filepath.Join(dir, "out"), "--report", report)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "DeleteIpam") {
		t.Errorf("stdout lacks the plan:\n%s", stdout)
	}
	rep := readReport(t, report)
	// The report went to --report, and the lines that say where the files are say so (they named the out-dir).
	for _, want := range []string{"apply " + rep.PlanID + ": done", "DeleteIpamPool", "is gone", `"credentials":"static"`, "the report is in " + report} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for _, secret := range []string{"env-secret-that-must-not-be-printed", "sim-secret"} {
		if strings.Contains(stdout+stderr, secret) {
			t.Errorf("%q is printed", secret)
		}
	}
	if os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_ID") != "env-key-that-must-not-be-used" {
		t.Error("the demo changed the environment")
	}
	for _, f := range []string{"plan.json", "plan.json.journal"} {
		if _, err := os.Stat(filepath.Join(dir, "out", f)); err != nil {
			t.Errorf("out-dir: %v", err)
		}
	}
}

func TestDemoBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"demo", "--latency", "-1s"},
		{"demo", "--schedule", "x"},
		{"demo", "--parallelism", "0"},
		{"demo", "extra"},
	} {
		_, _, err := runIn(t, t.Context(), strings.NewReader(""), args...)
		if exitCode(err) != exitUsage {
			t.Errorf("%v: exit %d (%v), want %d", args, exitCode(err), err, exitUsage)
		}
	}
}
