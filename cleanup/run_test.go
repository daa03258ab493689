package cleanup_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/cleanup"
	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/internal/replan"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
	"github.com/ipam-teardown/ipam-teardown/planner"
)

const (
	acctA = "1000000000000001" // the caller
	acctB = "1000000000000002" // reached by role
	acctC = "1000000000000003" // reached by role
)

// bed is an emulator with the three accounts of testdata/accounts.yaml, an HTTPS listener for Sts, and the
// caller's (account 1's) key in the environment (runTests).
type bed struct {
	t   *testing.T
	srv *simtest.Server
	sts string
	clk *clock
}

type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

func newBed(t *testing.T, opts ...simtest.Option) *bed {
	t.Helper()
	topo, err := topology.Load(filepath.Join("testdata", "accounts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	s := simtest.StartTopology(t, topo, append(opts, simtest.WithNow(clk.now))...)
	sts := s.ServeTLS(t) // the process trusts it (runTests)
	if c := s.Credential(t, acctA); c.AccessKeyID != os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_ID") || c.AccessKeySecret != os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET") {
		t.Fatalf("account %s has the key %s, not the environment's (runTests)", acctA, c.AccessKeyID)
	}
	return &bed{t: t, srv: s, sts: sts, clk: clk}
}

// config is the cleanup config of the tests: the caller itself and both role accounts, in both regions,
// IPAMs tagged env=sandbox, sandbox-c excluded by id, the tag keep protecting.
func (b *bed) config(extra string) *cleanup.Config {
	b.t.Helper()
	text := `regions: [cn-hangzhou, cn-shanghai]
allowed_accounts: ["1000000000000001", "1000000000000002", "1000000000000003"]
accounts:
  - id: "1000000000000001"
  - role_arn: acs:ram::1000000000000002:role/ipam-cleanup
  - role_arn: acs:ram::1000000000000003:role/ipam-cleanup
select:
  tags: {env: sandbox}
exclude:
  ids: [` + b.srv.Refs["ipam/sandbox-c"] + `]
  protect_tag: keep
sts_endpoint: ` + b.sts + "\n" + extra
	cfg, err := cleanup.ParseConfig([]byte(text), "cleanup.yaml")
	if err != nil {
		b.t.Fatal(err)
	}
	return cfg
}

func (b *bed) options(apply bool) cleanup.Options {
	return cleanup.Options{
		Apply:  apply,
		OutDir: b.t.TempDir(),
		// --qps auto starts at 500: the emulator has no limit, and a slow start from 10 calls a second in each
		// account was most of a test's time.
		Client: cloudapi.Config{Endpoint: b.srv.URL, RetryInitial: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond, QPSAutoStart: 500},
		Executor: executor.Options{
			StepTimeout: 20 * time.Second, PollInterval: 10 * time.Millisecond, PollMax: 50 * time.Millisecond,
			RetryInitial: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond,
		},
		Logger: zerolog.New(zerolog.NewTestWriter(b.t)).Level(zerolog.WarnLevel),
	}
}

// ipamsOf lists the IPAM and custom discovery ids /_sim/state holds, by owner account.
func (b *bed) ipamsOf() map[string][]string {
	b.t.Helper()
	type owned struct {
		Owner string `json:"owner"`
		Type  string `json:"type"`
	}
	var st struct {
		Ipams       map[string]owned `json:"ipams"`
		Discoveries map[string]owned `json:"discoveries"`
	}
	if err := json.Unmarshal(b.srv.State(b.t), &st); err != nil {
		b.t.Fatalf("/_sim/state: %v", err)
	}
	out := map[string][]string{}
	for id, ip := range st.Ipams {
		out[ip.Owner] = append(out[ip.Owner], id)
	}
	for id, d := range st.Discoveries {
		if d.Type == "custom" {
			out[d.Owner] = append(out[d.Owner], id)
		}
	}
	for _, ids := range out {
		slices.Sort(ids)
	}
	return out
}

func mutatingCalls(calls []wire.Call) []wire.Call {
	var out []wire.Call
	for _, c := range calls {
		if a, ok := catalog.Lookup(c.Product, c.Action); (!ok || a.Mutating) && !c.DryRun && c.Action != "AssumeRole" {
			out = append(out, c)
		}
	}
	return out
}

// ipamReports flattens a report: account/region/ipam (or "orphans") to the entry.
func ipamReports(rep *cleanup.Report) map[string]cleanup.IPAMReport {
	out := map[string]cleanup.IPAMReport{}
	for _, a := range rep.Accounts {
		for _, r := range a.Regions {
			for _, ip := range r.IPAMs {
				out[a.ID+"/"+r.Region+"/"+ip.IPAMID] = ip
			}
			if r.Orphans != nil {
				out[a.ID+"/"+r.Region+"/orphans"] = *r.Orphans
			}
		}
	}
	return out
}

// TestPreviewMakesNoMutatingCall: without Apply the cleanup reaches all three accounts (two by role), selects
// exactly the env=sandbox IPAMs that are neither protected nor excluded, writes their plans, dry-runs them,
// and the emulator logs no mutating call at all: no lock tag, no step. Everything is still there.
func TestPreviewMakesNoMutatingCall(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	before := b.ipamsOf()
	rep, err := cleanup.Run(t.Context(), b.config("orphan_discoveries: true"), b.options(false))
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	if rep.Outcome != "previewed" {
		t.Errorf("outcome %q; want previewed", rep.Outcome)
	}
	if m := mutatingCalls(b.srv.Wire.Calls()); len(m) > 0 {
		t.Errorf("a preview made %d mutating call(s), the first %s %v", len(m), m[0].Action, m[0].Params)
	}
	if after := b.ipamsOf(); !equalMaps(before, after) {
		t.Errorf("state changed in a preview: before %v, after %v", before, after)
	}
	got := ipamReports(rep)
	want := map[string]string{ // outcome by account/region/ipam
		acctA + "/cn-hangzhou/" + b.srv.Refs["ipam/sandbox-a"]: "previewed",
		acctA + "/cn-shanghai/" + b.srv.Refs["ipam/keep-a"]:    "skipped",
		acctB + "/cn-shanghai/" + b.srv.Refs["ipam/sandbox-b"]: "previewed",
		acctB + "/cn-shanghai/orphans":                         "nothing",
		acctB + "/cn-hangzhou/orphans":                         "nothing",
		acctA + "/cn-hangzhou/orphans":                         "nothing",
		acctA + "/cn-shanghai/orphans":                         "nothing",
		acctC + "/cn-hangzhou/" + b.srv.Refs["ipam/sandbox-c"]: "skipped",
		acctC + "/cn-hangzhou/orphans":                         "nothing",
		acctC + "/cn-shanghai/orphans":                         "previewed",
	}
	for k, w := range want {
		if got[k].Outcome != w {
			t.Errorf("%s: outcome %q (%s); want %q", k, got[k].Outcome, got[k].Message, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("report has %d entries, want %d: %v", len(got), len(want), got)
	}
	if why := got[acctA+"/cn-shanghai/"+b.srv.Refs["ipam/keep-a"]].Why; !strings.Contains(why, "protected") {
		t.Errorf("keep-a skipped because %q; want protected", why)
	}
	if why := got[acctC+"/cn-hangzhou/"+b.srv.Refs["ipam/sandbox-c"]].Why; !strings.Contains(why, "excluded") {
		t.Errorf("sandbox-c skipped because %q; want excluded", why)
	}
	sel := got[acctA+"/cn-hangzhou/"+b.srv.Refs["ipam/sandbox-a"]]
	if !sel.Selected || sel.Why != "tag env=sandbox" || sel.Steps == 0 || sel.PlanID == "" {
		t.Errorf("sandbox-a: %+v; want selected by its tag, with a plan", sel)
	}
	if _, err := os.Stat(sel.Plan); err != nil {
		t.Errorf("the plan of sandbox-a was not written: %v", err)
	}
}

// TestApplyEmptiesExactlyTheSelectedIPAMs: with Apply, the two selected IPAMs and the orphaned discovery are
// gone, everything else remains, and the report agrees with /_sim/state.
func TestApplyEmptiesExactlyTheSelectedIPAMs(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	before := b.ipamsOf()
	rep, err := cleanup.Run(t.Context(), b.config("orphan_discoveries: true"), b.options(true))
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	after := b.ipamsOf()
	gone := map[string]bool{b.srv.Refs["ipam/sandbox-a"]: true, b.srv.Refs["ipam/sandbox-b"]: true, b.srv.Refs["discovery/c-orphan"]: true}
	for acct, ids := range before {
		for _, id := range ids {
			if present := slices.Contains(after[acct], id); present == gone[id] {
				t.Errorf("account %s: %s present=%v after the cleanup; want %v", acct, id, present, !gone[id])
			}
		}
	}
	for k, ir := range ipamReports(rep) {
		id := k[strings.LastIndex(k, "/")+1:]
		switch {
		case ir.Outcome == "done" && id != "orphans" && !gone[id]:
			t.Errorf("%s: the report says done, but it is no IPAM the cleanup selected", k)
		case gone[id] && ir.Outcome != "done":
			t.Errorf("%s: gone from the emulator, but the report says %q", k, ir.Outcome)
		case ir.Outcome == "done" && ir.Done != ir.Steps:
			t.Errorf("%s: done with %d of %d steps", k, ir.Done, ir.Steps)
		}
	}
	if rep.Outcome != "done" {
		t.Errorf("outcome %q; want done", rep.Outcome)
	}
}

// TestAccountOffTheAllowListRefusesTheRun: when the caller's credentials lead to an account that is not on
// the allow-list, the whole run is refused after the identity calls: no other call in any account.
func TestAccountOffTheAllowListRefusesTheRun(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	cfg, err := cleanup.ParseConfig([]byte(`regions: [cn-hangzhou]
allowed_accounts: ["1000000000000002"]
accounts:
  - {}
  - role_arn: acs:ram::1000000000000002:role/ipam-cleanup
select: {tags: {env: sandbox}}
sts_endpoint: `+b.sts+"\n"), "cleanup.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := cleanup.Run(t.Context(), cfg, b.options(true))
	if !errors.Is(err, cleanup.ErrRefused) || !strings.Contains(err.Error(), "1000000000000001 is not on allowed_accounts") {
		t.Fatalf("run: %v; want a refusal naming account 1000000000000001", err)
	}
	if rep.Outcome != "refused" || rep.Accounts[0].Outcome != "refused" {
		t.Errorf("report: %s, account 0 %s; want refused", rep.Outcome, rep.Accounts[0].Outcome)
	}
	for _, c := range b.srv.Wire.Calls() {
		if c.Action != "GetCallerIdentity" && c.Action != "AssumeRole" {
			t.Errorf("call %s after the identity check of a refused run", c.Action)
		}
	}
}

// TestOverlappingAppliesNeverActOnTheSameIPAM: two cleanups with Apply at once, on an emulator slow enough
// that they overlap. Every mutating call with a ClientToken comes, per IPAM, from one run's plan; the other
// run is refused (its lock check or its drift check), or finds nothing left. Both IPAMs end gone.
func TestOverlappingAppliesNeverActOnTheSameIPAM(t *testing.T) {
	t.Parallel()
	b := newBed(t, simtest.WithDeleteDelay(100*time.Millisecond))
	b.srv.Wire.SetFaults([]wire.FaultRule{{Latency: 10 * time.Millisecond}})
	var reps [2]*cleanup.Report
	var wg sync.WaitGroup
	for i := range reps {
		wg.Go(func() {
			reps[i], _ = cleanup.Run(context.Background(), b.config(""), b.options(true))
		})
	}
	wg.Wait()
	after := b.ipamsOf()
	for _, id := range []string{b.srv.Refs["ipam/sandbox-a"], b.srv.Refs["ipam/sandbox-b"]} {
		for _, ids := range after {
			if slices.Contains(ids, id) {
				t.Errorf("%s remains after two cleanups", id)
			}
		}
	}
	b.checkOnePlanPerIPAM(reps[0], reps[1])
}

// checkOnePlanPerIPAM fails the test when the mutating calls on one IPAM carry the ClientTokens of more than
// one of the reports' plans, or when more than one report says an IPAM is done.
func (b *bed) checkOnePlanPerIPAM(reps ...*cleanup.Report) {
	t := b.t
	t.Helper()
	planOf := map[string]string{} // plan id -> IPAM
	done := map[string]int{}
	for _, rep := range reps {
		for _, ir := range ipamReports(rep) {
			if ir.PlanID != "" && ir.IPAMID != "" {
				planOf[ir.PlanID] = ir.IPAMID
			}
			if ir.Outcome == "done" && ir.IPAMID != "" {
				done[ir.IPAMID]++
			}
		}
	}
	for id, n := range done {
		if n > 1 {
			t.Errorf("%s: %d runs report it done", id, n)
		}
	}
	acted := map[string]map[string]bool{} // IPAM -> plan ids that sent a mutating call
	for _, c := range mutatingCalls(b.srv.Wire.Calls()) {
		tok := c.Params["ClientToken"]
		for plan, ipam := range planOf {
			if strings.HasPrefix(tok, plan+"-") {
				if acted[ipam] == nil {
					acted[ipam] = map[string]bool{}
				}
				acted[ipam][plan] = true
			}
		}
	}
	if len(acted) == 0 {
		t.Fatal("no mutating call carried a plan's ClientToken: the check checks nothing")
	}
	for ipam, ps := range acted {
		if len(ps) > 1 {
			t.Errorf("IPAM %s: mutating calls from %d runs' plans %v; want one", ipam, len(ps), ps)
		}
	}
}

// TestCleanupBesideAManualDestroy: a scheduled cleanup with Apply and an operator's apply of their own plan
// of sandbox-a (what destroy runs) at the same time: the IPAM is gone, and only one of the two plans acted
// on it (the other run was refused by the lock or the drift check).
func TestCleanupBesideAManualDestroy(t *testing.T) {
	t.Parallel()
	b := newBed(t, simtest.WithDeleteDelay(100*time.Millisecond))
	b.srv.Wire.SetFaults([]wire.FaultRule{{Latency: 10 * time.Millisecond}})
	api, err := cloudapi.New(t.Context(), cloudapi.Config{Region: "cn-hangzhou", Endpoint: b.srv.URL, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	id := b.srv.Refs["ipam/sandbox-a"]
	snap, err := collect.Collect(t.Context(), api, inventory.Selector{IPAMIDs: []string{id}}, collect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := planner.Build(snap, planner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rep *cleanup.Report
	var manual *executor.Report
	var wg sync.WaitGroup
	wg.Go(func() { rep, _ = cleanup.Run(context.Background(), b.config(""), b.options(true)) })
	wg.Go(func() {
		opts := b.options(true).Executor
		opts.Replan = replan.Func(api, p, planner.OptionsFor(p), 8, nil)
		manual, _ = executor.Apply(context.Background(), api, p, opts)
	})
	wg.Wait()
	for _, ids := range b.ipamsOf() {
		if slices.Contains(ids, id) {
			t.Errorf("%s remains after the cleanup and the manual destroy", id)
		}
	}
	// The manual run as a one-IPAM report, so that the same check covers both.
	manualRep := &cleanup.Report{Accounts: []cleanup.AccountReport{{ID: acctA, Regions: []cleanup.RegionReport{{Region: "cn-hangzhou",
		IPAMs: []cleanup.IPAMReport{{IPAMID: id, PlanID: p.PlanID, Outcome: string(manual.Outcome)}}}}}}}
	t.Logf("cleanup: %s; manual: %s", ipamReports(rep)[acctA+"/cn-hangzhou/"+id].Outcome, manual.Outcome)
	b.checkOnePlanPerIPAM(rep, manualRep)
}

// TestExpiredRoleSessionIsRenewed: the emulator's clock jumps past the role sessions' expiration as the
// first step starts; the calls refused with InvalidSecurityToken.Expired are sent again after the role is
// assumed again, and the run finishes: nothing half-done in silence.
func TestExpiredRoleSessionIsRenewed(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	opts := b.options(true)
	var once sync.Once
	opts.Executor.OnEvent = func(e executor.Event) {
		if e.Kind == executor.EventStart {
			once.Do(func() { b.clk.advance(2 * time.Hour) })
		}
	}
	cfg := b.config("")
	cfg.Accounts = cfg.Accounts[1:2] // account 2, by role
	rep, err := cleanup.Run(t.Context(), cfg, opts)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	var expired, assumed int
	for _, c := range b.srv.Wire.Calls() {
		switch {
		case c.Code == "InvalidSecurityToken.Expired":
			expired++
		case c.Action == "AssumeRole" && c.Status == 200:
			assumed++
		}
	}
	if expired == 0 || assumed < 2 {
		t.Errorf("%d calls refused as expired, %d AssumeRole; want the session to expire and be renewed", expired, assumed)
	}
	if ir := ipamReports(rep)[acctB+"/cn-shanghai/"+b.srv.Refs["ipam/sandbox-b"]]; ir.Outcome != "done" {
		t.Errorf("sandbox-b: %q %s; want done", ir.Outcome, ir.Message)
	}
}

// TestRoleRenewalFailureFailsTheAccount: the role session expires mid-run and Sts refuses every renewal: the
// IPAM of that account is reported failed with the service's answer and how to resume, and the run fails
// (exit 1); nothing is reported done that is not.
func TestRoleRenewalFailureFailsTheAccount(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	opts := b.options(true)
	opts.Executor.StepTimeout = time.Second // the steps fail by it: renewal never succeeds
	var once sync.Once
	opts.Executor.OnEvent = func(e executor.Event) {
		if e.Kind == executor.EventStart {
			once.Do(func() {
				b.srv.Wire.SetFaults([]wire.FaultRule{{Action: "AssumeRole", Error: 1}})
				b.clk.advance(2 * time.Hour)
			})
		}
	}
	cfg := b.config("")
	cfg.Accounts = cfg.Accounts[1:2] // account 2, by role
	rep, err := cleanup.Run(t.Context(), cfg, opts)
	if !errors.Is(err, cleanup.ErrFailed) {
		t.Fatalf("run: %v, want ErrFailed", err)
	}
	ir := ipamReports(rep)[acctB+"/cn-shanghai/"+b.srv.Refs["ipam/sandbox-b"]]
	if ir.Outcome != "failed" {
		t.Errorf("sandbox-b: outcome %q, want failed", ir.Outcome)
	}
	// The report says which step failed and why: the session could not be renewed.
	if len(ir.Failed) == 0 {
		t.Fatalf("sandbox-b: no failed step reported (message %q)", ir.Message)
	}
	for _, f := range ir.Failed {
		if f.Step == "" || !strings.Contains(f.Code+" "+f.Message, "assume role") && !strings.Contains(f.Code, "InvalidSecurityToken.Expired") {
			t.Errorf("failed step %+v does not say the role session could not be renewed", f)
		}
	}
	if !slices.Contains(b.ipamsOf()[acctB], b.srv.Refs["ipam/sandbox-b"]) {
		t.Error("sandbox-b is gone, yet its account could not renew its session")
	}
}

// TestBlockedPlanIsNotRun: an excluded pool inside a selected IPAM makes its plan hold a blocker: the plan is
// written and reported with the blocker, nothing of that IPAM is touched, the other IPAMs still run, and the
// run's error is a refusal (exit 3), not a failure.
func TestBlockedPlanIsNotRun(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	cfg := b.config("")
	cfg.Exclude.IDs = append(cfg.Exclude.IDs, b.srv.Refs["pool/a-child"])
	rep, err := cleanup.Run(t.Context(), cfg, b.options(true))
	if !errors.Is(err, cleanup.ErrRefused) || errors.Is(err, cleanup.ErrFailed) {
		t.Fatalf("run: %v; want a refusal", err)
	}
	got := ipamReports(rep)
	a := got[acctA+"/cn-hangzhou/"+b.srv.Refs["ipam/sandbox-a"]]
	if a.Outcome != "blocked" || len(a.Blockers) == 0 || a.Blockers[0].ResourceID != b.srv.Refs["pool/a-child"] || a.Plan == "" {
		t.Errorf("sandbox-a: %+v; want blocked by pool a-child, with its plan written", a)
	}
	if bb := got[acctB+"/cn-shanghai/"+b.srv.Refs["ipam/sandbox-b"]]; bb.Outcome != "done" {
		t.Errorf("sandbox-b: %q; want done beside the blocked IPAM", bb.Outcome)
	}
	for _, c := range mutatingCalls(b.srv.Wire.Calls()) {
		// Account 1 has one IPAM in cn-hangzhou, the blocked one: nothing there may change.
		if c.Account == acctA && c.Params["RegionId"] == "cn-hangzhou" {
			t.Errorf("%s in the blocked IPAM's account and region: %v", c.Action, c.Params)
		}
	}
	if rep.Outcome != "refused" {
		t.Errorf("outcome %q; want refused", rep.Outcome)
	}
}

func equalMaps(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// TestUnreachableAccountStopsTheRunBeforeAnyListing: the role of the second account cannot be assumed.
// Every account's identity is checked before any other call, so the run fails (ErrFailed) having sent only
// identity calls: account 1, reached fine, is not listed either.
func TestUnreachableAccountStopsTheRunBeforeAnyListing(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	cfg, err := cleanup.ParseConfig([]byte(`regions: [cn-hangzhou, cn-shanghai]
allowed_accounts: ["1000000000000001", "1000000000000002"]
accounts:
  - id: "1000000000000001"
  - role_arn: acs:ram::1000000000000002:role/nosuch
select: {tags: {env: sandbox}}
sts_endpoint: `+b.sts+"\n"), "cleanup.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := cleanup.Run(t.Context(), cfg, b.options(true))
	if !errors.Is(err, cleanup.ErrFailed) || !strings.Contains(err.Error(), "accounts[1]") {
		t.Fatalf("run: %v; want a failure naming accounts[1]", err)
	}
	if rep.Outcome != "failed" || rep.Accounts[1].Outcome != "failed" {
		t.Errorf("report: %s, account 1 %s; want failed", rep.Outcome, rep.Accounts[1].Outcome)
	}
	if n := len(rep.Accounts[0].Regions); n != 0 {
		t.Errorf("account 0 reports %d region(s); want none listed", n)
	}
	for _, c := range b.srv.Wire.Calls() {
		if c.Action != "GetCallerIdentity" && c.Action != "AssumeRole" {
			t.Errorf("call %s although an account's identity could not be checked", c.Action)
		}
	}
}

// TestOrphanDiscoveriesFollowSelect: orphan_discoveries deletes only the orphaned discoveries that select
// matches, as an IPAM is matched: the old orphan tagged env=sandbox (account 3) goes; an untagged one
// (account 3) and one tagged env=sandbox but made a minute ago (account 2, older_than 72h) stay. The drift
// checks of the orphans' plans agree (the run is done, not refused).
func TestOrphanDiscoveriesFollowSelect(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	b.clk.advance(100 * time.Hour) // the topology is 100 hours old
	cred := b.srv.Credential(t, acctB)
	api, err := cloudapi.New(t.Context(), cloudapi.Config{Region: "cn-beijing", Endpoint: b.srv.URL,
		AccessKey: cloudapi.AccessKey{ID: cred.AccessKeyID, Secret: cred.AccessKeySecret}, QPS: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out, err := api.Mutate(t.Context(), cloudapi.Call{Product: cloudapi.ProductVpcIpam, Action: "CreateIpamResourceDiscovery",
		Params: map[string]string{"RegionId": "cn-beijing", "OperatingRegionList.1": "cn-beijing", "IpamResourceDiscoveryName": "b-young",
			"Tag.1.Key": "env", "Tag.1.Value": "sandbox"}})
	if err != nil {
		t.Fatalf("creating the young discovery: %v", err)
	}
	young, _ := out["IpamResourceDiscoveryId"].(string)
	cfg, err := cleanup.ParseConfig([]byte(`regions: [cn-shanghai, cn-beijing]
allowed_accounts: ["1000000000000002", "1000000000000003"]
accounts:
  - role_arn: acs:ram::1000000000000002:role/ipam-cleanup
  - role_arn: acs:ram::1000000000000003:role/ipam-cleanup
select: {tags: {env: sandbox}, older_than: 72h}
orphan_discoveries: true
sts_endpoint: `+b.sts+"\n"), "cleanup.yaml")
	if err != nil {
		t.Fatal(err)
	}
	opts := b.options(true)
	opts.Now = b.clk.now
	var logs bytes.Buffer
	opts.Logger = zerolog.New(zerolog.SyncWriter(&logs)).Level(zerolog.InfoLevel) // the accounts log at once
	rep, err := cleanup.Run(t.Context(), cfg, opts)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	noDuplicateKeys(t, logs.String())
	after := b.ipamsOf()
	for _, d := range []struct {
		acct, id string
		gone     bool
	}{{acctC, b.srv.Refs["discovery/c-orphan"], true}, {acctC, b.srv.Refs["discovery/c-stray"], false}, {acctB, young, false}} {
		if gone := !slices.Contains(after[d.acct], d.id); gone != d.gone {
			t.Errorf("discovery %s gone=%v; want %v", d.id, gone, d.gone)
		}
	}
	reps := ipamReports(rep)
	if ir := reps[acctC+"/cn-shanghai/orphans"]; ir.Outcome != "done" || ir.Steps == 0 {
		t.Errorf("account 3 orphans: %s (%s) with %d steps; want done", ir.Outcome, ir.Message, ir.Steps)
	}
	for k, want := range map[string]string{
		acctC + "/cn-beijing/orphans": b.srv.Refs["discovery/c-stray"] + " (the tag env is not sandbox)",
		acctB + "/cn-beijing/orphans": young + " (created ",
	} {
		if ir := reps[k]; ir.Outcome != "nothing" || !strings.Contains(ir.Why, want) {
			t.Errorf("%s: %s, why %q; want nothing, saying %q", k, ir.Outcome, ir.Why, want)
		}
	}
}

// TestReusedOutDirKeepsAndResumesAnInterruptedRun: an apply interrupted after its first step leaves the plan
// and its journal in the out-dir, the IPAM half emptied. A preview into the same out-dir writes its plan
// beside them and changes neither; the next apply into it runs that plan again from its journal (the resume
// line the report printed still names it) and ends done, the IPAM gone.
func TestReusedOutDirKeepsAndResumesAnInterruptedRun(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	cfg, err := cleanup.ParseConfig([]byte(`regions: [cn-hangzhou]
allowed_accounts: ["1000000000000001"]
accounts: [{}]
select: {tags: {env: sandbox}}
`), "cleanup.yaml")
	if err != nil {
		t.Fatal(err)
	}
	id := b.srv.Refs["ipam/sandbox-a"]
	opts := b.options(true)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	interrupt := opts
	interrupt.Executor.OnEvent = func(ev executor.Event) {
		if ev.Kind == executor.EventDone {
			cancel() // Ctrl-C once a step is done
		}
	}
	rep, err := cleanup.Run(ctx, cfg, interrupt)
	first := ipamReports(rep)[acctA+"/cn-hangzhou/"+id]
	if !errors.Is(err, context.Canceled) || first.Outcome != "interrupted" || first.Done == 0 || first.Done == first.Steps {
		t.Fatalf("first run: %v, %s with %d of %d steps done; want it interrupted half way", err, first.Outcome, first.Done, first.Steps)
	}
	if !strings.Contains(first.Message, "resume with: ipam-teardown apply "+first.Plan) {
		t.Errorf("first run: message %q lacks the resume line", first.Message)
	}
	plan, journal := first.Plan, first.Plan+".journal"
	planBytes, journalBytes := readBytes(t, plan), readBytes(t, journal)

	preview := b.options(false)
	preview.OutDir = opts.OutDir
	rep, err = cleanup.Run(t.Context(), cfg, preview)
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	beside := ipamReports(rep)[acctA+"/cn-hangzhou/"+id]
	if want := filepath.Join(filepath.Dir(plan), id+"-2.plan.json"); beside.Plan != want || beside.Resumed {
		t.Errorf("preview plan %s (resumed %v); want %s beside the kept one", beside.Plan, beside.Resumed, want)
	}
	if !bytes.Equal(readBytes(t, plan), planBytes) || !bytes.Equal(readBytes(t, journal), journalBytes) {
		t.Fatal("the preview changed the interrupted run's plan or journal")
	}

	rep, err = cleanup.Run(t.Context(), cfg, opts)
	if err != nil {
		t.Fatalf("second apply: %v", err)
	}
	again := ipamReports(rep)[acctA+"/cn-hangzhou/"+id]
	if again.Plan != plan || !again.Resumed || again.PlanID != first.PlanID || again.Outcome != "done" {
		t.Errorf("second apply: plan %s (id %s, resumed %v), %s; want %s (id %s) resumed and done",
			again.Plan, again.PlanID, again.Resumed, again.Outcome, plan, first.PlanID)
	}
	if slices.Contains(b.ipamsOf()[acctA], id) {
		t.Errorf("%s is still there", id)
	}
}

func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// noDuplicateKeys fails for a JSON log line that names a key twice (the orphan discoveries' plan logged
// "plan" as its label and again as its file: a strict reader refuses the line, a lax one keeps either).
func noDuplicateKeys(t *testing.T, logs string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		dec := json.NewDecoder(strings.NewReader(line))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			t.Fatalf("not a JSON object: %s", line)
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				t.Fatalf("%v: %s", err, line)
			}
			key, _ := tok.(string)
			if seen[key] {
				t.Errorf("the key %q twice in: %s", key, line)
			}
			seen[key] = true
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("%v: %s", err, line)
			}
		}
	}
}

// TestReusedOutDirPlansNewOrphans: an out-dir used again keeps the plan and journal of an orphan run that
// finished, and a new orphaned discovery found by the next run there is planned and deleted. The orphans'
// plan has one name per account and region whatever it holds, and its selector and options never change, so
// the finished run's plan was taken for an interrupted one and run again from its journal: every step done
// earlier, outcome done, and the new orphan left in place.
func TestReusedOutDirPlansNewOrphans(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	b.clk.advance(100 * time.Hour)
	cfg, err := cleanup.ParseConfig([]byte(`regions: [cn-shanghai]
allowed_accounts: ["1000000000000003"]
accounts:
  - role_arn: acs:ram::1000000000000003:role/ipam-cleanup
select: {tags: {env: sandbox}, older_than: 72h}
orphan_discoveries: true
sts_endpoint: `+b.sts+"\n"), "cleanup.yaml")
	if err != nil {
		t.Fatal(err)
	}
	opts := b.options(true)
	opts.Now = b.clk.now
	rep, err := cleanup.Run(t.Context(), cfg, opts)
	if err != nil {
		t.Fatalf("first apply: %v", err)
	}
	first := ipamReports(rep)[acctC+"/cn-shanghai/orphans"]
	if first.Outcome != "done" || slices.Contains(b.ipamsOf()[acctC], b.srv.Refs["discovery/c-orphan"]) {
		t.Fatalf("first apply: orphans %s (%s); want done, c-orphan gone", first.Outcome, first.Message)
	}

	cred := b.srv.Credential(t, acctC)
	api, err := cloudapi.New(t.Context(), cloudapi.Config{Region: "cn-shanghai", Endpoint: b.srv.URL,
		AccessKey: cloudapi.AccessKey{ID: cred.AccessKeyID, Secret: cred.AccessKeySecret}, QPS: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out, err := api.Mutate(t.Context(), cloudapi.Call{Product: cloudapi.ProductVpcIpam, Action: "CreateIpamResourceDiscovery",
		Params: map[string]string{"RegionId": "cn-shanghai", "OperatingRegionList.1": "cn-shanghai", "IpamResourceDiscoveryName": "c-later",
			"Tag.1.Key": "env", "Tag.1.Value": "sandbox"}})
	if err != nil {
		t.Fatalf("creating the later orphan: %v", err)
	}
	later, _ := out["IpamResourceDiscoveryId"].(string)
	b.clk.advance(100 * time.Hour) // old enough for older_than

	rep, err = cleanup.Run(t.Context(), cfg, opts)
	if err != nil {
		t.Fatalf("second apply: %v", err)
	}
	second := ipamReports(rep)[acctC+"/cn-shanghai/orphans"]
	if slices.Contains(b.ipamsOf()[acctC], later) {
		t.Errorf("the later orphan %s is still there: second run %s, plan %s, resumed %v, %d steps",
			later, second.Outcome, second.Plan, second.Resumed, second.Steps)
	}
	if second.Resumed || second.Plan == first.Plan || second.Outcome != "done" {
		t.Errorf("second run: plan %s (resumed %v), %s; want a new plan beside %s, done", second.Plan, second.Resumed, second.Outcome, first.Plan)
	}
}

// TestReusedOutDirKeepsTheRecreateConfig: the recreate configuration is the way back to what a plan deletes,
// written before its first mutating call. An interrupted run's stays when the run is resumed (written again,
// it would hold only what the first run left), and a plan written beside it gets one of its own beside it.
// Both used to write <ipam>.recreate/main.tf again: the resumed run's lost the pools the first run deleted,
// and the plan beside replaced the interrupted plan's.
func TestReusedOutDirKeepsTheRecreateConfig(t *testing.T) {
	t.Parallel()
	config := func(protect string) *cleanup.Config {
		cfg, err := cleanup.ParseConfig([]byte(`regions: [cn-hangzhou]
allowed_accounts: ["1000000000000001"]
accounts: [{}]
select: {tags: {env: sandbox}}
exclude: {protect_tag: `+protect+`}
`), "cleanup.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	for _, tt := range []struct {
		name    string
		protect string // the second run's protect_tag: the first run's resumes it, another writes a plan beside
		resumed bool
	}{
		{"resumed", "keep", true},
		{"a plan beside", "keep-too", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newBed(t)
			id := b.srv.Refs["ipam/sandbox-a"]
			opts := b.options(true)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			o := opts
			o.Executor.OnEvent = func(ev executor.Event) {
				if ev.Kind == executor.EventDone {
					cancel() // Ctrl-C once a step is done
				}
			}
			rep, err := cleanup.Run(ctx, config("keep"), o)
			first := ipamReports(rep)[acctA+"/cn-hangzhou/"+id]
			if !errors.Is(err, context.Canceled) || first.Outcome != "interrupted" || first.RecreateConfig == "" {
				t.Fatalf("first run: %v, %s, recreate %q; want it interrupted, its recreate config written", err, first.Outcome, first.RecreateConfig)
			}
			full := readBytes(t, first.RecreateConfig)

			rep, err = cleanup.Run(t.Context(), config(tt.protect), opts)
			if err != nil {
				t.Fatalf("second run: %v", err)
			}
			again := ipamReports(rep)[acctA+"/cn-hangzhou/"+id]
			if again.Resumed != tt.resumed || again.Outcome != "done" {
				t.Fatalf("second run: plan %s (resumed %v), %s; want resumed %v, done", again.Plan, again.Resumed, again.Outcome, tt.resumed)
			}
			if same := again.RecreateConfig == first.RecreateConfig; same != tt.resumed || again.RecreateConfig == "" {
				t.Errorf("second run (plan %s) names the recreate config %q; the first run's is %s", again.Plan, again.RecreateConfig, first.RecreateConfig)
			}
			if !bytes.Equal(readBytes(t, first.RecreateConfig), full) {
				t.Errorf("the second run wrote over the first run's recreate config %s:\n%s", first.RecreateConfig, readBytes(t, first.RecreateConfig))
			}
		})
	}
}

// TestExcludedOrphanIsSkipped: an orphaned discovery the config keeps (exclude.ids, protect_tag) stays and is
// reported as not selected, as an excluded or protected IPAM is skipped; the run is done (preview: previewed),
// exit 0. It was planned and kept by the planner as a blocker that holds back nothing, so the orphans' plan
// was blocked and every run, a preview too, ended refused (exit 3) for as long as the kept discovery lived.
func TestExcludedOrphanIsSkipped(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, exclude, why string
	}{
		{"exclude.ids", "{ids: [ORPHAN]}", "excluded (exclude.ids)"},
		{"protect_tag", "{protect_tag: env=sandbox}", "protected by the tag env=sandbox"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newBed(t)
			b.clk.advance(100 * time.Hour)
			orphan := b.srv.Refs["discovery/c-orphan"]
			cfg, err := cleanup.ParseConfig([]byte(`regions: [cn-shanghai]
allowed_accounts: ["1000000000000003"]
accounts:
  - role_arn: acs:ram::1000000000000003:role/ipam-cleanup
select: {tags: {env: sandbox}, older_than: 72h}
exclude: `+strings.ReplaceAll(tt.exclude, "ORPHAN", orphan)+`
orphan_discoveries: true
sts_endpoint: `+b.sts+"\n"), "cleanup.yaml")
			if err != nil {
				t.Fatal(err)
			}
			for _, apply := range []bool{false, true} {
				opts := b.options(apply)
				opts.Now = b.clk.now
				rep, err := cleanup.Run(t.Context(), cfg, opts)
				ir := ipamReports(rep)[acctC+"/cn-shanghai/orphans"]
				if err != nil || ir.Outcome != "nothing" || len(ir.Blockers) != 0 || !strings.Contains(ir.Why, orphan+" ("+tt.why+")") {
					t.Errorf("apply %v: %v; orphans %s (%s), %d blockers, why %q; want nothing, saying %s (%s)",
						apply, err, ir.Outcome, ir.Message, len(ir.Blockers), ir.Why, orphan, tt.why)
				}
			}
			if !slices.Contains(b.ipamsOf()[acctC], orphan) {
				t.Errorf("the kept orphan %s is gone", orphan)
			}
		})
	}
}
