package ipamsim

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// Helpers for the tests of the discovery, member, sharing, Vpc and Sts calls. They take the product
// explicitly, unlike do/wantErr, which speak VpcIpam only.

// withDirectory puts the three test accounts in a resource directory (owner is the delegated IPAM
// administrator), with a folder holding other and another.
func withDirectory(o *Options) {
	o.ResourceDirectory = &ResourceDirectory{
		DelegatedAdmin: owner,
		Accounts:       []string{owner, other, another},
		Folders:        map[string][]string{"fd-team": {other, another}},
	}
}

// withDelay sets a Deleting window.
func withDelay(d time.Duration) func(*Options) {
	return func(o *Options) { o.DeleteDelay = d }
}

// simClock is newSim with the clock the emulator reads, for the asynchronous tests.
func simClock(t testing.TB, mod ...func(*Options)) (*Sim, *fakeClock) {
	t.Helper()
	clk := newClock()
	// newSim installs a clock of its own; options run after that, so this one wins.
	s := newSim(t, append(mod, func(o *Options) { o.Now = clk.now })...)
	return s, clk
}

// invoke runs one call of any product and fails the test on error.
func invoke(t testing.TB, s *Sim, account, product, action string, params wire.Params) map[string]any {
	t.Helper()
	out, err := s.Invoke(context.Background(), account, product, action, params)
	if err != nil {
		t.Fatalf("%s %s %v: %v", product, action, params, err)
	}
	return out
}

// invokeErr runs one call and returns its API error (nil on success).
func invokeErr(t testing.TB, s *Sim, account, product, action string, params wire.Params) *wire.Error {
	t.Helper()
	_, err := s.Invoke(context.Background(), account, product, action, params)
	if err == nil {
		return nil
	}
	var we *wire.Error
	if !errors.As(err, &we) {
		t.Fatalf("%s %s: error %v is not a *wire.Error", product, action, err)
	}
	return we
}

// wantCode asserts that a call fails with exactly status and code.
func wantCode(t testing.TB, s *Sim, account, product, action string, params wire.Params, status int, code string) {
	t.Helper()
	e := invokeErr(t, s, account, product, action, params)
	if e == nil {
		t.Fatalf("%s %s %v: succeeded, want %d %s", product, action, params, status, code)
	}
	if e.Code != code || e.Status != status {
		t.Fatalf("%s %s %v: got %d %s (%s), want %d %s", product, action, params, e.Status, e.Code, e.Message, status, code)
	}
}

// wantDryRun asserts that a dry run answers DryRunOperation (InvalidParameter.DryRun for an action whose API
// has no DryRun, UNKNOWN 110) and leaves the state byte-identical.
func wantDryRun(t testing.TB, s *Sim, account, product, action string, params wire.Params) {
	t.Helper()
	before := dump(t, s)
	wantCode(t, s, account, product, action, with(params, "DryRun", "true"), 400, dryRunCode(product, action))
	if after := dump(t, s); !bytes.Equal(before, after) {
		t.Fatalf("%s dry run changed the state:\nbefore %s\nafter  %s", action, before, after)
	}
}

// dryRunCode is what a dry run of a call that would succeed answers.
func dryRunCode(product, action string) string {
	if lacksDryRun(product, action) {
		return "InvalidParameter.DryRun"
	}
	return "DryRunOperation"
}

const (
	ipamP = wire.ProductVpcIpam
	rsP   = wire.ProductResourceSharing
	vpcP  = wire.ProductVpc
)

// items returns the list under key as maps.
func items(t testing.TB, out map[string]any, key string) []map[string]any {
	t.Helper()
	v, ok := out[key].([]map[string]any)
	if !ok {
		t.Fatalf("response has no list %q: %v", key, out)
	}
	return v
}

// ids returns the values of field in rows.
func ids(rows []map[string]any, field string) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, str(r, field))
	}
	return out
}

// createShare shares resources (type:id pairs) with targets as account and returns the share id.
func createShare(t testing.TB, s *Sim, account, name string, resources [][2]string, targets ...string) string {
	t.Helper()
	params := p("ResourceShareName", name)
	for i, r := range resources {
		n := strconv.Itoa(i + 1)
		params["Resources."+n+".ResourceType"] = r[0]
		params["Resources."+n+".ResourceId"] = r[1]
	}
	for i, tg := range targets {
		params["Targets."+strconv.Itoa(i+1)] = tg
	}
	out := invoke(t, s, account, rsP, "CreateResourceShare", params)
	rs, _ := out["ResourceShare"].(map[string]any)
	id := str(rs, "ResourceShareId")
	if id == "" {
		t.Fatalf("CreateResourceShare: no id in %v", out)
	}
	return id
}

// customDiscovery creates account's custom discovery in region and returns its id.
func customDiscovery(t testing.TB, s *Sim, account, region string) string {
	t.Helper()
	out := invoke(t, s, account, ipamP, "CreateIpamResourceDiscovery", p("RegionId", region, "OperatingRegionList.1", region))
	return str(out, "IpamResourceDiscoveryId")
}

// bareIpam creates account's IPAM in region with nothing under it and returns its id and default
// discovery id.
func bareIpam(t testing.TB, s *Sim, account, region string) (ipamID, defaultRD string) {
	t.Helper()
	out := invoke(t, s, account, ipamP, "CreateIpam", p("RegionId", region, "OperatingRegionList.1", region))
	return str(out, "IpamId"), str(out, "DefaultResourceDiscoveryId")
}
