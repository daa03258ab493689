package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while the command writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// startServe runs `sim serve args...` until the test ends and returns the URL of its first stdout line.
func startServe(t *testing.T, args ...string) (url string, stderr *syncBuffer) {
	t.Helper()
	pr, pw := io.Pipe()
	stderr = &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := newRootCommand(pw, stderr)
	cmd.SetArgs(append([]string{"--log-format", "json", "sim", "serve"}, args...))
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx); pw.Close() }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("sim serve returned %v after the interrupt; want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("sim serve did not stop after the interrupt")
		}
	})
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatalf("sim serve wrote no line to stdout; stderr:\n%s", stderr)
	}
	go io.Copy(io.Discard, pr) //nolint:errcheck // keep the pipe drained
	first := lines.Text()
	url, ok := strings.CutPrefix(first, "listening on http://127.0.0.1:")
	if !ok || url == "" {
		t.Fatalf("first stdout line %q; want %q", first, "listening on http://127.0.0.1:PORT")
	}
	return "http://127.0.0.1:" + url, stderr
}

func TestSimServeTopology(t *testing.T) {
	url, stderr := startServe(t, "--topology", "../../testdata/topologies/sandbox.yaml",
		"--access-key-id", "my-key", "--access-key-secret", "my-secret-value", "--fault", "throttle=0.7,action=ListIpamScopes")

	resp, err := http.Get(url + "/_sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var state map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /_sim/state: %d %v", resp.StatusCode, err)
	}
	if !strings.Contains(string(state["ipams"]), `"sandbox"`) {
		t.Errorf("state has no sandbox IPAM: %.300s", state["ipams"])
	}

	// The tool reaches it with the keys the flags set, and the fault rule throttles the action it names:
	// the inventory retries through it, and the call log shows both the refusals and the success.
	setKeyEnv(t, "my-key", "my-secret-value")
	out, errOut, err := run(t, "--region", "cn-hangzhou", "--endpoint", url, "--log-format", "json", "inventory", "--all", "--format", "text")
	if err != nil {
		t.Fatalf("inventory through sim serve: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, `"sandbox"`) {
		t.Errorf("inventory text lacks the sandbox IPAM:\n%s", out)
	}
	resp, err = http.Get(url + "/_sim/calls")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var calls []struct{ Action, Code string }
	if err := json.NewDecoder(resp.Body).Decode(&calls); err != nil {
		t.Fatal(err)
	}
	codes := map[string]int{}
	for _, c := range calls {
		if c.Action == "ListIpamScopes" {
			codes[c.Code]++
		} else if c.Code != "" {
			t.Errorf("%s answered %s; the fault names ListIpamScopes only", c.Action, c.Code)
		}
	}
	if codes["Throttling.User"] == 0 || codes[""] == 0 {
		t.Errorf("ListIpamScopes answers %v; want throttled calls and a success", codes)
	}
	if !strings.Contains(stderr.String(), `"access_key_id":"my-key"`) {
		t.Errorf("stderr does not name the account's key id:\n%s", stderr)
	}
	// Every ref the topology README says sim serve prints: the IPAM, its scopes and default discovery, the
	// pools, allocations, VPCs, share and discovery, each with the id the state holds.
	refs := map[string]string{}
	for _, rec := range jsonRecords(t, stderr.String()) {
		if ref, ok := rec["ref"].(string); ok {
			refs[ref], _ = rec["id"].(string)
		}
	}
	for _, want := range []string{"ipam/sandbox", "ipam/sandbox/private-scope", "ipam/sandbox/discovery", "pool/corp", "pool/prod-hz-db", "scope/sandbox-prod"} {
		if id := refs[want]; id == "" || !strings.Contains(string(state["ipams"])+string(state["pools"])+string(state["scopes"])+string(state["discoveries"]), `"`+id+`"`) {
			t.Errorf("stderr gives %s as %q, which the state does not hold; refs: %v", want, id, refs)
		}
	}
	if strings.Contains(stderr.String(), "my-secret-value") {
		t.Error("sim serve logged a secret")
	}
}

