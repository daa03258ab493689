package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// TestDestroy: destroy --yes on the sandbox topology empties the IPAM, and the out-dir holds the plan, the
// journal and a report whose outcome is done. (Needs the executor.)
func TestDestroy(t *testing.T) {
	t.Parallel()
	url, refs, sim, _ := startSandbox(t)
	ipamID := refs["ipam/sandbox"]
	dir := filepath.Join(t.TempDir(), "audit")
	stdout, stderr, err := runIn(t, t.Context(), strings.NewReader(""), "--region", "cn-hangzhou", "--endpoint", url, "--log-format", "json",
		"destroy", "--ipam", ipamID, "--yes", "--qps", "1000", "--out-dir", dir)
	if err != nil {
		t.Fatalf("destroy: %v\n%s", err, stderr)
	}
	if strings.Contains(string(mustJSON(t, sim.DumpState())), `"`+ipamID+`"`) {
		t.Errorf("the IPAM %s is still there", ipamID)
	}
	p, err := plans.ReadFile(filepath.Join(dir, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, p.PlanID) || !strings.Contains(stdout, "DeleteIpam") {
		t.Errorf("stdout lacks the text plan:\n%s", stdout)
	}
	if fi, err := os.Stat(filepath.Join(dir, "plan.json.journal")); err != nil || fi.Size() == 0 {
		t.Errorf("journal: %v", err)
	}
	rep := readReport(t, filepath.Join(dir, "report.json"))
	if rep.Outcome != "done" || rep.PlanID != p.PlanID || len(rep.Steps) != len(p.Steps) {
		t.Errorf("report: outcome %q, plan %s, %d steps; want done, %s, %d", rep.Outcome, rep.PlanID, len(rep.Steps), p.PlanID, len(p.Steps))
	}
	for _, s := range rep.Steps {
		if s.Outcome != executor.OutcomeDone && s.Outcome != executor.OutcomeAlreadyGone {
			t.Errorf("step %s: %s", s.ID, s.Outcome)
		}
	}
}

// TestDestroyBadInput: bad flags are exit 2 before any call; an out-dir that already holds a plan is refused
// (its journal belongs to another run).
func TestDestroyBadInput(t *testing.T) {
	t.Parallel()
	url, refs, _, srv := startSandbox(t)
	used := t.TempDir()
	if err := os.WriteFile(filepath.Join(used, "plan.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	ipam := refs["ipam/sandbox"]
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"destroy", "--yes"}, "--ipam"},
		{[]string{"destroy", "--ipam", "pool-1", "--yes"}, "--ipam"},
		{[]string{"destroy", "--ipam", ipam, "--schedule", "x"}, "--schedule"},
		{[]string{"destroy", "--ipam", ipam, "--parallelism", "0"}, "--parallelism"},
		{[]string{"destroy", "--ipam", ipam, "--protect-tag", "=v"}, "--protect-tag"},
		{[]string{"destroy", "--ipam", ipam, "--out-dir", used}, "--out-dir"},
		{[]string{"destroy", "--ipam", ipam, "extra"}, "no arguments"},
	}
	for _, tt := range tests {
		args := append([]string{"--region", "cn-hangzhou", "--endpoint", url}, tt.args...)
		_, _, err := runIn(t, t.Context(), strings.NewReader(""), args...)
		if exitCode(err) != exitUsage || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: exit %d (%v); want %d naming %q", tt.args, exitCode(err), err, exitUsage, tt.want)
		}
	}
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("bad input made %d calls; want none", n)
	}
}

// TestDestroyWithoutYesAndNoTerminal: destroy reads and plans, then refuses (exit 3) without a
// confirmation, having made read calls only; the plan stays in the out-dir for review.
func TestDestroyWithoutYesAndNoTerminal(t *testing.T) {
	t.Parallel()
	url, refs, _, srv := startSandbox(t)
	dir := filepath.Join(t.TempDir(), "out")
	_, _, err := runIn(t, t.Context(), strings.NewReader("yes\n"), "--region", "cn-hangzhou", "--endpoint", url, "--log-format", "json",
		"destroy", "--ipam", refs["ipam/sandbox"], "--qps", "1000", "--out-dir", dir)
	if exitCode(err) != exitRefused {
		t.Fatalf("destroy without --yes: exit %d (%v), want %d", exitCode(err), err, exitRefused)
	}
	readOnly(t, srv.Calls())
	if _, err := plans.ReadFile(filepath.Join(dir, "plan.json")); err != nil {
		t.Errorf("the plan is not kept: %v", err)
	}
	if rep := readReport(t, filepath.Join(dir, "report.json")); rep.Outcome != "refused" {
		t.Errorf("report outcome %q, want refused", rep.Outcome)
	}
}

