package executor

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ipam-teardown/ipam-teardown/plans"
)

// RunOutcome is how a run ended, as its report says: the one vocabulary of Apply, the CLI's apply and the
// cleanup's report of each IPAM.
type RunOutcome string

// Run outcomes.
const (
	RunDone        RunOutcome = "done"
	RunFailed      RunOutcome = "failed"      // steps failed, or the run could not go on (FailedError, or any other error)
	RunInterrupted RunOutcome = "interrupted" // its context ended (ErrInterrupted)
	RunRefused     RunOutcome = "refused"     // declined on purpose; nothing was deleted (RefusedError)
	RunPreviewed   RunOutcome = "previewed"   // Options.Preview, and every dry run passed
)

// OutcomeOf names the outcome of a run that ended with err.
func OutcomeOf(err error) RunOutcome {
	var refused *RefusedError
	switch {
	case err == nil:
		return RunDone
	case errors.As(err, &refused):
		return RunRefused
	case errors.Is(err, ErrInterrupted):
		return RunInterrupted
	}
	return RunFailed
}

// Succeeded reports whether the step's effect is there: done now, found gone, or done by an earlier run.
func (o Outcome) Succeeded() bool {
	return o == OutcomeDone || o == OutcomeAlreadyGone || o == OutcomeDoneEarlier
}

// Unstarted is the report of a run of p in which no step started, for a caller that stops before Apply.
func Unstarted(p *plans.Plan, schedule Schedule, start, end time.Time, outcome RunOutcome, msg string) *Report {
	return &Report{PlanID: p.PlanID, Start: start, End: end, Outcome: outcome, Message: msg, Schedule: schedule,
		Steps: notStarted(p), Calls: map[string]map[string]int{}}
}

// notStarted is the report of each step of p before it starts.
func notStarted(p *plans.Plan) []StepReport {
	steps := make([]StepReport, len(p.Steps))
	for i := range p.Steps {
		s := &p.Steps[i]
		steps[i] = StepReport{ID: s.ID, Action: s.Action, ResourceID: s.ResourceID, IPAMID: s.IPAMID, Level: s.Level,
			Outcome: OutcomeNotStarted, DependsOn: DependencyIDs(s)}
	}
	return steps
}

// BlockersMessage is the refusal of a plan with blockers: each blocker, and how to run the rest anyway.
func BlockersMessage(p *plans.Plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "plan %s has %s holding back %s; nothing was done:", p.PlanID, count(len(p.Blockers), "blocker"), count(p.Summary.HeldBack, "step"))
	for _, bl := range p.Blockers {
		fmt.Fprintf(&b, "\n  %s %s: %s", bl.ResourceType, bl.ResourceID, bl.Reason)
	}
	fmt.Fprintf(&b, "\nremove them and plan again, or run the plan's %s with --partial (%s)", count(len(p.Steps), "step"), Remaining(p))
	return b.String()
}

// Remaining says which IPAMs a partial run of p leaves in place.
func Remaining(p *plans.Plan) string {
	var ids []string
	for _, bl := range p.Blockers {
		if bl.IPAMID != "" && !slices.Contains(ids, bl.IPAMID) {
			ids = append(ids, bl.IPAMID)
		}
	}
	slices.Sort(ids)
	switch len(ids) {
	case 0:
		return "what the blockers hold remains"
	case 1:
		return "the IPAM " + ids[0] + " will remain"
	}
	return "the IPAMs " + strings.Join(ids, ", ") + " will remain"
}

// count is "1 step", "2 steps".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func (r *run) failure() error {
	var failed, skipped []string
	for i := range r.steps {
		switch r.steps[i].Outcome {
		case OutcomeFailed:
			failed = append(failed, r.steps[i].ID)
		case OutcomeSkipped:
			skipped = append(skipped, r.steps[i].ID)
		}
	}
	if len(failed) == 0 && len(skipped) == 0 {
		return nil
	}
	return &FailedError{Failed: failed, Skipped: skipped}
}

func dryRunMessage(problems []DryRunProblem) string {
	var b strings.Builder
	fmt.Fprintf(&b, "the dry run found %d problem(s); nothing was deleted:\n", len(problems))
	for _, p := range problems {
		fmt.Fprintf(&b, "  %s (%s %s): ", p.StepID, p.Action, p.ResourceID)
		if p.Code != "" {
			fmt.Fprintf(&b, "%s: ", p.Code)
		}
		b.WriteString(p.Message)
		if p.RequestID != "" {
			fmt.Fprintf(&b, " (RequestId %s)", p.RequestID)
		}
		b.WriteString("\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// report builds the run's report.
func (r *run) report(start time.Time, err error) *Report {
	rep := &Report{PlanID: r.plan.PlanID, Start: start, End: r.now(), Schedule: r.opts.Schedule,
		Steps: slices.Clone(r.steps), DryRunProblems: r.problems, Drift: r.driftFound, ExecuteEnd: r.executeEnd}
	r.mu.Lock()
	rep.Calls = map[string]map[string]int{}
	for a, m := range r.calls {
		rep.Calls[a] = map[string]int{}
		for k, n := range m {
			rep.Calls[a][k] = n
		}
	}
	rep.Retries, rep.DependencyRetries = r.retries, r.depRet
	r.mu.Unlock()
	if rep.Outcome = OutcomeOf(err); err == nil && r.opts.Preview {
		rep.Outcome = RunPreviewed
	}
	if err != nil {
		rep.Message = err.Error()
	}
	slices.SortStableFunc(rep.Steps, func(a, b StepReport) int { return cmp.Compare(a.Level, b.Level) })
	return rep
}
