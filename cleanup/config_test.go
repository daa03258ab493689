package cleanup

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/inventory"
)

const validConfig = `regions: [cn-hangzhou]
allowed_accounts: ["1000000000000001", "1000000000000002"]
accounts:
  - id: "1000000000000001"
  - role_arn: acs:ram::1000000000000002:role/ipam-cleanup
select:
  tags: {env: sandbox}
`

// TestConfigErrorsNameFileLineAndField: every fault of a config is an error naming the file, the line and the
// field, and a valid config passes.
func TestConfigErrorsNameFileLineAndField(t *testing.T) {
	t.Parallel()
	if _, err := ParseConfig([]byte(validConfig), "c.yaml"); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, tc := range []struct {
		name, text, want string
	}{
		{"unknown key", validConfig + "regionz: [cn-beijing]\n", `c.yaml:8: regionz: unknown field "regionz"`},
		{"unknown key in an account", strings.Replace(validConfig, `  - id: "1000000000000001"`, `  - id: "1000000000000001"
    roel_arn: x`, 1), `c.yaml:5: accounts[0].roel_arn: unknown field "roel_arn"`},
		{"wrong type", strings.Replace(validConfig, "regions: [cn-hangzhou]", "regions: cn-hangzhou", 1), "c.yaml:1: regions: cannot decode"},
		{"wrong type of parallelism", validConfig + "parallelism: many\n", "c.yaml:8: parallelism: cannot decode"},
		{"no region", strings.Replace(validConfig, "regions: [cn-hangzhou]\n", "", 1), "c.yaml:1: regions: no region"},
		{"unknown region", strings.Replace(validConfig, "[cn-hangzhou]", "[cn-hangzhou, xx-nowhere-1]", 1), `c.yaml:1: regions[1]: "xx-nowhere-1" is not a region id`},
		{"no allow-list", strings.Replace(validConfig, `allowed_accounts: ["1000000000000001", "1000000000000002"]`+"\n", "", 1), "allowed_accounts: empty"},
		{"account off the allow-list", strings.Replace(validConfig, `id: "1000000000000001"`, `id: "1000000000000009"`, 1), "c.yaml:4: accounts[0].id: account 1000000000000009 is not on allowed_accounts"},
		{"role off the allow-list", strings.Replace(validConfig, "acs:ram::1000000000000002:", "acs:ram::1000000000000007:", 1), "c.yaml:5: accounts[1].role_arn: the role's account 1000000000000007 is not on allowed_accounts"},
		{"bad role arn", strings.Replace(validConfig, "acs:ram::1000000000000002:role/ipam-cleanup", "arn:aws:iam::1:role/x", 1), `c.yaml:5: accounts[1].role_arn: "arn:aws:iam::1:role/x" is not a RAM role ARN`},
		{"unquoted id", strings.Replace(validConfig, `id: "1000000000000001"`, `id: 1.0e+15`, 1), `accounts[0].id: "1.0e+15" is not an account id`},
		{"no selector", strings.Replace(validConfig, "select:\n  tags: {env: sandbox}\n", "", 1), "select: no selector"},
		{"empty tag value", strings.Replace(validConfig, "{env: sandbox}", "{env: }", 1), "select.tags.env: the value is empty"},
		{"blank tag value", strings.Replace(validConfig, "{env: sandbox}", `{env: " "}`, 1), "select.tags.env: the value is empty"},
		{"bad age", validConfig + "  older_than: 3 days\n", `c.yaml:8: select.older_than: "3 days": want a positive Go duration`},
		{"bad pattern", validConfig + "  name: \"sandbox-[\"\n", `select.name: "sandbox-[": not a pattern`},
		{"bad qps", validConfig + "qps: fast\n", `c.yaml:8: qps: "fast": want auto or a number`},
		{"bad exclude", validConfig + "exclude:\n  ids: [vpc-123]\n", `c.yaml:9: exclude.ids[0]: "vpc-123" is not an IPAM resource id`},
		{"same account twice", strings.Replace(validConfig, "select:", "  - role_arn: acs:ram::1000000000000002:role/ipam-cleanup\nselect:", 1), "c.yaml:6: accounts[2]: the same account as accounts[1]"},
		{"protect_tag with an empty value", validConfig + "exclude:\n  protect_tag: \"keep=\"\n", `c.yaml:9: exclude.protect_tag: "keep=": the value is empty`},
		{"protect_tag key alone", validConfig + "exclude:\n  protect_tag: keep\n", ""},
		{"sts_endpoint with a scheme", validConfig + "sts_endpoint: https://sts.aliyuncs.com\n", "c.yaml:8: sts_endpoint: want HOST[:PORT] without a scheme"},
		{"sts_endpoint with a user", validConfig + "sts_endpoint: u:s3cretPW@sts.aliyuncs.com\n", `c.yaml:8: sts_endpoint: invalid endpoint "https://u:[redacted]@sts.aliyuncs.com": no user information`},
		{"sts_endpoint with a path", validConfig + "sts_endpoint: sts.aliyuncs.com/x\n", "c.yaml:8: sts_endpoint: invalid endpoint"},
		{"sts_endpoint with a port", validConfig + "sts_endpoint: 127.0.0.1:8443\n", ""},
		{"two documents", validConfig + "---\nregions: [cn-beijing]\n", "more than one YAML document"},
		{"syntax", "regions: [cn-hangzhou\n", "c.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.text), "c.yaml")
			if tc.want == "" {
				if err != nil {
					t.Fatalf("error %v; want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v; want one containing %q", err, tc.want)
			}
		})
	}
}

