package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ipam-teardown/ipam-teardown/timeline"
)

// newTimelineCommand is `ipam-teardown timeline REPORT_FILE [-o FILE] [--format svg|html]`: a Gantt chart of
// a run from the report apply, destroy and demo write. It makes no API call and needs no credentials.
func newTimelineCommand(g *globalOptions) *cobra.Command {
	format, output := "svg", ""
	cmd := &cobra.Command{
		Use:   "timeline REPORT_FILE [-o FILE] [--format svg|html]",
		Short: "Draw a run from its report: a Gantt chart of the steps, the critical path and L (SVG or HTML)",
		Long: `timeline reads the report of a run (apply --report FILE, destroy's report.json, demo --report FILE) and
draws it: one row per step, grouped by IPAM and level; each step's call (from its start to the answer)
and wait (from the answer until its asynchronous state was confirmed) in two shades; retried steps marked
with their attempts; failed and skipped steps; the critical path (the chain of steps that determined
the end) outlined; and L, the least time the execute phase could take, as a vertical line when the
report records it.

Formats:
  svg   a standalone SVG image (default; hover a bar for its details)
  html  a self-contained page: the SVG, a legend and a table of the steps; it loads nothing

Without --format, an -o FILE ending in .html writes html. -o - (or no -o) writes to stdout; use - as
REPORT_FILE to read standard input.`,
		Example: "  ipam-teardown demo --report report.json && ipam-teardown timeline report.json -o run.svg\n" +
			"  ipam-teardown timeline ipam-teardown-plan-x/report.json -o run.html",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("timeline: want exactly one report file, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("format") && !isStdout(output) {
				if ext := strings.ToLower(filepath.Ext(output)); ext == ".html" || ext == ".htm" {
					format = "html"
				}
			}
			if !slices.Contains(timeline.Formats(), format) {
				return usagef("--format %q: want one of %s", format, strings.Join(timeline.Formats(), ", "))
			}
			if err := checkFiles(fileUse{"REPORT", args[0], fileInput}, fileUse{"-o", output, fileOutput}); err != nil {
				return err
			}
			r, err := readReportArg(args[0], cmd)
			if err != nil {
				return err
			}
			var b bytes.Buffer
			if err := timeline.Render(&b, r, format); err != nil {
				return err
			}
			return writeOutput(output, g.stdout, b.Bytes())
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", format, "output format: "+strings.Join(timeline.Formats(), ", "))
	cmd.Flags().StringVarP(&output, "output", "o", output, "write the chart to `FILE` (- or none: stdout)")
	return cmd
}

// readReportArg reads and checks the report named on the command line ("-" is stdin). Any problem with the
// file is a usage error (exit 2) whose message names the file.
func readReportArg(path string, cmd *cobra.Command) (*timeline.Report, error) {
	if path == "-" {
		r, err := timeline.Read(cmd.InOrStdin(), "(stdin)")
		if err != nil {
			return nil, usageError{err}
		}
		return r, nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, usagef("%s: is a directory, not a report file", path)
	}
	r, err := timeline.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, usagef("report %s: no such file (apply --report FILE, destroy and demo --report FILE write one)", path)
	}
	if err != nil {
		return nil, usageError{err}
	}
	return r, nil
}
