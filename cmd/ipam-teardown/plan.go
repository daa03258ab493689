package main

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
	"github.com/ipam-teardown/ipam-teardown/planner"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// newPlanCommand is `ipam-teardown plan`: it collects the inventory of the selected IPAMs (or reads one
// written by `inventory -o`), builds the teardown plan and writes the plan file. It makes read calls only.
func newPlanCommand(g *globalOptions) *cobra.Command {
	var (
		sel           selectorFlags
		po            planOptionFlags
		output        string
		fromInventory string
		parallelism   int
		qps           qpsFlag
	)
	cmd := &cobra.Command{
		Use:   "plan --region R (--ipam ID | --tag k=v ... [--older-than DUR] | --all) [--exclude ID ...] [--protect-tag K[=V]] -o plan.json",
		Short: "Plan the teardown of the selected IPAMs (read-only) and write the plan file",
		Long: `plan lists everything the selected IPAMs hold, orders the calls that remove it by the documented
prerequisites, and writes the plan file that show renders for review and apply executes. Resources the tool must not
or cannot remove (an IPv6 VPC allocation, another account's pool, an excluded or protected resource, one
in a transitional status) are listed as blockers, and the steps that need them gone are held back.
It makes no mutating call. A summary goes to stderr.`,
		Example: "  ipam-teardown plan --region cn-hangzhou --ipam ipam-abc -o plan.json\n" +
			"  ipam-teardown plan --region cn-hangzhou --tag env=sandbox --older-than 72h --protect-tag keep -o plan.json\n" +
			"  ipam-teardown plan --from-inventory snapshot.json --exclude ipam-pool-xyz -o plan.json",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("plan takes no arguments, got %q (select IPAMs with --ipam, --tag, --name, --older-than or --all)", args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output == "" {
				return usagef("-o FILE is required: the plan is a file to review and apply (-o - for stdout)")
			}
			if parallelism < 1 {
				return usagef("--parallelism %d: want at least 1", parallelism)
			}
			if err := checkQPS(qps); err != nil {
				return err
			}
			if err := po.validate(cmd.Flags()); err != nil {
				return err
			}
			if err := checkFiles(fileUse{"--from-inventory", fromInventory, fileInput}, fileUse{"-o", output, fileOutput}); err != nil {
				return err
			}
			var snap *inventory.Snapshot
			what := ""
			if fromInventory != "" {
				if sel.given() {
					return usagef("--from-inventory %s: the snapshot already holds its selection; drop --ipam/--tag/--name/--older-than/--all", fromInventory)
				}
				var err error
				if snap, err = readSnapshot(fromInventory); err != nil {
					return err
				}
				// The snapshot holds its region; a different --region given with it would be silently
				// ignored, and the user would plan another region than the one they named.
				if cmd.Flags().Changed("region") && g.region != snap.Region {
					return usagef("--region %s: the snapshot %s is of region %s; drop --region or collect a new inventory", g.region, fromInventory, snap.Region)
				}
				what = "the snapshot " + fromInventory
			} else {
				s, err := sel.selector()
				if err != nil {
					return err
				}
				if snap, err = g.collectLive(cmd.Context(), s, qps, parallelism); err != nil {
					return err
				}
				what = sel.describe()
			}
			if len(snap.IPAMs) == 0 {
				// An empty plan would be written and summarised as if something had been planned.
				return usagef("no IPAM in %s matches %s: nothing to plan, no plan written", snap.Region, what)
			}
			p, err := po.build(snap)
			if err != nil {
				return err
			}
			if isStdout(output) {
				if err := plans.Write(g.stdout, p); err != nil {
					return fmt.Errorf("-o -: %w", err)
				}
			} else if err := plans.WriteFile(output, p); err != nil {
				return fmt.Errorf("-o %s: %w", output, err)
			}
			return writePlanSummary(g, p, output)
		},
	}
	sel.register(cmd.Flags())
	po.register(cmd.Flags())
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", "", "write the plan to FILE (required)")
	f.StringVar(&fromInventory, "from-inventory", "", "plan from the snapshot `FILE` that inventory -o wrote, instead of collecting one")
	f.IntVar(&parallelism, "parallelism", collect.DefaultParallelism, "concurrent listing calls")
	f.Var(&qps, "qps", qpsUsage)
	return cmd
}

