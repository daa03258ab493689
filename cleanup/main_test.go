package cleanup_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
)

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

// runTests runs the tests with the environment every bed needs, set once for the process rather than by
// t.Setenv in each test (which forbids t.Parallel): the credential chain pointed at the caller's key (account
// 1 is the emulator's default account, whose key is the default key) and shut off from every other source,
// and SSL_CERT_FILE naming the certificate of the emulator's HTTPS listeners, which credentials-go's Sts
// calls verify against the system roots. Go reads SSL_CERT_FILE once, at the first verification, so it must
// be set before any test runs.
func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "cleanup-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	cert := filepath.Join(dir, "simtest-ca.pem")
	if err := simtest.WriteTLSCert(cert); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	env := simtest.CredentialsEnv(ipamsim.DefaultAccessKeyID, ipamsim.DefaultAccessKeySecret)
	env["HOME"], env["SSL_CERT_FILE"] = dir, cert
	if err := simtest.SetProcessEnv(env); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
