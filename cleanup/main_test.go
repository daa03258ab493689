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
	for k, v := range map[string]string{
		"ALIBABA_CLOUD_ACCESS_KEY_ID":         ipamsim.DefaultAccessKeyID,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET":     ipamsim.DefaultAccessKeySecret,
		"ALIBABA_CLOUD_SECURITY_TOKEN":        "",
		"ALIBABA_CLOUD_CREDENTIALS_URI":       "",
		"ALIBABA_CLOUD_ROLE_ARN":              "",
		"ALIBABA_CLOUD_CLI_PROFILE_DISABLED":  "true",
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
		"HOME":                                dir,
		"SSL_CERT_FILE":                       cert,
	} {
		if err := os.Setenv(k, v); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return m.Run()
}
