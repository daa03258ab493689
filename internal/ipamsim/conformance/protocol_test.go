package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/tea"
	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// TestClientTokenReplay: the same ClientToken for the same action returns the first result and has no
// second effect; the same token with other parameters is refused.
func TestClientTokenReplay(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	c := e.ipam(owner)
	req := func(name string) *vpcipam.CreateIpamPoolRequest {
		return &vpcipam.CreateIpamPoolRequest{RegionId: tea.String(hz), IpamScopeId: tea.String(ids.private), IpamPoolName: tea.String(name), ClientToken: tea.String("tok-create-1")}
	}
	first, err := c.CreateIpamPool(req("a"))
	ok(t, err, "CreateIpamPool")
	afterFirst := e.state()
	again, err := c.CreateIpamPool(req("a"))
	ok(t, err, "CreateIpamPool replay")
	if id1, id2 := tea.StringValue(first.Body.IpamPoolId), tea.StringValue(again.Body.IpamPoolId); id1 == "" || id1 != id2 {
		t.Fatalf("replay answered pool %q, first call %q", id2, id1)
	}
	if !bytes.Equal(afterFirst, e.state()) {
		t.Fatal("the replay changed the state")
	}
	_, err = c.CreateIpamPool(req("b"))
	wantErr(t, err, "IdempotentParameterMismatch", http.StatusBadRequest)
	r, err := c.ListIpamPools(&vpcipam.ListIpamPoolsRequest{RegionId: tea.String(hz)})
	ok(t, err, "ListIpamPools")
	if len(r.Body.IpamPools) != 1 {
		t.Fatalf("%d pools after a create and its replays, want 1", len(r.Body.IpamPools))
	}

	// A retried delete with its token answers the first success, not ResourceNotFound.
	del := &vpcipam.DeleteIpamPoolRequest{RegionId: tea.String(hz), IpamPoolId: first.Body.IpamPoolId, ClientToken: tea.String("tok-delete-1")}
	_, err = c.DeleteIpamPool(del)
	ok(t, err, "DeleteIpamPool")
	_, err = c.DeleteIpamPool(del)
	ok(t, err, "DeleteIpamPool replay")
	del.ClientToken = tea.String("tok-delete-2")
	_, err = c.DeleteIpamPool(del)
	wantErr(t, err, "ResourceNotFound.IpamPool", http.StatusNotFound)

	// Only successes are remembered: a refused call retried with its token once the blocker is gone runs.
	parent, err := c.CreateIpamPool(&vpcipam.CreateIpamPoolRequest{RegionId: tea.String(hz), IpamScopeId: tea.String(ids.private)})
	ok(t, err, "CreateIpamPool parent")
	sub, err := c.CreateIpamPool(&vpcipam.CreateIpamPoolRequest{RegionId: tea.String(hz), IpamScopeId: tea.String(ids.private), SourceIpamPoolId: parent.Body.IpamPoolId})
	ok(t, err, "CreateIpamPool child")
	delParent := &vpcipam.DeleteIpamPoolRequest{RegionId: tea.String(hz), IpamPoolId: parent.Body.IpamPoolId, ClientToken: tea.String("tok-delete-3")}
	_, err = c.DeleteIpamPool(delParent)
	wantErr(t, err, "DependencyViolation.IpamPool", http.StatusBadRequest)
	_, err = c.DeleteIpamPool(&vpcipam.DeleteIpamPoolRequest{RegionId: tea.String(hz), IpamPoolId: sub.Body.IpamPoolId, ClientToken: tea.String("tok-delete-4"), DryRun: tea.Bool(true)})
	wantErr(t, err, "DryRunOperation", http.StatusBadRequest)
	// a dry run is not remembered either: the real call with the same token deletes
	_, err = c.DeleteIpamPool(&vpcipam.DeleteIpamPoolRequest{RegionId: tea.String(hz), IpamPoolId: sub.Body.IpamPoolId, ClientToken: tea.String("tok-delete-4")})
	ok(t, err, "DeleteIpamPool after a dry run with the same token")
	_, err = c.DeleteIpamPool(delParent)
	ok(t, err, "DeleteIpamPool retried with the token of a refused attempt")
	if st := e.poolStatus(owner, tea.StringValue(parent.Body.IpamPoolId)); st != "" {
		t.Fatalf("parent pool still listed as %q", st)
	}

	// Tokens are per account: another account's identical token is a new request.
	other := e.newIpam(consumer)
	_, err = e.ipam(consumer).CreateIpamPool(&vpcipam.CreateIpamPoolRequest{RegionId: tea.String(hz), IpamScopeId: tea.String(other.private), IpamPoolName: tea.String("a"), ClientToken: tea.String("tok-create-1")})
	ok(t, err, "the same token from another account")
}

