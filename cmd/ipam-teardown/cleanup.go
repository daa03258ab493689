package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ipam-teardown/ipam-teardown/cleanup"
	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/atomicfile"
	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/yamlfile"
)

// cleanupFlags are cleanup's flags; each one given overrides the file.
type cleanupFlags struct {
	config, report, outDir, stsEndpoint string
	apply, orphans, noExport            bool
	regions                             []string
	parallelism                         int
	qps                                 string
	stepTimeout, lockTTL                time.Duration
}

// newCleanupCommand is `ipam-teardown cleanup --config FILE [--apply]`: the scheduled sandbox cleanup.
func newCleanupCommand(g *globalOptions) *cobra.Command {
	f := cleanupFlags{stepTimeout: executor.DefaultStepTimeout, lockTTL: executor.DefaultLockTTL}
	cmd := &cobra.Command{
		Use:   "cleanup --config cleanup.yaml [--apply] [--report FILE] [--out-dir DIR]",
		Short: "Scheduled cleanup: the IPAMs of many accounts and regions that a config selects; a preview unless --apply",
		Long: `cleanup reads a config (YAML; see the README, "Scheduled cleanup") that names regions, accounts (the
caller itself or a RAM role to assume), an allow-list of account ids, selectors (tags, a name pattern,
older_than, an expiry tag) and exclusions (ids, a protect tag).

It first asks Sts GetCallerIdentity which account each entry's credentials lead to; an account that is
not on allowed_accounts refuses the whole run before any other call, and one that cannot be named (a role
that cannot be assumed) fails it before any listing. Then, accounts side by side (each
with its own rate limit), regions one after the other: list the IPAMs, select, and for each selected IPAM
collect, plan, write the plan to --out-dir and dry-run every step. Without --apply that is all: no
mutating call is made, not even the lock tag. With --apply each plan is run as apply runs it (lock,
drift check, dry run, steps, journal); one IPAM's failure does not stop the others.

The report (--report, JSON) says per account, region and IPAM why it was selected or skipped, the plan,
its steps, the outcome, blockers and the time taken. Every stderr line is JSON unless stderr is a terminal
(--log-format).

` + exitCodesHelp(cleanupExitCodes()),
		Example: "  ipam-teardown cleanup --config cleanup.yaml --report preview.json\n" +
			"  ipam-teardown cleanup --config cleanup.yaml --apply --report report.json --out-dir /var/lib/ipam-cleanup/$(date +%F)",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("cleanup takes no arguments, got %q (the config is --config FILE)", args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.load(cmd)
			if err != nil {
				return err
			}
			if err := checkFiles(fileUse{"--config", f.config, fileInput}, fileUse{"--report", f.report, fileOutput}); err != nil {
				return err
			}
			if f.stepTimeout <= 0 {
				return usagef("--step-timeout %v: want a positive duration", f.stepTimeout)
			}
			if f.lockTTL <= 0 {
				return usagef("--lock-ttl %v: want a positive duration", f.lockTTL)
			}
			outDir := f.outDir
			if outDir == "" {
				outDir = "ipam-teardown-cleanup-" + time.Now().UTC().Format("20060102T150405Z")
			}
			if err := os.MkdirAll(outDir, 0o755); err != nil {
				return usagef("--out-dir: %v", err)
			}
			report := f.report
			if report == "" {
				// An out-dir used again the same day keeps the earlier run's report, as it keeps its plans.
				report = unusedName(filepath.Join(outDir, "report.json"))
			}
			if g.endpoint != "" {
				if err := g.validateEndpoint(); err != nil {
					return err
				}
			}
			out, err := g.stderrLog()
			if err != nil {
				return err
			}
			// The command that resumes this run: the same one, into the same out-dir (a reused out-dir resumes
			// each interrupted plan from its journal).
			resume := cleanupResumeCommand(cmd, outDir)
			stopForce := func() {}
			if f.apply {
				stopForce = forceOnSecondInterrupt(cmd.Context(), func() {
					out.Text(zerolog.WarnLevel, fmt.Sprintf("second interrupt: exiting now, without waiting for the calls in flight or writing the report; "+
						"the journals beside the plans in %s hold every step started\nresume with:\n  %s", outDir, resume),
						map[string]any{"out_dir": outDir, "resume": resume})
					os.Exit(exitFailed)
				})
			}
			rep, err := cleanup.Run(cmd.Context(), cfg, cleanup.Options{
				Apply:  f.apply,
				OutDir: outDir,
				Client: cloudapi.Config{Endpoint: g.endpoint, InsecureEndpoint: g.insecureEndpoint, Profile: g.profile,
					QPSAutoStart: g.pace.qpsAutoStart, RetryInitial: g.pace.retryInitial},
				Executor: g.pace.on(executor.Options{
					StepTimeout: f.stepTimeout,
					LockTTL:     f.lockTTL,
				}),
				Logger:      out.Logger,
				ToolVersion: toolVersion(),
				NoExport:    f.noExport,
			})
			stopForce()
			werr := writeCleanupReport(report, rep)
			logCleanupSummary(g, rep, outDir, report)
			if f.apply && cmd.Context().Err() != nil {
				out.Text(zerolog.WarnLevel, fmt.Sprintf("interrupted: the journals beside the plans in %s hold what was done\nresume with:\n  %s", outDir, resume),
					map[string]any{"out_dir": outDir, "resume": resume})
			}
			if errors.Is(err, cleanup.ErrRefused) {
				err = refusedError{err}
			}
			return errors.Join(err, werr)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.config, "config", "", "the cleanup config `FILE` (YAML); required")
	fs.BoolVar(&f.apply, "apply", false, "run the plans (default: a preview that makes no mutating call)")
	fs.BoolVar(&f.noExport, "no-export", false, "with --apply, write no recreate configuration (DIR/.../<ipam>.recreate/main.tf) before each plan runs")
	fs.StringVar(&f.report, "report", "", "write the run's report as JSON to `FILE` (default: DIR/report.json in --out-dir)")
	fs.StringVar(&f.outDir, "out-dir", "", "directory for the plans, journals and report (default ./ipam-teardown-cleanup-<UTC time>/)")
	fs.StringSliceVar(&f.regions, "regions", nil, "region ids (comma-separated), instead of the config's regions (and every account's)")
	fs.IntVar(&f.parallelism, "parallelism", 0, "calls in flight per account, instead of the config's")
	fs.StringVar(&f.qps, "qps", "", "API calls per second per account (a number or auto), instead of the config's")
	fs.BoolVar(&f.orphans, "orphan-discoveries", false, "also delete orphaned custom resource discoveries (as the config's orphan_discoveries: true)")
	fs.StringVar(&f.stsEndpoint, "sts-endpoint", "", "Sts host[:port] for the roles, over HTTPS (default: the config's sts_endpoint, else sts.aliyuncs.com)")
	fs.DurationVar(&f.stepTimeout, "step-timeout", f.stepTimeout, "how long one step's retries and waits may take")
	fs.DurationVar(&f.lockTTL, "lock-ttl", f.lockTTL, "how long the lock tag on an IPAM stays valid")
	return cmd
}

// load reads the config and applies the flags that override it; either fault is a usage error.
func (f *cleanupFlags) load(cmd *cobra.Command) (*cleanup.Config, error) {
	if f.config == "" {
		return nil, usagef("--config is required: the cleanup config file (see the README, \"Scheduled cleanup\")")
	}
	cfg, err := cleanup.LoadConfig(f.config)
	if err != nil {
		var ye *yamlfile.Error
		if errors.As(err, &ye) {
			return nil, usagef("--config: %v", err)
		}
		return nil, usagef("--config %s: %v", f.config, err)
	}
	fl := cmd.Flags()
	if fl.Changed("regions") {
		for _, r := range f.regions {
			if !catalog.HasRegion(catalog.ProductVpcIpam, r) {
				return nil, usagef("--regions: %q is not a region id where VpcIpam is served (%s)", r, strings.Join(catalog.Regions(catalog.ProductVpcIpam), ", "))
			}
		}
		cfg.Regions = f.regions
		for i := range cfg.Accounts {
			cfg.Accounts[i].Regions = nil
		}
	}
	if fl.Changed("parallelism") {
		if f.parallelism < 1 {
			return nil, usagef("--parallelism %d: want at least 1", f.parallelism)
		}
		cfg.Parallelism = f.parallelism
		for i := range cfg.Accounts {
			cfg.Accounts[i].Parallelism = 0
		}
	}
	if fl.Changed("qps") {
		if _, _, err := cleanup.ParseQPS(f.qps); err != nil || strings.TrimSpace(f.qps) == "" {
			return nil, usagef("--qps %q: want auto or a number of calls a second of at least 0.1", f.qps)
		}
		cfg.QPS = f.qps
		for i := range cfg.Accounts {
			cfg.Accounts[i].QPS = ""
		}
	}
	if f.orphans {
		cfg.OrphanDiscoveries = true
	}
	if fl.Changed("sts-endpoint") {
		if err := cloudapi.ValidateStsEndpoint(f.stsEndpoint); err != nil && f.stsEndpoint != "" {
			return nil, usagef("--sts-endpoint: %v", err)
		}
		cfg.StsEndpoint = f.stsEndpoint
	}
	// The flags must leave a valid config too (--regions nosuch).
	if err := cfg.Validate(); err != nil {
		return nil, usagef("--config with the flags given: %v", err)
	}
	return cfg, nil
}

// writeCleanupReport writes the report as indented JSON, whole or not at all; path "" writes none.
func writeCleanupReport(path string, rep *cleanup.Report) error {
	if path == "" || rep == nil {
		return nil
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	if path == "-" {
		_, err = os.Stdout.Write(append(data, '\n'))
		return err
	}
	if err := atomicfile.Write(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("--report %s: %w", path, err)
	}
	return nil
}

// logCleanupSummary logs one line per IPAM that was selected, and the totals.
func logCleanupSummary(g *globalOptions, rep *cleanup.Report, outDir, report string) {
	log, err := g.logger()
	if err != nil || rep == nil {
		return
	}
	counts := map[string]int{}
	for _, ar := range rep.Accounts {
		for _, rr := range ar.Regions {
			for _, ir := range rr.IPAMs {
				counts[ir.Outcome]++
			}
		}
	}
	ev := log.Info().Str("outcome", rep.Outcome).Bool("apply", rep.Apply).Str("out_dir", outDir).Str("report", report).Dur("took_ms", rep.End.Sub(rep.Start))
	for k, n := range counts {
		ev = ev.Int("ipams_"+strings.ReplaceAll(k, "-", "_"), n)
	}
	ev.Msg("cleanup finished")
}

// cleanupResumeCommand is the command line that resumes an interrupted cleanup: the program as run, the global
// flags and cleanup's flags as given, and --out-dir named (its default is a new directory each run).
func cleanupResumeCommand(cmd *cobra.Command, outDir string) string {
	args := append([]string{programName(os.Args[0])}, redactGlobals(setGlobals(cmd))...)
	args = append(args, "cleanup")
	cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
		switch {
		case !f.Changed || f.Name == "out-dir":
		case f.Value.Type() == "bool":
			args = append(args, "--"+f.Name+"="+f.Value.String())
		default:
			args = append(args, "--"+f.Name, f.Value.String())
		}
	})
	args = append(args, "--out-dir", outDir)
	for i, a := range args {
		args[i] = shellQuote(a)
	}
	return strings.Join(args, " ")
}
