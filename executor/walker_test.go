package executor

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/plans"
)

// fakeDriver answers for the steps the walker starts without any call: each step's call succeeds, fails, or
// asks once for a retry after a while, as the test says. It records when the worker sent each step's tasks.
type fakeDriver struct {
	w       *walker
	fail    map[string]bool
	retry   map[string]time.Duration // the first answer asks for a retry after this wait
	hold    string                   // its call waits for release
	release chan struct{}

	mu        sync.Mutex
	performed []string
	sent      map[string][]time.Time
	attempts  map[int]int // on the walker's goroutine
}

func (f *fakeDriver) id(i int) string { return f.w.r.plan.Steps[i].ID }

func (f *fakeDriver) begin(i int) { f.w.push(task{step: i, kind: taskCall, first: true}) }

func (f *fakeDriver) perform(_ context.Context, t task) result {
	id := f.id(t.step)
	if id == f.hold {
		<-f.release
	}
	f.mu.Lock()
	f.performed = append(f.performed, id)
	f.sent[id] = append(f.sent[id], time.Now())
	f.mu.Unlock()
	return result{task: t}
}

func (f *fakeDriver) answered(res result) {
	i := res.step
	f.attempts[i]++
	switch id := f.id(i); {
	case f.retry[id] > 0 && f.attempts[i] == 1:
		f.w.retried(Event{Kind: EventRetry, Step: &f.w.r.plan.Steps[i]})
		f.w.later(task{step: i, kind: taskCall}, f.retry[id])
	case f.fail[id]:
		f.w.transition(i, stateFinished, OutcomeFailed, errors.New("refused by the fake"))
	default:
		f.w.transition(i, stateFinished, OutcomeDone, nil)
	}
}

func (f *fakeDriver) due(t task) (task, bool) { return t, true }
func (f *fakeDriver) dropped(task)            {}

// walkPlan is a plan of call steps (DeleteIpamScope) by id, each with the ids it depends on, and pool steps
// (DeleteIpamPool, a window of its own: the highest priority) for the ids in pools; levels as the graph has them.
func walkPlan(t *testing.T, deps map[string][]string, order []string, pools ...string) *plans.Plan {
	p := &plans.Plan{PlanID: "plan-walk"}
	index := map[string]int{}
	for i, id := range order {
		s := plans.Step{ID: id, Product: "VpcIpam", Action: "DeleteIpamScope", ResourceID: id}
		if slices.Contains(pools, id) {
			s.Action, s.WaitFor = "DeleteIpamPool", "Deleted"
		}
		for _, d := range deps[id] {
			s.DependsOn = append(s.DependsOn, plans.Dependency{ID: d})
		}
		p.Steps = append(p.Steps, s)
		index[id] = i
	}
	g, err := stepGraph(p.Steps, index)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range g.Levels() {
		p.Steps[i].Level = l
	}
	return p
}

// walkWith runs the walker over p with the fake driver f, and returns the report's steps and the events.
func walkWith(ctx context.Context, t *testing.T, p *plans.Plan, opts Options, f *fakeDriver) ([]StepReport, []Event, error) {
	var events []Event
	opts = withDefaults(opts)
	opts.OnEvent = func(e Event) { events = append(events, e) }
	r := &run{plan: p, opts: opts, log: zerolog.Nop(), now: time.Now, index: map[string]int{}, steps: notStarted(p)}
	for i := range p.Steps {
		r.index[p.Steps[i].ID] = i
	}
	var err error
	if r.graph, err = stepGraph(p.Steps, r.index); err != nil {
		t.Fatal(err)
	}
	w := newWalker(r)
	f.w, w.d = w, f
	f.sent, f.attempts = map[string][]time.Time{}, map[int]int{}
	err = w.walk(ctx)
	return r.steps, events, err
}

func outcomes(steps []StepReport) map[string]Outcome {
	out := map[string]Outcome{}
	for _, s := range steps {
		out[s.ID] = s.Outcome
	}
	return out
}

