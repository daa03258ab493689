package collect_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
)

// wrapAPI intercepts Read: it can fail one action and measures how many reads run at once.
type wrapAPI struct {
	*simAPI
	failAction string
	failErr    error

	mu             sync.Mutex
	inFlight, peak int
}

func (w *wrapAPI) Read(ctx context.Context, call cloudapi.Call) (map[string]any, error) {
	w.mu.Lock()
	w.inFlight++
	w.peak = max(w.peak, w.inFlight)
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.inFlight--
		w.mu.Unlock()
	}()
	if call.Action == w.failAction {
		return nil, w.failErr
	}
	return w.simAPI.Read(ctx, call)
}

func TestCollectStopsOnError(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sim, _ := newSim(t, loadTopology(t, "sandbox.yaml"))
	for _, action := range []string{"ListIpams", "ListIpamScopes", "ListIpamPools", "ListIpamPoolAllocations", "ListResourceShareAssociations", "ListIpamMembers"} {
		denied := &cloudapi.APIError{Product: "VpcIpam", Action: action, Code: "Forbidden.RAM", Status: 403, RequestID: "R-1"}
		api := &wrapAPI{simAPI: &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}, failAction: action, failErr: denied}
		snap, err := collect.Collect(context.Background(), api, inventory.Selector{All: true}, collect.Options{Parallelism: 3})
		if err == nil || snap != nil {
			t.Errorf("%s failing: Collect succeeded", action)
			continue
		}
		var apiErr *cloudapi.APIError
		if !errors.As(err, &apiErr) || apiErr.RequestID != "R-1" || cloudapi.Classify(err) != cloudapi.ClassDenied {
			t.Errorf("%s failing: err = %v, want the API error with its RequestId", action, err)
		}
	}
}

func TestCollectRespectsParallelism(t *testing.T) {
	t.Parallel()
	topo := loadTopology(t, "multi-account.yaml")
	sim, _ := newSim(t, topo)
	for _, limit := range []int{1, 3} {
		api := &wrapAPI{simAPI: &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}}
		if _, err := collect.Collect(context.Background(), api, inventory.Selector{All: true}, collect.Options{Parallelism: limit}); err != nil {
			t.Fatal(err)
		}
		if api.peak > limit {
			t.Errorf("parallelism %d: %d reads at once", limit, api.peak)
		}
	}
}

func TestCollectCancelled(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sim, _ := newSim(t, loadTopology(t, "sandbox.yaml"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := collect.Collect(ctx, &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}, inventory.Selector{All: true}, collect.Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
