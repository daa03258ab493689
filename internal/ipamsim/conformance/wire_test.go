package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	vpcsdk "github.com/alibabacloud-go/vpc-20160428/v6/client"
	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

var requestIDRe = regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`)

// TestErrorAndSuccessBodies: an error body holds RequestId, HostId, Code, Message and Recommend (reference
// 1.5), with the x-acs-request-id header; a success body holds RequestId, the same as the header.
func TestErrorAndSuccessBodies(t *testing.T) {
	t.Parallel()
	e := start(t)
	r, err := e.ipam(owner).ListIpams(&vpcipam.ListIpamsRequest{RegionId: tea.String(hz)})
	ok(t, err, "ListIpams")
	id := tea.StringValue(r.Body.RequestId)
	if !requestIDRe.MatchString(id) || tea.StringValue(r.Headers["x-acs-request-id"]) != id {
		t.Fatalf("success RequestId %q, header %q", id, tea.StringValue(r.Headers["x-acs-request-id"]))
	}

	err = deleteIpam(e, owner, "ipam-doesnotexist0000", false)
	wantErr(t, err, "ResourceNotFound.Ipam", http.StatusBadRequest)
	var se *tea.SDKError
	errors.As(err, &se)
	var body map[string]any
	if err := json.Unmarshal([]byte(tea.StringValue(se.Data)), &body); err != nil {
		t.Fatalf("SDKError.Data %q: %v", tea.StringValue(se.Data), err)
	}
	rid, _ := body["RequestId"].(string)
	if !requestIDRe.MatchString(rid) || body["HostId"] != e.endpoint || body["Code"] != "ResourceNotFound.Ipam" || body["Message"] == "" {
		t.Fatalf("error body %v", body)
	}
	want := fmt.Sprintf("https://api.aliyun.com/troubleshoot?q=ResourceNotFound.Ipam&product=VpcIpam&requestId=%s", rid)
	if body["Recommend"] != want {
		t.Fatalf("Recommend %q, want %q", body["Recommend"], want)
	}
	calls := e.calls()
	if last := calls[len(calls)-1]; last.RequestID != rid {
		t.Fatalf("the call log's RequestId %q differs from the body's %q", last.RequestID, rid)
	}
}

// TestCallLog: /_sim/calls records each call in order with account, product, version, action, the
// arguments, the dry-run flag, status, code and times, and never a secret.
func TestCallLog(t *testing.T) {
	t.Parallel()
	e := start(t)
	ids := e.newIpam(owner)                                                                        // 1
	_ = deleteIpam(e, owner, ids.ipam, true)                                                       // 2: dry run
	_, _ = e.call(consumer, vShare, "ListResourceShares", map[string]any{"ResourceOwner": "Self"}) // 3
	_, _ = e.vpc(owner).DescribeVpcs(&vpcsdk.DescribeVpcsRequest{})                                // 4: no RegionId: refused, and logged
	calls := e.calls()
	if len(calls) != 4 {
		t.Fatalf("%d calls logged, want 4: %+v", len(calls), calls)
	}
	c := calls[0]
	if c.Seq >= calls[1].Seq || c.Account != owner || c.Product != wire.ProductVpcIpam || c.Version != vIpam || c.Action != "CreateIpam" ||
		c.Params["RegionId"] != hz || c.Params["OperatingRegionList.1"] != hz || c.DryRun || c.Status != 200 || c.Code != "" || c.End.Before(c.Start) {
		t.Fatalf("first call logged as %+v", c)
	}
	if c := calls[1]; c.Action != "DeleteIpam" || !c.DryRun || c.Status != 400 || c.Code != "DryRunOperation" || c.Params["IpamId"] != ids.ipam {
		t.Fatalf("dry run logged as %+v", c)
	}
	if c := calls[2]; c.Account != consumer || c.Product != wire.ProductResourceSharing || c.Version != vShare || c.Status != 200 {
		t.Fatalf("Resource Sharing call logged as %+v", c)
	}
	if c := calls[3]; c.Product != wire.ProductVpc || c.Action != "DescribeVpcs" || c.Status != 400 || c.Code != "MissingParameter.RegionId" {
		t.Fatalf("Vpc call logged as %+v", c)
	}
	raw := e.get("/_sim/calls")
	for _, k := range keys {
		if bytes.Contains(raw, []byte(k[1])) {
			t.Fatalf("the call log holds the secret of %s", k[0])
		}
	}
}

// TestQPSCap: a per-account QPS cap throttles the calls above it (Throttling.User, 400, nothing done),
// leaves other accounts alone, and refills with time.
func TestQPSCap(t *testing.T) {
	t.Parallel()
	e := start(t, withFaults(1, wire.FaultRule{QPS: 2, Account: owner}))
	ids := e.newIpam(owner) // 1 token used
	c := e.ipam(owner)
	scope := func() error {
		_, err := c.CreateIpamScope(&vpcipam.CreateIpamScopeRequest{RegionId: tea.String(hz), IpamId: tea.String(ids.ipam), IpamScopeType: tea.String("private")})
		return err
	}
	ok(t, scope(), "second call within the burst")
	before := e.state()
	err := scope()
	wantErr(t, err, "Throttling.User", http.StatusBadRequest)
	var se *tea.SDKError
	errors.As(err, &se)
	if m := sdkMessage.FindStringSubmatch(tea.StringValue(se.Message)); m == nil || m[1] != "Request was denied due to user flow control." {
		t.Fatalf("throttling message %q", tea.StringValue(se.Message))
	}
	if !bytes.Equal(before, e.state()) {
		t.Fatal("a throttled call changed the state")
	}
	e.newIpam(consumer) // another account is not capped
	e.clock.advance(time.Second)
	ok(t, scope(), "after the bucket refilled")
}

// TestDeletingWindowsScopeAndIpam: with a DeleteDelay, a deleted scope and IPAM stay listed as Deleting;
// acting on them meanwhile conflicts; they are gone when the window ends.
func TestDeletingWindowsScopeAndIpam(t *testing.T) {
	t.Parallel()
	e := start(t, withDeleteDelay(time.Minute))
	ids := e.newIpam(owner)
	scope := e.newScope(owner, ids.ipam)
	ok(t, e.deleteScope(owner, scope), "DeleteIpamScope")
	c := e.ipam(owner)
	sc, err := c.ListIpamScopes(&vpcipam.ListIpamScopesRequest{RegionId: tea.String(hz), IpamScopeIds: tea.StringSlice([]string{scope})})
	ok(t, err, "ListIpamScopes")
	if len(sc.Body.IpamScopes) != 1 || tea.StringValue(sc.Body.IpamScopes[0].Status) != "Deleting" {
		t.Fatalf("scope during its window: %v", sc.Body.IpamScopes)
	}
	wantErr(t, e.deleteScope(owner, scope), "IncorrectStatus.IpamScope", http.StatusBadRequest)
	_, err = c.CreateIpamPool(&vpcipam.CreateIpamPoolRequest{RegionId: tea.String(hz), IpamScopeId: tea.String(scope)})
	wantErr(t, err, "IncorrectStatus.IpamScope", http.StatusBadRequest)
	// the scope in its window still blocks DeleteIpam (UNKNOWN 8)
	wantErr(t, deleteIpam(e, owner, ids.ipam, false), "OperationFailed.IpamScopeExist", http.StatusBadRequest)
	e.clock.advance(time.Minute)

	ok(t, deleteIpam(e, owner, ids.ipam, false), "DeleteIpam")
	l, err := c.ListIpams(&vpcipam.ListIpamsRequest{RegionId: tea.String(hz)})
	ok(t, err, "ListIpams")
	if len(l.Body.Ipams) != 1 || tea.StringValue(l.Body.Ipams[0].IpamStatus) != "Deleting" {
		t.Fatalf("IPAM during its window: %v", l.Body.Ipams)
	}
	wantErr(t, deleteIpam(e, owner, ids.ipam, false), "OperationConflict", http.StatusBadRequest)
	_, err = c.CreateIpamScope(&vpcipam.CreateIpamScopeRequest{RegionId: tea.String(hz), IpamId: tea.String(ids.ipam), IpamScopeType: tea.String("private")})
	wantErr(t, err, "OperationConflict", http.StatusBadRequest)
	e.clock.advance(time.Minute)
	l, err = c.ListIpams(&vpcipam.ListIpamsRequest{RegionId: tea.String(hz)})
	ok(t, err, "ListIpams")
	if len(l.Body.Ipams) != 0 {
		t.Fatalf("IPAM still listed after its window: %v", l.Body.Ipams)
	}
	wantErr(t, deleteIpam(e, owner, ids.ipam, false), "ResourceNotFound.Ipam", http.StatusBadRequest)
}

// TestGetAccepted: GetIpamPoolAllocation, which the newest SDK sends as GET with its arguments in the query,
// is served like the POST calls (reference 1.1).
func TestGetAccepted(t *testing.T) {
	t.Parallel()
	e := start(t)
	tr := e.newTree(owner)
	a := e.allocate(owner, hz, tr.child, "10.1.3.0/24")
	cl, err := openapi.NewClient(e.config(owner, hz))
	ok(t, err, "openapi.NewClient")
	params := &openapi.Params{
		Action: tea.String("GetIpamPoolAllocation"), Version: tea.String(vIpam), Protocol: tea.String("HTTPS"),
		Pathname: tea.String("/"), Method: tea.String("GET"), AuthType: tea.String("AK"),
		Style: tea.String("RPC"), ReqBodyType: tea.String("formData"), BodyType: tea.String("json"),
	}
	out, err := cl.CallApiWithCtx(context.Background(), params, &openapi.OpenApiRequest{Query: map[string]*string{
		"RegionId": tea.String(hz), "IpamPoolAllocationId": tea.String(a),
	}}, &dara.RuntimeOptions{})
	ok(t, err, "GetIpamPoolAllocation by GET")
	body, _ := out["body"].(map[string]any)
	if body["IpamPoolAllocationId"] != a || body["Cidr"] != "10.1.3.0/24" || body["ResourceType"] != "Custom" {
		t.Fatalf("GetIpamPoolAllocation answered %v", body)
	}
}

// TestCreateIpamConvertsCustomDiscovery: an account's custom discovery in the region becomes the new IPAM's
// default discovery (reference 4.1), and goes with DeleteIpam (reference 3.1).
func TestCreateIpamConvertsCustomDiscovery(t *testing.T) {
	t.Parallel()
	e := start(t)
	rd := e.newDiscovery(owner)
	ids := e.newIpam(owner)
	if ids.rd != rd {
		t.Fatalf("CreateIpam made default discovery %s, want the converted %s", ids.rd, rd)
	}
	wantErr(t, dissociate(e, owner, ids.ipam, rd, false), "OperationDenied.DissociateSelfSystemIpamResourceDiscovery", http.StatusBadRequest)
	ok(t, deleteIpam(e, owner, ids.ipam, false), "DeleteIpam")
	if got := e.discoveryIDs(owner, hz); got != "" {
		t.Fatalf("discoveries left after DeleteIpam: %s", got)
	}
}

// TestCallerIdentity: Sts GetCallerIdentity names the account each access key belongs to.
func TestCallerIdentity(t *testing.T) {
	t.Parallel()
	e := start(t)
	for _, account := range []string{owner, consumer, third} {
		out := e.mustCall(account, "2015-04-01", "GetCallerIdentity", map[string]any{})
		if out["AccountId"] != account || out["Arn"] != "acs:ram::"+account+":root" {
			t.Fatalf("GetCallerIdentity with %s's key answered %v", account, out)
		}
	}
}
