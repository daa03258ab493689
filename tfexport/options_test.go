package tfexport_test

import (
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect/collecttest"
	"github.com/ipam-teardown/ipam-teardown/tfexport"
)

// TestLockTagNotExported: an IPAM collected while a run holds its apply lock carries the lock's tag; the lock
// is no part of what was there, so neither mode writes it (and recreating it would lock the new IPAM).
func TestLockTagNotExported(t *testing.T) {
	t.Parallel()
	snap := snapshotOf(t, collecttest.Topology(t, "sandbox.yaml"))
	snap.IPAMs[0].Tags[executor.LockTagKey] = "plan-x/2026-01-02T05:00:00Z"
	for _, mode := range []tfexport.Mode{tfexport.Recreate, tfexport.Adopt} {
		e, err := tfexport.Build(snap, mode)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(e.File()); strings.Contains(got, executor.LockTagKey) {
			t.Errorf("%s mode writes the lock tag %s", mode, executor.LockTagKey)
		}
		if !strings.Contains(string(e.File()), `owner = "network-team"`) {
			t.Errorf("%s mode lost the IPAM's other tags", mode)
		}
	}
}

// TestParseMode: the two modes, and an error naming the value otherwise.
func TestParseMode(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want tfexport.Mode
		err  bool
	}{{"recreate", tfexport.Recreate, false}, {"adopt", tfexport.Adopt, false}, {"import", "", true}, {"", "", true}} {
		got, err := tfexport.ParseMode(c.in)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("ParseMode(%q) = %q, %v", c.in, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), `"`+c.in+`"`) {
			t.Errorf("ParseMode(%q): error %q does not name the value", c.in, err)
		}
	}
}

// TestSplitFileNames: an IPAM named like one of the other files of -o DIR/ gets a file of its own.
func TestSplitFileNames(t *testing.T) {
	t.Parallel()
	snap := snapshotIn(t, collecttest.Topology(t, "sandbox.yaml"), "cn-hangzhou")
	snap.IPAMs[0].Name = "providers"
	e, err := tfexport.Build(snap, tfexport.Recreate)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, f := range e.Files() {
		names[f.Name]++
	}
	if names["providers.tf"] != 1 || names["providers_ipam.tf"] != 1 {
		t.Errorf("files %v; want providers.tf and providers_ipam.tf once each", names)
	}

	// An IPAM named providers_ipam beside it: its resource name is its own, but the file name was the other
	// IPAM's, and writing the second file replaced the first.
	other := snap.IPAMs[0]
	other.ID, other.Name, other.Scopes, other.Pools, other.Members, other.Associations = "ipam-second", "providers_ipam", nil, nil, nil, nil
	snap.IPAMs = append(snap.IPAMs, other)
	if e, err = tfexport.Build(snap, tfexport.Recreate); err != nil {
		t.Fatal(err)
	}
	names = map[string]int{}
	for _, f := range e.Files() {
		if names[f.Name]++; names[f.Name] > 1 {
			t.Errorf("two files named %s", f.Name)
		}
	}
	if len(names) != 3 {
		t.Errorf("files %v; want providers.tf and one file for each of the two IPAMs", names)
	}
}

// TestDeletingNotRecreated: what is on its way out (a pool Deleting, with its subtree; a CIDR Deleting) is no
// part of the tree to build: it is left out and listed, and nothing left refers to it.
func TestDeletingNotRecreated(t *testing.T) {
	t.Parallel()
	snap := snapshotOf(t, collecttest.Topology(t, "sandbox.yaml"))
	for i, p := range snap.IPAMs[0].Pools {
		switch p.Name {
		case "prod-sh":
			snap.IPAMs[0].Pools[i].Status = "Deleting"
		case "prod-hz-db":
			snap.IPAMs[0].Pools[i].CIDRs[0].Status = "Deleting"
		}
	}
	e, err := tfexport.Build(snap, tfexport.Recreate)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := resourcesOfExport(t, e.File())
	for _, gone := range []string{"alicloud_vpc_ipam_ipam_pool.prod_sh", "alicloud_vpc_ipam_ipam_pool.prod_sh_app",
		"alicloud_vpc_ipam_ipam_pool_cidr.prod_hz_db_10_1_0_0_16"} {
		if res[gone] {
			t.Errorf("%s is written", gone)
		}
	}
	if !res["alicloud_vpc_ipam_ipam_pool.prod_hz_db"] {
		t.Error("prod-hz-db, whose CIDR only is Deleting, is not written")
	}
	var omitted []string
	for _, o := range e.Omitted {
		omitted = append(omitted, o.String())
	}
	all := strings.Join(omitted, "\n")
	for _, want := range []string{`pool "prod-sh" and everything under it: it is being deleted (Deleting)`, `CIDR 10.1.0.0/16 of pool "prod-hz-db"`} {
		if !strings.Contains(all, want) {
			t.Errorf("omissions lack %q:\n%s", want, all)
		}
	}
}
