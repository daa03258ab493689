package ipamsim

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	cases := map[string]Options{
		"non-numeric account": {Accounts: []Account{{ID: "abc", AccessKeyID: "k", AccessKeySecret: "s"}}},
		"missing secret":      {Accounts: []Account{{ID: "1", AccessKeyID: "k"}}},
		"duplicate account":   {Accounts: []Account{{ID: "1", AccessKeyID: "k", AccessKeySecret: "s"}, {ID: "1", AccessKeyID: "k2", AccessKeySecret: "s"}}},
		"duplicate key":       {Accounts: []Account{{ID: "1", AccessKeyID: "k", AccessKeySecret: "s"}, {ID: "2", AccessKeyID: "k", AccessKeySecret: "s"}}},
		"empty region":        {Regions: []string{""}},
		"negative delay":      {DeleteDelay: -1},
		"tail ratio 0":        {DeleteDelayTail: DeleteDelayTail{Ratio: 0, Factor: 10}},
		"tail ratio above 1":  {DeleteDelayTail: DeleteDelayTail{Ratio: 1.5, Factor: 10}},
		"tail factor below 1": {DeleteDelayTail: DeleteDelayTail{Ratio: 0.1, Factor: 0.5}},
		"admin outside RD":    {ResourceDirectory: &ResourceDirectory{DelegatedAdmin: "9", Accounts: []string{"1"}}},
		"folder member outside RD": {ResourceDirectory: &ResourceDirectory{Accounts: []string{"1"},
			Folders: map[string][]string{"fd-1": {"2"}}}},
	}
	for name, opts := range cases {
		if _, err := New(opts); err == nil {
			t.Errorf("%s: New accepted %+v", name, opts)
		}
	}
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	creds := s.accounts[DefaultAccount]
	if creds == nil || creds.AccessKeyID != DefaultAccessKeyID || creds.AccessKeySecret != DefaultAccessKeySecret {
		t.Fatalf("default account = %+v", creds)
	}
}

func TestDispatchCommonChecks(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	cases := []struct {
		name, action string
		params       wire.Params
		status       int
		code         string
	}{
		{"unknown action", "DescribeNothing", p("RegionId", hz), 404, "InvalidAction.NotFound"},
		{"missing region", "ListIpams", p(), 400, "MissingParameter.RegionId"},
		{"closed region", "ListIpams", p("RegionId", "ap-south-1"), 404, "InvalidRegionId.NotFound"},
		{"bad dry run flag", "DeleteIpam", p("RegionId", hz, "IpamId", "ipam-x", "DryRun", "yes"), 400, "IllegalParam.DryRun"},
		{"non-ASCII token", "CreateIpam", p("RegionId", hz, "OperatingRegionList.1", hz, "ClientToken", "tök"), 400, "IllegalParam.ClientToken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, s, owner, tc.action, tc.params, tc.status, tc.code)
		})
	}
	if _, err := s.Invoke(context.Background(), "42", wire.ProductVpcIpam, "ListIpams", p("RegionId", hz)); err == nil {
		t.Fatal("Invoke accepted an unknown account")
	}
}

// TestPermissionDenied: an action missing from the account's policy answers 403 Forbidden.RAM with the
// access-denied detail, for dry runs too, and changes nothing; other actions and accounts are unaffected.
func TestPermissionDenied(t *testing.T) {
	t.Parallel()
	s := newSim(t, func(o *Options) {
		o.Accounts[1].Denied = []string{"CreateIpam", "vpc:DeleteIpam"}
	})
	f := build(t, s)
	create := p("RegionId", hz, "OperatingRegionList.1", hz)
	for _, dry := range []string{"false", "true"} {
		before := dump(t, s)
		e := wantErr(t, s, other, "CreateIpam", with(create, "DryRun", dry), 403, "Forbidden.RAM")
		d := e.AccessDeniedDetail
		for k, want := range map[string]string{"AuthAction": "vpc:CreateIpam", "AuthPrincipalOwnerId": other, "NoPermissionType": "ImplicitDeny", "PolicyType": "AccountLevelIdentityBasedPolicy", "AuthPrincipalType": "SubUser"} {
			if d[k] != want {
				t.Errorf("AccessDeniedDetail[%s] = %v, want %q", k, d[k], want)
			}
		}
		msg, err := base64.StdEncoding.DecodeString(d["EncodedDiagnosticMessage"].(string))
		if err != nil || !json.Valid(msg) {
			t.Errorf("EncodedDiagnosticMessage %q is not base64 JSON", d["EncodedDiagnosticMessage"])
		}
		if d["AuthPrincipalDisplayName"] == "" {
			t.Error("AuthPrincipalDisplayName is empty")
		}
		if string(dump(t, s)) != string(before) {
			t.Fatal("a denied call changed the state")
		}
	}
	// "vpc:DeleteIpam" in the policy denies DeleteIpam; the check comes before existence.
	wantErr(t, s, other, "DeleteIpam", p("RegionId", hz, "IpamId", f.ipam, "DryRun", "true"), 403, "Forbidden.RAM")
	wantErr(t, s, other, "DeleteIpam", p("RegionId", hz, "IpamId", "ipam-none"), 403, "Forbidden.RAM")
	// Allowed actions still work for that account, and the same action works for others.
	do(t, s, other, "ListIpams", p("RegionId", hz))
	do(t, s, another, "CreateIpam", create)
}

