// Package cleanup is the scheduled sandbox cleanup: from one configuration it reaches every account it
// names (the caller itself, or a RAM role assumed through Sts), checks each account against an allow-list
// before anything else, selects the IPAMs of every region by tags, name pattern, age and an expiry tag, and
// for each selected IPAM collects, plans, writes the plan and dry-runs it, or with Apply runs it through the
// executor. Accounts run side by side, each with its own rate limit; one IPAM's failure does not stop the
// others; the report says, per account, region and IPAM, why it was selected and what happened.
package cleanup

import (
	"fmt"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/yamlfile"
)

// Config is the cleanup file (YAML). See the README section "Scheduled cleanup" for an example.
type Config struct {
	// Regions are the region ids every account is cleaned in (an account may name its own).
	Regions []string `yaml:"regions"`
	// AllowedAccounts is the allow-list: every account the run acts in must be on it, as Sts
	// GetCallerIdentity names it, or the whole run is refused before any other call.
	AllowedAccounts []string  `yaml:"allowed_accounts"`
	Accounts        []Account `yaml:"accounts"`
	Select          Select    `yaml:"select"`
	Exclude         Exclude   `yaml:"exclude"`
	// OrphanDiscoveries also deletes the custom resource discoveries of each account and region that no
	// IPAM is associated with and no share holds.
	OrphanDiscoveries bool `yaml:"orphan_discoveries"`
	// Parallelism and QPS are every account's defaults: calls in flight and calls a second. Alibaba Cloud
	// limits the API per account, so each account has its own token bucket. QPS "auto" (or none: the default)
	// adapts to the account's limit; a number is a fixed rate.
	Parallelism int    `yaml:"parallelism"`
	QPS         string `yaml:"qps"`
	// StsEndpoint is where roles are assumed (host[:port], HTTPS); "" = sts.aliyuncs.com.
	StsEndpoint string `yaml:"sts_endpoint"`

	file string
	root *yaml.Node
}

// Account is one account the run acts in.
type Account struct {
	// ID is the account id the credentials must lead to (GetCallerIdentity); "" takes what they lead to,
	// which must still be on the allow-list.
	ID string `yaml:"id"`
	// RoleARN is the RAM role to assume, "acs:ram::<account id>:role/<name>"; "" acts as the caller itself.
	RoleARN     string   `yaml:"role_arn"`
	ExternalID  string   `yaml:"external_id"`
	SessionName string   `yaml:"session_name"`
	Regions     []string `yaml:"regions"`
	Parallelism int      `yaml:"parallelism"`
	QPS         string   `yaml:"qps"`
}

// Select says which IPAMs are cleaned: every field given must match.
type Select struct {
	Tags map[string]string `yaml:"tags"`
	// Name is a shell pattern (path.Match: *, ?, [a-z]) the IPAM's name must match.
	Name string `yaml:"name"`
	// OlderThan: created longer ago than this Go duration ("72h").
	OlderThan string `yaml:"older_than"`
	// ExpiresTag names a tag that holds a date (2006-01-02 or RFC 3339): an IPAM carrying it is selected
	// once the date has passed, whatever its age; with OlderThan, an IPAM without the tag is judged by its
	// age; without OlderThan, only IPAMs carrying the tag are selected.
	ExpiresTag string `yaml:"expires_tag"`
}

// Exclude says which resources are never touched.
type Exclude struct {
	// IDs of IPAMs (skipped whole) or of resources inside them (kept; the plan says what that holds back).
	IDs []string `yaml:"ids"`
	// ProtectTag, "key" or "key=value": IPAMs carrying it are skipped; pools, scopes and discoveries
	// carrying it are kept (blockers in the plan).
	ProtectTag string `yaml:"protect_tag"`
}

// LoadConfig reads and validates a cleanup file.
func LoadConfig(file string) (*Config, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return ParseConfig(data, file)
}

