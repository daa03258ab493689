package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/ipam-teardown/ipam-teardown/internal/atomicfile"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
	"github.com/ipam-teardown/ipam-teardown/tfexport"
)

// newExportCommand is `ipam-teardown export`: the inventory as Terraform configuration for the aliyun/alicloud
// provider, to build the IPAM again after a teardown (recreate) or to bring it under Terraform (adopt). It
// makes read calls only.
func newExportCommand(g *globalOptions) *cobra.Command {
	var (
		sel           selectorFlags
		output        string
		mode          = string(tfexport.Recreate)
		fromInventory string
		parallelism   int
		qps           qpsFlag
	)
	cmd := &cobra.Command{
		Use:   "export --region R (--ipam ID | --tag k=v ... | --name N | --older-than DUR | --all | --from-inventory FILE) [--mode recreate|adopt] [-o FILE|DIR/]",
		Short: "Write the selected IPAMs as Terraform configuration (aliyun/alicloud): the way back after a teardown",
		Long: `export writes what the selected IPAMs hold as Terraform configuration for Alibaba Cloud's provider
(aliyun/alicloud): the IPAM with its operating regions, custom scopes, the pool tree (source pools, pool
regions, masks, auto-import, IP version), every pool CIDR, the custom allocations, the custom resource
discoveries, with names, descriptions and tags. Resources refer to each other (no ids), and a child pool
depends on its source pool's CIDRs and an allocation on its pool's CIDRs, so that one apply builds them in
order.

--mode recreate (the default) builds the tree again in an account without it. --mode adopt adds import
blocks with the live ids: terraform plan then shows only imports, and the IPAM is managed instead of
deleted. What the provider cannot express (VPC allocations, IPAM members, discovery associations, shares)
is a comment block at the top of the configuration, each with the reason, and is listed on stderr.

-o FILE writes one file; -o DIR/ (an existing directory, or a path ending in /) writes providers.tf and a
file per IPAM, which must not overwrite .tf files already there. Without -o the configuration goes to
stdout. It makes no mutating call.`,
		Example: "  ipam-teardown export --region cn-hangzhou --ipam ipam-abc -o sandbox.tf\n" +
			"  ipam-teardown export --from-inventory snapshot.json --mode adopt -o ipam/",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("export takes no arguments, got %q (select IPAMs with --ipam, --tag, --name, --older-than or --all, or give --from-inventory)", args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := tfexport.ParseMode(mode)
			if err != nil {
				return usagef("--mode: %v", err)
			}
			if parallelism < 1 {
				return usagef("--parallelism %d: want at least 1", parallelism)
			}
			if err := checkQPS(qps); err != nil {
				return err
			}
			dir := exportToDir(output)
			if dir {
				if err := checkExportDir(output); err != nil {
					return err
				}
			} else if err := checkFiles(fileUse{"--from-inventory", fromInventory, fileInput}, fileUse{"-o", output, fileOutput}); err != nil {
				return err
			}
			out, err := g.stderrLog()
			if err != nil {
				return err
			}
			var snap *inventory.Snapshot
			if fromInventory != "" {
				if sel.given() {
					return usagef("--from-inventory %s: the snapshot already holds its selection; drop --ipam/--tag/--name/--older-than/--all", fromInventory)
				}
				if snap, err = readSnapshot(fromInventory); err != nil {
					return err
				}
				if cmd.Flags().Changed("region") && g.region != snap.Region {
					return usagef("--region %s: the snapshot %s is of region %s; drop --region or collect a new inventory", g.region, fromInventory, snap.Region)
				}
			} else {
				s, err := sel.selector()
				if err != nil {
					return err
				}
				if snap, err = g.collectLive(cmd.Context(), s, qps, parallelism); err != nil {
					return err
				}
			}
			if len(snap.IPAMs) == 0 {
				out.Warnf("export: no IPAM in %s in the selection: the configuration holds the region's discoveries only", snap.Region)
			}
			e, err := tfexport.Build(snap, m)
			if err != nil {
				return err
			}
			if dir {
				err = writeExportDir(output, e.Files())
			} else {
				err = writeOutput(output, g.stdout, e.File())
			}
			if err != nil {
				return err
			}
			sayOmitted(out, e.Omitted)
			return nil
		},
	}
	sel.register(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&mode, "mode", mode, "recreate (build the tree again) or adopt (import blocks with the live ids)")
	f.StringVarP(&output, "output", "o", "", "write the configuration to FILE, or to DIR/ as a file per IPAM (default stdout)")
	f.StringVar(&fromInventory, "from-inventory", "", "export the snapshot `FILE` that inventory -o wrote, instead of collecting one")
	f.IntVar(&parallelism, "parallelism", collect.DefaultParallelism, "concurrent listing calls")
	f.Var(&qps, "qps", qpsUsage)
	return cmd
}

