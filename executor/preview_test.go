package executor_test

import (
	"errors"
	"os"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/planner"
)

// TestPreviewMakesNoMutatingCall: Options.Preview dry-runs every step and stops there: the emulator logs a
// dry run for every step with DryRun and not one mutating call without it (no lock tag, no step), no journal
// is written, and the report says previewed. The same preview under a RAM policy that lacks an action of the
// plan is a dry-run refusal naming it, still without a mutating call.
func TestPreviewMakesNoMutatingCall(t *testing.T) {
	for _, denied := range [][]string{nil, {"DeleteIpamPool"}} {
		topo := loadTopology(t, "sandbox.yaml")
		topo.Accounts[0].Denied = denied
		b := newBed(t, topo, "cn-hangzhou", planner.Options{})
		mark := len(b.calls())
		opts := b.options()
		opts.Preview = true
		rep, err := executor.Apply(t.Context(), b.api, b.plan, opts)
		calls := b.calls()[mark:]
		if n := countMutating(calls, false); n != 0 {
			t.Errorf("denied %v: %d mutating calls without DryRun in a preview; want 0", denied, n)
		}
		if _, serr := os.Stat(opts.JournalPath); !errors.Is(serr, os.ErrNotExist) {
			t.Errorf("denied %v: a preview wrote the journal %s (%v)", denied, opts.JournalPath, serr)
		}
		if denied == nil {
			if err != nil || rep.Outcome != "previewed" {
				t.Fatalf("preview: outcome %q, %v; want previewed, nil", rep.Outcome, err)
			}
			if n := countMutating(calls, true); n == 0 {
				t.Errorf("preview sent no dry run")
			}
			for _, s := range rep.Steps {
				if s.Outcome != executor.OutcomeNotStarted {
					t.Errorf("step %s: outcome %s in a preview; want not-started", s.ID, s.Outcome)
				}
			}
			continue
		}
		var refused *executor.RefusedError
		if !errors.As(err, &refused) || refused.Kind != executor.RefusedDryRun || len(rep.DryRunProblems) == 0 || rep.DryRunProblems[0].Action != "DeleteIpamPool" {
			t.Errorf("preview with DeleteIpamPool denied: %v, problems %+v; want a dry-run refusal naming DeleteIpamPool", err, rep.DryRunProblems)
		}
	}
}
