package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/vbauerster/mpb/v8"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// runIn runs the command with stdin (never the test process's own, which may be a terminal).
func runIn(t *testing.T, ctx context.Context, stdin io.Reader, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := newTestRoot(&out, &errb)
	cmd.SetIn(stdin)
	cmd.SetArgs(args)
	err = cmd.ExecuteContext(ctx)
	return out.String(), errb.String(), err
}

// readOnly fails the test if any call is not a read (List*, Get*) or is a dry run.
func readOnly(t *testing.T, calls []wire.Call) {
	t.Helper()
	for _, c := range calls {
		if c.DryRun || !(strings.HasPrefix(c.Action, "List") || strings.HasPrefix(c.Action, "Get")) {
			t.Errorf("a %s call (dry run %v) was made", c.Action, c.DryRun)
		}
	}
}

// planSandbox writes a plan of the sandbox IPAM with extra plan flags and returns its path.
func planSandbox(t *testing.T, url, ipamID string, extra ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "plan.json")
	args := append([]string{"--region", "cn-hangzhou", "--endpoint", url, "--log-format", "json", "plan", "--qps", "1000", "--ipam", ipamID, "-o", out}, extra...)
	if _, stderr, err := run(t, args...); err != nil {
		t.Fatalf("plan: %v\n%s", err, stderr)
	}
	return out
}

// wantOutcome fails the test unless the report at path says outcome.
func wantOutcome(t *testing.T, path string, outcome executor.RunOutcome) {
	t.Helper()
	if rep := readReport(t, path); rep.Outcome != outcome {
		t.Errorf("report outcome %q, want %s", rep.Outcome, outcome)
	}
}

func readReport(t *testing.T, path string) executor.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	var rep executor.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report %s does not decode: %v", path, err)
	}
	return rep
}

// TestApplyRefusesBlockers: a plan with blockers is refused with exit 3, naming the blocker and --partial,
// before any mutating call or dry run, and the report says refused.
func TestApplyRefusesBlockers(t *testing.T) {
	t.Parallel()
	url, refs, _, srv := startSandbox(t)
	plan := planSandbox(t, url, refs["ipam/sandbox"], "--protect-tag", "team=data")
	report := filepath.Join(t.TempDir(), "report.json")
	_, _, err := runIn(t, t.Context(), strings.NewReader(""), "--endpoint", url, "--log-format", "json",
		"apply", plan, "--yes", "--qps", "1000", "--report", report)
	if exitCode(err) != exitRefused {
		t.Fatalf("apply of a plan with blockers: exit %d (%v), want %d", exitCode(err), err, exitRefused)
	}
	for _, want := range []string{refs["pool/prod-hz-db"], "--partial", "the IPAM " + refs["ipam/sandbox"] + " will remain"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q lacks %q", err, want)
		}
	}
	readOnly(t, srv.Calls())
	rep := readReport(t, report)
	if rep.Outcome != "refused" || len(rep.Steps) == 0 || rep.Steps[0].Outcome != executor.OutcomeNotStarted {
		t.Errorf("report: outcome %q, %d steps; want refused with every step not started", rep.Outcome, len(rep.Steps))
	}
}

// TestApplyPartial: --partial runs the steps of a plan with blockers. On multi-account.yaml the IPv6
// allocation of a VPC and the IPv6 CIDR of its pool are blockers: that pool and the IPAM remain, the IPv4
// pools are gone. (Needs the executor.)
func TestApplyPartial(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, "../../testdata/topologies/multi-account.yaml")
	useDefaultKey(t, s)
	plan := planSandbox(t, s.URL, s.Refs["ipam/core"])
	p, err := plans.ReadFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Blockers) == 0 {
		t.Fatal("the multi-account plan has no blocker; the test needs one")
	}
	_, stderr, err := runIn(t, t.Context(), strings.NewReader(""), "--endpoint", s.URL, "--log-format", "json",
		"apply", plan, "--yes", "--partial", "--qps", "1000")
	if err != nil {
		t.Fatalf("apply --partial: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "the IPAM "+s.Refs["ipam/core"]+" will remain") {
		t.Errorf("stderr does not say what remains:\n%s", stderr)
	}
	state := string(mustJSON(t, s.Sim.DumpState()))
	for _, kept := range []string{s.Refs["ipam/core"], s.Refs["pool/core-v6"]} {
		if !strings.Contains(state, `"`+kept+`"`) {
			t.Errorf("%s is gone; --partial must leave what the blockers hold", kept)
		}
	}
	if gone := s.Refs["pool/network-infra"]; gone == "" || strings.Contains(state, `"`+gone+`"`) {
		t.Errorf("pool/network-infra (%q) remains; --partial runs the plan's steps", gone)
	}
}

