package main

import (
	"fmt"
	"strings"
)

// exitCodeRow is one exit code and what it means, in markdown (README.md's table holds the same text).
type exitCodeRow struct {
	code    int
	meaning string
}

// exitCodes is the one table of what inventory, plan, show, apply, destroy, demo and timeline exit with:
// every command's --help and README.md's "Exit codes" are rendered from it (TestExitCodeTables).
func exitCodes() []exitCodeRow {
	return []exitCodeRow{
		{exitOK, "done"},
		{exitFailed, "failed (some steps failed; the others that could ran) or interrupted (resume it); also a read that failed or was denied (RAM) during `inventory` or `plan`, which have nothing to refuse, and credentials the service rejected (a wrong key or secret, an expired security token: the message says credentials and names the code) or none found (the message lists the sources tried)"},
		{exitUsage, "bad input: an unknown command or flag, a wrong flag value, an output path that cannot be written (checked before any call), an unreadable or invalid plan or snapshot file; nothing was called. Also a `plan` or `destroy` selection that matches no IPAM (after the reads that found none): no plan is written; an `--ipam` id that no IPAM of the region has, an `--exclude` id the inventory lacks (an `--exclude` value that is not shaped like an id is refused before any call), and a region the service does not know (`InvalidRegionId.NotFound`), for every command that lists"},
		{exitRefused, "refused: blockers, no confirmation, credentials of another account than the plan's, a lock held by another run, drift, a failing dry run; nothing was deleted"},
	}
}

// cleanupExitCodes is cleanup's table: one run of many IPAMs, so a code says what the worst of them did.
func cleanupExitCodes() []exitCodeRow {
	return []exitCodeRow{
		{exitOK, "every selected IPAM done or previewed (or nothing selected)"},
		{exitFailed, "something failed or the run was interrupted"},
		{exitUsage, "bad config or flag, before any call"},
		{exitRefused, "refused or blocked (an account off the allow-list, a lock held by another run, drift, a dry run, blockers) and nothing failed"},
	}
}

// exitCodesHelp is the table as --help prints it: plain text, wrapped, each meaning under its code.
func exitCodesHelp(rows []exitCodeRow) string {
	const width, indent = 104, "     "
	var b strings.Builder
	b.WriteString("Exit codes:")
	for _, r := range rows {
		line := fmt.Sprintf("  %d  ", r.code)
		for i, word := range strings.Fields(strings.ReplaceAll(r.meaning, "`", "")) {
			if i > 0 && len(line)+1+len(word) > width {
				b.WriteString("\n" + strings.TrimRight(line, " "))
				line = indent
			} else if i > 0 {
				line += " "
			}
			line += word
		}
		b.WriteString("\n" + line)
	}
	return b.String()
}
