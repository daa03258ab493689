package cloudapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

const (
	testKeyID  = "test-key-id"
	testSecret = "test-secret-value-that-must-not-leak"
)

// isolateCredentials points the credential chain at the environment only, with HOME in a temp dir.
func isolateCredentials(t *testing.T, keyID, secret string) string {
	t.Helper()
	home := t.TempDir()
	for k, v := range map[string]string{
		"HOME":                                home,
		"ALIBABA_CLOUD_ACCESS_KEY_ID":         keyID,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET":     secret,
		"ALIBABA_CLOUD_SECURITY_TOKEN":        "",
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
		"ALIBABA_CLOUD_ECS_METADATA":          "",
		"ALIBABA_CLOUD_PROFILE":               "",
		"ALIBABA_CLOUD_CONFIG_FILE":           "",
		"ALIBABA_CLOUD_CREDENTIALS_FILE":      "",
		"ALIBABA_CLOUD_CREDENTIALS_URI":       "",
		"ALIBABA_CLOUD_ROLE_ARN":              "",
		"ALIBABA_CLOUD_OIDC_PROVIDER_ARN":     "",
		"ALIBABA_CLOUD_OIDC_TOKEN_FILE":       "",
		"ALIBABA_CLOUD_CLI_PROFILE_DISABLED":  "",
	} {
		t.Setenv(k, v)
	}
	return home
}

// fakeReq is what the fake server saw of one request.
type fakeReq struct {
	Action, Version, Auth string
	Query                 map[string]string
}

// fakeServer answers with the function given; it speaks the service's JSON error body format.
type fakeServer struct {
	mu   sync.Mutex
	reqs []fakeReq
}

type answer struct {
	status int
	body   map[string]any
}

func errAnswer(status int, code, msg string) answer {
	return answer{status, map[string]any{"RequestId": "REQ-" + code, "HostId": "vpcipam.cn-hangzhou.aliyuncs.com", "Code": code, "Message": msg}}
}

func startFake(t *testing.T, reply func(n int, r *http.Request) answer) (*fakeServer, string) {
	t.Helper()
	f := &fakeServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := map[string]string{}
		for k, v := range r.URL.Query() {
			q[k] = v[0]
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, fakeReq{Action: r.Header.Get("x-acs-action"), Version: r.Header.Get("x-acs-version"), Auth: r.Header.Get("Authorization"), Query: q})
		n := len(f.reqs)
		f.mu.Unlock()
		a := reply(n, r)
		if a.status == 0 {
			a.status = 200
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_ = json.NewEncoder(w).Encode(a.body)
	}))
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeServer) requests() []fakeReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeReq(nil), f.reqs...)
}

