package cloudapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/aliyun/credentials-go/credentials/providers"
)

// The secrets boundary. credentials-go's errors are flat strings that may quote what they read: a
// ~/.aliyun/config.json that does not parse comes back whole (keys, secrets and tokens in it), a RAM role's
// AssumeRole that fails before Sts answers comes back as the signed URL (AccessKeyId, Signature,
// SignatureNonce, Timestamp, and the base credential's SecurityToken), which replayed within its validity
// returns the role's credentials. No such text leaves this package: a credential failure becomes a
// *CredentialError, in the tool's words, from the provider's name and a cause that holds no value; a
// transport failure keeps its host and operation and loses the query; and every error that leaves New or a
// call has the resolved key id, secret and token cut out of its text (secrets.seal).

// CredentialError is a credential that could not be had. Its text holds no credential value and no text of
// credentials-go: the source (Provider), the role, the Sts endpoint, a file's path and line, the service's
// code and request id, and a transport failure without its URL's query.
type CredentialError struct {
	Provider string // env, cli_profile, profile, ecs_ram_role, oidc_role_arn, credentials_uri, ram_role_arn, static; or "default", "profile NAME" for a chain
	Role     string // ram_role_arn: the role's ARN
	Sts      string // ram_role_arn: the Sts host[:port]
	Cause    string // why, in the tool's words
	// Code and RequestID are Sts's answer when it refused (NoPermission, SignatureDoesNotMatch, ...):
	// Classify and Code read them, so that a refused role is a denial like any other.
	Code, RequestID string
	// Tried are the sources of a chain, each with why it gave nothing; Skipped the sources the environment
	// turned off.
	Tried   []*CredentialError
	Skipped []string
	// Err is what caused it, safe to print: a *url.Error without its query, a net or TLS error, or the
	// *CredentialError of the credential a role is assumed with. errors.Is and errors.As see it.
	Err error
}

// sourceNames are the credential sources as the messages call them.
var sourceNames = map[string]string{
	"env":             "the environment",
	"cli_profile":     "the aliyun CLI profile",
	"profile":         "the shared credentials file",
	"ecs_ram_role":    "the ECS instance's RAM role",
	"oidc_role_arn":   "OIDC (ALIBABA_CLOUD_OIDC_TOKEN_FILE)",
	"credentials_uri": "ALIBABA_CLOUD_CREDENTIALS_URI",
	"static":          "the access key given",
}

// credentialsHint says how to give credentials, for a chain in which no source gave any.
const credentialsHint = "give credentials with ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET " +
	"(and ALIBABA_CLOUD_SECURITY_TOKEN for a temporary key), a profile of ~/.aliyun/config.json (aliyun configure; " +
	"--profile NAME or ALIBABA_CLOUD_PROFILE chooses it) or of ~/.alibabacloud/credentials, or run on an ECS " +
	"instance with a RAM role"

func (e *CredentialError) Error() string {
	var b strings.Builder
	b.WriteString("credentials: ")
	switch {
	case e.Tried != nil || e.Skipped != nil:
		if p, ok := strings.CutPrefix(e.Provider, "profile "); ok {
			fmt.Fprintf(&b, "no credentials for profile %q", p)
		} else {
			b.WriteString("no credentials found")
		}
		for i, t := range e.Tried {
			if i == 0 {
				b.WriteString(": tried ")
			} else {
				b.WriteString("; ")
			}
			b.WriteString(t.source())
			b.WriteString(": ")
			b.WriteString(t.detail())
		}
		if len(e.Skipped) > 0 {
			fmt.Fprintf(&b, "; not tried: %s", strings.Join(e.Skipped, ", "))
		}
		b.WriteString("; " + credentialsHint)
		return b.String()
	case e.Provider == "ram_role_arn":
		fmt.Fprintf(&b, "assume role %s", e.Role)
		if e.Sts != "" {
			fmt.Fprintf(&b, " at Sts %s", e.Sts)
		}
	default:
		b.WriteString(e.source())
	}
	b.WriteString(": ")
	b.WriteString(e.detail())
	return b.String()
}

