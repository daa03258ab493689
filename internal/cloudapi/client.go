// Package cloudapi is the one door to Alibaba Cloud: it builds the SDK clients (VpcIpam, Resource Sharing,
// Vpc, Sts) from one configuration and one resolved credential, sends every call through one shared token
// bucket, retries reads, and classifies errors. Nothing else in the tool imports the SDK.
package cloudapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/tea"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"
	"github.com/aliyun/credentials-go/credentials"
	"github.com/cenkalti/backoff/v5"
	"github.com/rs/zerolog"
	"golang.org/x/time/rate"
)

// Products, as the emulator's wire package names them.
const (
	ProductVpcIpam         = "VpcIpam"
	ProductResourceSharing = "ResourceSharing"
	ProductVpc             = "Vpc"
	ProductSts             = "Sts"
)

// products maps a product to its API version and its regional endpoint prefix.
var products = map[string]struct{ version, host string }{
	ProductVpcIpam:         {"2023-02-28", "vpcipam"},
	ProductResourceSharing: {"2020-01-10", "resourcesharing"},
	ProductVpc:             {"2016-04-28", "vpc"},
	ProductSts:             {"2015-04-01", "sts"},
}

// Defaults for the zero values of Config.
const (
	DefaultConnectTimeout = 5 * time.Second
	DefaultReadTimeout    = 30 * time.Second
	DefaultQPS            = 10
	DefaultMaxAttempts    = 8
	DefaultRetryInitial   = 300 * time.Millisecond
	DefaultRetryMax       = 20 * time.Second
)

// Config says how to reach the API.
type Config struct {
	Region   string
	Endpoint string // one override for every product: "http://127.0.0.1:PORT" (plain HTTP), "host:port" or "https://host"
	Profile  string // an aliyun CLI profile (~/.aliyun/config.json) or shared-credentials profile; "" = default chain
	// AccessKey, when its ID is set, is the only credential: neither Profile nor the default chain is read.
	// It is for a key the tool holds itself (the demo's in-process emulator), which must neither come from
	// nor be put into the user's environment.
	AccessKey AccessKey

	ConnectTimeout, ReadTimeout time.Duration // 0: defaults
	QPS                         float64       // shared by every call of the client; 0: DefaultQPS; <0: no limit
	Burst                       int           // 0: max(1, QPS)
	Logger                      zerolog.Logger

	// Read retry policy (additive extension of the contract; 0: defaults). Tests shorten it.
	MaxAttempts            int
	RetryInitial, RetryMax time.Duration
}

// AccessKey is a fixed access key pair. Its String never shows the secret.
type AccessKey struct{ ID, Secret string }

func (k AccessKey) String() string { return "AccessKey{" + k.ID + "}" }

// Call is one API call. Params use the exact API parameter names with lists flattened ("IpamPoolIds.1").
type Call struct {
	Product, Action, Region string // Region "" = the client's region
	Params                  map[string]string
	DryRun                  bool
	ClientToken             string
	Resource                string // for error messages
}

// Client sends calls. It is safe for concurrent use.
type Client struct {
	cfg      Config
	cred     credentials.Credential
	provider string
	limiter  *rate.Limiter
	log      zerolog.Logger
	http     sdkHTTP

	mu      sync.Mutex
	clients map[clientKey][]any // idle *vpcipam.Client, *openapi.Client or *vpc.Client, built lazily
}

type clientKey struct{ product, region string }

