// Package cloudapi is the one door to Alibaba Cloud: it builds the SDK clients (VpcIpam, Resource Sharing,
// Vpc, Sts) from one configuration and one resolved credential, checks every call against the action
// catalogue before sending it (no dry run of an action without DryRun, no ClientToken where there is none),
// sends it through one shared token bucket, retries only what is safe to retry (reads; mutations with a
// ClientToken or as dry runs) within a budget, and classifies errors. Nothing else in the tool imports the SDK.
package cloudapi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/tea"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"
	"github.com/aliyun/credentials-go/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"
	"github.com/cenkalti/backoff/v5"
	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi/sdkenv"
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
	DefaultRetryBudget    = 60 * time.Second

	// UnreachedAttempts bounds the attempts of a call whose endpoint could not be connected to and has not
	// answered this client once: a wrong --endpoint, or no route to the service, is then said in about a
	// second instead of after the whole retry policy (8 attempts, 33 s). Once an endpoint has answered, a
	// refused connection is a blip (a restart, a load balancer) and gets the whole policy.
	UnreachedAttempts = 3
)

// Config says how to reach the API.
type Config struct {
	Region  string
	Profile string // an aliyun CLI profile (~/.aliyun/config.json) or shared-credentials profile; "" = default chain
	// AccessKey, when its ID is set, is the only credential: neither Profile nor the default chain is read.
	// It is for a key the tool holds itself (the demo's in-process emulator), which must neither come from
	// nor be put into the user's environment.
	AccessKey AccessKey
	// Role, when set, is assumed with the credential above (AccessKey, Profile or the default chain); every
	// call then acts in the role's account.
	Role *Role

	// Endpoint is one override for every product, "https://host[:port]" or, for a loopback host only unless
	// InsecureEndpoint is set, "http://host[:port]" (see ValidateEndpoint); "" = the regional endpoints.
	Endpoint string
	// InsecureEndpoint allows a plain http:// Endpoint to a host that is not loopback: signed requests and
	// STS tokens then cross the network in clear.
	InsecureEndpoint bool

	ConnectTimeout, ReadTimeout time.Duration // 0: defaults
	QPS                         float64       // shared by every call of the client; 0: DefaultQPS; <0: no limit
	Burst                       int           // 0: max(1, QPS)
	// QPSAuto makes the shared rate adaptive, for an account whose limit is unknown: it starts at
	// AutoQPSStart, rises while calls succeed and halves on a throttling answer (see adaptive.go). QPS and
	// Burst are then ignored.
	QPSAuto bool
	// QPSAutoStart is where the adaptive rate starts, within [AutoQPSMin, AutoQPSMax]; 0: AutoQPSStart. The
	// tests raise it: their emulator has no limit unless they set one, and a run's slow start from 10 calls a
	// second was most of the time of each of their commands.
	QPSAutoStart float64
	Logger       zerolog.Logger

	// Retry policy of Read and Mutate (0: defaults). Tests shorten it. RetryBudget bounds a call's attempts and
	// waits together: no retry starts, and no attempt runs on, past it.
	MaxAttempts            int
	RetryInitial, RetryMax time.Duration
	RetryBudget            time.Duration
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
	adaptive *adaptiveRate // nil unless Config.QPSAuto; its limiter is limiter
	log      zerolog.Logger
	http     sdkHTTP
	role     *renewingProvider // nil without Config.Role
	secrets  *secrets          // the values cred has handed out: seal cuts them out of every error

	mu      sync.Mutex
	clients map[clientKey][]any // idle *vpcipam.Client, *openapi.Client or *vpc.Client, built lazily

	answered sync.Map // endpoint URL -> struct{}: the endpoints that have answered a call (any answer)
}

type clientKey struct{ product, region string }