func TestSimServeEmptyDefaultKey(t *testing.T) {
	url, _ := startServe(t, "--latency", "1ms", "--seed", "5")
	setKeyEnv(t, "sim-access-key", "sim-secret")
	out, stderr, err := run(t, "--region", "cn-hangzhou", "--endpoint", url, "--log-format", "json", "inventory", "--all", "--format", "text")
	if err != nil {
		t.Fatalf("inventory of the empty emulator with the documented default key: %v\n%s", err, stderr)
	}
	if strings.Contains(out, "IPAM ipam-") {
		t.Errorf("the empty emulator lists an IPAM:\n%s", out)
	}
}

func TestSimServeBadFlags(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"--throttle", "1.5"}, "--throttle"},
		{[]string{"--error-rate", "-0.1"}, "--error-rate"},
		{[]string{"--qps", "-1"}, "--qps"},
		{[]string{"--delete-delay", "-1s"}, "--delete-delay"},
		{[]string{"--delete-delay-tail", "0x10"}, "--delete-delay-tail"},
		{[]string{"--delete-delay-tail", "1.5x10"}, "--delete-delay-tail"},
		{[]string{"--delete-delay-tail", "0.1x0.5"}, "--delete-delay-tail"},
		{[]string{"--delete-delay-tail", "0.1"}, "--delete-delay-tail"},
		{[]string{"--fault", "throttle=lots"}, "--fault"},
		{[]string{"--topology", "no-such-file.yaml"}, "no-such-file.yaml"},
		{[]string{"--addr", "256.0.0.1:0"}, "--addr"},
		{[]string{"--access-key-id", ""}, "--access-key-id"},
	} {
		t.Run(c.flag, func(t *testing.T) {
			t.Parallel()
			stdout, _, err := run(t, append([]string{"sim", "serve"}, c.args...)...)
			if exitCode(err) != exitUsage || !strings.Contains(err.Error(), c.flag) {
				t.Errorf("sim serve %v: exit %d, err %v; want a usage error naming %s", c.args, exitCode(err), err, c.flag)
			}
			if stdout != "" {
				t.Errorf("sim serve %v printed %q before refusing", c.args, stdout)
			}
		})
	}
}

// setKeyEnv gives the credential chain this key through the environment and nothing else.
func setKeyEnv(t *testing.T, id, secret string) {
	t.Helper()
	for k, v := range map[string]string{
		"ALIBABA_CLOUD_ACCESS_KEY_ID": id, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": secret, "ALIBABA_CLOUD_SECURITY_TOKEN": "",
		"HOME": t.TempDir(), "ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true", "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
}

// TestSimServeTLS: with --tls-cert, sim serve also answers over HTTPS with a certificate that the file it
// wrote (the certificate, never its key) makes a client trust; that is what SSL_CERT_FILE does for
// credentials-go's Sts calls.
func TestSimServeTLS(t *testing.T) {
	certFile := filepath.Join(t.TempDir(), "sim.pem")
	_, stderr := startServe(t, "--tls-cert", certFile)
	var tlsURL string
	// The log lines follow the first stdout line.
	for deadline := time.Now().Add(5 * time.Second); tlsURL == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, line := range strings.Split(stderr.String(), "\n") {
			var rec struct{ URL string }
			if json.Unmarshal([]byte(line), &rec) == nil && strings.HasPrefix(rec.URL, "https://") {
				tlsURL = rec.URL
			}
		}
	}
	if tlsURL == "" {
		t.Fatalf("no HTTPS url on stderr:\n%s", stderr)
	}
	pemBytes, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(pemBytes), "PRIVATE KEY") {
		t.Fatal("the certificate file holds the private key")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("%s holds no certificate", certFile)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(tlsURL + "/_sim/state")
	if err != nil {
		t.Fatalf("GET over HTTPS, trusting %s: %v", certFile, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s/_sim/state: %d", tlsURL, resp.StatusCode)
	}
	if _, err := http.Get(tlsURL + "/_sim/state"); err == nil {
		t.Error("a client that does not trust the certificate got an answer")
	}
}
