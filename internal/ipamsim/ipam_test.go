package ipamsim

import (
	"encoding/json"
	"testing"
	"time"

	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"
)

// decode round-trips a response map through JSON into the SDK's response model, as the typed client does.
func decode[T any](t testing.TB, m map[string]any) *T {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	out := new(T)
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("the SDK model %T cannot decode %s: %v", out, b, err)
	}
	return out
}

func TestCreateIpamValidation(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	cases := []struct {
		name string
		args []string
		code string
	}{
		{"no operating regions", nil, "MissingParameter.OperatingRegionList"},
		{"hosted region missing", []string{"OperatingRegionList.1", sh}, "IllegalParam.OperatingRegionList"},
		{"unserved operating region", []string{"OperatingRegionList.1", hz, "OperatingRegionList.2", "ap-south-1"}, "IllegalParam.OperatingRegionList"},
		{"duplicate operating region", []string{"OperatingRegionList.1", hz, "OperatingRegionList.2", hz}, "IllegalParam.OperatingRegionList"},
		{"name is a URL", []string{"OperatingRegionList.1", hz, "IpamName", "http://x"}, "IllegalParam.IpamName"},
		{"empty name", []string{"OperatingRegionList.1", hz, "IpamName", ""}, "IllegalParam.IpamName"},
		{"description starts with a digit", []string{"OperatingRegionList.1", hz, "IpamDescription", "1st"}, "IllegalParam.IpamDescription"},
		{"bad tag key", []string{"OperatingRegionList.1", hz, "Tag.1.Key", "aliyun-x", "Tag.1.Value", "v"}, "IllegalParam.TagKey"},
		{"duplicate tag key", []string{"OperatingRegionList.1", hz, "Tag.1.Key", "k", "Tag.2.Key", "k"}, "DuplicatedParam.TagKey"},
	}
	for _, tc := range cases {
		wantErr(t, s, owner, "CreateIpam", with(p(tc.args...), "RegionId", hz), 400, tc.code)
	}
	do(t, s, owner, "CreateIpam", p("RegionId", hz, "OperatingRegionList.1", hz, "IpamDescription", "默认 IPAM"))
	wantErr(t, s, owner, "CreateIpam", p("RegionId", hz, "OperatingRegionList.1", hz), 400, "QuotaExceeded.Ipam")
	// One per region and account: another region or account is fine.
	do(t, s, owner, "CreateIpam", p("RegionId", sh, "OperatingRegionList.1", sh))
	do(t, s, other, "CreateIpam", p("RegionId", hz, "OperatingRegionList.1", hz))
}