// New validates the endpoint, resolves the credentials once (failing with the whole chain's message) and
// prepares the client.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Region == "" {
		return nil, errors.New("cloudapi: no region (set --region)")
	}
	if cfg.Endpoint != "" {
		if err := ValidateEndpoint(cfg.Endpoint, cfg.InsecureEndpoint); err != nil {
			return nil, err
		}
	}
	if v := sdkenv.Cleared(); v != "" {
		cfg.Logger.Debug().Str("DEBUG", v).Msg("DEBUG cleared at start-up: the SDK would print every request's headers, the signature and security token included, to stdout")
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
	if cfg.RetryBudget <= 0 {
		cfg.RetryBudget = DefaultRetryBudget
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
	var role *renewingProvider
	sec := newSecrets()
	switch {
	case cfg.Role != nil:
		var base providers.CredentialsProvider
		if base, err = baseProvider(cfg, sec); err == nil {
			cred, role, err = roleCredentials(base, *cfg.Role, cfg.Endpoint, sec)
		}
		if err == nil {
			// Assume the role now, so that a role the caller may not assume fails at start-up.
			_, err = cred.GetCredential()
		}
		provider = "ram_role_arn"
	case cfg.AccessKey.ID != "":
		cred, provider, err = staticCredentials(cfg.AccessKey, sec)
	default:
		cred, provider, err = resolveCredentials(cfg.Profile, sec)
	}
	if err != nil {
		return nil, sec.seal(err)
	}
	cfg.Logger.Info().Str("credentials", provider).Str("region", cfg.Region).Msg("credentials resolved")
	c := &Client{
		cfg:      cfg,
		cred:     cred,
		provider: provider,
		limiter:  rate.NewLimiter(limit, cfg.Burst),
		log:      cfg.Logger,
		http:     newHTTP(cfg.ConnectTimeout, cfg.ReadTimeout),
		clients:  map[clientKey][]any{},
		role:     role,
		secrets:  sec,
	}
	if cfg.QPSAuto {
		c.adaptive = newAdaptiveRate(time.Now(), cfg.QPSAutoStart, cfg.Logger)
		c.limiter = c.adaptive.lim
	}
	return c, nil
}

// wait waits for the shared token bucket.
func (c *Client) wait(ctx context.Context) (time.Time, error) {
	if c.adaptive != nil {
		return c.adaptive.wait(ctx)
	}
	return time.Now(), c.limiter.Wait(ctx)
}

// Burst is how many calls the client's token bucket lets through at once (Config.Burst, or its default).
func (c *Client) Burst() int { return c.limiter.Burst() }

// RateReached is, for an adaptive rate (Config.QPSAuto), the highest rate the run's calls were answered at
// and the throttling answers seen: the figure to pass as a fixed --qps against the same account; ok is false
// for a fixed rate, and for a run too short to have measured one.
func (c *Client) RateReached() (qps float64, throttles int, ok bool) {
	if c.adaptive == nil {
		return 0, 0, false
	}
	return c.adaptive.reached()
}

// Rate is the rate, in calls per second, at which the shared token bucket lets calls through now: with
// Config.QPSAuto, where the adaptive rate has got to; +Inf when there is no limit.
func (c *Client) Rate() float64 {
	if c.adaptive != nil {
		return c.adaptive.current()
	}
	if l := c.limiter.Limit(); l != rate.Inf {
		return float64(l)
	}
	return math.Inf(1)
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

// Call sends the SDK's signed request; the per-call transport the SDK builds is not used. It records the
// answer's status and Retry-After in the call's exchange: the SDK keeps neither when the body is not the
// service's JSON (a proxy's error page), nor Retry-After ever.
func (h sdkHTTP) Call(req *http.Request, _ *http.Transport) (*http.Response, error) {
	resp, err := h.client.Do(req)
	if err != nil {
		return resp, err
	}
	if ex, ok := req.Context().Value(exchangeKey{}).(*exchange); ok {
		ex.status = resp.StatusCode
		ex.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return resp, nil
}

// exchange is what the HTTP transport saw of one call's answer. Do puts a new one in the context of each
// call; the SDK sends the request on the calling goroutine, so it needs no lock.
type exchange struct {
	status     int
	retryAfter time.Duration
}

type exchangeKey struct{}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date (RFC 9110 10.2.3); 0 when absent
// or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, 24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Region is the region the client was built for.
func (c *Client) Region() string { return c.cfg.Region }

// CredentialProvider names the credential source that won (for example "default/env"); never a secret.
func (c *Client) CredentialProvider() string { return c.provider }

// ErrInvalidEndpoint is the error of every endpoint ValidateEndpoint refuses.
var ErrInvalidEndpoint = errors.New("invalid endpoint")

// ValidateEndpoint checks an endpoint override: scheme http or https, a host, an optional port, nothing else
// (no path, query, fragment or user). Plain http:// is allowed for a loopback host (127.0.0.0/8, ::1,
// localhost) only, unless insecure is set: a signed request and an STS token would otherwise cross a network
// in clear. "" is refused too: a caller that wants the regional endpoints passes no override at all.
// ValidateStsEndpoint checks where roles are assumed: a host and an optional port, no scheme (roles are
// assumed over HTTPS), and what ValidateEndpoint asks of an https:// endpoint. The config's sts_endpoint, the
// --sts-endpoint flag and the role's provider check it here, once.
func ValidateStsEndpoint(host string) error {
	if strings.Contains(host, "://") {
		return fmt.Errorf("want HOST[:PORT] without a scheme (roles are assumed over HTTPS), such as sts.aliyuncs.com")
	}
	return ValidateEndpoint("https://"+host, false)
}

func ValidateEndpoint(s string, insecure bool) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %q: %s", ErrInvalidEndpoint, shownEndpoint(s), fmt.Sprintf(format, args...))
	}
	if s == "" {
		return fmt.Errorf("%w: empty (leave the override out to use the regional endpoints)", ErrInvalidEndpoint)
	}
	if !strings.Contains(s, "://") {
		return bad("want http://HOST[:PORT] or https://HOST[:PORT]")
	}
	u, err := url.Parse(s)
	if err != nil {
		return bad("%v", errors.Unwrap(err))
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return bad("want http://HOST[:PORT] or https://HOST[:PORT]")
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return bad("no host")
	case u.User != nil:
		return bad("no user information allowed")
	case u.Path != "" && u.Path != "/", u.RawPath != "":
		return bad("no path allowed")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return bad("no query or fragment allowed")
	case strings.HasSuffix(u.Host, ":"):
		return bad("empty port")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return bad("port %s is not 1-65535", p)
		}
	}
	if scheme == "http" && !insecure && !isLoopback(u.Hostname()) {
		return bad("plain http:// to a host that is not loopback would send signed requests and security tokens in clear; use https://, or allow it with --insecure-endpoint")
	}
	return nil
}

