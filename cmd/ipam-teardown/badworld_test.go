package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// badCase is a command line that must fail with code, with every string of want in the message of the error
// record that ends stderr, and make no mutating call (lock tags included unless tags is set).
type badCase struct {
	name string
	args []string
	code int
	want []string
	tags bool // the lock's tag calls are allowed (a refusal after the lock)
}

// runBad runs tt through the entry point against s and checks the exit code, the message and the call log.
func runBad(t *testing.T, s *simtest.Server, tt badCase) {
	t.Helper()
	before := len(s.Wire.Calls())
	_, stderr, code := runMainIn(t, tt.args...)
	if code != tt.code {
		t.Errorf("exit %d, want %d\n%s", code, tt.code, stderr)
	}
	recs := jsonRecords(t, stderr)
	if len(recs) == 0 {
		t.Fatalf("nothing on stderr")
	}
	last := recs[len(recs)-1]
	msg, _ := last["message"].(string)
	t.Logf("exit %d: %s", code, msg)
	if last["level"] != "error" || last["exit_code"] != float64(tt.code) {
		t.Errorf("the last record is not the error with exit_code %d: %v", tt.code, last)
	}
	for _, w := range tt.want {
		if !strings.Contains(msg, w) {
			t.Errorf("the error %q does not contain %q", msg, w)
		}
	}
	for _, c := range s.Wire.Calls()[before:] {
		if c.DryRun || strings.HasPrefix(c.Action, "List") || strings.HasPrefix(c.Action, "Get") {
			continue
		}
		if tt.tags && (c.Action == "TagResources" || c.Action == "UntagResources") {
			continue
		}
		t.Errorf("a mutating call: %s %v", c.Action, c.Params)
	}
}

