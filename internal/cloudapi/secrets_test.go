package cloudapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// TestErrorTextHoldsNoCredentialValue: an error that leaves a call holds none of the resolved credential's
// values, even where the service's message quotes them (the real service's SignatureDoesNotMatch quotes the
// string it signed), and a transport error keeps its operation and host but not its URL's query; the code,
// the class and errors.As still work.
func TestErrorTextHoldsNoCredentialValue(t *testing.T) {
	const token = "tokenMARKER8e2b41c07d"
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String()
	closed.Close()
	_, echo := startFake(t, func(int, *http.Request) answer {
		return errAnswer(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation. server string to sign is:"+
			"POST&%2F&AccessKeyId%3D"+testKeyID+"%26SecurityToken%3D"+token+" (secret "+testSecret+")")
	})
	tests := []struct {
		name, endpoint string
		code           string
		class          Class
		want           []string
	}{
		{name: "the service's message quotes the key", endpoint: echo, code: "SignatureDoesNotMatch", class: ClassDenied,
			want: []string{"SignatureDoesNotMatch: Specified signature is not matched", "AccessKeyId%3D[redacted]%26SecurityToken%3D[redacted]"}},
		{name: "closed port", endpoint: closedURL,
			want: []string{"at " + closedURL, `Post "` + closedURL + `/"`, "connection refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateCredentials(t, testKeyID, testSecret)
			t.Setenv("ALIBABA_CLOUD_SECURITY_TOKEN", token)
			c, err := New(context.Background(), Config{Region: "cn-hangzhou", Endpoint: tt.endpoint, QPS: -1, Logger: zerolog.Nop(), MaxAttempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Read(context.Background(), Call{Product: ProductVpcIpam, Action: "ListIpams", Params: map[string]string{"IpamIds.1": "ipam-1"}})
			if err == nil {
				t.Fatal("the call succeeded")
			}
			text := err.Error()
			t.Log(text)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("error %q lacks %q", text, w)
				}
			}
			for _, bad := range []string{testKeyID, testSecret, token, "IpamIds.1=", "RegionId="} {
				if strings.Contains(text, bad) {
					t.Errorf("error %q holds %q", text, bad)
				}
			}
			if got := Code(err); got != tt.code {
				t.Errorf("Code = %q, want %q", got, tt.code)
			}
			if tt.code != "" {
				if got := Classify(err); got != tt.class {
					t.Errorf("Classify = %v, want %v", got, tt.class)
				}
				return
			}
			var ue *url.Error
			if !errors.As(err, &ue) || strings.Contains(ue.URL, "?") || !dialFailure(err) || !transientTransport(err) {
				t.Errorf("errors.As *url.Error = %v (URL %q), dial failure %v, transient %v: want a URL without its query, still a transient dial failure",
					ue != nil, urlOf(ue), dialFailure(err), transientTransport(err))
			}
		})
	}
}

func urlOf(e *url.Error) string {
	if e == nil {
		return ""
	}
	return e.URL
}

// TestCredentialErrorMapping: every failure text of credentials-go that the end-to-end tests cannot provoke
// (an ECS instance, an INI file that does not parse, a message not known) maps to a cause in the tool's words
// that quotes nothing of it but a path or a profile name.
func TestCredentialErrorMapping(t *testing.T) {
	const secret = "SECRETinTHEline0c9a"
	tests := []struct {
		provider, msg, want string
	}{
		{"profile", "ERROR: Can not open fileopen /h/.alibabacloud/credentials: no such file or directory", "no file /h/.alibabacloud/credentials"},
		{"profile", "ERROR: Can not open filekey-value delimiter not found: access_key_secret " + secret, "the file cannot be read as an INI file"},
		{"profile", "ERROR: Failed to get value", "a field the profile's type needs is missing or empty"},
		{"cli_profile", "unable to get profile with 'prod'", "no profile named prod"},
		{"cli_profile", "reading aliyun cli config from '/h/.aliyun/config.json' failed open /h/.aliyun/config.json: permission denied", "cannot read /h/.aliyun/config.json"},
		{"ecs_ram_role", "get role name failed: Get \"http://100.100.100.200/latest/meta-data/ram/security-credentials/\": dial tcp: i/o timeout", "the instance metadata service gave no RAM role"},
		{"ecs_ram_role", "refresh Ecs sts token err, httpStatus: 500, message = {\"AccessKeySecret\": \"" + secret + "\"}", "the instance metadata service gave no credentials"},
		{"credentials_uri", "get credentials from GET http://creds/?token=" + secret + " failed: {}", "credentials-go's message is withheld"},
		{"ram_role_arn", `refresh session token failed: {"Code": "NoPermission", "RequestId": "R1", "Message": "AccessKeyId=` + secret + `"}`, "Sts refused AssumeRole (NoPermission, RequestId R1)"},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			e := credentialError(tt.provider, errors.New(tt.msg))
			text := e.Error()
			if !strings.Contains(text, tt.want) || strings.Contains(text, secret) {
				t.Errorf("credentialError(%s, %q) = %q; want it to hold %q and no secret", tt.provider, tt.msg, text, tt.want)
			}
			if !strings.HasPrefix(text, "credentials: "+sourceNames[tt.provider]) && tt.provider != "ram_role_arn" {
				t.Errorf("%q does not name the source %s", text, sourceNames[tt.provider])
			}
		})
	}
}
