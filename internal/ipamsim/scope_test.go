package ipamsim

import (
	"testing"

	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"
)

func TestScopes(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	wantErr(t, s, owner, "CreateIpamScope", p("RegionId", hz), 400, "MissingParameter.IpamId")
	wantErr(t, s, owner, "CreateIpamScope", p("RegionId", hz, "IpamId", "ipam-none"), 400, "ResourceNotFound.Ipam")
	wantErr(t, s, owner, "CreateIpamScope", p("RegionId", hz, "IpamId", f.ipam, "IpamScopeType", "public"), 400, "IllegalParam.IpamScopeType")
	wantErr(t, s, other, "CreateIpamScope", p("RegionId", hz, "IpamId", f.ipam), 400, "ResourceNotFound.Ipam")
	wantDryRunClean(t, s, owner, "CreateIpamScope", p("RegionId", hz, "IpamId", f.ipam))
	// 2 defaults + the fixture's + 2 more = 5; the sixth is refused.
	named := str(do(t, s, owner, "CreateIpamScope", p("RegionId", hz, "IpamId", f.ipam, "IpamScopeName", "dev", "IpamScopeDescription", "Dev",
		"Tag.1.Key", "env", "Tag.1.Value", "dev")), "IpamScopeId")
	do(t, s, owner, "CreateIpamScope", p("RegionId", hz, "IpamId", f.ipam))
	wantErr(t, s, owner, "CreateIpamScope", p("RegionId", hz, "IpamId", f.ipam), 400, "QuotaExceeded.IpamScope")

	list := func(args ...string) []*vpcipam.ListIpamScopesResponseBodyIpamScopes {
		t.Helper()
		return decode[vpcipam.ListIpamScopesResponseBody](t, do(t, s, owner, "ListIpamScopes", with(p(args...), "RegionId", hz))).IpamScopes
	}
	for _, tc := range []struct {
		args []string
		want int
	}{
		{nil, 5},
		{[]string{"IpamId", f.ipam}, 5},
		{[]string{"IpamId", "ipam-none"}, 0},
		{[]string{"IpamScopeIds.1", named}, 1},
		{[]string{"IpamScopeName", "dev"}, 1},
		{[]string{"IpamScopeType", "public"}, 1},
		{[]string{"IpamScopeType", "private"}, 4},
		{[]string{"Tags.1.Key", "env", "Tags.1.Value", "dev"}, 1},
	} {
		if got := list(tc.args...); len(got) != tc.want {
			t.Errorf("ListIpamScopes %v: %d, want %d", tc.args, len(got), tc.want)
		}
	}
	wantErr(t, s, owner, "ListIpamScopes", p("RegionId", hz, "IpamScopeType", "both"), 400, "IllegalParam.IpamScopeType")
	sc := list("IpamScopeIds.1", f.scope)[0]
	if *sc.PoolCount != 2 || *sc.IsDefault || *sc.IpamId != f.ipam || *sc.RegionId != hz {
		t.Fatalf("fixture scope %+v", sc)
	}
	if got := list("IpamScopeIds.1", named)[0]; *got.IpamScopeName != "dev" || *got.IpamScopeDescription != "Dev" || len(got.Tags) != 1 {
		t.Fatalf("named scope %+v", got)
	}
}

// TestDeleteIpamScopeRules covers rules 7 and 8.
func TestDeleteIpamScopeRules(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	cases := []struct {
		name, scope string
		code        string
	}{
		{"private default scope (rule 8)", f.privScope, "OperationDenied.DeleteDefaultScope"},
		{"public default scope (rule 8)", f.pubScope, "OperationDenied.DeleteDefaultScope"},
		{"pools remain (rule 7)", f.scope, "DependencyViolation.IpamPool"},
		{"unknown scope", "ipam-scope-none", "ResourceNotFound.IpamScope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			del := p("RegionId", hz, "IpamScopeId", tc.scope)
			wantErr(t, s, owner, "DeleteIpamScope", with(del, "DryRun", "true"), 400, tc.code)
			wantErr(t, s, owner, "DeleteIpamScope", del, 400, tc.code)
		})
	}
	wantErr(t, s, owner, "DeleteIpamScope", p("RegionId", hz), 400, "MissingParameter.IpamScopeId")
	wantErr(t, s, owner, "DeleteIpamScope", p("RegionId", sh, "IpamScopeId", f.scope), 400, "ResourceNotFound.IpamScope")
	wantErr(t, s, other, "DeleteIpamScope", p("RegionId", hz, "IpamScopeId", f.scope), 400, "ResourceNotFound.IpamScope")
	emptyPools(t, s, f)
	wantDryRunClean(t, s, owner, "DeleteIpamScope", p("RegionId", hz, "IpamScopeId", f.scope))
	do(t, s, owner, "DeleteIpamScope", p("RegionId", hz, "IpamScopeId", f.scope))
	wantErr(t, s, owner, "DeleteIpamScope", p("RegionId", hz, "IpamScopeId", f.scope), 400, "ResourceNotFound.IpamScope")
}
