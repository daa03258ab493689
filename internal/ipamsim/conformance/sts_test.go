package conformance

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
)

// The Sts tests run the emulator behind simtest, whose HTTP front keeps the real clock for signature dates
// while the emulator's own clock, which decides when a temporary credential expires, is moved by hand.

const (
	vSts        = "2015-04-01"
	cleanupRole = "ipam-cleanup"
	cleanupArn  = "acs:ram::" + consumer + ":role/" + cleanupRole
)

// stsEnv is an emulator in which owner may assume consumer's role ipam-cleanup; third may not.
type stsEnv struct {
	t        *testing.T
	srv      *simtest.Server
	clock    *clock
	endpoint string
}

func startSts(t *testing.T, mod ...func(*ipamsim.Options)) *stsEnv {
	t.Helper()
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	opts := ipamsim.Options{IDSeed: 42, Now: clk.now}
	for _, id := range []string{owner, consumer, third} {
		k := keys[id]
		opts.Accounts = append(opts.Accounts, ipamsim.Account{ID: id, AccessKeyID: k[0], AccessKeySecret: k[1]})
	}
	opts.Accounts[1].Roles = []ipamsim.Role{{Name: cleanupRole, Trust: []string{owner}}}
	for _, m := range mod {
		m(&opts)
	}
	sim, err := ipamsim.New(opts)
	if err != nil {
		t.Fatalf("ipamsim.New: %v", err)
	}
	srv := simtest.Serve(t, sim)
	return &stsEnv{t: t, srv: srv, clock: clk, endpoint: strings.TrimPrefix(srv.URL, "http://")}
}

// creds is an access key, its secret and, for a temporary credential, its security token.
type creds struct{ id, secret, token string }

func permanent(account string) creds { return creds{id: keys[account][0], secret: keys[account][1]} }

// config is the SDK configuration for c; v1 selects signature version 1 (HMAC-SHA1 in the query, the
// protocol credentials-go's RAM role provider speaks) instead of ACS3-HMAC-SHA256.
// on returns the environment reporting to t, for a subtest.
func (e *stsEnv) on(t *testing.T) *stsEnv { c := *e; c.t = t; return &c }

func (e *stsEnv) config(c creds, v1 bool) *openapi.Config {
	cfg := &openapi.Config{
		AccessKeyId:     tea.String(c.id),
		AccessKeySecret: tea.String(c.secret),
		Endpoint:        tea.String(e.endpoint),
		Protocol:        tea.String("HTTP"),
		RegionId:        tea.String(hz),
		ReadTimeout:     tea.Int(10000),
		ConnectTimeout:  tea.Int(5000),
	}
	if c.token != "" {
		cfg.SecurityToken = tea.String(c.token)
	}
	if v1 {
		cfg.SignatureAlgorithm = tea.String("v2")
	}
	return cfg
}

// call is a generic RPC call as c.
func (e *stsEnv) call(c creds, v1 bool, version, action string, q map[string]any) (map[string]any, error) {
	e.t.Helper()
	client, err := openapi.NewClient(e.config(c, v1))
	if err != nil {
		e.t.Fatalf("openapi.NewClient: %v", err)
	}
	params := &openapi.Params{
		Action: tea.String(action), Version: tea.String(version), Protocol: tea.String("HTTPS"),
		Pathname: tea.String("/"), Method: tea.String("POST"), AuthType: tea.String("AK"),
		Style: tea.String("RPC"), ReqBodyType: tea.String("formData"), BodyType: tea.String("json"),
	}
	out, err := client.CallApiWithCtx(context.Background(), params, &openapi.OpenApiRequest{Query: openapiutil.Query(q)}, &dara.RuntimeOptions{})
	if err != nil {
		return nil, err
	}
	body, _ := out["body"].(map[string]any)
	return body, nil
}

// assume calls AssumeRole as caller and returns the temporary credential.
func (e *stsEnv) assume(caller creds, v1 bool, q map[string]any) (creds, map[string]any) {
	e.t.Helper()
	body, err := e.call(caller, v1, vSts, "AssumeRole", q)
	ok(e.t, err, "AssumeRole")
	c, _ := body["Credentials"].(map[string]any)
	got := creds{id: fmt.Sprint(c["AccessKeyId"]), secret: fmt.Sprint(c["AccessKeySecret"]), token: fmt.Sprint(c["SecurityToken"])}
	if c == nil || !strings.HasPrefix(got.id, "STS.") || got.secret == "" || got.token == "" {
		e.t.Fatalf("AssumeRole answered %v", body)
	}
	return got, body
}

