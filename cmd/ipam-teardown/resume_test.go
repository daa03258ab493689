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
// dropped --yes, --qps and --report, and without a terminal it was refused (exit 3). It names the program as
// it was run: by its name found on PATH, or as ./ipam-teardown after the README's go build, which the bare
// name does not reach (sh: ipam-teardown: not found, exit 127).
func TestResumeLineRunsAsPrinted(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts processes")
	}
	tests := []struct {
		name   string
		invoke string // argv[0], as a shell passes what was typed
		onPath bool   // the program's directory is on PATH; otherwise it is the working directory
	}{
		{"by name on PATH", "ipam-teardown", true},
		{"as the README builds it", "./ipam-teardown", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // an emulator, a directory and an environment of its own
			resumeAsPrinted(t, tt.invoke, tt.onPath)
		})
	}
}

func resumeAsPrinted(t *testing.T, invoke string, onPath bool) {
	s := simtest.Start(t, "../../testdata/topologies/sandbox.yaml", simtest.WithDeleteDelay(400*time.Millisecond))
	useDefaultKey(t, s)
	plan := planSandbox(t, s.URL, s.Refs["ipam/sandbox"])
	dir := filepath.Dir(plan)
	report := filepath.Join(dir, "report.json")

	// The program is this test binary (it runs main when runMainEnv is set), linked as ipam-teardown in a
	// directory on PATH or in the working directory.
	bin, path := t.TempDir(), os.Getenv("PATH")
	if onPath {
		path = bin + string(os.PathListSeparator) + path
	} else {
		bin = dir
	}
	prog := filepath.Join(bin, "ipam-teardown")
	if err := os.Symlink(os.Args[0], prog); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), runMainEnv+"=1", "PATH="+path)

	cmd := exec.CommandContext(t.Context(), prog, "--endpoint", s.URL, "--log-format", "json",
		"apply", plan, "--yes", "--qps", "40", "--parallelism", "3", "--report", report)
	cmd.Args[0] = invoke
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
	if !strings.HasPrefix(resume, invoke+" ") {
		t.Fatalf("the resume command %q does not name the program as it was run, %s:\n%s", resume, invoke, all.String())
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
