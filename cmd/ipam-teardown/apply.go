package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/atomicfile"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/replan"
	"github.com/ipam-teardown/ipam-teardown/planner"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// newApplyCommand is `ipam-teardown apply PLAN_FILE`: it executes a reviewed plan through the executor.
func newApplyCommand(g *globalOptions) *cobra.Command {
	f := defaultApplyFlags()
	cmd := &cobra.Command{
		Use:   "apply PLAN_FILE [--yes] [--partial] [--parallelism N] [--qps Q] [--schedule ready|levels] [--report FILE]",
		Short: "Execute a reviewed plan: lock, drift check, dry run, then the steps in parallel; resumable",
		Long: `apply executes the plan file that plan wrote and a person reviewed. It runs exactly the plan's steps:

  1. refuse a plan with blockers (unless --partial: the blocked IPAMs remain), before anything else;
  2. print the plan's summary and ask for the IPAM id (or yes for several); without a terminal on
     stdin, refuse unless --yes. Nothing but reads happens before this;
  3. lock the IPAMs (a tag naming the plan), check what the journal says is done, re-read the inventory
     and plan again to refuse a plan the world has drifted from, dry-run every step;
  4. run the steps as their dependencies finish (the longest remaining path first), with one shared rate
     limit, retries where they are safe, waits for asynchronous deletions, and a journal.

Interrupted (Ctrl-C), it lets calls in flight finish, writes the journal, releases the lock and prints the
command that resumes; apply on the same plan resumes from the journal. Progress goes to stderr: a live
display on a terminal, one log line per step event otherwise; then a summary by action.

` + exitCodesHelp(exitCodes()),
		Example: "  ipam-teardown apply plan.json\n" +
			"  ipam-teardown apply plan.json --yes --parallelism 16 --qps 20 --report report.json\n" +
			"  ipam-teardown apply plan.json --partial --schedule levels",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("apply: want exactly one plan file, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			path := args[0]
			if path == "-" {
				return usagef("apply: want a plan file, not stdin (the journal goes beside the file, and stdin is for the confirmation)")
			}
			journal := f.journal
			if journal == "" {
				journal = path + ".journal"
			}
			// A report over the plan or the journal would lose the plan or the resume state, even on a refusal.
			if err := checkFiles(fileUse{"PLAN_FILE", path, fileInput}, fileUse{"--journal", journal, fileJournal}, fileUse{"--report", f.report, fileOutput}); err != nil {
				return err
			}
			p, err := readPlanArg(path, nil)
			if err != nil {
				return err
			}
			if err := executor.CheckPlan(p); err != nil {
				return fmt.Errorf("%s: %w", path, err) // before the prompt and any call; exit 2
			}
			// The plan names its region; a different --region is a mistake, not an override.
			if cmd.Flags().Changed("region") && g.region != p.Region {
				return usagef("--region %s: the plan %s is for region %s", g.region, path, p.Region)
			}
			g.region = p.Region
			r := &applyRun{
				g: g, flags: f, plan: p, journal: journal, report: f.report, stdin: cmd.InOrStdin(),
				resume: resumeCommand(programName(os.Args[0]), setGlobals(cmd), path, journal, f.report, f),
				connect: func(ctx context.Context) (*cloudapi.Client, error) {
					return g.client(ctx, f.qps)
				},
				planOptions: planner.OptionsFor(p),
			}
			return r.run(cmd.Context())
		},
	}
	f.register(cmd.Flags())
	return cmd
}

// applyFlags are apply's flags; destroy takes them all, and demo some.
type applyFlags struct {
	yes, partial, failFast, breakLock bool
	parallelism                       int
	qps                               qpsFlag
	schedule                          string
	stepTimeout, lockTTL              time.Duration
	journal, report                   string
}

func defaultApplyFlags() applyFlags {
	return applyFlags{
		parallelism: executor.DefaultParallelism,
		schedule:    string(executor.ScheduleReady),
		stepTimeout: executor.DefaultStepTimeout,
		lockTTL:     executor.DefaultLockTTL,
	}
}

