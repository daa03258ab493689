package cloudapi_test

import (
	"testing"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
)

// stsEmulatorCodes are the codes internal/ipamsim/doc.go documents for Sts AssumeRole and temporary
// credentials (its UNKNOWN 111), with the HTTP status the emulator answers and the class Classify gives them today. They live in their own file
// because the emulator's branch may not edit codes_test.go; init merges them into docCodes so that
// TestDocumentedCodesClassify holds them to their class like every other documented code. Fold them into
// docCodes when convenient.
//
// Today the security-token codes are ClassOther (reported as is, never retried), which is safe; ClassDenied,
// like the other authentication failures (InvalidAccessKeyId, SignatureDoesNotMatch), would describe them
// better. That is cloudapi's table to change.
func stsEmulatorCodes() map[string]stsCode {
	return map[string]stsCode{
		"InvalidAccessKeyId.NotFound":                {404, cloudapi.ClassDenied},
		"InvalidParameter.RoleArn":                   {400, cloudapi.ClassInvalid},
		"InvalidParameter.RoleSessionName":           {400, cloudapi.ClassInvalid},
		"InvalidParameter.DurationSeconds":           {400, cloudapi.ClassInvalid},
		"InvalidParameter.Policy":                    {400, cloudapi.ClassInvalid},
		"EntityNotExist.Role":                        {404, cloudapi.ClassOther},
		"InvalidSecurityToken.MismatchWithAccessKey": {400, cloudapi.ClassOther},
		"InvalidSecurityToken.Expired":               {400, cloudapi.ClassOther},
		"MissingSecurityToken":                       {400, cloudapi.ClassOther},
		"MissingRoleArn":                             {400, cloudapi.ClassOther},
		"MissingRoleSessionName":                     {400, cloudapi.ClassOther},
	}
}

// stsCode is the HTTP status the emulator answers a code with, and the class Classify gives it.
type stsCode struct {
	status int
	class  cloudapi.Class
}

func init() {
	for code, c := range stsEmulatorCodes() {
		if _, dup := docCodes[code]; !dup {
			docCodes[code] = c.class
		}
	}
}

// TestStsEmulatorCodes: what an Sts call answering one of the emulator's Sts codes classifies as, and that
// none of them reads as "the resource is gone" (an expired credential must never make a delete count as done).
func TestStsEmulatorCodes(t *testing.T) {
	t.Parallel()
	for code, want := range stsEmulatorCodes() {
		err := &cloudapi.APIError{Product: cloudapi.ProductVpcIpam, Action: "DeleteIpam", Code: code, Status: want.status}
		got := cloudapi.Classify(err)
		if got != want.class {
			t.Errorf("Classify(%s, %d) = %v, want %v", code, want.status, got, want.class)
		}
		if got == cloudapi.ClassNotFound {
			t.Errorf("Classify(%s, %d) says the resource is gone", code, want.status)
		}
	}
}
