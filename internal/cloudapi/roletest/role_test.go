// Package roletest tests cloudapi.Config.Role against the emulator. It is a package of its own because the
// emulator's HTTPS listener is trusted through SSL_CERT_FILE, which Go reads once per process: in cloudapi's
// own tests it would also trust the servers that a test there expects to be refused.
package roletest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
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

	cfg.Role = &cloudapi.Role{ARN: "acs:ram::1000000000000003:role/ipam-cleanup", StsEndpoint: sts}
	if _, err := cloudapi.New(ctx, cfg); err == nil || !strings.Contains(err.Error(), "acs:ram::1000000000000003:role/ipam-cleanup") {
		t.Errorf("New with a role that does not exist = %v; want an error naming the role", err)
	}
}