func (e *CredentialError) source() string {
	if n, ok := sourceNames[e.Provider]; ok {
		return n
	}
	return e.Provider
}

// detail is the cause, the service's code and request id, and the error under it.
func (e *CredentialError) detail() string {
	s := e.Cause
	if e.Code != "" {
		s += " (" + e.Code
		if e.RequestID != "" {
			s += ", RequestId " + e.RequestID
		}
		s += ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap gives errors.Is and errors.As the cause and the sources a chain tried.
func (e *CredentialError) Unwrap() []error {
	var errs []error
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	for _, t := range e.Tried {
		errs = append(errs, t)
	}
	return errs
}

// credentialError maps a failure of credentials-go's provider (env, cli_profile, ...) to a *CredentialError.
// credentials-go's text is read only to recognise the failure and never copied, but for the parts that hold
// no value: a file's path, a profile's name.
func credentialError(provider string, err error) *CredentialError {
	var ce *CredentialError
	if errors.As(err, &ce) {
		return ce // already ours (a chain's source, the credential a role is assumed with)
	}
	e := &CredentialError{Provider: provider}
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		// The request did not get an answer: keep the transport error, without the URL's query (and
		// without whatever credentials-go wrapped around it).
		e.Cause, e.Err = "not reached", cleanURLError(ue)
		return e
	}
	if body, ok := afterPrefix(msg, "refresh session token failed: ", "get session token failed: "); ok {
		// Sts answered with an error; its body's Message may quote the string it signed (the key id, the
		// token), so only the code and the request id are kept.
		e.Cause = "Sts refused AssumeRole"
		var ans struct{ Code, RequestId string }
		if json.Unmarshal([]byte(body), &ans) == nil {
			e.Code, e.RequestID = ans.Code, ans.RequestId
		}
		switch c := classifyCode(e.Code, 0); {
		case RejectsCredentials(e.Code):
			e.Cause = "Sts rejected the credentials it was asked with"
		case c == ClassTransient || c == ClassThrottled:
			e.Cause = "Sts could not answer AssumeRole now"
		}
		return e
	}
	switch {
	case strings.Contains(msg, "Access key ID must be specified"):
		e.Cause = "ALIBABA_CLOUD_ACCESS_KEY_ID is not set"
	case strings.Contains(msg, "Access key secret must be specified"):
		e.Cause = "ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set (ALIBABA_CLOUD_ACCESS_KEY_ID is)"
	case strings.HasPrefix(msg, "unmarshal aliyun cli config from '"):
		path := quoted(msg)
		e.Cause = path + " is not valid JSON" + jsonProblem(path)
	case strings.HasPrefix(msg, "reading aliyun cli config from '"):
		e.Cause = "cannot read " + quoted(msg)
		if strings.Contains(msg, "no such file or directory") {
			e.Cause = "no file " + quoted(msg)
		}
	case strings.HasPrefix(msg, "no any configured profiles in '"):
		e.Cause = quoted(msg) + " has no profile"
	case strings.HasPrefix(msg, "unable to get profile with '"):
		e.Cause = "no profile named " + quoted(msg)
	case strings.HasPrefix(msg, "unsupported profile mode '"):
		e.Cause = "the profile's mode " + quoted(msg) + " is not one credentials-go supports"
	case strings.HasPrefix(msg, "ERROR: Can not open file"):
		// ini's error for a file that exists but does not parse quotes the line, which may hold a secret.
		if p, ok := openedPath(msg); ok {
			e.Cause = "no file " + p
		} else {
			e.Cause = "the file cannot be read as an INI file"
		}
	case strings.HasPrefix(msg, "ERROR: Can not load section"):
		e.Cause = "the file has no section for the profile"
	case strings.HasPrefix(msg, "ERROR: Can not find credential type"):
		e.Cause = "the profile has no type"
	case strings.HasPrefix(msg, "ERROR: Failed to get value"), strings.HasPrefix(msg, "ERROR: Value can't be empty"):
		e.Cause = "a field the profile's type needs is missing or empty"
	case strings.HasPrefix(msg, "ERROR: Failed to get credential"):
		e.Cause = "the profile's type is not one credentials-go supports"
	case strings.HasPrefix(msg, "cannot found home dir"):
		e.Cause = "no home directory (HOME is not set)"
	case strings.HasPrefix(msg, "get role name failed"), strings.HasPrefix(msg, "get metadata token failed"):
		e.Cause = "the instance metadata service gave no RAM role (not an ECS instance, or no role attached)"
	case strings.HasPrefix(msg, "refresh Ecs sts token err"):
		e.Cause = "the instance metadata service gave no credentials for the RAM role"
	case strings.HasPrefix(msg, "refresh RoleArn sts token err"), strings.HasPrefix(msg, "get oidc sts token err"):
		e.Cause = "Sts's answer held no credentials"
	case provider == "oidc_role_arn" && (strings.Contains(msg, "OIDCTokenFilePath") || strings.Contains(msg, "open ")):
		e.Cause = "cannot read the OIDC token file"
	default:
		e.Cause = "failed (credentials-go's message is withheld: it may quote credential values)"
	}
	return e
}

// RejectsCredentials reports a code by which the service says the credentials themselves are wrong, not the
// call: a key it does not know, a signature made with another secret, a token that is expired or not the
// key's. The one list, for the messages here and the command's explanation of its exit.
func RejectsCredentials(code string) bool {
	return code == "SignatureDoesNotMatch" || code == "IncompleteSignature" || code == "InvalidCredentials" ||
		strings.HasPrefix(code, "InvalidAccessKeyId") || strings.HasPrefix(code, "InvalidSecurityToken")
}

// afterPrefix returns what follows the first of prefixes that s starts with.
func afterPrefix(s string, prefixes ...string) (string, bool) {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return rest, true
		}
	}
	return "", false
}

