package cloudapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/alibabacloud-go/tea/tea"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
)

// Refusals: calls Do, Read or Mutate decline before anything is sent. Each is wrapped in an *APIError naming
// the call, and classifies as ClassInvalid (a bug in the caller, never retried).
var (
	// ErrUnknownAction: the action is not in the catalogue, so nothing says whether it may be dry-run,
	// retried, or what its not-found codes are.
	ErrUnknownAction = errors.New("action not in the catalogue")
	// ErrNoDryRun: a dry run of an action that takes no DryRun parameter. The real service ignores unknown
	// parameters, so the "dry run" would really run.
	ErrNoDryRun = errors.New("the action takes no DryRun parameter: a dry run would really run it")
	// ErrNoClientToken: a ClientToken for an action that takes none (the service would ignore it, and a retry
	// could apply the change twice).
	ErrNoClientToken = errors.New("the action takes no ClientToken parameter")
	// ErrNotARead: Read was given a mutating action (Read retries; a mutation is retried only with a
	// ClientToken, through Mutate).
	ErrNotARead = errors.New("mutating action given to Read (use Do or Mutate)")
	// ErrNotAMutation: Mutate was given a read.
	ErrNotAMutation = errors.New("read given to Mutate (use Read)")
)

// ErrRetryBudget is the cause of a call that ran out of its retry budget (Config.RetryBudget) while an
// attempt was still waiting for its answer.
var ErrRetryBudget = errors.New("retry budget spent")

// Class is what the caller should do about an error.
type Class int

// The classes. ClassOther is anything not recognised: never retried, reported as is.
const (
	ClassOther        Class = iota
	ClassDryRunPassed       // DryRunOperation: the dry run's checks passed
	ClassNotFound           // the resource the action targets is gone (a delete counts as done)
	ClassThrottled          // flow control: retry after a backoff
	ClassTransient          // a server or network failure: retry after a backoff
	ClassConflict           // a transitional state or a concurrent operation: retry later
	ClassDependency         // a documented prerequisite is not met yet
	ClassDenied             // RAM or ownership denial
	ClassInvalid            // bad parameters or a refused call: a bug or bad input, never retried
)

var classNames = [...]string{"other", "dry-run-passed", "not-found", "throttled", "transient", "conflict", "dependency", "denied", "invalid"}

func (c Class) String() string {
	if c < 0 || int(c) >= len(classNames) {
		return fmt.Sprintf("Class(%d)", int(c))
	}
	return classNames[c]
}

// codeRule matches an error code by its exact value, by a prefix (a family whose every member has the same
// meaning), or an HTTP status.
type codeRule struct {
	exact, prefix, contains string
	minStatus, maxStatus    int
	class                   Class
}

func (r codeRule) match(code string, status int) bool {
	if r.minStatus != 0 {
		return status >= r.minStatus && status <= r.maxStatus
	}
	switch {
	case code == "":
		return false
	case r.exact != "":
		return code == r.exact
	case r.contains != "":
		return strings.Contains(code, r.contains)
	}
	return strings.HasPrefix(code, r.prefix)
}

