package executor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// TestDecide walks the matrix of what an answer means for a step, for every kind of task the up-front dry run,
// the execute phase and the resume send.
func TestDecide(t *testing.T) {
	ipam, rs := catalog.ProductVpcIpam, catalog.ProductResourceSharing
	code := func(product, action, c string, status int) error {
		return &cloudapi.APIError{Product: product, Action: action, Code: c, Status: status}
	}
	// A CIDR whose allocations hold it (a dependency code), a pool that waits for its Deleting window, and a
	// share's disassociation (no DryRun, no ClientToken).
	cidr := &plans.Step{ID: "c", Product: ipam, Action: "DeleteIpamPoolCidr", ResourceType: "cidr", ResourceID: "p/10.0.0.0/8",
		DryRunCodes: []string{"OperationDenied.IpamPoolAllocationExist"}, DependsOn: []plans.Dependency{{ID: "a"}}}
	lone := &plans.Step{ID: "l", Product: ipam, Action: "DeleteIpamPoolCidr", DryRunCodes: []string{"OperationDenied.IpamPoolAllocationExist"}}
	pool := &plans.Step{ID: "p", Product: ipam, Action: "DeleteIpamPool", ResourceType: "pool", ResourceID: "p", WaitFor: "Deleted"}
	share := &plans.Step{ID: "s", Product: rs, Action: "DisassociateResourceShare", WaitFor: "Disassociated"}
	held := code(ipam, "DeleteIpamPoolCidr", "OperationDenied.IpamPoolAllocationExist", 400)
	gone := code(ipam, "DeleteIpamPoolCidr", "ResourceNotFound.IpamPoolCidr", 404)
	passed := code(ipam, "DeleteIpamPoolCidr", "DryRunOperation", 400)
	throttled := code(ipam, "DeleteIpamPool", "Throttling.User", 400)
	busy := code(ipam, "DeleteIpamPool", "ServiceUnavailable", 503)
	conflict := code(ipam, "DeleteIpamPool", "IncorrectStatus.IpamPool", 400)
	denied := code(ipam, "DeleteIpamPool", "Forbidden.RAM", 403)
	poolHeld := code(ipam, "DeleteIpamPool", "OperationFailed.IpamPoolExist", 400)
	shareBusy := code(rs, "DisassociateResourceShare", "ServiceUnavailable", 503)
	refused := map[string]bool{"call: a dependency code": true, "call: its dry-run code": true, "call: a transitional state": true}
	for _, tc := range []struct {
		name string
		step *plans.Step
		ans  answer
		want verb
		out  Outcome // vFinish
		msg  string  // part of the verdict's error
	}{
		{"an interrupt cuts a call off", pool, answer{kind: taskCall, err: fmt.Errorf("send: %w", context.Canceled), stopping: true}, vInterrupt, "", ""},
		{"a cancelled call while the run goes on fails", pool, answer{kind: taskCall, err: fmt.Errorf("send: %w", context.Canceled)}, vFail, "", "canceled"},

		{"dry run: passed", cidr, answer{kind: taskDryRun, err: passed}, vPass, "", ""},
		{"dry run: success instead of DryRunOperation", cidr, answer{kind: taskDryRun}, vProblem, "", "answered success"},
		{"dry run: a code a dependency clears", cidr, answer{kind: taskDryRun, err: held}, vPassAfterDeps, "", ""},
		{"dry run: that code without a dependency", lone, answer{kind: taskDryRun, err: held}, vProblem, "", "no step of this plan clears it"},
		{"dry run: gone after an earlier run's start", cidr, answer{kind: taskDryRun, err: gone, started: true}, vFinish, OutcomeDoneEarlier, ""},
		{"dry run: gone, never started", cidr, answer{kind: taskDryRun, err: gone}, vProblem, "", "ResourceNotFound"},
		{"dry run: denied", pool, answer{kind: taskDryRun, err: denied}, vProblem, "", "Forbidden.RAM"},

		{"read for a dry run: there", share, answer{kind: taskDryRunRead, presence: PresenceThere}, vPass, "", ""},
		{"read for a dry run: under way after a start", share, answer{kind: taskDryRunRead, presence: PresenceInProgress, started: true}, vLookAgain, "", ""},
		{"read for a dry run: gone after a start", share, answer{kind: taskDryRunRead, presence: PresenceGone, started: true}, vFinish, OutcomeDoneEarlier, ""},
		{"read for a dry run: gone, never started", share, answer{kind: taskDryRunRead, presence: PresenceGone}, vProblem, "", "takes no DryRun"},
		{"read for a dry run: failed", share, answer{kind: taskDryRunRead, err: shareBusy}, vProblem, "", "ServiceUnavailable"},

		{"recheck: passed", cidr, answer{kind: taskRecheck, err: passed}, vCall, "", ""},
		{"recheck: gone", cidr, answer{kind: taskRecheck, err: gone}, vFinish, OutcomeAlreadyGone, ""},
		{"recheck: not caught up", cidr, answer{kind: taskRecheck, err: held}, vDependencyRetry, "", ""},
		{"recheck: throttled", cidr, answer{kind: taskRecheck, err: code(ipam, "DeleteIpamPoolCidr", "Throttling", 400)}, vRetry, "", ""},
		{"recheck: denied", cidr, answer{kind: taskRecheck, err: code(ipam, "DeleteIpamPoolCidr", "Forbidden.RAM", 403)}, vFail, "", "Forbidden"},

		{"call: success", pool, answer{kind: taskCall}, vCalled, "", ""},
		{"call: gone", pool, answer{kind: taskCall, err: code(ipam, "DeleteIpamPool", "ResourceNotFound.IpamPool", 404)}, vFinish, OutcomeAlreadyGone, ""},
		{"call: throttled", pool, answer{kind: taskCall, err: throttled}, vRetry, "", ""},
		{"call: transient, with a ClientToken", pool, answer{kind: taskCall, err: busy}, vRetry, "", ""},
		{"call: transient, without a ClientToken", share, answer{kind: taskCall, err: shareBusy}, vProbe, "", ""},
		{"call: a dependency code", pool, answer{kind: taskCall, err: poolHeld}, vDependencyRetry, "", ""},
		{"call: its dry-run code", cidr, answer{kind: taskCall, err: held}, vDependencyRetry, "", ""},
		{"call: a transitional state", pool, answer{kind: taskCall, err: conflict}, vRetry, "", ""},
		{"call: denied", pool, answer{kind: taskCall, err: denied}, vFail, "", "Forbidden.RAM"},

		{"probe: the call did not take effect", share, answer{kind: taskProbe, presence: PresenceThere}, vCall, "", ""},
		{"probe: it did", share, answer{kind: taskProbe, presence: PresenceInProgress}, vCalled, "", ""},
		{"probe: throttled", share, answer{kind: taskProbe, err: shareBusy}, vRetry, "", ""},
		{"probe: denied", share, answer{kind: taskProbe, err: denied}, vFail, "", "Forbidden"},

		{"poll: gone", pool, answer{kind: taskPoll, presence: PresenceGone}, vFinish, OutcomeDone, ""},
		{"poll: still listed", pool, answer{kind: taskPoll, presence: PresenceThere}, vLookAgain, "", ""},
		{"poll: under way", share, answer{kind: taskPoll, presence: PresenceInProgress}, vLookAgain, "", ""},
		{"poll: Failed", pool, answer{kind: taskPoll, presence: PresenceFailed}, vFail, "", "ended in state Failed"},
		{"poll: throttled", pool, answer{kind: taskPoll, err: throttled}, vRetry, "", ""},
		{"poll: denied", pool, answer{kind: taskPoll, err: denied}, vFail, "", "Forbidden"},

		{"verify: gone", pool, answer{kind: taskVerify, presence: PresenceGone}, vFinish, OutcomeDoneEarlier, ""},
		{"verify: still Deleting", pool, answer{kind: taskVerify, presence: PresenceThere}, vLookAgain, "", ""},
		{"verify: a step without a wait still there", cidr, answer{kind: taskVerify, presence: PresenceThere}, vFail, "", "still exists"},
		{"verify: its read gave up", pool, answer{kind: taskVerify, err: throttled}, vFail, "", "Throttling"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := decide(tc.step, tc.ans)
			if v.verb != tc.want || v.outcome != tc.out {
				t.Fatalf("decide = %s %q, want %s %q", v.verb, v.outcome, tc.want, tc.out)
			}
			if tc.msg != "" && (v.err == nil || !strings.Contains(v.err.Error(), tc.msg)) {
				t.Errorf("verdict's error %v, want one that says %q", v.err, tc.msg)
			}
			// A refused call took no effect: the next one goes with a new ClientToken (StepToken).
			if want := refused[tc.name]; v.refused != want {
				t.Errorf("refused = %v, want %v", v.refused, want)
			}
			// A retry keeps the answer's error: the report and the give-up message quote it.
			if (v.verb == vRetry || v.verb == vDependencyRetry || v.verb == vProbe) && !errors.Is(v.err, tc.ans.err) {
				t.Errorf("a retry's error %v, want the answer's %v", v.err, tc.ans.err)
			}
		})
	}
}
