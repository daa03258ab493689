package cloudapi

import (
	"errors"
	"strings"
	"testing"
)

// TestRoleStsEndpointChecked: the role's Sts endpoint is checked where the role is assumed, not only by the
// config and the flag: credentials-go signs AssumeRole to whatever it is given (https://host went to
// https://https//host; a user, path or query into the signed request).
func TestRoleStsEndpointChecked(t *testing.T) {
	for _, sts := range []string{"https://sts.example", "user:pw@sts.example", "sts.example/path", "sts.example?AccessKeySecret=x"} {
		_, err := New(t.Context(), Config{Region: "cn-hangzhou", AccessKey: AccessKey{ID: "id", Secret: "secret"},
			Role: &Role{ARN: "acs:ram::1000000000000002:role/x", StsEndpoint: sts}})
		var ce *CredentialError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "the Sts endpoint") {
			t.Errorf("StsEndpoint %q: %v, want a CredentialError naming the Sts endpoint", sts, err)
		}
		if err != nil && (strings.Contains(err.Error(), ":pw@") || strings.Contains(err.Error(), "AccessKeySecret=x")) {
			t.Errorf("StsEndpoint %q: the error quotes its secret part: %v", sts, err)
		}
	}
	if err := ValidateStsEndpoint("127.0.0.1:8443"); err != nil {
		t.Errorf("host:port: %v", err)
	}
}
