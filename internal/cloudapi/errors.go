package cloudapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/alibabacloud-go/tea/tea"
)

// Class is what the caller should do about an error.
type Class int

// The classes. ClassOther is anything not recognised: never retried, reported as is.
const (
	ClassOther        Class = iota
	ClassDryRunPassed       // DryRunOperation: the dry run's checks passed
	ClassNotFound           // the resource is gone (a delete counts as done)
	ClassThrottled          // flow control: retry after a backoff
	ClassTransient          // a server or network failure: retry after a backoff
	ClassConflict           // a transitional state or a concurrent operation: retry later
	ClassDependency         // a documented prerequisite is not met yet
	ClassDenied             // RAM or ownership denial
	ClassInvalid            // bad parameters: a bug or bad input, never retried
)

var classNames = [...]string{"other", "dry-run-passed", "not-found", "throttled", "transient", "conflict", "dependency", "denied", "invalid"}

func (c Class) String() string {
	if c < 0 || int(c) >= len(classNames) {
		return fmt.Sprintf("Class(%d)", int(c))
	}
	return classNames[c]
}

// codeRule matches an error code by its exact value, prefix, suffix or both, or an HTTP status.
type codeRule struct {
	exact, prefix, suffix, contains string
	minStatus, maxStatus            int
	class                           Class
}

func (r codeRule) match(code string, status int) bool {
	if r.minStatus != 0 {
		return status >= r.minStatus && status <= r.maxStatus
	}
	if code == "" {
		return false
	}
	if r.exact != "" {
		return code == r.exact
	}
	if r.contains != "" && !strings.Contains(code, r.contains) {
		return false
	}
	return strings.HasPrefix(code, r.prefix) && strings.HasSuffix(code, r.suffix)
}

// classTable is the one classification table, first match wins. Sources: reference sections 1.5 (throttling and
// server errors), 1.11 and 3 (VpcIpam codes), 5.6 (Resource Sharing), 7 (Terraform's NeedRetry/NotFoundError and
// per-resource retry codes). Specific codes come before the families that would otherwise swallow them
// (OperationDenied.* is split three ways), and the HTTP status rules come last, for codes not listed.
var classTable = []codeRule{
	{exact: "DryRunOperation", class: ClassDryRunPassed},

	// OperationDenied.* splits three ways.
	{exact: "OperationDenied.IpamPoolAllocationExist", class: ClassConflict}, // release not yet visible (TF retries it)
	{exact: "OperationDenied.SharedResourceDiscoveryAssociated", class: ClassDependency},
	{exact: "OperationDenied.Unauthorized", class: ClassDenied},

	{contains: "Throttling", class: ClassThrottled}, // Throttling, Throttling.User, Throttling.Api, Rejected.Throttling

	{exact: "ServiceUnavailable", class: ClassTransient},
	{exact: "InternalError", class: ClassTransient},
	{exact: "System.ServiceBusy", class: ClassTransient},
	{exact: "SystemBusy", class: ClassTransient},
	{exact: "UnknownError", class: ClassTransient},

	// Authentication failures before the not-found family: InvalidAccessKeyId.NotFound must never read as
	// "the resource is gone" (a delete would count as done).
	{prefix: "InvalidAccessKeyId", class: ClassDenied},
	{exact: "SignatureDoesNotMatch", class: ClassDenied},
	{exact: "IncompleteSignature", class: ClassDenied},
	{exact: "InvalidCredentials", class: ClassDenied},
	// InvalidRegionId.NotFound names a bad request, not a missing resource.
	{prefix: "InvalidRegionId", class: ClassInvalid},
	{prefix: "InvalidAction", class: ClassInvalid}, // InvalidAction.NotFound: an unknown API, not a gone resource

	{prefix: "ResourceNotFound.", class: ClassNotFound},
	{prefix: "EntityNotExists.", class: ClassNotFound},
	{suffix: ".NotFound", class: ClassNotFound}, // InvalidVpcId.NotFound, InvalidResource.NotFound
	{exact: "OperationDenied.IpamNotExist", class: ClassNotFound},

	{exact: "OperationConflict", class: ClassConflict},
	{exact: "IncorrectStatus", class: ClassConflict},
	{prefix: "IncorrectStatus.", class: ClassConflict},
	{exact: "IncorrectVpcStatus", class: ClassConflict},
	{exact: "ConcurrentExecutionError", class: ClassConflict},
	{exact: "LastTokenProcessing", class: ClassConflict},
	{suffix: "Conflict", class: ClassConflict}, // DeleteResourceShareConflict, DisassociateConflict, AssociateConflict, TaskConflict

	{prefix: "DependencyViolation", class: ClassDependency},
	{prefix: "OperationFailed.", suffix: "Exist", class: ClassDependency}, // OperationFailed.IpamPoolExist, .IpamScopeExist

	{prefix: "Forbidden", class: ClassDenied},
	{prefix: "NoPermission", class: ClassDenied},

	{prefix: "InvalidParameter", class: ClassInvalid},
	{prefix: "MissingParameter", class: ClassInvalid},
	{prefix: "IllegalParam", class: ClassInvalid},
	{prefix: "DuplicatedParam", class: ClassInvalid},
	{exact: "IdempotentParameterMismatch", class: ClassInvalid},

	{minStatus: 403, maxStatus: 403, class: ClassDenied},
	{minStatus: 404, maxStatus: 404, class: ClassNotFound},
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

// Classify says what kind of failure err is. Network failures (connection refused or reset, the client's
// connect or read timeout) are transient. The caller's context ending is ClassOther, so it is never retried:
// Do reports it as the context's error, because the transport's timeout error also claims to be
// context.DeadlineExceeded and only Do knows whose deadline it was.
func Classify(err error) Class {
	if err == nil {
		return ClassOther
	}
	if code, status, ok := codeStatus(err); ok {
		return classifyCode(code, status)
	}
	var urlErr *url.Error
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return ClassOther
	case errors.As(err, &urlErr):
		return ClassTransient // a transport failure, timeouts of the HTTP client included
	case errors.Is(err, context.DeadlineExceeded):
		return ClassOther // a bare context deadline (it is a net.Error too)
	case errors.As(err, &netErr):
		return ClassTransient
	}
	return ClassOther
}

// Code returns the API error code of err ("" when err carries none).
func Code(err error) string {
	code, _, _ := codeStatus(err)
	return code
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
	return "", 0, false
}

// APIError is a failed call, with everything a support ticket needs.
type APIError struct {
	Product, Action, Region, Resource string
	Code, Message, RequestID          string
	Status                            int // HTTP status; 0 when no answer came back
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
	switch {
	case e.Code != "":
		fmt.Fprintf(&b, ": %s", e.Code)
		if e.Message != "" {
			fmt.Fprintf(&b, ": %s", e.Message)
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
// <id>") is replaced by the service's Message and RequestId taken from the error body it keeps in Data.
func newAPIError(call Call, err error) *APIError {
	e := &APIError{Product: call.Product, Action: call.Action, Region: call.Region, Resource: call.Resource, Err: err}
	var sdkErr *tea.SDKError
	if !errors.As(err, &sdkErr) {
		return e
	}
	e.Code = tea.StringValue(sdkErr.Code)
	e.Status = tea.IntValue(sdkErr.StatusCode)
	e.Message = tea.StringValue(sdkErr.Message)
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