// quoted is the first '...' of a credentials-go message: a file's path or a profile's name.
func quoted(msg string) string {
	_, rest, ok := strings.Cut(msg, "'")
	if !ok {
		return "the file"
	}
	q, _, ok := strings.Cut(rest, "'")
	if !ok {
		return "the file"
	}
	return q
}

// openedPath is PATH in "ERROR: Can not open fileopen PATH: no such file or directory" (the ini library's
// *fs.PathError, glued to credentials-go's words).
func openedPath(msg string) (string, bool) {
	rest, ok := strings.CutPrefix(msg, "ERROR: Can not open file")
	if !ok {
		return "", false
	}
	if rest, ok = strings.CutPrefix(rest, "open "); !ok {
		return "", false
	}
	p, _, ok := strings.Cut(rest, ": no such file or directory")
	return p, ok
}

// jsonProblem reads the file again to say where it stops being JSON: a line, or the field of the wrong type.
// Never the text there, which may be a secret.
func jsonProblem(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var v struct {
		Current  string           `json:"current"`
		Profiles []map[string]any `json:"profiles"`
	}
	err = json.Unmarshal(data, &v)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off := min(int(syn.Offset), len(data))
		return fmt.Sprintf(" (line %d)", 1+strings.Count(string(data[:off]), "\n"))
	case errors.As(err, &typ):
		return fmt.Sprintf(" (field %s: want %s)", typ.Field, typ.Type)
	}
	return ""
}

// scrubTransport returns err without its URL's query, user and fragment when it is (or wraps) a *url.Error
// whose URL has any: a *url.Error of the same Op and inner error, so that errors.As and the transient
// classification still see it, and whose text has no signed query (credentials-go signs AssumeRole in the
// query). Any other error, and one whose URL is clean already (a *CredentialError's), is returned as it is.
func scrubTransport(err error) error {
	var ue *url.Error
	if err == nil || !errors.As(err, &ue) || stripURL(ue.URL) == ue.URL {
		return err
	}
	return cleanURLError(ue)
}