// shownEndpoint is an endpoint as an error may quote it: the password of its user information and its query
// or fragment are cut. The endpoint is refused for having them, and a mistyped one may carry a credential
// there (http://key:secret@host, ?AccessKeySecret=...); the error is logged and written into reports.
func shownEndpoint(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i+1] + "[redacted]"
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		scheme, rest = "", s
	}
	end := strings.IndexByte(rest, '/')
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
		user, _, password := strings.Cut(rest[:at], ":")
		if password {
			user += ":[redacted]"
		}
		rest = user + rest[at:]
	}
	if !ok {
		return rest
	}
	return scheme + "://" + rest
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// endpoint returns the host (with its port) and protocol for a product in a region. The override was
// validated by New.
func (c *Client) endpoint(product, region string) (host, protocol string) {
	if ep := c.cfg.Endpoint; ep != "" {
		u, err := url.Parse(ep)
		switch {
		case err != nil:
			return ep, "HTTPS" // unreachable after New; never the regional endpoints instead
		case strings.EqualFold(u.Scheme, "http"):
			return u.Host, "HTTP"
		}
		return u.Host, "HTTPS"
	}
	return products[product].host + "." + region + ".aliyuncs.com", "HTTPS"
}

// endpointURL names where calls of a product in a region go, for error messages.
func (c *Client) endpointURL(product, region string) string {
	host, protocol := c.endpoint(product, region)
	return strings.ToLower(protocol) + "://" + host
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

// check refuses, before anything is sent, a call the catalogue does not allow: an unknown action, a dry run of
// an action without DryRun (the service would ignore the parameter and act), a ClientToken for an action
// without one, or DryRun or ClientToken smuggled in Params past those checks.
func check(call Call) (catalog.Action, error) {
	a, ok := catalog.Lookup(call.Product, call.Action)
	switch {
	case !ok:
		return a, ErrUnknownAction
	case call.DryRun && !a.DryRun:
		return a, ErrNoDryRun
	case call.ClientToken != "" && !a.ClientToken:
		return a, ErrNoClientToken
	}
	for _, p := range []string{"DryRun", "ClientToken"} {
		if _, ok := call.Params[p]; ok {
			return a, fmt.Errorf("parameter %s: set Call.%s instead, so that the catalogue can check it", p, p)
		}
	}
	return a, nil
}

func (c *Client) refuse(call Call, err error) *APIError {
	return &APIError{Product: call.Product, Action: call.Action, Region: call.Region, Resource: call.Resource, Err: err}
}

// Do sends one call, once, after waiting for the shared token bucket. Failures are *APIError. A call the
// catalogue does not allow (see ErrUnknownAction, ErrNoDryRun, ErrNoClientToken) is refused before anything
// is sent.
func (c *Client) Do(ctx context.Context, call Call) (map[string]any, error) {
	if call.Region == "" {
		call.Region = c.cfg.Region
	}
	if _, err := check(call); err != nil {
		return nil, c.refuse(call, err)
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
	endpoint := c.endpointURL(call.Product, call.Region)
	// queued is when the call asked the bucket for the token it got: the rate then is the one it went at.
	queued, err := c.wait(ctx)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil {
			err = cause // the retry budget or the caller's end, not the limiter's wording of it
		}
		return nil, &APIError{Product: call.Product, Action: call.Action, Region: call.Region, Resource: call.Resource, Endpoint: endpoint, Err: err}
	}
	cl, err := c.sdk(call.Product, call.Region)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	ex := &exchange{}
	gen := c.role.generationOrZero()
	out, err := send(context.WithValue(ctx, exchangeKey{}, ex), cl, call, params, c.runtime())
	if err != nil && c.role != nil && Code(err) == codeTokenExpired && ctx.Err() == nil {
		// The service refused the session before doing anything: assume the role again and send the call
		// once more (safe for a mutation too: it was not run).
		if rerr := c.role.renewFrom(gen); rerr != nil {
			err = errors.Join(err, rerr)
		} else {
			c.log.Info().Str("action", call.Action).Msg("the role session expired: assumed the role again")
			ex = &exchange{}
			out, err = send(context.WithValue(ctx, exchangeKey{}, ex), cl, call, params, c.runtime())
		}
	}
	c.put(call.Product, call.Region, cl)
	if err == nil || ex.status != 0 {
		c.answered.Store(endpoint, struct{}{})
	}
	ev := c.log.Debug()
	if err != nil {
		if cerr := context.Cause(ctx); cerr != nil {
			// The caller gave up (or the retry budget ran out): say so, not what the interrupted transport said.
			err = &APIError{Product: call.Product, Action: call.Action, Region: call.Region, Resource: call.Resource, Endpoint: endpoint, Err: cerr}
		}
		err = c.secrets.seal(wrapErr(call, endpoint, ex, err))
		ev = ev.Str("code", Code(err))
	}
	if c.adaptive != nil && (err == nil || ex.status != 0) && context.Cause(ctx) == nil {
		// Every answer, and only answers (not a refused connection, not the caller giving up), moves the rate.
		c.adaptive.observe(queued, time.Now(), Classify(err) == ClassThrottled)
	}
	ev.Str("product", call.Product).Str("action", call.Action).Str("region", call.Region).
		Str("resource", call.Resource).Bool("dry_run", call.DryRun).Dur("took_ms", time.Since(start)).Msg("call")
	return out, err
}

func wrapErr(call Call, endpoint string, ex *exchange, err error) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return err
	}
	return newAPIError(call, endpoint, ex, err)
}

