package executor_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/planner"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// tagIPAM sets tags on an IPAM, as another tool (or person) would.
func tagIPAM(t *testing.T, b *bed, ipam string, tags map[string]string) {
	t.Helper()
	params := wire.Params{"RegionId": b.region, "ResourceType": "IPAM", "ResourceId.1": ipam}
	n := 0
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		n++
		params[fmt.Sprintf("Tag.%d.Key", n)] = k
		params[fmt.Sprintf("Tag.%d.Value", n)] = tags[k]
	}
	if _, err := b.srv.Sim.Invoke(t.Context(), ipamsim.DefaultAccount, wire.ProductVpcIpam, "TagResources", params); err != nil {
		t.Fatal(err)
	}
}

// manyTags are twelve tags whose keys sort before the lock's: with the IPAM's own two, the lock is not on
// the first page of ListTagResources (10 rows by default).
func manyTags() map[string]string {
	tags := map[string]string{"app": "net", "cost-center": "cc-1", "backup": "no", "department": "infra"}
	for i := range 8 {
		tags[fmt.Sprintf("ci-%02d", i)] = "x"
	}
	return tags
}

// otherLock is the value of a live lock of another plan's run.
func otherLock() string {
	return "plan-other/0123456789abcdef/" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
}

// TestLockBehindOtherTags: the lock is read by its key, over every page of the IPAM's tags. An IPAM with
// twelve tags that sort before the lock's key: another run's live lock is seen (refused, nothing deleted), and
// a refused run removes its own lock.
func TestLockBehindOtherTags(t *testing.T) {
	tests := []struct {
		name string
		// setup prepares the world after planning; it returns the lock value the IPAM must carry after the
		// run ("" for none).
		setup func(t *testing.T, b *bed, ipam string) string
		kind  executor.RefusalKind
	}{
		{"another run's live lock", func(t *testing.T, b *bed, ipam string) string {
			v := otherLock()
			tagIPAM(t, b, ipam, map[string]string{executor.LockTagKey: v})
			return v
		}, executor.RefusedLock},
		{"a refused run's own lock", func(t *testing.T, b *bed, ipam string) string {
			lateAllocation(t, b) // drift: the run locks, then refuses
			return ""
		}, executor.RefusedDrift},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{})
			ipam := firstStep(t, b.plan, "DeleteIpam").ResourceID
			tagIPAM(t, b, ipam, manyTags())
			b.plan = b.replan(t.Context()) // the new tags change no step; planned with them, to be sure
			want := tt.setup(t, b, ipam)
			mark := len(b.calls())
			_, err := executor.Apply(t.Context(), b.api, b.plan, b.options())
			var refused *executor.RefusedError
			if !errors.As(err, &refused) || refused.Kind != tt.kind {
				t.Fatalf("apply: %v, want a %s refusal", err, tt.kind)
			}
			if tt.kind == executor.RefusedLock && !strings.Contains(err.Error(), "plan-other") {
				t.Errorf("the refusal %q does not name the plan holding the lock", err)
			}
			if b.ipamGone(ipam) {
				t.Fatal("the IPAM was deleted")
			}
			if got := lockOf(t, b, ipam); got != want {
				t.Errorf("after the run the IPAM's lock is %q, want %q", got, want)
			}
			for _, c := range b.calls()[mark:] {
				if c.Action == "ListTagResources" && c.Params["Tag.1.Key"] != executor.LockTagKey {
					t.Errorf("a lock read not by the lock's key: %v", c.Params)
				}
			}
		})
	}
}

// TestLockNonceTellsRunsOfOnePlanApart: two runs of one plan at once, with one clock (the same expiry) and
// their own journals: the lock values differ by the runs' nonces, so the run whose value is not read back
// refuses; the IPAM is torn down once.
func TestLockNonceTellsRunsOfOnePlanApart(t *testing.T) {
	// Lock reads that take a while: both runs read the IPAM unlocked before either writes.
	b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{},
		simtest.WithFaults(1, wire.FaultRule{Action: "ListTagResources", Latency: 100 * time.Millisecond}))
	frozen := time.Now()
	dir := t.TempDir()
	var atLock sync.WaitGroup
	atLock.Add(2)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		opts := b.options()
		opts.Now = func() time.Time { return frozen }
		opts.JournalPath = filepath.Join(dir, fmt.Sprintf("run%d.journal", i))
		once := sync.Once{}
		opts.OnEvent = func(e executor.Event) {
			if e.Kind == executor.EventPhase && e.Phase == "lock" {
				once.Do(func() { atLock.Done(); atLock.Wait() }) // both lock at once
			}
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
			if !strings.Contains(err.Error(), "another run of this plan") {
				t.Errorf("refusal %q does not say another run of this plan holds the lock", err)
			}
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
	checkOnce(t, b)
}