// register adds the flags, with f's values as their defaults.
func (f *applyFlags) register(fs *pflag.FlagSet) {
	fs.BoolVarP(&f.yes, "yes", "y", f.yes, "apply without asking (required when stdin is not a terminal)")
	fs.BoolVar(&f.partial, "partial", f.partial, "run a plan that has blockers: exactly its steps; the blocked IPAMs remain")
	f.registerRun(fs)
	fs.DurationVar(&f.stepTimeout, "step-timeout", f.stepTimeout, "how long one step's retries and waits may take")
	fs.BoolVar(&f.failFast, "fail-fast", f.failFast, "start no further step after the first failure")
	fs.BoolVar(&f.breakLock, "break-lock", f.breakLock, "take over another run's lock on the IPAMs (only when that run is known dead)")
	fs.DurationVar(&f.lockTTL, "lock-ttl", f.lockTTL, "how long the lock tag on the IPAMs stays valid")
	fs.StringVar(&f.journal, "journal", f.journal, "journal `FILE` (default: the plan file + .journal); apply resumes from it")
}

// registerRun adds the flags demo shares: pace, schedule and report.
func (f *applyFlags) registerRun(fs *pflag.FlagSet) {
	fs.IntVar(&f.parallelism, "parallelism", f.parallelism, "calls in flight at once (listings and steps)")
	fs.Var(&f.qps, "qps", qpsUsage)
	fs.StringVar(&f.schedule, "schedule", f.schedule, "ready (a step starts when its dependencies finish, longest path first) or levels (strict waves)")
	fs.StringVar(&f.report, "report", f.report, "write the run's report as JSON to `FILE`, whatever the outcome")
}

// validate checks every flag before any call; a bad value is a usage error naming its flag.
func (f *applyFlags) validate() error {
	switch executor.Schedule(f.schedule) {
	case executor.ScheduleReady, executor.ScheduleLevels:
	default:
		return usagef("--schedule %q: want ready or levels", f.schedule)
	}
	if f.parallelism < 1 {
		return usagef("--parallelism %d: want at least 1", f.parallelism)
	}
	if err := checkQPS(f.qps); err != nil {
		return err
	}
	if f.stepTimeout <= 0 {
		return usagef("--step-timeout %v: want a positive duration", f.stepTimeout)
	}
	if f.lockTTL <= 0 {
		return usagef("--lock-ttl %v: want a positive duration", f.lockTTL)
	}
	return nil // --journal and --report: checkFiles, with the command's other files
}

