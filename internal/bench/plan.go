package bench

import (
	"context"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
	"github.com/ipam-teardown/ipam-teardown/planner"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// Plan collects sel through api and plans it with no options, under the plan id "plan-bench": how every
// benchmark and strategy test gets the plan it runs (in process, so that planning costs no emulated latency).
func Plan(tb testing.TB, api collect.API, sel inventory.Selector) *plans.Plan {
	tb.Helper()
	snap, err := collect.Collect(context.Background(), api, sel, collect.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	p, err := planner.Build(snap, planner.Options{PlanID: "plan-bench"})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
