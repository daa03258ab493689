package ipamsim

import "testing"

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
