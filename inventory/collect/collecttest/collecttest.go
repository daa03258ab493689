// Package collecttest serves collect.API from an emulator in the same process, for tests that need a
// snapshot without HTTP and the SDK in between.
package collecttest

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// SimAPI is collect.API over the emulator's in-process Invoke: the same handlers as over HTTP, with the
// answers passed through JSON (numbers as json.Number) the way cloudapi returns them. It records calls.
type SimAPI struct {
	Sim       *ipamsim.Sim
	AccountID string // the caller
	RegionID  string // where calls without a region go

	mu    sync.Mutex
	calls []cloudapi.Call
}

// Region returns RegionID.
func (a *SimAPI) Region() string { return a.RegionID }

// CallerAccount asks the emulator's Sts who the caller is, as cloudapi.Client does.
func (a *SimAPI) CallerAccount(ctx context.Context) (string, error) {
	out, err := a.Read(ctx, cloudapi.Call{Product: cloudapi.ProductSts, Action: "GetCallerIdentity"})
	if err != nil {
		return "", err
	}
	return cloudapi.String(out["AccountId"]), nil
}

// Read makes one call as AccountID and records it.
func (a *SimAPI) Read(ctx context.Context, call cloudapi.Call) (map[string]any, error) {
	if call.Region == "" {
		call.Region = a.RegionID
	}
	a.mu.Lock()
	a.calls = append(a.calls, call)
	a.mu.Unlock()
	params := wire.Params{}
	for k, v := range call.Params {
		params[k] = v
	}
	if call.Product != cloudapi.ProductResourceSharing && call.Product != cloudapi.ProductSts {
		params["RegionId"] = call.Region // as cloudapi.Client.Do adds it
	}
	out, err := a.Sim.Invoke(ctx, a.AccountID, call.Product, call.Action, params)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	m := map[string]any{}
	return m, dec.Decode(&m)
}

// Recorded returns the calls made so far, in order.
func (a *SimAPI) Recorded() []cloudapi.Call {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]cloudapi.Call(nil), a.calls...)
}
