package plans

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"
)

// largePlan is a plan of n steps (n a multiple of 4) over 100 IPAMs: per pool, a share disassociation and an
// allocation release at level 0, the CIDR at level 1, the pool at level 2; each step carries the params its
// action takes, so the plan is one Validate accepts.
func largePlan(n int) *Plan {
	p := &Plan{PlanID: "plan-large", CreatedAt: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), Region: "cn-hangzhou",
		InventoryFingerprint: "sha256:00", Steps: make([]Step, 0, n)}
	for i := 0; i < n/4; i++ {
		ipam := fmt.Sprintf("ipam-%03d", i%100)
		pool := fmt.Sprintf("ipam-pool-%06d", i)
		share := "disassociate-share/rs-1/" + pool
		alloc := "delete-allocation/ipam-pool-alloc-" + pool[10:]
		cidr := "delete-cidr/" + pool + "/10.0.0.0/24"
		step := func(id, action, typ, res string, level int, params map[string]string, deps ...Dependency) Step {
			info, _ := LookupAction(action)
			s := Step{ID: id, Action: action, Product: info.Product, ResourceType: typ, ResourceID: res, IPAMID: ipam,
				Region: "cn-hangzhou", Params: params, DependsOn: deps, Level: level, Rule: "8.1"}
			if info.Async {
				s.WaitFor = "gone"
			}
			return s
		}
		region := func(kv ...string) map[string]string {
			m := map[string]string{"RegionId": "cn-hangzhou"}
			for i := 0; i < len(kv); i += 2 {
				m[kv[i]] = kv[i+1]
			}
			return m
		}
		shareStep := step(share, "DisassociateResourceShare", "share-association", "rs-1", 0,
			map[string]string{"ResourceShareId": "rs-1", "Resources.1.ResourceId": pool, "Resources.1.ResourceType": "IpamPool"})
		shareStep.WaitFor = "Disassociated"
		p.Steps = append(p.Steps,
			shareStep,
			step(alloc, "DeleteIpamPoolAllocation", "allocation", alloc[18:], 0, region("IpamPoolAllocationId", alloc[18:])),
			step(cidr, "DeleteIpamPoolCidr", "pool-cidr", pool+"/10.0.0.0/24", 1, region("IpamPoolId", pool, "Cidr", "10.0.0.0/24"),
				Dependency{ID: alloc, Rule: "8.1"}),
			step("delete-pool/"+pool, "DeleteIpamPool", "pool", pool, 2, region("IpamPoolId", pool),
				Dependency{ID: cidr, Rule: "8.5"}, Dependency{ID: share, Rule: "8.6"}),
		)
	}
	return p
}

// BenchmarkMarshal100k sorts, validates, checksums and encodes a 100,000-step plan.
//
//	go test ./plans -run XXX -bench 100k -benchmem
func BenchmarkMarshal100k(b *testing.B) {
	p := largePlan(100_000)
	b.ReportAllocs()
	for b.Loop() {
		// Reverse the steps so every iteration sorts from scratch.
		for i, j := 0, len(p.Steps)-1; i < j; i, j = i+1, j-1 {
			p.Steps[i], p.Steps[j] = p.Steps[j], p.Steps[i]
		}
		data, err := Marshal(p)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(data)))
	}
}

// BenchmarkRead100k decodes, verifies the checksum of and validates a 100,000-step plan file.
func BenchmarkRead100k(b *testing.B) {
	data, err := Marshal(largePlan(100_000))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data), "large.json"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderText100k renders a 100,000-step plan for a terminal.
func BenchmarkRenderText100k(b *testing.B) {
	p := largePlan(100_000)
	b.ReportAllocs()
	for b.Loop() {
		if err := Render(io.Discard, p, "text"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderMermaid100k renders a 100,000-step plan as a Mermaid flowchart.
func BenchmarkRenderMermaid100k(b *testing.B) {
	p := largePlan(100_000)
	b.ReportAllocs()
	for b.Loop() {
		if err := Render(io.Discard, p, "mermaid"); err != nil {
			b.Fatal(err)
		}
	}
}
