package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

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
		qps         float64
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
			s, err := sel.selector()
			if err != nil {
				return err
			}
			api, err := g.client(cmd.Context(), qps)
			if err != nil {
				return err
			}
			snap, err := collect.Collect(cmd.Context(), api, s, collect.Options{Parallelism: parallelism, Progress: g.stderr})
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
			return writeOutput(output, g.stdout, buf.Bytes())
		},
	}
	sel.register(cmd.Flags())
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the snapshot to FILE instead of stdout")
	cmd.Flags().StringVar(&format, "format", format, "json or text")
	cmd.Flags().IntVar(&parallelism, "parallelism", collect.DefaultParallelism, "concurrent listing calls")
	cmd.Flags().Float64Var(&qps, "qps", 0, "API calls per second for the whole run (0: the default, 10)")
	return cmd
}

// writeOutput writes data to path, or to stdout when path is "" or "-". A file is written whole or not at
// all (temporary file, then rename).
func writeOutput(path string, stdout io.Writer, data []byte) error {
	if path == "" || path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".inventory-*")
	if err != nil {
		return usagef("-o %s: %v", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("-o %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("-o %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("-o %s: %w", path, err)
	}
	return nil
}
