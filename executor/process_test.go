package executor_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/planner"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// The helper process: TestMain runs it when helperEnv is set. It applies the plan file in $EXEC_PLAN against
// $EXEC_ENDPOINT with the journal $EXEC_JOURNAL, the way `ipam-teardown apply` does, until it is killed.
const helperEnv = "IPAM_TEARDOWN_EXECUTOR_HELPER"

func helperApply() int {
	ctx := context.Background()
	p, err := plans.ReadFile(os.Getenv("EXEC_PLAN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	api, err := cloudapi.New(ctx, cloudapi.Config{Region: p.Region, Endpoint: os.Getenv("EXEC_ENDPOINT"), QPS: -1})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	opts := executor.Options{JournalPath: os.Getenv("EXEC_JOURNAL"), Parallelism: 2,
		PollInterval: 10 * time.Millisecond, RetryInitial: 5 * time.Millisecond}
	if v := os.Getenv("EXEC_LOCK_TTL"); v != "" { // the lock's TTL, for the tests of a killed run's lock
		if opts.LockTTL, err = time.ParseDuration(v); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
	}
	_, err = executor.Apply(ctx, api, p, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// A subprocess apply killed with SIGKILL at a random point, then the same apply again: it resumes and
// converges, and no step takes effect twice (a step sent again carries the same ClientToken, which the
// service replays instead of applying).
func TestResumeAfterSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			b := newBed(t, loadTopology(t, "sandbox.yaml"), "cn-hangzhou", planner.Options{},
				simtest.WithDeleteDelay(100*time.Millisecond),
				simtest.WithFaults(int64(seed), wire.FaultRule{Latency: 10 * time.Millisecond, Jitter: 10 * time.Millisecond}))
			dir := t.TempDir()
			planPath, journal := filepath.Join(dir, "plan.json"), filepath.Join(dir, "plan.json.journal")
			if err := plans.WriteFile(planPath, b.plan); err != nil {
				t.Fatal(err)
			}
			killAt := 1 + rand.New(rand.NewPCG(seed, 42)).IntN(len(b.plan.Steps)-1)
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), helperEnv+"=1", "EXEC_PLAN="+planPath, "EXEC_JOURNAL="+journal, "EXEC_ENDPOINT="+b.srv.URL)
			out, _ := os.Create(filepath.Join(dir, "helper.log"))
			defer out.Close()
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			killed := false
		watch:
			for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
				select {
				case <-done:
					break watch
				case <-time.After(2 * time.Millisecond):
				}
				if realCalls(b) >= killAt {
					_ = cmd.Process.Kill()
					<-done
					killed = true
					break
				}
			}
			if !killed {
				log, _ := os.ReadFile(filepath.Join(dir, "helper.log"))
				t.Fatalf("the helper ended before %d real calls:\n%s", killAt, log)
			}
			t.Logf("killed after %d real calls of %d steps", realCalls(b), len(b.plan.Steps))

			rep, err := executor.Apply(t.Context(), b.api, b.plan, func() executor.Options {
				o := b.options()
				o.JournalPath = journal
				return o
			}())
			if err != nil {
				data, _ := json.MarshalIndent(rep, "", "  ")
				t.Fatalf("resume: %v\n%s", err, data)
			}
			if !b.ipamGone(firstStep(t, b.plan, "DeleteIpam").ResourceID) {
				t.Error("IPAM still exists after the resume")
			}
			checkOnce(t, b)
			checkCalls(t, b.plan, b.calls())
		})
	}
}

// realCalls counts the successful real (not dry-run) calls of plan steps so far.
func realCalls(b *bed) int {
	n := 0
	for _, c := range b.calls() {
		if !c.DryRun && c.Code == "" && stepOf(b.plan, c) != nil {
			n++
		}
	}
	return n
}

// checkOnce: every step that was sent more than once carried the token of the call before it, which the
// service replays, unless that call was refused (executor.StepToken: a refused call did nothing, and the next
// gets a new token), so its effect happened once. Actions without ClientToken are sent again only after a read
// showed the first had no effect: they may never succeed twice.
func checkOnce(t *testing.T, b *bed) {
	t.Helper()
	last := map[string]wire.Call{}
	successes := map[string]int{}
	for _, c := range b.calls() {
		s := stepOf(b.plan, c)
		if s == nil || c.DryRun {
			continue
		}
		if prev, ok := last[s.ID]; ok && prev.Params["ClientToken"] != c.Params["ClientToken"] && !refusal(prev) {
			t.Errorf("step %s was sent with a new ClientToken after an answer %q that was no refusal", s.ID, prev.Code)
		}
		last[s.ID] = c
		if c.Code == "" {
			successes[s.ID]++
		}
		if c.Params["ClientToken"] == "" && successes[s.ID] > 1 {
			t.Errorf("step %s (no ClientToken) succeeded %d times", s.ID, successes[s.ID])
		}
	}
}

// refusal: the service answered a code that says the call did nothing (neither throttling nor a server error).
func refusal(c wire.Call) bool {
	return c.Code != "" && c.Status < 500 && !strings.HasPrefix(c.Code, "Throttling")
}
