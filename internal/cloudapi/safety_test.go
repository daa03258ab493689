package cloudapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// startSim serves an empty emulator over HTTP with the credential chain pointed at its default account.
func startSim(t *testing.T) *simtest.Server {
	t.Helper()
	sim, err := ipamsim.New(ipamsim.Options{IDSeed: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := simtest.Serve(t, sim)
	s.SetCredentialsEnv(t, ipamsim.DefaultAccount)
	return s
}

// simCalls returns the calls the emulator's HTTP front logged.
func simCalls(t *testing.T, s *simtest.Server) []wire.Call {
	t.Helper()
	resp, err := http.Get(s.URL + "/_sim/calls")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var calls []wire.Call
	if err := json.NewDecoder(resp.Body).Decode(&calls); err != nil {
		t.Fatal(err)
	}
	return calls
}

// TestRefusedBeforeSending: calls the catalogue does not allow never reach the wire.
func TestRefusedBeforeSending(t *testing.T) {
	s := startSim(t)
	c := newTestClient(t, s.URL, zerolog.Nop())
	ctx := context.Background()
	share := map[string]string{"ResourceShareId": "rs-1", "Resources.1.ResourceId": "ipam-pool-1", "Resources.1.ResourceType": "IpamPool"}
	tests := []struct {
		name string
		send func() error
		want error
	}{
		{"dry run of DisassociateResourceShare", func() error {
			_, err := c.Do(ctx, Call{Product: ProductResourceSharing, Action: "DisassociateResourceShare", Params: share, DryRun: true})
			return err
		}, ErrNoDryRun},
		{"dry run of TagResources", func() error {
			_, err := c.Do(ctx, Call{Product: ProductVpcIpam, Action: "TagResources", DryRun: true,
				Params: map[string]string{"ResourceType": "IPAM", "ResourceId.1": "ipam-1", "Tag.1.Key": "k", "Tag.1.Value": "v"}})
			return err
		}, ErrNoDryRun},
		{"dry run of UnassociateVpcCidrBlock through Mutate", func() error {
			_, err := c.Mutate(ctx, Call{Product: ProductVpc, Action: "UnassociateVpcCidrBlock", DryRun: true, Params: map[string]string{"VpcId": "vpc-1"}})
			return err
		}, ErrNoDryRun},
		{"ClientToken for DisassociateResourceShare", func() error {
			_, err := c.Do(ctx, Call{Product: ProductResourceSharing, Action: "DisassociateResourceShare", Params: share, ClientToken: "t-1"})
			return err
		}, ErrNoClientToken},
		{"unknown action", func() error {
			_, err := c.Do(ctx, Call{Product: ProductVpcIpam, Action: "DeleteEverything"})
			return err
		}, ErrUnknownAction},
		{"action of another product", func() error {
			_, err := c.Read(ctx, Call{Product: ProductVpc, Action: "ListIpams"})
			return err
		}, ErrUnknownAction},
		{"mutation through Read", func() error {
			_, err := c.Read(ctx, Call{Product: ProductVpcIpam, Action: "DeleteIpam", Params: map[string]string{"IpamId": "ipam-1"}})
			return err
		}, ErrNotARead},
		{"read through Mutate", func() error {
			_, err := c.Mutate(ctx, Call{Product: ProductVpcIpam, Action: "ListIpams"})
			return err
		}, ErrNotAMutation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.send()
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if got := Classify(err); got != ClassInvalid {
				t.Errorf("Classify = %v, want invalid", got)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Action == "" {
				t.Errorf("not an APIError naming the call: %v", err)
			}
		})
	}
	// DryRun or ClientToken in Params would slip past the checks.
	if _, err := c.Do(ctx, Call{Product: ProductResourceSharing, Action: "DisassociateResourceShare", Params: map[string]string{"ResourceShareId": "rs-1", "DryRun": "true"}}); err == nil {
		t.Error("DryRun in Params was sent")
	}
	if calls := simCalls(t, s); len(calls) != 0 {
		t.Errorf("%d calls reached the emulator, want none: %+v", len(calls), calls)
	}
	// The actions that have DryRun are still dry-run: the emulator answers DryRunOperation.
	_, err := c.Do(ctx, Call{Product: ProductVpcIpam, Action: "CreateIpam", DryRun: true, ClientToken: "t-1",
		Params: map[string]string{"OperatingRegionList.1": "cn-hangzhou"}})
	if Classify(err) != ClassDryRunPassed {
		t.Errorf("dry run of CreateIpam: %v", err)
	}
}

// TestNotFoundOnTheWire: the emulator's not-found answers mean "gone" only for the action whose own code they
// are.
func TestNotFoundOnTheWire(t *testing.T) {
	s := startSim(t)
	c := newTestClient(t, s.URL, zerolog.Nop())
	ctx := context.Background()
	tests := []struct {
		call Call
		code string
		want Class
	}{
		{Call{Product: ProductVpcIpam, Action: "DeleteIpamPool", Params: map[string]string{"IpamPoolId": "ipam-pool-gone"}}, "ResourceNotFound.IpamPool", ClassNotFound},
		{Call{Product: ProductVpcIpam, Action: "DeleteIpam", Params: map[string]string{"IpamId": "ipam-gone"}}, "ResourceNotFound.Ipam", ClassNotFound},
		{Call{Product: ProductVpcIpam, Action: "GetIpamPoolAllocation", Params: map[string]string{"IpamPoolAllocationId": "ipam-pool-alloc-gone"}}, "ResourceNotFound.IpamPoolAllocation", ClassNotFound},
		{Call{Product: ProductVpcIpam, Action: "ListIpamPoolCidrs", Params: map[string]string{"IpamPoolId": "ipam-pool-gone"}}, "ResourceNotFound.IpamPool", ClassNotFound},
		// The pool is gone, not the CIDR the call names: a wrong region answers the same (UNKNOWN 22), so the
		// delete must not count as done.
		{Call{Product: ProductVpcIpam, Action: "DeleteIpamPoolCidr", Params: map[string]string{"IpamPoolId": "ipam-pool-gone", "Cidr": "10.0.0.0/8"}}, "ResourceNotFound.IpamPool", ClassOther},
		{Call{Product: ProductVpcIpam, Action: "DissociateIpamResourceDiscovery", Params: map[string]string{"IpamId": "ipam-gone", "IpamResourceDiscoveryId": "ipam-res-disco-gone"}}, "", ClassOther},
	}
	for _, tt := range tests {
		var err error
		if tt.call.Action == "GetIpamPoolAllocation" || tt.call.Action == "ListIpamPoolCidrs" {
			_, err = c.Read(ctx, tt.call)
		} else {
			_, err = c.Do(ctx, tt.call)
		}
		if tt.code != "" && Code(err) != tt.code {
			t.Errorf("%s: code %q, want %q (%v)", tt.call.Action, Code(err), tt.code, err)
		}
		if err == nil || Code(err) == "" {
			t.Errorf("%s: want an error code, got %v", tt.call.Action, err)
			continue
		}
		if got := Classify(err); got != tt.want {
			t.Errorf("%s answering %s: Classify = %v, want %v", tt.call.Action, Code(err), got, tt.want)
		}
	}
}

// TestUnrecognisedAnswers: an answer that is not the service's (a proxy's HTML page, a JSON 404 without a code)
// never counts as "gone", is not retried, and its error names the endpoint and the status.
func TestUnrecognisedAnswers(t *testing.T) {
	isolateCredentials(t, testKeyID, testSecret)
	tests := []struct {
		name, contentType, body string
		status                  int
	}{
		{"HTML 404", "text/html", "<html><body><h1>404 Not Found</h1>nginx</body></html>", 404},
		{"JSON 404 without a code", "application/json", `{"message":"no route"}`, 404},
		{"empty 404", "text/plain", "", 404},
		{"HTML 200", "text/html", "<html>captive portal</html>", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			c := newTestClient(t, srv.URL, zerolog.Nop())
			_, err := c.Do(context.Background(), Call{Product: ProductVpcIpam, Action: "DeleteIpamPool", Params: map[string]string{"IpamPoolId": "ipam-pool-1"}, ClientToken: "t"})
			if err == nil {
				t.Fatal("no error")
			}
			if got := Classify(err); got == ClassNotFound || got == ClassDryRunPassed {
				t.Errorf("Classify = %v: an unrecognised answer must not count as done", got)
			}
			t.Log(err)
			if !strings.Contains(err.Error(), srv.URL) {
				t.Errorf("error %q does not name the endpoint %s", err, srv.URL)
			}
			if tt.status != 200 && !strings.Contains(err.Error(), "HTTP 404") {
				t.Errorf("error %q does not give the status", err)
			}
			n.Store(0)
			if _, err := c.Read(context.Background(), Call{Product: ProductVpcIpam, Action: "ListIpams"}); err == nil {
				t.Fatal("Read: no error")
			}
			if got := n.Load(); got != 1 {
				t.Errorf("Read sent %d requests for an unrecognised answer, want 1", got)
			}
		})
	}
}

// TestRetryBudgetAndLogging: a server that never answers, and a closed port, give up within the budget with
// an error naming the endpoint, after one info line saying the call is being retried.
func TestRetryBudgetAndLogging(t *testing.T) {
	isolateCredentials(t, testKeyID, testSecret)
	hang := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hang); silent.Close() })
	closed := "http://" + closedPort(t)
	for _, endpoint := range []string{silent.URL, closed} {
		t.Run(endpoint, func(t *testing.T) {
			var logs bytes.Buffer
			c, err := New(context.Background(), Config{Region: "cn-hangzhou", Endpoint: endpoint, QPS: -1,
				Logger: zerolog.New(&logs).Level(zerolog.InfoLevel), ConnectTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond,
				RetryInitial: 50 * time.Millisecond, RetryMax: 100 * time.Millisecond, MaxAttempts: 1000, RetryBudget: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = c.Read(context.Background(), Call{Product: ProductVpcIpam, Action: "ListIpams", Resource: "ipam-1"})
			if took := time.Since(start); took > 15*time.Second {
				t.Errorf("Read took %s with a budget of 1s", took)
			}
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			t.Log(logs.String())
			if !strings.Contains(err.Error(), endpoint) {
				t.Errorf("error %q does not name the endpoint", err)
			}
			if Classify(err) == ClassNotFound {
				t.Errorf("Classify = not-found")
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			var retrying []map[string]any
			for _, l := range lines {
				var m map[string]any
				if json.Unmarshal([]byte(l), &m) == nil && m["message"] == "retrying" {
					retrying = append(retrying, m)
				}
			}
			if len(retrying) != 1 {
				t.Fatalf("info lines saying retrying = %d, want 1:\n%s", len(retrying), logs.String())
			}
			r := retrying[0]
			if r["level"] != "info" || r["action"] != "ListIpams" || r["attempt"] != 1.0 || r["wait_ms"] == nil || r["cause"] == nil {
				t.Errorf("retry line %v lacks action, cause, attempt or wait", r)
			}
		})
	}
}

// TestRetryAfter: the server's Retry-After is kept on the error and is the least wait before the next
// attempt; one that would pass the budget ends the retries at once.
func TestRetryAfter(t *testing.T) {
	isolateCredentials(t, testKeyID, testSecret)
	var n atomic.Int32
	retryAfter := "1"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", retryAfter)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(503)
			io.WriteString(w, `{"Code":"ServiceUnavailable","Message":"busy","RequestId":"R"}`)
			return
		}
		io.WriteString(w, `{"RequestId":"R","Ipams":[]}`)
	}))
	t.Cleanup(srv.Close)
	var logs bytes.Buffer
	c, err := New(context.Background(), Config{Region: "cn-hangzhou", Endpoint: srv.URL, QPS: -1, Logger: zerolog.New(&logs),
		RetryInitial: time.Millisecond, RetryMax: 5 * time.Millisecond, MaxAttempts: 4, RetryBudget: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(context.Background(), Call{Product: ProductVpcIpam, Action: "ListIpams"})
	if got := RetryAfter(err); got != time.Second {
		t.Errorf("RetryAfter = %v, want 1s (%v)", got, err)
	}
	n.Store(0)
	if _, err := c.Read(context.Background(), Call{Product: ProductVpcIpam, Action: "ListIpams"}); err != nil {
		t.Fatal(err)
	}
	var line struct {
		Wait float64 `json:"wait_ms"`
	}
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"retrying"`) {
			_ = json.Unmarshal([]byte(l), &line)
		}
	}
	if line.Wait < 1000 {
		t.Errorf("waited %vms before the retry, want at least the 1000ms the server asked:\n%s", line.Wait, logs.String())
	}

	// A Retry-After beyond the budget: no wait, no second attempt.
	retryAfter = "3600"
	n.Store(0)
	_, err = c.Read(context.Background(), Call{Product: ProductVpcIpam, Action: "ListIpams"})
	if err == nil || !strings.Contains(err.Error(), "retry budget") {
		t.Errorf("err = %v, want one saying the wait would pass the retry budget", err)
	}
	if got := n.Load(); got != 1 {
		t.Errorf("%d requests, want 1", got)
	}
}

// TestMutateRetriesOnlyWhenSafe: a mutation is retried with its ClientToken, or as a dry run; without either it
// is sent once.
func TestMutateRetriesOnlyWhenSafe(t *testing.T) {
	isolateCredentials(t, testKeyID, testSecret)
	tests := []struct {
		name      string
		call      Call
		wantCalls int
	}{
		{"with ClientToken", Call{Product: ProductVpcIpam, Action: "DeleteIpamPool", Params: map[string]string{"IpamPoolId": "p"}, ClientToken: "tok"}, 3},
		{"dry run", Call{Product: ProductVpcIpam, Action: "DeleteIpamPool", Params: map[string]string{"IpamPoolId": "p"}, DryRun: true}, 3},
		{"without ClientToken", Call{Product: ProductVpcIpam, Action: "DeleteIpamPool", Params: map[string]string{"IpamPoolId": "p"}}, 1},
		{"action without ClientToken", Call{Product: ProductResourceSharing, Action: "DisassociateResourceShare", Params: map[string]string{"ResourceShareId": "rs"}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, url := startFake(t, func(n int, _ *http.Request) answer {
				if n <= 2 {
					return errAnswer(503, "ServiceUnavailable", "busy")
				}
				return answer{body: map[string]any{"RequestId": "R"}}
			})
			c := newTestClient(t, url, zerolog.Nop())
			_, err := c.Mutate(context.Background(), tt.call)
			if got := len(f.requests()); got != tt.wantCalls {
				t.Errorf("requests = %d, want %d (err %v)", got, tt.wantCalls, err)
			}
			if tt.wantCalls == 1 && Classify(err) != ClassTransient {
				t.Errorf("err = %v, want the transient failure", err)
			}
			if tt.wantCalls > 1 && err != nil {
				t.Errorf("err = %v after retries", err)
			}
			if got, want := Retryable(tt.call, errAPI(503, "ServiceUnavailable")), tt.wantCalls > 1; got != want {
				t.Errorf("Retryable = %v, want %v", got, want)
			}
		})
	}
	if Retryable(Call{Product: ProductVpcIpam, Action: "ListIpams"}, errAPI(400, "InvalidParameter.X")) {
		t.Error("Retryable of an invalid-parameter failure")
	}
}

func errAPI(status int, code string) error {
	return &APIError{Product: ProductVpcIpam, Action: "X", Code: code, Status: status}
}

func TestValidateEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		endpoint string
		insecure bool
		ok       bool
		mention  string
	}{
		{"https://vpcipam.cn-hangzhou.aliyuncs.com", false, true, ""},
		{"https://proxy.example:8443/", false, true, ""},
		{"http://127.0.0.1:8080", false, true, ""},
		{"http://127.1.2.3", false, true, ""},
		{"http://localhost:9000", false, true, ""},
		{"http://[::1]:9000", false, true, ""},
		{"HTTP://127.0.0.1:8080", false, true, ""},
		{"http://10.0.0.5:8080", false, false, "--insecure-endpoint"},
		{"http://ipam-sim.internal", false, false, "in clear"},
		{"http://10.0.0.5:8080", true, true, ""},
		{"", false, false, "empty"},
		{"127.0.0.1:8080", false, false, "http://"},
		{"localhost:8080", false, false, "http://"},
		{"ftp://host", false, false, "http://"},
		{"not a url", false, false, "http://"},
		{"https://", false, false, "no host"},
		{"https://:8080", false, false, "no host"},
		{"https://host/path", false, false, "no path"},
		{"https://host?x=1", false, false, "no query"},
		{"https://host#f", false, false, "no query"},
		{"https://user:pw@host", false, false, "user"},
		{"https://host:0", false, false, "port"},
		{"https://host:70000", false, false, "port"},
		{"https://host:", false, false, "empty port"},
		{"https://a b", false, false, "invalid"},
		// A credential in a mistyped endpoint is refused without being quoted (the error is logged and
		// written to reports): the user stays, the password, query and fragment go.
		{"https://user:s3cretPW@host", false, false, `"https://user:[redacted]@host": no user information`},
		{"http://key:s3cretPW@127.0.0.1:8080/p?q", false, false, `"http://key:[redacted]@127.0.0.1:8080/p?[redacted]"`},
		{"https://host/?AccessKeySecret=s3cretQS", false, false, `"https://host/?[redacted]": no query`},
		{"https://host#s3cretFR", false, false, `"https://host#[redacted]"`},
		{"key:s3cretPW@127.0.0.1:8080", false, false, `"key:[redacted]@127.0.0.1:8080": want http://`},
		{"http://u:s3cret PW@host", false, false, `"http://u:[redacted]@host": net/url: invalid userinfo`},
	}
	for _, tt := range tests {
		err := ValidateEndpoint(tt.endpoint, tt.insecure)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateEndpoint(%q, %v) = %v, want ok=%v", tt.endpoint, tt.insecure, err, tt.ok)
			continue
		}
		if err != nil && (!errors.Is(err, ErrInvalidEndpoint) || !strings.Contains(err.Error(), tt.mention)) {
			t.Errorf("ValidateEndpoint(%q) = %v, want ErrInvalidEndpoint mentioning %q", tt.endpoint, err, tt.mention)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ValidateEndpoint(%q) = %v: the error quotes a credential", tt.endpoint, err)
		}
	}
	// New refuses an invalid endpoint before resolving credentials or sending anything.
	if _, err := New(context.Background(), Config{Region: "cn-hangzhou", Endpoint: "http://10.0.0.5:8080"}); !errors.Is(err, ErrInvalidEndpoint) {
		t.Errorf("New with a plain-http remote endpoint: %v", err)
	}
}

