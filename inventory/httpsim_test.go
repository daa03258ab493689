package inventory_test

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// httpSim serves the emulator over HTTP to the real SDK for these tests: it routes by x-acs-action and
// x-acs-version, finds the account from the access key in the Authorization header (signatures are the wire
// package's business and are not checked here), answers errors in the service's JSON body, and injects a
// deterministic throttling ratio and a per-call latency. It is the minimum the inventory's HTTP tests need;
// wire.Server is the emulator's full front end.
type httpSim struct {
	sim      *ipamsim.Sim
	accounts map[string]string // access key id -> account

	mu        sync.Mutex
	throttle  float64
	latency   time.Duration
	calls     int
	throttled int
	perAction map[string]int
}

var versions = map[string]string{
	"2023-02-28": wire.ProductVpcIpam, "2020-01-10": wire.ProductResourceSharing,
	"2016-04-28": wire.ProductVpc, "2015-04-01": cloudapi.ProductSts,
}

func startHTTPSim(t testing.TB, sim *ipamsim.Sim, topo *topology.Topology) (*httpSim, string) {
	t.Helper()
	h := &httpSim{sim: sim, accounts: map[string]string{}, perAction: map[string]int{}}
	for _, a := range topo.Credentials() {
		h.accounts[a.AccessKeyID] = a.ID
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv.URL
}

func (h *httpSim) set(throttle float64, latency time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.throttle, h.latency = throttle, latency
}

func (h *httpSim) counts() (calls, throttled int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls, h.throttled
}

func (h *httpSim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	action, product := r.Header.Get("x-acs-action"), versions[r.Header.Get("x-acs-version")]
	_, cred, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	key, _, _ := strings.Cut(cred, ",")
	account := h.accounts[key]
	params := wire.Params{}
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	h.mu.Lock()
	h.calls++
	h.perAction[account+action]++
	// Deterministic faults: a hash of (account, action, per-action counter) against the ratio.
	f := fnv.New64a()
	f.Write([]byte(account + "/" + action + "/" + strconv.Itoa(h.perAction[account+action])))
	throttle := float64(f.Sum64()%10000)/10000 < h.throttle
	if throttle {
		h.throttled++
	}
	latency, n := h.latency, h.calls
	h.mu.Unlock()
	if latency > 0 {
		select { // the emulated service's own latency
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	reply := func(status int, body map[string]any) {
		body["RequestId"] = "SIM-" + strconv.Itoa(n)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	}
	switch {
	case account == "":
		reply(400, map[string]any{"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found."})
		return
	case throttle:
		reply(400, map[string]any{"Code": "Throttling.User", "Message": "Request was denied due to user flow control."})
		return
	}
	out, err := h.sim.Invoke(r.Context(), account, product, action, params)
	var werr *wire.Error
	switch {
	case errors.As(err, &werr):
		reply(werr.Status, map[string]any{"Code": werr.Code, "Message": werr.Message})
	case err != nil:
		reply(500, map[string]any{"Code": "InternalError", "Message": err.Error()})
	default:
		if out == nil {
			out = map[string]any{}
		}
		reply(200, out)
	}
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