// TestDecide: the selection rules, one case per reason.
func TestDecide(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	ip := func(name string, created time.Time, tags map[string]string) inventory.IPAM {
		return inventory.IPAM{ID: "ipam-" + name, Name: name, Status: "Created", CreateTime: created, Tags: tags}
	}
	old, young := now.Add(-100*time.Hour), now.Add(-time.Hour)
	base := Config{Select: Select{Tags: map[string]string{"env": "sandbox"}}, Exclude: Exclude{IDs: []string{"ipam-excluded"}, ProtectTag: "keep"}}
	withAge := base
	withAge.Select.OlderThan = "72h"
	withExpiry := withAge
	withExpiry.Select.ExpiresTag = "expires-at"
	expiryOnly := base
	expiryOnly.Select.ExpiresTag = "expires-at"
	named := base
	named.Select.Name = "sbx-*"
	for _, tc := range []struct {
		name string
		cfg  Config
		ip   inventory.IPAM
		ok   bool
		why  string
	}{
		{"tag", base, ip("a", young, map[string]string{"env": "sandbox"}), true, "tag env=sandbox"},
		{"other tag", base, ip("a", young, map[string]string{"env": "prod"}), false, "the tag env is not sandbox"},
		{"excluded", base, ip("excluded", old, map[string]string{"env": "sandbox"}), false, "excluded"},
		{"protected", base, ip("a", old, map[string]string{"env": "sandbox", "keep": ""}), false, "protected by the tag keep"},
		{"name matches", named, ip("sbx-1", young, map[string]string{"env": "sandbox"}), true, `name "sbx-1" matches "sbx-*"`},
		{"name does not match", named, ip("prod-1", young, map[string]string{"env": "sandbox"}), false, "does not match"},
		{"old enough", withAge, ip("a", old, map[string]string{"env": "sandbox"}), true, "older than 72h"},
		{"too young", withAge, ip("a", young, map[string]string{"env": "sandbox"}), false, "not older than 72h"},
		{"no creation time", withAge, ip("a", time.Time{}, map[string]string{"env": "sandbox"}), false, "never old enough"},
		{"expired yesterday", withExpiry, ip("a", young, map[string]string{"env": "sandbox", "expires-at": "2026-12-01"}), true, "expires-at 2026-12-01 passed"},
		{"expires today: not before the day is over", withExpiry, ip("a", old, map[string]string{"env": "sandbox", "expires-at": "2026-12-02"}), false, "not reached"},
		{"expiry time passed", withExpiry, ip("a", young, map[string]string{"env": "sandbox", "expires-at": "2026-12-02T11:00:00Z"}), true, "passed"},
		{"bad date", withExpiry, ip("a", old, map[string]string{"env": "sandbox", "expires-at": "soon"}), false, "is not a date"},
		{"no expiry tag, old", withExpiry, ip("a", old, map[string]string{"env": "sandbox"}), true, "older than 72h"},
		{"expiry only, untagged", expiryOnly, ip("a", old, map[string]string{"env": "sandbox"}), false, "no expires-at tag"},
		{"deleting", base, inventory.IPAM{ID: "ipam-d", Status: "Deleting", Tags: map[string]string{"env": "sandbox"}}, false, "already Deleting"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, why := tc.cfg.decide(tc.ip, now)
			if ok != tc.ok || !strings.Contains(why, tc.why) {
				t.Errorf("decide = %v, %q; want %v, %q", ok, why, tc.ok, tc.why)
			}
		})
	}
}

// TestREADMEConfigParses: the example config of the README is a valid config.
func TestREADMEConfigParses(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "```yaml\n# cleanup.yaml\n")
	if !ok {
		t.Fatal("README.md has no ```yaml block starting with # cleanup.yaml")
	}
	block, _, _ := strings.Cut(rest, "```")
	cfg, err := ParseConfig([]byte(block), "README.md")
	if err != nil {
		t.Fatalf("the README's example: %v", err)
	}
	if len(cfg.Accounts) != 2 || cfg.Accounts[1].RoleARN == "" || !cfg.OrphanDiscoveries {
		t.Errorf("the README's example read as %+v", cfg)
	}
}

// TestParseQPSDefaultIsAuto: a config without qps runs each account with the adaptive rate, as every command
// does without --qps; a number is a fixed rate.
func TestParseQPSDefaultIsAuto(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		qps  float64
		auto bool
	}{{"", 0, true}, {" auto ", 0, true}, {"AUTO", 0, true}, {"20", 20, false}, {"0.5", 0.5, false}} {
		qps, auto, err := ParseQPS(tt.in)
		if err != nil || qps != tt.qps || auto != tt.auto {
			t.Errorf("ParseQPS(%q) = %v, %v, %v; want %v, %v, nil", tt.in, qps, auto, err, tt.qps, tt.auto)
		}
	}
}
