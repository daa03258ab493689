package main

import (
	"io"
	"os"
	"slices"
	"strings"

	"github.com/ipam-teardown/ipam-teardown/plans"
	"github.com/spf13/cobra"
)

// newShowCommand is `ipam-teardown show plan.json [--format F]`: it reads and validates a plan file and
// renders it on stdout. It makes no API call and needs no credentials.
func newShowCommand(g *globalOptions) *cobra.Command {
	format := "text"
	cmd := &cobra.Command{
		Use:   "show PLAN_FILE",
		Short: "Validate a plan file and print it for review (text, markdown, json, dot or mermaid)",
		Long: `show reads a plan file written by "ipam-teardown plan", checks its version, checksum and
dependencies, and prints it. It makes no API call.

Formats:
  text      the steps by level and IPAM, what each waits for, the blockers (default)
  markdown  a table to paste into a pull request
  json      the plan file itself, re-written in canonical form
  dot       Graphviz (one cluster per IPAM, edges labelled by rule): show plan.json --format dot | dot -Tsvg
            draws it with Graphviz's dot program, which must be installed (apt install graphviz)
  mermaid   a flowchart for a pull request or wiki page, which GitHub and GitLab draw as they show it:
            the picture that needs no other tool

Use - as PLAN_FILE to read standard input.`,
		Example: "  ipam-teardown show plan.json\n  ipam-teardown show plan.json --format markdown >> pr-description.md",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("show: want exactly one plan file, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(plans.Formats(), format) {
				return usagef("--format %q: want one of %s", format, strings.Join(plans.Formats(), ", "))
			}
			p, err := readPlanArg(args[0], cmd.InOrStdin())
			if err != nil {
				return err
			}
			return plans.Render(g.stdout, p, format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", format, "output format: "+strings.Join(plans.Formats(), ", "))
	return cmd
}

// readPlanArg reads and validates the plan file named on the command line ("-" is stdin). Any problem with
// the file is a usage error (exit 2) whose message names the file.
func readPlanArg(path string, stdin io.Reader) (*plans.Plan, error) {
	if path == "-" {
		p, err := plans.Read(stdin, "(stdin)")
		if err != nil {
			return nil, usageError{err}
		}
		return p, nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, usagef("%s: is a directory, not a plan file", path)
	}
	p, err := plans.ReadFile(path)
	if err != nil {
		return nil, usageError{err}
	}
	return p, nil
}
