// Package simtest runs the emulator behind a real HTTP listener for tests, so that code under test reaches it
// the way it reaches Alibaba Cloud: through the official SDK, signed requests and all. Every server is closed
// when its test ends.
package simtest

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// Server is one emulator served over HTTP.
type Server struct {
	URL  string             // http://127.0.0.1:PORT, for --endpoint and cloudapi.Config.Endpoint
	Sim  *ipamsim.Sim       // the emulator, for direct inspection
	Wire *wire.Server       // the HTTP front: call log, faults
	Refs topology.Refs      // topology names to ids; nil when no topology was loaded
	Topo *topology.Topology // the loaded topology; nil when none was
}

// Option changes how a Server is started.
type Option func(*config)

type config struct {
	opts   ipamsim.Options
	faults []wire.FaultRule
	seed   int64
}

// WithFaults injects rules, decided under seed, from the first call on.
func WithFaults(seed int64, rules ...wire.FaultRule) Option {
	return func(c *config) { c.seed, c.faults = seed, append(c.faults, rules...) }
}

// WithDeleteDelay opens a Deleting window of d after each delete (Start only).
func WithDeleteDelay(d time.Duration) Option { return func(c *config) { c.opts.DeleteDelay = d } }

// WithDeleteDelayTail makes a share of the Deleting windows longer (Start only; see ipamsim.DeleteDelayTail),
// drawn from the emulator's id seed.
func WithDeleteDelayTail(ratio, factor float64) Option {
	return func(c *config) { c.opts.DeleteDelayTail = ipamsim.DeleteDelayTail{Ratio: ratio, Factor: factor} }
}

// WithNow sets the emulator's clock, which stamps creation times and closes Deleting windows (Start only).
// The HTTP front keeps the real clock: the SDK signs with the real time, and a fixed emulator clock would
// otherwise make every signature stale.
func WithNow(now func() time.Time) Option { return func(c *config) { c.opts.Now = now } }

// WithIDSeed seeds the emulator's ids (Start only); the default seed is 1.
func WithIDSeed(seed int64) Option { return func(c *config) { c.opts.IDSeed = seed } }

func newConfig(opts []Option) config {
	c := config{opts: ipamsim.Options{IDSeed: 1}, seed: 1}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Start loads the topology file at path, builds it in a new emulator and serves it.
func Start(t testing.TB, path string, opts ...Option) *Server {
	t.Helper()
	topo, err := topology.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return StartTopology(t, topo, opts...)
}

// StartTopology builds topo in a new emulator and serves it.
func StartTopology(t testing.TB, topo *topology.Topology, opts ...Option) *Server {
	t.Helper()
	c := newConfig(opts)
	sim, refs, err := topology.Build(context.Background(), topo, c.opts)
	if err != nil {
		t.Fatal(err)
	}
	s := serve(t, sim, c)
	s.Refs, s.Topo = refs, topo
	return s
}

// Serve puts an HTTP front on an emulator the test built itself. Only WithFaults applies.
func Serve(t testing.TB, sim *ipamsim.Sim, opts ...Option) *Server {
	t.Helper()
	return serve(t, sim, newConfig(opts))
}

func serve(t testing.TB, sim *ipamsim.Sim, c config) *Server {
	t.Helper()
	srv, err := wire.NewServer(wire.Config{Backend: sim, Credentials: sim.Credentials(), Source: sim, Faults: c.faults, Seed: c.seed, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &Server{URL: hs.URL, Sim: sim, Wire: srv}
}

// Credential returns the access key of account; the test fails if the emulator has no such account.
func (s *Server) Credential(t testing.TB, account string) wire.Credential {
	t.Helper()
	for _, c := range s.Sim.Credentials() {
		if c.Account == account {
			return c
		}
	}
	t.Fatalf("simtest: the emulator has no account %s", account)
	return wire.Credential{}
}

// SetCredentialsEnv points credentials-go's default chain at account's key, through the environment
// variables, and shuts every other source out (a profile in the real home, the ECS metadata service, a role),
// so that a test never picks up a developer's credentials. It uses t.Setenv: the test must not be parallel.
func (s *Server) SetCredentialsEnv(t testing.TB, account string) {
	t.Helper()
	c := s.Credential(t, account)
	env := CredentialsEnv(c.AccessKeyID, c.AccessKeySecret)
	env["HOME"] = t.TempDir()
	for k, v := range env {
		t.Setenv(k, v)
	}
}

// CredentialsEnv is the environment that points credentials-go's default chain at the key id and secret and
// shuts it off from every other source (a security token, a credentials URI, a role, the aliyun CLI's
// profile, the ECS metadata service): SetCredentialsEnv sets it per test, a package's TestMain once for the
// process (with os.Setenv; see SetProcessEnv) so that its tests may run in parallel.
func CredentialsEnv(keyID, secret string) map[string]string {
	return map[string]string{
		"ALIBABA_CLOUD_ACCESS_KEY_ID":         keyID,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET":     secret,
		"ALIBABA_CLOUD_SECURITY_TOKEN":        "",
		"ALIBABA_CLOUD_CREDENTIALS_URI":       "",
		"ALIBABA_CLOUD_ROLE_ARN":              "",
		"ALIBABA_CLOUD_CLI_PROFILE_DISABLED":  "true",
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
	}
}

// SetProcessEnv sets env in the process's environment, for a TestMain before any test runs.
func SetProcessEnv(env map[string]string) error {
	for k, v := range env {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	return nil
}

// StartTLS serves the same emulator on a second listener, over HTTPS, and returns its host:port. It is for
// credentials-go's RAM role provider, which always speaks HTTPS to its Sts endpoint (give the address to
// WithStsEndpoint); the SDK clients keep using URL. The listener's self-signed certificate is written to a
// file that SSL_CERT_FILE names (t.Setenv, so the test must not be parallel), which makes clients that verify
// against the system roots, as credentials-go's do, trust it. Go reads SSL_CERT_FILE once, at the process's
// first verification against the system roots: call StartTLS before anything in the test binary makes a TLS
// connection. The listener is closed when the test ends.
func (s *Server) StartTLS(t testing.TB) string {
	t.Helper()
	addr := s.ServeTLS(t)
	path := filepath.Join(t.TempDir(), "simtest-ca.pem")
	if err := WriteTLSCert(path); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSL_CERT_FILE", path)
	return addr
}

// ServeTLS is StartTLS without the environment: it serves the emulator over HTTPS and returns its
// host:port, and leaves SSL_CERT_FILE alone, so that a parallel test can use it. The process must already
// trust the listener's certificate: a TestMain that sets SSL_CERT_FILE to a file WriteTLSCert wrote, before
// the tests run.
func (s *Server) ServeTLS(t testing.TB) string {
	t.Helper()
	hs := httptest.NewTLSServer(s.Wire)
	t.Cleanup(hs.Close)
	return strings.TrimPrefix(hs.URL, "https://")
}

// WriteTLSCert writes to path, as PEM, the self-signed certificate of the emulator's HTTPS listeners:
// net/http/httptest's own, the same for every listener of every test.
func WriteTLSCert(path string) error {
	hs := httptest.NewTLSServer(http.NotFoundHandler())
	defer hs.Close()
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hs.Certificate().Raw})
	return os.WriteFile(path, cert, 0o600)
}

// State returns what GET /_sim/state answers: every resource, as JSON.
func (s *Server) State(t testing.TB) []byte {
	t.Helper()
	data, err := json.Marshal(s.Sim.DumpState())
	if err != nil {
		t.Fatal(err)
	}
	return data
}
