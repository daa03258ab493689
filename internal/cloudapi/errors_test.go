package cloudapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"testing"

	"github.com/alibabacloud-go/tea/tea"
)

func TestClassifyCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code   string
		status int
		want   Class
	}{
		{"DryRunOperation", 400, ClassDryRunPassed},
		{"ResourceNotFound.IpamPool", 404, ClassNotFound},
		{"ResourceNotFound.IpamPoolAllocation", 400, ClassNotFound},
		{"ResourceNotFound.ResourceDiscoveryAssociation", 400, ClassNotFound},
		{"EntityNotExists.ResourceShare", 404, ClassNotFound},
		{"InvalidVpcId.NotFound", 404, ClassNotFound},
		{"Throttling", 400, ClassThrottled},
		{"Throttling.User", 400, ClassThrottled},
		{"Throttling.Api", 400, ClassThrottled},
		{"Rejected.Throttling", 400, ClassThrottled},
		{"ServiceUnavailable", 503, ClassTransient},
		{"InternalError", 500, ClassTransient},
		{"SomethingNew", 502, ClassTransient},
		{"OperationConflict", 400, ClassConflict},
		{"IncorrectStatus.IpamScope", 400, ClassConflict},
		{"OperationDenied.IpamPoolAllocationExist", 400, ClassConflict},
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
		{"", 404, ClassNotFound},
	}
	for _, tt := range tests {
		sdk := tea.NewSDKError(map[string]any{"code": tt.code, "statusCode": tt.status, "message": "m"})
		if got := Classify(sdk); got != tt.want {
			t.Errorf("Classify(SDKError %s %d) = %v, want %v", tt.code, tt.status, got, tt.want)
		}
		wrapped := fmt.Errorf("step: %w", newAPIError(Call{Product: "VpcIpam", Action: "X"}, sdk))
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
	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"nil", nil, ClassOther},
		{"canceled", fmt.Errorf("x: %w", context.Canceled), ClassOther},
		{"deadline", context.DeadlineExceeded, ClassOther},
		{"url", &url.Error{Op: "Post", URL: "http://x", Err: errors.New("connection reset")}, ClassTransient},
		{"net", &net.OpError{Op: "dial", Err: errors.New("refused")}, ClassTransient},
		{"plain", errors.New("boom"), ClassOther},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("%s: Classify = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestAPIErrorMessage(t *testing.T) {
	t.Parallel()
	sdk := tea.NewSDKError(map[string]any{"code": "OperationFailed.IpamPoolExist", "statusCode": 400,
		"message": "code: 400, pools exist request id: ABC", "data": map[string]any{"RequestId": "ABC-123", "Message": "pools exist"}})
	err := newAPIError(Call{Product: "VpcIpam", Action: "DeleteIpam", Region: "cn-hangzhou", Resource: "ipam-1"}, sdk)
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
