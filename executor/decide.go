package executor

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// verb is what is to be done with a step after one of its answers (decide).
type verb int

const (
	vFinish          verb = iota // the step is over: verdict.outcome
	vFail                        // the step failed: verdict.err
	vRetry                       // send the same task again after the step's backoff
	vDependencyRetry             // send the same task again: every dependency finished, the service has not caught up
	vProbe                       // read, after the backoff, whether a call whose answer was lost took effect
	vLookAgain                   // the window is still open: look at it again later
	vCall                        // send the call now (a check before it passed, or a probe found it had no effect)
	vCalled                      // the call took effect: wait for its window, or finish
	vInterrupt                   // the run stops and the answer is the cut-off of a call in flight
	vPass                        // (the up-front dry run) the step may run
	vPassAfterDeps               // (the up-front dry run) it answered a code a step it depends on clears
	vProblem                     // (the up-front dry run) a problem to report: verdict.err
)

var verbNames = [...]string{"finish", "fail", "retry", "dependency-retry", "probe", "look-again", "call", "called",
	"interrupt", "pass", "pass-after-deps", "problem"}

func (v verb) String() string { return verbNames[v] }

// verdict is decide's answer: what to do, and with which outcome or error.
type verdict struct {
	verb    verb
	outcome Outcome // vFinish
	err     error   // vFail, vProblem (nil for a problem that is not an error answer), and the answer's error of a retry
	// refused: the service refused the step's call (a dependency code, a transitional state), so it took no
	// effect, and the next call goes with a new ClientToken (StepToken)
	refused bool
}

// answer is what came back for a step: which task was sent, the error it answered (nil: success), and what a
// read found. started says an earlier run's journal has the step's start record and no outcome; stopping,
// that the run is stopping (an interrupt, --fail-fast).
type answer struct {
	kind     taskKind
	err      error
	presence Presence
	started  bool
	stopping bool
}

// decide turns an answer into a verdict. It is the one place that reads the matrix of what a code means for a
// step, and it is pure: the up-front dry run (taskDryRun, taskDryRunRead), the execute phase (taskRecheck,
// taskCall, taskProbe, taskPoll) and the resume's confirmation (taskVerify) apply what it says, each in its
// own way (a phase, the walker's driver).
func decide(s *plans.Step, ans answer) verdict {
	err := ans.err
	if err != nil && ans.stopping && errors.Is(err, context.Canceled) {
		return verdict{verb: vInterrupt, err: err}
	}
	switch ans.kind {
	case taskDryRun:
		return decideDryRun(s, ans)
	case taskDryRunRead:
		return decideDryRunRead(s, ans)
	case taskRecheck:
		switch {
		case cloudapi.Classify(err) == cloudapi.ClassDryRunPassed:
			return verdict{verb: vCall}
		case isNotFound(err, s.Product, s.Action):
			return verdict{verb: vFinish, outcome: OutcomeAlreadyGone}
		case slices.Contains(s.DryRunCodes, cloudapi.Code(err)):
			// Every step this one depends on has finished, yet the service still answers their code: it has
			// not caught up (a released allocation holds its CIDR for a while). Check again later.
			return verdict{verb: vDependencyRetry, err: err}
		case retryable(err):
			return verdict{verb: vRetry, err: err}
		}
		return verdict{verb: vFail, err: err}
	case taskCall:
		return decideCall(s, err)
	case taskProbe:
		switch {
		case err != nil && retryable(err):
			return verdict{verb: vRetry, err: err}
		case err != nil:
			return verdict{verb: vFail, err: err}
		case ans.presence == PresenceThere:
			return verdict{verb: vCall} // the call did not take effect: send it again
		}
		return verdict{verb: vCalled}
	}
	return decideLook(s, ans)
}