// planOptionFlags are the planning choices, shared by plan and destroy.
type planOptionFlags struct{ opts planner.Options }

func (f *planOptionFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&f.opts.Exclude, "exclude", nil, "resource id the plan must not touch, with everything in it (repeatable)")
	fs.StringVar(&f.opts.ProtectTag, "protect-tag", "", "keep every IPAM, scope, pool and discovery with this tag: KEY or KEY=VALUE")
	fs.BoolVar(&f.opts.KeepVPCAllocations, "keep-vpc-allocations", false, "report VPC allocations as blockers instead of releasing them")
	fs.BoolVar(&f.opts.KeepDiscoveries, "keep-discoveries", false, "keep the caller's custom resource discoveries (they are still dissociated)")
}

// validate checks the flags before any call; a bad value is a usage error naming its flag.
func (f *planOptionFlags) validate(fs *pflag.FlagSet) error {
	if k, v, hasValue := strings.Cut(f.opts.ProtectTag, "="); fs.Changed("protect-tag") && k == "" {
		return usagef("--protect-tag %q: want KEY or KEY=VALUE", f.opts.ProtectTag)
	} else if hasValue && strings.TrimSpace(v) == "" {
		// KEY= protects only what carries KEY with an empty value: --protect-tag keep=$KEEP with KEEP unset
		// would let the plan delete every resource tagged keep=true.
		return usagef("--protect-tag %q: the value of %q is empty (an unset shell variable?): it would protect only resources whose %s is empty; name the value, or give %s alone for any value",
			f.opts.ProtectTag, k, k, k)
	}
	for _, id := range f.opts.Exclude {
		if strings.TrimSpace(id) == "" {
			return usagef("--exclude: empty resource id")
		}
		if !excludeIDShape(id) {
			return usagef("--exclude %q: not a resource id (want an id such as ipam-pool-xxx, ipam-scope-xxx, ipam-res-disco-xxx, rs-xxx, an account id, POOL_ID/CIDR or SHARE_ID/RESOURCE_ID)", id)
		}
	}
	return nil
}

// excludeIDShape reports whether id has the shape of something --exclude can name: a resource id
// (lower-case prefix, then hyphenated alphanumeric parts: ipam-pool-1a2b, rs-xyz, fd-abc), an account id
// (digits), a pool's CIDR (POOL_ID/CIDR) or a share association (SHARE_ID/RESOURCE_ID). A tag (env=prod),
// a list (a,b), a name with spaces or a bare CIDR is a mistake to report before any call, not an id to
// look for in a minutes-long inventory.
func excludeIDShape(id string) bool {
	head, tail, composite := strings.Cut(id, "/")
	if !composite {
		return resourceIDShape(id) || accountIDShape(id)
	}
	if !resourceIDShape(head) {
		return false
	}
	if _, err := netip.ParsePrefix(tail); err == nil {
		return true
	}
	return resourceIDShape(tail) || accountIDShape(tail)
}

// resourceIDShape: "prefix-part[-part...]", the prefix a lower-case letter then lower-case letters or digits,
// each part letters or digits.
func resourceIDShape(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 2 || parts[0] == "" || parts[0][0] < 'a' || parts[0][0] > 'z' {
		return false
	}
	for i, p := range parts {
		if p == "" {
			return false
		}
		for _, c := range p {
			lower, digit, upper := c >= 'a' && c <= 'z', c >= '0' && c <= '9', c >= 'A' && c <= 'Z'
			if !lower && !digit && (i == 0 || !upper) {
				return false
			}
		}
	}
	return true
}

