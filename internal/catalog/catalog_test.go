package catalog

import (
	"slices"
	"strings"
	"testing"
)

func TestTeardownActionsAreConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range All() {
		key := a.Product + ":" + a.Name
		if seen[key] {
			t.Errorf("%s listed twice", key)
		}
		seen[key] = true
		if Version(a.Product) == "" {
			t.Errorf("%s: unknown product %q", a.Name, a.Product)
		}
		if a.Teardown && !a.Mutating {
			t.Errorf("%s: a teardown action must be mutating", a.Name)
		}
		if a.ResourceParam != "" && !a.AllowsParam(a.ResourceParam) {
			t.Errorf("%s: resource parameter %s is not among its parameters", a.Name, a.ResourceParam)
		}
		if len(a.WaitFor) > 0 && a.Confirm.Action == "" {
			t.Errorf("%s: waits for %v but names no read to confirm it", a.Name, a.WaitFor)
		}
		if c := a.Confirm; c.Action != "" {
			p := a.Product
			if c.Product != "" {
				p = c.Product
			}
			if r, ok := Lookup(p, c.Action); !ok || r.Mutating {
				t.Errorf("%s: confirm read %s is not a known read of %s", a.Name, c.Action, p)
			}
			for _, stepParam := range c.Query {
				if !a.AllowsParam(stepParam) {
					t.Errorf("%s: confirm query takes %s, which the action does not carry", a.Name, stepParam)
				}
			}
			if !a.AllowsParam(c.MatchParam) && !isPatternOf(a, c.MatchParam) {
				t.Errorf("%s: confirm matches %s, which the action does not carry", a.Name, c.MatchParam)
			}
		}
		if a.Teardown && len(a.NotFound) == 0 {
			t.Errorf("%s: a teardown action needs the code that says its resource is gone", a.Name)
		}
	}
	if n := len(Teardown()); n != 9 {
		t.Errorf("%d teardown actions, want 9", n)
	}
}

func isPatternOf(a Action, pattern string) bool {
	for _, p := range append(append([]string{}, a.Required...), a.Optional...) {
		if p == pattern {
			return true
		}
	}
	return false
}

func TestAllowsParam(t *testing.T) {
	a, ok := Lookup(ProductVpcIpam, "RemoveIpamMembers")
	if !ok {
		t.Fatal("RemoveIpamMembers missing")
	}
	for name, want := range map[string]bool{
		"RegionId": true, "Members.1.MemberId": true, "Members.20.MemberType": true,
		"Members.0.MemberId": false, "Members.01.MemberId": false, "Members.x.MemberId": false,
		"Members.1001.MemberId": false, "Members.1": false, "IpamId": false, "DryRun": false, "ClientToken": false,
	} {
		if got := a.AllowsParam(name); got != want {
			t.Errorf("AllowsParam(%q) = %v, want %v", name, got, want)
		}
	}
	if !a.IsNotFound("OperationDenied.MemberNotExistInIpamRDService") || a.IsNotFound("") || a.IsNotFound("ResourceNotFound.Ipam") {
		t.Error("IsNotFound does not follow the action's own codes")
	}
}

// TestTeardownPlanFields: every teardown action says what a plan step of it looks like (plans checks each
// step against these), and the resource id is made of parameters the action requires.
func TestTeardownPlanFields(t *testing.T) {
	types := map[string]string{}
	for _, a := range Teardown() {
		if a.PlanResourceType == "" {
			t.Errorf("%s: no PlanResourceType", a.Name)
		}
		if other, dup := types[a.PlanResourceType]; dup {
			t.Errorf("%s and %s share the plan resource type %q", other, a.Name, a.PlanResourceType)
		}
		types[a.PlanResourceType] = a.Name
		for _, p := range a.PlanResourceID {
			if !slices.Contains(a.Required, p) || strings.Contains(p, ".N") {
				t.Errorf("%s: resource id part %s is not a plain parameter the action requires", a.Name, p)
			}
		}
		if a.ResourceParam != "" && (len(a.PlanResourceID) == 0 || !slices.Contains(a.PlanResourceID, a.ResourceParam)) {
			t.Errorf("%s: the resource id %v does not hold ResourceParam %s", a.Name, a.PlanResourceID, a.ResourceParam)
		}
	}
	for _, a := range All() {
		if !a.Teardown && (a.PlanResourceType != "" || len(a.PlanResourceID) > 0) {
			t.Errorf("%s is no teardown action but says what its plan step looks like", a.Name)
		}
	}
}

func TestMatchParam(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"RegionId", "RegionId", true},
		{"RegionId", "RegionID", false},
		{"RegionId", "RegionId.1", false},
		{"Targets.N", "Targets.1", true},
		{"Targets.N", "Targets.1000", true},
		{"Targets.N", "Targets.1001", false},
		{"Targets.N", "Targets.", false},
		{"Targets.N", "Targets", false},
		{"Targets.N", "Targets.1.x", false},
		{"Members.N.MemberId", "Members.7.MemberId", true},
		{"Members.N.MemberId", "Members.7.MemberType", false},
		{"Members.N.MemberId", "Members..MemberId", false},
		{"Members.N.MemberId", "Members.7.MemberId.", false},
		{"", "", true},
		{"", "x", false},
	}
	for _, tt := range tests {
		if got := MatchParam(tt.pattern, tt.name); got != tt.want {
			t.Errorf("MatchParam(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { MatchParam("Members.N.MemberId", "Members.12.MemberId") }); n != 0 {
		t.Errorf("MatchParam allocates %v times a call; plans calls it for every param of a plan", n)
	}
}

func TestBatchParam(t *testing.T) {
	for _, tc := range []struct {
		name            string
		c               Confirm
		list, stepParam string
	}{
		{"pools", Confirm{Query: map[string]string{"IpamPoolIds.1": "IpamPoolId"}, ListKey: "IpamPools", MatchParam: "IpamPoolId", Batch: 100}, "IpamPoolIds", "IpamPoolId"},
		{"one a read", Confirm{Query: map[string]string{"IpamPoolIds.1": "IpamPoolId"}, ListKey: "IpamPools", MatchParam: "IpamPoolId"}, "", ""},
		{"not a list parameter", Confirm{Query: map[string]string{"IpamPoolId": "IpamPoolId"}, ListKey: "IpamPools", MatchParam: "IpamPoolId", Batch: 100}, "", ""},
		{"two parameters", Confirm{Query: map[string]string{"IpamPoolId": "IpamPoolId", "Cidr": "Cidr"}, ListKey: "IpamPoolCidrs", MatchParam: "Cidr", Batch: 100}, "", ""},
		{"matched on another parameter", Confirm{Query: map[string]string{"ResourceShareIds.1": "ResourceShareId"}, ListKey: "X", MatchParam: "ResourceArn.N", Batch: 5}, "", ""},
		{"no list in the answer", Confirm{Query: map[string]string{"IpamPoolIds.1": "IpamPoolId"}, MatchParam: "IpamPoolId", Batch: 100}, "", ""},
	} {
		list, stepParam, ok := tc.c.BatchParam()
		if list != tc.list || stepParam != tc.stepParam || ok != (tc.list != "") {
			t.Errorf("%s: BatchParam = %q, %q, %v; want %q, %q", tc.name, list, stepParam, ok, tc.list, tc.stepParam)
		}
	}
	// Every read the catalogue lets take several resources can.
	for _, a := range All() {
		if _, _, ok := a.Confirm.BatchParam(); a.Confirm.Batch > 1 && !ok {
			t.Errorf("%s: Batch %d, but its read takes one resource", a.Name, a.Confirm.Batch)
		}
	}
}