// TestClientToken: the same token and parameters replay the first answer without a second effect; other
// parameters answer IdempotentParameterMismatch; dry runs and failures are not remembered; tokens are per
// account and action.
func TestClientToken(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	create := p("RegionId", hz, "OperatingRegionList.1", hz, "ClientToken", "tok-1")

	// A dry run with the token is not remembered.
	wantErr(t, s, owner, "CreateIpam", with(create, "DryRun", "true"), 400, "DryRunOperation")
	first := do(t, s, owner, "CreateIpam", create)
	before := dump(t, s)
	again := do(t, s, owner, "CreateIpam", create)
	if str(again, "IpamId") != str(first, "IpamId") || str(again, "PrivateDefaultScopeId") != str(first, "PrivateDefaultScopeId") {
		t.Fatalf("replay answered %v, first answer was %v", again, first)
	}
	if string(dump(t, s)) != string(before) {
		t.Fatal("a replayed request changed the state")
	}
	// Without the token the second IPAM is refused: the replay really had no effect.
	wantErr(t, s, owner, "CreateIpam", p("RegionId", hz, "OperatingRegionList.1", hz), 400, "QuotaExceeded.Ipam")
	wantErr(t, s, owner, "CreateIpam", with(create, "IpamName", "different"), 400, "IdempotentParameterMismatch")
	// Another account may use the same token.
	do(t, s, other, "CreateIpam", create)

	// A failed call is not remembered: after fixing the cause the same token succeeds.
	ipamID := str(first, "IpamId")
	scope := str(do(t, s, owner, "CreateIpamScope", p("RegionId", hz, "IpamId", ipamID)), "IpamScopeId")
	del := p("RegionId", hz, "IpamId", ipamID, "ClientToken", "del-1")
	wantErr(t, s, owner, "DeleteIpam", del, 400, "OperationFailed.IpamScopeExist")
	do(t, s, owner, "DeleteIpamScope", p("RegionId", hz, "IpamScopeId", scope))
	do(t, s, owner, "DeleteIpam", del)
	// Replaying the delete answers success again although the IPAM is gone.
	do(t, s, owner, "DeleteIpam", del)
	wantErr(t, s, owner, "DeleteIpam", p("RegionId", hz, "IpamId", ipamID), 400, "ResourceNotFound.Ipam")
}

// TestReplayIsolatedFromCaller: a caller mutating a replayed answer cannot change the remembered one.
func TestReplayIsolatedFromCaller(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	create := p("RegionId", hz, "OperatingRegionList.1", hz, "ClientToken", "tok")
	first := do(t, s, owner, "CreateIpam", create)
	id := str(first, "IpamId")
	first["IpamId"] = "changed"
	if got := str(do(t, s, owner, "CreateIpam", create), "IpamId"); got != id {
		t.Fatalf("replay answered IpamId %q, want %q", got, id)
	}
}

func TestInvokeHonoursContext(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Invoke(ctx, owner, wire.ProductVpcIpam, "ListIpams", p("RegionId", hz)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Invoke with a cancelled context: %v", err)
	}
}

// TestIDsDeterministic: the same seed and calls give the same ids; another seed gives others; formats follow
// reference 1.9.
func TestIDsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := build(t, newSim(t)), build(t, newSim(t))
	if a != b {
		t.Fatalf("same seed, different ids:\n%v\n%v", a, b)
	}
	c := build(t, newSim(t, func(o *Options) { o.IDSeed = 8 }))
	if c.ipam == a.ipam {
		t.Fatal("different seeds gave the same IPAM id")
	}
	for id, prefix := range map[string]string{a.ipam: "ipam-", a.scope: "ipam-scope-", a.top: "ipam-pool-", a.alloc: "ipam-alloc-"} {
		if len(id) != len(prefix)+18 || id[:len(prefix)] != prefix {
			t.Errorf("id %q does not look like %s + 18 characters", id, prefix)
		}
	}
}

// TestServeMatchesInvoke: the wire.Backend path answers exactly as Invoke, and refuses unknown accounts.
func TestServeMatchesInvoke(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	build(t, s)
	req := &wire.Request{RequestID: "R", Account: owner, Product: wire.ProductVpcIpam, Action: "ListIpamPools", Params: p("RegionId", hz)}
	got, err := s.Serve(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	b1, _ := json.Marshal(got)
	b2, _ := json.Marshal(do(t, s, owner, "ListIpamPools", p("RegionId", hz)))
	if string(b1) != string(b2) {
		t.Fatalf("Serve answered %s, Invoke %s", b1, b2)
	}
	req.Account = "999"
	if _, err := s.Serve(context.Background(), req); err == nil {
		t.Fatal("Serve accepted an unknown account")
	}
}
