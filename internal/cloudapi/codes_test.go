package cloudapi_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/planner"
)

// docCodes is the intended class of every error code the emulator documents (internal/ipamsim/doc.go), read
// without the action that answered it: not-found codes are ClassOther there, since they mean "gone" only
// for the actions whose catalogue entry lists them (TestNotFoundFollowsCatalog).
var docCodes = map[string]cloudapi.Class{
	"DryRunOperation": cloudapi.ClassDryRunPassed,

	// Prerequisites (reference 8, seed 000, UNKNOWN 8, 10, 12, 14, 101).
	"DependencyViolation.CustomPoolAllocation":          cloudapi.ClassDependency,
	"DependencyViolation.IpamMembers":                   cloudapi.ClassDependency,
	"DependencyViolation.IpamPool":                      cloudapi.ClassDependency,
	"DependencyViolation.PoolCidr":                      cloudapi.ClassDependency,
	"DependencyViolation.ResourceDiscoveryAssociation":  cloudapi.ClassDependency,
	"DependencyViolation.ShareResource":                 cloudapi.ClassDependency,
	"DependencyViolation.SubCidr":                       cloudapi.ClassDependency,
	"OperationFailed.IpamPoolExist":                     cloudapi.ClassDependency,
	"OperationFailed.IpamScopeExist":                    cloudapi.ClassDependency,
	"OperationDenied.IpamPoolAllocationExist":           cloudapi.ClassDependency,
	"OperationDenied.PoolRegionNotSupportDeletePool":    cloudapi.ClassDependency,
	"OperationDenied.SharedResourceDiscoveryAssociated": cloudapi.ClassDependency,

	// Transitional states and concurrent operations.
	"OperationConflict":           cloudapi.ClassConflict,
	"IncorrectStatus.IpamScope":   cloudapi.ClassConflict,
	"IncorrectVpcStatus":          cloudapi.ClassConflict,
	"ConcurrentExecutionError":    cloudapi.ClassConflict,
	"DisassociateConflict":        cloudapi.ClassConflict,
	"AssociateConflict":           cloudapi.ClassConflict,
	"DeleteResourceShareConflict": cloudapi.ClassConflict,

	// Denials.
	"Forbidden.RAM":                cloudapi.ClassDenied,
	"Forbidden.IpResourceAccess":   cloudapi.ClassDenied,
	"NoPermission":                 cloudapi.ClassDenied,
	"OperationDenied.Unauthorized": cloudapi.ClassDenied,

	// Bad requests.
	"IdempotentParameterMismatch":            cloudapi.ClassInvalid,
	"IllegalParam.Cidr":                      cloudapi.ClassInvalid,
	"IllegalParam.CidrMask":                  cloudapi.ClassInvalid,
	"IllegalParam.ClientToken":               cloudapi.ClassInvalid,
	"IllegalParam.EnableIpv6":                cloudapi.ClassInvalid,
	"IllegalParam.IpamScopeType":             cloudapi.ClassInvalid,
	"IllegalParam.Ipv4CidrMask":              cloudapi.ClassInvalid,
	"IllegalParam.MaxResults":                cloudapi.ClassInvalid,
	"IllegalParam.MemberType":                cloudapi.ClassInvalid,
	"IllegalParam.NextToken":                 cloudapi.ClassInvalid,
	"IllegalParam.OperatingRegionList":       cloudapi.ClassInvalid,
	"IllegalParam.PageSize":                  cloudapi.ClassInvalid,
	"IllegalParam.SecondaryCidrMask":         cloudapi.ClassInvalid,
	"IllegalParam.TagKey":                    cloudapi.ClassInvalid,
	"IllegalParamSize.Tags":                  cloudapi.ClassInvalid,
	"InvalidParameter.DryRun":                cloudapi.ClassInvalid,
	"InvalidParameter.MaxResults":            cloudapi.ClassInvalid,
	"InvalidParameter.ResourceType":          cloudapi.ClassInvalid,
	"InvalidParameter.Targets":               cloudapi.ClassInvalid,
	"InvalidRegionId.NotFound":               cloudapi.ClassInvalid, // a bad region, never a gone resource
	"MissingParameter.CidrMask":              cloudapi.ClassInvalid,
	"MissingParameter.Members":               cloudapi.ClassInvalid,
	"MissingParameter.RegionId":              cloudapi.ClassInvalid,
	"MissingParameter.ResourceIds":           cloudapi.ClassInvalid,
	"MissingParameter.TagKey":                cloudapi.ClassInvalid,
	"InvalidCidrBlock.Malformed":             cloudapi.ClassOther,
	"InvalidCidrBlock.Overlapped":            cloudapi.ClassOther,
	"Mismatch.IpVersionAndIpamPoolIpVersion": cloudapi.ClassOther,

	// Not found: only with the action that lists the code (catalogue).
	"EntityNotExists.Resource":                      cloudapi.ClassOther,
	"EntityNotExists.ResourceShare":                 cloudapi.ClassOther,
	"InvalidCidrBlock.NotFound":                     cloudapi.ClassOther,
	"InvalidVpcId.NotFound":                         cloudapi.ClassOther,
	"ResourceNotFound.Ipam":                         cloudapi.ClassOther,
	"ResourceNotFound.IpamPool":                     cloudapi.ClassOther,
	"ResourceNotFound.IpamPoolAllocation":           cloudapi.ClassOther,
	"ResourceNotFound.IpamResourceDiscovery":        cloudapi.ClassOther,
	"ResourceNotFound.IpamScope":                    cloudapi.ClassOther,
	"OperationDenied.MemberNotExistInIpamRDService": cloudapi.ClassOther,

	// Refusals that no retry or ordering changes: reported as they are.
	"AccountNotInResourceDirectory":                      cloudapi.ClassOther,
	"DisassociateInvalid":                                cloudapi.ClassOther,
	"UnsupportedOperation":                               cloudapi.ClassOther,
	"EntityAlreadyExists.ResourceShare":                  cloudapi.ClassOther,
	"OperationDenied.AccountNotRDEntity":                 cloudapi.ClassOther,
	"OperationDenied.AvailableCidrInsufficient":          cloudapi.ClassOther,
	"OperationDenied.CidrUnavailableInPool":              cloudapi.ClassOther,
	"OperationDenied.DeleteSystemIpamResourceDiscovery":  cloudapi.ClassOther,
	"OperationDenied.IpamPoolNotInRegion":                cloudapi.ClassOther,
	"OperationDenied.MaskOfCidrIsNotAllowed":             cloudapi.ClassOther,
	"OperationDenied.MemberExistInIpamRDService":         cloudapi.ClassOther,
	"OperationDenied.MemberIdNotMatchMemberType":         cloudapi.ClassOther,
	"OperationDenied.NoServicePrincipalAdminPrivileges":  cloudapi.ClassOther,
	"OperationDenied.RequestRegionInvalid":               cloudapi.ClassOther,
	"OperationDenied.ResourceDiscoveryAlreadyAssociated": cloudapi.ClassOther,
	"OperationDenied.ResourceTypeIsNotCustom":            cloudapi.ClassOther,
	"OperationFailed.CidrNotInParentPool":                cloudapi.ClassOther,
	"OperationFailed.CidrNotInPool":                      cloudapi.ClassOther,
	"OperationFailed.CidrOverlap":                        cloudapi.ClassOther,
	"OperationFailed.InsufficientCidr":                   cloudapi.ClassOther,
	"OperationFailed.IpamPoolCidrNotExist":               cloudapi.ClassOther, // not a prerequisite: "...Exist" by suffix would say so
	"OperationFailed.Ipv6NotEnabled":                     cloudapi.ClassOther,
	"OperationFailed.ParentPoolCidrNotExist":             cloudapi.ClassOther,
	"QuotaExceeded.Ipam":                                 cloudapi.ClassOther,
	"QuotaExceeded.IpamPool":                             cloudapi.ClassOther,
	"QuotaExceeded.IpamResourceDiscovery":                cloudapi.ClassOther,
	"QuotaExceeded.IpamScope":                            cloudapi.ClassOther,
	"QuotaExceeded.MemberAccount":                        cloudapi.ClassOther,
	"QuotaExceeded.PoolDepth":                            cloudapi.ClassOther,
	"QuotaExceeded.SecondaryCidrBlock":                   cloudapi.ClassOther,
	"QuotaExceeded.SubPool":                              cloudapi.ClassOther,

	// Sts AssumeRole and temporary credentials (emulator UNKNOWN 111).
	"InvalidParameter.RoleArn":                   cloudapi.ClassInvalid,
	"InvalidParameter.RoleSessionName":           cloudapi.ClassInvalid,
	"InvalidParameter.DurationSeconds":           cloudapi.ClassInvalid,
	"InvalidParameter.Policy":                    cloudapi.ClassInvalid,
	"EntityNotExist.Role":                        cloudapi.ClassDenied,
	"InvalidSecurityToken.MismatchWithAccessKey": cloudapi.ClassDenied,
	"InvalidSecurityToken.Expired":               cloudapi.ClassDenied,
	"MissingSecurityToken":                       cloudapi.ClassDenied,
	"MissingRoleArn":                             cloudapi.ClassInvalid,
	"MissingRoleSessionName":                     cloudapi.ClassInvalid,
	"InvalidAccessKeyId.NotFound":                cloudapi.ClassDenied,
}

