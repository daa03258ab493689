package wire

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestDecodeSignatureV1: a version-1 request names its action and version in the query; the protocol's
// parameters (the signature and the security token among them) stay out of Params, and headers that
// contradict the query are refused.
func TestDecodeSignatureV1(t *testing.T) {
	t.Parallel()
	const q = "Action=AssumeRole&Version=2015-04-01&Format=JSON&Timestamp=2026-01-02T03:04:05Z&SignatureMethod=HMAC-SHA1" +
		"&SignatureVersion=1.0&SignatureNonce=n&AccessKeyId=ak&SecurityToken=tok&Signature=sig"
	tests := []struct {
		name, action, code string
		wantParams         string
	}{
		{"no headers, as credentials-go sends it", "", "", "DurationSeconds=3600,RoleArn=r,RoleSessionName=s"},
		{"agreeing header, as darabonba sends it", "AssumeRole", "", "DurationSeconds=3600,RoleArn=r,RoleSessionName=s"},
		{"contradicting header", "GetCallerIdentity", "InvalidParameter", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := "RoleArn=r&RoleSessionName=s&DurationSeconds=3600"
			r := httptest.NewRequest("POST", "/?"+q, strings.NewReader(body))
			r.Header.Set("content-type", "application/x-www-form-urlencoded")
			if tc.action != "" {
				r.Header.Set("x-acs-action", tc.action)
			}
			req, err := Decode(r, []byte(body))
			if tc.code != "" {
				if e, ok := err.(*Error); !ok || e.Code != tc.code {
					t.Fatalf("Decode = %v, want %s", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if req.Product != ProductSts || req.Action != "AssumeRole" || req.Version != "2015-04-01" {
				t.Errorf("decoded %s %s %s", req.Product, req.Version, req.Action)
			}
			var got []string
			for _, k := range []string{"DurationSeconds", "RoleArn", "RoleSessionName"} {
				got = append(got, k+"="+req.Params[k])
			}
			if strings.Join(got, ",") != tc.wantParams || len(req.Params) != 3 {
				t.Errorf("Params = %v, want only %s", req.Params, tc.wantParams)
			}
		})
	}
}