// listIpams is VpcIpam ListIpams in region through the typed SDK client, as c; it answers the IPAM ids.
func (e *stsEnv) listIpams(c creds, v1 bool, region string) ([]string, error) {
	e.t.Helper()
	client, err := vpcipam.NewClient(e.config(c, v1))
	if err != nil {
		e.t.Fatalf("vpcipam.NewClient: %v", err)
	}
	r, err := client.ListIpams(&vpcipam.ListIpamsRequest{RegionId: tea.String(region)})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, m := range r.Body.Ipams {
		ids = append(ids, tea.StringValue(m.IpamId))
	}
	return ids, nil
}

func (e *stsEnv) createIpam(account string) string {
	e.t.Helper()
	client, err := vpcipam.NewClient(e.config(permanent(account), false))
	if err != nil {
		e.t.Fatalf("vpcipam.NewClient: %v", err)
	}
	r, err := client.CreateIpam(&vpcipam.CreateIpamRequest{RegionId: tea.String(hz), OperatingRegionList: tea.StringSlice([]string{hz})})
	ok(e.t, err, "CreateIpam")
	return tea.StringValue(r.Body.IpamId)
}

// TestAssumeRoleActsAsRoleAccount: owner assumes consumer's role; with the temporary credential (SecurityToken
// in the SDK config) ListIpams shows consumer's IPAM and not owner's, and GetCallerIdentity names consumer
// and the session, with either signature version.
func TestAssumeRoleActsAsRoleAccount(t *testing.T) {
	t.Parallel()
	e := startSts(t)
	theirs := e.createIpam(consumer)
	e.createIpam(owner)
	for _, v1 := range []bool{false, true} {
		t.Run(fmt.Sprintf("v1=%v", v1), func(t *testing.T) {
			e := e.on(t)
			tmp, body := e.assume(permanent(owner), v1, map[string]any{"RoleArn": cleanupArn, "RoleSessionName": "nightly-sweep", "DurationSeconds": 3600})
			exp, err := time.Parse("2006-01-02T15:04:05Z", fmt.Sprint(body["Credentials"].(map[string]any)["Expiration"]))
			if err != nil || !exp.Equal(e.clock.t.Add(time.Hour)) {
				t.Errorf("Expiration %v (%v), want the emulator's clock + 1h", exp, err)
			}
			ids, err := e.listIpams(tmp, v1, hz)
			ok(t, err, "ListIpams with the temporary credential")
			if len(ids) != 1 || ids[0] != theirs {
				t.Errorf("ListIpams as the role = %v, want consumer's %s only", ids, theirs)
			}
			who, err := e.call(tmp, v1, vSts, "GetCallerIdentity", nil)
			ok(t, err, "GetCallerIdentity")
			user, _ := body["AssumedRoleUser"].(map[string]any)
			if fmt.Sprint(who["AccountId"]) != consumer || who["IdentityType"] != "AssumedRoleUser" || who["Arn"] != user["Arn"] ||
				who["Arn"] != cleanupArn+"/nightly-sweep" {
				t.Errorf("GetCallerIdentity = %v, want consumer's AssumedRoleUser %v", who, user)
			}
		})
	}
}

