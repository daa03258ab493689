package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
)

// TestEndpointFlag: a bad --endpoint is a usage error (exit 2) before any call: empty given explicitly (an
// unset shell variable would otherwise mean the real regional endpoints), no scheme, another scheme, not a
// URL, a path, plain http:// to a host that is not loopback without --insecure-endpoint.
func TestEndpointFlag(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, "../../testdata/topologies/sandbox.yaml")
	useDefaultKey(t, s)
	port := strings.TrimPrefix(s.URL, "http://127.0.0.1")
	tests := []struct {
		endpoint string
		extra    []string
		mention  string
	}{
		{"", nil, "empty"},
		{"127.0.0.1" + port, nil, "http://"},
		{"ftp://127.0.0.1" + port, nil, "http://"},
		{"not a url", nil, "http://"},
		{s.URL + "/api", nil, "no path"},
		{"http://10.0.0.5" + port, nil, "--insecure-endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			args := append([]string{"--region", "cn-hangzhou", "--endpoint", tt.endpoint}, tt.extra...)
			args = append(args, "inventory", "--all", "--format", "text")
			stdout, _, err := run(t, args...)
			if got := exitCode(err); got != exitUsage {
				t.Fatalf("exit code = %d (err %v), want %d", got, err, exitUsage)
			}
			if !strings.Contains(err.Error(), "--endpoint") || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not name --endpoint and %q", err, tt.mention)
			}
			if stdout != "" {
				t.Errorf("stdout = %q", stdout)
			}
		})
	}
	// The same flags on a command that makes no call are refused too: the flag is wrong wherever it is.
	if _, _, err := run(t, "--endpoint", "", "version"); exitCode(err) != exitUsage {
		t.Errorf("version --endpoint '': err = %v", err)
	}
	if calls := simCallCount(t, s); calls != 0 {
		t.Errorf("%d calls reached the emulator", calls)
	}
	// A good endpoint still works, and --endpoint left out is not an error.
	if _, _, err := run(t, "--region", "cn-hangzhou", "--endpoint", s.URL, "inventory", "--all", "--format", "text"); err != nil {
		t.Errorf("loopback http endpoint: %v", err)
	}
	if _, _, err := run(t, "version"); err != nil {
		t.Errorf("version without --endpoint: %v", err)
	}
}

// TestInsecureEndpoint: --insecure-endpoint lets a plain http:// endpoint to another host through to the
// client (no call is made here: building the client sends nothing).
func TestInsecureEndpoint(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, "../../testdata/topologies/sandbox.yaml")
	useDefaultKey(t, s)
	g := &globalOptions{region: "cn-hangzhou", endpoint: "http://10.0.0.5:8080", logFormat: "json", logLevel: "info", stderr: &bytes.Buffer{}}
	if _, err := g.client(context.Background(), qpsFlag{}); exitCode(err) != exitUsage {
		t.Errorf("without --insecure-endpoint: err = %v, want a usage error", err)
	}
	g.insecureEndpoint = true
	if _, err := g.client(context.Background(), qpsFlag{}); err != nil {
		t.Errorf("with --insecure-endpoint: %v", err)
	}
}

func simCallCount(t *testing.T, s *simtest.Server) int {
	t.Helper()
	return len(s.Wire.Calls())
}
