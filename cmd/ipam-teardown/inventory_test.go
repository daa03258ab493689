package main

import "testing"

func TestInventoryCommandBadInput(t *testing.T) {
	t.Parallel()
	tests := [][]string{
		{"inventory", "--all"}, // no region
		{"--region", "cn-hangzhou", "inventory"},
		{"--region", "cn-hangzhou", "inventory", "--all", "--format", "yaml"},
		{"--region", "cn-hangzhou", "inventory", "--all", "--parallelism", "0"},
		{"--region", "cn-hangzhou", "inventory", "--tag", "x"},
		{"--region", "cn-hangzhou", "inventory", "--all", "extra"},
	}
	for _, args := range tests {
		_, _, err := run(t, args...)
		if exitCode(err) != exitUsage {
			t.Errorf("%v: exit %d (%v), want %d", args, exitCode(err), err, exitUsage)
		}
	}
}