// The walker with a fake driver: readiness, priority, levels, skips on failure, --fail-fast, retries behind
// timers (on the bubble's fake clock: a 5-minute wait takes no time), and the counts its events carry.
func TestWalker(t *testing.T) {
	// a -> b -> c is a chain; x and y are leaves; p is a pool (a window: the highest priority).
	deps := map[string][]string{"b": {"a"}, "c": {"b"}}
	order := []string{"p", "a", "x", "y", "b", "c"}
	for _, tc := range []struct {
		name     string
		deps     map[string][]string // nil: the chain and leaves above
		order    []string
		opts     Options
		fail     []string
		retry    map[string]time.Duration
		want     map[string]Outcome
		retries  int
		checkRun func(t *testing.T, f *fakeDriver, steps []StepReport)
	}{
		{name: "everything done", want: map[string]Outcome{"p": OutcomeDone, "a": OutcomeDone, "x": OutcomeDone, "y": OutcomeDone, "b": OutcomeDone, "c": OutcomeDone},
			checkRun: func(t *testing.T, f *fakeDriver, _ []StepReport) {
				// Once the pool's call (the highest priority, sent first) is out of the way, the chain's head
				// goes before the leaves: the longest remaining path first.
				if f.performed[0] != "p" || f.performed[1] != "a" {
					t.Errorf("sent in the order %v; want p, then a before the leaves", f.performed)
				}
			}},
		{name: "a failure skips what depends on it", fail: []string{"a"},
			want: map[string]Outcome{"p": OutcomeDone, "a": OutcomeFailed, "x": OutcomeDone, "y": OutcomeDone, "b": OutcomeSkipped, "c": OutcomeSkipped}},
		// The pool fails while a waits behind its retry's timer: a is cut off, and b, which has not
		// started, is skipped.
		{name: "--fail-fast", opts: Options{FailFast: true}, fail: []string{"p"}, retry: map[string]time.Duration{"a": time.Hour},
			deps: map[string][]string{"b": {"a"}}, order: []string{"p", "a", "b"}, retries: 1,
			want: map[string]Outcome{"p": OutcomeFailed, "a": OutcomeInterrupted, "b": OutcomeSkipped},
			checkRun: func(t *testing.T, _ *fakeDriver, steps []StepReport) {
				if steps[2].Message != errNotStartedFailFast.Error() {
					t.Errorf("b's message %q, want %q", steps[2].Message, errNotStartedFailFast)
				}
			}},
		{name: "a retry waits behind a timer", retry: map[string]time.Duration{"b": 5 * time.Minute}, retries: 1,
			want: map[string]Outcome{"p": OutcomeDone, "a": OutcomeDone, "x": OutcomeDone, "y": OutcomeDone, "b": OutcomeDone, "c": OutcomeDone},
			checkRun: func(t *testing.T, f *fakeDriver, _ []StepReport) {
				if s := f.sent["b"]; len(s) != 2 || s[1].Sub(s[0]) < 5*time.Minute {
					t.Errorf("b sent at %v; want twice, 5 minutes apart", s)
				}
			}},
		{name: "levels", opts: Options{Schedule: ScheduleLevels},
			want: map[string]Outcome{"p": OutcomeDone, "a": OutcomeDone, "x": OutcomeDone, "y": OutcomeDone, "b": OutcomeDone, "c": OutcomeDone},
			checkRun: func(t *testing.T, f *fakeDriver, _ []StepReport) {
				// Level 1 (b) goes only once every step of level 0 has finished.
				if k := slices.Index(f.performed, "b"); slices.ContainsFunc(f.performed[k:], func(id string) bool { return id == "x" || id == "y" || id == "p" }) {
					t.Errorf("sent in the order %v; want b after every step of level 0", f.performed)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeDriver{fail: map[string]bool{}, retry: tc.retry, hold: "p", release: make(chan struct{})}
				for _, id := range tc.fail {
					f.fail[id] = true
				}
				go func() {
					// The pool's call holds the one worker until every root is queued.
					synctest.Wait()
					close(f.release)
				}()
				opts := tc.opts
				opts.Parallelism = 1
				d, o := deps, order
				if tc.deps != nil {
					d, o = tc.deps, tc.order
				}
				steps, events, err := walkWith(t.Context(), t, walkPlan(t, d, o, "p"), opts, f)
				if err != nil {
					t.Fatal(err)
				}
				if got := outcomes(steps); !maps.Equal(got, tc.want) {
					t.Errorf("outcomes %v, want %v", got, tc.want)
				}
				checkCounts(t, events, steps, tc.retries)
				if tc.checkRun != nil {
					tc.checkRun(t, f, steps)
				}
			})
		})
	}
}

// checkCounts: the counts every event carries never go below zero, and the last one adds up to the report.
func checkCounts(t *testing.T, events []Event, steps []StepReport, retries int) {
	t.Helper()
	if len(events) == 0 {
		t.Fatal("no event")
	}
	for _, e := range events {
		if c := e.Counts; c.Running < 0 || c.Waiting < 0 || c.Running+c.Waiting+c.Done+c.Failed+c.Skipped > c.Total {
			t.Fatalf("event %s of %v: counts %+v", e.Kind, e.Step.ID, c)
		}
	}
	want := Counts{Total: len(steps), Retries: retries}
	for _, s := range steps {
		switch s.Outcome {
		case OutcomeDone:
			want.Done++
		case OutcomeFailed:
			want.Failed++
		case OutcomeSkipped:
			want.Skipped++
		}
	}
	if got := events[len(events)-1].Counts; got != want {
		t.Errorf("last counts %+v, want %+v", got, want)
	}
}

// An interrupt while a step waits behind a timer: it is interrupted, the steps not started stay so, and
// nothing is left counted as running.
func TestWalkerInterrupt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		deps := map[string][]string{"b": {"a"}}
		f := &fakeDriver{retry: map[string]time.Duration{"a": time.Hour}, fail: map[string]bool{}, release: make(chan struct{})}
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			synctest.Wait() // a waits behind its timer
			cancel()
		}()
		steps, events, err := walkWith(ctx, t, walkPlan(t, deps, []string{"a", "b"}), Options{}, f)
		if !errors.Is(err, ErrInterrupted) {
			t.Fatalf("walk = %v, want ErrInterrupted", err)
		}
		if got := outcomes(steps); got["a"] != OutcomeInterrupted || got["b"] != OutcomeNotStarted {
			t.Errorf("outcomes %v; want a interrupted, b not started", got)
		}
		if c := events[len(events)-1].Counts; c.Running != 0 || c.Waiting != 0 {
			t.Errorf("counts after the interrupt %+v; want nothing running or waiting", c)
		}
	})
}
