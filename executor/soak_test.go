package executor_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/planner"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// The soak test's knobs. The default run is small enough for CI (-race, 2 cores); -soak.duration runs cases
// until the time is up, for hours:
//
//	go test ./executor -run Soak -soak.duration 2h -soak.seed 7 -v
var (
	soakCases    = flag.Int("soak.cases", 0, "soak cases to run (0: 4, or 2 with -short)")
	soakDuration = flag.Duration("soak.duration", 0, "run soak cases until this much time has passed (overrides -soak.cases)")
	soakSeed     = flag.Uint64("soak.seed", 1, "seed of the soak run: case i uses the seeds derived from it")
)

// soakCase is everything one case drew from its seed.
type soakCase struct {
	seed   uint64
	gen    topology.GenerateOptions
	fault  wire.FaultRule
	delay  time.Duration
	kill   bool // a subprocess apply is SIGKILLed, then the apply is run again in process
	killAt int  // after this many successful real calls of plan steps
}

func drawCase(seed uint64) soakCase {
	r := rand.New(rand.NewPCG(seed, 0x50a6))
	c := soakCase{seed: seed}
	c.gen = topology.GenerateOptions{Pools: 5 + r.IntN(36), Depth: 1 + r.IntN(4), FanOut: 1 + r.IntN(4),
		AllocationsPerPool: r.IntN(4), Shared: r.IntN(2) == 0, Seed: int64(seed)}
	c.fault = wire.FaultRule{Throttle: 0.5 * r.Float64(), Error: 0.1 * r.Float64()}
	if r.IntN(2) == 0 {
		c.fault.Latency = time.Duration(r.IntN(20)) * time.Millisecond
		c.fault.Jitter = time.Duration(r.IntN(30)) * time.Millisecond
	}
	if r.IntN(3) == 0 {
		c.fault.QPS = float64(50 + r.IntN(150))
	}
	c.delay = time.Duration(r.IntN(301)) * time.Millisecond
	c.kill = r.IntN(2) == 0
	c.killAt = r.IntN(1 << 20) // reduced modulo the plan's size once the plan is known
	return c
}

func (c soakCase) String() string {
	return fmt.Sprintf("seed=%d pools=%d depth=%d fanout=%d allocs=%d shared=%v throttle=%.2f error=%.3f latency=%v jitter=%v qps=%g delete-delay=%v kill=%v",
		c.seed, c.gen.Pools, c.gen.Depth, c.gen.FanOut, c.gen.AllocationsPerPool, c.gen.Shared, c.fault.Throttle,
		c.fault.Error, c.fault.Latency, c.fault.Jitter, c.fault.QPS, c.delay, c.kill)
}

// soakTotals are the figures of a run, summed over its cases.
type soakTotals struct {
	cases, kills, reruns, faults, calls, steps, resources, incomplete, violations int
}

// TestSoak runs random generated topologies under random fault profiles (throttling, server errors, latency,
// a QPS cap, Deleting windows), each applied in process or by a subprocess SIGKILLed after a random number of
// real calls and then applied again. After each case it checks: every planned IPAM is gone, or the report
// says what is left (failed steps named); every mutating call is a plan step or the lock tag on a planned
// IPAM; no step took effect twice; every step the journal says is done is gone from /_sim/state; the state
// changed only in resources the plan names.
func TestSoak(t *testing.T) {
	n := *soakCases
	if n == 0 {
		n = 4
		if testing.Short() {
			n = 2
		}
	}
	var deadline time.Time
	if *soakDuration > 0 {
		deadline = time.Now().Add(*soakDuration)
	}
	var tot soakTotals
	start := time.Now()
	for i := 0; deadline.IsZero() && i < n || !deadline.IsZero() && time.Now().Before(deadline); i++ {
		c := drawCase(*soakSeed*1_000_003 + uint64(i))
		if testing.Short() {
			c.kill = false // no subprocesses in -short runs
		}
		t.Run(fmt.Sprint("case", i), func(t *testing.T) {
			t.Log(c)
			before := tot.violations
			runSoakCase(t, c, &tot)
			if t.Failed() && tot.violations == before {
				tot.violations++ // a failure outside the counted checks (setup) still counts
			}
		})
	}
	t.Logf("soak: seed=%d cases=%d kills=%d reruns=%d faults-injected=%d calls=%d steps=%d resources=%d incomplete=%d violations=%d time=%v",
		*soakSeed, tot.cases, tot.kills, tot.reruns, tot.faults, tot.calls, tot.steps, tot.resources, tot.incomplete,
		tot.violations, time.Since(start).Round(time.Millisecond))
	if tot.violations != 0 {
		t.Errorf("%d violations", tot.violations)
	}
}