// Read is Do with the retry policy for a read (catalog Mutating false): throttled and transient failures are
// retried with jittered exponential backoff, waiting at least what a Retry-After asks, at most
// Config.MaxAttempts times and within Config.RetryBudget, until ctx ends. A mutation is refused
// (ErrNotARead): it may be retried only with a ClientToken, through Mutate.
func (c *Client) Read(ctx context.Context, call Call) (map[string]any, error) {
	if call.Region == "" {
		call.Region = c.cfg.Region
	}
	a, err := check(call)
	if err == nil && a.Mutating {
		err = ErrNotARead
	}
	if err != nil {
		return nil, c.refuse(call, err)
	}
	return c.retry(ctx, call)
}

// Mutate is Do for a mutating action, with Read's retry policy when retrying is safe: when the call carries a
// ClientToken (the service applies a token once, so a retry after a lost answer cannot act twice) or is a
// dry run (which changes nothing). Otherwise it makes one attempt. A read is refused (ErrNotAMutation).
func (c *Client) Mutate(ctx context.Context, call Call) (map[string]any, error) {
	if call.Region == "" {
		call.Region = c.cfg.Region
	}
	a, err := check(call)
	if err == nil && !a.Mutating {
		err = ErrNotAMutation
	}
	if err != nil {
		return nil, c.refuse(call, err)
	}
	if call.ClientToken == "" && !call.DryRun {
		return c.Do(ctx, call)
	}
	return c.retry(ctx, call)
}