// exportToDir reports whether -o asks for a directory: an existing one, or a path ending in a separator.
func exportToDir(output string) bool {
	if isStdout(output) {
		return false
	}
	if strings.HasSuffix(output, "/") || strings.HasSuffix(output, string(filepath.Separator)) {
		return true
	}
	fi, err := os.Stat(output)
	return err == nil && fi.IsDir()
}

// checkExportDir checks, before any call, that -o DIR/ can take the files and holds no .tf file: Terraform
// reads every .tf file of a directory, so one left there would join (or clash with) the new configuration.
// A directory that does not exist yet is made when the files are written, so that a refused run leaves none
// behind; the nearest part of it that exists must be a directory.
func checkExportDir(dir string) error {
	if fi, err := os.Stat(dir); err != nil {
		return checkOutDir("-o", dir)
	} else if !fi.IsDir() {
		return usagef("-o %s: is a file, not a directory", dir)
	}
	old, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return usagef("-o %s: %v", dir, err)
	}
	if len(old) > 0 {
		return usagef("-o %s: holds %s already; Terraform would read it with the export: choose an empty directory", dir, filepath.Base(old[0]))
	}
	probe, err := os.CreateTemp(dir, ".ipam-teardown-probe-*")
	if err != nil {
		return usagef("-o %s: cannot create a file in it: %v", dir, cause(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

func writeExportDir(dir string, files []tfexport.File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("-o %s: %w", dir, cause(err))
	}
	for _, f := range files {
		if err := atomicfile.Write(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return fmt.Errorf("-o %s: %w", dir, cause(err))
		}
	}
	return nil
}

// sayOmitted lists on stderr what the configuration leaves out, as its header comment does.
func sayOmitted(out *stderrLog, omitted []tfexport.Omission) {
	if len(omitted) == 0 {
		return
	}
	lines := make([]string, 0, len(omitted))
	for _, o := range omitted {
		lines = append(lines, "  - "+o.String())
	}
	out.Text(zerolog.WarnLevel, fmt.Sprintf("export: %d thing(s) not in the configuration (listed at its top too):\n%s", len(omitted), strings.Join(lines, "\n")),
		map[string]any{"omitted": len(omitted)})
}

// recreateBeforeTeardown writes the recreate configuration of snap to path before a teardown's first
// mutating call, says so and lists what it leaves out; noExport (--no-export) skips it and returns "". An
// error stops the teardown before anything is deleted: the way back is the point.
func recreateBeforeTeardown(out *stderrLog, snap *inventory.Snapshot, path string, noExport bool) (string, error) {
	if noExport {
		return "", nil
	}
	omitted, err := tfexport.WriteRecreate(snap, path)
	if err != nil {
		return "", fmt.Errorf("recreate configuration %s (nothing was deleted; --no-export skips it): %w", path, cause(err))
	}
	out.Text(zerolog.InfoLevel, fmt.Sprintf("recreate configuration saved to %s (terraform apply builds the selected tree again as it was listed, what this run keeps included)", path),
		map[string]any{"recreate_config": path})
	sayOmitted(out, omitted)
	return path, nil
}
