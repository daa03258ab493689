package planner_test

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// TestEndToEnd is issue 4's proof of the rules: for every example topology, the plan built from an inventory
// collected through cloudapi (the official SDK over real HTTP), executed one step at a time in plan order,
// empties the selected IPAMs (all of the caller's in each region) with no prerequisite error in
// GET /_sim/calls, and touches nothing the plan does not name (GET /_sim/state before and after). Where a
// blocker holds DeleteIpam back (an IPv6 VPC allocation), the IPAM stays with what the blockers hold, and a
// second plan finds nothing left to do. Not parallel: the credential chain reads the process environment.
func TestEndToEnd(t *testing.T) {
	for _, path := range topologies(t) {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".yaml"), func(t *testing.T) {
			url := serve(t, path)
			proveAll(t, target{
				api: func(region string) api {
					c, err := cloudapi.New(t.Context(), cloudapi.Config{Region: region, Endpoint: url, QPS: -1})
					if err != nil {
						t.Fatal(err)
					}
					return c
				},
				calls: func() []loggedCall {
					var calls []wire.Call
					if err := json.Unmarshal(get(t, url+"/_sim/calls"), &calls); err != nil {
						t.Fatalf("/_sim/calls: %v", err)
					}
					out := make([]loggedCall, len(calls))
					for i, c := range calls {
						out[i] = loggedCall{Action: c.Action, Params: c.Params, DryRun: c.DryRun, Code: c.Code}
					}
					return out
				},
				state: func() map[string]map[string]json.RawMessage { return decodeState(t, get(t, url+"/_sim/state")) },
			})
		})
	}
}

// serve starts the emulator with the topology at path behind its HTTP front end and points the SDK's
// credential chain at the first account.
func serve(t *testing.T, path string) string {
	t.Helper()
	s := simtest.Start(t, path)
	s.SetCredentialsEnv(t, ipamsim.DefaultAccount)
	return s.URL
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return data
}