// TestTemporaryCredentialRefusals: a wrong token, a missing token, a token on a permanent key, a wrong secret,
// an expired credential, an untrusted caller.
func TestTemporaryCredentialRefusals(t *testing.T) {
	t.Parallel()
	e := startSts(t)
	tmp, _ := e.assume(permanent(owner), false, map[string]any{"RoleArn": cleanupArn, "RoleSessionName": "s1", "DurationSeconds": 900})
	tests := []struct {
		name   string
		c      creds
		code   string
		status int
	}{
		{"wrong token", creds{tmp.id, tmp.secret, tmp.token + "x"}, "InvalidSecurityToken.MismatchWithAccessKey", 400},
		{"another credential's token", creds{tmp.id, tmp.secret, "CAISnot-this-one"}, "InvalidSecurityToken.MismatchWithAccessKey", 400},
		{"no token", creds{tmp.id, tmp.secret, ""}, "MissingSecurityToken", 400},
		{"token on a permanent key", creds{keys[owner][0], keys[owner][1], tmp.token}, "InvalidSecurityToken.MismatchWithAccessKey", 400},
		{"wrong secret", creds{tmp.id, "not-the-secret", tmp.token}, "SignatureDoesNotMatch", 400},
	}
	for _, tc := range tests {
		for _, v1 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s v1=%v", tc.name, v1), func(t *testing.T) {
				_, err := e.on(t).listIpams(tc.c, v1, hz)
				wantErr(t, err, tc.code, tc.status)
			})
		}
	}
	_, err := e.listIpams(tmp, false, hz)
	ok(t, err, "ListIpams before expiry")

	// Expiry is on the emulator's clock: 900 s later the credential is refused, with either protocol.
	e.clock.advance(900 * time.Second)
	for _, v1 := range []bool{false, true} {
		_, err = e.listIpams(tmp, v1, hz)
		wantErr(t, err, "InvalidSecurityToken.Expired", 400)
	}

	_, err = e.call(permanent(third), false, vSts, "AssumeRole", map[string]any{"RoleArn": cleanupArn, "RoleSessionName": "s2"})
	wantErr(t, err, "NoPermission", 403)
	_, err = e.call(permanent(owner), false, vSts, "AssumeRole", map[string]any{"RoleArn": "acs:ram::" + consumer + ":role/other", "RoleSessionName": "s2"})
	wantErr(t, err, "EntityNotExist.Role", 404)
}

// TestRoleChaining: a temporary credential may itself call AssumeRole (credentials-go's provider accepts a
// previous Sts credential); trust is decided by the account the credential acts as.
func TestRoleChaining(t *testing.T) {
	t.Parallel()
	e := startSts(t, func(o *ipamsim.Options) {
		o.Accounts[2].Roles = []ipamsim.Role{{Name: "next", Trust: []string{consumer}}}
	})
	tmp, _ := e.assume(permanent(owner), true, map[string]any{"RoleArn": cleanupArn, "RoleSessionName": "s1"})
	next, _ := e.assume(tmp, true, map[string]any{"RoleArn": "acs:ram::" + third + ":role/next", "RoleSessionName": "s2"})
	who, err := e.call(next, false, vSts, "GetCallerIdentity", nil)
	ok(t, err, "GetCallerIdentity")
	if fmt.Sprint(who["AccountId"]) != third {
		t.Errorf("GetCallerIdentity after chaining = %v, want account %s", who, third)
	}
	// owner itself is not trusted by third's role.
	_, err = e.call(permanent(owner), false, vSts, "AssumeRole", map[string]any{"RoleArn": "acs:ram::" + third + ":role/next", "RoleSessionName": "s3"})
	wantErr(t, err, "NoPermission", 403)
}

// TestPublicRegionsOverSDK: a region of VpcIpam's endpoint map is accepted without any configuration, finance
// regions included; one that is not on it (na-south-1 is on the public list only), or that the emulator's
// Regions leave out, answers 404 InvalidRegionId.NotFound.
func TestPublicRegionsOverSDK(t *testing.T) {
	t.Parallel()
	e := startSts(t)
	for _, r := range []string{"me-central-1", "ap-southeast-7", "cn-wulanchabu", "ap-southeast-2", "cn-beijing-finance-1", "cn-wuhan-lr"} {
		_, err := e.listIpams(permanent(owner), false, r)
		ok(t, err, "ListIpams in "+r)
	}
	for _, r := range []string{"ap-south-1", "na-south-1"} {
		_, err := e.listIpams(permanent(owner), false, r)
		wantErr(t, err, "InvalidRegionId.NotFound", 404)
	}

	e = startSts(t, func(o *ipamsim.Options) { o.Regions = []string{hz} })
	_, err := e.listIpams(permanent(owner), false, hz)
	ok(t, err, "ListIpams in the one served region")
	_, err = e.listIpams(permanent(owner), false, "me-central-1")
	wantErr(t, err, "InvalidRegionId.NotFound", 404)
}
