// Package executor runs a reviewed teardown plan: it locks the planned IPAMs, checks that the world still
// matches the plan (drift), dry-runs every step, then executes the steps in parallel as their dependencies
// allow, with one shared rate limit, retries where they are safe, waits for asynchronous deletions, idempotent
// client tokens, and a journal from which an interrupted run resumes. It runs exactly the plan's steps: it
// never plans (the drift check's re-plan is a function the caller passes in) and never calls anything the plan
// does not name, apart from the reads that confirm a step's effect and the lock tag.
package executor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// API is what the executor needs of the cloud: one call, sent once, through the shared token bucket.
// *cloudapi.Client implements it. The executor makes its own retry decisions.
type API interface {
	Do(ctx context.Context, call cloudapi.Call) (map[string]any, error)
}

// Schedule says when a step may start.
type Schedule string

const (
	// ScheduleReady starts a step as soon as every step it depends on has finished (the default); among
	// ready steps the one with the longest remaining path goes first.
	ScheduleReady Schedule = "ready"
	// ScheduleLevels runs strict waves: level n+1 starts when every step of level n has finished.
	ScheduleLevels Schedule = "levels"
)

// Defaults for the zero values of Options.
const (
	DefaultParallelism  = 8
	DefaultStepTimeout  = 10 * time.Minute
	DefaultPollInterval = 500 * time.Millisecond
	DefaultPollMax      = 5 * time.Second
	DefaultLockTTL      = 2 * time.Hour
	DefaultLockSettle   = 300 * time.Millisecond
	DefaultDrainTimeout = 30 * time.Second
	DefaultRetryInitial = 300 * time.Millisecond
	DefaultRetryMax     = 20 * time.Second
	DefaultRetryBudget  = time.Minute
)

// LockTagKey is the tag that marks an IPAM as being torn down by a plan: value "<plan id>/<run nonce>/<expiry
// RFC 3339>".
const LockTagKey = "ipam-teardown-lock"

// Options tune Apply. The zero value is usable: readiness scheduling, the defaults above, no journal, no drift
// check, no events.
type Options struct {
	Schedule     Schedule
	Parallelism  int           // calls in flight at once (polls included); 0: DefaultParallelism
	StepTimeout  time.Duration // one step's retries and waits; 0: DefaultStepTimeout
	PollInterval time.Duration // first wait before polling an asynchronous step; grows to PollMax
	PollMax      time.Duration
	RetryInitial time.Duration // backoff of retried calls (jittered, exponential); 0: defaults
	RetryMax     time.Duration
	// RetryBudget bounds how long one call keeps being retried on throttling and transport or server
	// failures (an endpoint that is down fails within it, not after the step timeout); 0: DefaultRetryBudget.
	// Dependency and transitional-state retries are bounded by StepTimeout.
	RetryBudget  time.Duration
	DrainTimeout time.Duration // after an interrupt, how long in-flight calls may take to finish
	FailFast     bool          // stop starting steps at the first failure
	Partial      bool          // run a plan that has blockers (exactly its steps; the blocked IPAMs remain)
	BreakLock    bool          // take over a live lock of another run
	// Preview stops after the dry run: no lock tag, no journal, no step run. It makes no mutating call at all
	// (a dry run mutates nothing; anything else mutating is refused before it is sent), and the report's
	// outcome is "previewed" when every dry run passed.
	Preview bool
	LockTTL time.Duration // how long a lock is valid; 0: DefaultLockTTL
	// LockSettle is how long a run waits between writing its lock and reading it back, so that a competitor's
	// write made at the same moment is seen; 0: DefaultLockSettle. Tests against the emulator, whose writes
	// are seen at once, shorten it.
	LockSettle time.Duration
	// JournalPath is the journal file (JSON lines, synced). "" runs without one (no resume).
	JournalPath string
	// Replan re-collects the planned IPAMs and plans them again with the plan's recorded options. Apply
	// compares its steps and blockers with the plan's (less what the journal says is done) and refuses on any
	// difference. nil skips the drift check (say so to the user).
	Replan func(ctx context.Context) (*plans.Plan, error)
	// DriftSkipped, with Replan nil, is why the caller skips the drift check on purpose (a plan it made from
	// an inventory of seconds ago): logged at info instead of the warning that a missing Replan gets.
	DriftSkipped string
	// OnEvent is called for every event of the run, one call at a time (never concurrently).
	OnEvent func(Event)
	Logger  zerolog.Logger
	Now     func() time.Time
	// After is the lock heartbeat's timer (nil: time.After): the lock is renewed when its channel delivers,
	// every third of LockTTL. With Now, a seam for tests, which renew without waiting.
	After func(d time.Duration) <-chan time.Time
}