// TestApplyReplansWithTheRecordedOptions: the drift check plans again with the options the plan records, so a
// plan made with --protect-tag is not taken for drift: --partial runs it, and the protected pool and the IPAM
// remain. (Without the recorded options the fresh plan would delete the protected pool: drift, exit 3.)
func TestApplyReplansWithTheRecordedOptions(t *testing.T) {
	t.Parallel()
	url, refs, sim, _ := startSandbox(t)
	plan := planSandbox(t, url, refs["ipam/sandbox"], "--protect-tag", "team=data")
	_, stderr, err := runIn(t, t.Context(), strings.NewReader(""), "--endpoint", url, "--log-format", "json",
		"apply", plan, "--yes", "--partial", "--qps", "1000")
	if err != nil {
		t.Fatalf("apply --partial of a plan made with --protect-tag: exit %d (%v)\n%s", exitCode(err), err, stderr)
	}
	state := string(mustJSON(t, sim.DumpState()))
	for _, kept := range []string{refs["ipam/sandbox"], refs["pool/prod-hz-db"]} {
		if !strings.Contains(state, `"`+kept+`"`) {
			t.Errorf("%s is gone; the protect tag keeps it", kept)
		}
	}
	if gone := refs["pool/prod-sh-app"]; gone == "" || strings.Contains(state, `"`+gone+`"`) {
		t.Errorf("pool/prod-sh-app (%q) remains; the plan deletes it", gone)
	}
}

// TestApplyWithoutYesAndNoTerminal: without --yes and with a stdin that is not a terminal, apply refuses
// with exit 3 and makes no call at all.
func TestApplyWithoutYesAndNoTerminal(t *testing.T) {
	t.Parallel()
	url, refs, _, srv := startSandbox(t)
	plan := planSandbox(t, url, refs["ipam/sandbox"])
	before := len(srv.Calls())
	report := filepath.Join(t.TempDir(), "report.json")
	_, stderr, err := runIn(t, t.Context(), strings.NewReader(refs["ipam/sandbox"]+"\n"), "--endpoint", url, "--log-format", "json",
		"apply", plan, "--report", report)
	if exitCode(err) != exitRefused || !strings.Contains(err.Error(), "--yes") {
		t.Fatalf("apply without --yes: exit %d (%v), want %d naming --yes", exitCode(err), err, exitRefused)
	}
	if n := len(srv.Calls()); n != before {
		t.Errorf("%d calls were made; want none", n-before)
	}
	if !strings.Contains(stderr, "DeleteIpamPool") {
		t.Errorf("stderr lacks the plan summary:\n%s", stderr)
	}
	wantOutcome(t, report, "refused")
}