// classTable is the one classification table, first match wins. Sources: reference sections 1.5 (throttling and
// server errors), 1.11 and 3 (VpcIpam codes), 5.6 (Resource Sharing), 7 (Terraform's NeedRetry and per-resource
// retry codes), the planner's rule table (the dry-run code of each prerequisite) and the emulator's choices
// (internal/ipamsim/doc.go). A prefix stands only for a family whose every member means the same thing;
// families that mix meanings (OperationDenied.*, OperationFailed.*: OperationFailed.IpamPoolExist is a
// prerequisite, OperationFailed.ParentPoolCidrNotExist a bad request) are listed code by code, and what is not
// listed is ClassOther. Not-found is not in this table: only the called action's own catalogue codes
// (catalog.Action.NotFound) mean "gone", see Classify.
var classTable = []codeRule{
	{exact: "DryRunOperation", class: ClassDryRunPassed},

	{contains: "Throttling", class: ClassThrottled}, // Throttling, Throttling.User, Throttling.Api, Rejected.Throttling

	{exact: "ServiceUnavailable", class: ClassTransient},
	{exact: "InternalError", class: ClassTransient},
	{exact: "System.ServiceBusy", class: ClassTransient},
	{exact: "SystemBusy", class: ClassTransient},
	{exact: "UnknownError", class: ClassTransient},

	// Authentication and request failures whose names look like not-found: never "the resource is gone".
	{prefix: "InvalidAccessKeyId", class: ClassDenied},
	{exact: "SignatureDoesNotMatch", class: ClassDenied},
	// Temporary (STS) credentials: a token that is expired, missing or not the key's, and a role that does
	// not exist for the caller, are authentication failures like a bad key.
	{prefix: "InvalidSecurityToken", class: ClassDenied},
	{exact: "MissingSecurityToken", class: ClassDenied},
	{exact: "EntityNotExist.Role", class: ClassDenied},
	{exact: "MissingRoleArn", class: ClassInvalid},
	{exact: "MissingRoleSessionName", class: ClassInvalid},
	{exact: "IncompleteSignature", class: ClassDenied},
	{exact: "InvalidCredentials", class: ClassDenied},
	{prefix: "InvalidRegionId", class: ClassInvalid},
	{prefix: "InvalidAction", class: ClassInvalid}, // InvalidAction.NotFound: an unknown API

	// Prerequisites: the dry-run codes of the planner's rules (reference 8, seed 000, emulator UNKNOWN 8, 10,
	// 12, 14, 101). OperationDenied.IpamPoolAllocationExist is also what a CIDR delete answers while a released
	// allocation still holds its space (rule 19): a dependency the service has not caught up with.
	{prefix: "DependencyViolation", class: ClassDependency},
	{exact: "OperationFailed.IpamPoolExist", class: ClassDependency},
	{exact: "OperationFailed.IpamScopeExist", class: ClassDependency},
	{exact: "OperationDenied.IpamPoolAllocationExist", class: ClassDependency},
	{exact: "OperationDenied.PoolRegionNotSupportDeletePool", class: ClassDependency},
	{exact: "OperationDenied.SharedResourceDiscoveryAssociated", class: ClassDependency},

	{exact: "OperationConflict", class: ClassConflict},
	{exact: "IncorrectStatus", class: ClassConflict},
	{prefix: "IncorrectStatus.", class: ClassConflict},
	{exact: "IncorrectVpcStatus", class: ClassConflict},
	{exact: "ConcurrentExecutionError", class: ClassConflict},
	{exact: "LastTokenProcessing", class: ClassConflict},
	{exact: "TaskConflict", class: ClassConflict},
	{exact: "DeleteResourceShareConflict", class: ClassConflict},
	{exact: "DisassociateConflict", class: ClassConflict},
	{exact: "AssociateConflict", class: ClassConflict},

	{exact: "OperationDenied.Unauthorized", class: ClassDenied},
	{prefix: "Forbidden", class: ClassDenied},
	{prefix: "NoPermission", class: ClassDenied},

	{prefix: "InvalidParameter", class: ClassInvalid},
	{prefix: "MissingParameter", class: ClassInvalid},
	{prefix: "IllegalParam", class: ClassInvalid}, // IllegalParam.*, IllegalParamSize.*
	{prefix: "DuplicatedParam", class: ClassInvalid},
	{exact: "IdempotentParameterMismatch", class: ClassInvalid},

	// Statuses, for codes not listed above. A 404 is not among them: a wrong endpoint or a proxy's error page
	// answers 404 too, so a 404 says nothing about the resource.
	{minStatus: 403, maxStatus: 403, class: ClassDenied},
	{minStatus: 500, maxStatus: 599, class: ClassTransient},
}

// classifyCode applies classTable.
func classifyCode(code string, status int) Class {
	for _, r := range classTable {
		if r.match(code, status) {
			return r.class
		}
	}
	return ClassOther
}

// ClassifyCode classifies an answer of product's action: ClassNotFound when code is one of the action's own
// not-found codes in the catalogue, otherwise the code table. It is Classify for callers that hold a code
// rather than an error (test doubles of the API, for example).
func ClassifyCode(product, action, code string, status int) Class {
	if a, ok := catalog.Lookup(product, action); ok && a.IsNotFound(code) {
		return ClassNotFound
	}
	return classifyCode(code, status)
}

