package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// TestBadInputBeforeAnyCall: each bad input is its exit code with a message naming the input at fault, and
// the emulator sees no call at all (not merely no mutating one): the check comes before the inventory.
func TestBadInputBeforeAnyCall(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, "../../testdata/topologies/sandbox.yaml")
	useDefaultKey(t, s)
	ipamID := s.Refs["ipam/sandbox"]
	dir := t.TempDir()
	snap := filepath.Join(dir, "snap.json")
	if _, stderr, err := run(t, "--region", "cn-hangzhou", "--endpoint", s.URL, "inventory", "--qps", "1000", "--ipam", ipamID, "-o", snap); err != nil {
		t.Fatalf("inventory: %v\n%s", err, stderr)
	}
	plan := planSandbox(t, s.URL, ipamID)
	snapBefore, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "no-such-dir", "out.json")
	live := []string{"--region", "cn-hangzhou", "--endpoint", s.URL}
	cfg := filepath.Join(dir, "cleanup.yaml")
	writeTestFile(t, cfg, cleanupSandbox)
	cleanupArgs := []string{"--endpoint", s.URL, "cleanup", "--config", cfg, "--out-dir", filepath.Join(dir, "cleanup")}

	tests := []struct {
		name string
		args []string
		want string // in the error message
	}{
		{"unknown command", []string{"nosuch"}, `unknown command "nosuch"`},
		{"unknown command near one", []string{"invntory"}, "did you mean inventory"},
		{"unknown sim command", []string{"sim", "nosuch"}, `unknown command "nosuch" for "ipam-teardown sim"`},
		{"unknown flag", []string{"inventory", "--no-such-flag"}, "--no-such-flag"},
		{"bad log level", append(live, "--log-level", "loud", "inventory", "--all"), `--log-level "loud": want debug, info, warn or error`},
		{"bad log level without a call", []string{"--log-level", "loud", "plan", "--from-inventory", snap, "-o", filepath.Join(dir, "p.json")}, "--log-level"},
		{"empty log level", append(live, "--log-level", "", "inventory", "--all"), "--log-level"},
		{"inventory -o in a missing directory", append(live, "inventory", "--all", "-o", missing), "-o " + missing + ": directory " + filepath.Dir(missing) + " does not exist"},
		{"plan -o in a missing directory", append(live, "plan", "--all", "-o", missing), "-o " + missing + ": directory"},
		{"inventory -o a directory", append(live, "inventory", "--all", "-o", dir), "is a directory"},
		{"plan -o a directory", append(live, "plan", "--all", "-o", dir), "is a directory"},
		{"plan -o its own input", []string{"plan", "--from-inventory", snap, "-o", snap}, "is the input"},
		{"plan -o its own input, spelt otherwise", []string{"plan", "--from-inventory", snap, "-o", filepath.Join(dir, ".", "x", "..", "snap.json")}, "is the input"},
		{"--region other than the snapshot's", []string{"--region", "cn-beijing", "plan", "--from-inventory", snap, "-o", filepath.Join(dir, "p.json")}, "--region cn-beijing: the snapshot " + snap + " is of region cn-hangzhou"},
		{"inventory --qps NaN", append(live, "inventory", "--all", "--qps", "NaN"), "--qps NaN"},
		{"inventory --qps Inf", append(live, "inventory", "--all", "--qps", "Inf"), "--qps +Inf"},
		{"plan --qps too slow", append(live, "plan", "--all", "-o", filepath.Join(dir, "p.json"), "--qps", "0.001"), "--qps 0.001"},
		{"plan --qps negative", append(live, "plan", "--all", "-o", filepath.Join(dir, "p.json"), "--qps", "-1"), "--qps -1"},
		{"apply --qps Inf", append(live, "apply", plan, "--yes", "--qps", "+Inf"), "--qps +Inf"},
		{"apply --qps NaN", append(live, "apply", plan, "--yes", "--qps", "nan"), "--qps NaN"},
		{"inventory --qps neither a number nor auto", append(live, "inventory", "--all", "--qps", "fast"), `invalid argument "fast" for "--qps" flag: want a number of calls per second or auto`},
		{"plan --qps auto-ish", append(live, "plan", "--all", "-o", filepath.Join(dir, "p.json"), "--qps", "automatic"), `"--qps" flag`},
		{"apply --qps empty", append(live, "apply", plan, "--yes", "--qps", ""), `"--qps" flag`},
		// Roles are assumed at https:// + --sts-endpoint: a scheme given too was looked up as the host https.
		{"cleanup --sts-endpoint with a scheme", append(cleanupArgs, "--sts-endpoint", "https://127.0.0.1:8443"), "--sts-endpoint: want HOST[:PORT] without a scheme"},
		{"cleanup --sts-endpoint with a user", append(cleanupArgs, "--sts-endpoint", "key:s3cretPW@127.0.0.1:8443"), `--sts-endpoint: invalid endpoint "https://key:[redacted]@127.0.0.1:8443"`},
		// The password of a refused endpoint is not quoted: the message goes to logs and reports.
		{"--endpoint with a password", []string{"--region", "cn-hangzhou", "--endpoint", strings.Replace(s.URL, "://", "://key:s3cretPW@", 1), "inventory", "--all"},
			`--endpoint: invalid endpoint "` + strings.Replace(s.URL, "://", "://key:[redacted]@", 1) + `": no user information allowed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(s.Wire.Calls())
			stdout, _, err := runIn(t, t.Context(), strings.NewReader(""), tt.args...)
			if got := exitCode(err); got != exitUsage {
				t.Fatalf("exit %d (%v), want %d", got, err, exitUsage)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "defaulting") || strings.Contains(err.Error(), ".inventory-") {
				t.Errorf("error %q is misleading", err)
			}
			if n := len(s.Wire.Calls()) - before; n > 0 {
				t.Errorf("%d calls made before the refusal", n)
			}
			if stdout != "" {
				t.Errorf("stdout: %q", stdout)
			}
		})
	}
	if after, _ := os.ReadFile(snap); !bytes.Equal(after, snapBefore) {
		t.Error("the snapshot was overwritten")
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("a file was written in the missing directory")
	}
	if _, err := os.Stat(filepath.Join(dir, "p.json")); err == nil {
		t.Error("a plan was written")
	}
}

// TestSelectionMatchingNothing: a plan of a selection no IPAM matches is refused with exit 2 saying so, and no
// file is written; an inventory of it is written (an empty answer is an answer) and says so on stderr.
func TestSelectionMatchingNothing(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, "../../testdata/topologies/sandbox.yaml")
	useDefaultKey(t, s)
	dir := t.TempDir()
	live := []string{"--region", "cn-hangzhou", "--endpoint", s.URL, "--log-format", "json"}
	for _, sel := range [][]string{{"--name", "nosuch"}, {"--tag", "env=nosuch"}} {
		out := filepath.Join(dir, "plan.json")
		_, stderr, err := run(t, append(append(live, "plan", "--qps", "1000", "-o", out), sel...)...)
		if exitCode(err) != exitUsage || !strings.Contains(err.Error(), "no IPAM in cn-hangzhou matches "+sel[0]) {
			t.Errorf("plan %v: exit %d (%v), want %d saying no IPAM matches %s", sel, exitCode(err), err, exitUsage, sel[0])
		}
		if strings.Contains(stderr, "written to") {
			t.Errorf("plan %v: a summary on stderr:\n%s", sel, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("plan %v wrote a plan", sel)
		}
		stdout, stderr, err := run(t, append(append(live, "inventory", "--qps", "1000"), sel...)...)
		if err != nil || !strings.Contains(stderr, "no IPAM in cn-hangzhou matches the selection ("+sel[0]) {
			t.Errorf("inventory %v: %v; stderr lacks that no IPAM matched:\n%s", sel, err, stderr)
		}
		if !strings.Contains(stdout, `"ipams": []`) {
			t.Errorf("inventory %v: stdout is not the empty snapshot:\n%s", sel, stdout)
		}
	}
	readOnly(t, s.Wire.Calls())

	// The same from a snapshot of nothing.
	snap := filepath.Join(dir, "empty.json")
	if _, _, err := run(t, append(live, "inventory", "--qps", "1000", "--name", "nosuch", "-o", snap)...); err != nil {
		t.Fatal(err)
	}
	_, _, err := run(t, "plan", "--from-inventory", snap, "-o", filepath.Join(dir, "p.json"))
	if exitCode(err) != exitUsage || !strings.Contains(err.Error(), "matches the snapshot "+snap) {
		t.Errorf("plan of an empty snapshot: exit %d (%v), want %d naming the snapshot", exitCode(err), err, exitUsage)
	}
}

// TestPlanToStdout: `-o -` writes the plan to stdout, as `inventory -o -` does, and no file named "-".
func TestPlanToStdout(t *testing.T) {
	url, refs, _, srv := startSandbox(t)
	dir := t.TempDir()
	t.Chdir(dir)
	stdout, stderr, err := run(t, "--region", "cn-hangzhou", "--endpoint", url, "--log-format", "json",
		"plan", "--qps", "1000", "--ipam", refs["ipam/sandbox"], "-o", "-")
	if err != nil {
		t.Fatalf("plan -o -: %v\n%s", err, stderr)
	}
	p, err := plans.Read(strings.NewReader(stdout), "stdout")
	if err != nil {
		t.Fatalf("stdout is not a plan: %v", err)
	}
	if len(p.Steps) == 0 || !strings.Contains(stderr, "plan "+p.PlanID+" written to stdout") {
		t.Errorf("%d steps; stderr:\n%s", len(p.Steps), stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "-")); err == nil {
		t.Error(`a file named "-" was written`)
	}
	readOnly(t, srv.Calls())
}

// TestRegionMatchingTheSnapshot: --region with --from-inventory is accepted when it names the snapshot's
// region (a script that always passes it keeps working).
func TestRegionMatchingTheSnapshot(t *testing.T) {
	t.Parallel()
	url, refs, _, _ := startSandbox(t)
	dir := t.TempDir()
	snap := filepath.Join(dir, "snap.json")
	live := []string{"--region", "cn-hangzhou", "--endpoint", url, "--log-format", "json"}
	if _, _, err := run(t, append(live, "inventory", "--qps", "1000", "--ipam", refs["ipam/sandbox"], "-o", snap)...); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := run(t, "--region", "cn-hangzhou", "plan", "--from-inventory", snap, "-o", filepath.Join(dir, "p.json")); err != nil {
		t.Errorf("plan --region (the snapshot's) --from-inventory: %v\n%s", err, stderr)
	}
}

// TestReadOnlyFailuresExitOne: a RAM denial during inventory or plan is a failure (1), not a refusal (3): a
// read-only command has nothing to refuse. So is an interrupt.
func TestReadOnlyFailuresExitOne(t *testing.T) {
	t.Parallel()
	topo, err := topology.Load("../../testdata/topologies/sandbox.yaml")
	if err != nil {
		t.Fatal(err)
	}
	topo.Accounts[0].Denied = []string{"ListIpamPools"}
	s := simtest.StartTopology(t, topo)
	useDefaultKey(t, s)
	dir := t.TempDir()
	live := []string{"--region", "cn-hangzhou", "--endpoint", s.URL, "--log-format", "json"}
	for _, cmd := range []string{"inventory", "plan"} {
		out := filepath.Join(dir, cmd+".json")
		_, _, err := run(t, append(live, cmd, "--qps", "1000", "--ipam", s.Refs["ipam/sandbox"], "-o", out)...)
		if exitCode(err) != exitFailed || !strings.Contains(err.Error(), "ListIpamPools") {
			t.Errorf("%s with ListIpamPools denied: exit %d (%v), want %d naming the action", cmd, exitCode(err), err, exitFailed)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s wrote %s", cmd, out)
		}
	}
	for _, cmd := range []string{"inventory", "plan"} {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, _, err := runIn(t, ctx, strings.NewReader(""), append(live, cmd, "--qps", "1000", "--all", "-o", filepath.Join(dir, "x.json"))...)
		if exitCode(err) != exitFailed {
			t.Errorf("%s interrupted: exit %d (%v), want %d", cmd, exitCode(err), err, exitFailed)
		}
	}
}

// TestVersionFlagMatchesCommand: --version and the version command print the same line.
func TestVersionFlagMatchesCommand(t *testing.T) {
	t.Parallel()
	cmdOut, _, err := run(t, "version")
	if err != nil {
		t.Fatal(err)
	}
	flagOut, _, err := run(t, "--version")
	if err != nil {
		t.Fatal(err)
	}
	if cmdOut != flagOut || !strings.HasPrefix(cmdOut, "ipam-teardown ") {
		t.Errorf("version prints %q, --version %q; want the same ipam-teardown VERSION line", cmdOut, flagOut)
	}
}

// TestExcludeIDs: an --exclude value that has not the shape of an id is a usage error naming the flag and
// the value, before any call at all; an id of the right shape that names nothing in the inventory is a
// usage error naming it, after the (read-only) inventory and before any plan is written. destroy does the
// same before anything is deleted.
func TestExcludeIDs(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, "../../testdata/topologies/sandbox.yaml")
	useDefaultKey(t, s)
	ipamID := s.Refs["ipam/sandbox"]
	dir := t.TempDir()
	out := filepath.Join(dir, "plan.json")
	live := []string{"--region", "cn-hangzhou", "--endpoint", s.URL, "--log-format", "json"}

	for _, id := range []string{"env=prod", "ipam-pool-a,ipam-pool-b", "ipam pool x", "10.0.0.0/8", "IPAM-POOL-X", "ipam-", "-pool", "ipam--x",
		"ipam-pool-x/", "ipam-pool-x/10.0.0.0/33", "ipam-pool-x/not a cidr", "pool", "ipam-pool-é"} {
		for _, cmd := range []string{"plan", "destroy"} {
			before := len(s.Wire.Calls())
			args := append(slices.Clone(live), cmd, "--qps", "1000", "--ipam", ipamID, "--exclude", "ipam-pool-ok", "--exclude", id)
			if cmd == "plan" {
				args = append(args, "-o", out)
			} else {
				args = append(args, "--yes", "--out-dir", filepath.Join(dir, "destroy"))
			}
			_, _, err := run(t, args...)
			if exitCode(err) != exitUsage || !strings.Contains(err.Error(), "--exclude "+strconv.Quote(id)+": not a resource id") {
				t.Errorf("%s --exclude %q: exit %d (%v), want %d naming the flag and the value", cmd, id, exitCode(err), err, exitUsage)
			}
			if n := len(s.Wire.Calls()) - before; n != 0 {
				t.Errorf("%s --exclude %q: %d calls before the refusal, want none", cmd, id, n)
			}
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a plan was written")
	}

	// The shapes of real ids pass the check; those the sandbox lacks are then refused by name.
	for _, id := range []string{"ipam-pool-nosuch1", "ipam-scope-x", "ipam-res-disco-x", "rs-x", "fd-x", "1000000000000009", "ipam-pool-x/10.0.0.0/8",
		"ipam-pool-x/2001:db8::/32", "rs-x/ipam-pool-x", "ipam-pool-AbC1"} {
		before := len(s.Wire.Calls())
		_, stderr, err := run(t, append(slices.Clone(live), "plan", "--qps", "1000", "--ipam", ipamID, "--exclude", id, "-o", out)...)
		if exitCode(err) != exitUsage || !strings.Contains(err.Error(), "--exclude "+id+": no resource with this id in the inventory of cn-hangzhou; no plan written") {
			t.Errorf("--exclude %s: exit %d (%v), want %d naming the id", id, exitCode(err), err, exitUsage)
		}
		if strings.Contains(stderr, "written to") {
			t.Errorf("--exclude %s: a plan summary:\n%s", id, stderr)
		}
		if len(s.Wire.Calls()) == before {
			t.Errorf("--exclude %s: no inventory call; the id was refused by its shape", id)
		}
	}
	readOnly(t, s.Wire.Calls())
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a plan was written")
	}

	// An id that is there is excluded: the plan is written with it as a blocker.
	pool := s.Refs["pool/corp"]
	if pool == "" {
		t.Fatalf("no pool/corp in the sandbox refs %v", s.Refs)
	}
	if _, stderr, err := run(t, append(slices.Clone(live), "plan", "--qps", "1000", "--ipam", ipamID, "--exclude", pool, "-o", out)...); err != nil || !strings.Contains(stderr, pool+" is excluded") {
		t.Errorf("--exclude %s: %v\n%s", pool, err, stderr)
	}
}
