package conformance

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/planner"
)

// TestRule110_DependentInItsWindow: under a Deleting window (the emulator's stress mode), a parent's delete
// while a dependent is in its window answers the code of that dependency edge, the same as while the
// dependent exists, for the real call and for its dry run: RULES.md 1.10's one answer for "a dependent is in
// its window", which the planner's rule table records for the executor. The parent goes once the window
// is over.
func TestRule110_DependentInItsWindow(t *testing.T) {
	t.Parallel()
	const window = time.Minute
	codes := map[string]string{}
	for _, r := range planner.Rules() {
		codes[r.ID] = r.DryRunCode
	}
	type deletion struct {
		action string
		params map[string]any
	}
	pool := func(id string) deletion {
		return deletion{"DeleteIpamPool", map[string]any{"RegionId": hz, "IpamPoolId": id}}
	}
	scope := func(id string) deletion {
		return deletion{"DeleteIpamScope", map[string]any{"RegionId": hz, "IpamScopeId": id}}
	}
	ipam := func(id string) deletion {
		return deletion{"DeleteIpam", map[string]any{"RegionId": hz, "IpamId": id}}
	}
	for _, tc := range []struct {
		name  string
		rule  string
		build func(e *env) (child, parent deletion)
	}{
		{"sub-pool before pool", "8.3", func(e *env) (deletion, deletion) {
			ids := e.newIpam(owner)
			top := e.newPool(owner, ids.private, "", "")
			return pool(e.newPool(owner, ids.private, top, "")), pool(top)
		}},
		{"pool before scope", "8.7", func(e *env) (deletion, deletion) {
			ids := e.newIpam(owner)
			sc := e.newScope(owner, ids.ipam)
			return pool(e.newPool(owner, sc, "", "")), scope(sc)
		}},
		{"pool before IPAM", "8.9", func(e *env) (deletion, deletion) {
			ids := e.newIpam(owner)
			return pool(e.newPool(owner, ids.private, "", "")), ipam(ids.ipam)
		}},
		{"scope before IPAM", "8.10", func(e *env) (deletion, deletion) {
			ids := e.newIpam(owner)
			return scope(e.newScope(owner, ids.ipam)), ipam(ids.ipam)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := codes[tc.rule]
			if want == "" {
				t.Fatalf("the planner has no code for rule %s", tc.rule)
			}
			e := start(t, withDeleteDelay(window))
			child, parent := tc.build(e)
			e.mustCall(owner, vIpam, child.action, child.params)
			for _, dry := range []bool{true, false} {
				q := map[string]any{"DryRun": dry}
				for k, v := range parent.params {
					q[k] = v
				}
				_, err := e.call(owner, vIpam, parent.action, q)
				wantErr(t, err, want, http.StatusBadRequest)
			}
			e.clock.advance(window)
			e.mustCall(owner, vIpam, parent.action, parent.params)
		})
	}
	// RULES.md 1.10 says so, once: the codes above and the one a resource in its own window answers.
	rules, err := os.ReadFile("../../../RULES.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(rules), "\n### 1.10\n")
	section, _, _ = strings.Cut(section, "\n## ")
	section = strings.Join(strings.Fields(section), " ")
	for _, want := range []string{"A parent's delete while a dependent is in its window: the code of that edge",
		"`DependencyViolation.IpamPool`", "`OperationFailed.IpamPoolExist`", "`OperationFailed.IpamScopeExist`",
		"a call on a resource in its Deleting window", "`OperationConflict`", "stress mode"} {
		if !strings.Contains(section, want) {
			t.Errorf("RULES.md 1.10 does not say %q", want)
		}
	}
}
