package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/plans"
)

// writeTestPlan writes a small valid plan (a pool CIDR, then its pool, then the IPAM) and returns its path
// and the plan as written.
func writeTestPlan(t *testing.T) (string, *plans.Plan) {
	t.Helper()
	const ipam = "ipam-show0123"
	p := &plans.Plan{
		PlanID:               "plan-show-test",
		CreatedAt:            time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC),
		ToolVersion:          "test",
		Region:               "cn-hangzhou",
		AccountID:            "1000000000000001",
		InventoryFingerprint: "sha256:0000000000000000000000000000000000000000000000000000000000000000",
		Steps: []plans.Step{
			{ID: "delete-cidr/ipam-pool-a/10.0.0.0/16", Action: "DeleteIpamPoolCidr", Product: "VpcIpam", ResourceType: "pool-cidr",
				ResourceID: "ipam-pool-a/10.0.0.0/16", IPAMID: ipam, Region: "cn-hangzhou", Rule: "8.1",
				Params: map[string]string{"RegionId": "cn-hangzhou", "IpamPoolId": "ipam-pool-a", "Cidr": "10.0.0.0/16"}},
			{ID: "delete-pool/ipam-pool-a", Action: "DeleteIpamPool", Product: "VpcIpam", ResourceType: "pool",
				ResourceID: "ipam-pool-a", IPAMID: ipam, Region: "cn-hangzhou", Level: 1, Rule: "8.5",
				Params: map[string]string{"RegionId": "cn-hangzhou", "IpamPoolId": "ipam-pool-a"}, WaitFor: "gone",
				DependsOn: []plans.Dependency{{ID: "delete-cidr/ipam-pool-a/10.0.0.0/16", Rule: "8.5"}}},
			{ID: "delete-ipam/" + ipam, Action: "DeleteIpam", Product: "VpcIpam", ResourceType: "ipam",
				ResourceID: ipam, IPAMID: ipam, Region: "cn-hangzhou", Level: 2, Rule: "8.9",
				Params: map[string]string{"RegionId": "cn-hangzhou", "IpamId": ipam}, WaitFor: "gone",
				DependsOn: []plans.Dependency{{ID: "delete-pool/ipam-pool-a", Rule: "8.9"}}},
		},
		Blockers: []plans.Blocker{{ResourceType: "allocation", ResourceID: "ipam-pool-alloc-v6", IPAMID: ipam,
			Reason: "an IPv6 VPC allocation", HeldBack: []string{"delete-cidr/ipam-pool-b/fd00::/56"}}},
	}
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := plans.WriteFile(path, p); err != nil {
		t.Fatal(err)
	}
	return path, p
}

func TestShowRendersEveryFormat(t *testing.T) {
	t.Parallel()
	path, p := writeTestPlan(t)
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range plans.Formats() {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			out, stderr, err := run(t, "show", path, "--format", format)
			if err != nil {
				t.Fatalf("show --format %s: %v (stderr %q)", format, err, stderr)
			}
			var want bytes.Buffer
			if err := plans.Render(&want, p, format); err != nil {
				t.Fatal(err)
			}
			if out != want.String() {
				t.Errorf("show --format %s printed something other than plans.Render:\n%s", format, out)
			}
			if format == "json" && out != string(file) {
				t.Errorf("show --format json is not the plan file byte for byte")
			}
			if !strings.Contains(out, "delete-pool/ipam-pool-a") {
				t.Errorf("output does not mention the steps:\n%s", out)
			}
		})
	}
}

func TestShowDefaultsToText(t *testing.T) {
	t.Parallel()
	path, p := writeTestPlan(t)
	out, _, err := run(t, "show", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Teardown plan plan-show-test", "Level 2", "delete-ipam/ipam-show0123", "Blockers", "Held back", p.Checksum} {
		if !strings.Contains(out, want) {
			t.Errorf("show output does not contain %q:\n%s", want, out)
		}
	}
}

func TestShowReadsStdin(t *testing.T) {
	t.Parallel()
	path, _ := writeTestPlan(t)
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	cmd := newRootCommand(&out, &errb)
	cmd.SetIn(bytes.NewReader(file))
	cmd.SetArgs([]string{"show", "-", "-f", "json"})
	if err := cmd.ExecuteContext(t.Context()); err != nil {
		t.Fatal(err)
	}
	if out.String() != string(file) {
		t.Errorf("show - --format json did not print the plan read from stdin")
	}
}

func TestShowRefusesBadInput(t *testing.T) {
	t.Parallel()
	path, _ := writeTestPlan(t)
	dir := filepath.Dir(path)
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tampered := write("tampered.json", bytes.Replace(file, []byte(`"ipam-pool-a"`), []byte(`"ipam-pool-z"`), 1))
	truncated := write("truncated.json", file[:len(file)/3])
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"tampered", []string{"show", tampered}, []string{tampered, "checksum does not match"}},
		{"truncated", []string{"show", truncated}, []string{truncated, "truncated", "byte offset"}},
		{"missing", []string{"show", filepath.Join(dir, "nope.json")}, []string{"nope.json"}},
		{"directory", []string{"show", dir}, []string{dir, "is a directory"}},
		{"unknown format", []string{"show", path, "--format", "yaml"}, []string{"--format", `"yaml"`, "text, markdown, json, dot, mermaid"}},
		{"no file", []string{"show"}, []string{"one plan file", "got 0"}},
		{"two files", []string{"show", path, path}, []string{"one plan file", "got 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, _, err := run(t, tt.args...)
			if got := exitCode(err); got != exitUsage {
				t.Fatalf("exit code %d (err %v), want %d", got, err, exitUsage)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if out != "" {
				t.Errorf("a refused show printed %q on stdout", out)
			}
		})
	}
}