// TestPagination: 250 pools page as 100+100+50 with MaxResults 100, every id exactly once; out-of-range
// MaxResults and foreign NextTokens are refused.
func TestPagination(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	scope := e.newScope(owner, ids.ipam)
	want := map[string]bool{}
	for range 250 {
		want[e.newPool(owner, scope, "", "")] = true
	}
	c := e.ipam(owner)
	seen := map[string]int{}
	var sizes []int
	var token *string
	for {
		r, err := c.ListIpamPools(&vpcipam.ListIpamPoolsRequest{RegionId: tea.String(hz), IpamScopeId: tea.String(scope), MaxResults: tea.Int32(100), NextToken: token})
		ok(t, err, "ListIpamPools")
		b := r.Body
		sizes = append(sizes, len(b.IpamPools))
		if tea.Int64Value(b.Count) != int64(len(b.IpamPools)) || tea.Int64Value(b.TotalCount) != 250 || tea.Int64Value(b.MaxResults) != 100 {
			t.Fatalf("page %d: Count %d TotalCount %d MaxResults %d for %d items", len(sizes), tea.Int64Value(b.Count), tea.Int64Value(b.TotalCount), tea.Int64Value(b.MaxResults), len(b.IpamPools))
		}
		for _, p := range b.IpamPools {
			seen[tea.StringValue(p.IpamPoolId)]++
		}
		if tea.StringValue(b.NextToken) == "" {
			break
		}
		if len(sizes) > 3 {
			t.Fatal("more than 3 pages")
		}
		token = b.NextToken
	}
	if !slices.Equal(sizes, []int{100, 100, 50}) {
		t.Fatalf("page sizes %v, want [100 100 50]", sizes)
	}
	for id := range want {
		if seen[id] != 1 {
			t.Fatalf("pool %s listed %d times", id, seen[id])
		}
	}
	if len(seen) != 250 {
		t.Fatalf("%d distinct pools listed, want 250", len(seen))
	}
	// default page size is 10
	r, err := c.ListIpamPools(&vpcipam.ListIpamPoolsRequest{RegionId: tea.String(hz), IpamScopeId: tea.String(scope)})
	ok(t, err, "ListIpamPools without MaxResults")
	if len(r.Body.IpamPools) != 10 {
		t.Fatalf("default page of %d, want 10", len(r.Body.IpamPools))
	}

	for _, n := range []int32{0, 101, -1} {
		_, err := c.ListIpamPools(&vpcipam.ListIpamPoolsRequest{RegionId: tea.String(hz), MaxResults: tea.Int32(n)})
		wantErr(t, err, "IllegalParam.MaxResults", http.StatusBadRequest)
	}
	_, err = c.ListIpamPools(&vpcipam.ListIpamPoolsRequest{RegionId: tea.String(hz), NextToken: tea.String("FFmyTO70tTpLG6I3FmYAXGKPd")})
	wantErr(t, err, "IllegalParam.NextToken", http.StatusBadRequest)
	// ListTagResources: 1-50
	_, err = c.ListTagResources(&vpcipam.ListTagResourcesRequest{RegionId: tea.String(hz), ResourceType: tea.String("IPAMPOOL"), ResourceId: tea.StringSlice([]string{ids.ipam}), MaxResults: tea.Int32(51)})
	wantErr(t, err, "IllegalParam.MaxResults", http.StatusBadRequest)
	// Resource Sharing: 1-100 with its own code
	_, err = e.call(owner, vShare, "ListResourceShares", map[string]any{"ResourceOwner": "Self", "MaxResults": 101})
	wantErr(t, err, "InvalidParameter.MaxResults", http.StatusBadRequest)
}

