package conformance

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// TEMPORARY until wire.NewServer lands: a minimal HTTP front (no signature check, no faults, no call log)
// so the SDK-driven tests run meanwhile. newHandler then becomes sim.Handler(cfg.faults, cfg.seed).

// faultRule stands for wire.FaultRule until it lands.
type faultRule struct{}

var credRe = regexp.MustCompile(`Credential=([^,]+)`)

func newHandler(t *testing.T, sim *ipamsim.Sim, cfg config) http.Handler {
	t.Helper()
	byKey := map[string]string{}
	for _, a := range cfg.opts.Accounts {
		byKey[a.AccessKeyID] = a.ID
	}
	products := map[string]string{"2023-02-28": wire.ProductVpcIpam, "2020-01-10": wire.ProductResourceSharing, "2016-04-28": wire.ProductVpc}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/_sim/state" {
			json.NewEncoder(w).Encode(sim.DumpState())
			return
		}
		m := credRe.FindStringSubmatch(r.Header.Get("Authorization"))
		acct := ""
		if m != nil {
			acct = byKey[m[1]]
		}
		params := wire.Params{}
		for k, v := range r.URL.Query() {
			params[k] = v[0]
		}
		req := &wire.Request{RequestID: "REQ", Account: acct, Product: products[r.Header.Get("x-acs-version")],
			Version: r.Header.Get("x-acs-version"), Action: r.Header.Get("x-acs-action"), Params: params}
		out, err := sim.Serve(r.Context(), req)
		if err != nil {
			var we *wire.Error
			if !errors.As(err, &we) {
				we = &wire.Error{Status: 500, Code: "InternalError", Message: err.Error()}
			}
			w.WriteHeader(we.Status)
			json.NewEncoder(w).Encode(map[string]any{"RequestId": "REQ", "Code": we.Code, "Message": we.Message, "AccessDeniedDetail": we.AccessDeniedDetail})
			return
		}
		b, _ := json.Marshal(out)
		var mm map[string]any
		json.Unmarshal(b, &mm)
		if mm == nil {
			mm = map[string]any{}
		}
		mm["RequestId"] = "REQ"
		json.NewEncoder(w).Encode(mm)
	})
}