// EventKind names what happened.
type EventKind string

// Event kinds. Phase events carry Phase; step events carry Step.
const (
	EventPhase    EventKind = "phase"    // a phase started: lock, verify, drift, dry-run, execute, unlock
	EventStart    EventKind = "start"    // a step's first call is about to be sent
	EventRetry    EventKind = "retry"    // a call failed and will be sent again after Wait
	EventWaiting  EventKind = "waiting"  // the call succeeded; the step waits for its asynchronous state
	EventDone     EventKind = "done"     // the step is done (Outcome says how)
	EventFailed   EventKind = "failed"   // the step failed (Err)
	EventSkipped  EventKind = "skipped"  // a step it depends on failed, or the run stopped
	EventDryRun   EventKind = "dry-run"  // a step's dry run answered (Code)
	EventProgress EventKind = "progress" // counts changed (sent with every step event too)
)

// Event is one thing that happened in a run.
type Event struct {
	Time     time.Time
	Kind     EventKind
	Phase    string
	Step     *plans.Step // nil for phase events
	Attempt  int         // EventRetry: the attempt that failed; EventDone, EventFailed: the step's calls (StepReport.Attempts)
	Code     string
	Outcome  Outcome
	Wait     time.Duration // EventRetry: the backoff before the next attempt
	Err      error
	Counts   Counts
	Message  string
	Progress float64 // unused by the executor; free for displays
}

// Counts is the state of the execute phase at an event.
type Counts struct {
	Total, Done, Running, Waiting, Failed, Skipped, Retries int
}

// Outcome is how a step ended.
type Outcome string

// Step outcomes.
const (
	OutcomeDone        Outcome = "done"         // the call succeeded (and its asynchronous state was reached)
	OutcomeAlreadyGone Outcome = "already-gone" // the resource was already gone (its own not-found code)
	OutcomeDoneEarlier Outcome = "done-earlier" // the journal of an earlier run says done; a read confirmed it
	OutcomeFailed      Outcome = "failed"
	OutcomeSkipped     Outcome = "skipped"     // a step it depends on failed, or --fail-fast stopped the run
	OutcomeNotStarted  Outcome = "not-started" // the run was interrupted or refused before the step started
	OutcomeInterrupted Outcome = "interrupted" // the step had started when the run was interrupted
)

// Report is what a run did, for people (the summary) and machines (--report).
type Report struct {
	PlanID   string       `json:"plan_id"`
	Start    time.Time    `json:"start"`
	End      time.Time    `json:"end"`
	Outcome  RunOutcome   `json:"outcome"`
	Schedule Schedule     `json:"schedule"`
	Steps    []StepReport `json:"steps"`
	// ExecuteEnd is when the execute phase ended: its last step's end, or, after an interrupt, once the calls
	// in flight were drained. An interrupted step has no End of its own, and X (ExecuteSpan) would stop
	// short of the time the run spent waiting on it. Zero when the phase did not run.
	ExecuteEnd time.Time `json:"execute_end,omitzero"`
	// Calls counts API calls by action and kind (dry-run, call, poll, verify, lock).
	Calls map[string]map[string]int `json:"calls"`
	// Retries counts calls sent again (throttling, server errors, transitional states, and dependency codes
	// the service had not caught up with: DependencyRetries of them).
	Retries           int             `json:"retries"`
	DependencyRetries int             `json:"dependency_retries"`
	DryRunProblems    []DryRunProblem `json:"dry_run_problems,omitempty"`
	Drift             *Drift          `json:"drift,omitempty"`
	Message           string          `json:"message,omitempty"`
	// Bound is L, the least time the execute phase could take, and what it assumed; set by the caller, who
	// knows the service (see BoundReport). nil when unknown.
	Bound *BoundReport `json:"bound,omitempty"`
}