// checkFilePath refuses a file path whose directory does not exist or that names a directory, so that a typo
// fails before the run rather than when the report is due.
func checkFilePath(flag, path string) error {
	if path == "" {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return usagef("%s %s: is a directory", flag, path)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil {
		return usagef("%s %s: %v", flag, path, err)
	} else if !fi.IsDir() {
		return usagef("%s %s: %s is not a directory", flag, path, filepath.Dir(path))
	}
	return nil
}

// applyRun is one apply of a plan, as apply, destroy and demo run it.
type applyRun struct {
	g       *globalOptions
	flags   applyFlags
	plan    *plans.Plan
	journal string
	report  string // "" writes none
	stdin   io.Reader
	resume  string // the command that resumes an interrupted run
	// connect builds the run's client (one token bucket for every call). apply builds it after the early
	// refusal, so that refusing a plan needs no credentials; destroy has one already.
	connect func(context.Context) (*cloudapi.Client, error)
	// planOptions are the options the drift check plans again with (PlanID set).
	planOptions planner.Options
	// bound are the latency and delete delay of the service when they are known (the demo's emulator); nil
	// measures them in the run (executor.MeasureBound). The report's L is computed with them.
	bound *executor.BoundSettings
	// planned is when this process made the plan from a fresh inventory (destroy, demo); zero for a plan file.
	planned time.Time
	// recreate is the recreate configuration destroy wrote before the run ("" for none); the report names it.
	recreate string
}

// freshPlanAge is how old a plan this process made may be for its apply to skip the drift check.
const freshPlanAge = 30 * time.Second

// skipDrift says whether the drift check would only list again what was just listed, and why: the plan was
// made by this process from an inventory of seconds ago and nobody was asked to confirm, so no time passed in
// which a reviewer could have looked at a world that then changed. The check stays for a plan file (made
// earlier, perhaps reviewed in a pull request) and after a typed confirmation (a person took their time). A
// change made in those seconds by someone else still meets the dry run, which refuses any dependency the plan
// does not clear, and the lock, taken before either.
func skipDrift(planned time.Time, prompted bool, now time.Time) (why string, skip bool) {
	if planned.IsZero() || prompted {
		return "", false
	}
	age := now.Sub(planned)
	if age < 0 || age > freshPlanAge {
		return "", false
	}
	return fmt.Sprintf("drift check skipped: this run made the plan %.1f s ago from a fresh inventory, with no confirmation in between", age.Seconds()), true
}

func (r *applyRun) run(ctx context.Context) error {
	p := r.plan
	start := time.Now()
	out, err := r.g.stderrLog()
	if err != nil {
		return err
	}
	log := out.Logger
	if len(p.Blockers) > 0 {
		if !r.flags.partial {
			return r.refuse(start, &executor.RefusedError{Kind: executor.RefusedBlockers, Msg: executor.BlockersMessage(p)})
		}
		out.Warnf("--partial: running the %s the plan holds; %s held back by %s, and %s",
			count(len(p.Steps), "step"), count(p.Summary.HeldBack, "step"), count(len(p.Blockers), "blocker"), executor.Remaining(p))
	}
	if len(p.Steps) == 0 {
		out.Infof("plan %s has no step: nothing to do", p.PlanID)
		return r.writeReport(r.unstarted(start, executor.RunDone, "the plan has no step"))
	}
	api, err := r.connect(ctx)
	if err != nil {
		return err
	}
	defer r.g.logRate(r.flags.qps, api)
	if r.flags.yes || !isTerminal(r.stdin) {
		out.Text(zerolog.InfoLevel, confirmSummary(p), map[string]any{"plan_id": p.PlanID, "region": p.Region, "account": p.AccountID, "steps": len(p.Steps)})
	}
	if !r.flags.yes && !isTerminal(r.stdin) {
		return r.refuse(start, refusedError{errors.New("stdin is not a terminal: pass --yes to apply without a prompt (nothing was done)")})
	}
	// A plan this process made seconds ago (destroy, demo) was made with this client: its account is the
	// credentials' own, and asking again would compare the answer with itself.
	if r.planned.IsZero() {
		if err := r.checkAccount(ctx, start, api, out); err != nil {
			return err
		}
	}
	if !r.flags.yes {
		// What the operator confirms is shown whatever --log-level says.
		out.Prompt(confirmSummary(p))
		if err := confirmTyped(ctx, r.stdin, out.PromptWriter(), planIPAMs(p, false)); err != nil {
			return errors.Join(err, r.writeReport(r.unstarted(start, outcomeOf(err), err.Error())))
		}
	}

	// The live display only on a terminal with the console format, and not when --log-level hides progress.
	bar := isTerminal(r.g.stderr) && !out.JSON() && out.Enabled(zerolog.InfoLevel)
	prog, elog := newProgress(r.g.stderr, log, len(p.Steps), bar)
	// The drift check's listing lines go where the run's log goes: on a terminal above the live display,
	// through elog; written to stderr beside it, each line was drawn over by the display, which it
	// duplicated.
	listing := out.Lines(zerolog.InfoLevel)
	if bar {
		listing = lineWriter(func(line string) { elog.Info().Msg(line) })
	}
	opts := r.g.pace.on(executor.Options{
		Schedule:    executor.Schedule(r.flags.schedule),
		Parallelism: r.flags.parallelism,
		StepTimeout: r.flags.stepTimeout,
		FailFast:    r.flags.failFast,
		Partial:     r.flags.partial,
		BreakLock:   r.flags.breakLock,
		LockTTL:     r.flags.lockTTL,
		JournalPath: r.journal,
		Replan:      replan.Func(api, p, r.planOptions, r.flags.parallelism, listing),
		OnEvent:     prog.Event,
		Logger:      elog,
	})
	if why, skip := skipDrift(r.planned, !r.flags.yes, time.Now()); skip {
		opts.Replan, opts.DriftSkipped = nil, why
	} else if opts.Replan == nil {
		log.Warn().Msg("apply: the plan names no IPAM to collect again: no drift check")
	}
	stopForce := forceOnSecondInterrupt(ctx, func() {
		prog.Close()
		out.Text(zerolog.WarnLevel, fmt.Sprintf("second interrupt: exiting now, without waiting for the calls in flight or writing the report; "+
			"the journal %s holds every step started (each start is on disk before its call is sent; a call in flight may have run, and the resume confirms it by a read)\nresume with:\n  %s", r.journal, r.resume),
			map[string]any{"journal": r.journal, "resume": r.resume})
		os.Exit(exitFailed)
	})
	rep, err := executor.Apply(ctx, api, p, opts)
	stopForce()
	prog.Close()
	if rep == nil { // the contract says Apply always reports; a missing report must not lose the outcome
		rep = r.unstarted(start, outcomeOf(err), fmt.Sprint(err))
	}
	rep.Bound = r.boundReport(rep, api)
	werr := r.writeReport(rep)
	writeSummaryLog(out, rep)
	if errors.Is(err, executor.ErrInterrupted) {
		r.sayResume(out)
	}
	if err != nil {
		return errors.Join(fmt.Errorf("apply %s: %w", p.PlanID, err), werr)
	}
	return werr
}

// forceOnSecondInterrupt calls force on the second interrupt (SIGINT or SIGTERM) of the run: the first
// cancels ctx, and the executor lets the calls in flight finish (up to its drain timeout); the second must
// not wait for them. The signals main's context catches reach this channel too; an interrupt before it was
// set up (ctx already done) counts as the first. The function it returns stops the watch.
func forceOnSecondInterrupt(ctx context.Context, force func()) (stop func()) {
	// Read before the watch starts: a first interrupt that lands between the two reaches both the context and
	// the channel, and counted twice it would force the exit without the drain.
	seen := 0
	if ctx.Err() != nil {
		seen = 1
	}
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		for {
			select {
			case <-done:
				return
			case <-sig:
				if seen++; seen >= 2 {
					force()
					return
				}
			}
		}
	}()
	return func() {
		signal.Stop(sig)
		close(done)
		<-exited
	}
}