// accountIDShape: an account id is digits only (16 of them at Alibaba Cloud; any length here).
func accountIDShape(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// options are the planner options of the flags, stamped with this tool's version.
func (f *planOptionFlags) options() planner.Options {
	o := f.opts
	o.ToolVersion = toolVersion()
	return o
}

// build plans snap with the flags' options; an --exclude id the inventory lacks is a usage error.
func (f *planOptionFlags) build(snap *inventory.Snapshot) (*plans.Plan, error) {
	p, err := planner.Build(snap, f.options())
	if err != nil {
		if e, ok := errors.AsType[*planner.ExcludeError](err); ok {
			return nil, usagef("--exclude %s: no resource with this id in the inventory of %s; no plan written (a typo must not leave the resource it meant unprotected)", e.ID, e.Region)
		}
		return nil, err
	}
	return p, nil
}

// readSnapshot reads the --from-inventory file; any fault is a usage error naming it.
func readSnapshot(path string) (*inventory.Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("--from-inventory: %v", err)
	}
	defer f.Close()
	snap, err := inventory.ReadSnapshot(f, path)
	if err != nil {
		return nil, usageError{fmt.Errorf("--from-inventory: %w", err)}
	}
	return snap, nil
}

// describe names the selection the flags make, for a message: `--name "x" --tag env=y`.
func (f *selectorFlags) describe() string {
	var parts []string
	for _, id := range f.ipams {
		parts = append(parts, "--ipam "+id)
	}
	for _, kv := range f.tags {
		parts = append(parts, fmt.Sprintf("--tag %q", kv))
	}
	if f.name != "" {
		parts = append(parts, fmt.Sprintf("--name %q", f.name))
	}
	if f.olderThan != "" {
		parts = append(parts, "--older-than "+f.olderThan)
	}
	if f.all {
		parts = append(parts, "--all")
	}
	return strings.Join(parts, " ")
}

// given reports whether any selector flag was set.
func (f *selectorFlags) given() bool {
	return len(f.ipams) > 0 || len(f.tags) > 0 || f.name != "" || f.olderThan != "" || f.all
}

// writePlanSummary writes what plan wrote where, at info level: the steps by action and the blockers.
func writePlanSummary(g *globalOptions, p *plans.Plan, path string) error {
	out, err := g.stderrLog()
	if err != nil {
		return err
	}
	s := p.Summary
	var b strings.Builder
	dest := path
	if isStdout(path) {
		dest = "stdout"
	}
	fmt.Fprintf(&b, "plan %s written to %s: %s in %s", p.PlanID, dest, count(s.Steps, "step"), count(s.Levels, "level"))
	writeByAction(&b, s)
	if s.Blockers > 0 {
		hold, leave := "hold", "leave"
		if s.Blockers == 1 {
			hold, leave = "holds", "leaves"
		}
		fmt.Fprintf(&b, "\n%s %s back %s", count(s.Blockers, "blocker"), hold, count(s.HeldBack, "step"))
		pruned := 0
		for _, bl := range p.Blockers {
			pruned += len(bl.Pruned)
		}
		if pruned > 0 {
			// Releases, unshares and the like that served only held-back steps: the resources they would
			// change stay, so the plan leaves them alone.
			fmt.Fprintf(&b, " and %s %s out that only cleared the way for them", leave, count(pruned, "step"))
		}
		b.WriteString(":")
		for _, bl := range p.Blockers {
			fmt.Fprintf(&b, "\n  %s %s: %s", bl.ResourceType, bl.ResourceID, bl.Reason)
		}
	}
	if isStdout(path) {
		b.WriteString("\nreview it with: ipam-teardown show PLAN_FILE (or pipe it to ipam-teardown show -)\n")
	} else {
		fmt.Fprintf(&b, "\nreview it with: ipam-teardown show %s\n", path)
	}
	out.Text(zerolog.InfoLevel, b.String(), map[string]any{
		"plan_id": p.PlanID, "output": dest, "steps": s.Steps, "levels": s.Levels, "blockers": s.Blockers, "held_back": s.HeldBack,
	})
	return nil
}

// count is "1 step", "2 steps".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