// StepReport is one step's part of the report.
type StepReport struct {
	ID         string    `json:"id"`
	Action     string    `json:"action"`
	ResourceID string    `json:"resource_id"`
	IPAMID     string    `json:"ipam_id,omitempty"`
	Level      int       `json:"level"`
	Start      time.Time `json:"start,omitzero"` // when its dependencies had finished (or the run began)
	// Sent is when a worker took the step's first call (or its first look at a window). Between Start and
	// Sent the step queued, for a free worker (the ready step of highest priority goes first) or for a
	// hidden window to end (driver.openHidden); from Sent to Called its calls ran, the rate limit's wait
	// included.
	Sent   time.Time `json:"sent,omitzero"`
	Called time.Time `json:"called,omitzero"` // when the mutating call succeeded (waits start here)
	// SeenOpen is when the last read that found the step's asynchronous state still under way was sent
	// (zero: the first read found it over): its window ended between then and End, when a read found it over.
	SeenOpen time.Time `json:"seen_open,omitzero"`
	End      time.Time `json:"end,omitzero"`
	Attempts int       `json:"attempts"` // calls sent, the dry run repeated just before the call included
	Retries  int       `json:"retries"`  // calls sent again after a failure (throttling, a code not caught up)
	Polls    int       `json:"polls"`
	// SharedLooks are the looks at the step's window that rode on another step's read (no call of its own).
	SharedLooks int      `json:"shared_looks,omitempty"`
	Outcome     Outcome  `json:"outcome"`
	Code        string   `json:"code,omitempty"`
	Message     string   `json:"message,omitempty"`
	RequestID   string   `json:"request_id,omitempty"`
	DependsOn   []string `json:"depends_on,omitempty"` // the plan's dependencies of the step, by id
}

// DryRunProblem is a step whose dry run (or, for an action without DryRun, the read that stands in for it)
// did not pass.
type DryRunProblem struct {
	StepID     string `json:"step_id"`
	Action     string `json:"action"`
	ResourceID string `json:"resource_id"`
	Code       string `json:"code,omitempty"`
	Message    string `json:"message"`
	RequestID  string `json:"request_id,omitempty"`
}

// Drift is how a fresh plan differs from the file's.
type Drift struct {
	Added           []string `json:"added,omitempty"`   // step ids only the fresh plan has
	Removed         []string `json:"removed,omitempty"` // step ids only the file has
	Changed         []string `json:"changed,omitempty"` // "id: what differs"
	BlockersAdded   []string `json:"blockers_added,omitempty"`
	BlockersRemoved []string `json:"blockers_removed,omitempty"`
}

// Empty reports whether there is no drift.
func (d *Drift) Empty() bool {
	return d == nil || len(d.Added)+len(d.Removed)+len(d.Changed)+len(d.BlockersAdded)+len(d.BlockersRemoved) == 0
}

func (d *Drift) String() string {
	var b strings.Builder
	list := func(title string, ids []string) {
		for _, id := range ids {
			fmt.Fprintf(&b, "  %s %s\n", title, id)
		}
	}
	list("+ step", d.Added)
	list("- step", d.Removed)
	list("~ step", d.Changed)
	list("+ blocker", d.BlockersAdded)
	list("- blocker", d.BlockersRemoved)
	return b.String()
}

// RefusalKind says why a run was refused before anything was deleted.
type RefusalKind string

// Refusals.
const (
	RefusedBlockers RefusalKind = "blockers"
	RefusedLock     RefusalKind = "lock"
	RefusedDrift    RefusalKind = "drift"
	RefusedDryRun   RefusalKind = "dry-run"
	RefusedJournal  RefusalKind = "journal"
)

// RefusedError is returned when the run declined on purpose; nothing was deleted.
type RefusedError struct {
	Kind RefusalKind
	Msg  string
}

func (e *RefusedError) Error() string { return e.Msg }

// PlanError is returned for a plan Apply cannot run as it is (bad input, exit 2): the field at fault and the
// steps that have it. Nothing was called.
type PlanError struct {
	Field string   // the plan's field, as the plan file names it
	Steps []string // the ids of the steps at fault
	Msg   string
}

func (e *PlanError) Error() string { return e.Msg }

// FailedError is returned when steps failed: the named ones, and the ones skipped because of them.
type FailedError struct {
	Failed  []string // step ids
	Skipped []string
}

func (e *FailedError) Error() string {
	msg := fmt.Sprintf("%d step(s) failed: %s", len(e.Failed), strings.Join(e.Failed, ", "))
	if len(e.Skipped) > 0 {
		msg += fmt.Sprintf("; %d step(s) skipped because of them", len(e.Skipped))
	}
	return msg
}

// ErrInterrupted is matched (errors.Is) by the error Apply returns when its context ended (SIGINT, SIGTERM):
// nothing new was started, in-flight calls finished, the journal is written and the lock released.
var ErrInterrupted = errors.New("interrupted")
