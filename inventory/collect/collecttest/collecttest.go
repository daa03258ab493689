// Package collecttest serves collect.API from an emulator in the same process, for tests that need a
// snapshot without HTTP and the SDK in between.
package collecttest

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
	"github.com/ipam-teardown/ipam-teardown/testdata/topologies"
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

// Epoch is the emulator's clock in the in-process tests (NewSim), so that creation times, and the golden files
// made from them, are stable.
func Epoch() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

// Topology parses one of the example topologies embedded from testdata/topologies.
func Topology(t testing.TB, name string) *topology.Topology {
	t.Helper()
	data, err := topologies.File(name)
	if err != nil {
		t.Fatal(err)
	}
	topo, err := topology.Parse(data, name)
	if err != nil {
		t.Fatal(err)
	}
	return topo
}

// NewSim builds an emulator with the topology applied, ids seeded and the clock at Epoch.
func NewSim(t testing.TB, topo *topology.Topology) (*ipamsim.Sim, topology.Refs) {
	t.Helper()
	opts := topo.Options()
	opts.IDSeed = 1
	opts.Now = Epoch
	sim, err := ipamsim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := topology.Apply(context.Background(), sim, topo)
	if err != nil {
		t.Fatal(err)
	}
	return sim, refs
}

// CollectAll collects sel through api an hour after Epoch.
func CollectAll(t testing.TB, api collect.API, sel inventory.Selector) *inventory.Snapshot {
	t.Helper()
	snap, err := collect.Collect(context.Background(), api, sel, collect.Options{Now: func() time.Time { return Epoch().Add(time.Hour) }})
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return snap
}
