package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
)

// TestResumeLineRunsAsPrinted: an apply given --yes, --qps and --report, interrupted by SIGINT as its own
// process, prints a resume command; that command, run as printed by a shell with no terminal (as cron would),
// finishes the teardown (exit 0) and writes the report. Before the resume line carried the run's flags it
// dropped --yes, --qps and --report, and without a terminal it was refused (exit 3).
func TestResumeLineRunsAsPrinted(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts processes")
	}
	s := simtest.Start(t, "../../testdata/topologies/sandbox.yaml", simtest.WithDeleteDelay(400*time.Millisecond))
	useDefaultKey(t, s)
	plan := planSandbox(t, s.URL, s.Refs["ipam/sandbox"])
	dir := filepath.Dir(plan)
	report := filepath.Join(dir, "report.json")

	// The printed command names ipam-teardown: a directory on PATH holds it, as this test binary (which runs
	// main when runMainEnv is set).
	bin := t.TempDir()
	if err := os.Symlink(os.Args[0], filepath.Join(bin, "ipam-teardown")); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), runMainEnv+"=1", "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	cmd := exec.CommandContext(t.Context(), os.Args[0], "--endpoint", s.URL, "--log-format", "json",
		"apply", plan, "--yes", "--qps", "40", "--parallelism", "3", "--report", report)
	cmd.Env, cmd.Dir, cmd.Stdin = env, dir, strings.NewReader("")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once the first step has finished: the run is in its execute phase, with steps left.
	var resume string
	var all bytes.Buffer
	sc := bufio.NewScanner(stderr)
	interrupted := false
	for sc.Scan() {
		line := sc.Bytes()
		all.Write(line)
		all.WriteByte('\n')
		var rec map[string]any
		if json.Unmarshal(line, &rec) != nil {
			continue
		}
		if !interrupted && rec["outcome"] == "done" {
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			interrupted = true
		}
		if r, ok := rec["resume"].(string); ok {
			resume = r
		}
	}
	werr := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitFailed || !interrupted {
		t.Fatalf("interrupted apply: exit %d (%v), interrupted %v; want %d\n%s", code, werr, interrupted, exitFailed, all.String())
	}
	if !strings.HasPrefix(resume, "ipam-teardown ") {
		t.Fatalf("no resume command in the interrupted run's log:\n%s", all.String())
	}
	if err := os.Remove(report); err != nil {
		t.Fatalf("the interrupted run wrote no report: %v", err)
	}

	sh := exec.CommandContext(t.Context(), "sh", "-c", resume)
	sh.Env, sh.Dir, sh.Stdin = env, dir, strings.NewReader("")
	out, err := sh.CombinedOutput()
	if err != nil {
		t.Fatalf("the resume command as printed:\n  %s\nfailed: %v\n%s", resume, err, out)
	}
	if rep := readReport(t, report); rep.Outcome != "done" {
		t.Errorf("the resumed run's report: outcome %q, want done", rep.Outcome)
	}
	if strings.Contains(string(s.State(t)), s.Refs["ipam/sandbox"]) {
		t.Errorf("the IPAM is still there after the resume")
	}
}
