package conformance

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/alibabacloud-go/tea/tea"
)

// seedMessages holds the error messages of the seed pages' tables (reference 0.5, shared/seeds), keyed by
// seed number and code; %s stands for a value the service fills in.
var seedMessages = map[string]string{
	"000/ResourceNotFound.Ipam":                                       "The specified resource of ipam is not found.",
	"000/OperationFailed.IpamScopeExist":                              "The operation is failed because user IPAM scope exist.",
	"000/OperationFailed.IpamPoolExist":                               "The operation is failed because user IPAM pool exist.",
	"000/DryRunOperation":                                             "Request validation has been passed with DryRun flag set.",
	"000/OperationDenied.SharedResourceDiscoveryAssociated":           "The operation is not allowed because the IPAM is associated with a shared resource discovery.",
	"000/DependencyViolation.ShareResource":                           "The operation is not allowed because the default resource discovery of this IPAM is sharing.",
	"000/DependencyViolation.IpamMembers":                             "The IPAM [%s] has managed members [%s], so the IPAM cannot be deleted.",
	"001/OperationDenied.ResourceTypeIsNotCustom":                     "The operation is not allowed because the resource type is not Custom.",
	"001/DryRunOperation":                                             "Request validation has been passed with DryRun flag set.",
	"001/ResourceNotFound.IpamPoolAllocation":                         "The specified resource of IPAM pool allocation is not found.",
	"001/OperationDenied.UnexpectedResourceType":                      "The operation is not allowed because the resource type is unexpected.",
	"001/OperationDenied.Unauthorized":                                "The operation is denied because the user is not authorized.",
	"001/OperationDenied.RequestRegionInvalid":                        "The operation is not allowed because the request is not invoked in the region of the IPAM pool.",
	"001/OperationDenied.Ipv6VpcNotSupport":                           "The allocation of IPv6 VPC is not supported to delete.",
	"001/ResourceNotFound.IpamPool":                                   "The dependent IPAM pool is not found.",
	"002/DryRunOperation":                                             "Request validation has been passed with DryRun flag set.",
	"002/ResourceNotFound.IpamResourceDiscovery":                      "The dependent instance of IPAM resource discovery is not found.",
	"002/ResourceNotFound.Ipam":                                       "The specified resource of ipam is not found.",
	"002/ResourceNotFound.ResourceDiscoveryAssociation":               "You cannot disassociate from the resource discovery because no association exists.",
	"002/OperationDenied.DissociateSelfSystemIpamResourceDiscovery":   "The operation is not allowed because the default resource discovery cannot be disassociated.",
	"003/OperationDenied.MemberIdNotMatchMemberType":                  "The operation is not allowed because the Member ID and Member Type of members [%s] in the input parameters do not match.",
	"003/OperationDenied.MemberExistInIpamRDService":                  "The operation is not allowed because %s is under the management of the IPAM.",
	"003/QuotaExceeded.MemberAccount":                                 "The operation is not allowed because the number of %s managed by IPAM has exceeded the limit, %s/%s.",
	"003/OperationDenied.IpamResourceDiscoveryAlreadySharedWithAdmin": "The operation is not allowed because the resource discovery has been shared with the IPAM delegated administrator by %s.",
	"003/OperationDenied.IpamRDServiceAlreadyEnabledInOtherRegion":    "The operation is not allowed because the IPAM Resource Directory service is already enabled in another region.",
	"003/OperationDenied.AccountNotRDEntity":                          "The operation is not allowed because the caller does not belong to the resource directory.",
	"003/OperationDenied.NotDelegatedAdminAccount":                    "The operation is not allowed because the caller is not the delegated IPAM admin for the resource directory.",
	"003/OperationDenied.IpamNotExist":                                "The operation is not allowed because the IPAM does not exist.",
	"003/OperationDenied.DelegateAdminAsMember":                       "The operation is not allowed because the IPAM delegate administrator cannot be a member.",
	"003/OperationDenied.NoServicePrincipalAdminPrivileges":           "The operation is not allowed because the caller is not the delegated IPAM admin for the resource directory.",
	"003/DryRunOperation":                                             "Request validation has been passed with DryRun flag set.",
	"004/MissingParameter.ResourceIds":                                "The input parameter ResourceIds that is mandatory for processing this request is not supplied.",
	"004/MissingParameter.ResourceType":                               "The input parameter ResourceType that is mandatory for processing this request is not supplied.",
	"004/IllegalParamSize.ResourceIds":                                "The number of Param ResourceIds exceeded the limit.",
	"004/IllegalParamSize.Tags":                                       "The number of Parameter Tags exceeded the limit.",
	"004/IllegalParam.ResourceType":                                   "The input parameter ResourceType is invalid.",
	"004/MissingParameter.Tags":                                       "The input parameter Tags that is mandatory for processing this request is not supplied.",
	"004/IllegalParam.TagKey":                                         "The input parameter TagKey is invalid.",
	"004/ResourceNotFound.Ipam":                                       "The specified resource of ipam is not found.",
	"004/ResourceNotFound.IpamScope":                                  "The specified resource of IPAM scope is not found.",
	"004/ResourceNotFound.IpamPool":                                   "The dependent IPAM pool is not found.",
}

// sdkMessage is the SDK's rendering of an error body's Message: "code: <status>, <Message> request id: <id>".
var sdkMessage = regexp.MustCompile(`^code: \d+, (.*) request id: [^ ]*$`)

// wantSeedErr is wantErr plus the seed page's message for the code. The emulator must keep the documented
// wording; it may add a detail before the final period (e.g. "... pool exist: ipam-pool-x."), which the
// real service does not, so the match is the seed sentence without its final period, then anything.
func wantSeedErr(t *testing.T, seed string, err error, code string, status int) {
	t.Helper()
	wantErr(t, err, code, status)
	want, ok := seedMessages[seed+"/"+code]
	if !ok {
		t.Fatalf("no seed %s message for %s", seed, code)
	}
	var se *tea.SDKError
	errors.As(err, &se)
	m := sdkMessage.FindStringSubmatch(tea.StringValue(se.Message))
	if m == nil {
		t.Fatalf("SDK message %q is not in the SDK's format", tea.StringValue(se.Message))
	}
	pattern := "^" + strings.ReplaceAll(regexp.QuoteMeta(strings.TrimSuffix(want, ".")), "%s", ".+")
	if !regexp.MustCompile(pattern).MatchString(m[1]) {
		t.Fatalf("%s message %q, seed %s says %q", code, m[1], seed, want)
	}
}