// sayResume tells an interrupted run's user how to go on.
func (r *applyRun) sayResume(out *stderrLog) {
	out.Text(zerolog.WarnLevel, fmt.Sprintf("interrupted: nothing new was started, calls in flight finished, the journal %s holds what was done\nresume with:\n  %s", r.journal, r.resume),
		map[string]any{"journal": r.journal, "resume": r.resume})
}

// outcomeOf names the outcome of a run that ended with err, as the report does; the CLI's own refusals
// (refusedError) are refusals too.
func outcomeOf(err error) executor.RunOutcome {
	if err != nil && !errors.Is(err, executor.ErrInterrupted) && exitCode(err) == exitRefused {
		return executor.RunRefused
	}
	return executor.OutcomeOf(err)
}

// checkAccount asks whose the credentials are before anything else is sent, and refuses a plan made in another
// account: the lock, the drift check and the dry run would otherwise run against IPAMs that are not there
// (or, with the same ids, not the reviewed ones). It is also the run's first call, and cloudapi gives up on an
// endpoint that never answered after a few attempts (cloudapi.UnreachedAttempts), so that a wrong --endpoint
// or no route is said in about a second, not after the lock read's retries (48 s).
func (r *applyRun) checkAccount(ctx context.Context, start time.Time, api *cloudapi.Client, out *stderrLog) error {
	account, err := api.CallerAccount(ctx)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w before any step ran: %w", executor.ErrInterrupted, context.Cause(ctx))
			r.sayResume(out)
		}
		err = fmt.Errorf("checking the credentials' account: %w", err)
		return errors.Join(err, r.writeReport(r.unstarted(start, outcomeOf(err), err.Error())))
	}
	if p := r.plan; p.AccountID != "" && account != p.AccountID {
		return r.refuse(start, refusedError{fmt.Errorf("plan %s was made in account %s, and these credentials are account %s's: "+
			"use the credentials of the plan's account (nothing was done)", p.PlanID, p.AccountID, account)})
	}
	out.Logger.Debug().Str("account", account).Msg("credentials checked against the plan's account")
	return nil
}

// refuse writes the report of a run refused before the executor started and returns err.
func (r *applyRun) refuse(start time.Time, err error) error {
	return errors.Join(err, r.writeReport(r.unstarted(start, executor.RunRefused, err.Error())))
}

// unstarted is the report of a run in which no step started.
func (r *applyRun) unstarted(start time.Time, outcome executor.RunOutcome, msg string) *executor.Report {
	return executor.Unstarted(r.plan, executor.Schedule(r.flags.schedule), start, time.Now(), outcome, msg)
}

