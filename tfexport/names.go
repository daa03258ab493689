package tfexport

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// namer gives resources Terraform names derived from their own names: lower case, every run of characters
// other than ASCII letters and digits made one "_", so "prod-hz-app" is prod_hz_app and a CIDR 10.0.0.0/8 is
// 10_0_0_0_8. A name that leaves nothing (empty, or in another script) takes the fallback; one that starts with
// a digit takes the fallback as a prefix. Names are unique per resource type across the whole export (the
// files of -o DIR are one module): of the resources that want the same name, the one with the smallest id
// keeps it and the others get _2, _3, ... in id order. The same snapshot always gives the same names.
type namer struct {
	wants    map[string][]nameWant // type -> wants
	assigned map[string]string     // type + "\x00" + key -> name
}

type nameWant struct{ key, base string }

func newNamer() *namer { return &namer{wants: map[string][]nameWant{}, assigned: map[string]string{}} }

func (n *namer) want(typ, key, name, fallback string) {
	base := snake(name)
	switch {
	case base == "":
		base = snake(fallback)
	case base[0] >= '0' && base[0] <= '9':
		base = snake(fallback) + "_" + base
	}
	if base == "" || base[0] >= '0' && base[0] <= '9' {
		base = "r_" + base
	}
	n.wants[typ] = append(n.wants[typ], nameWant{key: key, base: base})
}

func (n *namer) assign(typ string) {
	wants := n.wants[typ]
	slices.SortFunc(wants, func(a, b nameWant) int { return cmp.Or(cmp.Compare(a.base, b.base), cmp.Compare(a.key, b.key)) })
	used := map[string]bool{}
	for _, w := range wants {
		if _, done := n.assigned[typ+"\x00"+w.key]; done {
			continue
		}
		name := w.base
		for i := 2; used[name]; i++ {
			name = w.base + "_" + strconv.Itoa(i)
		}
		used[name] = true
		n.assigned[typ+"\x00"+w.key] = name
	}
}

// get is the name given to key; every key is named before the blocks are built.
func (n *namer) get(typ, key string) string {
	if name, ok := n.assigned[typ+"\x00"+key]; ok {
		return name
	}
	panic("tfexport: no name for " + typ + " " + key) // a defect of nameAll, not of the input
}

func snake(s string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			sep = false
			b.WriteRune(r)
			continue
		}
		sep = true
	}
	return b.String()
}
