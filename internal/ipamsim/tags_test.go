package ipamsim

import (
	"strings"
	"testing"

	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"
)

func TestValidTagKey(t *testing.T) {
	t.Parallel()
	for k, want := range map[string]bool{
		"env": true, "Team.name_1-x": true, strings.Repeat("k", 64): true,
		"": false, strings.Repeat("k", 65): false, "1env": false, "_env": false, "aliyun-x": false, "Aliyunx": false,
		"acs:x": false, "has space": false, "a/b": false, "xhttp://y": false, "键": false,
	} {
		if got := validTagKey(k); got != want {
			t.Errorf("validTagKey(%q) = %v, want %v", k, got, want)
		}
	}
}

// TestUntagResourcesSeed004: every code of seed 004's table with its HTTP status.
func TestUntagResourcesSeed004(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	many := func(name string, n int) []string {
		var out []string
		for i := 1; i <= n; i++ {
			out = append(out, name+"."+itoa(i), "k"+itoa(i))
		}
		return out
	}
	cases := []struct {
		name   string
		args   []string
		status int
		code   string
	}{
		{"no resource ids", []string{"ResourceType", "IPAM", "All", "true"}, 400, "MissingParameter.ResourceIds"},
		{"no resource type", []string{"ResourceId.1", f.ipam, "All", "true"}, 400, "MissingParameter.ResourceType"},
		{"21 resource ids", append(many("ResourceId", 21), "ResourceType", "IPAM", "All", "true"), 400, "IllegalParamSize.ResourceIds"},
		{"21 tag keys", append(many("TagKey", 21), "ResourceType", "IPAM", "ResourceId.1", f.ipam), 400, "IllegalParamSize.Tags"},
		{"bad resource type", []string{"ResourceType", "VPC", "ResourceId.1", f.ipam, "All", "true"}, 400, "IllegalParam.ResourceType"},
		{"neither keys nor All", []string{"ResourceType", "IPAM", "ResourceId.1", f.ipam}, 400, "MissingParameter.Tags"},
		{"All=false and no keys", []string{"ResourceType", "IPAM", "ResourceId.1", f.ipam, "All", "false"}, 400, "MissingParameter.Tags"},
		{"bad tag key", []string{"ResourceType", "IPAM", "ResourceId.1", f.ipam, "TagKey.1", "acs:x"}, 400, "IllegalParam.TagKey"},
		{"unknown IPAM", []string{"ResourceType", "IPAM", "ResourceId.1", "ipam-none", "All", "true"}, 400, "ResourceNotFound.Ipam"},
		{"unknown scope", []string{"ResourceType", "IPAMSCOPE", "ResourceId.1", "ipam-scope-none", "All", "true"}, 400, "ResourceNotFound.IpamScope"},
		{"unknown pool", []string{"ResourceType", "IPAMPOOL", "ResourceId.1", "ipam-pool-none", "All", "true"}, 404, "ResourceNotFound.IpamPool"},
		{"a pool id given as IPAM", []string{"ResourceType", "IPAM", "ResourceId.1", f.top, "All", "true"}, 400, "ResourceNotFound.Ipam"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, s, owner, "UntagResources", with(p(tc.args...), "RegionId", hz), tc.status, tc.code)
		})
	}
	// Another account's resources are not found either.
	wantErr(t, s, other, "UntagResources", p("RegionId", hz, "ResourceType", "IPAMPOOL", "ResourceId.1", f.top, "All", "true"), 404, "ResourceNotFound.IpamPool")
}

