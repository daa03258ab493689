package main

import (
	"bytes"
	"context"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
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
		// main, at the tests' pace.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := runMainPaced(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, testPace())
		stop()
		os.Exit(code)
	}
	os.Exit(runTests(m))
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
	t.Parallel()
	if testing.Short() {
		t.Skip("starts processes")
	}
	for _, format := range []string{"json", "console"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
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

// The secrets of the failure cases: markers again, none of which a correct run may write anywhere.
const (
	markerFileKeyID  = "LTAImarkerFILEKEY83d0c2"
	markerFileSecret = "markerFILESECRET41aa97c5"
	markerFileToken  = "markerFILETOKENb7e2f09d13"
	markerWrongSec   = "markerWRONGSECRET2c8e6f"
)

// secretsTopology: account 1 calls with the marker key; account 2 has a role that account 1 may assume,
// account 3 one that it may not.
const secretsTopology = `accounts:
  - id: "1000000000000001"
    access_key_id: ` + markerKeyID + `
    access_key_secret: ` + markerSecret + `
  - id: "1000000000000002"
    roles:
      - name: ipam-cleanup
        trust: ["1000000000000001"]
  - id: "1000000000000003"
    roles:
      - name: ipam-cleanup
        trust: ["1000000000000002"]
`

// TestNoSecretInFailures runs inventory and cleanup, each as its own process, where credentials fail: a
// malformed ~/.aliyun/config.json holding a secret and a token, no credentials at all, a role whose Sts is a
// closed port or a name that does not resolve, a role Sts refuses, a wrong secret with and without a role. It
// scans stdout, stderr and every file the runs wrote (the cleanup report and whatever else is under its
// --out-dir) for every secret and token in play, the key id (bare and as AccessKeyId=), and the signed
// request's Signature= and SignatureNonce=; and it checks that the error says, in the tool's words, which
// credential failed and why.
func TestNoSecretInFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	topo, err := topology.Parse([]byte(secretsTopology), "secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := simtest.StartTopology(t, topo)
	sts := s.StartTLS(t) // sets SSL_CERT_FILE, which the processes inherit
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	malformed := `{"current": "default", "profiles": [{"name": "default", "mode": "StsToken",
  "access_key_id": "` + markerFileKeyID + `", "access_key_secret": "` + markerFileSecret + `",
  "sts_token": "` + markerFileToken + `", "region_id": "cn-hangzhou",}]}`
	keyEnv := []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=" + markerKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + markerSecret}
	cleanupCfg := func(roleAccount, stsEndpoint string) string {
		acct := `{}`
		if roleAccount != "" {
			acct = `{role_arn: "acs:ram::` + roleAccount + `:role/ipam-cleanup"}`
		}
		return "regions: [cn-hangzhou]\nallowed_accounts: [\"1000000000000001\", \"1000000000000002\", \"1000000000000003\"]\n" +
			"accounts:\n  - " + acct + "\nselect:\n  tags: {env: sandbox}\nsts_endpoint: " + stsEndpoint + "\n"
	}
	for _, tc := range []struct {
		name       string
		env        []string // on top of a clean credential environment
		configJSON string   // ~/.aliyun/config.json; "" = none
		commands   [][]string
		cleanup    string   // the cleanup config; "" = no cleanup run
		want       []string // in stderr of every run
		wantNot    []string // credentials-go's own words
	}{
		{
			name: "malformed config.json", configJSON: malformed, env: []string{"ALIBABA_CLOUD_CLI_PROFILE_DISABLED="},
			commands: [][]string{{"inventory", "--all"}}, cleanup: cleanupCfg("", sts),
			want:    []string{"config.json", "not valid JSON"},
			wantNot: []string{"unmarshal aliyun cli config"},
		},
		{
			name:     "no credentials",
			commands: [][]string{{"inventory", "--all"}}, cleanup: cleanupCfg("", sts),
			want:    []string{"no credentials found: tried the environment: ALIBABA_CLOUD_ACCESS_KEY_ID is not set", "not tried: the aliyun CLI profile (ALIBABA_CLOUD_CLI_PROFILE_DISABLED)", "--profile"},
			wantNot: []string{"enviroment", "Can not open file", "unable to get credentials from any"},
		},
		{
			name: "role, Sts at a closed port", env: keyEnv, cleanup: cleanupCfg("1000000000000002", closedAddr),
			want: []string{"acs:ram::1000000000000002:role/ipam-cleanup", closedAddr},
		},
		{
			name: "role, Sts name does not resolve", env: keyEnv, cleanup: cleanupCfg("1000000000000002", "sts.invalid"),
			want: []string{"acs:ram::1000000000000002:role/ipam-cleanup", "sts.invalid"},
		},
		{
			name: "role refused by Sts", env: keyEnv, cleanup: cleanupCfg("1000000000000003", sts),
			want:    []string{"acs:ram::1000000000000003:role/ipam-cleanup", "NoPermission"},
			wantNot: []string{"refresh session token failed"},
		},
		{
			name: "wrong secret, role", cleanup: cleanupCfg("1000000000000002", sts),
			env:     []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=" + markerKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + markerWrongSec},
			want:    []string{"acs:ram::1000000000000002:role/ipam-cleanup", "Sts rejected the credentials it was asked with (SignatureDoesNotMatch"},
			wantNot: []string{"refresh session token failed"},
		},
		{
			name: "wrong secret", commands: [][]string{{"inventory", "--all"}}, cleanup: cleanupCfg("", sts),
			env:  []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=" + markerKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + markerWrongSec},
			want: []string{"SignatureDoesNotMatch"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home, dir := t.TempDir(), t.TempDir()
			if tc.configJSON != "" {
				if err := os.MkdirAll(filepath.Join(home, ".aliyun"), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(home, ".aliyun", "config.json"), []byte(tc.configJSON), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			env := append(os.Environ(), runMainEnv+"=1",
				"ALIBABA_CLOUD_ACCESS_KEY_ID=", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=", "ALIBABA_CLOUD_SECURITY_TOKEN=",
				"ALIBABA_CLOUD_CREDENTIALS_URI=", "ALIBABA_CLOUD_ROLE_ARN=", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN=",
				"ALIBABA_CLOUD_OIDC_TOKEN_FILE=", "ALIBABA_CLOUD_PROFILE=", "ALIBABA_CLOUD_CREDENTIALS_FILE=",
				"ALIBABA_CLOUD_CONFIG_FILE=", "ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true",
				"ALIBABA_CLOUD_ECS_METADATA_DISABLED=true", "ALIBABA_CLOUD_REGION_ID=", "HOME="+home, "DEBUG=")
			env = append(env, tc.env...)
			commands := tc.commands
			if tc.cleanup != "" {
				cfg := filepath.Join(dir, "cleanup.yaml")
				if err := os.WriteFile(cfg, []byte(tc.cleanup), 0o600); err != nil {
					t.Fatal(err)
				}
				commands = append(commands, []string{"cleanup", "--config", cfg, "--out-dir", filepath.Join(dir, "out")})
			}
			var all bytes.Buffer
			for _, args := range commands {
				for _, format := range []string{"json", "console"} {
					cmd := exec.CommandContext(t.Context(), os.Args[0],
						append([]string{"--region", "cn-hangzhou", "--endpoint", s.URL, "--log-format", format, "--log-level", "debug"}, args...)...)
					cmd.Env, cmd.Dir = env, dir
					cmd.Stdin = strings.NewReader("")
					var stdout, stderr bytes.Buffer
					cmd.Stdout, cmd.Stderr = &stdout, &stderr
					err := cmd.Run()
					if code := cmd.ProcessState.ExitCode(); code != exitFailed {
						t.Errorf("%v: exit %d (%v), want %d\nstderr:\n%s", args, code, err, exitFailed, stderr.String())
					}
					for _, w := range tc.want {
						if !strings.Contains(stderr.String(), w) {
							t.Errorf("%v --log-format %s: stderr lacks %q:\n%s", args, format, w, stderr.String())
						}
					}
					for _, w := range tc.wantNot {
						if strings.Contains(stderr.String(), w) {
							t.Errorf("%v --log-format %s: stderr has credentials-go's %q:\n%s", args, format, w, stderr.String())
						}
					}
					all.Write(stdout.Bytes())
					all.Write(stderr.Bytes())
				}
			}
			var files []string
			err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || d.Name() == "cleanup.yaml" {
					return err
				}
				data, err := os.ReadFile(path)
				files = append(files, path)
				all.Write(data)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if tc.cleanup != "" && !slices.Contains(files, filepath.Join(dir, "out", "report.json")) {
				t.Errorf("cleanup wrote no report.json (files: %v)", files)
			}
			for name, marker := range map[string]string{
				"the secret": markerSecret, "the key id": markerKeyID, "the key id's query form": "AccessKeyId=" + markerKeyID,
				"config.json's secret": markerFileSecret, "config.json's token": markerFileToken, "config.json's key id": markerFileKeyID,
				"the wrong secret": markerWrongSec, "a signature": "Signature=", "a signature nonce": "SignatureNonce=",
			} {
				if i := strings.Index(all.String(), marker); i >= 0 {
					lo, hi := max(0, i-200), min(all.Len(), i+len(marker)+50)
					t.Errorf("%s is in the output: ...%s...", name, all.String()[lo:hi])
				}
			}
		})
	}
}