// tamper is a dara.HttpClient that lets a test change a signed request before it is sent.
type tamper struct {
	edit func(*http.Request)
	sent []*http.Request
}

func (t *tamper) Call(req *http.Request, transport *http.Transport) (*http.Response, error) {
	if t.edit != nil {
		t.edit(req)
	}
	t.sent = append(t.sent, req)
	return transport.RoundTrip(req)
}

// TestSignatureRefused: a request changed after signing, signed with a wrong secret or an unknown key,
// dated outside the 15-minute window, or replayed with its nonce is refused, and nothing happens.
func TestSignatureRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		cfg    func(*openapi.Config)
		edit   func(*http.Request)
		before func(e *env)
		code   string
		status int
	}{
		{name: "query changed after signing", edit: func(r *http.Request) {
			q := r.URL.Query()
			q.Set("IpamName", "tampered")
			r.URL.RawQuery = q.Encode()
		}, code: "SignatureDoesNotMatch", status: 400},
		{name: "signed header changed", edit: func(r *http.Request) { r.Header.Set("x-acs-signature-nonce", "other-nonce") }, code: "SignatureDoesNotMatch", status: 400},
		{name: "signature bytes changed", edit: func(r *http.Request) {
			a := r.Header.Get("Authorization")
			last := a[len(a)-1]
			repl := byte('0')
			if last == '0' {
				repl = '1'
			}
			r.Header.Set("Authorization", a[:len(a)-1]+string(repl))
		}, code: "SignatureDoesNotMatch", status: 400},
		{name: "wrong secret", cfg: func(c *openapi.Config) { c.AccessKeySecret = tea.String("not-the-secret") }, code: "SignatureDoesNotMatch", status: 400},
		{name: "unknown access key", cfg: func(c *openapi.Config) { c.AccessKeyId = tea.String("ak-nobody") }, code: "InvalidAccessKeyId.NotFound", status: 404},
		{name: "no authorization", edit: func(r *http.Request) { r.Header.Del("Authorization") }, code: "MissingAuthorization", status: 400},
		{name: "stale date", before: func(e *env) { e.clock.advance(16 * time.Minute) }, code: "InvalidTimeStamp.Expired", status: 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := start(t)
			before := e.state()
			if c.before != nil {
				c.before(e)
			}
			cfg := e.config(owner, hz)
			tp := &tamper{edit: c.edit}
			cfg.HttpClient = tp
			if c.cfg != nil {
				c.cfg(cfg)
			}
			cl, err := vpcipam.NewClient(cfg)
			ok(t, err, "NewClient")
			_, err = cl.CreateIpam(&vpcipam.CreateIpamRequest{RegionId: tea.String(hz), IpamName: tea.String("x"), OperatingRegionList: tea.StringSlice([]string{hz})})
			wantErr(t, err, c.code, c.status)
			if !bytes.Equal(before, e.state()) {
				t.Fatal("a refused request changed the state")
			}
			calls := e.calls()
			if len(calls) != 1 || calls[0].Code != c.code || calls[0].Status != c.status {
				t.Fatalf("call log %+v, want one call refused with %d %s", calls, c.status, c.code)
			}
		})
	}

	t.Run("nonce replayed", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		cfg := e.config(owner, hz)
		tp := &tamper{}
		cfg.HttpClient = tp
		cl, err := vpcipam.NewClient(cfg)
		ok(t, err, "NewClient")
		_, err = cl.ListIpams(&vpcipam.ListIpamsRequest{RegionId: tea.String(hz)})
		ok(t, err, "ListIpams")
		// resend the very same signed request
		orig := tp.sent[0]
		again, err := http.NewRequest(orig.Method, orig.URL.String(), nil)
		ok(t, err, "NewRequest")
		again.Header = orig.Header.Clone()
		resp, err := http.DefaultClient.Do(again)
		ok(t, err, "replay")
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("a replayed nonce answered %d, want 400", resp.StatusCode)
		}
		if calls := e.calls(); len(calls) != 2 || calls[1].Code != "SignatureNonceUsed" {
			t.Fatalf("call log %+v, want the replay refused with SignatureNonceUsed", calls)
		}
	})
}

