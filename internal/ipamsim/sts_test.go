package ipamsim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// TestGetCallerIdentity: each account's keys identify that account, as cloudapi's CallerAccount expects.
func TestGetCallerIdentity(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	for _, acct := range []string{owner, other} {
		out := invoke(t, s, acct, productSts, "GetCallerIdentity", p())
		want := map[string]string{"AccountId": acct, "IdentityType": "Account", "Arn": "acs:ram::" + acct + ":root", "PrincipalId": acct, "UserId": acct}
		for k, v := range want {
			if str(out, k) != v {
				t.Errorf("%s: %s = %q, want %q", acct, k, str(out, k), v)
			}
		}
	}
	// A RAM denial applies to Sts as to every product.
	s = newSim(t, func(o *Options) { o.Accounts[1].Denied = []string{"sts:GetCallerIdentity"} })
	wantCode(t, s, other, productSts, "GetCallerIdentity", p(), 403, "Forbidden.RAM")
}

// TestPeripheryDenials: a RAM denial of a sharing, Vpc or member action answers 403 with an
// AccessDeniedDetail naming the product's RAM action, dry run included, and changes nothing.
func TestPeripheryDenials(t *testing.T) {
	t.Parallel()
	s := newSim(t, withDirectory, func(o *Options) {
		o.Accounts[0].Denied = []string{"resourcesharing:DeleteResourceShare", "vpc:DeleteVpc", "AddIpamMembers"}
	})
	bareIpam(t, s, owner, hz)
	shareID := createShare(t, s, owner, "s", nil, other)
	vpcID := str(invoke(t, s, owner, vpcP, "CreateVpc", p("RegionId", hz)), "VpcId")
	tests := []struct {
		product, action, auth string
		params                map[string]string
	}{
		{rsP, "DeleteResourceShare", "resourcesharing:DeleteResourceShare", p("ResourceShareId", shareID)},
		{vpcP, "DeleteVpc", "vpc:DeleteVpc", p("RegionId", hz, "VpcId", vpcID)},
		{ipamP, "AddIpamMembers", "vpc:AddIpamMembers", members(other, "Account")},
	}
	for _, tc := range tests {
		for _, dry := range []string{"false", "true"} {
			before := dump(t, s)
			e := invokeErr(t, s, owner, tc.product, tc.action, with(tc.params, "DryRun", dry))
			if e == nil || e.Status != 403 || e.AccessDeniedDetail["AuthAction"] != tc.auth {
				t.Fatalf("%s (DryRun=%s): %v, want 403 for %s", tc.action, dry, e, tc.auth)
			}
			if after := dump(t, s); string(before) != string(after) {
				t.Fatalf("a denied %s changed the state", tc.action)
			}
		}
	}
}

// withRole gives account other the role "cleanup", which owner may assume.
func withRole(o *Options) {
	o.Accounts[1].Roles = []Role{{Name: "cleanup", Trust: []string{owner}}}
}

const cleanupArn = "acs:ram::" + other + ":role/cleanup"

// asSession runs one call signed with a temporary credential, through dispatch as the wire layer hands it on.
func asSession(s *Sim, cred map[string]any, product, action string, params wire.Params) (map[string]any, error) {
	key := cred["AccessKeyId"].(string)
	c, ok := s.LookupCredential(key)
	if !ok {
		return nil, fmt.Errorf("LookupCredential(%s): not found", key)
	}
	return s.dispatch(context.Background(), &wire.Request{Account: c.Account, AccessKey: key, Product: product, Action: action, Params: params})
}