func runSoakCase(t *testing.T, c soakCase, tot *soakTotals) {
	topo, err := topology.Generate(c.gen)
	if err != nil {
		t.Fatal(err)
	}
	region := topo.Accounts[0].IPAMs[0].Region
	// The plan is made before the faults start (the soak is about apply); WithFaults with no rule only seeds
	// the fault decisions.
	b := newBed(t, topo, region, planner.Options{}, simtest.WithDeleteDelay(c.delay), simtest.WithFaults(int64(c.seed)))
	if len(b.plan.Blockers) != 0 {
		t.Fatalf("the generated topology has blockers: %+v", b.plan.Blockers)
	}
	stBefore := b.state()
	// The bed's client gives up within milliseconds; under throttling of up to 50 % and a QPS cap the soak uses
	// the CLI's retry policy (eight attempts), its waits scaled down.
	api, err := cloudapi.New(t.Context(), cloudapi.Config{Region: region, Endpoint: b.srv.URL, QPS: -1,
		RetryInitial: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	b.api = api
	b.srv.Wire.SetFaults([]wire.FaultRule{c.fault})

	tot.cases++
	tot.steps += len(b.plan.Steps)
	for _, objs := range stBefore {
		tot.resources += len(objs)
	}
	violate := func(format string, args ...any) {
		t.Helper()
		tot.violations++
		t.Errorf(format, args...)
	}

	dir := t.TempDir()
	journal := filepath.Join(dir, "plan.json.journal")
	if c.kill && len(b.plan.Steps) > 1 {
		killAt := 1 + c.killAt%(len(b.plan.Steps)-1)
		if killed := soakKill(t, b, dir, journal, killAt); killed {
			tot.kills++
		}
	}
	var rep *executor.Report
	// A run the faults defeat says what is left and why; the operator's answer is to run it again.
	for run := 0; run < 3; run++ {
		if run > 0 {
			tot.reruns++
		}
		o := b.options()
		o.JournalPath = journal
		rep, err = executor.Apply(t.Context(), b.api, b.plan, o)
		if err == nil && rep.Outcome == "done" {
			break
		}
		if !explained(b.plan, rep, err) {
			data, _ := json.MarshalIndent(rep, "", "  ")
			violate("run %d ended (%v) without saying what is left and why:\n%s", run, err, data)
		}
		t.Logf("run %d: %v; failed %v", run, err, failedSteps(rep))
	}

	// Faults off for the checks: they read the emulator through the API.
	b.srv.Wire.SetFaults(nil)
	calls := b.calls()
	tot.calls += len(calls)
	for _, cl := range calls {
		if strings.HasPrefix(cl.Code, "Throttling") || cl.Status >= 500 {
			tot.faults++
		}
	}
	gone := true
	for _, id := range planIPAMs(b.plan) {
		if !b.ipamGone(id) {
			gone = false
		}
	}
	if !gone {
		tot.incomplete++
		if !explained(b.plan, rep, err) {
			violate("a planned IPAM is left and the last report does not say why")
		}
	}
	// The call-log checks run as subtests so that each failing one counts as a violation.
	if !t.Run("calls", func(t *testing.T) { checkCalls(t, b.plan, calls) }) {
		tot.violations++
	}
	if !t.Run("once", func(t *testing.T) { checkOnce(t, b) }) {
		tot.violations++
	}
	stAfter := b.state()
	for _, v := range checkJournal(b.plan, journal, stAfter) {
		violate("journal: %s", v)
	}
	for _, v := range checkTouched(b.plan, stBefore, stAfter) {
		violate("state: %s", v)
	}
}

// soakKill runs the apply in a subprocess and SIGKILLs it after killAt successful real calls of plan steps.
// It reports whether the process was killed (it may finish first).
func soakKill(t *testing.T, b *bed, dir, journal string, killAt int) bool {
	t.Helper()
	planPath := filepath.Join(dir, "plan.json")
	if err := plans.WriteFile(planPath, b.plan); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "EXEC_PLAN="+planPath, "EXEC_JOURNAL="+journal, "EXEC_ENDPOINT="+b.srv.URL)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		select {
		case err := <-done:
			t.Logf("the helper ended before %d real calls (%v): %s", killAt, err, lastLine(out.String()))
			return false
		case <-time.After(5 * time.Millisecond):
		}
		if realCalls(b) >= killAt {
			_ = cmd.Process.Kill()
			<-done
			t.Logf("killed after %d real calls of %d steps", realCalls(b), len(b.plan.Steps))
			return true
		}
	}
	_ = cmd.Process.Kill()
	<-done
	t.Fatalf("the helper neither ended nor made %d real calls in 60 s:\n%s", killAt, out.String())
	return false
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// explained reports whether a run that did not finish says what is left and why: every step of the plan has
// its outcome in the report, and either the failed steps carry a code or message each, or the run as a whole
// says why it stopped (an error or the report's message).
func explained(p *plans.Plan, rep *executor.Report, err error) bool {
	if rep == nil {
		return false
	}
	if len(rep.Steps) != len(p.Steps) {
		return false
	}
	failed := 0
	for _, s := range rep.Steps {
		if s.Outcome == executor.OutcomeFailed {
			failed++
			if s.Code == "" && s.Message == "" {
				return false
			}
		}
	}
	return failed > 0 || err != nil || rep.Message != ""
}

func failedSteps(rep *executor.Report) []string {
	if rep == nil {
		return nil
	}
	return stepIDs(rep, executor.OutcomeFailed)
}

// simState is /_sim/state as collections of objects by key (the "tags" collection: tags by resource id).
type simState map[string]map[string]json.RawMessage

func (b *bed) state() simState {
	b.t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b.get("/_sim/state"), &top); err != nil {
		b.t.Fatalf("/_sim/state: %v", err)
	}
	st := simState{}
	for k, raw := range top {
		var objs map[string]json.RawMessage
		if json.Unmarshal(raw, &objs) == nil {
			st[k] = objs
		}
	}
	return st
}

