package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ipam-teardown/ipam-teardown/internal/atomicfile"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
)

// newInventoryCommand is `ipam-teardown inventory`: it lists what the selected IPAMs hold and writes the
// snapshot as JSON (or a readable tree). It makes read calls only.
func newInventoryCommand(g *globalOptions) *cobra.Command {
	var (
		sel         selectorFlags
		output      string
		format      = "json"
		parallelism int
		qps         qpsFlag
	)
	cmd := &cobra.Command{
		Use:   "inventory --region R (--ipam ID | --tag k=v ... | --name N | --older-than DUR | --all) [-o FILE]",
		Short: "List everything the selected IPAMs hold (read-only) as a JSON snapshot or a tree",
		Long: `inventory lists, for each selected IPAM of the region: its scopes, the whole pool tree, each pool's
CIDRs and allocations, resource discoveries and their associations, the share associations of the
caller's pools and discoveries, the IPAM members, tags, and the caller's account id. It makes no
mutating call. Progress goes to stderr, the snapshot to stdout or -o FILE.`,
		Example: "  ipam-teardown inventory --region cn-hangzhou --ipam ipam-abc -o snapshot.json\n" +
			"  ipam-teardown inventory --region cn-hangzhou --tag env=sandbox --format text",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("inventory takes no arguments, got %q (select IPAMs with --ipam, --tag, --name, --older-than or --all)", args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "json" && format != "text" {
				return usagef("--format %q: want json or text", format)
			}
			if parallelism < 1 {
				return usagef("--parallelism %d: want at least 1", parallelism)
			}
			if err := checkQPS(qps); err != nil {
				return err
			}
			if err := checkFiles(fileUse{"-o", output, fileOutput}); err != nil {
				return err
			}
			s, err := sel.selector()
			if err != nil {
				return err
			}
			snap, err := g.collectLive(cmd.Context(), s, qps, parallelism)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if format == "text" {
				err = inventory.WriteText(&buf, snap)
			} else {
				var data []byte
				data, err = snap.CanonicalJSON()
				buf.Write(data)
			}
			if err != nil {
				return err
			}
			if len(snap.IPAMs) == 0 {
				// An empty snapshot is a true answer, but say so: the summary would otherwise count the
				// region's discoveries and members as if something had been found.
				if out, err := g.stderrLog(); err == nil {
					out.Warnf("inventory: no IPAM in %s matches the selection (%s)\n", snap.Region, sel.describe())
				}
			}
			return writeOutput(output, g.stdout, buf.Bytes())
		},
	}
	sel.register(cmd.Flags())
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the snapshot to FILE instead of stdout")
	cmd.Flags().StringVar(&format, "format", format, "json or text")
	cmd.Flags().IntVar(&parallelism, "parallelism", collect.DefaultParallelism, "concurrent listing calls")
	cmd.Flags().Var(&qps, "qps", qpsUsage)
	return cmd
}

// isStdout reports whether an output path means stdout: "-" (and the empty default of inventory's -o).
func isStdout(path string) bool { return path == "" || path == "-" }

// checkOutput checks, before any call, that the output flag's path can be written: its directory exists and
// takes a new file, and the path is not a directory. A run of minutes must not end in an error about a
// missing directory, and the message names the path given, not a temporary file. checkFiles calls it.
func checkOutput(flag, path string) error {
	if isStdout(path) {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return usagef("%s %s: is a directory", flag, path)
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return usagef("%s %s: directory %s does not exist", flag, path, dir)
	case err != nil:
		return usagef("%s %s: %v", flag, path, err)
	case !fi.IsDir():
		return usagef("%s %s: %s is not a directory", flag, path, dir)
	}
	// The write is a temporary file then a rename: try the first half now.
	probe, err := os.CreateTemp(dir, ".ipam-teardown-probe-*")
	if err != nil {
		return usagef("%s %s: cannot create a file in %s: %v", flag, path, dir, cause(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

// cause is the error under a *fs.PathError, whose path would name a temporary file rather than the one given.
func cause(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}

// writeOutput writes data to path, or to stdout when path is "" or "-". A file is written whole or not at
// all (temporary file, then rename).
func writeOutput(path string, stdout io.Writer, data []byte) error {
	if isStdout(path) {
		_, err := stdout.Write(data)
		return err
	}
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		// checkOutput passed, so the directory changed under the run: a failure, named by the path given.
		return fmt.Errorf("-o %s: %w", path, cause(err))
	}
	return nil
}