// TestCreateIpamDefaults: CreateIpam makes the two default scopes and the default resource discovery with its
// association, and ListIpams reports them with the SDK's field types.
func TestCreateIpamDefaults(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	out := do(t, s, owner, "CreateIpam", p("RegionId", hz, "OperatingRegionList.1", hz, "OperatingRegionList.2", sh,
		"IpamName", "main", "IpamDescription", "prod", "ResourceGroupId", "rg-1", "Tag.1.Key", "env", "Tag.1.Value", "prod"))
	created := decode[vpcipam.CreateIpamResponseBody](t, out)
	if *created.ResourceDiscoveryAssociationCount != 1 || *created.DefaultResourceDiscoveryId == "" || *created.DefaultResourceDiscoveryAssociationId == "" {
		t.Fatalf("CreateIpam answered %v", out)
	}
	list := decode[vpcipam.ListIpamsResponseBody](t, do(t, s, owner, "ListIpams", p("RegionId", hz)))
	if *list.Count != 1 || *list.TotalCount != 1 || *list.MaxResults != 10 || *list.NextToken != "" {
		t.Fatalf("page fields: %+v", list)
	}
	ip := list.Ipams[0]
	checks := map[string][2]any{
		"IpamId":                {*ip.IpamId, *created.IpamId},
		"IpamName":              {*ip.IpamName, "main"},
		"IpamDescription":       {*ip.IpamDescription, "prod"},
		"IpamStatus":            {*ip.IpamStatus, "Created"},
		"RegionId":              {*ip.RegionId, hz},
		"OperatingRegions":      {len(ip.OperatingRegionList), 2},
		"OwnerId":               {*ip.OwnerId, int64(1000000000000001)},
		"PrivateDefaultScopeId": {*ip.PrivateDefaultScopeId, *created.PrivateDefaultScopeId},
		"PublicDefaultScopeId":  {*ip.PublicDefaultScopeId, *created.PublicDefaultScopeId},
		"DefaultRD":             {*ip.DefaultResourceDiscoveryId, *created.DefaultResourceDiscoveryId},
		"DefaultRDAssociation":  {*ip.DefaultResourceDiscoveryAssociationId, *created.DefaultResourceDiscoveryAssociationId},
		"AssociationCount":      {*ip.ResourceDiscoveryAssociationCount, int32(1)},
		"ScopeCount":            {*ip.ScopeCount, int32(2)},
		"ResourceGroupId":       {*ip.ResourceGroupId, "rg-1"},
		"CreateTime":            {*ip.CreateTime, "2026-01-02T03:04:05Z"},
		"Tags":                  {len(ip.Tags), 1},
		"TagKey":                {*ip.Tags[0].Key, "env"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}
	scopes := decode[vpcipam.ListIpamScopesResponseBody](t, do(t, s, owner, "ListIpamScopes", p("RegionId", hz, "IpamId", *ip.IpamId)))
	if len(scopes.IpamScopes) != 2 {
		t.Fatalf("%d scopes, want the 2 defaults", len(scopes.IpamScopes))
	}
	for _, sc := range scopes.IpamScopes {
		if !*sc.IsDefault || *sc.PoolCount != 0 || *sc.Status != "Created" || *sc.OwnerId != 1000000000000001 {
			t.Errorf("default scope %+v", sc)
		}
	}
	if *scopes.IpamScopes[0].IpamScopeType != "private" || *scopes.IpamScopes[1].IpamScopeType != "public" {
		t.Errorf("scope types %s, %s", *scopes.IpamScopes[0].IpamScopeType, *scopes.IpamScopes[1].IpamScopeType)
	}
}

func TestListIpamsFilters(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	a := str(do(t, s, owner, "CreateIpam", p("RegionId", hz, "OperatingRegionList.1", hz, "IpamName", "a", "Tag.1.Key", "env", "Tag.1.Value", "prod")), "IpamId")
	do(t, s, other, "CreateIpam", p("RegionId", hz, "OperatingRegionList.1", hz, "IpamName", "a"))
	do(t, s, owner, "CreateIpam", p("RegionId", sh, "OperatingRegionList.1", sh, "IpamName", "b"))
	cases := []struct {
		args []string
		want int
	}{
		{nil, 1}, // only the caller's, only this region
		{[]string{"IpamIds.1", a}, 1},
		{[]string{"IpamIds.1", "ipam-other"}, 0},
		{[]string{"IpamName", "a"}, 1},
		{[]string{"IpamName", "b"}, 0},
		{[]string{"Tags.1.Key", "env"}, 1},
		{[]string{"Tags.1.Key", "env", "Tags.1.Value", "prod"}, 1},
		{[]string{"Tags.1.Key", "env", "Tags.1.Value", "dev"}, 0},
		{[]string{"ResourceGroupId", "rg-x"}, 0},
	}
	for _, tc := range cases {
		got := decode[vpcipam.ListIpamsResponseBody](t, do(t, s, owner, "ListIpams", with(p(tc.args...), "RegionId", hz)))
		if int(*got.TotalCount) != tc.want || len(got.Ipams) != tc.want {
			t.Errorf("ListIpams %v: %d items, want %d", tc.args, len(got.Ipams), tc.want)
		}
	}
	ids := []string{}
	for i := 0; i <= 100; i++ {
		ids = append(ids, "IpamIds."+itoa(i+1), "ipam-x")
	}
	wantErr(t, s, owner, "ListIpams", with(p(ids...), "RegionId", hz), 400, "IllegalParamSize.IpamIds")
	wantErr(t, s, owner, "ListIpams", p("RegionId", hz, "Tags.1.Value", "v"), 400, "MissingParameter.TagKey")
}

// TestDeleteIpamRules covers seed 000's table and rules 9-13, each with its exact code, and that a dry run
// answers the same code as the real call.
func TestDeleteIpamRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(t *testing.T, s *Sim, f fixture)
		code  string
	}{
		{"scopes and pools remain: scopes first (UNKNOWN 8)", func(t *testing.T, s *Sim, f fixture) {}, "OperationFailed.IpamScopeExist"},
		{"custom scope remains (rule 10)", func(t *testing.T, s *Sim, f fixture) {
			emptyPools(t, s, f)
		}, "OperationFailed.IpamScopeExist"},
		{"pool in a default scope remains (rule 9)", func(t *testing.T, s *Sim, f fixture) {
			emptyPools(t, s, f)
			do(t, s, owner, "DeleteIpamScope", p("RegionId", hz, "IpamScopeId", f.scope))
			do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.privScope))
		}, "OperationFailed.IpamPoolExist"},
		{"shared discovery associated (rule 12)", func(t *testing.T, s *Sim, f fixture) {
			emptyAll(t, s, f)
			s.st.Associations["ipam-res-disco-assoc-foreign"] = &association{Seq: s.st.nextSeq(), ID: "ipam-res-disco-assoc-foreign",
				IpamID: f.ipam, DiscoveryID: "ipam-res-disco-foreign", DiscoveryOwner: other, IpamOwner: owner, Region: hz, Status: statusCreated}
		}, "OperationDenied.SharedResourceDiscoveryAssociated"},
		{"default discovery shared (rule 11)", func(t *testing.T, s *Sim, f fixture) {
			emptyAll(t, s, f)
			shareRes(t, s, owner, s.st.Ipams[f.ipam].DefaultDiscoveryID, "IpamResourceDiscovery", other)
		}, "DependencyViolation.ShareResource"},
		{"members remain (rule 13)", func(t *testing.T, s *Sim, f fixture) {
			emptyAll(t, s, f)
			s.st.Members[f.ipam+" "+other] = &member{Seq: s.st.nextSeq(), IpamID: f.ipam, MemberID: other, Type: "Account", Status: statusCreated}
		}, "DependencyViolation.IpamMembers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSim(t)
			f := build(t, s)
			tc.setup(t, s, f)
			del := p("RegionId", hz, "IpamId", f.ipam)
			wantErr(t, s, owner, "DeleteIpam", with(del, "DryRun", "true"), 400, tc.code)
			wantErr(t, s, owner, "DeleteIpam", del, 400, tc.code)
		})
	}
	s := newSim(t)
	f := build(t, s)
	wantErr(t, s, owner, "DeleteIpam", p("RegionId", hz), 400, "MissingParameter.IpamId")
	wantErr(t, s, owner, "DeleteIpam", p("RegionId", hz, "IpamId", "ipam-none"), 400, "ResourceNotFound.Ipam")
	wantErr(t, s, owner, "DeleteIpam", p("RegionId", sh, "IpamId", f.ipam), 400, "ResourceNotFound.Ipam") // another region
	wantErr(t, s, other, "DeleteIpam", p("RegionId", hz, "IpamId", f.ipam), 400, "ResourceNotFound.Ipam") // another account
	emptyAll(t, s, f)
	wantDryRunClean(t, s, owner, "DeleteIpam", p("RegionId", hz, "IpamId", f.ipam))
	do(t, s, owner, "DeleteIpam", p("RegionId", hz, "IpamId", f.ipam))
	if n := len(decode[vpcipam.ListIpamScopesResponseBody](t, do(t, s, owner, "ListIpamScopes", p("RegionId", hz))).IpamScopes); n != 0 {
		t.Fatalf("%d scopes survived DeleteIpam", n)
	}
	if len(s.st.Discoveries)+len(s.st.Associations) != 0 {
		t.Fatal("the default discovery or its association survived DeleteIpam (rule 14)")
	}
}

