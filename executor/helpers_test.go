package executor_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
	"github.com/ipam-teardown/ipam-teardown/planner"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// The tests build plans with the planner (the executor itself never imports it) from an inventory collected
// through cloudapi and the official SDK, over HTTP, from the emulator; they then check the emulator's call log
// (GET /_sim/calls) and state (GET /_sim/state). They are not parallel: the credential chain reads the
// process environment.

func topologyPath(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "topologies", name)
}

// bed is an emulator, a client of its first account, and a plan of every IPAM of that account in a region.
type bed struct {
	t      *testing.T
	srv    *simtest.Server
	api    *cloudapi.Client
	plan   *plans.Plan
	region string
	opts   planner.Options
}

func newBed(t *testing.T, topo *topology.Topology, region string, popts planner.Options, sopts ...simtest.Option) *bed {
	t.Helper()
	srv := simtest.StartTopology(t, topo, sopts...)
	srv.SetCredentialsEnv(t, ipamsim.DefaultAccount)
	b := &bed{t: t, srv: srv, region: region, opts: popts}
	b.api = b.client()
	b.plan = b.replan(t.Context())
	return b
}

func loadTopology(t *testing.T, name string) *topology.Topology {
	t.Helper()
	topo, err := topology.Load(topologyPath(name))
	if err != nil {
		t.Fatal(err)
	}
	return topo
}

func (b *bed) client() *cloudapi.Client { return b.clientB(b.t) }