func newTestClient(t *testing.T, url string, log zerolog.Logger) *Client {
	t.Helper()
	c, err := New(context.Background(), Config{Region: "cn-hangzhou", Endpoint: url, QPS: -1, Logger: log,
		RetryInitial: time.Millisecond, RetryMax: 5 * time.Millisecond, MaxAttempts: 4})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReadRetriesThrottling(t *testing.T) {
	isolateCredentials(t, testKeyID, testSecret)
	f, url := startFake(t, func(n int, r *http.Request) answer {
		if n <= 2 {
			return errAnswer(400, "Throttling.User", "Request was denied due to user flow control.")
		}
		return answer{body: map[string]any{"RequestId": "OK", "Ipams": []any{map[string]any{"IpamId": "ipam-1", "OwnerId": 1210123456789012}}, "TotalCount": 1}}
	})
	c := newTestClient(t, url, zerolog.Nop())
	out, err := c.Read(context.Background(), Call{Product: ProductVpcIpam, Action: "ListIpams", Params: map[string]string{"MaxResults": "100"}})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if got := len(f.requests()); got != 3 {
		t.Errorf("requests = %d, want 3 (two throttled, one answered)", got)
	}
	ipams, _ := out["Ipams"].([]any)
	if len(ipams) != 1 {
		t.Fatalf("Ipams = %v", out["Ipams"])
	}
	// The answer keeps the 16-digit owner id exact.
	if got := String(ipams[0].(map[string]any)["OwnerId"]); got != "1210123456789012" {
		t.Errorf("OwnerId = %q", got)
	}
}

func TestReadStopsOnPermanentAndBoundsAttempts(t *testing.T) {
	isolateCredentials(t, testKeyID, testSecret)
	tests := []struct {
		action    string
		code      string
		status    int
		wantCalls int
		wantClass Class
	}{
		{"ListIpams", "InvalidParameter.MaxResults", 400, 1, ClassInvalid},
		{"GetIpamPoolAllocation", "ResourceNotFound.IpamPoolAllocation", 400, 1, ClassNotFound},
		{"ListIpams", "ResourceNotFound.Ipam", 400, 1, ClassOther}, // not ListIpams' own not-found code
		{"ListIpams", "ServiceUnavailable", 503, 4, ClassTransient},
		{"ListIpams", "Throttling.Api", 400, 4, ClassThrottled},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			f, url := startFake(t, func(int, *http.Request) answer { return errAnswer(tt.status, tt.code, "m") })
			c := newTestClient(t, url, zerolog.Nop())
			_, err := c.Read(context.Background(), Call{Product: ProductVpcIpam, Action: tt.action, Resource: "ipam-x"})
			if got := Classify(err); got != tt.wantClass {
				t.Errorf("Classify = %v, want %v (%v)", got, tt.wantClass, err)
			}
			if got := len(f.requests()); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("not an APIError: %T %v", err, err)
			}
			want := APIError{Product: "VpcIpam", Action: tt.action, Region: "cn-hangzhou", Resource: "ipam-x", Code: tt.code, Message: "m", RequestID: "REQ-" + tt.code, Status: tt.status, Endpoint: url}
			apiErr.Err = nil
			if *apiErr != want {
				t.Errorf("APIError = %+v, want %+v", *apiErr, want)
			}
			for _, s := range []string{"VpcIpam", tt.action, "ipam-x", "cn-hangzhou", tt.code, "REQ-" + tt.code} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
		})
	}
}

func TestReadHonoursCancel(t *testing.T) {
	isolateCredentials(t, testKeyID, testSecret)
	arrived := make(chan struct{}, 1)
	_, url := startFake(t, func(_ int, r *http.Request) answer {
		arrived <- struct{}{}
		<-r.Context().Done() // hold the answer until the client gives up
		return answer{body: map[string]any{}}
	})
	c := newTestClient(t, url, zerolog.Nop())
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(ctx, Call{Product: ProductVpcIpam, Action: "ListIpamResourceDiscoveries"})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if Classify(err) != ClassOther {
			t.Errorf("a cancelled call must not classify as retryable: %v", Classify(err))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Read did not return after cancel")
	}
}

