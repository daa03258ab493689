package main

import (
	"path/filepath"
	"testing"
)

func TestPlanCommandBadInput(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_REGION_ID", "")
	out := filepath.Join(t.TempDir(), "plan.json")
	tests := [][]string{
		{"plan", "--all", "-o", out},                                 // no region
		{"--region", "cn-hangzhou", "plan", "--all"},                 // no -o
		{"--region", "cn-hangzhou", "plan", "-o", out},               // no selection
		{"--region", "cn-hangzhou", "plan", "--all", "-o", out, "x"}, // argument
		{"--region", "cn-hangzhou", "plan", "--all", "-o", out, "--protect-tag", "=v"},
		{"--region", "cn-hangzhou", "plan", "--all", "-o", out, "--exclude", " "},
		{"--region", "cn-hangzhou", "plan", "--all", "-o", out, "--from-inventory", "snap.json"},
		{"--region", "cn-hangzhou", "plan", "-o", out, "--from-inventory", filepath.Join(t.TempDir(), "missing.json")},
	}
	for _, args := range tests {
		_, _, err := run(t, args...)
		if exitCode(err) != exitUsage {
			t.Errorf("%v: exit %d (%v), want %d", args, exitCode(err), err, exitUsage)
		}
	}
}