func (b *bed) clientB(tb testing.TB) *cloudapi.Client {
	c, err := cloudapi.New(tb.Context(), cloudapi.Config{Region: b.region, Endpoint: b.srv.URL, QPS: -1,
		RetryInitial: time.Millisecond, RetryMax: 5 * time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// replan collects every IPAM of the account in the region and plans it (the drift check's re-plan, as the
// CLI wires it).
func (b *bed) replan(ctx context.Context) *plans.Plan {
	b.t.Helper()
	p, err := b.replanErr(ctx)
	if err != nil {
		b.t.Fatal(err)
	}
	return p
}

func (b *bed) replanErr(ctx context.Context) (*plans.Plan, error) { return b.planOf(ctx, b.plan) }

// planAll plans every IPAM of the account in the region again.
func (b *bed) planAll(ctx context.Context) *plans.Plan {
	b.t.Helper()
	p, err := b.planOf(ctx, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return p
}

func (b *bed) planOf(ctx context.Context, prev *plans.Plan) (*plans.Plan, error) {
	// The first plan takes every IPAM of the account in the region; a re-plan only the IPAMs of that plan,
	// as the CLI restricts it.
	sel := inventory.Selector{All: true}
	if prev != nil {
		sel = inventory.Selector{IPAMIDs: planIPAMs(prev)}
	}
	snap, err := collect.Collect(ctx, b.api, sel, collect.Options{Parallelism: 4})
	if err != nil {
		return nil, err
	}
	o := b.opts
	o.PlanID, o.Now = "plan-exec-test", time.Now
	p, err := planner.Build(snap, o)
	if err != nil {
		return nil, err
	}
	// A plan is applied as read from its file: write and read it back, checksum and all.
	data, err := plans.Marshal(p)
	if err != nil {
		return nil, err
	}
	return plans.Read(strings.NewReader(string(data)), "plan.json")
}

func (b *bed) options() executor.Options {
	return executor.Options{
		Parallelism:  8,
		StepTimeout:  20 * time.Second,
		PollInterval: 10 * time.Millisecond,
		PollMax:      50 * time.Millisecond,
		RetryInitial: 5 * time.Millisecond,
		RetryMax:     50 * time.Millisecond,
		LockSettle:   10 * time.Millisecond, // the emulator's tag writes are seen at once
		JournalPath:  filepath.Join(b.t.TempDir(), "plan.json.journal"),
		Replan:       func(ctx context.Context) (*plans.Plan, error) { return b.replanErr(ctx) },
		Logger:       zerolog.New(zerolog.NewTestWriter(b.t)).Level(zerolog.WarnLevel),
	}
}

func (b *bed) calls() []wire.Call {
	b.t.Helper()
	var calls []wire.Call
	if err := json.Unmarshal(b.get("/_sim/calls"), &calls); err != nil {
		b.t.Fatalf("/_sim/calls: %v", err)
	}
	return calls
}

func (b *bed) get(path string) []byte {
	b.t.Helper()
	resp, err := http.Get(b.srv.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
	return data
}

// mutating reports whether a logged call changes state (the lock's tag calls included).
func mutating(c wire.Call) bool {
	a, ok := catalog.Lookup(c.Product, c.Action)
	return !ok || a.Mutating
}

// planned reports whether a logged call is one of the plan's steps: same action and every step parameter.
func stepOf(p *plans.Plan, c wire.Call) *plans.Step {
	for i := range p.Steps {
		s := &p.Steps[i]
		if s.Action != c.Action {
			continue
		}
		ok := true
		for k, v := range s.Params {
			if c.Params[k] != v {
				ok = false
				break
			}
		}
		if ok {
			return s
		}
	}
	return nil
}

// checkCalls asserts the contract on the call log: every mutating call is a step of the plan or the
// lock tag on a planned IPAM; every real call of an action with DryRun came after a passing dry run of the
// same step; no real call answered a prerequisite code.
func checkCalls(t *testing.T, p *plans.Plan, calls []wire.Call) {
	t.Helper()
	passed := map[string]bool{}
	expected := map[string]bool{} // the dry run answered a code a step it depends on clears
	ipams := map[string]bool{}
	for _, s := range p.Steps {
		ipams[s.IPAMID] = true
	}
	for _, c := range calls {
		if !mutating(c) {
			continue
		}
		if c.Action == "TagResources" || c.Action == "UntagResources" {
			if !ipams[c.Params["ResourceId.1"]] || c.Params["ResourceType"] != "IPAM" {
				t.Errorf("tag call outside the plan's IPAMs: %s %v", c.Action, c.Params)
			}
			continue
		}
		s := stepOf(p, c)
		if s == nil {
			t.Errorf("call outside the plan: %s %v", c.Action, c.Params)
			continue
		}
		a, _ := catalog.Lookup(s.Product, s.Action)
		if c.DryRun {
			switch {
			case c.Code == "DryRunOperation":
				passed[s.ID] = true
			case slices.Contains(s.DryRunCodes, c.Code) && len(s.DependsOn) > 0:
				expected[s.ID] = true
			}
			continue
		}
		// Every real call follows a dry run of its step that passed, or that answered only a prerequisite
		// the plan's own earlier steps clear (the executor sends it once they have finished).
		if a.DryRun && !passed[s.ID] && !expected[s.ID] {
			t.Errorf("%s (%s) was sent before a dry run of it passed", s.ID, c.Action)
		}
		// Such a call may still meet the prerequisite if the service has not caught up; it is sent again.
		caughtUp := expected[s.ID] && slices.Contains(s.DryRunCodes, c.Code)
		if c.Code != "" && !caughtUp && !strings.HasPrefix(c.Code, "Throttling") && c.Status < 500 && !a.IsNotFound(c.Code) {
			t.Errorf("real call %s of %s answered %s", c.Action, s.ID, c.Code)
		}
	}
}

// ipamGone reports whether the IPAM is gone (not listed, its Deleting window over).
func (b *bed) ipamGone(id string) bool {
	b.t.Helper()
	out, err := b.srv.Sim.Invoke(b.t.Context(), ipamsim.DefaultAccount, wire.ProductVpcIpam, "ListIpams",
		wire.Params{"RegionId": b.region, "IpamIds.1": id})
	if err != nil {
		b.t.Fatal(err)
	}
	rows, _ := out["Ipams"].([]map[string]any)
	anyRows, _ := out["Ipams"].([]any)
	return len(rows) == 0 && len(anyRows) == 0
}

func countMutating(calls []wire.Call, dryRun bool) int {
	n := 0
	for _, c := range calls {
		if mutating(c) && c.DryRun == dryRun {
			n++
		}
	}
	return n
}

func stepIDs(r *executor.Report, outcome executor.Outcome) []string {
	var ids []string
	for _, s := range r.Steps {
		if s.Outcome == outcome {
			ids = append(ids, s.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// planIPAMs returns the IPAMs a plan's steps and blockers belong to.
func planIPAMs(p *plans.Plan) []string {
	var ids []string
	for _, s := range p.Steps {
		if s.IPAMID != "" && !slices.Contains(ids, s.IPAMID) {
			ids = append(ids, s.IPAMID)
		}
	}
	for _, bl := range p.Blockers {
		if bl.IPAMID != "" && !slices.Contains(ids, bl.IPAMID) {
			ids = append(ids, bl.IPAMID)
		}
	}
	return ids
}