// emptyPools removes the fixture's allocation, CIDRs and pools (leaving its custom scope).
func emptyPools(t *testing.T, s *Sim, f fixture) {
	t.Helper()
	do(t, s, owner, "DeleteIpamPoolAllocation", p("RegionId", hz, "IpamPoolAllocationId", f.alloc))
	do(t, s, owner, "DeleteIpamPoolCidr", p("RegionId", hz, "IpamPoolId", f.child, "Cidr", "10.1.0.0/16"))
	do(t, s, owner, "DeleteIpamPool", p("RegionId", hz, "IpamPoolId", f.child))
	do(t, s, owner, "DeleteIpamPoolCidr", p("RegionId", hz, "IpamPoolId", f.top, "Cidr", "10.0.0.0/8"))
	do(t, s, owner, "DeleteIpamPool", p("RegionId", hz, "IpamPoolId", f.top))
}

// emptyAll removes everything but the IPAM and its defaults.
func emptyAll(t *testing.T, s *Sim, f fixture) {
	t.Helper()
	emptyPools(t, s, f)
	do(t, s, owner, "DeleteIpamScope", p("RegionId", hz, "IpamScopeId", f.scope))
}

// TestDeletingWindow: with a DeleteDelay, deletes leave objects in status Deleting, conflicting calls are
// refused, and the objects are gone once the injected clock passes the delay.
func TestDeletingWindow(t *testing.T) {
	t.Parallel()
	s, clk := newSimClock(t, func(o *Options) { o.DeleteDelay = 30 * time.Second })
	f := build(t, s)
	do(t, s, owner, "DeleteIpamPoolAllocation", p("RegionId", hz, "IpamPoolAllocationId", f.alloc))
	// Rule 19: the released allocation is gone for readers but still blocks the CIDR deprovision.
	if n := len(decode[vpcipam.ListIpamPoolAllocationsResponseBody](t, do(t, s, owner, "ListIpamPoolAllocations", p("RegionId", hz, "IpamPoolId", f.child))).IpamPoolAllocations); n != 0 {
		t.Fatalf("a released allocation is still listed (%d)", n)
	}
	wantErr(t, s, owner, "GetIpamPoolAllocation", p("RegionId", hz, "IpamPoolAllocationId", f.alloc), 400, "ResourceNotFound.IpamPoolAllocation")
	wantErr(t, s, owner, "DeleteIpamPoolCidr", p("RegionId", hz, "IpamPoolId", f.child, "Cidr", "10.1.0.0/16"), 400, "OperationDenied.IpamPoolAllocationExist")
	clk.advance(30 * time.Second)
	do(t, s, owner, "DeleteIpamPoolCidr", p("RegionId", hz, "IpamPoolId", f.child, "Cidr", "10.1.0.0/16"))

	do(t, s, owner, "DeleteIpamPool", p("RegionId", hz, "IpamPoolId", f.child))
	pools := decode[vpcipam.ListIpamPoolsResponseBody](t, do(t, s, owner, "ListIpamPools", p("RegionId", hz, "IpamPoolIds.1", f.child)))
	if len(pools.IpamPools) != 1 || *pools.IpamPools[0].Status != "Deleting" {
		t.Fatalf("pool in its window: %+v", pools.IpamPools)
	}
	wantErr(t, s, owner, "DeleteIpamPool", p("RegionId", hz, "IpamPoolId", f.child), 400, "OperationConflict")
	wantErr(t, s, owner, "DeleteIpamPool", p("RegionId", hz, "IpamPoolId", f.child, "DryRun", "true"), 400, "OperationConflict")
	wantErr(t, s, owner, "AddIpamPoolCidr", p("RegionId", hz, "IpamPoolId", f.child, "Cidr", "10.2.0.0/16"), 400, "OperationConflict")
	wantErr(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.scope, "SourceIpamPoolId", f.child), 400, "OperationConflict")
	// The parent still has a (deleting) sub-pool.
	do(t, s, owner, "DeleteIpamPoolCidr", p("RegionId", hz, "IpamPoolId", f.top, "Cidr", "10.0.0.0/8"))
	wantErr(t, s, owner, "DeleteIpamPool", p("RegionId", hz, "IpamPoolId", f.top), 400, "DependencyViolation.IpamPool")
	clk.advance(29 * time.Second)
	wantErr(t, s, owner, "DeleteIpamPool", p("RegionId", hz, "IpamPoolId", f.top), 400, "DependencyViolation.IpamPool")
	clk.advance(time.Second)
	do(t, s, owner, "DeleteIpamPool", p("RegionId", hz, "IpamPoolId", f.top))
	wantErr(t, s, owner, "DeleteIpamScope", p("RegionId", hz, "IpamScopeId", f.scope), 400, "DependencyViolation.IpamPool")
	clk.advance(30 * time.Second)

	do(t, s, owner, "DeleteIpamScope", p("RegionId", hz, "IpamScopeId", f.scope))
	wantErr(t, s, owner, "DeleteIpamScope", p("RegionId", hz, "IpamScopeId", f.scope), 400, "IncorrectStatus.IpamScope")
	wantErr(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.scope), 400, "IncorrectStatus.IpamScope")
	wantErr(t, s, owner, "DeleteIpam", p("RegionId", hz, "IpamId", f.ipam), 400, "OperationFailed.IpamScopeExist")
	clk.advance(30 * time.Second)

	do(t, s, owner, "DeleteIpam", p("RegionId", hz, "IpamId", f.ipam))
	list := decode[vpcipam.ListIpamsResponseBody](t, do(t, s, owner, "ListIpams", p("RegionId", hz)))
	if len(list.Ipams) != 1 || *list.Ipams[0].IpamStatus != "Deleting" {
		t.Fatalf("IPAM in its window: %+v", list.Ipams)
	}
	wantErr(t, s, owner, "DeleteIpam", p("RegionId", hz, "IpamId", f.ipam), 400, "OperationConflict")
	wantErr(t, s, owner, "CreateIpamScope", p("RegionId", hz, "IpamId", f.ipam), 400, "OperationConflict")
	wantErr(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.privScope, "DryRun", "true"), 400, "OperationConflict")
	wantErr(t, s, owner, "CreateIpam", p("RegionId", hz, "OperatingRegionList.1", hz), 400, "QuotaExceeded.Ipam")
	clk.advance(30 * time.Second)
	if n := len(decode[vpcipam.ListIpamsResponseBody](t, do(t, s, owner, "ListIpams", p("RegionId", hz))).Ipams); n != 0 {
		t.Fatalf("%d IPAMs after the window", n)
	}
	if got := string(dump(t, s)); len(s.st.Scopes)+len(s.st.Discoveries)+len(s.st.Associations) != 0 {
		t.Fatalf("leftovers after the IPAM's window: %s", got)
	}
	do(t, s, owner, "CreateIpam", p("RegionId", hz, "OperatingRegionList.1", hz))
}
