package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

func TestPlanCommandBadInput(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "plan.json")
	tests := [][]string{
		{"plan", "--all", "-o", out},                                 // no region
		{"--region", "cn-hangzhou", "plan", "--all"},                 // no -o
		{"--region", "cn-hangzhou", "plan", "-o", out},               // no selection
		{"--region", "cn-hangzhou", "plan", "--all", "-o", out, "x"}, // argument
		{"--region", "cn-hangzhou", "plan", "--all", "-o", out, "--protect-tag", "=v"},
		{"--region", "cn-hangzhou", "plan", "--all", "-o", out, "--exclude", " "},
		{"--region", "cn-hangzhou", "plan", "--all", "-o", out, "--from-inventory", "snap.json"},
		{"--region", "cn-hangzhou", "plan", "-o", out, "--from-inventory", filepath.Join(t.TempDir(), "missing.json")},
	}
	for _, args := range tests {
		_, _, err := run(t, args...)
		if exitCode(err) != exitUsage {
			t.Errorf("%v: exit %d (%v), want %d", args, exitCode(err), err, exitUsage)
		}
	}
}

// TestPlanFromInventory plans from a snapshot file, without any API: the plan reads back and orders the
// pool before its IPAM, --protect-tag holds the IPAM back, and an unknown --exclude id is a usage error.
func TestPlanFromInventory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	snap := &inventory.Snapshot{
		Region: "cn-hangzhou", AccountID: "1000000000000001", Selector: inventory.Selector{IPAMIDs: []string{"ipam-one"}},
		IPAMs: []inventory.IPAM{{
			ID: "ipam-one", Status: "Created", RegionID: "cn-hangzhou", OwnerID: "1000000000000001",
			PrivateDefaultScopeID: "ipam-scope-priv", PublicDefaultScopeID: "ipam-scope-pub", DefaultResourceDiscoveryID: "ipam-res-disco-1",
			Scopes: []inventory.Scope{
				{ID: "ipam-scope-priv", IPAMID: "ipam-one", Type: "private", IsDefault: true, Status: "Created"},
				{ID: "ipam-scope-pub", IPAMID: "ipam-one", Type: "public", IsDefault: true, Status: "Created"},
			},
			Pools: []inventory.Pool{{ID: "ipam-pool-a", IPAMID: "ipam-one", ScopeID: "ipam-scope-priv", IPVersion: "IPv4", Status: "Created",
				OwnerID: "1000000000000001", Tags: inventory.Tags{"keep": "true"}}},
		}},
	}
	data, err := snap.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "snapshot.json")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "plan.json")
	_, stderr, err := run(t, "plan", "--from-inventory", in, "-o", out)
	if err != nil {
		t.Fatalf("plan: %v\n%s", err, stderr)
	}
	p, err := plans.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range p.Steps {
		ids = append(ids, s.ID)
	}
	if want := []string{"delete-pool/ipam-pool-a", "delete-ipam/ipam-one"}; !slices.Equal(ids, want) {
		t.Errorf("steps %v, want %v", ids, want)
	}
	if !strings.Contains(stderr, "2 steps in 2 levels") {
		t.Errorf("stderr lacks the summary:\n%s", stderr)
	}

	_, stderr, err = run(t, "plan", "--from-inventory", in, "-o", out, "--protect-tag", "keep")
	if err != nil {
		t.Fatalf("plan --protect-tag: %v", err)
	}
	if p, err = plans.ReadFile(out); err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) != 0 || len(p.Blockers) != 1 || !slices.Equal(p.Blockers[0].HeldBack, []string{"delete-ipam/ipam-one"}) {
		t.Errorf("with the pool protected: steps %v, blockers %+v; want none, and the IPAM held back", p.Steps, p.Blockers)
	}
	if !strings.Contains(stderr, "1 blocker holds back 1 step") {
		t.Errorf("stderr lacks the blockers:\n%s", stderr)
	}

	_, _, err = run(t, "plan", "--from-inventory", in, "-o", out, "--exclude", "ipam-pool-typo")
	if exitCode(err) != exitUsage || !strings.Contains(err.Error(), "ipam-pool-typo") {
		t.Errorf("unknown --exclude: exit %d (%v), want a usage error naming the id", exitCode(err), err)
	}
}

// TestPlanCommand plans the sandbox topology over HTTP: the plan file reads back with its steps, the summary
// goes to stderr, and the emulator saw read calls only (plan makes no mutating call, not even a dry run).
func TestPlanCommand(t *testing.T) {
	t.Parallel()
	url, refs, _, srv := startSandbox(t)
	out := filepath.Join(t.TempDir(), "plan.json")
	_, stderr, err := run(t, "--region", "cn-hangzhou", "--endpoint", url, "plan", "--qps", "1000", "--ipam", refs["ipam/sandbox"], "-o", out,
		"--protect-tag", "team=data")
	if err != nil {
		t.Fatalf("plan: %v\n%s", err, stderr)
	}
	p, err := plans.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// prod-hz-db carries team=data: it, its VPC allocation and reservation stay; its parents and the IPAM wait.
	db := refs["pool/prod-hz-db"]
	if len(p.Blockers) != 1 || p.Blockers[0].ResourceID != db || !slices.Contains(p.Blockers[0].HeldBack, "delete-ipam/"+refs["ipam/sandbox"]) {
		t.Fatalf("blockers %+v, want %s holding back the IPAM", p.Blockers, db)
	}
	// The IPAM stays, so its members stay too: their removal is left out, named under the blocker.
	if p.Summary.ByAction["DeleteIpamPool"] != 3 || p.Summary.ByAction["RemoveIpamMembers"] != 0 || p.Summary.ByAction["DisassociateResourceShare"] != 1 ||
		!slices.ContainsFunc(p.Blockers[0].Pruned, func(id string) bool { return strings.HasPrefix(id, "remove-members/") }) {
		t.Errorf("summary %+v, pruned %v: want prod-hz-app, prod-sh-app and prod-sh deleted, the share disassociated, the members kept", p.Summary, p.Blockers[0].Pruned)
	}
	if !strings.Contains(stderr, p.PlanID) || !strings.Contains(stderr, "carries the protect tag team=data") || !regexp.MustCompile(`1 blocker holds back \d+ steps? and leaves \d+ steps? out that only cleared the way for them`).MatchString(stderr) {
		t.Errorf("stderr lacks the summary:\n%s", stderr)
	}
	for _, c := range srv.Calls() {
		if c.DryRun || !(strings.HasPrefix(c.Action, "List") || strings.HasPrefix(c.Action, "Get")) {
			t.Errorf("plan made a %s call (dry run %v)", c.Action, c.DryRun)
		}
	}
}