// TestAssumeRole: the answer has the shape credentials-go parses, the credential acts as the role's account,
// names the session in GetCallerIdentity, and expires on the emulator's clock.
func TestAssumeRole(t *testing.T) {
	t.Parallel()
	s, clk := newSimClock(t, withRole)
	out := invoke(t, s, owner, productSts, "AssumeRole", p("RoleArn", cleanupArn, "RoleSessionName", "sweep@nightly", "DurationSeconds", "900"))
	cred, _ := out["Credentials"].(map[string]any)
	user, _ := out["AssumedRoleUser"].(map[string]any)
	if cred == nil || user == nil {
		t.Fatalf("AssumeRole = %v, want Credentials and AssumedRoleUser", out)
	}
	if id := str(cred, "AccessKeyId"); !strings.HasPrefix(id, "STS.") {
		t.Errorf("AccessKeyId %q, want the STS. prefix", id)
	}
	if str(cred, "AccessKeySecret") == "" || str(cred, "SecurityToken") == "" {
		t.Errorf("Credentials %v: secret and token are required", cred)
	}
	if got, want := str(cred, "Expiration"), clk.t.Add(15*time.Minute).Format("2006-01-02T15:04:05Z"); got != want {
		t.Errorf("Expiration %q, want %q", got, want)
	}
	if got := str(user, "Arn"); got != cleanupArn+"/sweep@nightly" {
		t.Errorf("AssumedRoleUser.Arn %q", got)
	}
	if got := str(user, "AssumedRoleId"); !strings.HasSuffix(got, ":sweep@nightly") || len(got) != 17+len(":sweep@nightly") {
		t.Errorf("AssumedRoleUser.AssumedRoleId %q, want <17-digit role id>:sweep@nightly", got)
	}
	if c, ok := s.LookupCredential(str(cred, "AccessKeyId")); !ok || c.Account != other || c.SecurityToken != str(cred, "SecurityToken") || c.AccessKeySecret != str(cred, "AccessKeySecret") {
		t.Fatalf("LookupCredential = %+v, %v; want the issued credential of account %s", c, ok, other)
	}

	// The session is account other: it sees other's IPAM, not owner's.
	do(t, s, other, "CreateIpam", p("RegionId", hz, "OperatingRegionList.1", hz, "IpamName", "theirs"))
	do(t, s, owner, "CreateIpam", p("RegionId", hz, "OperatingRegionList.1", hz, "IpamName", "mine"))
	list, err := asSession(s, cred, wire.ProductVpcIpam, "ListIpams", p("RegionId", hz))
	if err != nil {
		t.Fatal(err)
	}
	ipams, _ := list["Ipams"].([]map[string]any)
	if len(ipams) != 1 || str(ipams[0], "IpamName") != "theirs" {
		t.Errorf("ListIpams as the session = %v, want other's IPAM only", list["Ipams"])
	}
	who, err := asSession(s, cred, productSts, "GetCallerIdentity", p())
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"AccountId": other, "IdentityType": "AssumedRoleUser", "Arn": str(user, "Arn"), "PrincipalId": str(user, "AssumedRoleId")} {
		if str(who, k) != v {
			t.Errorf("GetCallerIdentity as the session: %s = %q, want %q", k, str(who, k), v)
		}
	}

	// One second before Expiration it still works; at Expiration it is refused.
	clk.advance(15*time.Minute - time.Second)
	if _, err := asSession(s, cred, productSts, "GetCallerIdentity", p()); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	clk.advance(time.Second)
	_, err = asSession(s, cred, wire.ProductVpcIpam, "ListIpams", p("RegionId", hz))
	var we *wire.Error
	if !errors.As(err, &we) || we.Status != 400 || we.Code != "InvalidSecurityToken.Expired" {
		t.Fatalf("after expiry: %v, want 400 InvalidSecurityToken.Expired", err)
	}
}