// New resolves the credentials once (failing with the whole chain's message) and prepares the client.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Region == "" {
		return nil, errors.New("cloudapi: no region (set --region)")
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.QPS == 0 {
		cfg.QPS = DefaultQPS
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.RetryInitial <= 0 {
		cfg.RetryInitial = DefaultRetryInitial
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = DefaultRetryMax
	}
	limit := rate.Inf
	if cfg.QPS > 0 {
		limit = rate.Limit(cfg.QPS)
	}
	if cfg.Burst <= 0 {
		cfg.Burst = max(1, int(cfg.QPS))
	}
	var (
		cred     credentials.Credential
		provider string
		err      error
	)
	if cfg.AccessKey.ID != "" {
		cred, provider, err = staticCredentials(cfg.AccessKey)
	} else {
		cred, provider, err = resolveCredentials(cfg.Profile)
	}
	if err != nil {
		return nil, err
	}
	cfg.Logger.Info().Str("credentials", provider).Str("region", cfg.Region).Msg("credentials resolved")
	return &Client{
		cfg:      cfg,
		cred:     cred,
		provider: provider,
		limiter:  rate.NewLimiter(limit, cfg.Burst),
		log:      cfg.Logger,
		http:     newHTTP(cfg.ConnectTimeout, cfg.ReadTimeout),
		clients:  map[clientKey][]any{},
	}, nil
}

// sdkHTTP is the client's own HTTP client for the SDK (dara.HttpClient). Without it the SDK shares one
// http.Client per host from a package-level pool and rewrites its Timeout on every call while other calls
// read it: a data race under concurrent calls (seen with -race in tea v1.5.3 dara.DoRequestWithCtx).
type sdkHTTP struct{ client *http.Client }

func newHTTP(connect, read time.Duration) sdkHTTP {
	t := http.DefaultTransport.(*http.Transport).Clone() // proxies from the environment, TLS verified
	t.DialContext = (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = connect
	t.ResponseHeaderTimeout = read
	t.MaxIdleConnsPerHost = 32
	return sdkHTTP{&http.Client{Transport: t, Timeout: connect + read}}
}

// Call sends the SDK's signed request; the per-call transport the SDK builds is not used.
func (h sdkHTTP) Call(req *http.Request, _ *http.Transport) (*http.Response, error) {
	return h.client.Do(req)
}

// Region is the region the client was built for.
func (c *Client) Region() string { return c.cfg.Region }

// CredentialProvider names the credential source that won (for example "default/env"); never a secret.
func (c *Client) CredentialProvider() string { return c.provider }

// endpoint returns the host and protocol for a product in a region.
func (c *Client) endpoint(product, region string) (host, protocol string) {
	if ep := c.cfg.Endpoint; ep != "" {
		switch {
		case strings.HasPrefix(ep, "http://"):
			return strings.TrimSuffix(strings.TrimPrefix(ep, "http://"), "/"), "HTTP"
		case strings.HasPrefix(ep, "https://"):
			return strings.TrimSuffix(strings.TrimPrefix(ep, "https://"), "/"), "HTTPS"
		}
		return ep, "HTTPS"
	}
	return products[product].host + "." + region + ".aliyuncs.com", "HTTPS"
}

// sdk takes an SDK client of a product in a region from the free list, building one when none is idle; put
// returns it. The SDK clients are not safe for concurrent use (openapi GetRpcHeaders sets client.Headers on
// every call, a data race under -race), so each one serves one call at a time, and there are as many as
// calls run at once. They share the Client's credential and HTTP client, so connections are pooled anyway.
func (c *Client) sdk(product, region string) (any, error) {
	key := clientKey{product, region}
	c.mu.Lock()
	if idle := c.clients[key]; len(idle) > 0 {
		cl := idle[len(idle)-1]
		c.clients[key] = idle[:len(idle)-1]
		c.mu.Unlock()
		return cl, nil
	}
	c.mu.Unlock()
	host, protocol := c.endpoint(product, region)
	conf := &openapi.Config{
		Credential:     c.cred,
		RegionId:       tea.String(region),
		Endpoint:       tea.String(host),
		Protocol:       tea.String(protocol),
		ConnectTimeout: tea.Int(int(c.cfg.ConnectTimeout / time.Millisecond)),
		ReadTimeout:    tea.Int(int(c.cfg.ReadTimeout / time.Millisecond)),
		UserAgent:      tea.String("ipam-teardown"),
		HttpClient:     c.http,
	}
	var (
		cl  any
		err error
	)
	switch product {
	case ProductVpcIpam:
		cl, err = vpcipam.NewClient(conf)
	case ProductVpc:
		cl, err = vpc.NewClient(conf)
	case ProductResourceSharing, ProductSts:
		cl, err = openapi.NewClient(conf)
	default:
		return nil, fmt.Errorf("cloudapi: unknown product %q", product)
	}
	if err != nil {
		return nil, fmt.Errorf("cloudapi: %s client for %s: %w", product, region, err)
	}
	return cl, nil
}

func (c *Client) put(product, region string, cl any) {
	key := clientKey{product, region}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clients[key] = append(c.clients[key], cl)
}

// Do sends one call, once, after waiting for the shared token bucket. Failures are *APIError.
func (c *Client) Do(ctx context.Context, call Call) (map[string]any, error) {
	if call.Region == "" {
		call.Region = c.cfg.Region
	}
	params := make(map[string]string, len(call.Params)+3)
	for k, v := range call.Params {
		params[k] = v
	}
	if call.Product != ProductSts && call.Product != ProductResourceSharing {
		if _, ok := params["RegionId"]; !ok {
			params["RegionId"] = call.Region
		}
	}
	if call.DryRun {
		params["DryRun"] = "true"
	}
	if call.ClientToken != "" {
		params["ClientToken"] = call.ClientToken
	}
	if err := c.limiter.Wait(ctx); err != nil {
		return nil, &APIError{Product: call.Product, Action: call.Action, Region: call.Region, Resource: call.Resource, Err: err}
	}
	cl, err := c.sdk(call.Product, call.Region)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	out, err := send(ctx, cl, call, params, c.runtime())
	c.put(call.Product, call.Region, cl)
	ev := c.log.Debug()
	if err != nil {
		if cerr := context.Cause(ctx); cerr != nil {
			// The caller gave up: say so, not what the interrupted transport said.
			err = &APIError{Product: call.Product, Action: call.Action, Region: call.Region, Resource: call.Resource, Err: cerr}
		}
		err = wrapErr(call, err)
		ev = ev.Str("code", Code(err))
	}
	ev.Str("product", call.Product).Str("action", call.Action).Str("region", call.Region).
		Str("resource", call.Resource).Bool("dry_run", call.DryRun).Dur("took", time.Since(start)).Msg("call")
	return out, err
}

func wrapErr(call Call, err error) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return err
	}
	return newAPIError(call, err)
}

