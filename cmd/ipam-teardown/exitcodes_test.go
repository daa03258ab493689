package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestExitCodeTables: README.md and every --help that gives exit codes say what exitCodes (cleanup:
// cleanupExitCodes) says, one row for each code, 0 to 3, in order. (That a row's meaning is what exitCode
// decides is TestExitCodes' and the commands' own tests'.)
func TestExitCodeTables(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		rows []exitCodeRow
		help [][]string // the commands whose --help prints the table
	}{
		{"exitCodes", exitCodes(), [][]string{{}, {"apply"}, {"destroy"}}},
		{"cleanupExitCodes", cleanupExitCodes(), [][]string{{"cleanup"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for i, r := range tt.rows {
				if r.code != []int{exitOK, exitFailed, exitUsage, exitRefused}[i] {
					t.Errorf("row %d is code %d", i, r.code)
				}
			}
			if md := exitCodesMarkdown(tt.rows); !strings.Contains(string(readme), md) {
				t.Errorf("README.md lacks the table of %s:\n%s", tt.name, md)
			}
			want := exitCodesHelp(tt.rows)
			for _, cmd := range tt.help {
				help, _, code := runMainIn(t, append(cmd, "--help")...)
				if code != exitOK || !strings.Contains(help, want) {
					t.Errorf("ipam-teardown %s --help (exit %d) lacks the table of %s:\n%s", strings.Join(cmd, " "), code, tt.name, help)
				}
			}
		})
	}
	// Every help that speaks of exit codes prints one of the tables in full.
	root := newRootCommand(nil, nil)
	tables := []string{exitCodesHelp(exitCodes()), exitCodesHelp(cleanupExitCodes())}
	for _, c := range root.Commands() {
		if strings.Contains(strings.ToLower(c.Long), "exit code") && !strings.Contains(c.Long, tables[0]) && !strings.Contains(c.Long, tables[1]) {
			t.Errorf("%s --help speaks of exit codes without the table", c.CommandPath())
		}
	}
}

// TestApplyHelpExitCodes: what apply --help used to leave out.
func TestApplyHelpExitCodes(t *testing.T) {
	help, _, _ := runMainIn(t, "apply", "--help")
	help = strings.Join(strings.Fields(help), " ")
	for _, want := range []string{"3 refused: blockers, no confirmation, credentials of another account than the plan's", "credentials the service rejected"} {
		if !strings.Contains(help, want) {
			t.Errorf("apply --help lacks %q", want)
		}
	}
}

// exitCodesMarkdown is the table as README.md has it.
func exitCodesMarkdown(rows []exitCodeRow) string {
	var b strings.Builder
	b.WriteString("| code | meaning |\n|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %d | %s |\n", r.code, r.meaning)
	}
	return b.String()
}
