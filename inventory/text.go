package inventory

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
)

// WriteText writes the snapshot as a tree a person reads: each IPAM with its scopes, each scope's pool tree
// (children under their parent) with CIDRs and allocations, then associations, members, discoveries, shares
// and the pools shared with the caller. Resources another account owns are marked with their owner.
func WriteText(w io.Writer, s *Snapshot) error {
	c := s.clone()
	c.Canonicalize()
	bw := bufio.NewWriter(w)
	t := textWriter{w: bw, account: c.AccountID}
	t.line(0, "region %s, account %s, collected %s", c.Region, c.AccountID, c.CollectedAt.Format("2006-01-02T15:04:05Z"))
	if len(c.IPAMs) == 0 {
		t.line(0, "no IPAM selected")
	}
	for _, ip := range c.IPAMs {
		t.line(0, "IPAM %s%s [%s]%s%s", ip.ID, quoted(ip.Name), ip.Status, t.owner(ip.OwnerID), fmtTags(ip.Tags))
		if len(ip.OperatingRegions) > 0 {
			t.line(1, "operating regions: %s", strings.Join(ip.OperatingRegions, ", "))
		}
		children := map[string][]Pool{}
		for _, p := range ip.Pools {
			children[p.ParentID] = append(children[p.ParentID], p)
		}
		for _, sc := range ip.Scopes {
			kind := "custom"
			if sc.IsDefault {
				kind = "default"
			}
			t.line(1, "scope %s%s %s %s [%s]%s", sc.ID, quoted(sc.Name), sc.Type, kind, sc.Status, fmtTags(sc.Tags))
			for _, p := range children[""] {
				if p.ScopeID == sc.ID {
					t.pool(2, p, children)
				}
			}
		}
		// Pools whose parent is not in the listing (should not happen) are still shown.
		listed := map[string]bool{"": true}
		for _, p := range ip.Pools {
			listed[p.ID] = true
		}
		for _, p := range ip.Pools {
			if !listed[p.ParentID] {
				t.line(1, "orphan:")
				t.pool(2, p, children)
			}
		}
		for _, a := range ip.Associations {
			t.line(1, "association %s (%s) [%s]%s", a.DiscoveryID, a.DiscoveryType, a.Status, t.owner(a.OwnerID))
		}
		for _, m := range ip.Members {
			t.line(1, "member %s %s [%s]", m.Type, m.ID, m.Status)
		}
	}
	if len(c.Discoveries) > 0 {
		t.line(0, "resource discoveries:")
		for _, d := range c.Discoveries {
			share := ""
			if d.ShareType != "" {
				share = " " + strings.ToLower(d.ShareType)
			}
			t.line(1, "%s%s %s%s [%s]%s%s", d.ID, quoted(d.Name), d.Type, share, d.Status, t.owner(d.OwnerID), fmtTags(d.Tags))
		}
	}
	if len(c.Shares) > 0 {
		t.line(0, "share associations:")
		for _, sh := range c.Shares {
			t.line(1, "%s %s in share %s%s [%s]", sh.EntityType, sh.EntityID, sh.ShareID, quoted(sh.ShareName), sh.Status)
		}
	}
	if len(c.SharedPools) > 0 {
		t.line(0, "pools shared with this account:")
		children := map[string][]Pool{}
		ids := map[string]bool{}
		for _, p := range c.SharedPools {
			ids[p.ID] = true
		}
		for _, p := range c.SharedPools {
			parent := p.ParentID
			if !ids[parent] {
				parent = ""
			}
			children[parent] = append(children[parent], p)
		}
		for _, p := range children[""] {
			t.pool(1, p, children)
		}
	}
	if t.err != nil {
		return t.err
	}
	return bw.Flush()
}

type textWriter struct {
	w       *bufio.Writer
	account string
	err     error
}

func (t *textWriter) line(depth int, format string, args ...any) {
	if t.err != nil {
		return
	}
	_, t.err = fmt.Fprintf(t.w, "%s%s\n", strings.Repeat("  ", depth), fmt.Sprintf(format, args...))
}

func (t *textWriter) owner(id string) string {
	if id == "" || id == t.account {
		return ""
	}
	return " owner " + id
}

func (t *textWriter) pool(depth int, p Pool, children map[string][]Pool) {
	region := ""
	if p.PoolRegionID != "" {
		region = " region " + p.PoolRegionID
	}
	shared := ""
	if p.IsShared {
		shared = " shared-with-me"
	}
	t.line(depth, "pool %s%s %s%s [%s]%s%s%s", p.ID, quoted(p.Name), p.IPVersion, region, p.Status, shared, t.owner(p.OwnerID), fmtTags(p.Tags))
	for _, c := range p.CIDRs {
		t.line(depth+1, "cidr %s [%s]", c.CIDR, c.Status)
	}
	for _, a := range p.Allocations {
		res := a.ResourceType
		if a.ResourceID != "" {
			res += " " + a.ResourceID
		}
		t.line(depth+1, "allocation %s %s -> %s%s [%s]%s", a.ID, a.CIDR, res, quoted(a.Name), a.Status, t.owner(a.ResourceOwnerID))
	}
	for _, c := range children[p.ID] {
		t.pool(depth+1, c, children)
	}
}

func quoted(name string) string {
	if name == "" {
		return ""
	}
	return fmt.Sprintf(" %q", name)
}

func fmtTags(tags Tags) string {
	if len(tags) == 0 {
		return ""
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + tags[k]
	}
	return " {" + strings.Join(parts, ", ") + "}"
}