func TestTagLifecycle(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	tag := p("RegionId", hz, "ResourceType", "IPAMPOOL", "ResourceId.1", f.top, "ResourceId.2", f.child,
		"Tag.1.Key", "env", "Tag.1.Value", "prod", "Tag.2.Key", "owner", "Tag.2.Value", "net")
	wantDryRunClean(t, s, owner, "TagResources", tag)
	do(t, s, owner, "TagResources", tag)
	do(t, s, owner, "TagResources", p("RegionId", hz, "ResourceType", "IPAM", "ResourceId.1", f.ipam, "Tag.1.Key", "env", "Tag.1.Value", "prod"))
	list := func(args ...string) []*vpcipam.ListTagResourcesResponseBodyTagResources {
		t.Helper()
		return decode[vpcipam.ListTagResourcesResponseBody](t, do(t, s, owner, "ListTagResources", with(p(args...), "RegionId", hz))).TagResources
	}
	if got := list("ResourceType", "IPAMPOOL", "ResourceId.1", f.top); len(got) != 2 || *got[0].TagKey != "env" || *got[0].TagValue != "prod" || *got[0].ResourceType != "IPAMPOOL" {
		t.Fatalf("tags of the top pool: %+v", got)
	}
	if got := list("ResourceType", "IPAMPOOL", "Tag.1.Key", "env"); len(got) != 4 {
		t.Fatalf("pools tagged env: %d rows", len(got))
	}
	if got := list("ResourceType", "IPAMPOOL", "Tag.1.Key", "env", "Tag.1.Value", "dev"); len(got) != 0 {
		t.Fatalf("env=dev matched %d rows", len(got))
	}
	if got := list("ResourceType", "IPAM", "Tag.1.Key", "env"); len(got) != 1 || *got[0].ResourceId != f.ipam {
		t.Fatalf("IPAM tags %+v", got)
	}
	wantErr(t, s, owner, "ListTagResources", p("RegionId", hz, "ResourceType", "IPAMPOOL"), 400, "MissingParameter.ResourceIds")
	wantErr(t, s, owner, "ListTagResources", p("RegionId", hz, "ResourceId.1", f.top), 400, "MissingParameter.ResourceType")
	wantErr(t, s, owner, "ListTagResources", p("RegionId", hz, "ResourceType", "IPAMPOOL", "ResourceId.1", f.top, "MaxResults", "51"), 400, "IllegalParam.MaxResults")
	// Tag.N errors on TagResources.
	for _, tc := range []struct {
		args []string
		code string
	}{
		{nil, "MissingParameter.Tags"},
		{[]string{"Tag.1.Key", "aliyun"}, "IllegalParam.TagKey"},
		{[]string{"Tag.1.Key", "k", "Tag.1.Value", "https://x"}, "IllegalParam.TagValue"},
		{[]string{"Tag.1.Key", "k", "Tag.2.Key", "k"}, "DuplicatedParam.TagKey"},
	} {
		wantErr(t, s, owner, "TagResources", with(p("RegionId", hz, "ResourceType", "IPAMPOOL", "ResourceId.1", f.top), tc.args...), 400, tc.code)
	}
	// At most 20 tags per resource.
	var twenty []string
	for i := 1; i <= 19; i++ {
		twenty = append(twenty, "Tag."+itoa(i)+".Key", "k"+itoa(i))
	}
	do(t, s, owner, "TagResources", with(p("RegionId", hz, "ResourceType", "IPAMSCOPE", "ResourceId.1", f.scope), twenty...))
	do(t, s, owner, "TagResources", p("RegionId", hz, "ResourceType", "IPAMSCOPE", "ResourceId.1", f.scope, "Tag.1.Key", "k1", "Tag.1.Value", "overwrite"))
	do(t, s, owner, "TagResources", p("RegionId", hz, "ResourceType", "IPAMSCOPE", "ResourceId.1", f.scope, "Tag.1.Key", "k20"))
	wantErr(t, s, owner, "TagResources", p("RegionId", hz, "ResourceType", "IPAMSCOPE", "ResourceId.1", f.scope, "Tag.1.Key", "k21"), 400, "IllegalParamSize.Tags")

	// Untag by key, then All.
	untag := p("RegionId", hz, "ResourceType", "IPAMPOOL", "ResourceId.1", f.top, "TagKey.1", "env")
	wantDryRunClean(t, s, owner, "UntagResources", untag)
	do(t, s, owner, "UntagResources", untag)
	if got := list("ResourceType", "IPAMPOOL", "ResourceId.1", f.top); len(got) != 1 || *got[0].TagKey != "owner" {
		t.Fatalf("after untagging env: %+v", got)
	}
	do(t, s, owner, "UntagResources", p("RegionId", hz, "ResourceType", "IPAMPOOL", "ResourceId.1", f.top, "All", "true"))
	if got := list("ResourceType", "IPAMPOOL", "ResourceId.1", f.top); len(got) != 0 {
		t.Fatalf("after All: %+v", got)
	}
	// Untagging a key the resource does not have is fine.
	do(t, s, owner, "UntagResources", untag)
}

// TestListTagResourcesPages walks 60 tag rows 50 at a time: every row exactly once.
func TestListTagResourcesPages(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	var ids []string
	for i := 0; i < 30; i++ {
		id := str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.privScope, "Tag.1.Key", "a", "Tag.2.Key", "b", "Tag.2.Value", itoa(i))), "IpamPoolId")
		ids = append(ids, id)
	}
	seen := map[string]int{}
	token, pages := "", 0
	for {
		params := p("RegionId", hz, "ResourceType", "IPAMPOOL", "Tag.1.Key", "a", "MaxResults", "50")
		if token != "" {
			params["NextToken"] = token
		}
		page := decode[vpcipam.ListTagResourcesResponseBody](t, do(t, s, owner, "ListTagResources", params))
		pages++
		for _, r := range page.TagResources {
			seen[*r.ResourceId+"/"+*r.TagKey]++
		}
		if token = *page.NextToken; token == "" {
			break
		}
	}
	if pages != 2 || len(seen) != 60 {
		t.Fatalf("%d pages, %d distinct rows; want 2 pages, 60 rows", pages, len(seen))
	}
	for _, id := range ids {
		for _, k := range []string{"a", "b"} {
			if n := seen[id+"/"+k]; n != 1 {
				t.Errorf("row %s/%s seen %d times", id, k, n)
			}
		}
	}
}
