package planner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
	"github.com/ipam-teardown/ipam-teardown/planner"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// regions the example topologies use; a region without an IPAM of the caller is skipped.
var e2eRegions = []string{"cn-hangzhou", "cn-shanghai", "cn-beijing"}

// target is an emulator the end-to-end proof runs against: over HTTP through the SDK (e2e_http_test.go),
// or in process through Sim.Invoke (below), which needs no server and runs in milliseconds.
type target struct {
	api   func(region string) api
	calls func() []loggedCall // the emulator's call log, in order
	state func() map[string]map[string]json.RawMessage
	// advance moves the emulator's clock (nil: it runs on real time). With Deleting windows, a CIDR step
	// whose dry run still answers rule 19's code (a release still settling) is checked again after moving
	// the clock, as the executor checks such steps again before running them.
	advance func(time.Duration)
	opts    planner.Options // the user's planning options (PlanID and Now are set per plan)
}

// api is what the proof needs of a client: inventory's reads plus one-shot calls.
type api interface {
	collect.API
	Do(ctx context.Context, call cloudapi.Call) (map[string]any, error)
}

type loggedCall struct {
	Action string
	Params map[string]string
	DryRun bool
	Code   string // "" on success
}

// TestEndToEndInProcess runs the proof of issue 4 against the emulator in process, for every example
// topology (TestEndToEnd does the same over HTTP with the SDK).
func TestEndToEndInProcess(t *testing.T) {
	t.Parallel()
	for _, path := range topologies(t) {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".yaml"), func(t *testing.T) {
			t.Parallel()
			topo, err := topology.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			proveAll(t, inProcess(t, topo))
		})
	}
}

// TestEndToEndGenerated runs the proof on generated topologies: deeper trees, custom scopes, shared pools
// with a consumer's VPC allocations, several shares.
func TestEndToEndGenerated(t *testing.T) {
	t.Parallel()
	cases := []topology.GenerateOptions{
		{Pools: 40, Depth: 4, FanOut: 3, AllocationsPerPool: 2, Seed: 1, Shared: true},
		{Pools: 120, Depth: 2, FanOut: 12, AllocationsPerPool: 1, Seed: 2, Shared: true},
		{Pools: 30, Depth: 1, FanOut: 1, AllocationsPerPool: 3, Seed: 3},
	}
	// A sweep of shapes: depth 1 to 6, narrow and wide trees, with and without sharing.
	for seed := int64(10); seed < 22; seed++ {
		depth := int(seed%6) + 1
		cases = append(cases, topology.GenerateOptions{Pools: 10 + int(seed%5)*15, Depth: depth, FanOut: 1 + int(seed%4),
			AllocationsPerPool: int(seed % 3), Seed: seed, Shared: seed%2 == 0})
	}
	for _, o := range cases {
		t.Run(fmt.Sprintf("pools=%d,depth=%d,seed=%d", o.Pools, o.Depth, o.Seed), func(t *testing.T) {
			t.Parallel()
			topo, err := topology.Generate(o)
			if err != nil {
				t.Fatal(err)
			}
			proveAll(t, inProcess(t, topo))
		})
	}
}