// boundReport is L of the run, with the settings it assumed: the known ones (the demo's), or those measured
// in the run's steps; the parallelism and rate limit are the run's flags. L covers the steps this run
// executed, each no longer than its record (executor.RunBound), so that the run cannot beat it. nil when
// nothing can be measured or no step ran.
func (r *applyRun) boundReport(rep *executor.Report, api *cloudapi.Client) *executor.BoundReport {
	var s executor.BoundSettings
	source, note := executor.BoundConfigured, "the emulator's latency and delete delay"
	if r.bound != nil {
		s = *r.bound
	} else {
		var ok bool
		if s, ok = executor.MeasureBound(r.plan, rep.Steps); !ok {
			return nil
		}
		source, note = executor.BoundMeasured, executor.MeasuredNote
	}
	s.Parallelism = r.flags.parallelism
	if q := r.flags.qps; q.auto() {
		note += "; --qps auto: no rate limit assumed"
	} else {
		s.QPS = q.qps
		s.Burst = api.Burst() // the client's bucket: what it lets through at once is not a limit the run met
	}
	return executor.NewRunBoundReport(r.plan, rep.Steps, s, source, note)
}

// writeReport writes the report as indented JSON, whole or not at all.
func (r *applyRun) writeReport(rep *executor.Report) error {
	if r.report == "" {
		return nil
	}
	data, err := json.MarshalIndent(struct {
		*executor.Report
		RecreateConfig string `json:"recreate_config,omitempty"`
	}{rep, r.recreate}, "", "  ")
	if err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	if err := atomicfile.Write(r.report, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("--report %s: %w", r.report, err)
	}
	return nil
}