// TestAssumeRoleRefusals: each check of AssumeRole, in the order the handler makes them.
func TestAssumeRoleRefusals(t *testing.T) {
	t.Parallel()
	s := newSim(t, withRole, func(o *Options) { o.Accounts[2].Denied = []string{"sts:AssumeRole"} })
	tests := []struct {
		name, caller string
		params       wire.Params
		status       int
		code         string
	}{
		{"no RoleArn", owner, p("RoleSessionName", "s1"), 400, "MissingRoleArn"},
		{"no RoleSessionName", owner, p("RoleArn", cleanupArn), 400, "MissingRoleSessionName"},
		{"RoleArn not an arn", owner, p("RoleArn", "cleanup", "RoleSessionName", "s1"), 400, "InvalidParameter.RoleArn"},
		{"RoleArn with a letter in the account", owner, p("RoleArn", "acs:ram::10x:role/cleanup", "RoleSessionName", "s1"), 400, "InvalidParameter.RoleArn"},
		{"session name too short", owner, p("RoleArn", cleanupArn, "RoleSessionName", "s"), 400, "InvalidParameter.RoleSessionName"},
		{"session name with a space", owner, p("RoleArn", cleanupArn, "RoleSessionName", "a b"), 400, "InvalidParameter.RoleSessionName"},
		{"session name of 65", owner, p("RoleArn", cleanupArn, "RoleSessionName", strings.Repeat("a", 65)), 400, "InvalidParameter.RoleSessionName"},
		{"duration below 900", owner, p("RoleArn", cleanupArn, "RoleSessionName", "s1", "DurationSeconds", "899"), 400, "InvalidParameter.DurationSeconds"},
		{"duration above 43200", owner, p("RoleArn", cleanupArn, "RoleSessionName", "s1", "DurationSeconds", "43201"), 400, "InvalidParameter.DurationSeconds"},
		{"duration not a number", owner, p("RoleArn", cleanupArn, "RoleSessionName", "s1", "DurationSeconds", "1h"), 400, "InvalidParameter.DurationSeconds"},
		{"session policy", owner, p("RoleArn", cleanupArn, "RoleSessionName", "s1", "Policy", `{"Version":"1"}`), 400, "InvalidParameter.Policy"},
		{"unknown role", owner, p("RoleArn", "acs:ram::"+other+":role/nope", "RoleSessionName", "s1"), 404, "EntityNotExist.Role"},
		{"unknown account", owner, p("RoleArn", "acs:ram::42:role/cleanup", "RoleSessionName", "s1"), 404, "EntityNotExist.Role"},
		{"role of the caller's own account", owner, p("RoleArn", "acs:ram::"+owner+":role/cleanup", "RoleSessionName", "s1"), 404, "EntityNotExist.Role"},
		{"untrusted caller", other, p("RoleArn", cleanupArn, "RoleSessionName", "s1"), 403, "NoPermission"},
		{"RAM denial of the caller", another, p("RoleArn", cleanupArn, "RoleSessionName", "s1"), 403, "Forbidden.RAM"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, s, tc.caller, productSts, "AssumeRole", tc.params, tc.status, tc.code)
		})
	}
	if n := len(s.sessions); n != 0 {
		t.Errorf("refused calls issued %d credentials", n)
	}
	// The edges of the ranges are accepted; the role name matches case-insensitively, as RAM's does.
	for _, params := range []wire.Params{
		p("RoleArn", cleanupArn, "RoleSessionName", "ab", "DurationSeconds", "900"),
		p("RoleArn", "acs:ram::"+other+":role/CleanUp", "RoleSessionName", strings.Repeat("a", 64), "DurationSeconds", "43200"),
	} {
		invoke(t, s, owner, productSts, "AssumeRole", params)
	}
}

// TestNewChecksRoles: a role must be well named, declared once, and trust only accounts of the emulator.
func TestNewChecksRoles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		roles []Role
		want  string
	}{
		{[]Role{{Name: "a/b", Trust: []string{owner}}}, `Options.Accounts[1].Roles[0].Name "a/b" is not a role name`},
		{[]Role{{Name: "r", Trust: []string{owner}}, {Name: "R", Trust: []string{owner}}}, `Options.Accounts[1].Roles[1].Name "R" is listed twice`},
		{[]Role{{Name: "r", Trust: []string{owner, "42"}}}, `Options.Accounts[1].Roles[0].Trust[1]: account "42" is not an account of the emulator`},
	}
	for _, tc := range tests {
		opts := Options{Accounts: []Account{
			{ID: owner, AccessKeyID: "a", AccessKeySecret: "a"},
			{ID: other, AccessKeyID: "b", AccessKeySecret: "b", Roles: tc.roles},
		}}
		_, err := New(opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New with roles %+v: %v, want an error containing %q", tc.roles, err, tc.want)
		}
	}
}

