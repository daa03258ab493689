package executor_test

import (
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// A plan built in code (plans.Read refuses both) whose dependencies name a step it does not have, or go round
// in a cycle, is refused with the step named before anything is called: there is no API to call.
func TestApplyRefusesABrokenGraph(t *testing.T) {
	step := func(id string, deps ...string) plans.Step {
		s := plans.Step{ID: id, Product: "VpcIpam", Action: "DeleteIpamPool", ResourceID: id, IPAMID: "ipam-1", WaitFor: "Deleted"}
		for _, d := range deps {
			s.DependsOn = append(s.DependsOn, plans.Dependency{ID: d})
		}
		return s
	}
	for _, tc := range []struct {
		name  string
		steps []plans.Step
		want  string
	}{
		{"a dependency the plan does not have", []plans.Step{step("a"), step("b", "nowhere")}, "step b depends on nowhere"},
		{"a cycle", []plans.Step{step("a", "b"), step("b", "a")}, "step a depends on itself"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &plans.Plan{PlanID: "plan-broken", Steps: tc.steps}
			rep, err := executor.Apply(t.Context(), nil, p, executor.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Apply = %v, want an error saying %q", err, tc.want)
			}
			if rep == nil || rep.Outcome != "failed" {
				t.Errorf("report %+v, want outcome failed", rep)
			}
		})
	}
}