// Classify says what kind of failure err is.
//
// An answer with an error code is classified by ClassifyCode for the action that answered it (the *APIError
// names it): a not-found code means "gone" only when the catalogue lists it for that action, so an error
// without its action (a bare SDK error) is never ClassNotFound.
//
// A failure without an answer is transient only when it can be: connection refused or reset, an answer cut
// off, the client's connect or read timeout. A name that does not resolve, a certificate that does not verify,
// a scheme the client does not speak, a URL that does not parse, are ClassOther: retrying them only delays
// the error. The caller's context ending (and the retry budget running out) is ClassOther too, so it is
// never retried: Do reports it as the context's cause, because the transport's timeout error also claims to be
// context.DeadlineExceeded and only Do knows whose deadline it was. Calls refused before sending
// (ErrNoDryRun and the others) are ClassInvalid.
func Classify(err error) Class {
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, ErrRetryBudget):
		// First: such an error may also carry the previous attempt's answer, which must not make it retryable.
		return ClassOther
	case errors.Is(err, ErrUnknownAction), errors.Is(err, ErrNoDryRun), errors.Is(err, ErrNoClientToken),
		errors.Is(err, ErrNotARead), errors.Is(err, ErrNotAMutation):
		return ClassInvalid
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Code != "" {
		return ClassifyCode(apiErr.Product, apiErr.Action, apiErr.Code, apiErr.Status)
	}
	if code, status, ok := codeStatus(err); ok {
		return classifyCode(code, status)
	}
	if transientTransport(err) {
		return ClassTransient
	}
	return ClassOther
}

// transientTransport reports whether a failure to get an answer may go away by itself.
func transientTransport(err error) bool {
	var (
		dnsErr      *net.DNSError
		unknownCA   x509.UnknownAuthorityError
		hostnameErr x509.HostnameError
		certErr     x509.CertificateInvalidError
		verifyErr   *tls.CertificateVerificationError
		recordErr   tls.RecordHeaderError
		urlErr      *url.Error
		netErr      net.Error
		opErr       *net.OpError
	)
	switch {
	case errors.As(err, &dnsErr):
		return dnsErr.IsTimeout // a resolver that did not answer; a name that does not exist stays so
	case errors.As(err, &unknownCA), errors.As(err, &hostnameErr), errors.As(err, &certErr),
		errors.As(err, &verifyErr), errors.As(err, &recordErr):
		return false // the certificate will not verify next time either; RecordHeaderError: HTTPS to an HTTP port
	case errors.As(err, &urlErr) && (urlErr.Op == "parse" || urlErr.Err != nil && strings.Contains(urlErr.Err.Error(), "unsupported protocol scheme")):
		return false
	case errors.As(err, &netErr) && netErr.Timeout():
		// The client's own connect or read timeout. A bare context.DeadlineExceeded is a net.Error too, but
		// only outside a *url.Error: the caller's deadline, which Do reports as the context's cause.
		return errors.As(err, &urlErr) || !errors.Is(err, context.DeadlineExceeded)
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &opErr):
		return true // another failure to dial, read or write on a connection
	}
	return false
}

// dialFailure reports whether err is a failure to connect (refused, no route, the connect timeout): no
// request reached the endpoint.
func dialFailure(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// Code returns the API error code of err ("" when err carries none).
func Code(err error) string {
	code, _, _ := codeStatus(err)
	return code
}

// RetryAfter returns the wait the server asked for with a Retry-After header (0 when it asked none).
func RetryAfter(err error) time.Duration {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.RetryAfter
	}
	return 0
}

func codeStatus(err error) (string, int, bool) {
	var apiErr *APIError
	if errors.As(err, &apiErr) && (apiErr.Code != "" || apiErr.Status != 0) {
		return apiErr.Code, apiErr.Status, true
	}
	var sdkErr *tea.SDKError
	if errors.As(err, &sdkErr) {
		return tea.StringValue(sdkErr.Code), tea.IntValue(sdkErr.StatusCode), true
	}
	// Sts refusing a role: credentials-go keeps no status, the code is the service's.
	var credErr *CredentialError
	if errors.As(err, &credErr) && credErr.Code != "" {
		return credErr.Code, 0, true
	}
	return "", 0, false
}