// Retryable reports whether a failed call may be sent again as it is: its failure is throttling or transient,
// and the call is a read, a dry run, or carries a ClientToken. For callers with retry loops of their own.
func Retryable(call Call, err error) bool {
	switch Classify(err) {
	case ClassThrottled, ClassTransient:
	default:
		return false
	}
	a, ok := catalog.Lookup(call.Product, call.Action)
	return ok && (!a.Mutating || call.DryRun || (call.ClientToken != "" && a.ClientToken))
}

// retry runs Do until it succeeds, fails for good, or the attempts or the budget are spent. The first retry
// of a call is logged at info level, so that a run that is waiting on a slow or failing endpoint says so at
// the default level; later ones at debug.
func (c *Client) retry(ctx context.Context, call Call) (map[string]any, error) {
	start := time.Now()
	bctx, cancel := context.WithTimeoutCause(ctx, c.cfg.RetryBudget, fmt.Errorf("%w (%s)", ErrRetryBudget, c.cfg.RetryBudget))
	defer cancel()
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = c.cfg.RetryInitial
	b.MaxInterval = c.cfg.RetryMax
	b.Multiplier = 2
	b.RandomizationFactor = 0.5
	var lastErr error
	for attempt := 1; ; attempt++ {
		out, err := c.Do(bctx, call)
		if err == nil {
			return out, nil
		}
		if errors.Is(err, ErrRetryBudget) && ctx.Err() == nil && lastErr != nil {
			// %v: the previous attempt's answer is for the reader; the error is the budget's.
			return nil, fmt.Errorf("%w (previous attempt: %v)", err, lastErr)
		}
		switch Classify(err) {
		case ClassThrottled, ClassTransient:
		default:
			return nil, err
		}
		lastErr = err
		if attempt >= c.cfg.MaxAttempts {
			return nil, fmt.Errorf("%w (gave up after %d attempts in %s)", err, attempt, time.Since(start).Round(time.Millisecond))
		}
		if attempt >= UnreachedAttempts && dialFailure(err) && !c.hasAnswered(call) {
			return nil, fmt.Errorf("%w (gave up after %d attempts in %s: %s has not answered once; check the endpoint and the network)",
				err, attempt, time.Since(start).Round(time.Millisecond), c.endpointURL(call.Product, call.Region))
		}
		wait := max(b.NextBackOff(), RetryAfter(err))
		if deadline, _ := bctx.Deadline(); time.Until(deadline) < wait {
			return nil, fmt.Errorf("%w (gave up after %d attempts in %s: the next wait of %s would pass the retry budget of %s)",
				err, attempt, time.Since(start).Round(time.Millisecond), wait.Round(time.Millisecond), c.cfg.RetryBudget)
		}
		ev := c.log.Debug()
		if attempt == 1 {
			ev = c.log.Info()
		}
		ev = ev.Str("product", call.Product).Str("action", call.Action).Str("resource", call.Resource)
		if code := Code(err); code != "" {
			ev = ev.Str("code", code)
		} else {
			ev = ev.AnErr("cause", errors.Unwrap(err))
		}
		ev.Int("attempt", attempt).Dur("wait_ms", wait).Msg("retrying")
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			// The caller gave up: its cause is the error (never retryable), the last answer only said.
			return nil, &APIError{Product: call.Product, Action: call.Action, Region: call.Region, Resource: call.Resource,
				Endpoint: c.endpointURL(call.Product, call.Region), Err: fmt.Errorf("%w (last attempt: %v)", context.Cause(ctx), lastErr)}
		}
	}
}

// hasAnswered reports whether call's endpoint has answered this client before.
func (c *Client) hasAnswered(call Call) bool {
	_, ok := c.answered.Load(c.endpointURL(call.Product, call.Region))
	return ok
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
