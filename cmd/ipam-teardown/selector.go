package main

import (
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ipam-teardown/ipam-teardown/inventory"
)

// selectorFlags are the flags that choose IPAMs, shared by inventory and plan.
type selectorFlags struct {
	ipams     []string
	tags      []string
	name      string
	olderThan string
	all       bool
}

func (f *selectorFlags) register(fs *pflag.FlagSet) {
	fs.StringSliceVar(&f.ipams, "ipam", nil, "IPAM id (repeatable or comma-separated)")
	fs.StringArrayVar(&f.tags, "tag", nil, "select IPAMs with this tag, key=value, the value not empty (repeatable; all must match)")
	fs.StringVar(&f.name, "name", "", "select the IPAM with this name")
	fs.StringVar(&f.olderThan, "older-than", "", "select IPAMs created longer ago than this Go duration (e.g. 72h)")
	fs.BoolVar(&f.all, "all", false, "select every IPAM of the region")
}

// selector turns the flags into an inventory.Selector; bad input is a usage error naming the flag.
func (f *selectorFlags) selector() (inventory.Selector, error) {
	sel := inventory.Selector{Name: f.name, All: f.all}
	for _, id := range f.ipams {
		id = strings.TrimSpace(id)
		if id == "" {
			return sel, usagef("--ipam: empty IPAM id")
		}
		if !strings.HasPrefix(id, "ipam-") {
			return sel, usagef("--ipam %q: not an IPAM id (ipam-...)", id)
		}
		sel.IPAMIDs = append(sel.IPAMIDs, id)
	}
	for _, kv := range f.tags {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return sel, usagef("--tag %q: want key=value", kv)
		}
		// The service reads an empty value as "any value": --tag env=$ENV with ENV unset would select
		// every IPAM that has the key, production too. There is no key-only selection.
		if strings.TrimSpace(v) == "" {
			return sel, usagef("--tag %q: the value of %q is empty (an unset shell variable?); name the value, key=value", kv, k)
		}
		if sel.Tags == nil {
			sel.Tags = map[string]string{}
		}
		if old, dup := sel.Tags[k]; dup && old != v {
			return sel, usagef("--tag %q: key %q is already given as %q", kv, k, old)
		}
		sel.Tags[k] = v
	}
	if f.olderThan != "" {
		d, err := time.ParseDuration(f.olderThan)
		if err != nil || d <= 0 {
			return sel, usagef("--older-than %q: want a positive Go duration such as 72h", f.olderThan)
		}
		sel.OlderThan = inventory.Duration(d)
	}
	if err := sel.Validate(); err != nil {
		return sel, usagef("select IPAMs with --ipam, --tag, --name, --older-than or --all: %v", err)
	}
	return sel, nil
}