// Read is Do with the read retry policy: throttled and transient failures are retried with jittered
// exponential backoff, a bounded number of times, until ctx ends.
func (c *Client) Read(ctx context.Context, call Call) (map[string]any, error) {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = c.cfg.RetryInitial
	b.MaxInterval = c.cfg.RetryMax
	b.Multiplier = 2
	b.RandomizationFactor = 0.5
	var lastErr error
	out, err := backoff.Retry(ctx, func() (map[string]any, error) {
		out, err := c.Do(ctx, call)
		if err == nil {
			return out, nil
		}
		lastErr = err
		switch Classify(err) {
		case ClassThrottled, ClassTransient:
			return nil, err
		}
		return nil, backoff.Permanent(err)
	}, backoff.WithBackOff(b), backoff.WithMaxTries(uint(c.cfg.MaxAttempts)), backoff.WithMaxElapsedTime(0),
		backoff.WithNotify(func(err error, d time.Duration) {
			c.log.Debug().Str("action", call.Action).Str("resource", call.Resource).Str("code", Code(err)).
				Dur("backoff", d).Msg("retrying read")
		}))
	if err != nil && lastErr != nil && !errors.Is(err, lastErr) && !errors.Is(lastErr, err) {
		// The context ended during a backoff wait: say what the last attempt answered too.
		err = fmt.Errorf("%w (last attempt: %w)", err, lastErr)
	}
	return out, err
}

// CallerAccount asks Sts GetCallerIdentity which account the credentials belong to.
func (c *Client) CallerAccount(ctx context.Context) (string, error) {
	out, err := c.Read(ctx, Call{Product: ProductSts, Action: "GetCallerIdentity"})
	if err != nil {
		return "", err
	}
	id := String(out["AccountId"])
	if id == "" {
		return "", errors.New("cloudapi: Sts GetCallerIdentity answered no AccountId")
	}
	return id, nil
}
