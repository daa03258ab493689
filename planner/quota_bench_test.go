package planner_test

import (
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/bench"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/planner"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// The planner's benchmarks plan an IPAM with all the pools the quotas allow (bench.QuotaSnapshot: 5 scopes
// of 500 pools with 8 allocations each), the size the plan's goals are stated for (BENCHMARKS.md, "Plan build,
// write and read"):
//
//	go test ./planner -run XXX -bench Quota -benchmem -benchtime 3x -count 3

func quotaOptions() planner.Options {
	return planner.Options{PlanID: "plan-bench", Now: func() time.Time { return time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC) }}
}

// BenchmarkBuildQuota plans it: 25,004 steps.
func BenchmarkBuildQuota(b *testing.B) {
	snap := bench.QuotaSnapshot(inventory.AllocationCustom)
	p, err := planner.Build(snap, quotaOptions())
	if err != nil {
		b.Fatal(err)
	}
	if len(p.Steps) != 25_004 {
		b.Fatalf("%d steps, want 25,004", len(p.Steps))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := planner.Build(snap, quotaOptions()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(p.Steps)), "steps") // after the loop: b.Loop resets what was reported before it
}

// BenchmarkBuildQuotaKeepVPC plans it with VPC allocations kept (--keep-vpc-allocations): 20,000 blockers,
// each holding back its pool's CIDR and every pool, CIDR and scope above it. It measures that the plan stays
// linear in the snapshot's size however many blockers share the steps they hold back.
func BenchmarkBuildQuotaKeepVPC(b *testing.B) {
	snap := bench.QuotaSnapshot(inventory.AllocationVPC)
	opts := quotaOptions()
	opts.KeepVPCAllocations = true
	p, err := planner.Build(snap, opts)
	if err != nil {
		b.Fatal(err)
	}
	data, err := plans.Marshal(p)
	if err != nil {
		b.Fatal(err)
	}
	entries := 0
	for _, bl := range p.Blockers {
		entries += len(bl.HeldBack)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := planner.Build(snap, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(p.Blockers)), "blockers")
	b.ReportMetric(float64(entries), "held-entries")
	b.ReportMetric(float64(len(data)), "file-bytes")
}

// BenchmarkFingerprintQuota measures the part of Build that is the inventory's (the snapshot fingerprint the
// plan records), to tell it apart from the planning itself in BenchmarkBuildQuota.
func BenchmarkFingerprintQuota(b *testing.B) {
	snap := bench.QuotaSnapshot(inventory.AllocationCustom)
	b.ReportAllocs()
	for b.Loop() {
		_ = snap.Fingerprint()
	}
}
