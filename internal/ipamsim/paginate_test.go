package ipamsim

import (
	"testing"

	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"
)

// TestPaginationOver250Pools walks 250 pools with several page sizes: every pool comes exactly once, in
// creation order, Count/TotalCount/MaxResults are right, and the last page has an empty NextToken. A pool
// deleted between pages does not shift the others.
func TestPaginationOver250Pools(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	want := []string{f.top, f.child}
	for len(want) < 250 {
		want = append(want, str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.privScope)), "IpamPoolId"))
	}
	for _, max := range []string{"", "1", "7", "100"} {
		var got []string
		token, pages := "", 0
		for {
			params := p("RegionId", hz)
			if max != "" {
				params["MaxResults"] = max
			}
			if token != "" {
				params["NextToken"] = token
			}
			page := decode[vpcipam.ListIpamPoolsResponseBody](t, do(t, s, owner, "ListIpamPools", params))
			pages++
			if *page.TotalCount != 250 || int(*page.Count) != len(page.IpamPools) {
				t.Fatalf("MaxResults %q page %d: Count %d TotalCount %d items %d", max, pages, *page.Count, *page.TotalCount, len(page.IpamPools))
			}
			wantMax := int64(10)
			if max != "" {
				wantMax = int64(atoi(t, max))
			}
			if *page.MaxResults != wantMax || int64(len(page.IpamPools)) > wantMax {
				t.Fatalf("MaxResults %q: echoed %d, %d items", max, *page.MaxResults, len(page.IpamPools))
			}
			for _, pl := range page.IpamPools {
				got = append(got, *pl.IpamPoolId)
			}
			token = *page.NextToken
			if token == "" {
				break
			}
		}
		if len(got) != len(want) {
			t.Fatalf("MaxResults %q: %d pools over %d pages, want %d", max, len(got), pages, len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("MaxResults %q: item %d is %s, want %s", max, i, got[i], want[i])
			}
		}
	}

	// Delete an item already returned between pages: the next page starts where it should.
	page1 := decode[vpcipam.ListIpamPoolsResponseBody](t, do(t, s, owner, "ListIpamPools", p("RegionId", hz, "MaxResults", "5", "IpamScopeId", f.privScope)))
	do(t, s, owner, "DeleteIpamPool", p("RegionId", hz, "IpamPoolId", *page1.IpamPools[4].IpamPoolId))
	page2 := decode[vpcipam.ListIpamPoolsResponseBody](t, do(t, s, owner, "ListIpamPools", p("RegionId", hz, "MaxResults", "5", "IpamScopeId", f.privScope, "NextToken", *page1.NextToken)))
	if *page2.IpamPools[0].IpamPoolId != want[7] {
		t.Fatalf("after a deletion the next page starts at %s, want %s", *page2.IpamPools[0].IpamPoolId, want[7])
	}
}

func TestPaginationRefusals(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	for i := 0; i < 3; i++ {
		do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.privScope))
	}
	first := decode[vpcipam.ListIpamPoolsResponseBody](t, do(t, s, owner, "ListIpamPools", p("RegionId", hz, "MaxResults", "1")))
	token := *first.NextToken
	if token == "" {
		t.Fatal("no NextToken on the first of several pages")
	}
	cases := []struct {
		name, action string
		args         []string
		code         string
	}{
		{"MaxResults 0", "ListIpamPools", []string{"MaxResults", "0"}, "IllegalParam.MaxResults"},
		{"MaxResults 101", "ListIpamPools", []string{"MaxResults", "101"}, "IllegalParam.MaxResults"},
		{"MaxResults not a number", "ListIpams", []string{"MaxResults", "ten"}, "IllegalParam.MaxResults"},
		{"MaxResults 51 on tags", "ListTagResources", []string{"ResourceType", "IPAM", "ResourceId.1", f.ipam, "MaxResults", "51"}, "IllegalParam.MaxResults"},
		{"garbage token", "ListIpamPools", []string{"NextToken", "FFmyTO70tTpLG6I3FmYAXGKPd"}, "IllegalParam.NextToken"},
		{"tampered token", "ListIpamPools", []string{"NextToken", "Mg." + token[len(token)-8:]}, "IllegalParam.NextToken"},
		{"token of another action", "ListIpamScopes", []string{"NextToken", token}, "IllegalParam.NextToken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, s, owner, tc.action, with(p(tc.args...), "RegionId", hz), 400, tc.code)
		})
	}
	// The same token from another emulator seed is refused too.
	s2 := newSim(t, func(o *Options) { o.IDSeed = 99 })
	build(t, s2)
	wantErr(t, s2, owner, "ListIpamPools", p("RegionId", hz, "NextToken", token), 400, "IllegalParam.NextToken")
	do(t, s, owner, "ListIpamPools", p("RegionId", hz, "NextToken", token, "MaxResults", "100"))
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
