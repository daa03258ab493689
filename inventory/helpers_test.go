package inventory_test

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
)

const (
	owner    = "1000000000000001"
	apps     = "1000000000000002"
	hangzhou = "cn-hangzhou"
)

// epoch is the emulator's clock in the in-process tests, so creation times and golden files are stable.
var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// simAPI is inventory.API over the emulator's in-process Invoke: the same handlers as over HTTP, with the
// answers passed through JSON (numbers as json.Number) the way cloudapi returns them. It records calls.
type simAPI struct {
	sim     *ipamsim.Sim
	account string
	region  string

	mu    sync.Mutex
	calls []cloudapi.Call
}

func (a *simAPI) Region() string { return a.region }

func (a *simAPI) CallerAccount(ctx context.Context) (string, error) {
	out, err := a.Read(ctx, cloudapi.Call{Product: cloudapi.ProductSts, Action: "GetCallerIdentity"})
	if err != nil {
		return "", err
	}
	return cloudapi.String(out["AccountId"]), nil
}

func (a *simAPI) Read(ctx context.Context, call cloudapi.Call) (map[string]any, error) {
	if call.Region == "" {
		call.Region = a.region
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
	out, err := a.sim.Invoke(ctx, a.account, call.Product, call.Action, params)
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

func (a *simAPI) recorded() []cloudapi.Call {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]cloudapi.Call(nil), a.calls...)
}

// newSim builds an emulator with the topology applied, ids seeded and the clock at epoch.
func newSim(t testing.TB, topo *topology.Topology) (*ipamsim.Sim, topology.Refs) {
	t.Helper()
	opts := topo.Options()
	opts.IDSeed = 1
	opts.Now = func() time.Time { return epoch }
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

func loadTopology(t testing.TB, name string) *topology.Topology {
	t.Helper()
	topo, err := topology.Load("../testdata/topologies/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return topo
}

func collect(t testing.TB, api inventory.API, sel inventory.Selector) *inventory.Snapshot {
	t.Helper()
	snap, err := inventory.Collect(context.Background(), api, sel, inventory.Options{Now: func() time.Time { return epoch.Add(time.Hour) }})
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return snap
}

func poolByName(t testing.TB, pools []inventory.Pool, name string) inventory.Pool {
	t.Helper()
	for _, p := range pools {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no pool %q", name)
	return inventory.Pool{}
}
