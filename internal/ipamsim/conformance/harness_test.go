package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	vpcsdk "github.com/alibabacloud-go/vpc-20160428/v6/client"
	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// Accounts every emulator of this suite knows. owner builds the fixtures; consumer receives shares; third
// is a bystander. Keys are per account so the wire layer's key-to-account mapping is exercised too.
const (
	owner    = "1000000000000001"
	consumer = "1000000000000002"
	third    = "1000000000000003"

	hz = "cn-hangzhou"
	sh = "cn-shanghai"
)

var keys = map[string][2]string{ // account -> access key id, secret (constant table, never mutated)
	owner:    {"ak-owner", "sk-owner"},
	consumer: {"ak-consumer", "sk-consumer"},
	third:    {"ak-third", "sk-third"},
}

// Product versions as the SDK sends them in x-acs-version.
const (
	vIpam  = "2023-02-28"
	vShare = "2020-01-10"
)

// clock is an injected clock a test moves by hand (Deleting windows).
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// config collects what a test changes about its emulator.
type config struct {
	opts   ipamsim.Options
	faults []wire.FaultRule
	seed   int64
}

type option func(*config)

func withDeleteDelay(d time.Duration) option { return func(c *config) { c.opts.DeleteDelay = d } }
func withFaults(seed int64, f ...wire.FaultRule) option {
	return func(c *config) { c.faults, c.seed = f, seed }
}
func withDenied(account string, actions ...string) option {
	return func(c *config) {
		for i := range c.opts.Accounts {
			if c.opts.Accounts[i].ID == account {
				c.opts.Accounts[i].Denied = actions
			}
		}
	}
}
func withDirectory(rd *ipamsim.ResourceDirectory) option {
	return func(c *config) { c.opts.ResourceDirectory = rd }
}

// env is one emulator behind a real HTTP listener, and the SDK clients that talk to it.
type env struct {
	t        *testing.T
	sim      *ipamsim.Sim
	srv      *httptest.Server
	endpoint string // 127.0.0.1:PORT
	clock    *clock
}

// start runs a fresh emulator for one test; the listener is closed when the test ends.
func start(t *testing.T, opts ...option) *env {
	t.Helper()
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	cfg := config{opts: ipamsim.Options{IDSeed: 42, Now: clk.now}}
	for _, id := range []string{owner, consumer, third} {
		k := keys[id]
		cfg.opts.Accounts = append(cfg.opts.Accounts, ipamsim.Account{ID: id, AccessKeyID: k[0], AccessKeySecret: k[1]})
	}
	for _, o := range opts {
		o(&cfg)
	}
	sim, err := ipamsim.New(cfg.opts)
	if err != nil {
		t.Fatalf("ipamsim.New: %v", err)
	}
	h, err := sim.Handler(cfg.faults, cfg.seed)
	if err != nil {
		t.Fatalf("Handler: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, sim: sim, srv: srv, endpoint: strings.TrimPrefix(srv.URL, "http://"), clock: clk}
}

func (e *env) config(account, region string) *openapi.Config {
	k := keys[account]
	return &openapi.Config{
		AccessKeyId:     tea.String(k[0]),
		AccessKeySecret: tea.String(k[1]),
		Endpoint:        tea.String(e.endpoint),
		Protocol:        tea.String("HTTP"),
		RegionId:        tea.String(region),
		ReadTimeout:     tea.Int(10000),
		ConnectTimeout:  tea.Int(5000),
	}
}

// ipam is the typed vpcipam v1.0.3 client of account.
func (e *env) ipam(account string) *vpcipam.Client {
	e.t.Helper()
	c, err := vpcipam.NewClient(e.config(account, hz))
	if err != nil {
		e.t.Fatalf("vpcipam.NewClient: %v", err)
	}
	return c
}

// vpc is the vpc-20160428 v6 client of account.
func (e *env) vpc(account string) *vpcsdk.Client {
	e.t.Helper()
	c, err := vpcsdk.NewClient(e.config(account, hz))
	if err != nil {
		e.t.Fatalf("vpc.NewClient: %v", err)
	}
	return c
}

// call is a generic RPC call through darabonba-openapi's CallApiWithCtx, for the operations v1.0.3 lacks.
// q holds the request fields as the newer SDKs' models name them; openapiutil.Query flattens lists.
func (e *env) call(account, version, action string, q map[string]any) (map[string]any, error) {
	e.t.Helper()
	c, err := openapi.NewClient(e.config(account, hz))
	if err != nil {
		e.t.Fatalf("openapi.NewClient: %v", err)
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

// mustCall is call that fails the test on error.
func (e *env) mustCall(account, version, action string, q map[string]any) map[string]any {
	e.t.Helper()
	out, err := e.call(account, version, action, q)
	if err != nil {
		e.t.Fatalf("%s as %s: %v", action, account, err)
	}
	return out
}

// get fetches an introspection route.
func (e *env) get(path string) []byte {
	e.t.Helper()
	resp, err := http.Get(e.srv.URL + path)
	if err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
	return b
}

// state is GET /_sim/state, byte for byte.
func (e *env) state() []byte { e.t.Helper(); return e.get("/_sim/state") }

// calls is GET /_sim/calls, decoded.
func (e *env) calls() []wire.Call {
	e.t.Helper()
	var out []wire.Call
	if err := json.Unmarshal(e.get("/_sim/calls"), &out); err != nil {
		e.t.Fatalf("decode /_sim/calls: %v", err)
	}
	return out
}

// wantErr asserts that err is the SDK error with exactly this code and HTTP status.
func wantErr(t *testing.T, err error, code string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("got success, want %d %s", status, code)
	}
	var se *tea.SDKError
	if !errors.As(err, &se) {
		t.Fatalf("got %T %v, want *tea.SDKError %d %s", err, err, status, code)
	}
	if got := tea.StringValue(se.Code); got != code || tea.IntValue(se.StatusCode) != status {
		t.Fatalf("got %d %s (%s), want %d %s", tea.IntValue(se.StatusCode), got, tea.StringValue(se.Message), status, code)
	}
}

// ok fails the test on a non-nil error.
func ok(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