// planIPAMs lists the IPAMs the plan's steps name, and with blockers those its blockers name too, sorted.
func planIPAMs(p *plans.Plan, blockers bool) []string {
	var ids []string
	for _, s := range p.Steps {
		ids = append(ids, s.IPAMID)
	}
	if blockers {
		for _, bl := range p.Blockers {
			ids = append(ids, bl.IPAMID)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > 0 && ids[0] == "" {
		ids = ids[1:]
	}
	return ids
}

// confirmSummary is what the operator confirms: the plan, its region and account, its steps by action.
func confirmSummary(p *plans.Plan) string {
	var b strings.Builder
	ipams := planIPAMs(p, false)
	fmt.Fprintf(&b, "plan %s (region %s, account %s, created %s): %s in %s on %s %s", p.PlanID, p.Region, p.AccountID,
		p.CreatedAt.Format(time.RFC3339), count(len(p.Steps), "step"), count(p.Summary.Levels, "level"),
		map[bool]string{true: "IPAM", false: "IPAMs"}[len(ipams) == 1], strings.Join(ipams, ", "))
	writeByAction(&b, p.Summary)
	b.WriteString("\n")
	return b.String()
}

// writeByAction lists the summary's step counts by action, in teardown order.
func writeByAction(b *strings.Builder, s plans.Summary) {
	for _, a := range plans.ActionNames() {
		if n := s.ByAction[a]; n > 0 {
			fmt.Fprintf(b, "\n  %-32s %d", a, n)
		}
	}
}

// confirmTyped asks the operator to type the IPAM's id, or yes when the plan tears down several; anything
// else is a refusal. An interrupt (Ctrl-C) cancels the prompt at once (ErrInterrupted, exit 1, nothing done):
// the line is read in a goroutine, since a read of a terminal does not end before Enter; that goroutine is
// left blocked on the read, and the process exits.
func confirmTyped(ctx context.Context, in io.Reader, out io.Writer, ipams []string) error {
	want, prompt := "yes", fmt.Sprintf("Type yes to tear down these %d IPAMs: ", len(ipams))
	if len(ipams) == 1 {
		want, prompt = ipams[0], fmt.Sprintf("Type the IPAM id %s to tear it down: ", ipams[0])
	}
	fmt.Fprint(out, prompt)
	type answer struct {
		line string
		err  error
	}
	read := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(in).ReadString('\n')
		read <- answer{line, err}
	}()
	var line string
	var err error
	select {
	case <-ctx.Done():
		fmt.Fprintln(out)
		return fmt.Errorf("%w at the confirmation: nothing was done", executor.ErrInterrupted)
	case a := <-read:
		line, err = a.line, a.err
	}
	if err != nil && (!errors.Is(err, io.EOF) || line == "") {
		return refusedError{fmt.Errorf("no confirmation (%v): nothing was done", err)}
	}
	if got := strings.TrimSpace(line); got != want {
		return refusedError{fmt.Errorf("confirmation %q is not %q: nothing was done", got, want)}
	}
	return nil
}

// setGlobals lists the global flags the user set, as arguments, so that the resume command reaches the same
// endpoint with the same settings.
func setGlobals(cmd *cobra.Command) []string {
	var args []string
	// InheritedFlags is a fresh set whose Visit sees nothing set; Changed is carried over per flag.
	cmd.InheritedFlags().VisitAll(func(f *pflag.Flag) {
		if !f.Changed {
			return
		}
		if f.Value.Type() == "bool" {
			args = append(args, "--"+f.Name+"="+f.Value.String())
			return
		}
		args = append(args, "--"+f.Name, f.Value.String())
	})
	return args
}

// programName is the program as the user ran it, for the command lines the tool prints: os.Args[0] is what
// the shell was given, ./ipam-teardown after the README's go build, a path, or the bare name it found on
// PATH; the bare name would not run from where ./ipam-teardown did. A go run build (GOTMPDIR's
// go-build*/b001/exe/) is removed when the process exits: then the bare name, as after go install.
func programName(arg0 string) string {
	slash := filepath.ToSlash(arg0)
	if arg0 == "" || strings.Contains(slash, "/go-build") && strings.HasSuffix(path.Dir(slash), "/exe") {
		return "ipam-teardown"
	}
	return arg0
}

// resumeCommand is the command line that resumes a run of the plan at planPath from its journal, with the
// apply flags the run was given (f), so that it runs as printed: without --yes a resume on a pipe or in cron
// is refused, without --report the report is not written, and without --qps or --parallelism it goes at
// another pace. report is the report the run writes ("" none). --break-lock is left out on purpose: the
// resumed run recognises its own lock from the journal, and breaking a lock again, maybe one that another run
// took since, is a decision to make again, not to replay. No flag holds a secret; an --endpoint with a user
// and password in it (globals) is printed without them.
func resumeCommand(program string, globals []string, planPath, journal, report string, f applyFlags) string {
	args := append([]string{program}, redactGlobals(globals)...)
	args = append(args, "apply", planPath)
	if journal != planPath+".journal" {
		args = append(args, "--journal", journal)
	}
	d := defaultApplyFlags()
	for _, b := range []struct {
		set  bool
		flag string
	}{{f.yes, "--yes"}, {f.partial, "--partial"}, {f.failFast, "--fail-fast"}} {
		if b.set {
			args = append(args, b.flag)
		}
	}
	if f.parallelism != d.parallelism {
		args = append(args, "--parallelism", strconv.Itoa(f.parallelism))
	}
	if f.qps != d.qps {
		args = append(args, "--qps", f.qps.String())
	}
	if f.schedule != d.schedule {
		args = append(args, "--schedule", f.schedule)
	}
	if f.stepTimeout != d.stepTimeout {
		args = append(args, "--step-timeout", f.stepTimeout.String())
	}
	if f.lockTTL != d.lockTTL {
		args = append(args, "--lock-ttl", f.lockTTL.String())
	}
	if report != "" {
		args = append(args, "--report", report)
	}
	for i, a := range args {
		args[i] = shellQuote(a)
	}
	return strings.Join(args, " ")
}

// shellQuote quotes an argument for a POSIX shell where it needs it: an argument of letters, digits and
// _@%+=:,./- is left as it is; any other goes in single quotes, where nothing is expanded, and a single quote
// inside it closes the quotes, is written escaped, and opens them again.
func shellQuote(a string) string {
	plain := a != "" && strings.IndexFunc(a, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_@%+=:,./-", r))
	}) < 0
	if plain {
		return a
	}
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}

// redactGlobals drops the user and password from an --endpoint value.
func redactGlobals(globals []string) []string {
	out := slices.Clone(globals)
	for i := 0; i+1 < len(out); i++ {
		if out[i] != "--endpoint" {
			continue
		}
		if u, err := url.Parse(out[i+1]); err == nil && u.User != nil {
			u.User = nil
			out[i+1] = u.String()
		}
	}
	return out
}
