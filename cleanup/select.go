package cleanup

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/ipam-teardown/ipam-teardown/inventory"
)

// decide says whether the cleanup selects ip at now, and why (or why not), in words for the report.
func (c *Config) decide(ip inventory.IPAM, now time.Time) (bool, string) {
	if kept, why := c.excluded(ip.ID, ip.Tags); kept {
		return false, why
	}
	return c.matches(candidate{name: ip.Name, status: ip.Status, tags: ip.Tags, created: ip.CreateTime}, now)
}

// excluded says whether exclude keeps an IPAM or an orphaned discovery whole (exclude.ids, protect_tag), and
// why. Inside an IPAM, the planner keeps what exclude names as a blocker of the IPAM's deletion.
func (c *Config) excluded(id string, tags map[string]string) (bool, string) {
	if slices.Contains(c.Exclude.IDs, id) {
		return true, "excluded (exclude.ids)"
	}
	if pt := c.Exclude.ProtectTag; pt != "" {
		k, v, hasValue := strings.Cut(pt, "=")
		if got, ok := tags[k]; ok && (!hasValue || got == v) {
			return true, "protected by the tag " + pt
		}
	}
	return false, ""
}

// candidate is what select judges of an IPAM or of an orphaned discovery.
type candidate struct {
	name, status string
	tags         map[string]string
	created      time.Time
}

// matches applies select (tags, name, age, expiry) to one IPAM or orphaned discovery; exclude and
// protect_tag are applied before it (excluded).
func (c *Config) matches(x candidate, now time.Time) (bool, string) {
	var why []string
	for _, k := range sortedKeys(c.Select.Tags) {
		if x.tags[k] != c.Select.Tags[k] {
			return false, fmt.Sprintf("the tag %s is not %s", k, c.Select.Tags[k])
		}
		why = append(why, "tag "+k+"="+c.Select.Tags[k])
	}
	if c.Select.Name != "" {
		if ok, _ := path.Match(c.Select.Name, x.name); !ok {
			return false, fmt.Sprintf("name %q does not match %q", x.name, c.Select.Name)
		}
		why = append(why, fmt.Sprintf("name %q matches %q", x.name, c.Select.Name))
	}
	if x.status == "Deleting" || x.status == "Deleted" {
		return false, "already " + x.status
	}
	ok, age := c.ageSelects(x, now)
	if !ok {
		return false, age
	}
	if age != "" {
		why = append(why, age)
	}
	return true, strings.Join(why, "; ")
}

// ageSelects applies older_than and expires_tag. An expiry date is inclusive: "2026-12-01" expires when that
// day (UTC) is over, the later of the two readings, so a sandbox is never removed before its owner's date.
func (c *Config) ageSelects(ip candidate, now time.Time) (bool, string) {
	s := c.Select
	if s.ExpiresTag != "" {
		if v, tagged := ip.tags[s.ExpiresTag]; tagged {
			at, err := parseExpiry(v)
			if err != nil {
				return false, fmt.Sprintf("the tag %s=%q is not a date (2006-01-02 or RFC 3339): never selected by age", s.ExpiresTag, v)
			}
			if now.Before(at) {
				return false, fmt.Sprintf("%s %s not reached", s.ExpiresTag, v)
			}
			return true, fmt.Sprintf("%s %s passed", s.ExpiresTag, v)
		}
		if s.OlderThan == "" {
			return false, "no " + s.ExpiresTag + " tag"
		}
	}
	if s.OlderThan == "" {
		return true, ""
	}
	d, _ := time.ParseDuration(s.OlderThan) // validated
	if ip.created.IsZero() {
		return false, "no creation time: never old enough"
	}
	created := ip.created.UTC().Format(time.RFC3339)
	if now.Sub(ip.created) < d {
		return false, fmt.Sprintf("created %s, not older than %s", created, s.OlderThan)
	}
	return true, fmt.Sprintf("created %s, older than %s", created, s.OlderThan)
}

// parseExpiry reads an expiry tag value: a date (inclusive: it expires at the end of that UTC day) or an
// RFC 3339 time.
func parseExpiry(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t.AddDate(0, 0, 1), nil
	}
	return time.Parse(time.RFC3339, v)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// selectOrphans keeps the orphaned discoveries of snap that select matches and exclude does not keep, as it
// would an IPAM, and says in words which it kept and which it left, and why. An orphan that exclude keeps is
// left here, not planned: the planner would keep it as a blocker that holds back nothing, and the orphans'
// plan would be blocked (exit 3) on every run for as long as the discovery lives.
func (c *Config) selectOrphans(snap *inventory.Snapshot, now time.Time) (kept, left []string) {
	snap.Discoveries = slices.DeleteFunc(snap.Discoveries, func(d inventory.ResourceDiscovery) bool {
		if ex, why := c.excluded(d.ID, d.Tags); ex {
			left = append(left, d.ID+" ("+why+")")
			return true
		}
		ok, why := c.matches(candidate{name: d.Name, status: d.Status, tags: d.Tags, created: d.CreateTime}, now)
		if ok {
			kept = append(kept, d.ID+" ("+why+")")
		} else {
			left = append(left, d.ID+" ("+why+")")
		}
		return !ok
	})
	return kept, left
}
