package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
	"github.com/ipam-teardown/ipam-teardown/planner"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// newDestroyCommand is `ipam-teardown destroy`: inventory, plan, show, confirm and apply in one command, with
// the plan, journal and report kept in an output directory for audit.
func newDestroyCommand(g *globalOptions) *cobra.Command {
	var (
		sel    selectorFlags
		po     planOptionFlags
		outDir string
	)
	var noExport bool
	f := defaultApplyFlags()
	cmd := &cobra.Command{
		Use:   "destroy --region R (--ipam ID ... | --tag k=v ... | --all) [plan options] [apply options] [--out-dir DIR]",
		Short: "Inventory, plan, show, confirm and apply in one command; the plan, journal and report are kept",
		Long: `destroy does what inventory, plan, show and apply do one after the other: it lists what the selected
IPAMs hold, plans their teardown, prints the plan as show does, asks for confirmation and applies it.
The plan (plan.json), its journal (plan.json.journal) and the run's report (report.json) are written to
--out-dir (default ./ipam-teardown-<plan id>/), so the run can be audited, and resumed after an interrupt
with: ipam-teardown apply DIR/plan.json.

It takes the plan options of plan (--exclude, --protect-tag, --keep-vpc-allocations, --keep-discoveries)
and every flag of apply.

` + exitCodesHelp(exitCodes()),
		Example: "  ipam-teardown destroy --region cn-hangzhou --ipam ipam-abc\n" +
			"  ipam-teardown destroy --region cn-hangzhou --tag env=sandbox --protect-tag keep --partial --yes --out-dir audit/",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("destroy takes no arguments, got %q (select IPAMs with --ipam, --tag, --name, --older-than or --all)", args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			if err := po.validate(cmd.Flags()); err != nil {
				return err
			}
			s, err := sel.selector()
			if err != nil {
				return err
			}
			return runDestroy(cmd.Context(), g, destroyRun{
				sel: s, po: po, flags: f, outDir: outDir, stdin: cmd.InOrStdin(), globals: setGlobals(cmd),
				client: g.client, noExport: noExport,
			})
		},
	}
	sel.register(cmd.Flags())
	po.register(cmd.Flags())
	f.register(cmd.Flags())
	cmd.Flags().StringVar(&outDir, "out-dir", "", "directory for the plan, journal and report (default ./ipam-teardown-<plan id>/)")
	cmd.Flags().BoolVar(&noExport, "no-export", false, "do not write recreate.tf, the Terraform configuration that builds the IPAMs again, beside the plan")
	return cmd
}

// destroyRun is one destroy, as the command and the demo run it.
type destroyRun struct {
	sel     inventory.Selector
	po      planOptionFlags
	flags   applyFlags
	outDir  string
	stdin   io.Reader
	globals []string // the global flags set, for the resume command
	resume  string   // the resume hint; "" builds the apply command from globals
	client  func(ctx context.Context, qps qpsFlag) (*cloudapi.Client, error)
	bound   *executor.BoundSettings // the service's latency and delete delay when known (applyRun.bound)
	// noExport skips recreate.tf, the configuration that builds what the run deletes again (--no-export).
	noExport bool
}

func runDestroy(ctx context.Context, g *globalOptions, d destroyRun) error {
	if d.outDir != "" {
		if err := checkOutDir("--out-dir", d.outDir); err != nil {
			return err
		}
		if _, err := os.Stat(filepath.Join(d.outDir, "plan.json")); err == nil {
			return usagef("--out-dir %s already holds a plan.json: choose another directory (to resume that run: ipam-teardown apply %s)",
				d.outDir, filepath.Join(d.outDir, "plan.json"))
		}
	}
	// The default out-dir is named after the plan id, known only after the reads: its files are checked
	// again then, before anything is written.
	if err := d.checkFiles(d.outDir); err != nil {
		return err
	}
	out, err := g.stderrLog()
	if err != nil {
		return err
	}
	api, err := d.client(ctx, d.flags.qps)
	if err != nil {
		return err
	}
	snap, err := collect.Collect(ctx, api, d.sel, collect.Options{Parallelism: d.flags.parallelism, Progress: out.Lines(zerolog.InfoLevel)})
	if err != nil {
		return err
	}
	if len(snap.IPAMs) == 0 {
		// As plan: a typo in a scheduled job's tag must not end "done" with an empty plan.
		return usagef("no IPAM in %s matches the selection: nothing to destroy, nothing written", snap.Region)
	}
	p, err := d.po.build(snap)
	if err != nil {
		return err
	}
	planned := time.Now()
	dir := d.outDir
	if dir == "" {
		dir = "ipam-teardown-" + p.PlanID
		if err := d.checkFiles(dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usagef("--out-dir: %v", err)
	}
	planPath := filepath.Join(dir, "plan.json")
	if err := plans.WriteFile(planPath, p); err != nil {
		return fmt.Errorf("--out-dir: %w", err)
	}
	if err := plans.Render(g.stdout, p, "text"); err != nil {
		return err
	}
	out.Text(zerolog.InfoLevel, fmt.Sprintf("plan %s saved to %s", p.PlanID, planPath), map[string]any{"plan_id": p.PlanID, "output": planPath})
	recreate, err := recreateBeforeTeardown(out, snap, filepath.Join(dir, "recreate.tf"), d.noExport)
	if err != nil {
		return err
	}

	_, journal, report := d.files(dir)
	resume := d.resume
	if resume == "" {
		resume = resumeCommand(programName(os.Args[0]), d.globals, planPath, journal, report, d.flags)
	}
	r := &applyRun{
		g: g, flags: d.flags, plan: p, journal: journal, report: report, stdin: d.stdin, resume: resume,
		connect:     func(context.Context) (*cloudapi.Client, error) { return api, nil },
		planOptions: planner.OptionsFor(p), bound: d.bound, planned: planned, recreate: recreate,
	}
	return r.run(ctx)
}

// files are the plan, journal and report of a destroy into dir ("": not known yet), as runDestroy names them.
func (d destroyRun) files(dir string) (plan, journal, report string) {
	journal, report = d.flags.journal, d.flags.report
	if dir == "" {
		return "", journal, report
	}
	plan = filepath.Join(dir, "plan.json")
	if journal == "" {
		journal = plan + ".journal"
	}
	if report == "" {
		report = filepath.Join(dir, "report.json")
	}
	return plan, journal, report
}

// checkFiles checks the files of a destroy into dir before anything is written: the report is not the plan,
// the journal or the recreate configuration (the way back, which a report written over it would lose), and no
// output replaces an interrupted run's plan and journal.
func (d destroyRun) checkFiles(dir string) error {
	plan, journal, report := d.files(dir)
	// The defaults are in the out-dir, made after the reads.
	journalRole, reportRole := fileJournal, fileOutput
	if d.flags.journal == "" {
		journalRole = fileLater
	}
	if d.flags.report == "" {
		reportRole = fileLater
	}
	files := []fileUse{{"the plan", plan, fileLater}}
	if !d.noExport && dir != "" {
		files = append(files, fileUse{"the recreate configuration", filepath.Join(dir, "recreate.tf"), fileLater})
	}
	return checkFiles(append(files, fileUse{"--journal", journal, journalRole}, fileUse{"--report", report, reportRole})...)
}
