package executor_test

import (
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/planner"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// A RAM policy that lacks two of the plan's actions: one dry-run pass names both, and nothing is deleted.
func TestDryRunReportsEveryDenialTogether(t *testing.T) {
	topo := loadTopology(t, "sandbox.yaml")
	topo.Accounts[0].Denied = []string{"DeleteIpamPool", "RemoveIpamMembers"}
	b := newBed(t, topo, "cn-hangzhou", planner.Options{})
	mark := len(b.calls())
	rep, err := executor.Apply(t.Context(), b.api, b.plan, b.options())
	var refused *executor.RefusedError
	if !errors.As(err, &refused) || refused.Kind != executor.RefusedDryRun {
		t.Fatalf("apply: %v, want a dry-run refusal", err)
	}
	denied := map[string]bool{}
	for _, p := range rep.DryRunProblems {
		if p.Code != "Forbidden.RAM" {
			t.Errorf("problem %+v: want Forbidden.RAM", p)
		}
		if p.RequestID == "" {
			t.Errorf("problem %+v has no RequestId", p)
		}
		denied[p.Action] = true
	}
	if !denied["DeleteIpamPool"] || !denied["RemoveIpamMembers"] || len(denied) != 2 {
		t.Errorf("denied actions reported: %v, want DeleteIpamPool and RemoveIpamMembers", denied)
	}
	for _, want := range []string{"DeleteIpamPool", "RemoveIpamMembers", "Forbidden.RAM", "nothing was deleted"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal message lacks %q:\n%s", want, err)
		}
	}
	calls := b.calls()[mark:]
	for _, c := range calls {
		if mutating(c) && !c.DryRun && c.Action != "TagResources" && c.Action != "UntagResources" {
			t.Errorf("mutating call after a failed dry run: %s %v", c.Action, c.Params)
		}
	}
	assertUnlocked(t, b)
}

// A resource created under a planned pool after planning: the drift check refuses, nothing is deleted.
func TestDriftRefusesAChangedIPAM(t *testing.T) {
	b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{})
	mark := len(b.calls())
	lateAllocation(t, b)
	rep, err := executor.Apply(t.Context(), b.api, b.plan, b.options())
	var refused *executor.RefusedError
	if !errors.As(err, &refused) || refused.Kind != executor.RefusedDrift {
		t.Fatalf("apply: %v, want a drift refusal", err)
	}
	if rep.Drift == nil || len(rep.Drift.Added) == 0 {
		t.Errorf("drift %+v: want the new allocation's step added", rep.Drift)
	}
	if !strings.Contains(err.Error(), "+ step delete-allocation/") {
		t.Errorf("the refusal does not show the added step:\n%s", err)
	}
	if n := countMutating(b.calls()[mark:], true); n != 0 {
		t.Errorf("%d dry runs before a drift refusal, want none", n)
	}
	assertUnlocked(t, b)
}

// Churn that changes no step is not drift: a new custom scope elsewhere in the account.
func TestDriftIgnoresChurnOutsideThePlan(t *testing.T) {
	b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{})
	// New tags on the IPAM and on a pool, after planning: no step changes.
	ipam := firstStep(t, b.plan, "DeleteIpam").ResourceID
	pool := firstStep(t, b.plan, "DeleteIpamPool").ResourceID
	for _, r := range []struct{ typ, id string }{{"IPAM", ipam}, {"IPAMPOOL", pool}} {
		if _, err := b.srv.Sim.Invoke(t.Context(), ipamsim.DefaultAccount, wire.ProductVpcIpam, "TagResources", wire.Params{
			"RegionId": b.region, "ResourceType": r.typ, "ResourceId.1": r.id, "Tag.1.Key": "note", "Tag.1.Value": "churn"}); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := executor.Apply(t.Context(), b.api, b.plan, b.options())
	if err != nil {
		t.Fatalf("apply: %v (drift %+v)", err, rep.Drift)
	}
	if !b.ipamGone(ipam) {
		t.Error("IPAM still exists")
	}
}

// Two applies of one plan at once: one of them refuses on the lock, and the IPAM is torn down once.
func TestConcurrentAppliesOneRefuses(t *testing.T) {
	for _, sameJournal := range []bool{false, true} {
		name := "two-machines"
		if sameJournal {
			name = "one-journal"
		}
		t.Run(name, func(t *testing.T) {
			b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{})
			dir := t.TempDir()
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range 2 {
				opts := b.options()
				opts.LockSettle = executor.DefaultLockSettle // the two runs' writes race: the settle decides
				opts.JournalPath = filepath.Join(dir, "plan.json.journal")
				if !sameJournal {
					opts.JournalPath += string(rune('a' + i))
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = executor.Apply(t.Context(), b.api, b.plan, opts)
				}()
			}
			wg.Wait()
			ok, refused := 0, 0
			for _, err := range errs {
				var r *executor.RefusedError
				switch {
				case err == nil:
					ok++
				case errors.As(err, &r) && r.Kind == executor.RefusedLock:
					refused++
				default:
					t.Errorf("apply: %v", err)
				}
			}
			if ok != 1 || refused != 1 {
				t.Fatalf("%d succeeded and %d refused on the lock (%v), want one each", ok, refused, errs)
			}
			if !b.ipamGone(firstStep(t, b.plan, "DeleteIpam").ResourceID) {
				t.Error("IPAM still exists")
			}
		})
	}
}