func (st simState) obj(coll, key string) map[string]any {
	raw, ok := st[coll][key]
	if !ok {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return map[string]any{}
	}
	return m
}

// stepGone reports whether the state shows the step's effect: its resource is gone (or released, or
// disassociated). ok is false for an action the soak has no reading for.
func stepGone(st simState, s *plans.Step) (gone, ok bool) {
	p := s.Params
	switch s.Action {
	case "DeleteIpam":
		return st.obj("ipams", p["IpamId"]) == nil, true
	case "DeleteIpamScope":
		return st.obj("scopes", p["IpamScopeId"]) == nil, true
	case "DeleteIpamPool":
		return st.obj("pools", p["IpamPoolId"]) == nil, true
	case "DeleteIpamResourceDiscovery":
		return st.obj("discoveries", p["IpamResourceDiscoveryId"]) == nil, true
	case "DeleteIpamPoolCidr":
		return st.obj("pool_cidrs", p["IpamPoolId"]+" "+p["Cidr"]) == nil, true
	case "DeleteIpamPoolAllocation":
		a := st.obj("allocations", p["IpamPoolAllocationId"])
		return a == nil || a["release_at"] != nil, true
	case "DissociateIpamResourceDiscovery":
		for key := range st["associations"] {
			a := st.obj("associations", key)
			if a["ipam_id"] == p["IpamId"] && a["discovery_id"] == p["IpamResourceDiscoveryId"] {
				return false, true
			}
		}
		return true, true
	case "RemoveIpamMembers":
		for k, v := range p {
			if strings.HasPrefix(k, "Members.") && strings.HasSuffix(k, ".MemberId") && st.obj("members", s.IPAMID+" "+v) != nil {
				return false, true
			}
		}
		return true, true
	case "DisassociateResourceShare":
		sh := st.obj("shares", p["ResourceShareId"])
		if sh == nil {
			return true, true
		}
		ents, _ := sh["entities"].([]any)
		for k, v := range p {
			if !strings.HasPrefix(k, "Resources.") || !strings.HasSuffix(k, ".ResourceId") {
				continue
			}
			for _, e := range ents {
				m, _ := e.(map[string]any)
				if m["id"] == v && (m["status"] == "Associated" || m["status"] == "Associating") {
					return false, true
				}
			}
		}
		return true, true
	}
	return false, false
}