// codes runs a fixed call sequence against e and returns the codes the SDK saw ("" = success).
func codes(t *testing.T, e *env, n int) []string {
	t.Helper()
	c := e.ipam(owner)
	var out []string
	for i := range n {
		var err error
		if i%2 == 0 {
			_, err = c.ListIpams(&vpcipam.ListIpamsRequest{RegionId: tea.String(hz)})
		} else {
			_, err = c.ListIpamPools(&vpcipam.ListIpamPoolsRequest{RegionId: tea.String(hz)})
		}
		code := ""
		if err != nil {
			var se *tea.SDKError
			if !errors.As(err, &se) {
				t.Fatalf("call %d: %T %v", i, err, err)
			}
			code = tea.StringValue(se.Code)
			want := map[string]int{"Throttling.User": 400, "ServiceUnavailable": 503, "InternalError": 500}[code]
			if want == 0 || tea.IntValue(se.StatusCode) != want {
				t.Fatalf("call %d: fault %d %s", i, tea.IntValue(se.StatusCode), code)
			}
		}
		out = append(out, code)
	}
	return out
}

// TestFaultsReproducible: two emulators with the same seed, faults and call sequence log the same sequence
// of codes in /_sim/calls (and the SDK sees the same); another seed gives another sequence.
func TestFaultsReproducible(t *testing.T) {
	t.Parallel()
	rules := []wire.FaultRule{{Throttle: 0.3}, {Error: 0.2, Action: "ListIpamPools"}}
	const n = 60
	run := func(seed int64) ([]string, []string) {
		e := start(t, withFaults(seed, rules...))
		seen := codes(t, e, n)
		var logged []string
		for _, c := range e.calls() {
			logged = append(logged, c.Code)
		}
		return seen, logged
	}
	a, alog := run(7)
	b, blog := run(7)
	if !slices.Equal(alog, blog) || !slices.Equal(a, b) {
		t.Fatalf("same seed, different codes:\n%v\n%v", alog, blog)
	}
	if !slices.Equal(a, alog) {
		t.Fatalf("the SDK saw %v, the call log holds %v", a, alog)
	}
	count := map[string]int{}
	for _, c := range a {
		count[c]++
	}
	if count["Throttling.User"] == 0 || count["ServiceUnavailable"]+count["InternalError"] == 0 || count[""] == 0 {
		t.Fatalf("60 calls at 30%% throttling and 20%% errors gave %v", count)
	}
	for i, c := range a {
		if i%2 == 0 && (c == "ServiceUnavailable" || c == "InternalError") {
			t.Fatalf("call %d (ListIpams) got %s from a rule scoped to ListIpamPools", i, c)
		}
	}
	other, _ := run(8)
	if slices.Equal(a, other) {
		t.Fatalf("seeds 7 and 8 gave the same %d codes", n)
	}
}

