package cloudapi

import (
	"errors"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aliyun/credentials-go/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"
)

// Role is a RAM role the client assumes, through Sts AssumeRole, with the credential that Profile or the
// default chain (or AccessKey) resolves: how one central job reaches the accounts it cleans up.
type Role struct {
	ARN         string // acs:ram::<account id>:role/<name>
	SessionName string // "" = "ipam-teardown"
	ExternalID  string
	// StsEndpoint is the Sts host[:port] that AssumeRole goes to, always over HTTPS (credentials-go speaks
	// nothing else); "" = sts.aliyuncs.com, or the host of an https:// Config.Endpoint.
	StsEndpoint string
	Duration    time.Duration // 0 = one hour; Sts takes 15 min to 12 h
}

// DefaultRoleSessionName names the sessions the tool opens, so that ActionTrail shows who acted.
const DefaultRoleSessionName = "ipam-teardown"

// codeTokenExpired is the service's answer to a temporary credential past its expiration. The RAM role
// provider renews only on its own clock (180 s before the expiration it was told), so a clock skew or a
// session revoked early still reaches the service; Do renews and sends the call again once.
const codeTokenExpired = "InvalidSecurityToken.Expired"

// roleCredentials assumes role with the base provider's key. The credential renews itself before its
// expiration (credentials-go does), and renew replaces the session at once, for a token the service
// already refuses. The sessions' values are recorded in sec; its failures are *CredentialError.
func roleCredentials(base providers.CredentialsProvider, role Role, endpoint string, sec *secrets) (credentials.Credential, *renewingProvider, error) {
	if role.ARN == "" {
		return nil, nil, &CredentialError{Provider: "ram_role_arn", Cause: "no role ARN"}
	}
	sts := role.StsEndpoint
	if sts != "" {
		// credentials-go signs AssumeRole to whatever it is given: a scheme, a user, a path or a query here
		// went into the signed request (and a password into its failure text).
		if err := ValidateStsEndpoint(sts); err != nil {
			return nil, nil, &CredentialError{Provider: "ram_role_arn", Role: role.ARN, Cause: "the Sts endpoint: " + err.Error()}
		}
	}
	if sts == "" {
		sts = "sts.aliyuncs.com"
		if h, proto := endpointHost(endpoint); h != "" && proto == "HTTPS" {
			sts = h
		}
	}
	name := role.SessionName
	if name == "" {
		name = DefaultRoleSessionName
	}
	secs := int(role.Duration / time.Second)
	build := func() (providers.CredentialsProvider, error) {
		b := providers.NewRAMRoleARNCredentialsProviderBuilder().WithCredentialsProvider(base).
			WithRoleArn(role.ARN).WithRoleSessionName(name).WithStsEndpoint(sts)
		if role.ExternalID != "" {
			b = b.WithExternalId(role.ExternalID)
		}
		if secs > 0 {
			b = b.WithDurationSeconds(secs)
		}
		return b.Build()
	}
	p := &renewingProvider{build: build, role: role.ARN, sts: sts, secrets: sec}
	if err := p.Renew(); err != nil {
		return nil, nil, err
	}
	return credentials.FromCredentialsProvider("ram_role_arn", p), p, nil
}

// renewingProvider serialises the RAM role provider, which is not safe for concurrent use (it caches its
// session without a lock), and can replace it: Renew assumes the role again.
type renewingProvider struct {
	build   func() (providers.CredentialsProvider, error)
	role    string
	sts     string // host[:port]
	secrets *secrets

	mu  sync.Mutex
	cur providers.CredentialsProvider
	gen int // how many sessions were built; a renewal asked for an older one is already done
}

func (p *renewingProvider) GetCredentials() (*providers.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cc, err := p.cur.GetCredentials()
	if err != nil {
		return nil, p.fail(err)
	}
	p.secrets.add(cc.AccessKeyId, cc.AccessKeySecret, cc.SecurityToken)
	return cc, nil
}

// fail is a failure of the role's provider as a *CredentialError: the base credential's own (already one),
// Sts's refusal with its code, or Sts not reached, with the transport error but not the signed URL.
func (p *renewingProvider) fail(err error) *CredentialError {
	var base *CredentialError
	if errors.As(err, &base) {
		return &CredentialError{Provider: "ram_role_arn", Role: p.role, Sts: p.sts, Cause: "no credential to assume it with", Err: base}
	}
	e := credentialError("ram_role_arn", err)
	e.Role, e.Sts = p.role, p.sts
	if e.Cause == "not reached" {
		e.Cause = "Sts not reached"
	}
	return e
}

func (p *renewingProvider) GetProviderName() string { return "ram_role_arn" }

// generation is the session a call is about to use.
func (p *renewingProvider) generation() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gen
}

// Renew builds a fresh provider (its first GetCredentials assumes the role again).
func (p *renewingProvider) Renew() error { return p.renewFrom(-1) }

// renewFrom renews unless another call already did since generation seen (-1: always).
func (p *renewingProvider) renewFrom(seen int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if seen >= 0 && p.gen != seen {
		return nil
	}
	np, err := p.build()
	if err != nil {
		return p.fail(err)
	}
	p.cur = np
	p.gen++
	return nil
}

// baseProvider is the credential a role is assumed with: the static key, the named profile, or the default
// chain, as for a client without a role. Its values are recorded in sec, its failures are *CredentialError.
func baseProvider(cfg Config, sec *secrets) (providers.CredentialsProvider, error) {
	switch {
	case cfg.AccessKey.ID != "":
		return staticProvider(cfg.AccessKey, sec)
	case cfg.Profile != "":
		return profileChain(cfg.Profile, sec)
	}
	return defaultChain(sec), nil
}

// endpointHost is the host[:port] and protocol of an endpoint override, "" when there is none.
func endpointHost(endpoint string) (host, protocol string) {
	if endpoint == "" {
		return "", ""
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", ""
	}
	if strings.EqualFold(u.Scheme, "http") {
		return u.Host, "HTTP"
	}
	return u.Host, "HTTPS"
}

// generationOrZero is p's generation, 0 for a client without a role.
func (p *renewingProvider) generationOrZero() int {
	if p == nil {
		return 0
	}
	return p.generation()
}