// checkJournal: every step whose last journal record is "done" has its effect in the state.
func checkJournal(p *plans.Plan, path string, st simState) []string {
	f, err := os.Open(path)
	if err != nil {
		return []string{err.Error()}
	}
	defer f.Close()
	last := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r struct{ Event, Step string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return []string{fmt.Sprintf("line %q: %v", sc.Text(), err)}
		}
		if r.Step != "" {
			last[r.Step] = r.Event
		}
	}
	var out []string
	for i := range p.Steps {
		s := &p.Steps[i]
		if last[s.ID] != "done" {
			continue
		}
		gone, ok := stepGone(st, s)
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s: no reading of %s in /_sim/state", s.ID, s.Action))
		case !gone:
			out = append(out, fmt.Sprintf("%s is done in the journal but its resource is still in /_sim/state", s.ID))
		}
	}
	for id := range last {
		if !slices.ContainsFunc(p.Steps, func(s plans.Step) bool { return s.ID == id }) {
			out = append(out, fmt.Sprintf("the journal names %s, which is not a step of the plan", id))
		}
	}
	return out
}

// planNames is every id a plan names: its steps' resources and parameters, their IPAMs, implied resources.
func planNames(p *plans.Plan) map[string]bool {
	names := map[string]bool{}
	for _, s := range p.Steps {
		names[s.IPAMID] = true
		for _, part := range strings.Split(s.ResourceID, "/") {
			names[part] = true
		}
		for k, v := range s.Params {
			if k != "RegionId" {
				names[v] = true
			}
		}
		for _, im := range s.Implies {
			names[im.ResourceID] = true
		}
	}
	delete(names, "")
	return names
}

// checkTouched: every object that changed between the two states (appeared, went, or differs) is named by
// the plan, by its key, its id, or the planned IPAM, scope or pool it lives in.
func checkTouched(p *plans.Plan, before, after simState) []string {
	names := planNames(p)
	var out []string
	for _, coll := range sortedKeys(before, after) {
		keys := map[string]bool{}
		for k := range before[coll] {
			keys[k] = true
		}
		for k := range after[coll] {
			keys[k] = true
		}
		for k := range keys {
			if bytes.Equal(before[coll][k], after[coll][k]) {
				continue
			}
			if touchedNamed(names, coll, k, before.obj(coll, k), after.obj(coll, k)) {
				continue
			}
			out = append(out, fmt.Sprintf("%s %q changed, and the plan does not name it", coll, k))
		}
	}
	return out
}

