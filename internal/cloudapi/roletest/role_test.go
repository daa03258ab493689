// Package roletest tests cloudapi.Config.Role against the emulator. It is a package of its own because the
// emulator's HTTPS listener is trusted through SSL_CERT_FILE, which Go reads once per process: in cloudapi's
// own tests it would also trust the servers that a test there expects to be refused.
package roletest

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

const roleTopology = `accounts:
  - id: "1000000000000001"
  - id: "1000000000000002"
    roles:
      - name: ipam-cleanup
        trust: ["1000000000000001"]
    ipams:
      - name: sandbox-b
        region: cn-hangzhou
  - id: "1000000000000003"
`

// clock is the emulator's clock, which a test moves forward.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// TestRoleIsAssumedAndRenewed: a client with Config.Role acts in the role's account (GetCallerIdentity says
// so); when the emulator's clock passes the session's expiration, the next call is refused with
// InvalidSecurityToken.Expired, and the client assumes the role again and sends it once more, so that the
// caller sees a success. A role the caller may not assume fails in New, naming the role.
func TestRoleIsAssumedAndRenewed(t *testing.T) {
	topo, err := topology.Parse([]byte(roleTopology), "roles.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var clk clock
	s := simtest.StartTopology(t, topo, simtest.WithNow(clk.now))
	sts := s.StartTLS(t)
	key := s.Credential(t, "1000000000000001")
	cfg := cloudapi.Config{
		Region: "cn-hangzhou", Endpoint: s.URL, Logger: zerolog.Nop(), QPS: -1,
		AccessKey: cloudapi.AccessKey{ID: key.AccessKeyID, Secret: key.AccessKeySecret},
		Role:      &cloudapi.Role{ARN: "acs:ram::1000000000000002:role/ipam-cleanup", StsEndpoint: sts},
	}
	ctx := context.Background()
	c, err := cloudapi.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.CallerAccount(ctx); err != nil || got != "1000000000000002" {
		t.Fatalf("CallerAccount = %q, %v; want the role's account 1000000000000002", got, err)
	}
	clk.advance(2 * time.Hour) // past the default one-hour session
	out, err := c.Read(ctx, cloudapi.Call{Product: cloudapi.ProductVpcIpam, Action: "ListIpams"})
	if err != nil {
		t.Fatalf("ListIpams after the session expired: %v", err)
	}
	if ipams, _ := out["Ipams"].([]any); len(ipams) != 1 {
		t.Errorf("ListIpams as the role = %v; want account 2's one IPAM", out["Ipams"])
	}
	var assumed, expired int
	for _, call := range s.Wire.Calls() {
		switch {
		case call.Action == "AssumeRole" && call.Status == 200:
			assumed++
		case call.Code == "InvalidSecurityToken.Expired":
			expired++
		}
	}
	if assumed != 2 || expired != 1 {
		t.Errorf("call log: %d AssumeRole, %d calls refused as expired; want 2 and 1 (assumed again once)", assumed, expired)
	}

	testRoleFailures(t, cfg, sts)
	testRenewalFailure(t, s, cfg, &clk)
}

// testRenewalFailure: a session that expires mid-run and cannot be renewed (Sts answers 503) fails the call
// with the *cloudapi.CredentialError inside its *cloudapi.APIError: Sts's code is the call's, so that the
// failure classifies as transient (and Read retries it), and the text holds no key or signed request.
func testRenewalFailure(t *testing.T, s *simtest.Server, cfg cloudapi.Config, clk *clock) {
	t.Run("renewal fails mid-run", func(t *testing.T) {
		cfg.MaxAttempts, cfg.RetryInitial, cfg.RetryMax = 2, time.Millisecond, time.Millisecond
		c, err := cloudapi.New(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		clk.advance(2 * time.Hour)
		s.Wire.SetFaults([]wire.FaultRule{{Action: "AssumeRole", Error: 1}})
		defer s.Wire.SetFaults(nil)
		_, err = c.Read(t.Context(), cloudapi.Call{Product: cloudapi.ProductVpcIpam, Action: "ListIpams"})
		if err == nil {
			t.Fatal("ListIpams succeeded with a session that cannot be renewed")
		}
		text := err.Error()
		t.Log(text)
		var ce *cloudapi.CredentialError
		var apiErr *cloudapi.APIError
		if !errors.As(err, &apiErr) || !errors.As(err, &ce) || ce.Role != cfg.Role.ARN {
			t.Errorf("error %T: want a *cloudapi.APIError holding the role's *cloudapi.CredentialError", err)
		}
		if code, class := cloudapi.Code(err), cloudapi.Classify(err); (code != "ServiceUnavailable" && code != "InternalError") || class != cloudapi.ClassTransient {
			t.Errorf("Code, Classify = %q, %v; want Sts's 5xx code, transient", code, class)
		}
		for _, bad := range []string{cfg.AccessKey.ID, cfg.AccessKey.Secret, "Signature=", "SignatureNonce=", "refresh session token failed"} {
			if strings.Contains(text, bad) {
				t.Errorf("error %q holds %q", text, bad)
			}
		}
	})
}

// testRoleFailures: a role that cannot be assumed fails New with a *cloudapi.CredentialError naming the role
// and its Sts, with Sts's code when it answered (so that it classifies as a denial) and the transport error
// when it did not; its text holds no key, secret, signature or nonce of the signed AssumeRole (credentials-go
// signs it in the URL's query, and its transport error quotes the URL). It runs within
// TestRoleIsAssumedAndRenewed: the emulator's HTTPS listener is trusted once per process.
func testRoleFailures(t *testing.T, cfg cloudapi.Config, sts string) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	const arn = "acs:ram::1000000000000002:role/ipam-cleanup"
	tests := []struct {
		name, arn, sts, secret string
		code                   string
		class                  cloudapi.Class
		want                   string
	}{
		{name: "no such role", arn: "acs:ram::1000000000000003:role/ipam-cleanup", sts: sts, code: "EntityNotExist.Role", class: cloudapi.ClassDenied,
			want: "credentials: assume role acs:ram::1000000000000003:role/ipam-cleanup at Sts " + sts + ": Sts refused AssumeRole (EntityNotExist.Role, RequestId "},
		{name: "wrong secret", arn: arn, sts: sts, secret: "not-the-secret", code: "SignatureDoesNotMatch", class: cloudapi.ClassDenied,
			want: "Sts rejected the credentials it was asked with (SignatureDoesNotMatch"},
		{name: "Sts at a closed port", arn: arn, sts: closedAddr, class: cloudapi.ClassTransient,
			want: "credentials: assume role " + arn + " at Sts " + closedAddr + ": Sts not reached: Post \"https://" + closedAddr + "\": dial tcp"},
		{name: "Sts name does not resolve", arn: arn, sts: "sts.invalid", class: cloudapi.ClassOther,
			want: "at Sts sts.invalid: Sts not reached: Post \"https://sts.invalid\": dial tcp: lookup sts.invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := cfg
			cfg.Role = &cloudapi.Role{ARN: tt.arn, StsEndpoint: tt.sts}
			if tt.secret != "" {
				cfg.AccessKey.Secret = tt.secret
			}
			_, err := cloudapi.New(t.Context(), cfg)
			if err == nil {
				t.Fatal("New succeeded")
			}
			text := err.Error()
			t.Log(text)
			if !strings.Contains(text, tt.want) {
				t.Errorf("error %q lacks %q", text, tt.want)
			}
			for _, bad := range []string{cfg.AccessKey.ID, "not-the-secret", "Signature=", "SignatureNonce=", "Timestamp=", "?", "refresh session token failed"} {
				if strings.Contains(text, bad) {
					t.Errorf("error %q holds %q", text, bad)
				}
			}
			var ce *cloudapi.CredentialError
			if !errors.As(err, &ce) || ce.Provider != "ram_role_arn" || ce.Role != tt.arn || ce.Sts != tt.sts {
				t.Errorf("error %T %+v: want a *cloudapi.CredentialError of ram_role_arn naming the role and its Sts", err, ce)
			}
			if got := cloudapi.Code(err); got != tt.code {
				t.Errorf("Code = %q, want %q", got, tt.code)
			}
			if got := cloudapi.Classify(err); got != tt.class {
				t.Errorf("Classify = %v, want %v", got, tt.class)
			}
		})
	}
}
