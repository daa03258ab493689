package inventory_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// startHTTPSim serves sim over HTTP through the emulator's wire front (signature checks, error bodies,
// seeded faults, call log). The emulator's own clock is fixed at epoch for stable creation times, so the
// wire layer gets the real clock for the signature date check.
func startHTTPSim(t testing.TB, sim *ipamsim.Sim, faults ...wire.FaultRule) (*wire.Server, string) {
	t.Helper()
	srv, err := wire.NewServer(wire.Config{Backend: sim, Credentials: sim.Credentials(), Faults: faults, Seed: 3, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, hs.URL
}

// throttledCalls counts the calls answered Throttling.User.
func throttledCalls(calls []wire.Call) int {
	n := 0
	for _, c := range calls {
		if c.Code == "Throttling.User" {
			n++
		}
	}
	return n
}

// sdkClient is the real cloudapi client on the test server, as account, with short retry waits and a token
// bucket of one (so that a benchmark's rate bound is calls / QPS from the first call on).
func sdkClient(t testing.TB, url string, topo *topology.Topology, account string, qps float64) *cloudapi.Client {
	t.Helper()
	var cred ipamsim.Account
	for _, a := range topo.Credentials() {
		if a.ID == account {
			cred = a
		}
	}
	for k, v := range map[string]string{
		"ALIBABA_CLOUD_ACCESS_KEY_ID": cred.AccessKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": cred.AccessKeySecret,
		"ALIBABA_CLOUD_SECURITY_TOKEN": "", "HOME": t.TempDir(), "ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true",
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "ALIBABA_CLOUD_CREDENTIALS_URI": "", "ALIBABA_CLOUD_ROLE_ARN": "",
	} {
		t.Setenv(k, v)
	}
	c, err := cloudapi.New(context.Background(), cloudapi.Config{Region: hangzhou, Endpoint: url, QPS: qps, Burst: 1, Logger: zerolog.Nop(),
		RetryInitial: time.Millisecond, RetryMax: 20 * time.Millisecond, MaxAttempts: 30})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
