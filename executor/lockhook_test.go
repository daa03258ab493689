package executor

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// tagsAPI answers the lock's calls from a map of IPAM id -> lock value (one page, every tag).
type tagsAPI struct {
	mu    sync.Mutex
	locks map[string]string
}

func (a *tagsAPI) Do(_ context.Context, c cloudapi.Call) (map[string]any, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	id := c.Params["ResourceId.1"]
	switch c.Action {
	case "ListTagResources":
		var rows []any
		if v, ok := a.locks[id]; ok {
			rows = append(rows, map[string]any{"ResourceId": id, "TagKey": LockTagKey, "TagValue": v})
		}
		return map[string]any{"TagResources": rows, "NextToken": ""}, nil
	case "TagResources":
		a.locks[id] = c.Params["Tag.1.Value"]
		return map[string]any{}, nil
	}
	return nil, errors.New("unexpected call " + c.Action)
}

// TestBeforeCallStopsOnlyTheLostIPAM: a plan of two IPAMs (the emulator allows one per account and region, so
// this is the hook alone): when another run holds one IPAM's lock, a renewal marks it lost and the hook stops
// every unsent step of that IPAM, its DeleteIpam included; the other IPAM's steps, its DeleteIpam after a
// fresh read of its lock, go on, and its lock is renewed.
func TestBeforeCallStopsOnlyTheLostIPAM(t *testing.T) {
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	api := &tagsAPI{locks: map[string]string{}}
	p := &plans.Plan{PlanID: "plan-two", Region: "cn-hangzhou"}
	for _, id := range []string{"ipam-a", "ipam-b"} {
		p.Steps = append(p.Steps,
			plans.Step{ID: "delete-pool/" + id + "-pool", Action: "DeleteIpamPool", IPAMID: id, ResourceID: id + "-pool"},
			plans.Step{ID: "delete-ipam/" + id, Action: "DeleteIpam", IPAMID: id, ResourceID: id})
	}
	opts := withDefaults(Options{LockTTL: time.Hour, Now: func() time.Time { return now }, Logger: zerolog.Nop()})
	r := &run{api: api, plan: p, opts: opts, log: opts.Logger, now: opts.Now, calls: map[string]map[string]int{}}
	for _, id := range []string{"ipam-a", "ipam-b"} {
		v := lockValue(p.PlanID, "0000000000000001", now.Add(time.Hour))
		r.lock.nonce = "0000000000000001"
		api.locks[id] = v
		r.lock.held = append(r.lock.held, &heldLock{ipam: id})
	}
	api.locks["ipam-a"] = "plan-other/0123456789abcdef/" + now.Add(time.Hour).Format(time.RFC3339)
	now = now.Add(30 * time.Minute)
	r.renewLocks(t.Context())

	tests := []struct {
		step int
		lost bool
	}{
		{0, true}, {1, true}, // ipam-a: its pool and its DeleteIpam
		{2, false}, {3, false}, // ipam-b
	}
	for _, tt := range tests {
		s := &p.Steps[tt.step]
		err := r.beforeCall(t.Context(), s)
		if got := errors.Is(err, errLockLost); got != tt.lost {
			t.Errorf("%s: %v, want lost %v", s.ID, err, tt.lost)
		}
	}
	if l, _ := parseLock(api.locks["ipam-b"]); !l.expiry.Equal(now.Add(time.Hour)) {
		t.Errorf("ipam-b's lock %q was not renewed to %s", api.locks["ipam-b"], now.Add(time.Hour))
	}
	if got := api.locks["ipam-a"]; got[:10] != "plan-other" {
		t.Errorf("ipam-a's lock became %q", got)
	}
}