// TestPermissionDenied: an action the account lacks answers 403 with an AccessDeniedDetail, dry run
// included, and changes nothing; other actions and other accounts are unaffected.
func TestPermissionDenied(t *testing.T) {
	t.Parallel()
	e := start(t, withDenied(owner, "DeleteIpamPool", "DissociateIpamResourceDiscovery", "DeleteResourceShare"))
	ids := e.newIpam(owner)
	pool := e.newPool(owner, ids.private, "", "")
	share := e.share(owner, pool, "IpamPool", consumer)
	before := e.state()
	for _, dry := range []bool{false, true} {
		_, err := e.ipam(owner).DeleteIpamPool(&vpcipam.DeleteIpamPoolRequest{RegionId: tea.String(hz), IpamPoolId: tea.String(pool), DryRun: tea.Bool(dry)})
		wantErr(t, err, "Forbidden.RAM", http.StatusForbidden)
		var se *tea.SDKError
		errors.As(err, &se)
		if se.AccessDeniedDetail == nil || se.AccessDeniedDetail["AuthAction"] != "vpc:DeleteIpamPool" {
			t.Fatalf("dry run %v: AccessDeniedDetail %v", dry, se.AccessDeniedDetail)
		}
		_, err = e.call(owner, vIpam, "DissociateIpamResourceDiscovery", map[string]any{"RegionId": hz, "IpamId": ids.ipam, "IpamResourceDiscoveryId": ids.rd, "DryRun": dry})
		wantErr(t, err, "Forbidden.RAM", http.StatusForbidden)
	}
	_, err := e.call(owner, vShare, "DeleteResourceShare", map[string]any{"ResourceShareId": share})
	wantErr(t, err, "Forbidden.RAM", http.StatusForbidden)
	if !bytes.Equal(before, e.state()) {
		t.Fatal("a denied call changed the state")
	}
	// not denied: listing, and the same action for another account
	_, err = e.ipam(owner).ListIpamPools(&vpcipam.ListIpamPoolsRequest{RegionId: tea.String(hz)})
	ok(t, err, "ListIpamPools")
	other := e.newIpam(third)
	ok(t, e.deletePool(third, hz, e.newPool(third, other.private, "", "")), "DeleteIpamPool by an account that has it")
}

