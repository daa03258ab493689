package plans_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/bench"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/planner"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// quotaPlan is the plan of an IPAM with all the pools the quotas allow (bench.QuotaSnapshot: 2,500 pools
// with 8 allocations each, 25,004 steps), the size the plan file's goals are stated for (BENCHMARKS.md,
// "Plan build, write and read").
func quotaPlan(b *testing.B) *plans.Plan {
	b.Helper()
	p, err := planner.Build(bench.QuotaSnapshot(inventory.AllocationCustom), planner.Options{PlanID: "plan-bench",
		Now: func() time.Time { return time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC) }})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkWriteQuota writes the quota-sized plan: canonical form, Validate, the checksum and the JSON.
//
//	go test ./plans -run XXX -bench Quota -benchmem -benchtime 3x -count 3
func BenchmarkWriteQuota(b *testing.B) {
	p := quotaPlan(b)
	var buf bytes.Buffer
	if err := plans.Write(&buf, p); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if err := plans.Write(io.Discard, p); err != nil {
			b.Fatal(err)
		}
	}
	// After the loop: b.Loop resets what was reported before it.
	b.ReportMetric(float64(len(p.Steps)), "steps")
	b.ReportMetric(float64(buf.Len()), "file-bytes")
}

// BenchmarkReadQuota reads the quota-sized plan's file: the strict key check, the decoding, the checksum
// over the file's bytes and Validate (steps against the catalogue, the dependency graph).
func BenchmarkReadQuota(b *testing.B) {
	var buf bytes.Buffer
	if err := plans.Write(&buf, quotaPlan(b)); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := plans.Read(bytes.NewReader(data), "quota.json"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderTextQuota renders the quota-sized plan for a terminal.
func BenchmarkRenderTextQuota(b *testing.B) {
	p := quotaPlan(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := plans.Render(io.Discard, p, "text"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderMermaidQuota renders the quota-sized plan as a Mermaid flowchart.
func BenchmarkRenderMermaidQuota(b *testing.B) {
	p := quotaPlan(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := plans.Render(io.Discard, p, "mermaid"); err != nil {
			b.Fatal(err)
		}
	}
}
