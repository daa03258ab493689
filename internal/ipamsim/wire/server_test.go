package wire_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

const (
	account = "1000000000000001"
	keyID   = "test-key"
	secret  = "test-secret"
)

// echo is a Backend that records what it was asked and answers with a fixed body per action.
type echo struct {
	mu   sync.Mutex
	reqs []*wire.Request
}

func (e *echo) Serve(_ context.Context, req *wire.Request) (any, error) {
	e.mu.Lock()
	e.reqs = append(e.reqs, req)
	e.mu.Unlock()
	switch req.Action {
	case "Fail":
		return nil, wire.Errorf(http.StatusBadRequest, "OperationFailed.IpamPoolExist", "pools remain")
	case "Deny":
		return nil, &wire.Error{Status: http.StatusForbidden, Code: "Forbidden.RAM", Message: "denied",
			AccessDeniedDetail: map[string]any{"AuthAction": "vpc:Deny"}}
	case "Crash":
		return nil, errors.New("backend bug")
	case "ListIpams":
		return map[string]any{"Count": 0, "TotalCount": 0, "MaxResults": 10, "Ipams": []any{}}, nil
	case "DescribeVpcs":
		return map[string]any{"TotalCount": 0, "PageNumber": 1, "PageSize": 10, "Vpcs": map[string]any{"Vpc": []any{}}}, nil
	}
	return map[string]any{"Echo": req.Action}, nil
}

func (e *echo) DumpState() any { return map[string]int{"requests": e.count()} }

func (e *echo) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.reqs)
}

func (e *echo) last() *wire.Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.reqs[len(e.reqs)-1]
}

func start(t *testing.T, cfg wire.Config) (*wire.Server, *echo, string) {
	t.Helper()
	b := &echo{}
	cfg.Backend = b
	if cfg.Credentials == nil {
		cfg.Credentials = []wire.Credential{{AccessKeyID: keyID, AccessKeySecret: secret, Account: account}}
	}
	srv, err := wire.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, b, strings.TrimPrefix(hs.URL, "http://")
}

func sdkConfig(endpoint, id, sec string) *openapi.Config {
	return &openapi.Config{
		AccessKeyId: tea.String(id), AccessKeySecret: tea.String(sec),
		Endpoint: tea.String(endpoint), Protocol: tea.String("HTTP"), RegionId: tea.String("cn-hangzhou"),
		ReadTimeout: tea.Int(5000), ConnectTimeout: tea.Int(5000),
	}
}