// APIError is a failed call, with everything a support ticket needs.
type APIError struct {
	Product, Action, Region, Resource string
	Code, Message, RequestID          string
	Status                            int           // HTTP status; 0 when no answer came back
	Endpoint                          string        // where the call went: "https://vpcipam.cn-hangzhou.aliyuncs.com"
	RetryAfter                        time.Duration // the server's Retry-After; 0 when it sent none
	Err                               error
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Product, e.Action)
	if e.Resource != "" {
		fmt.Fprintf(&b, " %s", e.Resource)
	}
	if e.Region != "" {
		fmt.Fprintf(&b, " in %s", e.Region)
	}
	// Without an error code, the answer (or its absence) may be the endpoint's fault rather than the
	// service's: a wrong --endpoint, a proxy's error page, a closed port. Say where the call went.
	if e.Code == "" && e.Endpoint != "" && (e.Status != 0 || e.Err != nil) {
		fmt.Fprintf(&b, " at %s", e.Endpoint)
	}
	switch {
	case e.Code != "":
		fmt.Fprintf(&b, ": %s", e.Code)
		if e.Message != "" {
			fmt.Fprintf(&b, ": %s", e.Message)
		}
	case e.Status != 0:
		b.WriteString(": an answer without an error code (not the Alibaba Cloud API? check --endpoint)")
		var sdkErr *tea.SDKError
		switch {
		case e.Message != "":
			fmt.Fprintf(&b, ": %s", e.Message)
		case e.Err != nil && !errors.As(e.Err, &sdkErr): // the SDK's own text says nothing more than the status
			fmt.Fprintf(&b, ": %v", e.Err)
		}
	case e.Err != nil:
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.Status)
		if e.RequestID != "" {
			fmt.Fprintf(&b, ", RequestId %s", e.RequestID)
		}
		b.WriteString(")")
	} else if e.RequestID != "" {
		fmt.Fprintf(&b, " (RequestId %s)", e.RequestID)
	}
	return b.String()
}

func (e *APIError) Unwrap() error { return e.Err }

// newAPIError wraps an SDK failure with the call's identity. The SDK's own message ("code: 400, <msg> request id:
// <id>") is replaced by the service's Message and RequestId taken from the error body it keeps in Data. What
// the SDK drops (the status of an answer whose body is not JSON, the Retry-After header) comes from the
// exchange the client's HTTP transport recorded.
func newAPIError(call Call, endpoint string, ex *exchange, err error) *APIError {
	e := &APIError{Product: call.Product, Action: call.Action, Region: call.Region, Resource: call.Resource, Endpoint: endpoint, Err: err}
	if ex != nil {
		e.Status, e.RetryAfter = ex.status, ex.retryAfter
	}
	var sdkErr *tea.SDKError
	if !errors.As(err, &sdkErr) {
		return e
	}
	e.Code = tea.StringValue(sdkErr.Code)
	if s := tea.IntValue(sdkErr.StatusCode); s != 0 {
		e.Status = s
	}
	e.Message = tea.StringValue(sdkErr.Message)
	if e.Code == "<nil>" {
		// An error body without a Code: the SDK renders the missing value as "<nil>", and its message
		// ("code: 404, <nil> request id: <nil>") as well. Neither is the service's.
		e.Code, e.Message = "", ""
	}
	if data := tea.StringValue(sdkErr.Data); data != "" {
		var body map[string]any
		if json.Unmarshal([]byte(data), &body) == nil {
			if m, ok := firstString(body, "Message", "message"); ok {
				e.Message = m
			}
			if id, ok := firstString(body, "RequestId", "requestId"); ok {
				e.RequestID = id
			}
		}
	}
	return e
}

func firstString(m map[string]any, keys ...string) (string, bool) {
	for _, k := range keys {
		if s, ok := m[k].(string); ok && s != "" {
			return s, true
		}
	}
	return "", false
}
