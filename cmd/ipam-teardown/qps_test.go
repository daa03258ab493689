package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
)

func TestQPSFlag(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want qpsFlag
		str  string
	}{
		{"auto", qpsFlag{}, "auto"},
		{" AUTO ", qpsFlag{}, "auto"},
		{"0", qpsFlag{}, "auto"}, // 0 was "the default"; the default is auto now
		{"12.5", qpsFlag{qps: 12.5}, "12.5"},
		{"-1", qpsFlag{qps: -1}, "-1"}, // a number: checkQPS refuses it, naming it
	} {
		q := qpsFlag{qps: 99}
		if err := q.Set(tt.in); err != nil {
			t.Errorf("Set(%q): %v", tt.in, err)
			continue
		}
		if q != tt.want || q.String() != tt.str {
			t.Errorf("Set(%q) = %+v (%s), want %+v (%s)", tt.in, q, q.String(), tt.want, tt.str)
		}
	}
	for _, in := range []string{"", "fast", "auto2", "10qps"} {
		var q qpsFlag
		if err := q.Set(in); err == nil {
			t.Errorf("Set(%q) = %+v, want an error", in, q)
		}
	}
	for _, tt := range []struct {
		q  qpsFlag
		ok bool
	}{{qpsFlag{}, true}, {qpsFlag{qps: 0.1}, true}, {qpsFlag{qps: 0.05}, false}, {qpsFlag{qps: -1}, false}} {
		if err := checkQPS(tt.q); (err == nil) != tt.ok {
			t.Errorf("checkQPS(%+v) = %v, want ok %v", tt.q, err, tt.ok)
		}
	}
}

// TestQPSAuto: every command that takes --qps runs with the adaptive rate by default or when asked, and says
// at info level the rate it reached.
func TestQPSAuto(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, "../../testdata/topologies/sandbox.yaml")
	useDefaultKey(t, s)
	ipamID := s.Refs["ipam/sandbox"]
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.json")
	live := []string{"--region", "cn-hangzhou", "--endpoint", s.URL, "--log-format", "json"}
	// The rate starts where the tool starts it: the line reports a rate the run measured, and from the tests'
	// start (500) an inventory ends before the first half-second bucket closes.
	p := testPace()
	p.qpsAutoStart = 0
	for _, args := range [][]string{
		{"inventory", "--qps", "auto", "--ipam", ipamID, "-o", filepath.Join(dir, "snap.json")},
		{"inventory", "--ipam", ipamID, "-o", filepath.Join(dir, "snap2.json")}, // the default is auto
		{"plan", "--ipam", ipamID, "-o", plan},
		{"apply", plan, "--yes", "--report", filepath.Join(dir, "report.json")},
	} {
		_, stderr, err := runPaced(t, p, append(live, args...)...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", args[0], err, stderr)
		}
		var settled float64
		for _, line := range strings.Split(stderr, "\n") {
			var rec struct {
				Level, Message string
				QPS            *float64
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Level == "info" && strings.HasPrefix(rec.Message, "--qps auto") && rec.QPS != nil {
				settled = *rec.QPS
			}
		}
		if settled < cloudapi.AutoQPSMin || settled > cloudapi.AutoQPSMax {
			t.Errorf("%s --qps auto: no info line with the settled rate (got %v):\n%s", args[0], settled, stderr)
		}
	}
	if rep := readReport(t, filepath.Join(dir, "report.json")); rep.Outcome != "done" {
		t.Errorf("apply --qps auto: outcome %q, want done", rep.Outcome)
	}
}
