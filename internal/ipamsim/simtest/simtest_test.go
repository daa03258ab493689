package simtest_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/tea"
	vpcipam "github.com/alibabacloud-go/vpcipam-20230228/client"
	"github.com/aliyun/credentials-go/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

const sandbox = "../../../testdata/topologies/sandbox.yaml"

// client is the typed vpcipam client with the credentials the default chain resolves.
func client(t *testing.T, s *simtest.Server) *vpcipam.Client {
	t.Helper()
	cred, err := credentials.NewCredential(nil)
	if err != nil {
		t.Fatalf("default credential chain: %v", err)
	}
	c, err := vpcipam.NewClient(&openapi.Config{Credential: cred, Endpoint: tea.String(s.URL[len("http://"):]),
		Protocol: tea.String("HTTP"), RegionId: tea.String("cn-hangzhou")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStartServesTheTopologyThroughTheSDK(t *testing.T) {
	s := simtest.Start(t, sandbox)
	s.SetCredentialsEnv(t, ipamsim.DefaultAccount)
	out, err := client(t, s).ListIpams(&vpcipam.ListIpamsRequest{RegionId: tea.String("cn-hangzhou")})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, m := range out.Body.Ipams {
		ids = append(ids, tea.StringValue(m.IpamId))
	}
	if want := s.Refs["ipam/sandbox"]; len(ids) != 1 || ids[0] != want || want == "" {
		t.Errorf("ListIpams = %v; want the sandbox IPAM %q only", ids, want)
	}
	calls := s.Wire.Calls()
	if len(calls) != 1 || calls[0].Action != "ListIpams" || calls[0].Account != ipamsim.DefaultAccount {
		t.Errorf("call log = %+v; want one ListIpams by the default account", calls)
	}
}

func TestWithFaultsAndIDSeed(t *testing.T) {
	s := simtest.Start(t, sandbox, simtest.WithFaults(7, wire.FaultRule{Action: "ListIpams", Throttle: 1}), simtest.WithIDSeed(99))
	other := simtest.Start(t, sandbox)
	if s.Refs["ipam/sandbox"] == other.Refs["ipam/sandbox"] {
		t.Errorf("id seeds 99 and 1 gave the same IPAM id %s", s.Refs["ipam/sandbox"])
	}
	s.SetCredentialsEnv(t, ipamsim.DefaultAccount)
	_, err := client(t, s).ListIpams(&vpcipam.ListIpamsRequest{RegionId: tea.String("cn-hangzhou")})
	var sdkErr *tea.SDKError
	if !errors.As(err, &sdkErr) || tea.StringValue(sdkErr.Code) != "Throttling.User" {
		t.Errorf("ListIpams under throttle=1: %v; want Throttling.User", err)
	}
}

func TestWithDeleteDelayAndNow(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := simtest.Start(t, sandbox, simtest.WithDeleteDelay(time.Hour), simtest.WithNow(func() time.Time { return now }))
	s.SetCredentialsEnv(t, ipamsim.DefaultAccount)
	c := client(t, s)
	out, err := c.ListIpams(&vpcipam.ListIpamsRequest{RegionId: tea.String("cn-hangzhou")})
	if err != nil {
		t.Fatal(err)
	}
	if got := tea.StringValue(out.Body.Ipams[0].CreateTime); got != "2026-01-02T03:04:05Z" {
		t.Errorf("CreateTime = %q; want the emulator clock's 2026-01-02T03:04:05Z", got)
	}
	// A fresh empty pool: deleting it opens the window, so it is listed Deleting, not gone.
	created, err := c.CreateIpamPool(&vpcipam.CreateIpamPoolRequest{RegionId: tea.String("cn-hangzhou"),
		IpamScopeId: tea.String(s.Refs["scope/sandbox-prod"]), IpVersion: tea.String("IPv4")})
	if err != nil {
		t.Fatal(err)
	}
	id := created.Body.IpamPoolId
	if _, err := c.DeleteIpamPool(&vpcipam.DeleteIpamPoolRequest{RegionId: tea.String("cn-hangzhou"), IpamPoolId: id}); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListIpamPools(&vpcipam.ListIpamPoolsRequest{RegionId: tea.String("cn-hangzhou"), IpamPoolIds: []*string{id}})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Body.IpamPools) != 1 || tea.StringValue(list.Body.IpamPools[0].Status) != "Deleting" {
		t.Errorf("pool after DeleteIpamPool with a one-hour window: %v; want it listed Deleting", list.Body.IpamPools)
	}
}

func TestServeAndCredential(t *testing.T) {
	sim, err := ipamsim.New(ipamsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := simtest.Serve(t, sim)
	if c := s.Credential(t, ipamsim.DefaultAccount); c.AccessKeyID != ipamsim.DefaultAccessKeyID || c.AccessKeySecret != ipamsim.DefaultAccessKeySecret {
		t.Errorf("Credential = %+v; want the default key", c)
	}
	if s.Refs != nil || s.Topo != nil {
		t.Error("Serve of a bare emulator reports a topology")
	}
	s.SetCredentialsEnv(t, ipamsim.DefaultAccount)
	out, err := client(t, s).ListIpams(&vpcipam.ListIpamsRequest{RegionId: tea.String("cn-hangzhou")})
	if err != nil || len(out.Body.Ipams) != 0 {
		t.Errorf("empty emulator: ListIpams = %v, %v; want no IPAM", out, err)
	}
}

// rolesTopology: account 2 owns an IPAM and a role account 1 may assume.
const rolesTopology = `accounts:
  - id: "1000000000000001"
  - id: "1000000000000002"
    roles:
      - name: ipam-cleanup
        trust: ["1000000000000001"]
    ipams:
      - name: sandbox-b
        region: ap-southeast-7
`

// TestRAMRoleProviderAgainstTheEmulator: credentials-go's RAM role provider, pointed at the emulator's HTTPS
// listener, assumes account 2's role with account 1's key (signature version 1); the SDK then reaches account
// 2's IPAM with the temporary credential, and refreshes nothing while it is valid.
func TestRAMRoleProviderAgainstTheEmulator(t *testing.T) {
	topo, err := topology.Parse([]byte(rolesTopology), "roles.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := simtest.StartTopology(t, topo)
	sts := s.StartTLS(t)
	key := s.Credential(t, "1000000000000001")
	provider, err := providers.NewRAMRoleARNCredentialsProviderBuilder().
		WithAccessKeyId(key.AccessKeyID).WithAccessKeySecret(key.AccessKeySecret).
		WithRoleArn("acs:ram::1000000000000002:role/ipam-cleanup").WithRoleSessionName("scheduled-cleanup").
		WithStsEndpoint(sts).Build()
	if err != nil {
		t.Fatal(err)
	}
	cred := credentials.FromCredentialsProvider("ram_role_arn", provider)
	c, err := vpcipam.NewClient(&openapi.Config{Credential: cred, Endpoint: tea.String(s.URL[len("http://"):]),
		Protocol: tea.String("HTTP"), RegionId: tea.String("ap-southeast-7")})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		out, err := c.ListIpams(&vpcipam.ListIpamsRequest{RegionId: tea.String("ap-southeast-7")})
		if err != nil {
			t.Fatal(err)
		}
		if want := s.Refs["ipam/sandbox-b"]; len(out.Body.Ipams) != 1 || tea.StringValue(out.Body.Ipams[0].IpamId) != want {
			t.Fatalf("ListIpams as the role = %v; want account 2's IPAM %s", out.Body.Ipams, want)
		}
	}
	var assumed, listed int
	for _, call := range s.Wire.Calls() {
		switch {
		case call.Action == "AssumeRole" && call.Account == "1000000000000001" && call.Status == 200:
			assumed++
		case call.Action == "ListIpams" && call.Account == "1000000000000002" && call.Status == 200:
			listed++
		}
		for k := range call.Params {
			if k == "SecurityToken" || k == "Signature" || k == "AccessKeyId" {
				t.Errorf("the call log holds the protocol parameter %s", k)
			}
		}
	}
	if assumed != 1 || listed != 2 {
		t.Errorf("call log: %d AssumeRole by account 1, %d ListIpams by account 2; want 1 and 2", assumed, listed)
	}
}

// TestServeTLSAndWriteTLSCert: the certificate WriteTLSCert writes is the one ServeTLS's listener presents,
// so that a client trusting that file alone reaches the emulator over HTTPS; ServeTLS leaves SSL_CERT_FILE
// as it was (a parallel test may call it).
func TestServeTLSAndWriteTLSCert(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, sandbox)
	before, had := os.LookupEnv("SSL_CERT_FILE")
	addr := s.ServeTLS(t)
	if after, has := os.LookupEnv("SSL_CERT_FILE"); after != before || has != had {
		t.Errorf("ServeTLS changed SSL_CERT_FILE from %q to %q", before, after)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := simtest.WriteTLSCert(path); err != nil {
		t.Fatal(err)
	}
	pemBytes, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("%s holds no certificate", path)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	resp, err := hc.Get("https://" + addr + "/_sim/state")
	if err != nil {
		t.Fatalf("GET over HTTPS trusting only %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /_sim/state over HTTPS: %s", resp.Status)
	}
}