// decideCall: the step's own call answered err.
func decideCall(s *plans.Step, err error) verdict {
	a, _ := catalog.Lookup(s.Product, s.Action)
	switch class := cloudapi.Classify(err); {
	case err == nil:
		return verdict{verb: vCalled}
	case isNotFound(err, s.Product, s.Action):
		return verdict{verb: vFinish, outcome: OutcomeAlreadyGone}
	case class == cloudapi.ClassThrottled:
		return verdict{verb: vRetry, err: err} // refused before it ran: safe to send again
	case class == cloudapi.ClassTransient && !a.ClientToken:
		// The call may or may not have run, and it has no token to make a second one harmless: read first.
		return verdict{verb: vProbe, err: err}
	case class == cloudapi.ClassTransient:
		return verdict{verb: vRetry, err: err} // the same ClientToken: applied at most once
	case class == cloudapi.ClassDependency || slices.Contains(s.DryRunCodes, cloudapi.Code(err)):
		return verdict{verb: vDependencyRetry, err: err, refused: true}
	case class == cloudapi.ClassConflict:
		return verdict{verb: vRetry, err: err, refused: true}
	}
	return verdict{verb: vFail, err: err}
}

// decideLook: a read of the step's window (taskPoll, in the execute phase) or of its resource (taskVerify, a
// resume confirming what an earlier run did) answered. A verification's read has had its retries already.
func decideLook(s *plans.Step, ans answer) verdict {
	switch err := ans.err; {
	case err != nil && retryable(err) && ans.kind == taskPoll:
		return verdict{verb: vRetry, err: err}
	case err != nil:
		return verdict{verb: vFail, err: err}
	}
	switch ans.presence {
	case PresenceGone:
		if ans.kind == taskVerify {
			return verdict{verb: vFinish, outcome: OutcomeDoneEarlier}
		}
		return verdict{verb: vFinish, outcome: OutcomeDone}
	case PresenceFailed:
		return verdict{verb: vFail, err: fmt.Errorf("%s %s: the asynchronous operation ended in state Failed", s.ResourceType, s.ResourceID)}
	case PresenceThere:
		if s.WaitFor == "" {
			// Only a step that waits for its resource to go finds it listed while its effect is under way
			// (the catalogue reads no status for a pool); any other is not done.
			return verdict{verb: vFail, err: fmt.Errorf("%s %s still exists", s.ResourceType, s.ResourceID)}
		}
	}
	return verdict{verb: vLookAgain}
}

// decideDryRun: the up-front dry run of a step answered.
func decideDryRun(s *plans.Step, ans answer) verdict {
	err := ans.err
	code := cloudapi.Code(err)
	switch {
	case err == nil:
		return verdict{verb: vProblem, err: errDryRunSucceeded}
	case cloudapi.Classify(err) == cloudapi.ClassDryRunPassed:
		return verdict{verb: vPass}
	case slices.Contains(s.DryRunCodes, code) && len(s.DependsOn) > 0:
		// A step it depends on clears the code: one still to run, or one an earlier run of this plan finished
		// that the service has not caught up with yet (a released allocation holds its CIDR for a while). A
		// prerequisite that appeared after planning is the drift check's to find.
		return verdict{verb: vPassAfterDeps}
	case slices.Contains(s.DryRunCodes, code):
		return verdict{verb: vProblem, err: errPrerequisite}
	case ans.started && isNotFound(err, s.Product, s.Action):
		// An earlier run sent this step and was killed before it wrote the outcome.
		return verdict{verb: vFinish, outcome: OutcomeDoneEarlier}
	}
	return verdict{verb: vProblem, err: err}
}

// decideDryRunRead: the read that stands in for the dry run of an action without DryRun answered.
func decideDryRunRead(s *plans.Step, ans answer) verdict {
	switch {
	case ans.err != nil:
		return verdict{verb: vProblem, err: ans.err}
	case ans.presence == PresenceThere:
		return verdict{verb: vPass}
	case ans.started && ans.presence == PresenceInProgress:
		return verdict{verb: vLookAgain} // an earlier run's call was accepted: wait for it
	case ans.started && ans.presence == PresenceGone:
		return verdict{verb: vFinish, outcome: OutcomeDoneEarlier}
	}
	return verdict{verb: vProblem, err: fmt.Errorf("checked by a read (%s takes no DryRun): the share holds no association to remove, or the caller does not own it (%s)", s.Action, ans.presence)}
}

// The up-front dry run's problems that are not an answer's error.
var (
	errDryRunSucceeded = errors.New("the service answered success to a dry run instead of DryRunOperation; it may have run the call")
	errPrerequisite    = errors.New("a prerequisite is not met, and no step of this plan clears it")
)
