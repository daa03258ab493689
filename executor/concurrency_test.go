package executor_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/planner"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// A pool of the plan is shared again while the teardown runs: someone associates it with a share after the
// plan was made. Before the run, the drift check refuses (the fresh plan has a step the file lacks). During
// the run, after the plan's own disassociation of it is done, the pool's deletion fails on the share and the
// run reports that step with its code; the run never sends a call the plan does not list (it does not undo
// the new association), never sends the plan's disassociation twice, and the new association is still there.
func TestShareReassociatedDuringApply(t *testing.T) {
	tests := []struct {
		name string
		// when: "before" the apply (after planning), or "during" it, as the plan's disassociation of the
		// pool is done.
		when string
		// share: "same" re-associates the pool with the share the plan disassociated it from; "new" creates
		// another share of it. (The same share before the apply changes nothing: the pool is in it still.)
		share string
	}{
		{"before apply, new share", "before", "new"},
		{"during apply, same share", "during", "same"},
		{"during apply, new share", "during", "new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{})
			pool := b.srv.Refs["pool/prod-hz-app"]
			var unshare *plans.Step
			for i, s := range b.plan.Steps {
				for _, v := range s.Params {
					if s.Action == "DisassociateResourceShare" && v == pool {
						unshare = &b.plan.Steps[i]
					}
				}
			}
			if pool == "" || unshare == nil {
				t.Fatalf("the sandbox plan has no disassociation of pool/prod-hz-app (%q)", pool)
			}
			reshare := func() string {
				if tt.share == "same" {
					shareID := unshare.Params["ResourceShareId"]
					if _, err := b.srv.Sim.Invoke(t.Context(), ipamsim.DefaultAccount, wire.ProductResourceSharing, "AssociateResourceShare", wire.Params{
						"RegionId": b.region, "ResourceShareId": shareID, "Resources.1.ResourceId": pool, "Resources.1.ResourceType": "IpamPool"}); err != nil {
						t.Errorf("re-associate %s with %s: %v", pool, shareID, err)
					}
					return shareID
				}
				out, err := b.srv.Sim.Invoke(t.Context(), ipamsim.DefaultAccount, wire.ProductResourceSharing, "CreateResourceShare", wire.Params{
					"RegionId": b.region, "ResourceShareName": "late-share", "Resources.1.ResourceId": pool, "Resources.1.ResourceType": "IpamPool",
					"Targets.1": "1000000000000002"})
				if err != nil {
					t.Errorf("create a share of %s: %v", pool, err)
					return ""
				}
				return out["ResourceShare"].(map[string]any)["ResourceShareId"].(string)
			}

			opts := b.options()
			opts.StepTimeout = 2 * time.Second // the shared pool's deletion retries a while, then fails
			shareID := ""
			if tt.when == "before" {
				shareID = reshare()
			} else {
				opts.OnEvent = func(e executor.Event) {
					if e.Kind == executor.EventDone && e.Step != nil && e.Step.ID == unshare.ID && shareID == "" {
						shareID = reshare() // before the steps it unblocks start: the engine emits first
					}
				}
			}
			mark := len(b.calls())
			rep, err := executor.Apply(t.Context(), b.api, b.plan, opts)
			calls := b.calls()[mark:]
			if shareID == "" {
				t.Fatal("the pool was not shared again")
			}

			if tt.when == "before" {
				var refused *executor.RefusedError
				if !errors.As(err, &refused) || refused.Kind != executor.RefusedDrift {
					t.Fatalf("apply after the pool was shared again: %v, want a drift refusal", err)
				}
				if rep == nil || rep.Drift.Empty() {
					t.Errorf("the report names no drift: %+v", rep)
				}
				for _, c := range calls {
					if mutating(c) && !c.DryRun && c.Action != "TagResources" && c.Action != "UntagResources" {
						t.Errorf("a %s call after a drift refusal: %v", c.Action, c.Params)
					}
				}
			} else {
				var failed *executor.FailedError
				if !errors.As(err, &failed) {
					t.Fatalf("apply with the pool shared again mid-run: %v, want failed steps", err)
				}
				poolStep := "delete-pool/" + pool
				var sr *executor.StepReport
				for i := range rep.Steps {
					if rep.Steps[i].ID == poolStep {
						sr = &rep.Steps[i]
					}
				}
				if sr == nil || sr.Outcome != executor.OutcomeFailed || sr.Code == "" {
					t.Fatalf("the report of %s: %+v, want failed with the service's code", poolStep, sr)
				}
				t.Logf("%s failed: %s %s", poolStep, sr.Code, sr.Message)
				if !strings.Contains(err.Error(), poolStep) {
					t.Errorf("the error %q does not name %s", err, poolStep)
				}
				if ipam := firstStep(t, b.plan, "DeleteIpam"); b.ipamGone(ipam.ResourceID) {
					t.Error("the IPAM is gone though its pool could not be deleted")
				}
			}

			// No call outside the plan; the plan's disassociation sent (for real) at most once.
			unshares := 0
			for _, c := range calls {
				if !mutating(c) || c.Action == "TagResources" || c.Action == "UntagResources" {
					continue
				}
				s := stepOf(b.plan, c)
				if s == nil {
					t.Errorf("call outside the plan: %s %v", c.Action, c.Params)
					continue
				}
				if s.ID == unshare.ID && !c.DryRun {
					unshares++
				}
			}
			if unshares > 1 {
				t.Errorf("the plan's disassociation %s was sent %d times", unshare.ID, unshares)
			}
			// The association made behind the run's back is still there.
			out, err := b.srv.Sim.Invoke(t.Context(), ipamsim.DefaultAccount, wire.ProductResourceSharing, "ListResourceShareAssociations", wire.Params{
				"RegionId": b.region, "AssociationType": "Resource", "ResourceShareIds.1": shareID, "ResourceId": pool})
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := out["ResourceShareAssociations"].([]map[string]any)
			associated := false
			for _, r := range rows {
				associated = associated || r["AssociationStatus"] == "Associated"
			}
			if !associated {
				t.Errorf("the new association of %s with %s is not intact: %v", pool, shareID, out)
			}
			assertUnlocked(t, b)
		})
	}
}

