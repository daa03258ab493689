package ipamsim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

const (
	hz      = "cn-hangzhou"
	sh      = "cn-shanghai"
	owner   = DefaultAccount
	other   = "1000000000000002"
	another = "1000000000000003"
)

// fakeClock is an injected clock tests move by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

// newSim returns an emulator with three accounts and a fixed clock; mod may change the options.
func newSim(t testing.TB, mod ...func(*Options)) *Sim {
	t.Helper()
	s, _ := newSimClock(t, mod...)
	return s
}

// newSimClock is newSim that also returns the clock.
func newSimClock(t testing.TB, mod ...func(*Options)) (*Sim, *fakeClock) {
	t.Helper()
	clk := newClock()
	opts := Options{
		Accounts: []Account{
			{ID: owner, AccessKeyID: "ak-owner", AccessKeySecret: "sk-owner"},
			{ID: other, AccessKeyID: "ak-other", AccessKeySecret: "sk-other"},
			{ID: another, AccessKeyID: "ak-another", AccessKeySecret: "sk-another"},
		},
		Now:    clk.now,
		IDSeed: 7,
	}
	for _, m := range mod {
		m(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, clk
}

// p builds params from alternating names and values.
func p(kv ...string) wire.Params {
	if len(kv)%2 != 0 {
		panic("p: odd number of arguments")
	}
	out := wire.Params{}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// with returns a copy of base with kv added.
func with(base wire.Params, kv ...string) wire.Params {
	out := wire.Params{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range p(kv...) {
		out[k] = v
	}
	return out
}

// do invokes a VpcIpam action as account and fails the test on error.
func do(t testing.TB, s *Sim, account, action string, params wire.Params) map[string]any {
	t.Helper()
	out, err := s.Invoke(context.Background(), account, wire.ProductVpcIpam, action, params)
	if err != nil {
		t.Fatalf("%s %v: %v", action, params, err)
	}
	return out
}

// callErr invokes an action and returns its API error (nil on success).
func callErr(t testing.TB, s *Sim, account, action string, params wire.Params) *wire.Error {
	t.Helper()
	_, err := s.Invoke(context.Background(), account, wire.ProductVpcIpam, action, params)
	if err == nil {
		return nil
	}
	var we *wire.Error
	if !errors.As(err, &we) {
		t.Fatalf("%s: error %v is not a *wire.Error", action, err)
	}
	return we
}

// wantErr asserts that the call fails with exactly code and status.
func wantErr(t testing.TB, s *Sim, account, action string, params wire.Params, status int, code string) *wire.Error {
	t.Helper()
	e := callErr(t, s, account, action, params)
	if e == nil {
		t.Fatalf("%s %v: succeeded, want %d %s", action, params, status, code)
	}
	if e.Code != code || e.Status != status {
		t.Fatalf("%s %v: got %d %s (%s), want %d %s", action, params, e.Status, e.Code, e.Message, status, code)
	}
	return e
}

func str(m map[string]any, k string) string {
	v, _ := m[k].(string)
	return v
}

func dump(t testing.TB, s *Sim) []byte {
	t.Helper()
	b, err := json.Marshal(s.DumpState())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantDryRunClean asserts that a dry run of action answers DryRunOperation and leaves the state byte-identical.
func wantDryRunClean(t testing.TB, s *Sim, account, action string, params wire.Params) {
	t.Helper()
	before := dump(t, s)
	wantErr(t, s, account, action, with(params, "DryRun", "true"), 400, dryRunCode(wire.ProductVpcIpam, action))
	if after := dump(t, s); !bytes.Equal(before, after) {
		t.Fatalf("%s dry run changed the state:\nbefore %s\nafter  %s", action, before, after)
	}
}

// fixture is a small IPAM built through Invoke: a custom scope, a top-level pool with 10.0.0.0/8, a regional
// child with 10.1.0.0/16 and a custom allocation in the child.
type fixture struct {
	ipam, privScope, pubScope, scope, top, child, alloc string
}

func build(t testing.TB, s *Sim) fixture {
	t.Helper()
	var f fixture
	out := do(t, s, owner, "CreateIpam", p("RegionId", hz, "OperatingRegionList.1", hz, "OperatingRegionList.2", sh, "IpamName", "main"))
	f.ipam, f.privScope, f.pubScope = str(out, "IpamId"), str(out, "PrivateDefaultScopeId"), str(out, "PublicDefaultScopeId")
	f.scope = str(do(t, s, owner, "CreateIpamScope", p("RegionId", hz, "IpamId", f.ipam)), "IpamScopeId")
	f.top = str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.scope)), "IpamPoolId")
	do(t, s, owner, "AddIpamPoolCidr", p("RegionId", hz, "IpamPoolId", f.top, "Cidr", "10.0.0.0/8"))
	f.child = str(do(t, s, owner, "CreateIpamPool", p("RegionId", hz, "IpamScopeId", f.scope, "SourceIpamPoolId", f.top, "PoolRegionId", hz)), "IpamPoolId")
	do(t, s, owner, "AddIpamPoolCidr", p("RegionId", hz, "IpamPoolId", f.child, "Cidr", "10.1.0.0/16"))
	f.alloc = str(do(t, s, owner, "CreateIpamPoolAllocation", p("RegionId", hz, "IpamPoolId", f.child, "Cidr", "10.1.2.0/24")), "IpamPoolAllocationId")
	return f
}

func (f fixture) String() string { return fmt.Sprintf("%+v", struct{ fixture }{f}) }

func itoa(n int) string { return fmt.Sprint(n) }

// shareRes shares the owner's pool (or discovery, typ) with target through Resource Sharing and returns the
// share id.
func shareRes(t testing.TB, s *Sim, from, id, typ, target string) string {
	t.Helper()
	out, err := s.Invoke(context.Background(), from, wire.ProductResourceSharing, "CreateResourceShare", p(
		"ResourceShareName", id[len(id)-12:]+"-"+target, "AllowExternalTargets", "true",
		"Resources.1.ResourceId", id, "Resources.1.ResourceType", typ, "Targets.1", target))
	if err != nil {
		t.Fatalf("CreateResourceShare %s -> %s: %v", id, target, err)
	}
	rs, _ := out["ResourceShare"].(map[string]any)
	return str(rs, "ResourceShareId")
}