// cleanURLError is ue with its URL cut to scheme, host and path.
func cleanURLError(ue *url.Error) *url.Error {
	return &url.Error{Op: ue.Op, URL: stripURL(ue.URL), Err: ue.Err}
}

// stripURL keeps a URL's scheme, host and path.
func stripURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if i := strings.IndexAny(s, "?#"); i >= 0 {
			return s[:i]
		}
		return s
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// secrets are the credential values a client has resolved, the base credential of a role included: what
// seal cuts out of every error that leaves the package. It grows as roles renew; it is safe for concurrent
// use.
type secrets struct {
	mu     sync.Mutex
	values map[string]bool
}

func newSecrets() *secrets { return &secrets{values: map[string]bool{}} }

// add records the values of a credential (and their query-escaped forms, the way a signed URL holds them).
func (s *secrets) add(vals ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vals {
		if len(v) < 4 || s.values[v] {
			continue // too short to be a key (cutting it would mangle the message and protect nothing), or known:
			// the SDK asks for the credential on every call, with the same values until a role's renewal
		}
		s.values[v] = true
		s.values[url.QueryEscape(v)] = true
	}
}

// redact replaces every recorded value in text.
func (s *secrets) redact(text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for v := range s.values {
		text = strings.ReplaceAll(text, v, "[redacted]")
	}
	return text
}

// seal is the one place where the resolved key id, secret and token are cut out of an error that leaves the
// package: an *APIError's service message and transport error are scrubbed in place, and an error whose
// text still holds a value is wrapped in one whose text does not (errors.Is and errors.As still see under).
func (s *secrets) seal(err error) error {
	if err == nil {
		return nil
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.Message = s.redact(apiErr.Message)
		if apiErr.Err != nil {
			inner := scrubTransport(apiErr.Err)
			if text := inner.Error(); s.redact(text) != text {
				inner = &redactedError{text: s.redact(text), err: inner}
			}
			apiErr.Err = inner
		}
	}
	if text := err.Error(); s.redact(text) != text {
		return &redactedError{text: s.redact(text), err: err}
	}
	return err
}

// redactedError is an error whose text had credential values cut out.
type redactedError struct {
	text string
	err  error
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }

// guardedProvider is the credential provider the SDK clients and the role provider are given: a credential
// it hands out is recorded in secrets, and its failure becomes a *CredentialError.
type guardedProvider struct {
	name    string // the source, as credentialError and GetProviderName know it
	inner   providers.CredentialsProvider
	secrets *secrets
}

func (g *guardedProvider) GetCredentials() (*providers.Credentials, error) {
	cc, err := g.inner.GetCredentials()
	if err != nil {
		return nil, credentialError(g.name, err)
	}
	g.secrets.add(cc.AccessKeyId, cc.AccessKeySecret, cc.SecurityToken)
	return cc, nil
}

func (g *guardedProvider) GetProviderName() string { return g.inner.GetProviderName() }

// source is one provider of a chain, or the reason it is off.
type source struct {
	name string
	p    providers.CredentialsProvider
	off  string // "" = on; else what turned it off, for the message
}

// chain tries its sources in order and keeps the first that gives a credential (credentials-go's default
// chain does the same, but says why the others failed in their own words only). Its error lists every
// source and why.
type chain struct {
	name    string // "default", or "profile NAME"
	sources []source
	secrets *secrets

	mu     sync.Mutex
	winner *source
}