// TestBadFilesAndWorld: plan files that are truncated, tampered with, of a future version or stale; journals
// that are malformed or of another plan; a topology with wrong types; a region and an IPAM that do not exist;
// credentials the service rejects. Each is a clear error naming the input at fault, with the exit code of the
// mapping, and no mutating call.
func TestBadFilesAndWorld(t *testing.T) {
	s := simtest.Start(t, "../../testdata/topologies/sandbox.yaml")
	s.SetCredentialsEnv(t, ipamsim.DefaultAccount)
	t.Setenv("ALIBABA_CLOUD_REGION_ID", "")
	ipamID := s.Refs["ipam/sandbox"]
	dir := t.TempDir()
	plan := planSandbox(t, s.URL, ipamID)
	data, err := os.ReadFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	truncated := write("truncated.json", data[:len(data)/2])
	tampered := write("tampered.json", bytes.Replace(data, []byte(`"DeleteIpamPool"`), []byte(`"DeleteIpamScope"`), 1))
	future := write("future.json", bytes.Replace(data, []byte(`"format_version": 1,`), []byte(`"format_version": 2,`), 1))
	if bytes.Equal(data, readFile(t, future)) {
		t.Fatal("the plan has no format_version 1 to change")
	}
	// A journal of another plan of the same IPAM (every plan has its own id), as its run wrote it.
	other, err := plans.ReadFile(planSandbox(t, s.URL, ipamID))
	if err != nil {
		t.Fatal(err)
	}
	otherJournal := write("other.journal", []byte(`{"t":"2026-12-02T00:00:00Z","event":"plan","plan_id":"`+other.PlanID+`","checksum":"`+other.Checksum+`"}`+"\n"))
	malformed := write("malformed.journal", []byte("hello, not a journal\n"))
	topoTypes := write("types.yaml", []byte("accounts:\n  - id: \"1000000000000001\"\n    ipams: yes\n"))
	topoMask := write("mask.yaml", []byte("accounts:\n  - id: \"1000000000000001\"\n    ipams:\n      - name: a\n        pools:\n          - name: p\n            cidrs: 10.0.0.0/8\n"))

	live := []string{"--endpoint", s.URL, "--log-format", "json"}
	region := append(live, "--region", "cn-hangzhou")
	tests := []badCase{
		{"apply a truncated plan", append(live, "apply", truncated, "--yes"), exitUsage, []string{truncated, "truncated"}, false},
		{"apply a tampered plan", append(live, "apply", tampered, "--yes"), exitUsage, []string{tampered, "checksum does not match"}, false},
		{"apply a plan of a future version", append(live, "apply", future, "--yes"), exitUsage, []string{future, "format_version: 2 is not supported"}, false},
		{"apply with a malformed journal", append(live, "apply", plan, "--yes", "--journal", malformed), exitRefused, []string{"journal " + malformed + " line 1"}, false},
		{"apply with another plan's journal", append(live, "apply", plan, "--yes", "--journal", otherJournal), exitRefused, []string{otherJournal, "belongs to plan"}, false},
		{"sim serve a topology with a wrong type", append(live, "sim", "serve", "--topology", topoTypes), exitUsage, []string{"--topology", topoTypes + ":3", "ipams"}, false},
		{"sim serve a topology with a list given as a string", append(live, "sim", "serve", "--topology", topoMask), exitUsage, []string{"--topology", topoMask + ":7"}, false},
		{"inventory of a region that does not exist", append(live, "--region", "xx-nowhere-1", "inventory", "--all", "--qps", "1000"), exitUsage, []string{"region xx-nowhere-1", "no such region", "InvalidRegionId.NotFound"}, false},
		{"plan of a region that does not exist", append(live, "--region", "xx-nowhere-1", "plan", "--all", "--qps", "1000", "-o", filepath.Join(dir, "p.json")), exitUsage, []string{"region xx-nowhere-1", "no such region"}, false},
		{"inventory of an IPAM that does not exist", append(region, "inventory", "--ipam", "ipam-nosuch1234", "--qps", "1000"), exitUsage, []string{"--ipam ipam-nosuch1234: no such IPAM in region cn-hangzhou"}, false},
		{"plan of an IPAM that does not exist", append(region, "plan", "--ipam", "ipam-nosuch1234", "--qps", "1000", "-o", filepath.Join(dir, "p.json")), exitUsage, []string{"--ipam ipam-nosuch1234: no such IPAM"}, false},
		{"destroy of an IPAM that does not exist", append(region, "destroy", "--ipam", ipamID, "--ipam", "ipam-nosuch1234", "--yes", "--qps", "1000", "--out-dir", filepath.Join(dir, "d")), exitUsage, []string{"--ipam ipam-nosuch1234: no such IPAM"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runBad(t, s, tt) })
	}
	if _, err := os.Stat(filepath.Join(dir, "p.json")); err == nil {
		t.Error("a plan was written")
	}
	if _, err := os.Stat(filepath.Join(dir, "d", "plan.json")); err == nil {
		t.Error("destroy wrote a plan")
	}
	if !bytes.Equal(readFile(t, malformed), []byte("hello, not a journal\n")) {
		t.Error("the malformed journal was changed")
	}

	// A stale plan: the pool tree changed after planning (a new allocation). The drift check refuses after
	// the lock, before any dry run or deletion.
	t.Run("apply a stale plan", func(t *testing.T) {
		if _, err := s.Sim.Invoke(t.Context(), ipamsim.DefaultAccount, wire.ProductVpcIpam, "CreateIpamPoolAllocation", wire.Params{
			"RegionId": "cn-hangzhou", "IpamPoolId": s.Refs["pool/prod-hz-app"], "CidrMask": "28", "IpamPoolAllocationName": "late"}); err != nil {
			t.Fatal(err)
		}
		runBad(t, s, badCase{args: append(live, "apply", plan, "--yes", "--qps", "1000", "--journal", filepath.Join(dir, "stale.journal")),
			code: exitRefused, want: []string{"the IPAMs changed since the plan was made; nothing was deleted", "Make a new plan"}, tags: true})
	})

	// Credentials the service rejects: the message says credentials and names the code; a failure (1).
	for _, c := range []struct {
		name, env, value, code string
	}{
		{"wrong secret", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "not-the-secret", "SignatureDoesNotMatch"},
		{"unknown key", "ALIBABA_CLOUD_ACCESS_KEY_ID", "no-such-key", "InvalidAccessKeyId.NotFound"},
	} {
		for name, cmd := range map[string][]string{
			"inventory": append(region, "inventory", "--all", "--qps", "1000"),
			"apply":     append(live, "apply", plan, "--yes", "--qps", "1000", "--journal", filepath.Join(dir, c.code+".journal")),
		} {
			t.Run(c.name+" "+name, func(t *testing.T) {
				t.Setenv(c.env, c.value)
				runBad(t, s, badCase{args: cmd, code: exitFailed, want: []string{"rejected the credentials (" + c.code + ")", c.env}})
			})
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestExpiredSecurityToken: a temporary credential (AssumeRole) past its expiry is rejected by the service
// with InvalidSecurityToken.Expired; the error says the credentials were rejected and that the token needs
// renewing, exit 1, and no mutating call.
func TestExpiredSecurityToken(t *testing.T) {
	topo, err := topology.Parse([]byte(`accounts:
  - id: "1000000000000001"
  - id: "1000000000000002"
    roles:
      - name: ipam-cleanup
        trust: ["1000000000000001"]
    ipams:
      - name: sandbox-b
        region: ap-southeast-7
`), "roles.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var skew atomic.Int64 // the emulator's clock runs ahead by this much
	s := simtest.StartTopology(t, topo, simtest.WithNow(func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }))
	out, err := s.Sim.Invoke(t.Context(), "1000000000000001", wire.ProductSts, "AssumeRole", wire.Params{
		"RoleArn": "acs:ram::1000000000000002:role/ipam-cleanup", "RoleSessionName": "expiring", "DurationSeconds": "900"})
	if err != nil {
		t.Fatal(err)
	}
	cred, _ := out["Credentials"].(map[string]any)
	for k, v := range map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "AccessKeyId", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "AccessKeySecret", "ALIBABA_CLOUD_SECURITY_TOKEN": "SecurityToken"} {
		val, _ := cred[v].(string)
		if val == "" {
			t.Fatalf("AssumeRole answered no %s: %v", v, out)
		}
		t.Setenv(k, val)
	}
	args := []string{"--endpoint", s.URL, "--log-format", "json", "--region", "ap-southeast-7", "inventory", "--all", "--qps", "1000"}
	if _, stderr, code := runMainIn(t, args...); code != exitOK {
		t.Fatalf("inventory with the fresh token: exit %d\n%s", code, stderr)
	}
	skew.Store(int64(16 * time.Minute))
	runBad(t, s, badCase{args: args, code: exitFailed, want: []string{"rejected the credentials (InvalidSecurityToken.Expired)", "expired security token"}})
}