// ParseConfig decodes a cleanup file strictly (an unknown key is an error) and validates it; every error
// names the file, the line and the field.
func ParseConfig(data []byte, file string) (*Config, error) {
	c := &Config{file: file}
	root, err := yamlfile.Decode(data, file, c, Config{}, Account{}, Select{}, Exclude{})
	if err != nil {
		return nil, err
	}
	c.root = root
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Errorf is a fault of the field at path (for example "accounts", 1, "role_arn"), with its line.
func (c *Config) Errorf(p yamlfile.Path, format string, args ...any) error {
	return &yamlfile.Error{File: c.file, Line: yamlfile.LineOf(c.root, p), Path: p.String(), Msg: fmt.Sprintf(format, args...)}
}

var (
	accountID = regexp.MustCompile(`^[0-9]{1,20}$`)
	roleARN   = regexp.MustCompile(`^acs:ram::([0-9]{1,20}):role/[A-Za-z0-9.\-]{1,64}$`)
)

// Validate checks every field; the first fault is returned.
func (c *Config) Validate() error {
	p := yamlfile.Path{}
	if len(c.Regions) == 0 && !slices.ContainsFunc(c.Accounts, func(a Account) bool { return len(a.Regions) > 0 }) {
		return c.Errorf(p.Add("regions"), "no region: list at least one region id (for example cn-hangzhou)")
	}
	if err := c.checkRegions(p.Add("regions"), c.Regions); err != nil {
		return err
	}
	if len(c.AllowedAccounts) == 0 {
		return c.Errorf(p.Add("allowed_accounts"), "empty: list every account id the run may act in (the allow-list is required)")
	}
	for i, id := range c.AllowedAccounts {
		if !accountID.MatchString(id) {
			return c.Errorf(p.Add("allowed_accounts", i), "%q is not an account id (digits; quote it in YAML)", id)
		}
	}
	if len(c.Accounts) == 0 {
		return c.Errorf(p.Add("accounts"), "no account: list at least one (an empty entry, {}, is the caller itself)")
	}
	seen := map[string]int{}
	for i, a := range c.Accounts {
		ap := p.Add("accounts", i)
		if a.ID != "" && !accountID.MatchString(a.ID) {
			return c.Errorf(ap.Add("id"), "%q is not an account id (digits; quote it in YAML)", a.ID)
		}
		if a.ID != "" && !slices.Contains(c.AllowedAccounts, a.ID) {
			return c.Errorf(ap.Add("id"), "account %s is not on allowed_accounts", a.ID)
		}
		if a.RoleARN != "" {
			m := roleARN.FindStringSubmatch(a.RoleARN)
			if m == nil {
				return c.Errorf(ap.Add("role_arn"), "%q is not a RAM role ARN (acs:ram::<account id>:role/<name>)", a.RoleARN)
			}
			if a.ID != "" && m[1] != a.ID {
				return c.Errorf(ap.Add("role_arn"), "the role is in account %s, not in the account's id %s", m[1], a.ID)
			}
			if !slices.Contains(c.AllowedAccounts, m[1]) {
				return c.Errorf(ap.Add("role_arn"), "the role's account %s is not on allowed_accounts", m[1])
			}
		} else if a.ExternalID != "" || a.SessionName != "" {
			return c.Errorf(ap, "external_id and session_name need a role_arn")
		}
		if a.SessionName != "" && (len(a.SessionName) < 2 || len(a.SessionName) > 64) {
			return c.Errorf(ap.Add("session_name"), "want 2 to 64 characters")
		}
		key := a.key()
		if j, dup := seen[key]; dup {
			return c.Errorf(ap, "the same account as accounts[%d]", j)
		}
		seen[key] = i
		if err := c.checkRegions(ap.Add("regions"), a.Regions); err != nil {
			return err
		}
		if a.Parallelism < 0 {
			return c.Errorf(ap.Add("parallelism"), "%d: want at least 1 (or leave it out)", a.Parallelism)
		}
		if _, _, err := ParseQPS(a.QPS); err != nil {
			return c.Errorf(ap.Add("qps"), "%v", err)
		}
	}
	if c.Parallelism < 0 {
		return c.Errorf(p.Add("parallelism"), "%d: want at least 1 (or leave it out)", c.Parallelism)
	}
	if _, _, err := ParseQPS(c.QPS); err != nil {
		return c.Errorf(p.Add("qps"), "%v", err)
	}
	if err := c.checkSelect(p.Add("select")); err != nil {
		return err
	}
	for i, id := range c.Exclude.IDs {
		if !strings.HasPrefix(id, "ipam-") {
			return c.Errorf(p.Add("exclude", "ids", i), "%q is not an IPAM resource id (ipam-..., ipam-pool-..., ipam-scope-..., ipam-res-disco-...)", id)
		}
	}
	if k, v, hasValue := strings.Cut(c.Exclude.ProtectTag, "="); c.Exclude.ProtectTag != "" && k == "" {
		return c.Errorf(p.Add("exclude", "protect_tag"), "%q: the key is empty (want key or key=value)", c.Exclude.ProtectTag)
	} else if hasValue && strings.TrimSpace(v) == "" {
		// key= would protect only what carries the key with an empty value: keep=true would go.
		return c.Errorf(p.Add("exclude", "protect_tag"), "%q: the value is empty: it would protect only resources whose %s is empty; name the value, or give %s alone for any value",
			c.Exclude.ProtectTag, k, k)
	}
	if c.StsEndpoint != "" {
		if err := cloudapi.ValidateStsEndpoint(c.StsEndpoint); err != nil {
			return c.Errorf(p.Add("sts_endpoint"), "%v", err)
		}
	}
	return nil
}

func (c *Config) checkSelect(p yamlfile.Path) error {
	s := c.Select
	if len(s.Tags) == 0 && s.Name == "" && s.OlderThan == "" && s.ExpiresTag == "" {
		return c.Errorf(p, "no selector: give tags, name, older_than or expires_tag (a cleanup never selects every IPAM by default; name: \"*\" does)")
	}
	for k := range s.Tags {
		if k == "" {
			return c.Errorf(p.Add("tags"), "a tag has an empty key")
		}
		// ListIpams reads an empty value as "any value": env: ${ENV} with ENV unset would select production.
		if strings.TrimSpace(s.Tags[k]) == "" {
			return c.Errorf(p.Add("tags", k), "the value is empty; name the value (there is no key-only selection)")
		}
	}
	if s.Name != "" {
		if _, err := path.Match(s.Name, ""); err != nil {
			return c.Errorf(p.Add("name"), "%q: not a pattern (%v)", s.Name, err)
		}
	}
	if s.OlderThan != "" {
		if d, err := time.ParseDuration(s.OlderThan); err != nil || d <= 0 {
			return c.Errorf(p.Add("older_than"), "%q: want a positive Go duration such as 72h", s.OlderThan)
		}
	}
	if strings.ContainsAny(s.ExpiresTag, "= ") {
		return c.Errorf(p.Add("expires_tag"), "%q: want a tag key (the tag's value holds the date)", s.ExpiresTag)
	}
	return nil
}

func (c *Config) checkRegions(p yamlfile.Path, ids []string) error {
	for i, r := range ids {
		if !catalog.HasRegion(catalog.ProductVpcIpam, r) {
			return c.Errorf(p.Add(i), "%q is not a region id where VpcIpam is served (%s)", r, strings.Join(catalog.Regions(catalog.ProductVpcIpam), ", "))
		}
		if slices.Index(ids, r) != i {
			return c.Errorf(p.Add(i), "%q is listed twice", r)
		}
	}
	return nil
}

// key identifies an account entry: its role, or the caller itself.
func (a Account) key() string {
	if a.RoleARN != "" {
		return a.RoleARN
	}
	return "self"
}

// ParseQPS reads a qps value: "" or "auto" (the default: a rate that adapts to the account's limit), or a
// number of calls a second of at least 0.1.
func ParseQPS(s string) (qps float64, auto bool, err error) {
	switch s = strings.TrimSpace(s); {
	case s == "", strings.EqualFold(s, "auto"):
		return 0, true, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != v || v < 0.1 || v > 1e6 {
		return 0, false, fmt.Errorf("%q: want auto or a number of calls a second of at least 0.1", s)
	}
	return v, false, nil
}
