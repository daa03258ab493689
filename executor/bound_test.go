package executor

import (
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/plans"
)

func TestBound(t *testing.T) {
	// a -> c (async) and b -> c: the path is a (10) + c (10 + 100 + 10) = 130 ms.
	p := &plans.Plan{Steps: []plans.Step{
		{ID: "a"}, {ID: "b"},
		{ID: "c", WaitFor: "gone", DependsOn: []plans.Dependency{{ID: "a"}, {ID: "b"}}},
	}}
	ms := time.Millisecond
	for _, tc := range []struct {
		name string
		s    BoundSettings
		want time.Duration
	}{
		{"critical path", BoundSettings{Latency: 10 * ms, DeleteDelay: 100 * ms, Parallelism: 8}, 130 * ms},
		{"parallelism", BoundSettings{Latency: 100 * ms, Parallelism: 1}, 400 * ms},         // 4 calls one at a time
		{"rate limit", BoundSettings{Latency: ms, Parallelism: 8, QPS: 2}, 2 * time.Second}, // 4 calls at 2/s
	} {
		if got := Bound(p, tc.s); got != tc.want {
			t.Errorf("%s: Bound = %v, want %v", tc.name, got, tc.want)
		}
	}
}
