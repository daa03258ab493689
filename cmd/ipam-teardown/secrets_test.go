package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// runMainEnv, set in a child process's environment, makes the test binary run the command (main) instead
// of the tests: the secrets test needs a real process, whose own stdout and stderr it can read, started
// with DEBUG set (the SDK reads DEBUG once, while its packages initialise, so only a fresh process shows
// what it would print).
const runMainEnv = "IPAM_TEARDOWN_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main() // exits
	}
	os.Exit(m.Run())
}

// The account's permanent key, set to markers: unique strings that cannot appear by accident in any output.
// The runs use a temporary credential of that account (AssumeRole), so that a security token is in play too.
const (
	markerKeyID  = "LTAImarkerKEYID5c1a7e"
	markerSecret = "markerSECRET9f3b2d71e0"
)

// TestNoSecretInAnyOutput runs inventory, plan (from the inventory and live), show, apply with a report and
// its journal, and two failing commands, each as its own process with the credentials set to markers,
// DEBUG=dara,tea and --log-level debug, in both log formats; then it reads every byte the processes wrote
// to stdout and stderr and every file they left, and fails on any that holds the secret or the security
// token. The access key id may appear nowhere either: the README promises the log names the credential
// provider, never a key.
func TestNoSecretInAnyOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	for _, format := range []string{"json", "console"} {
		t.Run(format, func(t *testing.T) {
			topo, err := topology.Load("../../testdata/topologies/sandbox.yaml")
			if err != nil {
				t.Fatal(err)
			}
			topo.Accounts[0].AccessKeyID, topo.Accounts[0].AccessKeySecret = markerKeyID, markerSecret
			account := topo.Accounts[0].ID
			topo.Accounts[0].Roles = append(topo.Accounts[0].Roles, &topology.Role{Name: "teardown", Trust: []string{account}})
			s := simtest.StartTopology(t, topo)
			ipamID := s.Refs["ipam/sandbox"]
			out, err := s.Sim.Invoke(t.Context(), account, wire.ProductSts, "AssumeRole", wire.Params{
				"RoleArn": "acs:ram::" + account + ":role/teardown", "RoleSessionName": "secrets-test"})
			if err != nil {
				t.Fatal(err)
			}
			creds, _ := out["Credentials"].(map[string]any)
			tempKeyID, _ := creds["AccessKeyId"].(string)
			tempSecret, _ := creds["AccessKeySecret"].(string)
			tempToken, _ := creds["SecurityToken"].(string)
			if tempKeyID == "" || tempSecret == "" || tempToken == "" {
				t.Fatalf("AssumeRole answered %v", out)
			}

			dir := t.TempDir()
			env := append(os.Environ(),
				runMainEnv+"=1",
				"ALIBABA_CLOUD_ACCESS_KEY_ID="+tempKeyID,
				"ALIBABA_CLOUD_ACCESS_KEY_SECRET="+tempSecret,
				// The emulator checks the token on every request of a temporary key.
				"ALIBABA_CLOUD_SECURITY_TOKEN="+tempToken,
				"ALIBABA_CLOUD_CREDENTIALS_URI=", "ALIBABA_CLOUD_ROLE_ARN=",
				"ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true", "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true",
				"ALIBABA_CLOUD_REGION_ID=",
				"HOME="+t.TempDir(),
				"DEBUG=dara,tea,credential",
			)
			global := []string{"--region", "cn-hangzhou", "--endpoint", s.URL, "--log-format", format, "--log-level", "debug"}
			snap, plan := filepath.Join(dir, "snap.json"), filepath.Join(dir, "plan.json")
			report := filepath.Join(dir, "report.json")
			var all bytes.Buffer
			step := func(wantCode int, args ...string) {
				t.Helper()
				cmd := exec.CommandContext(t.Context(), os.Args[0], append(global, args...)...)
				cmd.Env, cmd.Dir = env, dir
				cmd.Stdin = strings.NewReader("")
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				err := cmd.Run()
				code := cmd.ProcessState.ExitCode()
				if code != wantCode {
					t.Fatalf("%v: exit %d (%v), want %d\nstderr:\n%s", args, code, err, wantCode, stderr.String())
				}
				all.Write(stdout.Bytes())
				all.Write(stderr.Bytes())
			}
			step(exitOK, "inventory", "--qps", "1000", "--ipam", ipamID, "-o", snap)
			step(exitOK, "inventory", "--qps", "1000", "--ipam", ipamID, "--format", "text")
			step(exitOK, "plan", "--from-inventory", snap, "-o", plan)
			step(exitOK, "plan", "--qps", "1000", "--ipam", ipamID, "-o", plan)
			step(exitOK, "show", plan)
			step(exitUsage, "plan", "--qps", "1000", "--name", "nosuch", "-o", filepath.Join(dir, "none.json"))
			step(exitUsage, "plan", "--qps", "1000", "--ipam", ipamID, "--exclude", "ipam-pool-nosuch", "-o", filepath.Join(dir, "none.json"))
			step(exitOK, "apply", plan, "--yes", "--qps", "1000", "--report", report)
			step(exitOK, "apply", plan, "--yes", "--qps", "1000", "--report", report) // the resume path

			files, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range files {
				data, err := os.ReadFile(filepath.Join(dir, f.Name()))
				if err != nil {
					t.Fatal(err)
				}
				names = append(names, f.Name())
				all.Write(data)
			}
			for _, want := range []string{"plan.json", "plan.json.journal", "report.json", "snap.json"} {
				if _, err := os.Stat(filepath.Join(dir, want)); err != nil {
					t.Errorf("the run left no %s (files: %v)", want, names)
				}
			}
			// Evidence that the scan saw debug output of the runs and the cleared DEBUG, not just empty streams.
			for _, want := range []string{"DEBUG cleared at start-up", "DeleteIpam"} {
				if !strings.Contains(all.String(), want) {
					t.Errorf("the output lacks %q: the scan did not see what it should", want)
				}
			}
			for name, marker := range map[string]string{"access key secret": tempSecret, "security token": tempToken, "access key id": tempKeyID,
				"the account's permanent secret": markerSecret, "the account's permanent key id": markerKeyID} {
				if i := strings.Index(all.String(), marker); i >= 0 {
					lo, hi := max(0, i-200), min(all.Len(), i+len(marker)+50)
					t.Errorf("the %s is in the output: ...%s...", name, all.String()[lo:hi])
				}
			}
		})
	}
}
