package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
)

func TestSimGenerate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := []string{"sim", "generate", "--pools", "60", "--depth", "3", "--fan-out", "4", "--allocations-per-pool", "2", "--seed", "9", "--shared"}
	first := filepath.Join(dir, "a.yaml")
	if _, _, err := run(t, append(args, "-o", first)...); err != nil {
		t.Fatal(err)
	}
	stdout, _, err := run(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != stdout {
		t.Error("the same flags wrote different YAML to -o and to stdout")
	}
	topo, err := topology.Load(first)
	if err != nil {
		t.Fatalf("generated file does not load: %v", err)
	}
	pools := 0
	var count func(ps []*topology.Pool)
	count = func(ps []*topology.Pool) {
		for _, p := range ps {
			pools++
			count(p.Children)
		}
	}
	for _, a := range topo.Accounts {
		for _, m := range a.IPAMs {
			count(m.Pools)
		}
	}
	if pools != 60 || len(topo.Accounts) != 2 {
		t.Errorf("generated %d pools in %d accounts; want 60 pools, an owner and a consumer", pools, len(topo.Accounts))
	}

	for _, bad := range [][]string{{"--depth", "11"}, {"--fan-out", "0"}, {"--pools", "0"}, {"--allocations-per-pool", "99"}} {
		_, _, err := run(t, append([]string{"sim", "generate"}, bad...)...)
		flag := strings.TrimPrefix(bad[0], "--")
		if exitCode(err) != exitUsage || err == nil || !strings.Contains(err.Error(), flag) {
			t.Errorf("sim generate %v: err %v; want a usage error naming %s", bad, err, flag)
		}
	}
}