// TestMultiAccountSharing: a consumer sees the owner's shared pool with the owner's OwnerId and
// IsShared=true, can allocate from it but cannot delete it; a bystander sees nothing; unsharing hides it.
func TestMultiAccountSharing(t *testing.T) {
	t.Parallel()
	e := start(t)
	tr := e.newTree(owner)
	share := e.share(owner, tr.child, "IpamPool", consumer)
	list := func(account string, shared bool) []*vpcipam.ListIpamPoolsResponseBodyIpamPools {
		req := &vpcipam.ListIpamPoolsRequest{RegionId: tea.String(hz)}
		if shared {
			req.IsShared = tea.Bool(true)
		}
		r, err := e.ipam(account).ListIpamPools(req)
		ok(t, err, "ListIpamPools as "+account)
		return r.Body.IpamPools
	}
	got := list(consumer, true)
	if len(got) != 1 {
		t.Fatalf("consumer sees %d shared pools, want 1", len(got))
	}
	p := got[0]
	if tea.StringValue(p.IpamPoolId) != tr.child || !tea.BoolValue(p.IsShared) || fmt.Sprint(tea.Int64Value(p.OwnerId)) != owner {
		t.Fatalf("consumer's view: id %s IsShared %v OwnerId %d", tea.StringValue(p.IpamPoolId), tea.BoolValue(p.IsShared), tea.Int64Value(p.OwnerId))
	}
	for _, p := range list(owner, false) {
		if tea.BoolValue(p.IsShared) || fmt.Sprint(tea.Int64Value(p.OwnerId)) != owner {
			t.Fatalf("owner's view of %s: IsShared %v OwnerId %d", tea.StringValue(p.IpamPoolId), tea.BoolValue(p.IsShared), tea.Int64Value(p.OwnerId))
		}
	}
	if n := len(list(third, true)); n != 0 {
		t.Fatalf("a bystander sees %d shared pools", n)
	}
	e.allocate(consumer, hz, tr.child, "10.1.7.0/24")
	wantErr(t, e.deletePool(consumer, hz, tr.child), "OperationDenied.Unauthorized", http.StatusBadRequest)
	// Only the owner stops sharing (reference 5.1): the consumer cannot leave a pool share nor delete it.
	_, err := e.call(consumer, vShare, "DisassociateResourceShare", map[string]any{"ResourceShareId": share, "ResourceOwner": "OtherAccounts", "Targets": []string{consumer}})
	wantErr(t, err, "UnsupportedOperation", http.StatusBadRequest)
	_, err = e.call(consumer, vShare, "DeleteResourceShare", map[string]any{"ResourceShareId": share})
	wantErr(t, err, "EntityNotExists.ResourceShare", http.StatusNotFound)
	e.unshare(owner, share, tr.child, "IpamPool")
	_, err = e.call(owner, vShare, "DisassociateResourceShare", map[string]any{"ResourceShareId": share, "Resources": []map[string]any{{"ResourceId": tr.child, "ResourceType": "IpamPool"}}})
	wantErr(t, err, "DisassociateInvalid", http.StatusBadRequest)
	if n := len(list(consumer, true)); n != 0 {
		t.Fatalf("consumer still sees %d shared pools after unsharing", n)
	}
	// the consumer's allocation stays (reference 5.1)
	found := false
	for _, a := range e.allocations(owner, hz, tr.child) {
		if tea.StringValue(a.Cidr) == "10.1.7.0/24" {
			found = true
		}
	}
	if !found {
		t.Fatal("the consumer's allocation went with the share")
	}
}

// TestPaginationResourceSharing: Resource Sharing lists page by 20 by default (reference 1.8) with an opaque
// NextToken, and every row comes once.
func TestPaginationResourceSharing(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)
	var pools []string
	for range 25 {
		pools = append(pools, e.newPool(owner, ids.private, "", hz))
	}
	share := e.share(owner, pools[0], "IpamPool", consumer)
	for i := 1; i < len(pools); i += 5 {
		var res []map[string]any
		for _, p := range pools[i:min(i+5, len(pools))] {
			res = append(res, map[string]any{"ResourceId": p, "ResourceType": "IpamPool"})
		}
		e.mustCall(owner, vShare, "AssociateResourceShare", map[string]any{"ResourceShareId": share, "Resources": res})
	}
	seen := map[string]int{}
	var sizes []int
	token := ""
	for {
		q := map[string]any{"AssociationType": "Resource", "ResourceShareIds": []string{share}}
		if token != "" {
			q["NextToken"] = token
		}
		out := e.mustCall(owner, vShare, "ListResourceShareAssociations", q)
		rows, _ := out["ResourceShareAssociations"].([]any)
		sizes = append(sizes, len(rows))
		for _, r := range rows {
			m, _ := r.(map[string]any)
			id, _ := m["EntityId"].(string)
			seen[id]++
		}
		token, _ = out["NextToken"].(string)
		if token == "" || len(sizes) > 2 {
			break
		}
	}
	if !slices.Equal(sizes, []int{20, 5}) {
		t.Fatalf("page sizes %v, want [20 5]", sizes)
	}
	for _, p := range pools {
		if seen[p] != 1 {
			t.Fatalf("pool %s listed %d times", p, seen[p])
		}
	}
	_, err := e.call(owner, vShare, "ListResourceShareAssociations", map[string]any{"AssociationType": "Resource", "NextToken": "FFmyTO70tTpLG6I3FmYAXGKPd"})
	wantErr(t, err, "InvalidParameter.NextToken", http.StatusBadRequest)
}
