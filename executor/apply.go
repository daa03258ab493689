package executor

import (
	"context"
	"errors"

	"github.com/ipam-teardown/ipam-teardown/plans"
)

// Apply runs p: refuse early (blockers unless Partial), lock, verify what the journal says is done, drift
// check, dry run, execute, unlock. It always returns a report (with what happened so far) and an error that
// errors.As finds a *RefusedError in (nothing deleted; exit 3), a *FailedError (exit 1), or that errors.Is
// matches ErrInterrupted (exit 1); any other error is a failure too.
func Apply(ctx context.Context, api API, p *plans.Plan, opts Options) (*Report, error) {
	return &Report{PlanID: p.PlanID, Outcome: "failed"}, errors.New("executor: not implemented yet")
}
