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
