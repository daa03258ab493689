package ipamsim

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
)

// sdkCall sends one signed RPC call through darabonba-openapi's generic CallApiWithCtx to the emulator's
// HTTP front, as cloudapi does for the products without a typed client here (Sts, Resource Sharing).
func sdkCall(t *testing.T, url, ak, sk, version, action string, q map[string]any) (map[string]any, error) {
	t.Helper()
	c, err := openapi.NewClient(&openapi.Config{
		AccessKeyId: tea.String(ak), AccessKeySecret: tea.String(sk),
		Endpoint: tea.String(strings.TrimPrefix(url, "http://")), Protocol: tea.String("HTTP"),
		RegionId: tea.String(hz), ReadTimeout: tea.Int(10000), ConnectTimeout: tea.Int(5000),
	})
	if err != nil {
		t.Fatal(err)
	}
	params := &openapi.Params{
		Action: tea.String(action), Version: tea.String(version), Protocol: tea.String("HTTPS"),
		Pathname: tea.String("/"), Method: tea.String("POST"), AuthType: tea.String("AK"),
		Style: tea.String("RPC"), ReqBodyType: tea.String("formData"), BodyType: tea.String("json"),
	}
	out, err := c.CallApiWithCtx(context.Background(), params, &openapi.OpenApiRequest{Query: openapiutil.Query(q)}, &dara.RuntimeOptions{})
	if err != nil {
		return nil, err
	}
	body, _ := out["body"].(map[string]any)
	return body, nil
}

// TestStsAndSharingOverHTTP: GetCallerIdentity (version 2015-04-01, no RegionId in its model) names the
// account that signed the request; a Resource Sharing conflict reaches the SDK as its code with HTTP 409.
func TestStsAndSharingOverHTTP(t *testing.T) {
	t.Parallel()
	// The wire layer checks x-acs-date against the emulator's clock, so this emulator runs on the wall clock
	// (newSim's fixed clock would make every signed request stale); its hour-long window never ends here.
	opts := Options{
		Accounts: []Account{
			{ID: owner, AccessKeyID: "ak-owner", AccessKeySecret: "sk-owner"},
			{ID: other, AccessKeyID: "ak-other", AccessKeySecret: "sk-other"},
		},
		DeleteDelay: time.Hour,
		IDSeed:      7,
	}
	withDirectory(&opts)
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.Handler(nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	for _, a := range opts.Accounts {
		out, err := sdkCall(t, srv.URL, a.AccessKeyID, a.AccessKeySecret, "2015-04-01", "GetCallerIdentity", nil)
		if err != nil {
			t.Fatalf("GetCallerIdentity as %s: %v", a.ID, err)
		}
		if out["AccountId"] != a.ID || out["IdentityType"] != "Account" || out["RequestId"] == "" {
			t.Fatalf("GetCallerIdentity as %s = %v", a.ID, out)
		}
	}
	ownerKey := opts.Accounts[0]
	created, err := sdkCall(t, srv.URL, ownerKey.AccessKeyID, ownerKey.AccessKeySecret, "2020-01-10", "CreateResourceShare",
		map[string]any{"ResourceShareName": "s", "Targets": []string{other}})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := created["ResourceShare"].(map[string]any)["ResourceShareId"].(string)
	if _, err := sdkCall(t, srv.URL, ownerKey.AccessKeyID, ownerKey.AccessKeySecret, "2020-01-10", "DisassociateResourceShare",
		map[string]any{"ResourceShareId": id, "Targets": []string{other}}); err != nil {
		t.Fatal(err)
	}
	// The target is Disassociating for an hour: deleting the share conflicts.
	_, err = sdkCall(t, srv.URL, ownerKey.AccessKeyID, ownerKey.AccessKeySecret, "2020-01-10", "DeleteResourceShare", map[string]any{"ResourceShareId": id})
	var se *tea.SDKError
	if !errors.As(err, &se) || tea.StringValue(se.Code) != "DeleteResourceShareConflict" || tea.IntValue(se.StatusCode) != 409 {
		t.Fatalf("DeleteResourceShare during a disassociation: %v, want 409 DeleteResourceShareConflict", err)
	}
}
