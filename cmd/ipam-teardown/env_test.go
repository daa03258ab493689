package main

import (
	"fmt"
	"os"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
)

// runTests runs the tests with the standard credential chain pointed at the emulator's default key and shut
// off from the other sources (the aliyun CLI's profile, the ECS metadata service, a role), once for the whole
// process. The default account of every topology without keys of its own has that key, so the tests that use
// it share this environment and can run in parallel: t.Setenv forbids Parallel. A test that needs another
// key or variable still sets it with t.Setenv and is not parallel; Go runs such tests before the parallel
// ones, and t.Setenv puts back the values set here when the test ends. HOME stays: the chain takes the key in
// the environment before any file there, and the go command that TestVersionOfABuild runs keeps its build
// cache under it (an empty home meant compiling everything again, standard library included).
func runTests(m *testing.M) int {
	env := simtest.CredentialsEnv(ipamsim.DefaultAccessKeyID, ipamsim.DefaultAccessKeySecret)
	env["ALIBABA_CLOUD_REGION_ID"] = "" // --region is required unless a test sets it
	if err := simtest.SetProcessEnv(env); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// useDefaultKey fails the test unless the emulator s takes, for its default account, the key that runTests
// put into the environment: what simtest's SetCredentialsEnv would set, without t.Setenv.
func useDefaultKey(t *testing.T, s *simtest.Server) {
	t.Helper()
	c := s.Credential(t, ipamsim.DefaultAccount)
	if c.AccessKeyID != os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_ID") || c.AccessKeySecret != os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET") {
		t.Fatalf("the emulator's default account %s has the key %s, not the environment's (runTests): the test needs SetCredentialsEnv and must not be parallel",
			ipamsim.DefaultAccount, c.AccessKeyID)
	}
}
