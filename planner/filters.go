package planner

import (
	"fmt"

	"github.com/ipam-teardown/ipam-teardown/inventory"
)

// The filters turn the user's options and the resources' states into blockers: an excluded id (--exclude),
// a protect tag (--protect-tag), a transitional status. holdBack then removes what the blockers keep.

// ExcludeError is Build's answer to an Options.Exclude id that names nothing in the snapshot.
type ExcludeError struct{ ID, Region string }

func (e *ExcludeError) Error() string {
	return fmt.Sprintf("planner: exclude %q: no such resource in the inventory of %s", e.ID, e.Region)
}

// exclusions turns Options.Exclude into blockers; an id that names nothing in the snapshot is an error (a
// typo must not leave the resource it meant unprotected).
func (b *builder) exclusions() error {
	known := map[string]bool{}
	for k := range b.kind {
		known[k] = true
	}
	for _, d := range b.snap.Discoveries {
		known[d.ID] = true
	}
	for _, s := range b.snap.Shares {
		known[s.ShareID] = true
	}
	for _, p := range b.snap.SharedPools {
		known[p.ID] = true
	}
	for _, id := range b.opts.Exclude {
		if !known[id] {
			return &ExcludeError{ID: id, Region: b.snap.Region}
		}
		if len(b.byOwner[id]) > 0 {
			b.block(b.kind[id], id, b.ipamOf(id), fmt.Sprintf("%s %s is excluded (--exclude): the plan keeps it and everything in it", b.kind[id], id), "")
		}
	}
	return nil
}

func (b *builder) ipamOf(owner string) string {
	if us := b.byOwner[owner]; len(us) > 0 {
		return b.units[us[0]].step.IPAMID
	}
	return ""
}

func (b *builder) protected(key, value string, hasValue bool) {
	match := func(t inventory.Tags) bool {
		v, ok := t[key]
		return ok && (!hasValue || v == value)
	}
	tag := key
	if hasValue {
		tag += "=" + value
	}
	protect := func(typ, id string, t inventory.Tags) {
		if match(t) && len(b.byOwner[id]) > 0 {
			b.block(typ, id, b.ipamOf(id), fmt.Sprintf("%s %s carries the protect tag %s: the plan keeps it and everything in it", typ, id, tag), "")
		}
	}
	for _, ip := range b.snap.IPAMs {
		protect("ipam", ip.ID, ip.Tags)
		for _, sc := range ip.Scopes {
			protect("scope", sc.ID, sc.Tags)
		}
		for _, p := range ip.Pools {
			protect("pool", p.ID, p.Tags)
		}
	}
	for _, d := range b.snap.Discoveries {
		protect("discovery", d.ID, d.Tags)
	}
}

func (b *builder) transitions() {
	why := func(typ, id, status string) string {
		return fmt.Sprintf("%s %s is %s: the plan leaves it and what needs it gone until it settles; plan again then", typ, id, status)
	}
	check := func(typ, id, status string) {
		if transitional(status) && len(b.byOwner[id]) > 0 {
			b.block(typ, id, b.ipamOf(id), why(typ, id, status), "1.10")
		}
	}
	for _, ip := range b.snap.IPAMs {
		check("ipam", ip.ID, ip.Status)
		for _, sc := range ip.Scopes {
			check("scope", sc.ID, sc.Status)
		}
		for _, p := range ip.Pools {
			check("pool", p.ID, p.Status)
		}
		for _, a := range ip.Associations {
			check("association", ip.ID+"/"+a.DiscoveryID, a.Status)
		}
	}
	for _, d := range b.snap.Discoveries {
		check("discovery", d.ID, d.Status)
	}
	for _, s := range b.snap.Shares {
		check("share-association", s.ShareID+"/"+s.EntityID, s.Status)
	}
}

// Transitional statuses: a resource in one of them is changing under the plan, so the plan leaves it (and
// what needs it gone) alone until it settles.
func transitional(status string) bool {
	switch status {
	case "Creating", "Deleting", "Modifying", "Associating", "Disassociating", "Pending":
		return true
	}
	return false
}
