package inventory

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// errNoSelector is returned for an empty selector: selecting nothing by accident must not mean "everything".
var errNoSelector = errors.New("inventory: empty selector: name IPAM ids, tags, a name, an age, or all")

// Validate checks that a selector selects something, and nothing ambiguous.
func (s Selector) Validate() error {
	hasFilter := len(s.IPAMIDs) > 0 || len(s.Tags) > 0 || s.Name != "" || s.OlderThan != 0
	switch {
	case s.All && hasFilter:
		return errors.New("inventory: selector: all cannot be combined with ids, tags, a name or an age")
	case !s.All && !hasFilter:
		return errNoSelector
	case s.OlderThan < 0:
		return fmt.Errorf("inventory: selector: older_than %s is negative", time.Duration(s.OlderThan))
	}
	for _, id := range s.IPAMIDs {
		if !strings.HasPrefix(id, "ipam-") {
			return fmt.Errorf("inventory: selector: %q is not an IPAM id (ipam-...)", id)
		}
	}
	for k, v := range s.Tags {
		if k == "" {
			return errors.New("inventory: selector: a tag has an empty key")
		}
		// ListIpams reads an empty value as any value: an unset shell variable would select every IPAM that
		// carries the key. The commands say which flag or line held it; this is the rule for every caller.
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("inventory: selector: the tag %q has an empty value, which would match any value", k)
		}
	}
	return nil
}

// MarshalJSON writes a Duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a Go duration string ("36h", "24h0m0s").
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: want a string such as \"24h\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}

// String is the Go duration form.
func (d Duration) String() string { return time.Duration(d).String() }

// Canonicalize puts every slice in its canonical order and replaces nil slices by empty ones, so that equal
// states give equal JSON.
func (s *Snapshot) Canonicalize() {
	slices.Sort(s.Selector.IPAMIDs)
	s.Selector.IPAMIDs = slices.Compact(s.Selector.IPAMIDs)
	s.CollectedAt = s.CollectedAt.UTC()
	for i := range s.IPAMs {
		ip := &s.IPAMs[i]
		ip.CreateTime = ip.CreateTime.UTC()
		slices.Sort(ip.OperatingRegions)
		ip.Scopes = nonNil(ip.Scopes)
		slices.SortFunc(ip.Scopes, func(a, b Scope) int { return cmp.Compare(a.ID, b.ID) })
		ip.Pools = canonicalPools(ip.Pools)
		ip.Associations = nonNil(ip.Associations)
		slices.SortFunc(ip.Associations, func(a, b DiscoveryAssociation) int {
			return cmp.Or(cmp.Compare(a.IPAMID, b.IPAMID), cmp.Compare(a.DiscoveryID, b.DiscoveryID))
		})
		ip.Members = nonNil(ip.Members)
		slices.SortFunc(ip.Members, func(a, b Member) int { return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.ID, b.ID)) })
	}
	s.IPAMs = nonNil(s.IPAMs)
	slices.SortFunc(s.IPAMs, func(a, b IPAM) int { return cmp.Compare(a.ID, b.ID) })
	s.Discoveries = nonNil(s.Discoveries)
	for i := range s.Discoveries {
		s.Discoveries[i].CreateTime = s.Discoveries[i].CreateTime.UTC() // as an IPAM's: one encoding of one time
		slices.Sort(s.Discoveries[i].OperatingRegions)
	}
	slices.SortFunc(s.Discoveries, func(a, b ResourceDiscovery) int { return cmp.Compare(a.ID, b.ID) })
	s.Shares = nonNil(s.Shares)
	slices.SortFunc(s.Shares, func(a, b ShareAssociation) int {
		return cmp.Or(cmp.Compare(a.EntityID, b.EntityID), cmp.Compare(a.ShareID, b.ShareID))
	})
	s.SharedPools = canonicalPools(s.SharedPools)
}

