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

func TestParseDelayTail(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in            string
		ratio, factor float64
		wantErr       bool
	}{
		{"", 0, 0, false},
		{"0.1x10", 0.1, 10, false},
		{"1x1", 1, 1, false},
		{"0x10", 0, 0, true},
		{"1.5x10", 0, 0, true},
		{"0.1x0.9", 0, 0, true},
		{"0.1", 0, 0, true},
		{"ax10", 0, 0, true},
	} {
		got, err := parseDelayTail(c.in)
		if (err != nil) != c.wantErr {
			t.Errorf("%q: err %v; want error %t", c.in, err, c.wantErr)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), "--delete-delay-tail") {
			t.Errorf("%q: %v does not name the flag", c.in, err)
		}
		if err == nil && (got.Ratio != c.ratio || got.Factor != c.factor) {
			t.Errorf("%q: %+v", c.in, got)
		}
	}
}

func TestSimGenerateSkew(t *testing.T) {
	t.Parallel()
	stdout, _, err := run(t, "sim", "generate", "--pools", "30", "--depth", "8", "--fan-out", "5", "--skew")
	if err != nil {
		t.Fatal(err)
	}
	want, err := topology.Generate(topology.GenerateOptions{Pools: 30, Depth: 8, FanOut: 5, Seed: 1, Skew: true})
	if err != nil {
		t.Fatal(err)
	}
	data, err := topology.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if stdout != string(data) {
		t.Error("sim generate --skew did not write the skewed topology")
	}
}