// defaultChain is credentials-go's default chain (providers.NewDefaultCredentialsProvider), source by source.
func defaultChain(sec *secrets) *chain {
	c := &chain{name: "default", secrets: sec}
	if p, err := providers.NewEnvironmentVariableCredentialsProviderBuilder().Build(); err == nil {
		c.sources = append(c.sources, source{name: "env", p: p})
	}
	if p, err := providers.NewOIDCCredentialsProviderBuilder().Build(); err == nil {
		c.sources = append(c.sources, source{name: "oidc_role_arn", p: p})
	}
	if p, err := providers.NewCLIProfileCredentialsProviderBuilder().Build(); err == nil {
		c.sources = append(c.sources, source{name: "cli_profile", p: p})
	} else {
		c.sources = append(c.sources, source{name: "cli_profile", off: "ALIBABA_CLOUD_CLI_PROFILE_DISABLED"})
	}
	if p, err := providers.NewProfileCredentialsProviderBuilder().Build(); err == nil {
		c.sources = append(c.sources, source{name: "profile", p: p})
	}
	if p, err := providers.NewECSRAMRoleCredentialsProviderBuilder().Build(); err == nil {
		c.sources = append(c.sources, source{name: "ecs_ram_role", p: p})
	} else {
		c.sources = append(c.sources, source{name: "ecs_ram_role", off: "ALIBABA_CLOUD_ECS_METADATA_DISABLED"})
	}
	if os.Getenv("ALIBABA_CLOUD_CREDENTIALS_URI") != "" {
		if p, err := providers.NewURLCredentialsProviderBuilder().Build(); err == nil {
			c.sources = append(c.sources, source{name: "credentials_uri", p: p})
		}
	}
	return c
}

// profileChain tries the aliyun CLI profile and then the shared credentials file, both for one named profile:
// a user naming a profile means that one, not whatever the environment holds.
func profileChain(profile string, sec *secrets) (*chain, error) {
	c := &chain{name: "profile " + profile, secrets: sec}
	if p, err := providers.NewCLIProfileCredentialsProviderBuilder().WithProfileName(profile).Build(); err == nil {
		c.sources = append(c.sources, source{name: "cli_profile", p: p})
	} else {
		c.sources = append(c.sources, source{name: "cli_profile", off: "ALIBABA_CLOUD_CLI_PROFILE_DISABLED"})
	}
	if p, err := providers.NewProfileCredentialsProviderBuilder().WithProfileName(profile).Build(); err == nil {
		c.sources = append(c.sources, source{name: "profile", p: p})
	}
	if c.sources[0].off != "" && len(c.sources) == 1 {
		return nil, &CredentialError{Provider: c.name, Skipped: []string{"the aliyun CLI profile (ALIBABA_CLOUD_CLI_PROFILE_DISABLED)"}}
	}
	return c, nil
}

func (c *chain) GetCredentials() (*providers.Credentials, error) {
	c.mu.Lock()
	w := c.winner
	c.mu.Unlock()
	if w != nil {
		return c.from(*w)
	}
	fail := &CredentialError{Provider: c.name, Tried: []*CredentialError{}}
	for _, s := range c.sources {
		if s.off != "" {
			fail.Skipped = append(fail.Skipped, fmt.Sprintf("%s (%s)", sourceNames[s.name], s.off))
			continue
		}
		cc, err := c.from(s)
		if err != nil {
			fail.Tried = append(fail.Tried, credentialError(s.name, err))
			continue
		}
		c.mu.Lock()
		c.winner = &s
		c.mu.Unlock()
		return cc, nil
	}
	return nil, fail
}

// from asks one source, naming the credential chain/source as credentials-go does ("default/env").
func (c *chain) from(s source) (*providers.Credentials, error) {
	g := guardedProvider{name: s.name, inner: s.p, secrets: c.secrets}
	cc, err := g.GetCredentials()
	if err != nil {
		return nil, err
	}
	name := cc.ProviderName
	if name == "" {
		name = s.p.GetProviderName()
	}
	out := *cc
	out.ProviderName = strings.Fields(c.name)[0] + "/" + name
	return &out, nil
}

func (c *chain) GetProviderName() string { return strings.Fields(c.name)[0] }