// TestRegions: each product answers in its own regions (catalog.Regions): VpcIpam in the 33 of its endpoint
// map, finance regions, ap-southeast-2 and cn-wuhan-lr included, but not in na-south-1, which the public list
// has and Vpc serves; Options.Regions restricts them; a region outside answers 404 InvalidRegionId.NotFound.
func TestRegions(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	if got := catalog.Regions(catalog.ProductVpcIpam); len(got) != 33 || slices.Contains(got, "na-south-1") {
		t.Fatalf("VpcIpam regions = %v", got)
	}
	if regions := catalog.PublicRegions(); len(regions) != 28 || !slices.Contains(regions, "cn-wulanchabu") || !slices.Contains(regions, "na-south-1") {
		t.Fatalf("catalog.PublicRegions() = %v", regions)
	}
	for _, r := range catalog.Regions(catalog.ProductVpcIpam) {
		do(t, s, owner, "ListIpams", p("RegionId", r))
	}
	vpcIn := func(s *Sim, region string) error {
		_, err := s.Invoke(context.Background(), owner, wire.ProductVpc, "DescribeVpcs", p("RegionId", region))
		return err
	}
	for _, tc := range []struct {
		region      string
		ipam, vpc   bool
		description string
	}{
		{"cn-hangzhou", true, true, "on both lists"},
		{"ap-southeast-2", true, false, "VpcIpam's endpoint map, not the public list"},
		{"cn-shanghai-finance-1", true, false, "a finance region of VpcIpam's map"},
		{"cn-hangzhou-finance", true, false, "a finance region of VpcIpam's map"},
		{"cn-wuhan-lr", true, false, "VpcIpam's map"},
		{"na-south-1", false, true, "the public list, not VpcIpam's map"},
		{"ap-south-1", false, false, "neither"},
		{"CN-HANGZHOU", false, false, "ids are lower case"},
	} {
		if tc.ipam {
			do(t, s, owner, "ListIpams", p("RegionId", tc.region))
		} else {
			wantErr(t, s, owner, "ListIpams", p("RegionId", tc.region), 404, "InvalidRegionId.NotFound")
		}
		var we *wire.Error
		if err := vpcIn(s, tc.region); (err == nil) != tc.vpc || err != nil && (!errors.As(err, &we) || we.Code != "InvalidRegionId.NotFound") {
			t.Errorf("DescribeVpcs in %s (%s): %v, want served %v", tc.region, tc.description, err, tc.vpc)
		}
	}
	regions := catalog.PublicRegions()
	regions[0] = "mutated"
	if catalog.PublicRegions()[0] != "cn-qingdao" {
		t.Fatal("PublicRegions returns the package's table, not a copy")
	}

	s = newSim(t, func(o *Options) { o.Regions = []string{"ap-southeast-7", hz, "na-south-1"} })
	do(t, s, owner, "ListIpams", p("RegionId", "ap-southeast-7"))
	do(t, s, owner, "ListIpams", p("RegionId", hz))
	wantErr(t, s, owner, "ListIpams", p("RegionId", sh), 404, "InvalidRegionId.NotFound")
	wantErr(t, s, owner, "ListIpams", p("RegionId", "na-south-1"), 404, "InvalidRegionId.NotFound")
	if err := vpcIn(s, "na-south-1"); err != nil {
		t.Errorf("DescribeVpcs in na-south-1, which Options.Regions names: %v", err)
	}
}
