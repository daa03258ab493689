package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
)

// TestOwnFilesAndExactSelectionBeforeAnyCall: an empty tag value, and every output path that would replace
// the plan, its journal, an input, another output of the same run, or an interrupted run's plan and journal
// (by any spelling, a link to the file or to its directory), exit 2 naming the flag; the emulator's call log
// shows no call at all, and the files are as they were.
func TestOwnFilesAndExactSelectionBeforeAnyCall(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, "../../testdata/topologies/sandbox.yaml")
	useDefaultKey(t, s)
	ipamID := s.Refs["ipam/sandbox"]
	plan := planSandbox(t, s.URL, ipamID)
	journal := plan + ".journal"
	// An interrupted run: a plan with its journal beside it.
	interrupted := planSandbox(t, s.URL, ipamID)
	writeTestFile(t, interrupted+".journal", `{"event":"open"}`+"\n")

	dir := t.TempDir()
	linkToPlan := filepath.Join(dir, "link.json")
	if err := os.Symlink(plan, linkToPlan); err != nil {
		t.Fatal(err)
	}
	linkToDir := filepath.Join(dir, "plandir")
	if err := os.Symlink(filepath.Dir(plan), linkToDir); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "cleanup.yaml")
	writeTestFile(t, cfg, cleanupSandbox)
	outDir := filepath.Join(dir, "out")
	if err := os.Mkdir(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "report.json")
	files := []string{plan, interrupted, interrupted + ".journal", cfg}
	before := map[string][]byte{}
	for _, f := range files {
		before[f] = readFile(t, f)
	}
	live := []string{"--region", "cn-hangzhou", "--endpoint", s.URL, "--log-format", "json"}

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"destroy --tag with an empty value", []string{"destroy", "--tag", "env=", "--yes"}, `--tag "env=": the value of "env" is empty`},
		{"plan --tag with an empty value", []string{"plan", "--tag", "env=", "-o", filepath.Join(dir, "p.json")}, `--tag "env="`},
		{"inventory --tag with an empty value", []string{"inventory", "--tag", "owner=", "--tag", "env=sandbox"}, `--tag "owner="`},
		// --protect-tag owner=$OWNER with OWNER unset protected nothing tagged owner=network-team: the IPAM
		// was deleted.
		{"destroy --protect-tag with an empty value", []string{"destroy", "--all", "--protect-tag", "owner=", "--yes"}, `--protect-tag "owner=": the value of "owner" is empty`},
		{"plan --protect-tag with a blank value", []string{"plan", "--all", "--protect-tag", "owner= ", "-o", filepath.Join(dir, "p.json")}, `--protect-tag "owner= "`},
		{"apply --report the plan", []string{"apply", plan, "--yes", "--report", plan}, "--report " + plan + ": is the input " + plan},
		{"apply --report the plan through a link", []string{"apply", plan, "--yes", "--report", linkToPlan}, "--report " + linkToPlan + ": is the input"},
		{"apply --report the plan through a linked directory", []string{"apply", plan, "--yes", "--report", filepath.Join(linkToDir, "plan.json")}, "is the input"},
		{"apply --report the journal", []string{"apply", plan, "--yes", "--report", journal}, "--report " + journal + ": is the same file as --journal"},
		{"apply --journal the plan", []string{"apply", plan, "--yes", "--journal", plan}, "--journal " + plan + ": is the input"},
		{"apply --journal and --report the same file", []string{"apply", plan, "--yes", "--journal", report, "--report", report}, "is the same file as --journal"},
		{"apply --report another interrupted plan", []string{"apply", plan, "--yes", "--report", interrupted}, "is a plan with a journal"},
		{"apply --report another run's journal", []string{"apply", plan, "--yes", "--report", interrupted + ".journal"}, "is the journal of the plan"},
		{"plan -o an interrupted plan", []string{"plan", "--ipam", ipamID, "-o", interrupted}, "-o " + interrupted + ": is a plan with a journal"},
		{"inventory -o an interrupted plan", []string{"inventory", "--ipam", ipamID, "-o", interrupted}, "-o " + interrupted + ": is a plan with a journal"},
		{"destroy --report the plan of its out-dir", []string{"destroy", "--ipam", ipamID, "--yes", "--out-dir", outDir, "--report", filepath.Join(outDir, "plan.json")}, "--report " + filepath.Join(outDir, "plan.json") + ": is the same file as the plan"},
		// The report was written over recreate.tf after the IPAM was deleted: the way back was lost.
		{"destroy --report its recreate configuration", []string{"destroy", "--ipam", ipamID, "--yes", "--out-dir", outDir, "--report", filepath.Join(outDir, "recreate.tf")}, "--report " + filepath.Join(outDir, "recreate.tf") + ": is the same file as the recreate configuration"},
		{"destroy --journal its recreate configuration", []string{"destroy", "--ipam", ipamID, "--yes", "--out-dir", outDir, "--journal", filepath.Join(outDir, "recreate.tf")}, "is the same file as the recreate configuration"},
		{"destroy --report its journal", []string{"destroy", "--ipam", ipamID, "--yes", "--journal", report, "--report", report}, "is the same file as --journal"},
		{"destroy --report an interrupted plan", []string{"destroy", "--ipam", ipamID, "--yes", "--report", interrupted}, "is a plan with a journal"},
		// A file where a directory is expected is that, not an interrupted run: README.md/plan.json.journal
		// does not exist (ENOTDIR), and the run must not list the service before it finds out.
		{"destroy --out-dir a file", []string{"destroy", "--ipam", ipamID, "--yes", "--out-dir", cfg}, "--out-dir " + cfg + ": is a file, not a directory"},
		{"destroy --out-dir under a file", []string{"destroy", "--ipam", ipamID, "--yes", "--out-dir", filepath.Join(cfg, "audit")}, "--out-dir " + filepath.Join(cfg, "audit") + ": " + cfg + " is a file, not a directory"},
		{"demo --out-dir a file", []string{"demo", "--out-dir", cfg}, "--out-dir " + cfg + ": is a file, not a directory"},
		{"cleanup --report its config", []string{"cleanup", "--config", cfg, "--report", cfg}, "--report " + cfg + ": is the input " + cfg},
		{"cleanup --report an interrupted plan", []string{"cleanup", "--config", cfg, "--report", interrupted}, "is a plan with a journal"},
		{"sim generate -o an interrupted plan", []string{"sim", "generate", "-o", interrupted}, "-o " + interrupted + ": is a plan with a journal"},
		{"sim serve --tls-cert its topology", []string{"sim", "serve", "--topology", cfg, "--tls-cert", cfg}, "--tls-cert " + cfg + ": is the input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := len(s.Wire.Calls())
			args := tt.args
			if args[0] != "sim" { // sim makes no call to a service
				args = append(live, args...)
			}
			_, _, err := runIn(t, t.Context(), strings.NewReader(""), args...)
			if got := exitCode(err); got != exitUsage {
				t.Fatalf("exit %d (%v), want %d", got, err, exitUsage)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if n := len(s.Wire.Calls()) - calls; n > 0 {
				t.Errorf("%d call(s) made before the refusal, the first %s", n, s.Wire.Calls()[calls].Action)
			}
			for _, f := range files {
				if !bytes.Equal(readFile(t, f), before[f]) {
					t.Errorf("%s was written", f)
				}
			}
			for _, f := range []string{journal, report, filepath.Join(outDir, "plan.json")} {
				if _, err := os.Stat(f); err == nil {
					t.Errorf("%s was written", f)
				}
			}
		})
	}
	if !strings.Contains(string(s.State(t)), ipamID) {
		t.Errorf("the IPAM %s is gone", ipamID)
	}
}

func writeTestFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCleanupOutDirUsedTwice: a second cleanup into the same --out-dir (the cron line's $(date +%F), run
// again after a failure) keeps the first run's report and writes its own beside it, naming it in the
// summary line.
func TestCleanupOutDirUsedTwice(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, "../../testdata/topologies/sandbox.yaml")
	useDefaultKey(t, s)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "cleanup.yaml")
	writeTestFile(t, cfg, cleanupSandbox)
	out := filepath.Join(dir, "2026-12-07")
	args := []string{"--endpoint", s.URL, "--log-format", "json", "cleanup", "--config", cfg, "--out-dir", out}
	if _, stderr, err := run(t, args...); err != nil {
		t.Fatalf("first run: %v\n%s", err, stderr)
	}
	first := readFile(t, filepath.Join(out, "report.json"))
	_, stderr, err := run(t, args...)
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, stderr)
	}
	if !bytes.Equal(readFile(t, filepath.Join(out, "report.json")), first) {
		t.Error("the second run wrote over the first run's report")
	}
	second := filepath.Join(out, "report-2.json")
	if rep := readCleanupReport(t, second); rep.Outcome != "previewed" {
		t.Errorf("second report: %s; want previewed", rep.Outcome)
	}
	if !strings.Contains(stderr, `"report":"`+second+`"`) {
		t.Errorf("the summary does not name %s:\n%s", second, stderr)
	}
}