// TestReadGivesUpSoonOnAnEndpointNeverReached: a refused connection to an endpoint that has not answered
// once is a wrong endpoint or no route, said after UnreachedAttempts; one that has answered before gets every
// attempt, as a restart or a blip would need.
func TestReadGivesUpSoonOnAnEndpointNeverReached(t *testing.T) {
	isolateCredentials(t, testKeyID, testSecret)
	const attempts = UnreachedAttempts + 3
	calls := func(log *bytes.Buffer) int { return strings.Count(log.String(), `"message":"call"`) }
	newClient := func(url string, log *bytes.Buffer) *Client {
		c, err := New(context.Background(), Config{Region: "cn-hangzhou", Endpoint: url, QPS: -1,
			Logger: zerolog.New(log).Level(zerolog.DebugLevel), RetryInitial: time.Millisecond, RetryMax: 5 * time.Millisecond,
			MaxAttempts: attempts})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	list := Call{Product: ProductVpcIpam, Action: "ListIpams"}

	t.Run("never answered", func(t *testing.T) {
		var log bytes.Buffer
		url := "http://" + closedPort(t)
		_, err := newClient(url, &log).Read(context.Background(), list)
		if got := calls(&log); got != UnreachedAttempts {
			t.Errorf("attempts = %d, want %d", got, UnreachedAttempts)
		}
		if err == nil || !strings.Contains(err.Error(), url+" has not answered once") {
			t.Errorf("err = %v, want it to say the endpoint has not answered", err)
		}
	})
	t.Run("answered before", func(t *testing.T) {
		var log bytes.Buffer
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"RequestId":"OK","Ipams":[],"TotalCount":0}`))
		}))
		c := newClient(srv.URL, &log)
		if _, err := c.Read(context.Background(), list); err != nil {
			t.Fatal(err)
		}
		srv.Close() // the port now refuses
		log.Reset()
		_, err := c.Read(context.Background(), list)
		if got := calls(&log); got != attempts {
			t.Errorf("attempts = %d, want %d (err %v)", got, attempts, err)
		}
		if Classify(err) != ClassTransient || strings.Contains(err.Error(), "has not answered") {
			t.Errorf("err = %v, want the refused connection after every attempt", err)
		}
	})
}

func TestDoSendsTypedAndGenericParams(t *testing.T) {
	isolateCredentials(t, testKeyID, testSecret)
	f, url := startFake(t, func(int, *http.Request) answer { return answer{body: map[string]any{"RequestId": "R"}} })
	c := newTestClient(t, url, zerolog.Nop())
	ctx := context.Background()
	calls := []Call{
		{Product: ProductVpcIpam, Action: "ListIpams", Params: map[string]string{"Tags.1.Key": "env", "Tags.1.Value": "dev", "IpamIds.1": "ipam-a", "MaxResults": "100"}},
		{Product: ProductVpcIpam, Action: "DeleteIpamPool", Params: map[string]string{"IpamPoolId": "ipam-pool-1"}, DryRun: true, ClientToken: "tok-1"},
		{Product: ProductVpcIpam, Action: "ListIpamMembers", Params: map[string]string{"MaxResults": "100"}},
		{Product: ProductResourceSharing, Action: "ListResourceShareAssociations", Params: map[string]string{"AssociationType": "Resource"}, Region: "cn-shanghai"},
		{Product: ProductVpc, Action: "DescribeVpcs", Params: map[string]string{"VpcId": "vpc-1", "PageSize": "50"}},
	}
	for _, call := range calls {
		if _, err := c.Do(ctx, call); err != nil {
			t.Fatalf("%s: %v", call.Action, err)
		}
	}
	want := []fakeReq{
		{Action: "ListIpams", Version: "2023-02-28", Query: map[string]string{"RegionId": "cn-hangzhou", "Tags.1.Key": "env", "Tags.1.Value": "dev", "IpamIds.1": "ipam-a", "MaxResults": "100"}},
		{Action: "DeleteIpamPool", Version: "2023-02-28", Query: map[string]string{"RegionId": "cn-hangzhou", "IpamPoolId": "ipam-pool-1", "DryRun": "true", "ClientToken": "tok-1"}},
		{Action: "ListIpamMembers", Version: "2023-02-28", Query: map[string]string{"RegionId": "cn-hangzhou", "MaxResults": "100"}},
		{Action: "ListResourceShareAssociations", Version: "2020-01-10", Query: map[string]string{"AssociationType": "Resource"}},
		{Action: "DescribeVpcs", Version: "2016-04-28", Query: map[string]string{"RegionId": "cn-hangzhou", "VpcId": "vpc-1", "PageSize": "50"}},
	}
	got := f.requests()
	if len(got) != len(want) {
		t.Fatalf("requests = %d, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Action != want[i].Action || got[i].Version != want[i].Version {
			t.Errorf("request %d = %s %s, want %s %s", i, got[i].Action, got[i].Version, want[i].Action, want[i].Version)
		}
		if !strings.Contains(got[i].Auth, "Credential="+testKeyID) {
			t.Errorf("request %d Authorization %q does not name the access key", i, got[i].Auth)
		}
		for k, v := range want[i].Query {
			if got[i].Query[k] != v {
				t.Errorf("%s query %s = %q, want %q", want[i].Action, k, got[i].Query[k], v)
			}
		}
		for k := range got[i].Query {
			if _, ok := want[i].Query[k]; !ok {
				t.Errorf("%s sent unexpected parameter %s=%q", want[i].Action, k, got[i].Query[k])
			}
		}
	}
}

func TestDoRejectsUnknownTypedParameter(t *testing.T) {
	isolateCredentials(t, testKeyID, testSecret)
	f, url := startFake(t, func(int, *http.Request) answer { return answer{body: map[string]any{}} })
	c := newTestClient(t, url, zerolog.Nop())
	for _, params := range []map[string]string{{"IpamIdz": "x"}, {"MaxResults": "ten"}, {"IpamIds.x": "a"}} {
		_, err := c.Do(context.Background(), Call{Product: ProductVpcIpam, Action: "ListIpams", Params: params})
		if err == nil {
			t.Errorf("%v: no error", params)
			continue
		}
		for k := range params {
			if !strings.Contains(err.Error(), k) {
				t.Errorf("error %q does not name %s", err, k)
			}
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid parameters", n)
	}
}

func TestCredentialsFromEnvAndNoSecretInLogs(t *testing.T) {
	isolateCredentials(t, testKeyID, testSecret)
	_, url := startFake(t, func(n int, _ *http.Request) answer {
		if n == 1 {
			return errAnswer(400, "Throttling.User", "Request was denied due to user flow control.")
		}
		if n == 3 {
			return errAnswer(403, "Forbidden.RAM", "denied")
		}
		return answer{body: map[string]any{"RequestId": "R", "AccountId": "1210123456789012"}}
	})
	var buf bytes.Buffer
	log := zerolog.New(&buf).Level(zerolog.DebugLevel)
	c := newTestClient(t, url, log)
	if got := c.CredentialProvider(); got != "default/env" {
		t.Errorf("provider = %q, want default/env", got)
	}
	acct, err := c.CallerAccount(context.Background())
	if err != nil || acct != "1210123456789012" {
		t.Fatalf("CallerAccount = %q, %v", acct, err)
	}
	_, err = c.Read(context.Background(), Call{Product: ProductVpcIpam, Action: "ListIpams", Params: map[string]string{"IpamIds.1": "ipam-1"}})
	if Classify(err) != ClassDenied {
		t.Errorf("Classify = %v, want denied", Classify(err))
	}
	logs := buf.String()
	if !strings.Contains(logs, "default/env") {
		t.Errorf("log does not name the provider:\n%s", logs)
	}
	if !strings.Contains(logs, `"message":"retrying"`) || !strings.Contains(logs, "Forbidden.RAM") {
		t.Errorf("log lacks the retry and the error code:\n%s", logs)
	}
	if strings.Contains(logs, testSecret) || strings.Contains(err.Error(), testSecret) {
		t.Errorf("secret leaked:\n%s", logs)
	}
}

// TestCredentialErrors: a credential that cannot be had fails New with a *CredentialError in the tool's words:
// every source of the chain and why it gave nothing, how to give credentials, a file's path and line; never
// credentials-go's text, which quotes a malformed config.json whole (secrets and tokens in it).
func TestCredentialErrors(t *testing.T) {
	const (
		fileKeyID  = "LTAIfileKEYID7d2e91"
		fileSecret = "fileSECRET3b8c0a4f"
		fileToken  = "fileTOKEN5e1d9c77b2"
	)
	malformed := `{"current": "default", "profiles": [{"name": "default", "mode": "StsToken",
  "access_key_id": "` + fileKeyID + `", "access_key_secret": "` + fileSecret + `",
  "sts_token": "` + fileToken + `",}]}`
	tests := []struct {
		name       string
		keyID      string // ALIBABA_CLOUD_ACCESS_KEY_ID
		configJSON string // ~/.aliyun/config.json; "" = none
		cfg        Config
		want       []string
		sources    []string // the chain's sources tried, in order
	}{
		{
			name: "no credentials",
			want: []string{"credentials: no credentials found: tried the environment: ALIBABA_CLOUD_ACCESS_KEY_ID is not set",
				"the aliyun CLI profile: no file ", ".aliyun/config.json", "the shared credentials file: no file ", ".alibabacloud/credentials",
				"not tried: the ECS instance's RAM role (ALIBABA_CLOUD_ECS_METADATA_DISABLED)", credentialsHint},
			sources: []string{"env", "cli_profile", "profile"},
		},
		{
			name: "key id without secret", keyID: "LTAIhalfKEY",
			want:    []string{"the environment: ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set"},
			sources: []string{"env", "cli_profile", "profile"},
		},
		{
			name: "malformed config.json", configJSON: malformed,
			want:    []string{"the aliyun CLI profile: ", ".aliyun/config.json is not valid JSON (line 3)"},
			sources: []string{"env", "cli_profile", "profile"},
		},
		{
			name: "malformed config.json, its profile", configJSON: malformed, cfg: Config{Profile: "default"},
			want:    []string{`credentials: no credentials for profile "default": tried the aliyun CLI profile: `, "config.json is not valid JSON (line 3)"},
			sources: []string{"cli_profile", "profile"},
		},
		{
			name: "no such profile", configJSON: `{"current": "a", "profiles": [{"name": "a", "mode": "AK", "access_key_id": "` + fileKeyID + `", "access_key_secret": "` + fileSecret + `"}]}`,
			cfg:     Config{Profile: "nosuch"},
			want:    []string{`no credentials for profile "nosuch": tried the aliyun CLI profile: no profile named nosuch`},
			sources: []string{"cli_profile", "profile"},
		},
		{
			name: "static key without a secret", cfg: Config{AccessKey: AccessKey{ID: fileKeyID}},
			want: []string{"credentials: the access key given: the access key has no secret"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := isolateCredentials(t, tt.keyID, "")
			if tt.configJSON != "" {
				if err := os.MkdirAll(filepath.Join(home, ".aliyun"), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(home, ".aliyun", "config.json"), []byte(tt.configJSON), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cfg := tt.cfg
			cfg.Region, cfg.Endpoint = "cn-hangzhou", "http://127.0.0.1:1"
			_, err := New(context.Background(), cfg)
			if err == nil {
				t.Fatal("New succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			for _, bad := range []string{fileKeyID, fileSecret, fileToken, "enviroment", "Can not open file", "unmarshal aliyun cli config", "unable to get credentials"} {
				if strings.Contains(err.Error(), bad) {
					t.Errorf("error %q holds %q", err, bad)
				}
			}
			var ce *CredentialError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not a *CredentialError", err)
			}
			var got []string
			for _, s := range ce.Tried {
				got = append(got, s.Provider)
			}
			if !slices.Equal(got, tt.sources) {
				t.Errorf("sources tried = %v, want %v", got, tt.sources)
			}
		})
	}
}

func TestCredentialsFromProfile(t *testing.T) {
	home := isolateCredentials(t, "env-key", "env-secret")
	dir := filepath.Join(home, ".aliyun")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	config := `{"current":"first","profiles":[
 {"name":"first","mode":"AK","access_key_id":"first-key","access_key_secret":"first-secret"},
 {"name":"second","mode":"AK","access_key_id":"second-key","access_key_secret":"second-secret"}]}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	f, url := startFake(t, func(int, *http.Request) answer { return answer{body: map[string]any{"AccountId": "1"}} })
	c, err := New(context.Background(), Config{Region: "cn-hangzhou", Endpoint: url, Profile: "second"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.CredentialProvider(), "profile/") {
		t.Errorf("provider = %q", c.CredentialProvider())
	}
	if _, err := c.CallerAccount(context.Background()); err != nil {
		t.Fatal(err)
	}
	if auth := f.requests()[0].Auth; !strings.Contains(auth, "Credential=second-key") {
		t.Errorf("Authorization %q: want the second profile's key", auth)
	}
	if _, err := New(context.Background(), Config{Region: "cn-hangzhou", Endpoint: url, Profile: "missing"}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing profile: err = %v", err)
	}
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		override, product, region, host, protocol string
	}{
		{"", ProductVpcIpam, "cn-hangzhou", "vpcipam.cn-hangzhou.aliyuncs.com", "HTTPS"},
		{"", ProductResourceSharing, "cn-shanghai", "resourcesharing.cn-shanghai.aliyuncs.com", "HTTPS"},
		{"", ProductVpc, "cn-beijing", "vpc.cn-beijing.aliyuncs.com", "HTTPS"},
		{"", ProductSts, "cn-beijing", "sts.cn-beijing.aliyuncs.com", "HTTPS"},
		{"http://127.0.0.1:8080", ProductVpc, "cn-beijing", "127.0.0.1:8080", "HTTP"},
		{"http://127.0.0.1:8080/", ProductVpcIpam, "cn-beijing", "127.0.0.1:8080", "HTTP"},
		{"https://proxy.example", ProductSts, "cn-beijing", "proxy.example", "HTTPS"},
		{"HTTPS://[::1]:8443", ProductSts, "cn-beijing", "[::1]:8443", "HTTPS"},
	}
	for _, tt := range tests {
		c := &Client{cfg: Config{Endpoint: tt.override}}
		host, protocol := c.endpoint(tt.product, tt.region)
		if host != tt.host || protocol != tt.protocol {
			t.Errorf("endpoint(%q, %s, %s) = %s %s, want %s %s", tt.override, tt.product, tt.region, host, protocol, tt.host, tt.protocol)
		}
	}
}

func TestDoReadTimeoutIsTransient(t *testing.T) {
	isolateCredentials(t, testKeyID, testSecret)
	_, url := startFake(t, func(_ int, r *http.Request) answer {
		<-r.Context().Done() // never answers in time
		return answer{body: map[string]any{}}
	})
	c, err := New(context.Background(), Config{Region: "cn-hangzhou", Endpoint: url, QPS: -1, ReadTimeout: 50 * time.Millisecond, ConnectTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(context.Background(), Call{Product: ProductVpcIpam, Action: "ListIpams", Resource: "ipam-1"})
	if err == nil {
		t.Fatal("no timeout")
	}
	if got := Classify(err); got != ClassTransient {
		t.Errorf("Classify(%v) = %v, want transient", err, got)
	}
	if !strings.Contains(err.Error(), "ListIpams") || !strings.Contains(err.Error(), "ipam-1") {
		t.Errorf("error %q does not name the call", err)
	}
}

func TestDoWaitsOnTheSharedLimiter(t *testing.T) {
	isolateCredentials(t, testKeyID, testSecret)
	f, url := startFake(t, func(int, *http.Request) answer { return answer{body: map[string]any{}} })
	c, err := New(context.Background(), Config{Region: "cn-hangzhou", Endpoint: url, QPS: 0.001, Burst: 1})
	if err != nil {
		t.Fatal(err)
	}
	// The one token of the bucket goes to the first call; the second would wait ~1000 s, longer than its
	// deadline, so the limiter refuses it at once and nothing is sent.
	if _, err := c.Do(context.Background(), Call{Product: ProductVpcIpam, Action: "ListIpams"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = c.Read(ctx, Call{Product: ProductResourceSharing, Action: "ListResourceShares"})
	if err == nil {
		t.Fatal("second call was not limited")
	}
	if Classify(err) == ClassThrottled || Classify(err) == ClassTransient {
		t.Errorf("a limiter refusal must not be retried: %v", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests sent, want 1", n)
	}
}

// TestConcurrentCalls runs calls of every product at once on one Client (run with -race: the SDK clients
// are not safe for concurrent use, so the Client must never share one between two calls).
func TestConcurrentCalls(t *testing.T) {
	isolateCredentials(t, testKeyID, testSecret)
	f, url := startFake(t, func(int, *http.Request) answer {
		return answer{body: map[string]any{"RequestId": "R", "AccountId": "1"}}
	})
	c := newTestClient(t, url, zerolog.Nop())
	calls := []Call{
		{Product: ProductVpcIpam, Action: "ListIpams"},
		{Product: ProductVpcIpam, Action: "ListIpamMembers"},
		{Product: ProductResourceSharing, Action: "ListResourceShares", Params: map[string]string{"ResourceOwner": "Self"}},
		{Product: ProductVpc, Action: "DescribeVpcs"},
		{Product: ProductSts, Action: "GetCallerIdentity"},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			if _, err := c.Read(context.Background(), calls[i%len(calls)]); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(f.requests()); n != 40 {
		t.Errorf("%d requests, want 40", n)
	}
}

func TestTypedAnswers(t *testing.T) {
	isolateCredentials(t, testKeyID, testSecret)
	_, url := startFake(t, func(_ int, r *http.Request) answer {
		if r.Header.Get("x-acs-action") == "ListIpams" {
			return answer{body: map[string]any{"RequestId": "R", "Ipams": "not a list"}}
		}
		return answer{body: map[string]any{"RequestId": "R", "IpamPoolAllocations": []any{
			map[string]any{"IpamPoolAllocationId": "ipam-alloc-1", "IpamPoolAllocationName": "kept", "ResourceOwnerId": 1210123456789012}}}}
	})
	c := newTestClient(t, url, zerolog.Nop())
	// An answer that does not fit the v1.0.3 model is an error, not a silently empty list.
	if _, err := c.Do(context.Background(), Call{Product: ProductVpcIpam, Action: "ListIpams"}); err == nil || !strings.Contains(err.Error(), "ListIpams") {
		t.Errorf("mismatched answer: err = %v", err)
	}
	// Fields the v1.0.3 model lacks are kept.
	out, err := c.Do(context.Background(), Call{Product: ProductVpcIpam, Action: "ListIpamPoolAllocations", Params: map[string]string{"IpamPoolId": "ipam-pool-1"}})
	if err != nil {
		t.Fatal(err)
	}
	a := out["IpamPoolAllocations"].([]any)[0].(map[string]any)
	if a["IpamPoolAllocationName"] != "kept" || String(a["ResourceOwnerId"]) != "1210123456789012" {
		t.Errorf("allocation %v", a)
	}
}

// TestStaticAccessKey: a Config.AccessKey is the only credential used: the environment's key is not, the
// request is signed with the given key id, and neither the log nor the Config's String shows the secret.
func TestStaticAccessKey(t *testing.T) {
	isolateCredentials(t, "env-key", "env-secret")
	f, url := startFake(t, func(int, *http.Request) answer {
		return answer{body: map[string]any{"RequestId": "R", "AccountId": "1210123456789012"}}
	})
	var buf bytes.Buffer
	key := AccessKey{ID: "static-key-id", Secret: testSecret}
	c, err := New(context.Background(), Config{Region: "cn-hangzhou", Endpoint: url, QPS: -1, AccessKey: key, Logger: zerolog.New(&buf)})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CredentialProvider(); got != "static" {
		t.Errorf("provider = %q, want static", got)
	}
	if _, err := c.CallerAccount(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 1 || !strings.Contains(reqs[0].Auth, "Credential=static-key-id,") {
		t.Errorf("requests %+v: want one signed with static-key-id", reqs)
	}
	if strings.Contains(buf.String(), testSecret) || strings.Contains(fmt.Sprint(key), testSecret) || strings.Contains(fmt.Sprintf("%+v", Config{AccessKey: key}), testSecret) {
		t.Error("the secret is printed")
	}
	if _, err := New(context.Background(), Config{Region: "cn-hangzhou", AccessKey: AccessKey{ID: "k"}}); err == nil {
		t.Error("New accepted an access key without a secret")
	}
}