// holdAPI holds the run's first real step call (its execute phase has begun) until release is closed: the run
// is then busy, and neither holds nor waits for anything of its own (an OnEvent callback that blocked would hold
// the run's report lock).
type holdAPI struct {
	executor.API
	once          sync.Once
	held, release chan struct{}
	inFlight      atomic.Int32 // step calls sent before the release (they had passed the lock's check)
}

func (h *holdAPI) Do(ctx context.Context, c cloudapi.Call) (map[string]any, error) {
	if a, _ := catalog.Lookup(c.Product, c.Action); a.Mutating && !c.DryRun && c.Action != "TagResources" && c.Action != "UntagResources" {
		select {
		case <-h.release:
		default:
			h.inFlight.Add(1)
		}
		h.once.Do(func() {
			close(h.held)
			<-h.release
		})
	}
	return h.API.Do(ctx, c)
}

// clock is a settable clock for Options.Now, and a heartbeat timer the test fires (Options.After).
type clock struct {
	mu    sync.Mutex
	t     time.Time
	asked chan time.Duration // the heartbeat waits for its next beat (the last renewal is over)
	beat  chan time.Time
}

func newClock() *clock {
	return &clock{t: time.Now(), asked: make(chan time.Duration, 16), beat: make(chan time.Time)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *clock) After(d time.Duration) <-chan time.Time {
	c.asked <- d
	return c.beat
}

// waitBeat waits until the heartbeat waits for its next beat: false if it never does (no heartbeat).
func (c *clock) waitBeat(t *testing.T) (time.Duration, bool) {
	t.Helper()
	select {
	case d := <-c.asked:
		return d, true
	case <-time.After(10 * time.Second):
		return 0, false
	}
}

// TestLockHeartbeat: a run longer than --lock-ttl keeps its lock (the heartbeat renews it every third of the
// TTL), so a second run then refuses; a renewal that finds another run's lock stops that IPAM's steps: none is
// sent, the report says why, and the other run's lock stays. The run is held at the start of its execute
// phase while the test moves the clock past the TTL and fires the heartbeat: nothing waits the TTL.
func TestLockHeartbeat(t *testing.T) {
	tests := []struct {
		name string
		// during runs while the first run is held, after its lock expired by its first value; it returns the
		// lock the IPAM must carry after the first run.
		during func(t *testing.T, b *bed, ipam string, clk *clock) string
		gone   bool // the first run tears the IPAM down
	}{
		{"renewed: a second run refuses", func(t *testing.T, b *bed, ipam string, clk *clock) string {
			opts := b.options()
			opts.Now = clk.Now
			_, err := executor.Apply(t.Context(), b.api, b.plan, opts)
			var refused *executor.RefusedError
			if !errors.As(err, &refused) || refused.Kind != executor.RefusedLock {
				t.Errorf("a second run past the first value's expiry: %v, want a lock refusal", err)
			}
			return ""
		}, true},
		{"lost at a renewal", func(t *testing.T, b *bed, ipam string, clk *clock) string {
			v := otherLock()
			tagIPAM(t, b, ipam, map[string]string{executor.LockTagKey: v})
			clk.beat <- clk.Now()
			if _, ok := clk.waitBeat(t); !ok {
				t.Error("the heartbeat did not come back for another beat")
			}
			return v
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{})
			ipam := firstStep(t, b.plan, "DeleteIpam").ResourceID
			tagIPAM(t, b, ipam, manyTags()) // the renewal reads the lock behind them too
			b.plan = b.replan(t.Context())
			clk := newClock()
			opts := b.options()
			opts.LockTTL = time.Hour
			opts.Now, opts.After = clk.Now, clk.After
			opts.Parallelism = 1 // one step call in flight when the run is held: the one held
			api := &holdAPI{API: b.api, held: make(chan struct{}), release: make(chan struct{})}
			held, release := api.held, api.release
			var rep *executor.Report
			var err error
			done := make(chan struct{})
			go func() {
				defer close(done)
				rep, err = executor.Apply(t.Context(), api, b.plan, opts)
			}()
			select {
			case <-held:
			case <-done:
				t.Fatalf("the run ended before its execute phase: %v", err)
			}
			d, ok := clk.waitBeat(t)
			if !ok {
				close(release)
				<-done
				t.Fatal("no heartbeat: the lock is never renewed")
			}
			if d != opts.LockTTL/3 {
				t.Errorf("the heartbeat beats every %s, want a third of the TTL (%s)", d, opts.LockTTL/3)
			}
			first := lockOf(t, b, ipam)
			clk.advance(2 * opts.LockTTL) // the first value has expired
			clk.beat <- clk.Now()
			if _, ok := clk.waitBeat(t); !ok {
				t.Fatal("the heartbeat did not come back for another beat")
			}
			renewed := lockOf(t, b, ipam)
			exp, perr := time.Parse(time.RFC3339, renewed[strings.LastIndexByte(renewed, '/')+1:])
			if renewed == first || !strings.HasPrefix(renewed, b.plan.PlanID+"/") || perr != nil || exp.Before(clk.Now().Add(opts.LockTTL)) {
				t.Errorf("after a renewal at %s the lock is %q (was %q), want this run's, valid for another TTL", clk.Now(), renewed, first)
			}
			want := tt.during(t, b, ipam, clk)
			mark := len(b.calls())
			close(release)
			<-done
			if b.ipamGone(ipam) != tt.gone {
				t.Fatalf("IPAM gone: %v, want %v (apply: %v)", b.ipamGone(ipam), tt.gone, err)
			}
			if tt.gone {
				if err != nil {
					t.Fatalf("apply: %v", err)
				}
				return
			}
			var failed *executor.FailedError
			if !errors.As(err, &failed) {
				t.Fatalf("apply after losing the lock: %v, want failed steps", err)
			}
			// The calls held while the lock was lost had passed their check: they alone go.
			if n, held := countMutating(b.calls()[mark:], false), int(api.inFlight.Load()); n != held {
				t.Errorf("%d mutating calls after the lock was lost, want only the %d in flight", n, held)
			}
			for _, s := range rep.Steps {
				if s.Outcome == executor.OutcomeFailed && !strings.Contains(s.Message, "plan-other") {
					t.Errorf("step %s failed with %q, which does not say who holds the lock", s.ID, s.Message)
				}
			}
			if got := lockOf(t, b, ipam); got != want {
				t.Errorf("the IPAM's lock is %q, want the other run's %q", got, want)
			}
		})
	}
}