func touchedNamed(names map[string]bool, coll, key string, objs ...map[string]any) bool {
	for _, part := range strings.Fields(key) {
		if names[part] {
			return true
		}
	}
	for _, o := range objs {
		for _, f := range []string{"id", "ipam_id", "pool_id", "scope_id", "discovery_id"} {
			if v, _ := o[f].(string); names[v] {
				return true
			}
		}
	}
	return false
}

func sortedKeys(sts ...simState) []string {
	var out []string
	for _, st := range sts {
		for k := range st {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}

// The soak's own checks catch what they are for: a change outside the plan, a journal that says done while
// the resource is still there, a journal step the plan does not have, a run that stops without saying why.
func TestSoakChecks(t *testing.T) {
	topo, err := topology.Generate(topology.GenerateOptions{Pools: 5, Depth: 2, FanOut: 2, AllocationsPerPool: 1, Shared: true, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	b := newBed(t, topo, topo.Accounts[0].IPAMs[0].Region, planner.Options{})
	st := b.state()
	pool := firstStep(t, b.plan, "DeleteIpamPool")
	if len(st["vpcs"]) == 0 {
		t.Fatal("the shared topology has no VPC to leave out of the plan")
	}
	var vpc string
	for k := range st["vpcs"] {
		vpc = k
	}
	if planNames(b.plan)[vpc] {
		t.Fatalf("the plan names VPC %s", vpc)
	}
	without := func(coll, key string) simState {
		out := simState{}
		for c, objs := range st {
			out[c] = map[string]json.RawMessage{}
			for k, v := range objs {
				if c != coll || k != key {
					out[c][k] = v
				}
			}
		}
		return out
	}
	journal := func(lines ...string) string {
		path := filepath.Join(t.TempDir(), "journal")
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	done := func(id string) string { return fmt.Sprintf(`{"event":"done","step":%q}`, id) }
	for _, tc := range []struct {
		name  string
		after simState
		lines []string
		want  int
	}{
		{"nothing changed", st, []string{`{"event":"plan"}`}, 0},
		{"a planned pool went", without("pools", pool.ResourceID), []string{done(pool.ID)}, 0},
		{"a VPC outside the plan went", without("vpcs", vpc), nil, 1},
		{"done but still there", st, []string{done(pool.ID)}, 1},
		{"a step the plan lacks", st, []string{done("delete-pool/ipam-pool-nope")}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := append(checkTouched(b.plan, st, tc.after), checkJournal(b.plan, journal(tc.lines...), tc.after)...)
			if len(got) != tc.want {
				t.Errorf("got %d findings, want %d: %q", len(got), tc.want, got)
			}
		})
	}

	steps := make([]executor.StepReport, len(b.plan.Steps))
	for i, s := range b.plan.Steps {
		steps[i] = executor.StepReport{ID: s.ID, Outcome: executor.OutcomeNotStarted}
	}
	failedSilently := slices.Clone(steps)
	failedSilently[0].Outcome = executor.OutcomeFailed
	failedWithCode := slices.Clone(failedSilently)
	failedWithCode[0].Code = "Throttling.User"
	for _, tc := range []struct {
		name string
		rep  *executor.Report
		err  error
		want bool
	}{
		{"no report", nil, fmt.Errorf("boom"), false},
		{"steps missing", &executor.Report{Outcome: "failed", Message: "why", Steps: steps[1:]}, nil, false},
		{"stopped without a word", &executor.Report{Outcome: "failed", Steps: steps}, nil, false},
		{"stopped with a message", &executor.Report{Outcome: "failed", Message: "drift check: throttled", Steps: steps}, nil, true},
		{"failed step without a code", &executor.Report{Outcome: "failed", Steps: failedSilently}, nil, false},
		{"failed step with its code", &executor.Report{Outcome: "failed", Steps: failedWithCode}, nil, true},
	} {
		if got := explained(b.plan, tc.rep, tc.err); got != tc.want {
			t.Errorf("%s: explained = %v, want %v", tc.name, got, tc.want)
		}
	}
}