func genericClient(t *testing.T, endpoint, id, sec string) *openapi.Client {
	t.Helper()
	c, err := openapi.NewClient(sdkConfig(endpoint, id, sec))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rpc calls an action of VpcIpam 2023-02-28 with query arguments, as the typed SDK does.
func rpc(ctx context.Context, c *openapi.Client, action string, query map[string]any) (map[string]any, error) {
	params := &openapiutil.Params{
		Action: tea.String(action), Version: tea.String("2023-02-28"), Protocol: tea.String("HTTP"),
		Pathname: tea.String("/"), Method: tea.String("POST"), AuthType: tea.String("AK"), Style: tea.String("RPC"),
		ReqBodyType: tea.String("formData"), BodyType: tea.String("json"),
	}
	req := &openapiutil.OpenApiRequest{Query: openapiutil.Query(query)}
	return c.CallApiWithCtx(ctx, params, req, &dara.RuntimeOptions{})
}

func sdkErr(t *testing.T, err error) *tea.SDKError {
	t.Helper()
	var se *tea.SDKError
	if !errors.As(err, &se) {
		t.Fatalf("got %T %v, want *tea.SDKError", err, err)
	}
	return se
}

func TestSignedRequestReachesBackendWithParams(t *testing.T) {
	t.Parallel()
	_, b, ep := start(t, wire.Config{})
	c := genericClient(t, ep, keyID, secret)
	out, err := rpc(context.Background(), c, "Anything", map[string]any{
		"RegionId": "cn-hangzhou", "IpamIds": []string{"ipam-a", "ipam-b"},
		"Tags": []map[string]any{{"Key": "env", "Value": "a b*~"}}, "DryRun": true,
	})
	if err != nil {
		t.Fatal(err)
	}
	body := out["body"].(map[string]any)
	if body["Echo"] != "Anything" || body["RequestId"] == "" {
		t.Fatalf("body %v", body)
	}
	req := b.last()
	want := map[string]string{"RegionId": "cn-hangzhou", "IpamIds.1": "ipam-a", "IpamIds.2": "ipam-b", "Tags.1.Key": "env", "Tags.1.Value": "a b*~", "DryRun": "true"}
	for k, v := range want {
		if req.Params[k] != v {
			t.Errorf("param %s = %q, want %q", k, req.Params[k], v)
		}
	}
	if req.Account != account || req.AccessKey != keyID || req.Product != wire.ProductVpcIpam || !req.DryRun() {
		t.Errorf("request %+v", req)
	}
}

func TestTypedClientsVerify(t *testing.T) {
	t.Parallel()
	_, _, ep := start(t, wire.Config{})
	ic, err := vpcipam.NewClient(sdkConfig(ep, keyID, secret))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ic.ListIpams(&vpcipam.ListIpamsRequest{RegionId: tea.String("cn-hangzhou"), IpamIds: []*string{tea.String("ipam-x")}}); err != nil {
		t.Fatalf("vpcipam ListIpams: %v", err)
	}
	vc, err := vpc.NewClient(sdkConfig(ep, keyID, secret))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vc.DescribeVpcs(&vpc.DescribeVpcsRequest{RegionId: tea.String("cn-hangzhou")}); err != nil {
		t.Fatalf("vpc DescribeVpcs: %v", err)
	}
}

func TestAuthenticationFailures(t *testing.T) {
	t.Parallel()
	_, b, ep := start(t, wire.Config{})
	cases := []struct {
		name, id, secret string
		code             string
		status           int
	}{
		{"wrong secret", keyID, "not-the-secret", "SignatureDoesNotMatch", 400},
		{"unknown key", "who", secret, "InvalidAccessKeyId.NotFound", 404},
	}
	for _, tc := range cases {
		_, err := rpc(context.Background(), genericClient(t, ep, tc.id, tc.secret), "Anything", map[string]any{"RegionId": "cn-hangzhou"})
		se := sdkErr(t, err)
		if tea.StringValue(se.Code) != tc.code || tea.IntValue(se.StatusCode) != tc.status {
			t.Errorf("%s: got %d %s, want %d %s", tc.name, tea.IntValue(se.StatusCode), tea.StringValue(se.Code), tc.status, tc.code)
		}
	}
	if b.count() != 0 {
		t.Errorf("refused requests reached the backend: %d", b.count())
	}
}

// capture records one genuine SDK request so that tests can replay and tamper with it.
type capture struct {
	header http.Header
	query  string
	body   []byte
}

func captureRequest(t *testing.T) capture {
	t.Helper()
	var got capture
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.header = r.Header.Clone()
		got.header.Set("Host", r.Host)
		got.query = r.URL.RawQuery
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"RequestId":"X"}`))
	}))
	defer hs.Close()
	ep := strings.TrimPrefix(hs.URL, "http://")
	if _, err := rpc(context.Background(), genericClient(t, ep, keyID, secret), "DeleteIpam", map[string]any{"RegionId": "cn-hangzhou", "IpamId": "ipam-a"}); err != nil {
		t.Fatal(err)
	}
	return got
}

func replay(t *testing.T, srv http.Handler, c capture, host string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/?"+c.query, strings.NewReader(string(c.body)))
	r.Header = c.header.Clone()
	r.Host = host
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	return w
}

func TestTamperedAndReplayedRequestsRefused(t *testing.T) {
	t.Parallel()
	c := captureRequest(t)
	host := c.header.Get("Host")
	date, err := time.Parse("2006-01-02T15:04:05Z", c.header.Get("x-acs-date"))
	if err != nil {
		t.Fatal(err)
	}
	newServer := func(now time.Time) (*wire.Server, *echo) {
		b := &echo{}
		srv, err := wire.NewServer(wire.Config{Backend: b, Now: func() time.Time { return now },
			Credentials: []wire.Credential{{AccessKeyID: keyID, AccessKeySecret: secret, Account: account}}})
		if err != nil {
			t.Fatal(err)
		}
		return srv, b
	}
	code := func(w *httptest.ResponseRecorder) (int, string) {
		var body struct{ Code string }
		_ = json.Unmarshal(w.Body.Bytes(), &body)
		return w.Code, body.Code
	}

	srv, b := newServer(date)
	if st, cd := code(replay(t, srv, c, host)); st != 200 {
		t.Fatalf("genuine request: %d %s", st, cd)
	}
	if st, cd := code(replay(t, srv, c, host)); st != 400 || cd != "SignatureNonceUsed" {
		t.Errorf("replayed nonce: %d %s", st, cd)
	}

	tampered := c
	tampered.query = strings.Replace(c.query, "ipam-a", "ipam-b", 1)
	srv, _ = newServer(date)
	if st, cd := code(replay(t, srv, tampered, host)); st != 400 || cd != "SignatureDoesNotMatch" {
		t.Errorf("tampered query: %d %s", st, cd)
	}

	action := c
	action.header = c.header.Clone()
	action.header.Set("x-acs-action", "DeleteIpamPool")
	srv, _ = newServer(date)
	if st, cd := code(replay(t, srv, action, host)); st != 400 || cd != "SignatureDoesNotMatch" {
		t.Errorf("tampered action header: %d %s", st, cd)
	}

	srv, _ = newServer(date.Add(16 * time.Minute))
	if st, cd := code(replay(t, srv, c, host)); st != 400 || cd != "InvalidTimeStamp.Expired" {
		t.Errorf("stale date: %d %s", st, cd)
	}

	unsigned := c
	unsigned.header = c.header.Clone()
	unsigned.header.Del("Authorization")
	srv, _ = newServer(date)
	if st, cd := code(replay(t, srv, unsigned, host)); st != 400 || cd != "MissingAuthorization" {
		t.Errorf("no signature: %d %s", st, cd)
	}
	if b.count() != 1 {
		t.Errorf("backend saw %d requests, want only the genuine one", b.count())
	}
}

func TestErrorBodiesDecodeIntoSDKErrors(t *testing.T) {
	t.Parallel()
	_, _, ep := start(t, wire.Config{})
	c := genericClient(t, ep, keyID, secret)
	cases := []struct {
		action string
		status int
		code   string
	}{
		{"Fail", 400, "OperationFailed.IpamPoolExist"},
		{"Deny", 403, "Forbidden.RAM"},
		{"Crash", 500, "InternalError"},
	}
	for _, tc := range cases {
		_, err := rpc(context.Background(), c, tc.action, map[string]any{"RegionId": "cn-hangzhou"})
		se := sdkErr(t, err)
		if tea.StringValue(se.Code) != tc.code || tea.IntValue(se.StatusCode) != tc.status {
			t.Errorf("%s: got %d %s", tc.action, tea.IntValue(se.StatusCode), tea.StringValue(se.Code))
		}
		for _, k := range []string{"RequestId", "HostId", "Code", "Message", "Recommend"} {
			if se.Data == nil || !strings.Contains(*se.Data, `"`+k+`"`) {
				t.Errorf("%s: error body lacks %s: %v", tc.action, k, tea.StringValue(se.Data))
			}
		}
		if tc.status == 403 && !strings.Contains(tea.StringValue(se.Data), "AccessDeniedDetail") {
			t.Errorf("403 without AccessDeniedDetail: %s", tea.StringValue(se.Data))
		}
	}
}

// codes runs n calls of one action and returns the code of each (empty for success).
func codes(t *testing.T, ep string, n int) []string {
	t.Helper()
	c := genericClient(t, ep, keyID, secret)
	out := make([]string, n)
	for i := range out {
		_, err := rpc(context.Background(), c, "Anything", map[string]any{"RegionId": "cn-hangzhou"})
		if err != nil {
			out[i] = tea.StringValue(sdkErr(t, err).Code)
		}
	}
	return out
}

func TestFaultsReproducibleUnderSeed(t *testing.T) {
	t.Parallel()
	rules := []wire.FaultRule{{Throttle: 0.3}, {Error: 0.1}}
	_, _, ep1 := start(t, wire.Config{Faults: rules, Seed: 42})
	_, b2, ep2 := start(t, wire.Config{Faults: rules, Seed: 42})
	_, _, ep3 := start(t, wire.Config{Faults: rules, Seed: 7})
	a, b, c := codes(t, ep1, 200), codes(t, ep2, 200), codes(t, ep3, 200)
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	if strings.Join(a, ",") == strings.Join(c, ",") {
		t.Errorf("different seeds gave the same 200 faults")
	}
	count := map[string]int{}
	for _, code := range a {
		count[code]++
	}
	// 30 % throttled, then 10 % of the rest failing: expect about 60 and 14 of 200.
	if count["Throttling.User"] < 35 || count["Throttling.User"] > 85 {
		t.Errorf("throttled %d of 200, want about 60", count["Throttling.User"])
	}
	if fails := count["ServiceUnavailable"] + count["InternalError"]; fails < 4 || fails > 30 {
		t.Errorf("server errors %d of 200, want about 14", fails)
	}
	if b2.count() != count[""] {
		t.Errorf("backend saw %d calls, want only the %d unfaulted ones", b2.count(), count[""])
	}
}

func TestQPSCapThrottlesAboveTheCap(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv, _, ep := start(t, wire.Config{Faults: []wire.FaultRule{{QPS: 5}}, Now: clock})
	_ = srv
	// The SDK stamps x-acs-date from the real clock; keep the emulator's clock near it.
	mu.Lock()
	now = time.Now()
	mu.Unlock()
	got := codes(t, ep, 8) // the clock stands still: a burst of 5, then throttled
	want := []string{"", "", "", "", "", "Throttling.User", "Throttling.User", "Throttling.User"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("codes %v, want %v", got, want)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	if got := codes(t, ep, 1); got[0] != "" {
		t.Errorf("after a second the cap refills; got %v", got)
	}
}

func TestLatencyHonoursCancellation(t *testing.T) {
	t.Parallel()
	_, b, ep := start(t, wire.Config{Faults: []wire.FaultRule{{Latency: time.Hour}}})
	c := genericClient(t, ep, keyID, secret)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := rpc(ctx, c, "Anything", map[string]any{"RegionId": "cn-hangzhou"})
	if err == nil {
		t.Fatal("a call delayed by an hour returned within its deadline")
	}
	if b.count() != 0 {
		t.Errorf("a cancelled, delayed call reached the backend")
	}
}

func TestCallLogAndIntrospection(t *testing.T) {
	t.Parallel()
	srv, _, ep := start(t, wire.Config{})
	c := genericClient(t, ep, keyID, secret)
	_, _ = rpc(context.Background(), c, "Anything", map[string]any{"RegionId": "cn-hangzhou", "DryRun": true})
	_, _ = rpc(context.Background(), c, "Fail", map[string]any{"RegionId": "cn-hangzhou"})
	calls := srv.Calls()
	if len(calls) != 2 {
		t.Fatalf("calls %d", len(calls))
	}
	if calls[0].Action != "Anything" || !calls[0].DryRun || calls[0].Status != 200 || calls[0].Account != account || calls[0].Seq != 1 {
		t.Errorf("first call %+v", calls[0])
	}
	if calls[1].Code != "OperationFailed.IpamPoolExist" || calls[1].Status != 400 || calls[1].End.Before(calls[1].Start) {
		t.Errorf("second call %+v", calls[1])
	}
	for _, path := range []string{"/_sim/calls", "/_sim/state"} {
		resp, err := http.Get("http://" + ep + path)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != 200 {
			t.Errorf("%s: %d %v", path, resp.StatusCode, err)
		}
		resp.Body.Close()
	}
}

func TestParseFault(t *testing.T) {
	t.Parallel()
	good := map[string]wire.FaultRule{
		"throttle=0.3":                    {Throttle: 0.3},
		"error=0.1,action=DeleteIpamPool": {Error: 0.1, Action: "DeleteIpamPool"},
		"latency=20ms,jitter=10ms":        {Latency: 20 * time.Millisecond, Jitter: 10 * time.Millisecond},
		"qps=5,account=1000000000000001":  {QPS: 5, Account: "1000000000000001"},
	}
	for spec, want := range good {
		got, err := wire.ParseFault(spec)
		if err != nil || got != want {
			t.Errorf("ParseFault(%q) = %+v, %v; want %+v", spec, got, err, want)
		}
	}
	for spec, mention := range map[string]string{
		"throttle=1.5": "throttle", "latency=fast": "latency", "qps=0": "qps", "colour=red": "colour", "": "empty", "throttle": "key=value",
	} {
		if _, err := wire.ParseFault(spec); err == nil || !strings.Contains(err.Error(), mention) {
			t.Errorf("ParseFault(%q) error %v, want one naming %q", spec, err, mention)
		}
	}
}
