package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/cleanup"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
)

const cleanupSandbox = `regions: [cn-hangzhou]
allowed_accounts: ["1000000000000001"]
accounts:
  - {}
select:
  tags: {env: sandbox}
`

// TestCleanupCommand: the preview writes a report and plans, makes no mutating call and logs only JSON lines
// when stderr is not a terminal; --apply removes the sandbox IPAM; a config fault exits 2 naming the line,
// before any call; an account off the allow-list exits 3 after the identity call alone.
func TestCleanupCommand(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, "../../testdata/topologies/sandbox.yaml")
	useDefaultKey(t, s)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg := write("cleanup.yaml", cleanupSandbox)
	live := []string{"--endpoint", s.URL, "--log-format", "json"}

	// Preview.
	out := filepath.Join(dir, "preview")
	_, stderr, err := run(t, append(live, "cleanup", "--config", cfg, "--out-dir", out)...)
	if err != nil {
		t.Fatalf("preview: %v\n%s", err, stderr)
	}
	readOnlyOrDryRun(t, s)
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec["level"] == nil || rec["message"] == nil {
			t.Errorf("stderr line is not a JSON log record: %q", line)
		}
	}
	rep := readCleanupReport(t, filepath.Join(out, "report.json"))
	ipam := s.Refs["ipam/sandbox"]
	if rep.Outcome != "previewed" || len(rep.Accounts) != 1 || len(rep.Accounts[0].Regions) != 1 ||
		len(rep.Accounts[0].Regions[0].IPAMs) != 1 || rep.Accounts[0].Regions[0].IPAMs[0].IPAMID != ipam {
		t.Fatalf("preview report: %+v", rep)
	}
	if plan := rep.Accounts[0].Regions[0].IPAMs[0].Plan; !strings.HasPrefix(plan, out) {
		t.Errorf("plan %s not under --out-dir %s", plan, out)
	}

	// Config faults and flag faults: exit 2, no call.
	calls := len(s.Wire.Calls())
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown key", []string{"cleanup", "--config", write("bad.yaml", cleanupSandbox+"selectt: {}\n")}, "bad.yaml:7: selectt: unknown field"},
		{"no config", []string{"cleanup"}, "--config is required"},
		{"missing config", []string{"cleanup", "--config", filepath.Join(dir, "nosuch.yaml")}, "nosuch.yaml"},
		{"bad --regions", []string{"cleanup", "--config", cfg, "--regions", "xx-nowhere-1"}, `--regions: "xx-nowhere-1" is not a region id`},
		{"bad --qps", []string{"cleanup", "--config", cfg, "--qps", "NaN"}, "--qps"},
		{"--report in a missing directory", []string{"cleanup", "--config", cfg, "--report", filepath.Join(dir, "no", "r.json")}, "--report"},
	} {
		_, _, err := run(t, append(live, tc.args...)...)
		if exitCode(err) != exitUsage || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: exit %d, %v; want exit 2 and %q", tc.name, exitCode(err), err, tc.want)
		}
	}
	if n := len(s.Wire.Calls()); n != calls {
		t.Errorf("bad input made %d call(s); want none", n-calls)
	}

	// Off the allow-list: refused after GetCallerIdentity alone.
	off := write("off.yaml", strings.Replace(cleanupSandbox, `["1000000000000001"]`, `["1000000000000002"]`, 1))
	_, _, err = run(t, append(live, "cleanup", "--config", off, "--apply", "--out-dir", filepath.Join(dir, "off"))...)
	if exitCode(err) != exitRefused || !strings.Contains(err.Error(), "not on allowed_accounts") {
		t.Errorf("off the allow-list: exit %d, %v; want 3", exitCode(err), err)
	}
	for _, c := range s.Wire.Calls()[calls:] {
		if c.Action != "GetCallerIdentity" {
			t.Errorf("a refused cleanup called %s", c.Action)
		}
	}

	// Apply.
	_, stderr, err = run(t, append(live, "cleanup", "--config", cfg, "--apply", "--out-dir", filepath.Join(dir, "apply"))...)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, stderr)
	}
	rep = readCleanupReport(t, filepath.Join(dir, "apply", "report.json"))
	if ir := rep.Accounts[0].Regions[0].IPAMs[0]; rep.Outcome != "done" || ir.Outcome != "done" || ir.Done != ir.Steps {
		t.Errorf("apply report: %s, %+v; want done", rep.Outcome, ir)
	}
	if gone := !strings.Contains(string(s.State(t)), ipam); !gone {
		t.Errorf("%s is still in the emulator after cleanup --apply", ipam)
	}
}

func readCleanupReport(t *testing.T, path string) cleanup.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep cleanup.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rep
}

// readOnlyOrDryRun fails the test if the emulator logged a mutating call that was not a dry run.
func readOnlyOrDryRun(t *testing.T, s *simtest.Server) {
	t.Helper()
	for _, c := range s.Wire.Calls() {
		if !c.DryRun && !strings.HasPrefix(c.Action, "List") && !strings.HasPrefix(c.Action, "Get") {
			t.Errorf("a preview called %s without DryRun", c.Action)
		}
	}
}

// TestCleanupResumeCommand: an interrupted cleanup --apply says how to resume it: the same command, with the
// flags it was given and the out-dir named (its default is new each run). It printed nothing, and the hints
// in its report named apply commands that a role-reached account's plan refuses.
func TestCleanupResumeCommand(t *testing.T) {
	root := newRootCommand(nil, nil)
	c, _, err := root.Find([]string{"cleanup"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ParseFlags([]string{"--endpoint", "http://127.0.0.1:8081", "--config", "my cleanup.yaml", "--apply", "--sts-endpoint", "127.0.0.1:8443", "--out-dir", "ignored"}); err != nil {
		t.Fatal(err)
	}
	got := cleanupResumeCommand(c, "nightly")
	want := programName(os.Args[0]) + " --endpoint http://127.0.0.1:8081 cleanup --apply=true --config 'my cleanup.yaml' --sts-endpoint 127.0.0.1:8443 --out-dir nightly"
	if got != want {
		t.Errorf("cleanupResumeCommand =\n  %s\nwant\n  %s", got, want)
	}
}