// TestDocumentedCodesClassify: every code the emulator documents has an intended class here, and classifies
// as intended. A code added to doc.go without a row here fails the test: decide its class.
func TestDocumentedCodesClassify(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../ipamsim/doc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	// Dotted codes are found by their shape; parameter patterns (Tag.N.Value) and Go names are not codes.
	dotted := regexp.MustCompile(`\b(?:[A-Z][A-Za-z0-9]*\.)+[A-Z][A-Za-z0-9]*\b`)
	notCodes := []string{"Options.", "Sim."}
	found := 0
	for _, code := range dotted.FindAllString(doc, -1) {
		if slices.Contains(strings.Split(code, "."), "N") || slices.ContainsFunc(notCodes, func(p string) bool { return strings.HasPrefix(code, p) }) {
			continue
		}
		found++
		if _, ok := docCodes[code]; !ok {
			t.Errorf("doc.go documents %s, which has no intended class in docCodes", code)
		}
	}
	if found < 50 {
		t.Fatalf("found only %d codes in doc.go: the pattern no longer reads it", found)
	}
	for code, want := range docCodes {
		// Undotted codes are listed by hand: each must still be documented.
		if !regexp.MustCompile(`\b` + regexp.QuoteMeta(code) + `\b`).MatchString(doc) {
			t.Errorf("docCodes lists %s, which doc.go no longer documents", code)
		}
		err := &cloudapi.APIError{Product: cloudapi.ProductVpcIpam, Action: "ListIpams", Code: code, Status: 400}
		if got := cloudapi.Classify(err); got != want {
			t.Errorf("Classify(%s) = %v, want %v", code, got, want)
		}
	}
}

// TestRuleDryRunCodesAreDependencies: the code each planner rule's dry run answers while the rule's child
// still exists is a dependency, for the action that answers it: the executor retries a dependency the plan
// has cleared and reports one it has not.
func TestRuleDryRunCodesAreDependencies(t *testing.T) {
	t.Parallel()
	n := 0
	for _, r := range planner.Rules() {
		if r.DryRunCode == "" {
			continue
		}
		n++
		if got := cloudapi.ClassifyCode(productOf(t, r.Parent), r.Parent, r.DryRunCode, 400); got != cloudapi.ClassDependency {
			t.Errorf("rule %s: %s answering %s classifies as %v, want dependency", r.ID, r.Parent, r.DryRunCode, got)
		}
	}
	if n == 0 {
		t.Fatal("no rule has a dry-run code")
	}
}

func productOf(t *testing.T, action string) string {
	t.Helper()
	for _, a := range catalog.All() {
		if a.Name == action {
			return a.Product
		}
	}
	t.Fatalf("rule parent %s is not in the catalogue", action)
	return ""
}