func canonicalPools(pools []Pool) []Pool {
	pools = nonNil(pools)
	for i := range pools {
		p := &pools[i]
		p.CIDRs = nonNil(p.CIDRs)
		slices.SortFunc(p.CIDRs, func(a, b PoolCIDR) int { return cmp.Compare(a.CIDR, b.CIDR) })
		p.Allocations = nonNil(p.Allocations)
		slices.SortFunc(p.Allocations, func(a, b Allocation) int { return cmp.Compare(a.ID, b.ID) })
	}
	slices.SortFunc(pools, func(a, b Pool) int { return cmp.Compare(a.ID, b.ID) })
	return pools
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// CanonicalJSON is the snapshot's canonical form: canonical order, two-space indent, trailing newline.
func (s *Snapshot) CanonicalJSON() ([]byte, error) {
	var buf bytes.Buffer
	if err := s.clone().encodeCanonical(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodeCanonical canonicalizes s in place and writes its canonical JSON to w.
func (s *Snapshot) encodeCanonical(w io.Writer) error {
	s.Canonicalize()
	// The same bytes as MarshalIndent plus a newline, indented as they stream out (indentWriter).
	iw := newIndentWriter(w)
	enc := json.NewEncoder(iw)
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("inventory: encode snapshot: %w", err)
	}
	if err := iw.Flush(); err != nil {
		return fmt.Errorf("inventory: encode snapshot: %w", err)
	}
	return nil
}

// clone is a deep copy, so that canonicalizing it leaves s as it was.
func (s *Snapshot) clone() *Snapshot {
	c := *s
	c.Selector.IPAMIDs = slices.Clone(s.Selector.IPAMIDs)
	c.Selector.Tags = cloneMap(s.Selector.Tags)
	c.IPAMs = slices.Clone(s.IPAMs)
	for i := range c.IPAMs {
		ip := &c.IPAMs[i]
		ip.OperatingRegions = slices.Clone(ip.OperatingRegions)
		ip.Tags = cloneMap(ip.Tags)
		ip.Scopes = slices.Clone(ip.Scopes)
		for j := range ip.Scopes {
			ip.Scopes[j].Tags = cloneMap(ip.Scopes[j].Tags)
		}
		ip.Pools = clonePools(ip.Pools)
		ip.Associations = slices.Clone(ip.Associations)
		ip.Members = slices.Clone(ip.Members)
	}
	c.Discoveries = slices.Clone(s.Discoveries)
	for i := range c.Discoveries {
		c.Discoveries[i].OperatingRegions = slices.Clone(c.Discoveries[i].OperatingRegions)
		c.Discoveries[i].Tags = cloneMap(c.Discoveries[i].Tags)
	}
	c.Shares = slices.Clone(s.Shares)
	c.SharedPools = clonePools(s.SharedPools)
	return &c
}

// dropExportOnly clears the settings a snapshot keeps only for export (descriptions below the IPAM, pool masks,
// auto-import, ISP): no plan reads them, so an edit of one is not a change the fingerprint should show. (A
// discovery's create time is no such setting: cleanup's older_than reads it, and it is in the fingerprint.)
func (s *Snapshot) dropExportOnly() {
	for i := range s.IPAMs {
		ip := &s.IPAMs[i]
		for j := range ip.Scopes {
			ip.Scopes[j].Description = ""
		}
		dropPoolExportOnly(ip.Pools)
	}
	dropPoolExportOnly(s.SharedPools)
	for i := range s.Discoveries {
		s.Discoveries[i].Description = ""
	}
}

func dropPoolExportOnly(pools []Pool) {
	for i := range pools {
		p := &pools[i]
		p.Description, p.Ipv6Isp, p.AutoImport = "", "", false
		p.AllocationMinMask, p.AllocationMaxMask, p.AllocationDefaultMask = 0, 0, 0
		for k := range p.Allocations {
			p.Allocations[k].Description = ""
		}
	}
}

func clonePools(pools []Pool) []Pool {
	out := slices.Clone(pools)
	for i := range out {
		out[i].Tags = cloneMap(out[i].Tags)
		out[i].CIDRs = slices.Clone(out[i].CIDRs)
		out[i].Allocations = slices.Clone(out[i].Allocations)
	}
	return out
}

func cloneMap[M ~map[string]string](m M) M {
	if m == nil {
		return nil
	}
	out := make(M, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Fingerprint is "sha256:<hex>" of the canonical JSON of what teardown depends on: the region, the caller, and
// every resource with its links, status and tags. It leaves out CollectedAt (when is not what) and the Selector
// (two selectors that pick the same IPAMs describe the same resources; a plan records its selector itself), so
// it changes exactly when a re-collection of the same IPAMs finds something different.
func (s *Snapshot) Fingerprint() string {
	c := s.clone()
	c.CollectedAt = time.Time{}
	c.Selector = Selector{}
	c.dropExportOnly()
	h := sha256.New()
	if err := c.encodeCanonical(h); err != nil {
		panic(err) // a Snapshot holds only strings, numbers, booleans, times and maps of strings
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// ReadSnapshot reads a snapshot written by CanonicalJSON (or inventory -o), checks its links, and returns it
// canonicalized. Errors name the source (name) and the field at fault.
func ReadSnapshot(r io.Reader, name string) (*Snapshot, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Snapshot
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: not a snapshot: %w", name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: trailing data after the snapshot", name)
	}
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s.Canonicalize()
	return &s, nil
}

// check validates the links a planner relies on.
func (s *Snapshot) check() error {
	switch {
	case s.Region == "":
		return errors.New("region: empty")
	case s.AccountID == "":
		return errors.New("account_id: empty")
	}
	seen := map[string]bool{}
	for i, ip := range s.IPAMs {
		at := fmt.Sprintf("ipams[%d]", i)
		if !strings.HasPrefix(ip.ID, "ipam-") {
			return fmt.Errorf("%s.id: %q is not an IPAM id", at, ip.ID)
		}
		if seen[ip.ID] {
			return fmt.Errorf("%s.id: %s appears twice", at, ip.ID)
		}
		seen[ip.ID] = true
		scopes := map[string]bool{}
		for j, sc := range ip.Scopes {
			if sc.IPAMID != ip.ID {
				return fmt.Errorf("%s.scopes[%d].ipam_id: %q, want %q", at, j, sc.IPAMID, ip.ID)
			}
			scopes[sc.ID] = true
		}
		pools := map[string]bool{}
		for _, p := range ip.Pools {
			pools[p.ID] = true
		}
		for j, p := range ip.Pools {
			pat := fmt.Sprintf("%s.pools[%d]", at, j)
			switch {
			case p.IPAMID != ip.ID:
				return fmt.Errorf("%s.ipam_id: %q, want %q", pat, p.IPAMID, ip.ID)
			case !scopes[p.ScopeID]:
				return fmt.Errorf("%s.scope_id: %q is not a scope of %s", pat, p.ScopeID, ip.ID)
			case p.ParentID != "" && !pools[p.ParentID]:
				return fmt.Errorf("%s.parent_id: %q is not a pool of %s", pat, p.ParentID, ip.ID)
			case p.ParentID == p.ID && p.ID != "":
				return fmt.Errorf("%s.parent_id: the pool is its own parent", pat)
			}
			for k, a := range p.Allocations {
				if a.PoolID != p.ID {
					return fmt.Errorf("%s.allocations[%d].pool_id: %q, want %q", pat, k, a.PoolID, p.ID)
				}
			}
		}
		for j, a := range ip.Associations {
			if a.IPAMID != ip.ID {
				return fmt.Errorf("%s.associations[%d].ipam_id: %q, want %q", at, j, a.IPAMID, ip.ID)
			}
		}
	}
	return nil
}