// TestApplyBadInput: a bad flag or plan file is exit 2, names the flag or file, and makes no call.
func TestApplyBadInput(t *testing.T) {
	t.Parallel()
	url, refs, _, srv := startSandbox(t)
	plan := planSandbox(t, url, refs["ipam/sandbox"])
	dir := t.TempDir()
	notPlan := filepath.Join(dir, "not-a-plan.json")
	if err := os.WriteFile(notPlan, []byte(`{"hello": "world"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.json")
	// A plan whose steps name no IPAM: neither the lock nor the drift check would cover them.
	noIPAM := filepath.Join(dir, "no-ipam-id.json")
	p, err := plans.ReadFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	var stripped []string
	for i := range p.Steps {
		if p.Steps[i].Action == "DeleteIpamPool" && len(stripped) < 2 {
			p.Steps[i].IPAMID = ""
			stripped = append(stripped, p.Steps[i].ID)
		}
	}
	slices.Sort(stripped)
	if err := plans.WriteFile(noIPAM, p); err != nil {
		t.Fatal(err)
	}
	before := len(srv.Calls())
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"apply", plan, "--yes", "--schedule", "nope"}, "--schedule"},
		{[]string{"apply", plan, "--yes", "--parallelism", "0"}, "--parallelism"},
		{[]string{"apply", plan, "--yes", "--qps", "-1"}, "--qps"},
		{[]string{"apply", plan, "--yes", "--qps", "NaN"}, "--qps"},
		{[]string{"apply", plan, "--yes", "--step-timeout", "0s"}, "--step-timeout"},
		{[]string{"apply", plan, "--yes", "--lock-ttl", "-1m"}, "--lock-ttl"},
		{[]string{"apply", plan, "--yes", "--report", filepath.Join(dir, "no-such-dir", "r.json")}, "--report"},
		{[]string{"apply", plan, "--yes", "--journal", dir}, "--journal"},
		{[]string{"apply", plan, "--yes", "--parallelism", "x"}, "--parallelism"},
		{[]string{"apply", missing, "--yes"}, missing},
		{[]string{"apply", notPlan, "--yes"}, notPlan},
		{[]string{"apply", dir, "--yes"}, dir},
		{[]string{"apply", "-", "--yes"}, "stdin"},
		{[]string{"apply", "--yes"}, "plan file"},
		{[]string{"--region", "cn-shanghai", "apply", plan, "--yes"}, "--region"},
		{[]string{"apply", noIPAM, "--yes"}, noIPAM + ": plan " + p.PlanID + ": 2 step(s) name no IPAM (ipam_id is empty)"},
		{[]string{"apply", noIPAM, "--yes"}, strings.Join(stripped, ", ")},
	}
	for _, tt := range tests {
		args := append([]string{"--endpoint", url, "--log-format", "json"}, tt.args...)
		_, _, err := runIn(t, t.Context(), strings.NewReader(""), args...)
		if exitCode(err) != exitUsage || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: exit %d (%v); want %d naming %q", tt.args, exitCode(err), err, exitUsage, tt.want)
		}
	}
	if n := len(srv.Calls()); n != before {
		t.Errorf("bad input made %d calls; want none", n-before)
	}
}

// TestApplyRunsAndResumes applies a plan with --yes: exit 0, the IPAM is gone, the journal is beside the
// plan, the report says done; a second apply of the same plan finds everything done (resume). (Needs the
// executor.)
func TestApplyRunsAndResumes(t *testing.T) {
	t.Parallel()
	url, refs, sim, _ := startSandbox(t)
	plan := planSandbox(t, url, refs["ipam/sandbox"])
	report := filepath.Join(t.TempDir(), "report.json")
	args := []string{"--endpoint", url, "--log-format", "json", "apply", plan, "--yes", "--qps", "1000", "--report", report}
	_, stderr, err := runIn(t, t.Context(), strings.NewReader(""), args...)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, stderr)
	}
	if strings.Contains(string(mustJSON(t, sim.DumpState())), `"`+refs["ipam/sandbox"]+`"`) {
		t.Error("the IPAM is still there")
	}
	if _, err := os.Stat(plan + ".journal"); err != nil {
		t.Errorf("no journal beside the plan: %v", err)
	}
	rep := readReport(t, report)
	if rep.Outcome != "done" || len(rep.Steps) == 0 {
		t.Errorf("report: outcome %q with %d steps; want done", rep.Outcome, len(rep.Steps))
	}
	// Against a service of unknown settings, L is computed from what the run measured, and says so.
	if b := rep.Bound; b == nil || b.Source != executor.BoundMeasured || b.Latency <= 0 || b.L <= 0 || b.QPS != 1000 || b.Note == "" || b.Steps != 0 {
		t.Errorf("report bound %+v: want one measured in the run, at --qps 1000, over every step", b)
	} else if x, ok := rep.ExecuteSpan(); !ok || b.Duration() > x {
		t.Errorf("L = %v, X = %v: L is not a floor of the run", b.Duration(), x)
	}
	// On a pipe: one JSON line per finished step, each step once, with its outcome, attempts and seconds;
	// a line per phase's end with its duration; and the summary.
	lines := map[string]int{}
	attempts := map[string]float64{}
	phases := map[string]bool{}
	for _, rec := range jsonRecords(t, stderr) {
		if id, ok := rec["step"].(string); ok && rec["level"] != "debug" {
			lines[id]++
			attempts[id], _ = rec["attempts"].(float64)
			if rec["outcome"] != "done" || rec["attempts"] == nil || rec["took_s"] == nil {
				t.Errorf("step line %v: want outcome done, attempts and took_s", rec)
			}
		}
		if ph, ok := rec["phase"].(string); ok && rec["took_ms"] != nil {
			phases[ph] = true
		}
	}
	for _, s := range rep.Steps {
		if lines[s.ID] != 1 {
			t.Errorf("step %s has %d lines on stderr, want 1", s.ID, lines[s.ID])
		}
		// The audit trail and the report agree (a CIDR's dry run again before its call is an attempt).
		if attempts[s.ID] != float64(s.Attempts) {
			t.Errorf("step %s: the log says %v attempts, the report %d", s.ID, attempts[s.ID], s.Attempts)
		}
	}
	for _, ph := range []string{"lock", "drift", "dry-run", "execute"} {
		if !phases[ph] {
			t.Errorf("no line ends the %s phase with its took_ms", ph)
		}
	}
	if len(lines) != len(rep.Steps) || !strings.Contains(stderr, "apply "+rep.PlanID+": done") {
		t.Errorf("stderr has lines for %d steps (want %d) or lacks the summary:\n%s", len(lines), len(rep.Steps), stderr)
	}
	if _, stderr, err = runIn(t, t.Context(), strings.NewReader(""), args...); err != nil {
		t.Fatalf("apply again (resume): %v\n%s", err, stderr)
	}
	rep = readReport(t, report)
	for _, s := range rep.Steps {
		if s.Outcome != executor.OutcomeDoneEarlier {
			t.Errorf("resumed step %s: %s, want %s", s.ID, s.Outcome, executor.OutcomeDoneEarlier)
		}
	}
	if rep.Bound != nil {
		t.Errorf("a resume that ran no step has L %+v; want none", rep.Bound)
	}
}

// TestApplyInterrupted: a run whose context ends is exit 1 and prints the command that resumes it. (Needs
// the executor.)
func TestApplyInterrupted(t *testing.T) {
	t.Parallel()
	url, refs, _, _ := startSandbox(t)
	plan := planSandbox(t, url, refs["ipam/sandbox"])
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, stderr, err := runIn(t, ctx, strings.NewReader(""), "--endpoint", url, "--log-format", "json", "apply", plan, "--yes", "--qps", "1000")
	if !errors.Is(err, executor.ErrInterrupted) || exitCode(err) != exitFailed {
		t.Fatalf("interrupted apply: exit %d (%v); want %d and ErrInterrupted", exitCode(err), err, exitFailed)
	}
	if want := programName(os.Args[0]) + " --endpoint " + url + " --log-format json apply " + plan; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks the resume command %q:\n%s", want, stderr)
	}
}

// TestApplyRefusesAnotherAccount: a plan made in one account, applied with another account's credentials (a
// wrong profile), is refused with exit 3 naming both accounts, after the one call that asks whose the
// credentials are: no lock, no read of the IPAMs, no dry run.
func TestApplyRefusesAnotherAccount(t *testing.T) {
	s := simtest.Start(t, "../../testdata/topologies/multi-account.yaml")
	s.SetCredentialsEnv(t, ipamsim.DefaultAccount)
	plan := planSandbox(t, s.URL, s.Refs["ipam/core"])
	const other = "1000000000000002"
	s.SetCredentialsEnv(t, other)
	before := len(s.Wire.Calls())
	report := filepath.Join(t.TempDir(), "report.json")
	_, stderr, err := runIn(t, t.Context(), strings.NewReader(""), "--endpoint", s.URL, "--log-format", "json",
		"apply", plan, "--yes", "--partial", "--qps", "1000", "--report", report)
	if exitCode(err) != exitRefused {
		t.Fatalf("apply with another account's credentials: exit %d (%v); want %d\n%s", exitCode(err), err, exitRefused, stderr)
	}
	for _, want := range []string{ipamsim.DefaultAccount, other} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal %q does not name account %s", err, want)
		}
	}
	var actions []string
	for _, c := range s.Wire.Calls()[before:] {
		actions = append(actions, c.Action)
	}
	if !slices.Equal(actions, []string{"GetCallerIdentity"}) {
		t.Errorf("calls %v; want only GetCallerIdentity", actions)
	}
	wantOutcome(t, report, "refused")
}

// TestApplyUnreachableEndpoint: an endpoint nothing listens on fails the run (exit 1) after a few attempts,
// naming the endpoint and saying it never answered, rather than after every retry of every read; the report
// says failed.
func TestApplyUnreachableEndpoint(t *testing.T) {
	t.Parallel()
	url, refs, _, _ := startSandbox(t)
	plan := planSandbox(t, url, refs["ipam/sandbox"])
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	report := filepath.Join(t.TempDir(), "report.json")
	_, stderr, err := runIn(t, t.Context(), strings.NewReader(""), "--endpoint", closed, "--log-format", "json",
		"apply", plan, "--yes", "--report", report)
	if exitCode(err) != exitFailed {
		t.Fatalf("apply against %s: exit %d (%v); want %d\n%s", closed, exitCode(err), err, exitFailed, stderr)
	}
	want := fmt.Sprintf("gave up after %d attempts", cloudapi.UnreachedAttempts)
	if msg := err.Error(); !strings.Contains(msg, closed+" has not answered once") || !strings.Contains(msg, want) {
		t.Errorf("error %q: want it to name %s, say it never answered, and %q", msg, closed, want)
	}
	wantOutcome(t, report, "failed")
}

func TestConfirmTyped(t *testing.T) {
	t.Parallel()
	one, two := []string{"ipam-a"}, []string{"ipam-a", "ipam-b"}
	tests := []struct {
		ipams []string
		input string
		ok    bool
	}{
		{one, "ipam-a\n", true},
		{one, "  ipam-a  \r\n", true},
		{one, "ipam-a", true}, // end of input without a newline
		{one, "yes\n", false}, // one IPAM: its id, not yes
		{one, "ipam-b\n", false},
		{one, "", false},
		{two, "yes\n", true},
		{two, "ipam-a\n", false},
		{two, "y\n", false},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		err := confirmTyped(t.Context(), strings.NewReader(tt.input), &out, tt.ipams)
		if (err == nil) != tt.ok {
			t.Errorf("%v, input %q: %v; want ok=%v", tt.ipams, tt.input, err, tt.ok)
		}
		if err != nil && exitCode(err) != exitRefused {
			t.Errorf("%v, input %q: exit %d, want %d", tt.ipams, tt.input, exitCode(err), exitRefused)
		}
		if want := map[bool]string{true: "ipam-a", false: "yes"}[len(tt.ipams) == 1]; !strings.Contains(out.String(), want) {
			t.Errorf("prompt %q does not ask for %q", out.String(), want)
		}
	}
}

// TestResumeCommand: the resume line carries the globals and the apply flags the run was given (not
// --break-lock), quoted for a shell, without an endpoint's user and password.
func TestResumeCommand(t *testing.T) {
	t.Parallel()
	d := defaultApplyFlags()
	tuned := d
	tuned.yes, tuned.failFast, tuned.breakLock, tuned.parallelism, tuned.qps = true, true, true, 4, qpsFlag{qps: 20}
	tuned.schedule, tuned.lockTTL = "levels", time.Hour
	tests := []struct {
		globals               []string
		plan, journal, report string
		f                     applyFlags
		want                  string
	}{
		{nil, "p.json", "p.json.journal", "", d, "ipam-teardown apply p.json"},
		{[]string{"--region", "cn-hangzhou"}, "dir/p.json", "j.jsonl", "", d, "ipam-teardown --region cn-hangzhou apply dir/p.json --journal j.jsonl"},
		{nil, "my plans/p.json", "my plans/p.json.journal", "", d, `ipam-teardown apply 'my plans/p.json'`},
		{nil, "it's.json", "it's.json.journal", "", d, `ipam-teardown apply 'it'\''s.json'`},
		{[]string{"--endpoint", "http://u:pw@127.0.0.1:9/"}, "p.json", "p.json.journal", "r.json", tuned,
			"ipam-teardown --endpoint http://127.0.0.1:9/ apply p.json --yes --fail-fast --parallelism 4 --qps 20 --schedule levels --lock-ttl 1h0m0s --report r.json"},
	}
	for _, tt := range tests {
		if got := resumeCommand("ipam-teardown", tt.globals, tt.plan, tt.journal, tt.report, tt.f); got != tt.want {
			t.Errorf("resumeCommand(%v, %q, %q, %q) =\n  %s\nwant\n  %s", tt.globals, tt.plan, tt.journal, tt.report, got, tt.want)
		}
	}
}

// TestProgramName: the resume line names the program as it was run, but not a go run build, which is gone
// when the process exits.
func TestProgramName(t *testing.T) {
	tests := []struct{ arg0, want string }{
		{"ipam-teardown", "ipam-teardown"},
		{"./ipam-teardown", "./ipam-teardown"},
		{"/usr/local/bin/ipam-teardown", "/usr/local/bin/ipam-teardown"},
		{"/tmp/go-build2419181713/b001/exe/ipam-teardown", "ipam-teardown"},
		{"", "ipam-teardown"},
	}
	for _, tt := range tests {
		if got := programName(tt.arg0); got != tt.want {
			t.Errorf("programName(%q) = %q, want %q", tt.arg0, got, tt.want)
		}
	}
}

func TestPlanIPAMsAndRemaining(t *testing.T) {
	t.Parallel()
	p := &plans.Plan{
		Steps:    []plans.Step{{IPAMID: "ipam-b"}, {IPAMID: "ipam-a"}, {IPAMID: "ipam-b"}, {IPAMID: ""}},
		Blockers: []plans.Blocker{{IPAMID: "ipam-c"}, {IPAMID: "ipam-a"}},
	}
	if got := planIPAMs(p, false); strings.Join(got, ",") != "ipam-a,ipam-b" {
		t.Errorf("planIPAMs(steps) = %v", got)
	}
	if got := planIPAMs(p, true); strings.Join(got, ",") != "ipam-a,ipam-b,ipam-c" {
		t.Errorf("planIPAMs(steps and blockers) = %v", got)
	}
	if got := executor.Remaining(p); got != "the IPAMs ipam-a, ipam-c will remain" {
		t.Errorf("remaining = %q", got)
	}
}

func TestWriteSummary(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rep := &executor.Report{PlanID: "plan-1", Outcome: "failed", Start: start, End: start.Add(1500 * time.Millisecond), Retries: 3, DependencyRetries: 1,
		Steps: []executor.StepReport{
			{ID: "a", Action: "DeleteIpamPool", Outcome: executor.OutcomeDone},
			{ID: "b", Action: "DeleteIpamPool", Outcome: executor.OutcomeAlreadyGone},
			{ID: "c", Action: "DeleteIpamPool", Outcome: executor.OutcomeFailed},
			{ID: "d", Action: "DeleteIpam", Outcome: executor.OutcomeSkipped},
			{ID: "e", Action: "DeleteIpamScope", Outcome: executor.OutcomeInterrupted},
		},
		Drift: &executor.Drift{Added: []string{"delete-pool/ipam-pool-new"}},
	}
	var b bytes.Buffer
	if err := writeSummary(&b, rep); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	fields := func(line string) string { return strings.Join(strings.Fields(line), " ") }
	var rows []string
	for _, l := range strings.Split(got, "\n") {
		rows = append(rows, fields(l))
	}
	for _, want := range []string{
		"apply plan-1: failed in 1.5s, 5 steps, 3 retried calls (1 waiting for the service to catch up)",
		"action done already-gone failed skipped interrupted",
		"DeleteIpam 0 0 0 1 0",
		"DeleteIpamPool 1 1 1 0 0",
		"DeleteIpamScope 0 0 0 0 1",
		"+ step delete-pool/ipam-pool-new",
	} {
		if !strings.Contains(strings.Join(rows, "\n"), want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
}

// TestLogProgress: on a pipe the run's log is an audit trail: a line when a phase ends (with took_ms), one
// line per finished step (outcome, attempts, took_s), a line of counts per tick, and nothing at info level for
// a step's start, retries, waits or dry-run answers (debug keeps them).
func TestLogProgress(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	clock := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	p := newLogProgress(zerolog.New(&b).Level(zerolog.InfoLevel), 4, nil, now) // the test ticks itself
	tick := func() { p.tick() }
	step := &plans.Step{ID: "delete-pool/ipam-pool-1", Action: "DeleteIpamPool"}
	other := &plans.Step{ID: "delete-pool/ipam-pool-2", Action: "DeleteIpamPool"}
	p.Event(executor.Event{Kind: executor.EventPhase, Phase: "dry-run"})
	p.Event(executor.Event{Kind: executor.EventDryRun, Step: step, Code: "DryRunOperation"})
	tick() // answered 1 of 4
	clock = clock.Add(2 * time.Second)
	p.Event(executor.Event{Kind: executor.EventPhase, Phase: "execute"}) // dry-run ended after 2 s
	p.Event(executor.Event{Kind: executor.EventStart, Step: step, Counts: executor.Counts{Total: 4, Running: 1}})
	p.Event(executor.Event{Kind: executor.EventRetry, Step: step, Attempt: 1, Code: "Throttling.User", Wait: time.Second, Counts: executor.Counts{Total: 4, Running: 1, Retries: 1}})
	p.Event(executor.Event{Kind: executor.EventWaiting, Step: step, Counts: executor.Counts{Total: 4, Waiting: 1, Retries: 1}})
	p.Event(executor.Event{Kind: executor.EventProgress, Counts: executor.Counts{Total: 4, Done: 0, Waiting: 1, Retries: 1}})
	clock = clock.Add(1500 * time.Millisecond)
	p.Event(executor.Event{Kind: executor.EventDone, Step: step, Outcome: executor.OutcomeDone, Counts: executor.Counts{Total: 4, Done: 1, Retries: 1}})
	tick() // 1 of 4 finished
	p.Event(executor.Event{Kind: executor.EventStart, Step: other, Counts: executor.Counts{Total: 4, Done: 1, Running: 1}})
	p.Event(executor.Event{Kind: executor.EventFailed, Step: other, Err: errors.New("boom"), Counts: executor.Counts{Total: 4, Done: 1, Failed: 1}})
	p.Event(executor.Event{Kind: executor.EventSkipped, Step: &plans.Step{ID: "delete-ipam/ipam-1", Action: "DeleteIpam"}, Counts: executor.Counts{Total: 4, Done: 1, Failed: 1, Skipped: 1}})
	clock = clock.Add(time.Second)
	p.Close() // execute ended

	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		recs = append(recs, rec)
	}
	want := []map[string]any{
		{"level": "info", "phase": "dry-run", "answered": 1.0, "total": 4.0},
		{"level": "info", "phase": "dry-run", "took_ms": 2000.0},
		{"level": "info", "step": step.ID, "outcome": "done", "attempts": 2.0, "took_s": 1.5, "finished": 1.0},
		{"level": "info", "phase": "execute", "finished": 1.0, "total": 4.0},
		{"level": "error", "step": other.ID, "outcome": "failed", "attempts": 1.0, "error": "boom"},
		{"level": "info", "step": "delete-ipam/ipam-1", "outcome": "skipped", "finished": 3.0},
		{"level": "info", "phase": "execute", "took_ms": 2500.0},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(recs), len(want), b.String())
	}
	for i, w := range want {
		for k, v := range w {
			if recs[i][k] != v {
				t.Errorf("line %d: %s = %v, want %v: %v", i+1, k, recs[i][k], v, recs[i])
			}
		}
	}
	if _, ok := recs[5]["attempts"]; ok {
		t.Errorf("a step skipped before it started reports attempts: %v", recs[5])
	}
}

func TestBarProgress(t *testing.T) {
	t.Parallel()
	var b syncBuffer
	p := newBarProgress(&b, 4, mpb.WithAutoRefresh()) // a buffer is no terminal: draw anyway
	now := time.Unix(100, 0)
	p.mu.Lock()
	p.now = func() time.Time { return now }
	p.mu.Unlock()
	p.Event(executor.Event{Kind: executor.EventPhase, Phase: "execute"})
	now = now.Add(10 * time.Second)
	p.Event(executor.Event{Kind: executor.EventDone, Step: &plans.Step{ID: "a"}, Counts: executor.Counts{Total: 4, Done: 2, Running: 1, Waiting: 1, Retries: 3}})
	if head, tail := p.head(), p.tail(); head != "execute  2/4" || tail != "running 1  waiting 1  retries 3  elapsed 10s  ETA 10s" {
		t.Errorf("display %q %q", head, tail)
	}
	p.Close()
	if !strings.Contains(b.String(), "2/4") {
		t.Errorf("the display was not drawn:\n%q", b.String())
	}
}

func TestEstimate(t *testing.T) {
	t.Parallel()
	if _, ok := estimate(time.Second, executor.Counts{Total: 4}); ok {
		t.Error("an estimate before any step finished")
	}
	if _, ok := estimate(time.Second, executor.Counts{Total: 4, Done: 4}); ok {
		t.Error("an estimate after every step finished")
	}
	if eta, ok := estimate(6*time.Second, executor.Counts{Total: 10, Done: 2, Failed: 1}); !ok || eta != 14*time.Second {
		t.Errorf("estimate = %v, %v; want 14s", eta, ok)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