// TestSkipDrift: the drift check is skipped only for a plan this process made seconds ago with nobody asked
// to confirm in between.
func TestSkipDrift(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name     string
		planned  time.Time
		prompted bool
		skip     bool
	}{
		{"a plan file", time.Time{}, false, false},
		{"made 2 s ago, --yes", now.Add(-2 * time.Second), false, true},
		{"made 2 s ago, a typed confirmation", now.Add(-2 * time.Second), true, false},
		{"made a minute ago", now.Add(-time.Minute), false, false},
		{"a clock that went back", now.Add(time.Minute), false, false},
	} {
		why, skip := skipDrift(tt.planned, tt.prompted, now)
		if skip != tt.skip || (skip && !strings.Contains(why, "drift check skipped")) {
			t.Errorf("%s: skip %v (%q), want %v", tt.name, skip, why, tt.skip)
		}
	}
}

// TestDestroyListsOnce: destroy --yes follows its own fresh plan at once, so it lists the IPAM once; apply of
// a plan file lists it again for the drift check. Counted as the reads sent between the lock and the first
// dry run (the drift check's place).
func TestDestroyListsOnce(t *testing.T) {
	t.Parallel()
	driftReads := func(calls []wire.Call) (n int) {
		locked := false
		for _, c := range calls {
			switch {
			// The dry-run pass: its dry runs, and the read that checks a share disassociation (which takes no
			// DryRun), sent alongside them and so at times first.
			case c.DryRun || c.Params["ResourceShareIds.1"] != "":
				return n
			case c.Action == "TagResources":
				locked = true
			case locked && strings.HasPrefix(c.Action, "List") && c.Action != "ListTagResources":
				n++
			}
		}
		return n
	}
	url, refs, _, srv := startSandbox(t)
	_, stderr, err := runIn(t, t.Context(), strings.NewReader(""), "--region", "cn-hangzhou", "--endpoint", url, "--log-format", "json",
		"destroy", "--ipam", refs["ipam/sandbox"], "--yes", "--out-dir", filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatalf("destroy: %v\n%s", err, stderr)
	}
	ids := 0
	for _, c := range srv.Calls() {
		if c.Action == "GetCallerIdentity" {
			ids++
		}
	}
	if ids != 1 {
		t.Errorf("destroy --yes asked whose the credentials are %d times; want once (the plan it made names them)", ids)
	}
	if n := driftReads(srv.Calls()); n != 0 {
		t.Errorf("destroy --yes listed %d times between the lock and the dry run; want none (the plan is seconds old)", n)
	}
	if !strings.Contains(stderr, "drift check skipped: this run made the plan") {
		t.Errorf("destroy --yes does not say why the drift check was skipped:\n%s", stderr)
	}

	url, refs, _, srv = startSandbox(t)
	plan := planSandbox(t, url, refs["ipam/sandbox"]) // lists, but takes no lock: driftReads starts at the lock
	if _, stderr, err := run(t, "--region", "cn-hangzhou", "--endpoint", url, "--log-format", "json", "apply", plan, "--yes"); err != nil {
		t.Fatalf("apply: %v\n%s", err, stderr)
	}
	if n := driftReads(srv.Calls()); n == 0 {
		t.Errorf("apply of a plan file made no drift check")
	}
}

// TestDestroyMatchesNothing: a selection that matches no IPAM is bad input (exit 2), as for plan, and nothing
// is written; a typo in a scheduled job's tag ended "done" (exit 0) with an empty plan, a report and a
// recreate config.
func TestDestroyMatchesNothing(t *testing.T) {
	url, _, _, _ := startSandbox(t)
	dir := filepath.Join(t.TempDir(), "out")
	for _, sel := range [][]string{{"--tag", "env=sandboxx"}, {"--name", "nope"}} {
		args := append([]string{"--region", "cn-hangzhou", "--endpoint", url, "destroy", "--yes", "--out-dir", dir}, sel...)
		_, _, err := runIn(t, t.Context(), strings.NewReader(""), args...)
		if exitCode(err) != exitUsage || !strings.Contains(fmt.Sprint(err), "no IPAM in cn-hangzhou matches the selection") {
			t.Errorf("destroy %v: exit %d (%v), want %d", sel, exitCode(err), err, exitUsage)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("destroy %v wrote %s (%v)", sel, dir, err)
		}
	}
}
