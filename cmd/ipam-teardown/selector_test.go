package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"

	"github.com/ipam-teardown/ipam-teardown/inventory"
)

func TestSelectorFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		want    inventory.Selector
		wantErr string
	}{
		{[]string{"--ipam", "ipam-a,ipam-b", "--ipam", "ipam-c"}, inventory.Selector{IPAMIDs: []string{"ipam-a", "ipam-b", "ipam-c"}}, ""},
		{[]string{"--tag", "env=dev", "--tag", "team=a=b", "--older-than", "72h"}, inventory.Selector{Tags: map[string]string{"env": "dev", "team": "a=b"}, OlderThan: inventory.Duration(72 * time.Hour)}, ""},
		{[]string{"--name", "core"}, inventory.Selector{Name: "core"}, ""},
		{[]string{"--all"}, inventory.Selector{All: true}, ""},
		{[]string{"--tag", "env=", "--name", "x"}, inventory.Selector{}, `--tag "env=": the value of "env" is empty`},
		{[]string{"--tag", "env= ", "--all"}, inventory.Selector{}, `--tag "env= ": the value of "env" is empty`},
		{nil, inventory.Selector{}, "--ipam, --tag"},
		{[]string{"--all", "--tag", "a=b"}, inventory.Selector{}, "cannot be combined"},
		{[]string{"--ipam", "vpc-1"}, inventory.Selector{}, `--ipam "vpc-1"`},
		{[]string{"--tag", "novalue"}, inventory.Selector{}, `--tag "novalue"`},
		{[]string{"--tag", "=v"}, inventory.Selector{}, `--tag "=v"`},
		{[]string{"--tag", "a=1", "--tag", "a=2"}, inventory.Selector{}, `already given`},
		{[]string{"--older-than", "3 days"}, inventory.Selector{}, `--older-than "3 days"`},
		{[]string{"--older-than", "-1h"}, inventory.Selector{}, `--older-than "-1h"`},
	}
	for _, tt := range tests {
		var f selectorFlags
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		f.register(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		got, err := f.selector()
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || exitCode(err) != exitUsage {
				t.Errorf("%v: err = %v, want a usage error with %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tt.args, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%v (-want +got):\n%s", tt.args, diff)
		}
	}
}