// TestCancelDuringBackoffIsNotRetryable: a call cancelled while it waits to retry a throttled answer reports
// the cancellation, and the throttled answer it carries for the reader does not make it retryable.
func TestCancelDuringBackoffIsNotRetryable(t *testing.T) {
	isolateCredentials(t, testKeyID, testSecret)
	_, url := startFake(t, func(int, *http.Request) answer { return errAnswer(400, "Throttling.User", "slow down") })
	ctx, cancel := context.WithCancel(context.Background())
	// Cancel when the client says it is going to wait: the wait is a minute, the cancel comes in it.
	onRetry := writerFunc(func(p []byte) (int, error) {
		if bytes.Contains(p, []byte(`"retrying"`)) {
			cancel()
		}
		return len(p), nil
	})
	c, err := New(context.Background(), Config{Region: "cn-hangzhou", Endpoint: url, QPS: -1, Logger: zerolog.New(onRetry),
		RetryInitial: time.Minute, RetryMax: time.Minute, RetryBudget: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Read(ctx, Call{Product: ProductVpcIpam, Action: "ListIpams"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if got := Classify(err); got != ClassOther {
		t.Errorf("Classify = %v, want other", got)
	}
	if !strings.Contains(err.Error(), "Throttling.User") {
		t.Errorf("error %q does not say what the last attempt answered", err)
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
