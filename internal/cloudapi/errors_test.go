package cloudapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
)

func TestClassifyCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code   string
		status int
		want   Class
	}{
		{"DryRunOperation", 400, ClassDryRunPassed},
		// Without the action that answered them, not-found codes say nothing about the resource.
		{"ResourceNotFound.IpamPool", 404, ClassOther},
		{"ResourceNotFound.IpamPoolAllocation", 400, ClassOther},
		{"ResourceNotFound.ResourceDiscoveryAssociation", 400, ClassOther},
		{"EntityNotExists.ResourceShare", 404, ClassOther},
		{"InvalidVpcId.NotFound", 404, ClassOther},
		{"OperationDenied.IpamNotExist", 400, ClassOther},
		{"Throttling", 400, ClassThrottled},
		{"Throttling.User", 400, ClassThrottled},
		{"Throttling.Api", 400, ClassThrottled},
		{"Rejected.Throttling", 400, ClassThrottled},
		{"ServiceUnavailable", 503, ClassTransient},
		{"InternalError", 500, ClassTransient},
		{"SomethingNew", 502, ClassTransient},
		{"OperationConflict", 400, ClassConflict},
		{"IncorrectStatus.IpamScope", 400, ClassConflict},
		{"OperationDenied.IpamPoolAllocationExist", 400, ClassDependency},
		{"OperationDenied.PoolRegionNotSupportDeletePool", 400, ClassDependency},
		{"OperationFailed.ParentPoolCidrNotExist", 400, ClassOther}, // not OperationFailed.*Exist's dependency
		{"OperationFailed.IpamPoolCidrNotExist", 400, ClassOther},
		{"SomeoneElsesConflict", 400, ClassOther}, // conflicts are listed, not matched by suffix
		{"DeleteResourceShareConflict", 409, ClassConflict},
		{"DisassociateConflict", 409, ClassConflict},
		{"ConcurrentExecutionError", 409, ClassConflict},
		{"DependencyViolation.ShareResource", 400, ClassDependency},
		{"DependencyViolation.IpamMembers", 400, ClassDependency},
		{"OperationFailed.IpamPoolExist", 400, ClassDependency},
		{"OperationFailed.IpamScopeExist", 400, ClassDependency},
		{"OperationDenied.SharedResourceDiscoveryAssociated", 400, ClassDependency},
		{"Forbidden.RAM", 403, ClassDenied},
		{"NoPermission", 403, ClassDenied},
		{"OperationDenied.Unauthorized", 400, ClassDenied},
		{"InvalidAccessKeyId.NotFound", 404, ClassDenied}, // never "gone"
		{"InvalidRegionId.NotFound", 404, ClassInvalid},   // never "gone"
		{"InvalidAction.NotFound", 404, ClassInvalid},     // never "gone"
		{"SignatureDoesNotMatch", 400, ClassDenied},
		{"SomethingElse", 403, ClassDenied},
		{"InvalidParameter.MaxResults", 400, ClassInvalid},
		{"MissingParameter.ResourceIds", 400, ClassInvalid},
		{"IllegalParam.ResourceType", 400, ClassInvalid},
		{"IllegalParamSize.Tags", 400, ClassInvalid},
		{"IdempotentParameterMismatch", 400, ClassInvalid},
		{"OperationDenied.DeleteDefaultScope", 400, ClassOther},
		{"OperationDenied.Ipv6VpcNotSupport", 400, ClassOther},
		{"", 404, ClassOther}, // a wrong endpoint's or a proxy's 404
		{"", 502, ClassTransient},
	}
	for _, tt := range tests {
		sdk := tea.NewSDKError(map[string]any{"code": tt.code, "statusCode": tt.status, "message": "m"})
		if got := Classify(sdk); got != tt.want {
			t.Errorf("Classify(SDKError %s %d) = %v, want %v", tt.code, tt.status, got, tt.want)
		}
		wrapped := fmt.Errorf("step: %w", newAPIError(Call{Product: "VpcIpam", Action: "X"}, "", nil, sdk))
		if got := Classify(wrapped); got != tt.want {
			t.Errorf("Classify(wrapped APIError %s) = %v, want %v", tt.code, got, tt.want)
		}
		if got := Code(wrapped); got != tt.code {
			t.Errorf("Code = %q, want %q", got, tt.code)
		}
	}
}