// TestEndToEndOptions runs the proof with the options that turn resources into blockers: the plan still
// runs without a prerequisite error, everything not held back is gone, and what is held back stays. Where a
// blocker keeps an IPAM or a pool, the plan prunes what only cleared the way for it: after the run the kept
// IPAM and everything in it that is not deleted in its own right are untouched (checkStaying), and every
// step of the plan served a deletion (checkPurpose).
func TestEndToEndOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, topology string
		opts           planner.Options
		exclude        []string // topology names ("pool/prod-sh"), resolved to ids into opts.Exclude
		prunes         bool     // the plan leaves out steps that only served held-back ones
	}{
		{"keep-vpc", "sandbox", planner.Options{Options: plans.Options{KeepVPCAllocations: true}}, nil, true},
		{"protect-team-data", "sandbox", planner.Options{Options: plans.Options{ProtectTag: "team=data"}}, nil, true},
		{"protect-regional-pools", "sandbox", planner.Options{Options: plans.Options{ProtectTag: "level=region"}}, nil, true},
		{"protect-shared", "multi-account", planner.Options{Options: plans.Options{ProtectTag: "shared"}}, nil, true},
		{"keep-vpc-and-discoveries", "multi-account", planner.Options{Options: plans.Options{KeepVPCAllocations: true, KeepDiscoveries: true}}, nil, true},
		// The IPv6 VPC block of multi-account keeps its pool and the IPAM: the foreign discovery stays
		// associated with the IPAM that stays.
		{"ipv6-blocker", "multi-account", planner.Options{}, nil, true},
		// An excluded regional pool keeps its parent, the scope and the IPAM: the parent's reservation, the
		// members and the member removals stay; the other regional pool's tree still goes.
		{"exclude-pool", "sandbox", planner.Options{}, []string{"pool/prod-sh"}, true},
		// The excluded foreign discovery keeps the IPAM; nothing served only the IPAM's deletion.
		{"exclude-discovery", "multi-account", planner.Options{}, []string{"discovery/apps-discovery"}, false},
	}
	for _, c := range cases {
		t.Run(c.topology+"/"+c.name, func(t *testing.T) {
			t.Parallel()
			topo, err := topology.Load(filepath.Join("..", "testdata", "topologies", c.topology+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			sim, refs := newSim(t, topo)
			tg := simTarget(t, sim)
			tg.opts = c.opts
			for _, name := range c.exclude {
				if refs[name] == "" {
					t.Fatalf("no %s in the topology", name)
				}
				tg.opts.Exclude = append(tg.opts.Exclude, refs[name])
			}
			if pruned := proveAll(t, tg); (pruned > 0) != c.prunes {
				t.Errorf("%d steps pruned, want some: %v", pruned, c.prunes)
			}
		})
	}
}

// TestEndToEndSharedDefaultDiscovery covers rule 11 against the emulator: the IPAM's default discovery is
// in a share with another account, so DeleteIpam waits for its disassociation.
func TestEndToEndSharedDefaultDiscovery(t *testing.T) {
	t.Parallel()
	topo, err := topology.Parse([]byte(`
resource_directory:
  delegated_admin: "1000000000000001"
  accounts: ["1000000000000001", "1000000000000002"]
accounts:
  - id: "1000000000000001"
    ipams:
      - name: hub
        region: cn-shanghai
        scopes: [{name: extra}]
        pools:
          - name: top
            scope: scope/extra
            cidrs: [192.168.0.0/16]
            children: [{name: leaf, cidrs: [192.168.1.0/24]}]
    shares:
      - name: hub-pools
        resources: [pool/top]
        targets: ["1000000000000002"]
  - id: "1000000000000002"
`), "inline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sim, refs := newSim(t, topo)
	// The topology format shares pools and custom discoveries only; share the default one by hand.
	if _, err := sim.Invoke(t.Context(), ipamsim.DefaultAccount, cloudapi.ProductResourceSharing, "CreateResourceShare", wire.Params{
		"ResourceShareName": "hub-discovery", "Resources.1.ResourceId": refs["ipam/hub/discovery"],
		"Resources.1.ResourceType": "IpamResourceDiscovery", "Targets.1": "1000000000000002",
	}); err != nil {
		t.Fatal(err)
	}
	tg := simTarget(t, sim)
	proveAll(t, tg)
	var sawDefaultShare bool
	for _, c := range tg.calls() {
		if c.Action == "DisassociateResourceShare" && strings.Contains(fmt.Sprint(c.Params), "IpamResourceDiscovery") {
			sawDefaultShare = true
		}
	}
	if !sawDefaultShare {
		t.Error("the default discovery's share association was not removed")
	}
}

// inProcess builds the emulator for topo and a target that reaches it through Sim.Invoke.
func inProcess(t *testing.T, topo *topology.Topology) target {
	t.Helper()
	sim, _ := newSim(t, topo)
	return simTarget(t, sim)
}

func newSim(t *testing.T, topo *topology.Topology) (*ipamsim.Sim, topology.Refs) {
	t.Helper()
	sim, err := ipamsim.New(topo.Options())
	if err != nil {
		t.Fatal(err)
	}
	refs, err := topology.Apply(t.Context(), sim, topo)
	if err != nil {
		t.Fatal(err)
	}
	return sim, refs
}

func simTarget(t *testing.T, sim *ipamsim.Sim) target {
	log := &callLog{}
	return target{
		api: func(region string) api {
			return &invokeAPI{sim: sim, account: ipamsim.DefaultAccount, region: region, log: log}
		},
		calls: log.all,
		state: func() map[string]map[string]json.RawMessage { return decodeState(t, sim.DumpState().(json.RawMessage)) },
	}
}

// TestEndToEndDeleteDelay runs the proof with Deleting windows (pools, scopes, IPAMs, share
// disassociations, allocation releases) on an injected clock: the plan's wait_for states are the ones to
// wait for, and the steps that follow a release are checked again until it has settled.
func TestEndToEndDeleteDelay(t *testing.T) {
	t.Parallel()
	for _, path := range topologies(t) {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".yaml"), func(t *testing.T) {
			t.Parallel()
			topo, err := topology.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			clock := &fakeClock{now: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
			opts := topo.Options()
			opts.DeleteDelay = 5 * time.Second
			opts.Now = clock.Now
			sim, err := ipamsim.New(opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := topology.Apply(t.Context(), sim, topo); err != nil {
				t.Fatal(err)
			}
			clock.advance(time.Minute) // let the topology's own windows (none expected) settle
			tg := simTarget(t, sim)
			tg.advance = clock.advance
			proveAll(t, tg)
		})
	}
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func topologies(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob("../testdata/topologies/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no topologies: %v", err)
	}
	return paths
}

// proveAll runs teardownRegion in every region and returns how many steps the plans pruned.
func proveAll(t *testing.T, tg target) int {
	t.Helper()
	ran, pruned := 0, 0
	for _, region := range e2eRegions {
		n, p := teardownRegion(t, tg, region)
		ran += n
		pruned += p
	}
	if ran == 0 {
		t.Fatalf("no IPAM of %s in %v", ipamsim.DefaultAccount, e2eRegions)
	}
	return pruned
}

// teardownRegion plans and executes the teardown of every IPAM of the caller in region, checks the
// outcome, and returns the number of IPAMs it planned for and of the steps its plan pruned.
func teardownRegion(t *testing.T, tg target, region string) (int, int) {
	t.Helper()
	ctx := t.Context()
	api := tg.api(region)
	snap, err := collect.Collect(ctx, api, inventory.Selector{All: true}, collect.Options{Parallelism: 4})
	if err != nil {
		t.Fatalf("%s: collect: %v", region, err)
	}
	if len(snap.IPAMs) == 0 {
		return 0, 0
	}
	opts := tg.opts
	opts.PlanID, opts.Now = "plan-e2e", time.Now
	p, err := planner.Build(snap, opts)
	if err != nil {
		t.Fatalf("%s: build: %v", region, err)
	}
	if err := plans.Validate(p); err != nil {
		t.Fatalf("%s: %v", region, err)
	}
	before := tg.state()
	mark := len(tg.calls())

	// The up-front dry run (DESIGN, executor step 3): every step answers DryRunOperation or one of the codes
	// its dry_run_codes say an earlier step clears.
	for _, s := range p.Steps {
		if code := dryRun(ctx, api, s); code != "" && code != "DryRunOperation" && !slices.Contains(s.DryRunCodes, code) {
			t.Errorf("%s: up-front dry run of %s answered %s, not among its dry_run_codes %v", region, s.ID, code, s.DryRunCodes)
		}
	}
	for _, s := range p.Steps {
		// Just before its call, with every earlier step done and waited for, the dry run passes (once the
		// clock has moved past any allocation release window).
		code := dryRun(ctx, api, s)
		for tries := 0; tg.advance != nil && tries < 30 && code == rule19Code && slices.Contains(s.DryRunCodes, code); tries++ {
			tg.advance(time.Second)
			code = dryRun(ctx, api, s)
		}
		if code != "" && code != "DryRunOperation" {
			t.Errorf("%s: dry run of %s just before its call answered %s", region, s.ID, code)
		}
		call := cloudapi.Call{Product: s.Product, Action: s.Action, Region: s.Region, Params: s.Params, Resource: s.ResourceID,
			ClientToken: clientToken(s)}
		if s.Product == cloudapi.ProductResourceSharing {
			call.ClientToken = "" // DisassociateResourceShare takes no ClientToken
		}
		if _, err := api.Do(ctx, call); err != nil {
			t.Fatalf("%s: step %s (level %d): %v", region, s.ID, s.Level, err)
		}
		waitFor(ctx, t, tg, api, s)
	}

	calls := tg.calls()[mark:]
	checkCalls(t, region, p, calls)
	afterState := tg.state()
	checkUntouched(t, region, p, before, afterState)
	checkStaying(t, region, p, before, afterState)
	checkPurpose(t, region, p)

	// The selected IPAMs are gone, except those a blocker holds back; a new plan finds nothing to do.
	after, err := collect.Collect(ctx, api, inventory.Selector{All: true}, collect.Options{Parallelism: 4})
	if err != nil {
		t.Fatalf("%s: collect after: %v", region, err)
	}
	held := map[string]bool{}
	for _, b := range p.Blockers {
		for _, id := range b.HeldBack {
			held[id] = true
		}
	}
	for _, ip := range snap.IPAMs {
		gone := !slices.ContainsFunc(after.IPAMs, func(x inventory.IPAM) bool { return x.ID == ip.ID })
		if want := !held["delete-ipam/"+ip.ID]; gone != want {
			t.Errorf("%s: IPAM %s gone = %v, want %v (blockers %v)", region, ip.ID, gone, want, p.Blockers)
		}
	}
	opts.PlanID = "plan-e2e-2"
	again, err := planner.Build(after, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Steps) != 0 {
		t.Errorf("%s: after the plan ran, a new plan still has %d steps: %v", region, len(again.Steps), stepIDs(again))
	}
	if got, want := blockerIDs(again), blockerIDs(p); !slices.Equal(got, want) {
		t.Errorf("%s: blockers after the run %v, want those of the plan %v", region, got, want)
	}
	t.Logf("%s: %d steps in %d levels, %d blockers, %d calls", region, len(p.Steps), p.Summary.Levels, len(p.Blockers), len(calls))
	pruned := 0
	for _, b := range p.Blockers {
		pruned += len(b.Pruned)
	}
	return len(snap.IPAMs), pruned
}

// rule19Code is what a pool CIDR answers while an allocation released from it is still settling (reference
// rule 19: the release is not instantly visible to the deprovision check). Nothing lists a settling release,
// so no wait_for can cover it; the executor checks the CIDR step again instead.
const rule19Code = "OperationDenied.IpamPoolAllocationExist"

func clientToken(s plans.Step) string { return "plan-e2e-" + s.ID }

// dryRun sends the step with DryRun=true and returns the answer's code ("" for a step without DryRun).
func dryRun(ctx context.Context, api api, s plans.Step) string {
	if info, _ := plans.LookupAction(s.Action); !info.HasDryRun {
		return ""
	}
	_, err := api.Do(ctx, cloudapi.Call{Product: s.Product, Action: s.Action, Region: s.Region, Params: s.Params, Resource: s.ResourceID, DryRun: true})
	if err == nil {
		return "no error"
	}
	return code(err)
}

// code is the API error code of err, from the SDK path (cloudapi) or the in-process one (wire).
func code(err error) string {
	var werr *wire.Error
	if errors.As(err, &werr) {
		return werr.Code
	}
	return cloudapi.Code(err)
}

// waitFor polls until the step's asynchronous effect is visible: a share row Disassociated (reference 5.4),
// or a deleted pool, scope or IPAM no longer listed (its Deleting window over). Between polls it moves the
// target's clock when it has one, and sleeps a little otherwise.
func waitFor(ctx context.Context, t *testing.T, tg target, api api, s plans.Step) {
	t.Helper()
	var call cloudapi.Call
	switch {
	case s.WaitFor == "Disassociated":
		call = cloudapi.Call{Product: cloudapi.ProductResourceSharing, Action: "ListResourceShareAssociations", Region: s.Region,
			Params: map[string]string{"AssociationType": "Resource", "ResourceShareIds.1": s.Params["ResourceShareId"], "MaxResults": "100"}}
	case s.WaitFor == "gone" && s.Action == "DeleteIpamPool":
		call = cloudapi.Call{Product: s.Product, Action: "ListIpamPools", Region: s.Region, Params: map[string]string{"IpamPoolIds.1": s.ResourceID}}
	case s.WaitFor == "gone" && s.Action == "DeleteIpamScope":
		call = cloudapi.Call{Product: s.Product, Action: "ListIpamScopes", Region: s.Region, Params: map[string]string{"IpamScopeIds.1": s.ResourceID}}
	case s.WaitFor == "gone" && s.Action == "DeleteIpam":
		call = cloudapi.Call{Product: s.Product, Action: "ListIpams", Region: s.Region, Params: map[string]string{"IpamIds.1": s.ResourceID}}
	case s.WaitFor == "":
		return
	default:
		t.Fatalf("%s: wait_for %q: the proof does not know how to wait for it", s.ID, s.WaitFor)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := api.Read(ctx, call)
		if err != nil {
			t.Fatalf("wait for %s: %v", s.ID, err)
		}
		pending := 0
		for _, key := range []string{"ResourceShareAssociations", "IpamPools", "IpamScopes", "Ipams"} {
			rows, _ := out[key].([]any)
			for _, r := range rows {
				row, _ := r.(map[string]any)
				if key != "ResourceShareAssociations" {
					pending++ // a listed pool, scope or IPAM is not gone yet (Deleting)
					continue
				}
				for k, v := range s.Params {
					if strings.HasSuffix(k, ".ResourceId") && row["EntityId"] == v && row["AssociationStatus"] != "Disassociated" {
						pending++
					}
				}
			}
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not %s after 10s", s.ID, s.WaitFor)
		}
		if tg.advance != nil {
			tg.advance(time.Second)
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// checkCalls: no call of the run answered a prerequisite code, and every mutating call is one of the plan's
// steps, each step exactly once.
func checkCalls(t *testing.T, region string, p *plans.Plan, calls []loggedCall) {
	t.Helper()
	used := make([]bool, len(p.Steps))
	for _, c := range calls {
		if c.DryRun {
			continue // dry runs answer the codes the plan expects (checked in teardownRegion) and change nothing
		}
		for _, prefix := range []string{"DependencyViolation", "OperationFailed", "OperationDenied", "IncorrectStatus", "OperationConflict"} {
			if strings.HasPrefix(c.Code, prefix) {
				t.Errorf("%s: %s answered %s, a prerequisite the plan should have cleared first (params %v)", region, c.Action, c.Code, c.Params)
			}
		}
		if isRead(c.Action) {
			continue
		}
		i := slices.IndexFunc(p.Steps, func(s plans.Step) bool { return s.Action == c.Action && matches(s.Params, c.Params) })
		for i >= 0 && used[i] {
			j := slices.IndexFunc(p.Steps[i+1:], func(s plans.Step) bool { return s.Action == c.Action && matches(s.Params, c.Params) })
			if j < 0 {
				i = -1
				break
			}
			i += 1 + j
		}
		if i < 0 {
			t.Errorf("%s: mutating call %s %v is no step of the plan (or repeats one)", region, c.Action, c.Params)
			continue
		}
		used[i] = true
	}
	for i, u := range used {
		if !u {
			t.Errorf("%s: step %s made no call", region, p.Steps[i].ID)
		}
	}
}

func isRead(action string) bool {
	for _, prefix := range []string{"List", "Get", "Describe"} {
		if strings.HasPrefix(action, prefix) {
			return true
		}
	}
	return false
}

func matches(want, got map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// checkUntouched compares the emulator's state before and after: every object that changed or went away is
// one the plan names (a step's resource, or what a step implies, or what goes with it: a child CIDR's
// allocation in its parent, a deleted IPAM's associations, a removed resource's tags).
func checkUntouched(t *testing.T, region string, p *plans.Plan, before, after map[string]map[string]json.RawMessage) {
	t.Helper()
	named := map[string]bool{}
	pairs := map[string]bool{} // ipam id + " " + discovery id, dissociated
	deletedIpams := map[string]bool{}
	for _, s := range p.Steps {
		named[s.ResourceID] = true
		for _, im := range s.Implies {
			named[im.ResourceID] = true
		}
		switch s.Action {
		case "DeleteIpamPoolCidr":
			named[s.Params["IpamPoolId"]+" "+s.Params["Cidr"]] = true
		case "RemoveIpamMembers":
			for k, v := range s.Params {
				if strings.HasSuffix(k, ".MemberId") {
					named[s.IPAMID+" "+v] = true
				}
			}
		case "DisassociateResourceShare":
			named[s.Params["ResourceShareId"]] = true
		case "DissociateIpamResourceDiscovery":
			pairs[s.Params["IpamId"]+" "+s.Params["IpamResourceDiscoveryId"]] = true
		case "DeleteIpam":
			deletedIpams[s.Params["IpamId"]] = true
		}
	}
	explained := func(coll, key string, obj map[string]any) bool {
		str := func(k string) string { v, _ := obj[k].(string); return v }
		switch {
		case named[key]:
			return true
		case coll == "allocations" && str("resource_type") == "IpamPool":
			return named[str("resource_id")+" "+str("cidr")]
		case coll == "associations":
			return pairs[str("ipam_id")+" "+str("discovery_id")] || deletedIpams[str("ipam_id")]
		case coll == "tags":
			return named[key]
		}
		return false
	}
	for coll, objs := range before {
		for key, raw := range objs {
			now, ok := after[coll][key]
			if ok && string(now) == string(raw) {
				continue
			}
			var obj map[string]any
			_ = json.Unmarshal(raw, &obj)
			if !explained(coll, key, obj) {
				t.Errorf("%s: %s %q changed or went away, but the plan does not name it:\nbefore %s\nafter  %s", region, coll, key, raw, now)
			}
		}
	}
	for coll, objs := range after {
		for key := range objs {
			if _, ok := before[coll][key]; !ok {
				t.Errorf("%s: %s %q appeared during the run", region, coll, key)
			}
		}
	}
}

// checkStaying: the plan changes nothing that stays. Every object still there after the run is as it was
// (a held-back IPAM keeps its members, associations and shares; a pool that stays keeps its CIDRs and
// allocations): what the run changes, it deletes. A share that stays loses the entries the plan
// disassociates, and nothing else.
func checkStaying(t *testing.T, region string, p *plans.Plan, before, after map[string]map[string]json.RawMessage) {
	t.Helper()
	unshared := map[string]bool{} // share id + " " + resource id
	for _, s := range p.Steps {
		if s.Action != "DisassociateResourceShare" {
			continue
		}
		for k, v := range s.Params {
			if strings.HasSuffix(k, ".ResourceId") {
				unshared[s.Params["ResourceShareId"]+" "+v] = true
			}
		}
	}
	// What is gone after the run must have gone with a resource that is gone: a member or an association
	// with its IPAM (or its discovery), a CIDR or an allocation with its pool (a child pool's CIDR with the
	// child). A release, a deprovision, a dissociation or a member removal in what stays is a change to it.
	exists := func(id string) bool {
		for _, coll := range []string{"ipams", "pools", "discoveries"} {
			if _, ok := after[coll][id]; ok {
				return true
			}
		}
		return false
	}
	for coll, objs := range before {
		for key, raw := range objs {
			if _, ok := after[coll][key]; ok {
				continue
			}
			var obj map[string]any
			_ = json.Unmarshal(raw, &obj)
			str := func(k string) string { v, _ := obj[k].(string); return v }
			var staying bool
			switch coll {
			case "members":
				staying = exists(str("ipam_id"))
			case "associations":
				staying = exists(str("ipam_id")) && exists(str("discovery_id"))
			case "pool_cidrs":
				staying = exists(str("pool_id"))
			case "allocations":
				staying = exists(str("pool_id")) && (str("resource_type") != "IpamPool" || exists(str("resource_id")))
			}
			if staying {
				t.Errorf("%s: %s %q is gone, but what holds it stays (the plan changed a resource that stays):\n%s", region, coll, key, raw)
			}
		}
	}
	// withoutUnshared drops a share's entries the plan disassociates for resources that are gone, and the
	// times they changed.
	withoutUnshared := func(key string, raw json.RawMessage) string {
		var share map[string]any
		if json.Unmarshal(raw, &share) != nil {
			return string(raw)
		}
		entities, _ := share["entities"].([]any)
		kept := []any{}
		for _, e := range entities {
			ent, _ := e.(map[string]any)
			if id, _ := ent["id"].(string); !unshared[key+" "+id] || exists(id) {
				kept = append(kept, e)
			}
		}
		share["entities"] = kept
		delete(share, "updated")
		out, _ := json.Marshal(share)
		return string(out)
	}
	for coll, objs := range after {
		for key, now := range objs {
			was, ok := before[coll][key]
			if !ok || string(was) == string(now) {
				continue
			}
			if coll == "shares" && withoutUnshared(key, was) == withoutUnshared(key, now) {
				continue
			}
			t.Errorf("%s: %s %q stays but changed:\nbefore %s\nafter  %s", region, coll, key, was, now)
		}
	}
}

// checkPurpose: every step that deletes nothing in its own right (a release, a deprovision, a dissociation,
// an unshare, a member removal) clears the way for a deletion the plan makes; the others are pruned.
func checkPurpose(t *testing.T, region string, p *plans.Plan) {
	t.Helper()
	next := map[string][]string{} // step -> the steps that wait for it
	action := map[string]string{}
	for _, s := range p.Steps {
		action[s.ID] = s.Action
		for _, d := range s.DependsOn {
			next[d.ID] = append(next[d.ID], s.ID)
		}
	}
	deletion := func(a string) bool {
		return a == "DeleteIpam" || a == "DeleteIpamScope" || a == "DeleteIpamPool" || a == "DeleteIpamResourceDiscovery"
	}
	for _, s := range p.Steps {
		if deletion(s.Action) {
			continue
		}
		found := false
		seen := map[string]bool{}
		for queue := []string{s.ID}; len(queue) > 0 && !found; queue = queue[1:] {
			for _, n := range next[queue[0]] {
				found = found || deletion(action[n])
				if !seen[n] {
					seen[n] = true
					queue = append(queue, n)
				}
			}
		}
		if !found {
			t.Errorf("%s: step %s clears the way for no deletion of the plan; it should have been pruned", region, s.ID)
		}
	}
}

// decodeState splits a /_sim/state dump into collection -> key -> object.
func decodeState(t *testing.T, data []byte) map[string]map[string]json.RawMessage {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatalf("state: %v", err)
	}
	out := map[string]map[string]json.RawMessage{}
	for coll, raw := range top {
		var objs map[string]json.RawMessage
		if json.Unmarshal(raw, &objs) == nil {
			out[coll] = objs
		}
	}
	return out
}

// callLog is the in-process stand-in for /_sim/calls.
type callLog struct {
	mu    sync.Mutex
	calls []loggedCall
}

func (l *callLog) add(c loggedCall) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, c)
}

func (l *callLog) all() []loggedCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

// invokeAPI is api over Sim.Invoke: the handlers the HTTP server runs, with the answers passed through JSON
// (numbers as json.Number) as cloudapi returns them, and RegionId added as cloudapi.Client.Do adds it.
type invokeAPI struct {
	sim     *ipamsim.Sim
	account string
	region  string
	log     *callLog
}

func (a *invokeAPI) Region() string { return a.region }

func (a *invokeAPI) CallerAccount(context.Context) (string, error) { return a.account, nil }

func (a *invokeAPI) Read(ctx context.Context, call cloudapi.Call) (map[string]any, error) {
	return a.Do(ctx, call)
}

func (a *invokeAPI) Do(ctx context.Context, call cloudapi.Call) (map[string]any, error) {
	if call.Region == "" {
		call.Region = a.region
	}
	params := wire.Params{}
	for k, v := range call.Params {
		params[k] = v
	}
	if call.Product != cloudapi.ProductResourceSharing && call.Product != cloudapi.ProductSts {
		if _, ok := params["RegionId"]; !ok {
			params["RegionId"] = call.Region
		}
	}
	if call.ClientToken != "" {
		params["ClientToken"] = call.ClientToken
	}
	if call.DryRun {
		params["DryRun"] = "true"
	}
	out, err := a.sim.Invoke(ctx, a.account, call.Product, call.Action, params)
	logged := loggedCall{Action: call.Action, Params: map[string]string(params), DryRun: call.DryRun}
	if err != nil {
		var werr *wire.Error
		if errors.As(err, &werr) {
			logged.Code = werr.Code
		}
		a.log.add(logged)
		return nil, err
	}
	a.log.add(logged)
	data, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	m := map[string]any{}
	return m, dec.Decode(&m)
}

func stepIDs(p *plans.Plan) []string {
	ids := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		ids[i] = s.ID
	}
	return ids
}

func blockerIDs(p *plans.Plan) []string {
	var ids []string
	for _, b := range p.Blockers {
		ids = append(ids, fmt.Sprintf("%s %s", b.ResourceType, b.ResourceID))
	}
	return ids
}
