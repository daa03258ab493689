package cloudapi

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi/sdkenv"
)

const debugChildEnv = "CLOUDAPI_TEST_DEBUG_CHILD"

const childToken = "security-token-that-must-not-reach-stdout"

// TestDebugEnvPrintsNothing: with DEBUG=dara,tea,credential in the environment the SDK would print every
// request's headers (Authorization, x-acs-security-token) to stdout. The SDK reads DEBUG while its packages
// initialise, so the test runs a fresh copy of the test binary with it set, calls the emulator there, and
// reads that process's stdout.
func TestDebugEnvPrintsNothing(t *testing.T) {
	if os.Getenv(debugChildEnv) != "" {
		t.Skip("the child runs TestDebugEnvChild")
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestDebugEnvChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), debugChildEnv+"=1", "DEBUG=dara,tea,credential")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, "child made its call") {
		t.Fatalf("the child did not run its call:\n%s", out)
	}
	for _, secret := range []string{childToken, "sim-secret", "Authorization", "x-acs-", "Credential="} {
		if strings.Contains(out, secret) {
			t.Errorf("stdout holds %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(stderr.String(), "DEBUG cleared") {
		t.Errorf("the child's debug log does not say DEBUG was cleared:\n%s", stderr.String())
	}
}

// TestDebugEnvChild is the child of TestDebugEnvPrintsNothing.
func TestDebugEnvChild(t *testing.T) {
	if os.Getenv(debugChildEnv) == "" {
		t.Skip("run by TestDebugEnvPrintsNothing")
	}
	if got := sdkenv.Cleared(); got != "dara,tea,credential" {
		t.Fatalf("sdkenv.Cleared() = %q: the child did not start with DEBUG set", got)
	}
	if v, ok := os.LookupEnv("DEBUG"); ok {
		t.Fatalf("DEBUG=%q is still set", v)
	}
	s := startSim(t)
	t.Setenv("ALIBABA_CLOUD_SECURITY_TOKEN", childToken)
	c, err := New(context.Background(), Config{Region: "cn-hangzhou", Endpoint: s.URL, QPS: -1,
		Logger: zerolog.New(os.Stderr).Level(zerolog.DebugLevel)})
	if err != nil {
		t.Fatal(err)
	}
	// The answer does not matter (the emulator may refuse the token): the request is what DEBUG would print.
	_, _ = c.Do(context.Background(), Call{Product: ProductVpcIpam, Action: "ListIpams"})
	os.Stdout.WriteString("child made its call\n")
}