// A live lock of another plan refuses; --break-lock takes it over.
func TestLiveLockOfAnotherPlan(t *testing.T) {
	b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{})
	ipam := firstStep(t, b.plan, "DeleteIpam").ResourceID
	other := "plan-other/" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if _, err := b.srv.Sim.Invoke(t.Context(), ipamsim.DefaultAccount, wire.ProductVpcIpam, "TagResources", wire.Params{
		"RegionId": b.region, "ResourceType": "IPAM", "ResourceId.1": ipam, "Tag.1.Key": executor.LockTagKey, "Tag.1.Value": other}); err != nil {
		t.Fatal(err)
	}
	_, err := executor.Apply(t.Context(), b.api, b.plan, b.options())
	var refused *executor.RefusedError
	if !errors.As(err, &refused) || refused.Kind != executor.RefusedLock || !strings.Contains(err.Error(), "plan-other") {
		t.Fatalf("apply under another plan's live lock: %v, want a lock refusal naming plan-other", err)
	}
	if got := lockOf(t, b, ipam); got != other {
		t.Errorf("the other plan's lock was changed to %q", got)
	}
	opts := b.options()
	opts.BreakLock = true
	if _, err := executor.Apply(t.Context(), b.api, b.plan, opts); err != nil {
		t.Fatalf("--break-lock: %v", err)
	}
}

// lateAllocation reserves a block in the first planned pool that takes one, as if someone did after planning.
func lateAllocation(t *testing.T, b *bed) string {
	t.Helper()
	for _, s := range b.plan.Steps {
		if s.Action != "DeleteIpamPool" {
			continue
		}
		for _, region := range []string{"cn-hangzhou", "cn-shanghai"} {
			out, err := b.srv.Sim.Invoke(t.Context(), ipamsim.DefaultAccount, wire.ProductVpcIpam, "CreateIpamPoolAllocation",
				wire.Params{"RegionId": region, "IpamPoolId": s.ResourceID, "CidrMask": "28", "IpamPoolAllocationName": "late"})
			if err == nil {
				return out["IpamPoolAllocationId"].(string)
			}
		}
	}
	t.Fatal("no planned pool takes an allocation")
	return ""
}

func firstStep(t *testing.T, p *plans.Plan, action string) *plans.Step {
	t.Helper()
	for i := range p.Steps {
		if p.Steps[i].Action == action {
			return &p.Steps[i]
		}
	}
	t.Fatalf("no %s step in the plan", action)
	return nil
}

// lockOf reads the IPAM's lock tag: every page of its tags (an IPAM may carry 20), as the executor must.
func lockOf(t *testing.T, b *bed, ipam string) string {
	t.Helper()
	token := ""
	for {
		params := wire.Params{"RegionId": b.region, "ResourceType": "IPAM", "ResourceId.1": ipam}
		if token != "" {
			params["NextToken"] = token
		}
		out, err := b.srv.Sim.Invoke(t.Context(), ipamsim.DefaultAccount, wire.ProductVpcIpam, "ListTagResources", params)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := out["TagResources"].([]map[string]any)
		for _, r := range rows {
			if r["TagKey"] == executor.LockTagKey {
				return r["TagValue"].(string)
			}
		}
		if token, _ = out["NextToken"].(string); token == "" {
			return ""
		}
	}
}

// assertUnlocked: every planned IPAM that still exists carries no lock.
func assertUnlocked(t *testing.T, b *bed) {
	t.Helper()
	for _, s := range b.plan.Steps {
		if s.Action == "DeleteIpam" && !b.ipamGone(s.ResourceID) {
			if v := lockOf(t, b, s.ResourceID); v != "" {
				t.Errorf("IPAM %s still carries the lock %q", s.ResourceID, v)
			}
		}
	}
}

// An endpoint that is down: the run fails within the retry budget, naming the endpoint, not after the step
// timeout; nothing was deleted (nothing could be).
func TestUnreachableEndpointFailsWithinTheRetryBudget(t *testing.T) {
	b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	api, err := cloudapi.New(t.Context(), cloudapi.Config{Region: b.region, Endpoint: "http://" + closed, QPS: -1})
	if err != nil {
		t.Fatal(err)
	}
	opts := b.options()
	opts.RetryBudget = 300 * time.Millisecond
	opts.StepTimeout = time.Hour
	start := time.Now()
	rep, err := executor.Apply(t.Context(), api, b.plan, opts)
	if err == nil {
		t.Fatal("apply against a closed endpoint succeeded")
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("took %s with a retry budget of 300ms", took)
	}
	if !strings.Contains(err.Error(), closed) || !strings.Contains(err.Error(), "gave up after") {
		t.Errorf("error %q does not name the endpoint and the attempts", err)
	}
	if rep.Outcome != "failed" {
		t.Errorf("outcome %q", rep.Outcome)
	}
}
