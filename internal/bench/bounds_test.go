package bench

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
)

var boundsFlag = flag.Bool("bounds", false, "TestBounds: print L and executor.BoundQueued for every case of BenchmarkStrategies")

// TestBounds prints, for every case of BenchmarkStrategies (the short form unless -full), with and without the
// heavy tail, the plan's L (executor.Bound, which the strategies table compares with) and executor.BoundQueued
// (the floor once the calls each step waits for have gone through the rate limit, a bucket of one second's
// calls), with the settings the benchmark uses and the windows its emulator gives each resource. It runs no
// teardown, checks that BoundQueued is never below L, and is skipped unless -bounds is given:
//
//	go test ./internal/bench -run Bounds -v -args -bounds [-full]
func TestBounds(t *testing.T) {
	if !*boundsFlag {
		t.Skip("no -bounds")
	}
	base, cases := strategyCases()
	var table strings.Builder
	fmt.Fprintf(&table, "| case | tail | steps | execute calls | L | L queued | L queued / L |\n|---|---|---:|---:|---:|---:|---:|\n")
	for _, c := range cases {
		topo, err := topology.Generate(c.o)
		if err != nil {
			t.Fatal(err)
		}
		for _, tail := range []bool{false, true} {
			s := base
			s.tail = tail
			bd := startBed(t, topo, s)
			p := bd.plan
			bs := s.bound(bd.srv.Sim)
			l, q := executor.Bound(p, bs), executor.BoundQueued(p, bs)
			if q < l {
				t.Errorf("%s, tail %s: BoundQueued %v is below Bound %v", c.name, s.tailName(), q, l)
			}
			fmt.Fprintf(&table, "| %s | %s | %d | %d | %.2f s | %.2f s | %.2f |\n", c.name, s.tailName(), len(p.Steps),
				executor.ExecuteCalls(p), l.Seconds(), q.Seconds(), q.Seconds()/l.Seconds())
		}
	}
	t.Logf("scale 1/%g\n%s", base.scale, table.String())
}