// TestLockCheckedBeforeDeleteIpam: the lock is read again before the IPAM's DeleteIpam. Another run that holds
// it by then (written just as the delete is due) keeps the IPAM: its DeleteIpam is not sent, the report says
// why, the run fails; the steps before it are done.
func TestLockCheckedBeforeDeleteIpam(t *testing.T) {
	b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{})
	ipam := firstStep(t, b.plan, "DeleteIpam").ResourceID
	other := otherLock()
	opts := b.options()
	opts.OnEvent = func(e executor.Event) {
		if e.Kind == executor.EventStart && e.Step.Action == "DeleteIpam" {
			tagIPAM(t, b, ipam, map[string]string{executor.LockTagKey: other})
		}
	}
	rep, err := executor.Apply(t.Context(), b.api, b.plan, opts)
	var failed *executor.FailedError
	if !errors.As(err, &failed) || !slices.Equal(failed.Failed, []string{"delete-ipam/" + ipam}) {
		t.Fatalf("apply: %v, want the DeleteIpam of %s failed", err, ipam)
	}
	if b.ipamGone(ipam) {
		t.Error("the IPAM was deleted under another run's lock")
	}
	for _, c := range b.calls() {
		if c.Action == "DeleteIpam" && !c.DryRun {
			t.Errorf("DeleteIpam of %s was sent under another run's lock", ipam)
		}
	}
	for _, s := range rep.Steps {
		switch {
		case s.Action == "DeleteIpam" && !strings.Contains(s.Message, "plan-other"):
			t.Errorf("the report says %q of the step, not who holds the lock", s.Message)
		case s.Action != "DeleteIpam" && s.Outcome != executor.OutcomeDone:
			t.Errorf("step %s: %s, want done", s.ID, s.Outcome)
		}
	}
	if got := lockOf(t, b, ipam); got != other {
		t.Errorf("the other run's lock became %q", got)
	}
}

// TestApplyRefusesStepsWithoutIPAM: a plan whose steps name no IPAM would get neither the lock nor the drift
// check: refused as bad input, naming the steps, before any call.
func TestApplyRefusesStepsWithoutIPAM(t *testing.T) {
	b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{})
	var stripped []string
	for i := range b.plan.Steps {
		if s := &b.plan.Steps[i]; s.Action == "DeleteIpamPool" || s.Action == "DeleteIpam" {
			s.IPAMID = ""
			stripped = append(stripped, s.ID)
		}
	}
	slices.Sort(stripped)
	data, err := plans.Marshal(b.plan)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plans.Read(strings.NewReader(string(data)), "plan.json")
	if err != nil {
		t.Fatalf("the plan without ipam_id does not read: %v", err)
	}
	mark := len(b.calls())
	_, err = executor.Apply(t.Context(), b.api, p, b.options())
	var bad *executor.PlanError
	if !errors.As(err, &bad) || !slices.Equal(bad.Steps, stripped) || bad.Field != "steps[].ipam_id" {
		t.Fatalf("apply: %v, want a plan error naming %v", err, stripped)
	}
	if !strings.Contains(err.Error(), strings.Join(stripped, ", ")) {
		t.Errorf("the error %q does not name the steps", err)
	}
	if n := len(b.calls()) - mark; n != 0 {
		t.Errorf("%d calls for a plan refused as bad input, want none", n)
	}
}
