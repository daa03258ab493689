package executor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
	"github.com/ipam-teardown/ipam-teardown/planner"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// simAPI is the emulator called in process (Sim.Invoke, the handlers its HTTP server runs), as executor.API
// and collect.API: inside a synctest bubble its Deleting windows, which it evaluates against time.Now, and
// the executor's timers run on the bubble's fake clock. Errors come back as cloudapi's, answers through
// JSON as cloudapi returns them. The over-HTTP tests go through the SDK; these test the timing of looks and
// waits at the service's real scale (seconds) without waiting for it.
type simAPI struct {
	sim     *ipamsim.Sim
	account string
	region  string
	latency time.Duration // each call's round trip

	mu    sync.Mutex
	calls []cloudapi.Call
}

func (a *simAPI) Region() string                                { return a.region }
func (a *simAPI) CallerAccount(context.Context) (string, error) { return a.account, nil }
func (a *simAPI) Read(ctx context.Context, c cloudapi.Call) (map[string]any, error) {
	return a.Do(ctx, c)
}

func (a *simAPI) Do(ctx context.Context, c cloudapi.Call) (map[string]any, error) {
	if c.Region == "" {
		c.Region = a.region
	}
	a.mu.Lock()
	a.calls = append(a.calls, c)
	a.mu.Unlock()
	time.Sleep(a.latency)
	params := wire.Params{}
	for k, v := range c.Params {
		params[k] = v
	}
	if _, ok := params["RegionId"]; !ok && c.Product != cloudapi.ProductResourceSharing && c.Product != cloudapi.ProductSts {
		params["RegionId"] = c.Region
	}
	if c.ClientToken != "" {
		params["ClientToken"] = c.ClientToken
	}
	if c.DryRun {
		params["DryRun"] = "true"
	}
	out, err := a.sim.Invoke(ctx, a.account, c.Product, c.Action, params)
	if err != nil {
		var werr *wire.Error
		if errors.As(err, &werr) {
			return nil, &cloudapi.APIError{Product: c.Product, Action: c.Action, Region: c.Region, Resource: c.Resource,
				Code: werr.Code, Message: werr.Message, Status: werr.Status}
		}
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

// count returns how many calls of action the emulator got.
func (a *simAPI) count(action string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, c := range a.calls {
		if c.Action == action {
			n++
		}
	}
	return n
}

// fakeClockBed is an emulator of the generated topology o with Deleting windows of delay, and its plan, in
// the calling synctest bubble.
func fakeClockBed(t *testing.T, o topology.GenerateOptions, delay time.Duration) (*simAPI, *plans.Plan) {
	t.Helper()
	topo, err := topology.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	opts := topo.Options()
	opts.DeleteDelay = delay
	sim, err := ipamsim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := topology.Apply(t.Context(), sim, topo); err != nil {
		t.Fatal(err)
	}
	api := &simAPI{sim: sim, account: ipamsim.DefaultAccount, region: topo.Accounts[0].IPAMs[0].Region, latency: 50 * time.Millisecond}
	snap, err := collect.Collect(t.Context(), api, inventory.Selector{All: true}, collect.Options{Parallelism: 4})
	if err != nil {
		t.Fatal(err)
	}
	p, err := planner.Build(snap, planner.Options{PlanID: "plan-fake-clock", Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	return api, p
}

// At the service's scale and the defaults (calls of 50 ms, first look 500 ms after a window opened, then
// waits half as long again), 40 pools whose Deleting windows last 3 s are found gone within a look of the
// schedule after their windows end (the look at 4.1 s), with a few reads for all of them: the reads carry the
// pools deleted together. On the bubble's clock the run takes 9.5 s of fake time and a few milliseconds of
// real time, where the over-HTTP tests shrink the windows to 100 ms to stay fast.
func TestLooksOnTheFakeClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const window = 3 * time.Second
		api, p := fakeClockBed(t, topology.GenerateOptions{Pools: 40, Depth: 1, Seed: 7}, window)
		opts := executor.Options{JournalPath: filepath.Join(t.TempDir(), "plan.json.journal"),
			Logger: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)}
		start := time.Now()
		rep, err := executor.Apply(t.Context(), api, p, opts)
		if err != nil {
			t.Fatalf("apply: %v", err)
		}
		var pools, late int
		var slowest time.Duration
		for _, s := range rep.Steps {
			if !strings.HasPrefix(s.ID, "delete-pool/") {
				continue
			}
			pools++
			if s.Outcome != executor.OutcomeDone {
				t.Errorf("%s: %s", s.ID, s.Outcome)
			}
			// Found gone within a look of the schedule after the window ended: at most its last wait (2.5 s
			// at 4.1 s into the window); the siblings' ends bring most in sooner.
			took := s.End.Sub(s.Called)
			slowest = max(slowest, took)
			if took < window || took > window+1700*time.Millisecond {
				late++
				t.Logf("%s found gone %v after its call", s.ID, took)
			}
		}
		if pools != 40 || late > pools/4 {
			t.Errorf("%d of %d pools found gone later than 1.7 s after their window's end", late, pools)
		}
		if reads := api.count("ListIpamPools"); reads >= pools {
			t.Errorf("%d reads of pools for %d pools: the looks were not shared", reads, pools)
		}
		t.Logf("apply took %v of fake time; %d reads of pools; the slowest pool found gone %v after its call",
			time.Since(start), api.count("ListIpamPools"), slowest)
	})
}
