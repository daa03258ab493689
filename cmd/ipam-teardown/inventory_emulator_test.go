package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/inventory"
)

// startSandbox serves testdata/topologies/sandbox.yaml over HTTP; the credential chain reaches its network
// account with the key runTests put into the environment.
func startSandbox(t *testing.T) (url string, refs topology.Refs, sim *ipamsim.Sim, srv *wire.Server) {
	t.Helper()
	s := simtest.Start(t, "../../testdata/topologies/sandbox.yaml")
	useDefaultKey(t, s)
	return s.URL, s.Refs, s.Sim, s.Wire
}

func TestInventoryCommand(t *testing.T) {
	t.Parallel()
	url, refs, sim, srv := startSandbox(t)
	ipamID := refs["ipam/sandbox"]
	out := filepath.Join(t.TempDir(), "snap.json")

	stdout, stderr, err := run(t, "--region", "cn-hangzhou", "--endpoint", url, "--log-format", "json",
		"inventory", "--qps", "1000", "--ipam", ipamID, "-o", out)
	if err != nil {
		t.Fatalf("inventory: %v\n%s", err, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout with -o: %q", stdout)
	}
	if !strings.Contains(stderr, "inventory: done") || !strings.Contains(stderr, "default/env") {
		t.Errorf("stderr lacks progress or the credential provider:\n%s", stderr)
	}
	for _, c := range sim.Credentials() {
		if strings.Contains(stderr, c.AccessKeySecret) {
			t.Error("a secret is in the log")
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := inventory.ReadSnapshot(bytes.NewReader(data), out)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.IPAMs) != 1 || snap.IPAMs[0].ID != ipamID || len(snap.IPAMs[0].Pools) != 6 || snap.AccountID != ipamsim.DefaultAccount {
		t.Errorf("snapshot: %d IPAMs, account %s", len(snap.IPAMs), snap.AccountID)
	}
	if !bytes.Equal(data, mustCanonical(t, snap)) {
		t.Error("the file is not the canonical JSON of the snapshot")
	}

	stdout, _, err = run(t, "--region", "cn-hangzhou", "--endpoint", url, "inventory", "--qps", "1000", "--tag", "env=sandbox", "--format", "text")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"IPAM " + ipamID + ` "sandbox"`, `pool ` + refs["pool/prod-hz-app"] + ` "prod-hz-app"`, "member Folder fd-sandboxapps"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, stdout)
		}
	}

	// Read calls only, whatever the selector.
	_, _, err = run(t, "--region", "cn-hangzhou", "--endpoint", url, "inventory", "--qps", "1000", "--all")
	if err != nil {
		t.Fatal(err)
	}
	calls := srv.Calls()
	for _, c := range calls {
		if !strings.HasPrefix(c.Action, "List") && c.Action != "GetCallerIdentity" {
			t.Errorf("inventory made the call %s", c.Action)
		}
	}
	if len(calls) == 0 {
		t.Error("no call logged")
	}

	// An IPAM that is not there is an error naming it.
	_, _, err = run(t, "--region", "cn-hangzhou", "--endpoint", url, "inventory", "--ipam", "ipam-missing")
	if err == nil || !strings.Contains(err.Error(), "ipam-missing") {
		t.Errorf("missing IPAM: %v", err)
	}
}

func mustCanonical(t *testing.T, s *inventory.Snapshot) []byte {
	t.Helper()
	data, err := s.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return data
}