func TestClassifyNonAPIErrors(t *testing.T) {
	t.Parallel()
	post := func(err error) error { return &url.Error{Op: "Post", URL: "http://x", Err: err} }
	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"nil", nil, ClassOther},
		{"canceled", fmt.Errorf("x: %w", context.Canceled), ClassOther},
		{"deadline", context.DeadlineExceeded, ClassOther},
		{"plain", errors.New("boom"), ClassOther},
		{"url with an unknown cause", post(errors.New("something")), ClassOther},

		{"connection refused", post(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), ClassTransient},
		{"connection reset", post(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), ClassTransient},
		{"answer cut off", post(io.ErrUnexpectedEOF), ClassTransient},
		{"server closed", post(io.EOF), ClassTransient},
		{"dial timeout", post(&net.OpError{Op: "dial", Net: "tcp", Err: timeoutErr{}}), ClassTransient},
		{"other dial failure", &net.OpError{Op: "dial", Err: errors.New("network is unreachable")}, ClassTransient},

		{"DNS name not found", post(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "vpcipam.cn-hangzhuo.aliyuncs.com", IsNotFound: true}}), ClassOther},
		{"DNS server failure", post(&net.DNSError{Err: "server misbehaving", Name: "x", IsTemporary: true}), ClassOther},
		{"DNS timeout", post(&net.DNSError{Err: "i/o timeout", Name: "x", IsTimeout: true}), ClassTransient},
		{"x509 unknown authority", post(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), ClassOther},
		{"x509 hostname", post(x509.HostnameError{Host: "x", Certificate: &x509.Certificate{}}), ClassOther},
		{"x509 expired", post(x509.CertificateInvalidError{Reason: x509.Expired, Cert: &x509.Certificate{}}), ClassOther},
		{"TLS to a plain HTTP port", post(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), ClassOther},
		{"unsupported scheme", post(errors.New(`unsupported protocol scheme "ftp"`)), ClassOther},
		{"invalid URL", &url.Error{Op: "parse", URL: "http://a b", Err: errors.New("invalid character \" \" in host name")}, ClassOther},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("%s: Classify(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
		// The same inside an APIError without an answer, as Do returns it.
		if tt.err == nil {
			continue
		}
		wrapped := &APIError{Product: ProductVpcIpam, Action: "ListIpams", Endpoint: "https://x", Err: tt.err}
		if got := Classify(wrapped); got != tt.want {
			t.Errorf("%s in an APIError: Classify = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestClassifyRealTransportErrors classifies what net/http really returns, not a constructed error.
func TestClassifyRealTransportErrors(t *testing.T) {
	t.Parallel()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler()) // a certificate no one trusts
	t.Cleanup(tlsSrv.Close)
	plainSrv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plainSrv.Close)
	hang := make(chan struct{})
	hangSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hang); hangSrv.Close() })
	closed := closedPort(t)

	h := newHTTP(2*time.Second, 200*time.Millisecond)
	tests := []struct {
		name, url string
		want      Class
	}{
		{"unknown authority", tlsSrv.URL, ClassOther},
		{"TLS to a plain HTTP server", "https://" + strings.TrimPrefix(plainSrv.URL, "http://"), ClassOther},
		{"unsupported scheme", "ftp://127.0.0.1/", ClassOther},
		{"invalid URL", "http://a b/", ClassOther},
		{"connection refused", "http://" + closed, ClassTransient},
		{"read timeout", hangSrv.URL, ClassTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(http.MethodPost, tt.url, nil)
			if err == nil {
				var resp *http.Response
				resp, err = h.Call(req, nil)
				if resp != nil {
					resp.Body.Close()
				}
			}
			if err == nil {
				t.Fatal("no error")
			}
			if got := Classify(err); got != tt.want {
				t.Errorf("Classify(%v) = %v, want %v", err, got, tt.want)
			}
		})
	}
}

// timeoutErr is a network error that timed out.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestAPIErrorMessage(t *testing.T) {
	t.Parallel()
	sdk := tea.NewSDKError(map[string]any{"code": "OperationFailed.IpamPoolExist", "statusCode": 400,
		"message": "code: 400, pools exist request id: ABC", "data": map[string]any{"RequestId": "ABC-123", "Message": "pools exist"}})
	err := newAPIError(Call{Product: "VpcIpam", Action: "DeleteIpam", Region: "cn-hangzhou", Resource: "ipam-1"}, "https://vpcipam.cn-hangzhou.aliyuncs.com", nil, sdk)
	want := "VpcIpam DeleteIpam ipam-1 in cn-hangzhou: OperationFailed.IpamPoolExist: pools exist (HTTP 400, RequestId ABC-123)"
	if err.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", err.Error(), want)
	}
	if !errors.Is(err, sdk) {
		t.Error("APIError does not unwrap to the SDK error")
	}
	if Class(99).String() != "Class(99)" || ClassConflict.String() != "conflict" {
		t.Error("Class.String")
	}
}

// TestNotFoundFollowsCatalog: a code means "gone" exactly when the catalogue lists it for the action that
// answered it, through an *APIError naming the action or through ClassifyCode.
func TestNotFoundFollowsCatalog(t *testing.T) {
	t.Parallel()
	all := catalog.All()
	seen := 0
	for _, a := range all {
		for _, code := range a.NotFound {
			seen++
			err := fmt.Errorf("step: %w", &APIError{Product: a.Product, Action: a.Name, Code: code, Status: 404})
			if got := Classify(err); got != ClassNotFound {
				t.Errorf("%s %s answering %s: Classify = %v, want not-found", a.Product, a.Name, code, got)
			}
			if got := ClassifyCode(a.Product, a.Name, code, 400); got != ClassNotFound {
				t.Errorf("ClassifyCode(%s, %s, %s) = %v", a.Product, a.Name, code, got)
			}
			for _, other := range all {
				if other.IsNotFound(code) {
					continue
				}
				if got := Classify(&APIError{Product: other.Product, Action: other.Name, Code: code, Status: 404}); got == ClassNotFound {
					t.Errorf("%s answering %s (not its own code): Classify = not-found", other.Name, code)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("the catalogue lists no not-found code")
	}
	// A status alone never means gone, whatever the action.
	if got := Classify(&APIError{Product: ProductVpcIpam, Action: "DeleteIpamPool", Status: 404}); got == ClassNotFound {
		t.Error("a 404 without a code classified as not-found")
	}
}

func TestClassifyRefusals(t *testing.T) {
	t.Parallel()
	for _, sentinel := range []error{ErrUnknownAction, ErrNoDryRun, ErrNoClientToken, ErrNotARead, ErrNotAMutation} {
		err := &APIError{Product: ProductResourceSharing, Action: "DisassociateResourceShare", Err: sentinel}
		if got := Classify(err); got != ClassInvalid {
			t.Errorf("Classify(%v) = %v, want invalid", err, got)
		}
	}
	budget := &APIError{Product: ProductVpcIpam, Action: "ListIpams", Err: fmt.Errorf("%w (1s)", ErrRetryBudget)}
	if got := Classify(budget); got != ClassOther {
		t.Errorf("Classify(%v) = %v, want other", budget, got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{" 0 ", 0},
		{"-1", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
