package planner_test

import (
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/bench"
	"github.com/ipam-teardown/ipam-teardown/planner"
)

// BenchmarkBuildQuota plans the largest IPAM the quotas allow (bench.QuotaSnapshot: 5 scopes of 500 pools
// with 8 allocations each, 25,005 steps), the size the plan's goals are stated for (BENCHMARKS.md, "Plan
// build, write and read").
//
//	go test ./planner -run XXX -bench Quota -benchmem -benchtime 3x -count 3
func BenchmarkBuildQuota(b *testing.B) {
	snap := bench.QuotaSnapshot()
	opts := planner.Options{PlanID: "plan-bench", Now: func() time.Time { return time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC) }}
	p, err := planner.Build(snap, opts)
	if err != nil {
		b.Fatal(err)
	}
	if len(p.Steps) != 25_005 {
		b.Fatalf("%d steps, want 25,005", len(p.Steps))
	}
	b.ReportMetric(float64(len(p.Steps)), "steps")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := planner.Build(snap, opts); err != nil {
			b.Fatal(err)
		}
	}
}