// A subprocess apply SIGKILLed while it holds the lock (after its TagResources, before any step) leaves the
// lock on the IPAM. Another run (another journal: another machine, or the journal lost) refuses on it until
// it expires (RefusedLock: exit 3), with no mutating call; after the expiry it takes the lock over and
// finishes the teardown.
func TestLockOfAKilledRunExpires(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a subprocess")
	}
	const ttl = 3 * time.Second
	b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{})
	ipam := firstStep(t, b.plan, "DeleteIpam").ResourceID
	dir := t.TempDir()
	planPath := filepath.Join(dir, "plan.json")
	if err := plans.WriteFile(planPath, b.plan); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "EXEC_PLAN="+planPath, "EXEC_JOURNAL="+filepath.Join(dir, "killed.journal"),
		"EXEC_ENDPOINT="+b.srv.URL, "EXEC_LOCK_TTL="+ttl.String())
	logf, _ := os.Create(filepath.Join(dir, "helper.log"))
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	locked := func() bool {
		for _, c := range b.calls() {
			if c.Action == "TagResources" && !c.DryRun && c.Code == "" && c.Params["Tag.1.Key"] == executor.LockTagKey {
				return true
			}
		}
		return false
	}
	killed := false
	for deadline := time.Now().Add(30 * time.Second); !killed && time.Now().Before(deadline); {
		select {
		case <-done:
			out, _ := os.ReadFile(filepath.Join(dir, "helper.log"))
			t.Fatalf("the helper ended before it locked:\n%s", out)
		case <-time.After(time.Millisecond):
		}
		if locked() {
			_ = cmd.Process.Kill()
			<-done
			killed = true
		}
	}
	if !killed {
		t.Fatal("the helper did not lock within 30s")
	}
	lockedAt := time.Now()
	held := lockOf(t, b, ipam)
	if !strings.HasPrefix(held, b.plan.PlanID+"/") {
		t.Fatalf("after the kill the IPAM's lock is %q, want the killed run's", held)
	}
	if n := realCalls(b); n != 0 {
		t.Fatalf("the helper made %d real step calls before the kill; the test wants it killed holding the lock only", n)
	}

	// Before the expiry: refused, nothing changed, the killed run's lock left as it is.
	mark := len(b.calls())
	opts := b.options()
	opts.JournalPath = filepath.Join(dir, "second.journal")
	opts.LockTTL = ttl
	_, err := executor.Apply(t.Context(), b.api, b.plan, opts)
	var refused *executor.RefusedError
	if !errors.As(err, &refused) || refused.Kind != executor.RefusedLock || !strings.Contains(err.Error(), "until") {
		t.Fatalf("apply under the killed run's live lock: %v, want a lock refusal saying until when", err)
	}
	if time.Since(lockedAt) >= ttl {
		t.Fatalf("the refusal came after the lock's expiry (%v): the machine is too slow for this test's TTL", time.Since(lockedAt))
	}
	for _, c := range b.calls()[mark:] {
		if mutating(c) {
			t.Errorf("a %s call while refusing on the lock: %v", c.Action, c.Params)
		}
	}
	if got := lockOf(t, b, ipam); got != held {
		t.Errorf("the refusal changed the lock from %q to %q", held, got)
	}

	// After the expiry: the lock is taken over and the teardown finishes.
	exp, err := time.Parse(time.RFC3339Nano, held[strings.LastIndexByte(held, '/')+1:])
	if err != nil {
		t.Fatalf("lock value %q: %v", held, err)
	}
	time.Sleep(time.Until(exp) + 50*time.Millisecond)
	opts.JournalPath = filepath.Join(dir, "third.journal")
	rep, err := executor.Apply(t.Context(), b.api, b.plan, opts)
	if err != nil {
		t.Fatalf("apply after the lock expired: %v (%+v)", err, rep)
	}
	if !b.ipamGone(ipam) {
		t.Error("the IPAM still exists")
	}
	checkCalls(t, b.plan, b.calls())
	checkOnce(t, b)
}
