package tfexport_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/tfexport"
)

// parsed is a configuration read back with hashicorp/hcl/v2.
type parsed struct {
	resources map[string]*hclsyntax.Body // address -> body
	imports   map[string]string          // address -> import id
	aliases   map[string]bool            // provider aliases ("alicloud.cn_shanghai")
	nImports  int
}

func parseConfig(t *testing.T, files map[string][]byte) *parsed {
	t.Helper()
	p := &parsed{resources: map[string]*hclsyntax.Body{}, imports: map[string]string{}, aliases: map[string]bool{}}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		f, diags := hclsyntax.ParseConfig(files[name], name, hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s does not parse: %v", name, diags)
		}
		for _, b := range f.Body.(*hclsyntax.Body).Blocks {
			switch b.Type {
			case "resource":
				addr := b.Labels[0] + "." + b.Labels[1]
				if !strings.HasPrefix(b.Labels[0], "alicloud_vpc_ipam_") {
					t.Errorf("%s: resource %s is none of the provider's IPAM resources", name, addr)
				}
				if _, dup := p.resources[addr]; dup {
					t.Errorf("%s: resource %s twice", name, addr)
				}
				p.resources[addr] = b.Body
			case "import":
				p.nImports++
				to := traversalOf(t, b.Body.Attributes["to"])
				id, diags := b.Body.Attributes["id"].Expr.Value(nil)
				if diags.HasErrors() {
					t.Fatalf("%s: import id: %v", name, diags)
				}
				if _, dup := p.imports[to]; dup {
					t.Errorf("%s: two imports to %s", name, to)
				}
				p.imports[to] = id.AsString()
			case "provider":
				if a, ok := b.Body.Attributes["alias"]; ok {
					v, _ := a.Expr.Value(nil)
					p.aliases["alicloud."+v.AsString()] = true
				}
			case "terraform":
			default:
				t.Errorf("%s: unexpected block %s", name, b.Type)
			}
		}
	}
	return p
}

// traversalOf is an attribute's reference as "root.attr[.attr]".
func traversalOf(t *testing.T, a *hclsyntax.Attribute) string {
	t.Helper()
	if a == nil {
		return ""
	}
	st, ok := a.Expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok {
		t.Errorf("%s is not a reference", a.Name)
		return ""
	}
	return traversalString(st.Traversal)
}

func traversalString(tr hcl.Traversal) string {
	parts := []string{tr.RootName()}
	for _, s := range tr[1:] {
		if at, ok := s.(hcl.TraverseAttr); ok {
			parts = append(parts, at.Name)
		}
	}
	return strings.Join(parts, ".")
}

// dependsOn is a resource's depends_on, as addresses.
func dependsOn(body *hclsyntax.Body) []string {
	a, ok := body.Attributes["depends_on"]
	if !ok {
		return nil
	}
	var out []string
	for _, tr := range a.Expr.Variables() {
		out = append(out, traversalString(tr))
	}
	return out
}

// expectedImports is what adopt mode must import, computed from the snapshot apart from the package: every
// IPAM, custom scope, pool of this account with its CIDRs ("<poolId>#<cidr>", the provider's pool_cidr id),
// custom allocation made by this account, and this account's custom discoveries; none of them being deleted.
func expectedImports(snap *inventory.Snapshot) map[string]string {
	gone := func(s string) bool { return s == "Deleting" || s == "Deleted" }
	want := map[string]string{} // id -> resource type
	for _, ip := range snap.IPAMs {
		if gone(ip.Status) {
			continue
		}
		want[ip.ID] = "alicloud_vpc_ipam_ipam"
		for _, sc := range ip.Scopes {
			if !sc.IsDefault && !gone(sc.Status) {
				want[sc.ID] = "alicloud_vpc_ipam_ipam_scope"
			}
		}
		for _, p := range ip.Pools {
			if p.IsShared || gone(p.Status) {
				continue
			}
			want[p.ID] = "alicloud_vpc_ipam_ipam_pool"
			for _, c := range p.CIDRs {
				want[p.ID+"#"+c.CIDR] = "alicloud_vpc_ipam_ipam_pool_cidr"
			}
			for _, a := range p.Allocations {
				if a.ResourceType == inventory.AllocationCustom && (a.ResourceOwnerID == "" || a.ResourceOwnerID == snap.AccountID) {
					want[a.ID] = "alicloud_vpc_ipam_ipam_pool_allocation"
				}
			}
		}
	}
	for _, d := range snap.Discoveries {
		if d.Type == "custom" && d.ShareType != "Shared" && d.OwnerID == snap.AccountID {
			want[d.ID] = "alicloud_vpc_ipam_ipam_resource_discovery"
		}
	}
	return want
}

// checkExport reads files back with hashicorp/hcl/v2 and checks what the issue asks of them: every reference
// (and provider alias) resolves to a block of the configuration; recreate mode holds no id of the exported
// tree and no import; adopt mode imports every resource once, with the id in the provider's format; every
// child pool refers to its source pool and depends on all of its CIDRs, every allocation depends on its
// pool's CIDRs, every pool refers to its scope (a default one through the IPAM's attribute); and what the
// provider cannot express (VPC allocations, members, shares, discovery associations) is listed. It returns
// the resource addresses, sorted.
func checkExport(t *testing.T, snap *inventory.Snapshot, mode tfexport.Mode, files map[string][]byte, omitted []tfexport.Omission) []string {
	t.Helper()
	cfg := parseConfig(t, files)
	for addr, body := range cfg.resources {
		for _, a := range body.Attributes {
			for _, tr := range a.Expr.Variables() {
				ref := traversalString(tr)
				switch {
				case a.Name == "provider":
					if !cfg.aliases[ref] {
						t.Errorf("%s: provider %s is not configured", addr, ref)
					}
				case strings.HasPrefix(ref, "alicloud_"):
					parts := strings.SplitN(ref, ".", 3)
					if len(parts) < 2 || cfg.resources[parts[0]+"."+parts[1]] == nil {
						t.Errorf("%s: %s = %s refers to no resource of the configuration", addr, a.Name, ref)
					}
				default:
					t.Errorf("%s: %s refers to %s, which is no resource", addr, a.Name, ref)
				}
			}
		}
	}

	// The addresses of the snapshot's resources, from the adopt export's import blocks (the same resources
	// under the same names in both modes).
	adopt, err := tfexport.Build(snap, tfexport.Adopt)
	if err != nil {
		t.Fatal(err)
	}
	addrOf := map[string]string{} // id -> address
	for addr, id := range parseConfig(t, map[string][]byte{"adopt.tf": adopt.File()}).imports {
		addrOf[id] = addr
	}
	want := expectedImports(snap)
	all := strings.Join(mapValues(files), "\n")
	switch mode {
	case tfexport.Recreate:
		if cfg.nImports > 0 {
			t.Errorf("recreate mode has %d import blocks", cfg.nImports)
		}
		for _, id := range treeIDs(snap) {
			if strings.Contains(all, id) {
				t.Errorf("recreate mode holds the id %s of the exported tree", id)
			}
		}
	case tfexport.Adopt:
		for addr := range cfg.resources {
			id, ok := cfg.imports[addr]
			if !ok {
				t.Errorf("adopt mode: no import for %s", addr)
				continue
			}
			if typ, ok := want[id]; !ok || !strings.HasPrefix(addr, typ+".") {
				t.Errorf("adopt mode: import of %s has id %q, which is no %s of the snapshot", addr, id, strings.Split(addr, ".")[0])
			}
		}
		if len(cfg.imports) != len(cfg.resources) {
			t.Errorf("adopt mode: %d imports for %d resources", len(cfg.imports), len(cfg.resources))
		}
	}
	for id, typ := range want {
		if addr, ok := addrOf[id]; !ok || cfg.resources[addr] == nil {
			t.Errorf("%s %s of the snapshot is not in the configuration", typ, id)
		}
	}

	// The rules, read the other way: a child pool after its source pool's CIDRs, an allocation after its
	// pool's CIDRs.
	for _, ip := range snap.IPAMs {
		cidrsOf := map[string][]string{}
		scopes := map[string]inventory.Scope{}
		for _, sc := range ip.Scopes {
			scopes[sc.ID] = sc
		}
		for _, p := range ip.Pools {
			for _, c := range p.CIDRs {
				cidrsOf[p.ID] = append(cidrsOf[p.ID], addrOf[p.ID+"#"+c.CIDR])
			}
		}
		for _, p := range ip.Pools {
			body := cfg.resources[addrOf[p.ID]]
			if body == nil {
				continue
			}
			sc := scopes[p.ScopeID]
			wantScope := addrOf[sc.ID] + ".id"
			if sc.IsDefault {
				wantScope = addrOf[ip.ID] + "." + sc.Type + "_default_scope_id"
			}
			if got := traversalOf(t, body.Attributes["ipam_scope_id"]); got != wantScope {
				t.Errorf("%s: ipam_scope_id = %s, want %s", addrOf[p.ID], got, wantScope)
			}
			if p.ParentID != "" {
				if got, want := traversalOf(t, body.Attributes["source_ipam_pool_id"]), addrOf[p.ParentID]+".id"; got != want {
					t.Errorf("%s: source_ipam_pool_id = %s, want %s", addrOf[p.ID], got, want)
				}
				assertDependsOn(t, addrOf[p.ID], body, cidrsOf[p.ParentID])
			}
			for _, c := range p.CIDRs {
				cb := cfg.resources[addrOf[p.ID+"#"+c.CIDR]]
				if got, want := traversalOf(t, cb.Attributes["ipam_pool_id"]), addrOf[p.ID]+".id"; got != want {
					t.Errorf("%s: ipam_pool_id = %s, want %s", addrOf[p.ID+"#"+c.CIDR], got, want)
				}
			}
			for _, a := range p.Allocations {
				ab := cfg.resources[addrOf[a.ID]]
				if ab == nil {
					continue
				}
				if got, want := traversalOf(t, ab.Attributes["ipam_pool_id"]), addrOf[p.ID]+".id"; got != want {
					t.Errorf("%s: ipam_pool_id = %s, want %s", addrOf[a.ID], got, want)
				}
				assertDependsOn(t, addrOf[a.ID], ab, cidrsOf[p.ID])
			}
		}
	}

	// Never dropped silently.
	text := ""
	for _, o := range omitted {
		text += o.String() + "\n"
		if !strings.Contains(all, o.What) {
			t.Errorf("omission %q is not in the configuration's comments", o.What)
		}
	}
	for _, need := range unexpressible(snap) {
		if !strings.Contains(text, need) {
			t.Errorf("%s is neither in the configuration nor among the omissions", need)
		}
	}
	addrs := make([]string, 0, len(cfg.resources))
	for a := range cfg.resources {
		addrs = append(addrs, a)
	}
	slices.Sort(addrs)
	return addrs
}

func assertDependsOn(t *testing.T, addr string, body *hclsyntax.Body, want []string) {
	t.Helper()
	got := dependsOn(body)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s: depends_on %v lacks %s", addr, got, w)
		}
	}
}

// treeIDs are the ids of what this account owns in the exported tree: none may be left in recreate mode.
func treeIDs(snap *inventory.Snapshot) []string {
	var ids []string
	for _, ip := range snap.IPAMs {
		ids = append(ids, ip.ID, ip.PrivateDefaultScopeID, ip.PublicDefaultScopeID, ip.DefaultResourceDiscoveryID)
		for _, sc := range ip.Scopes {
			ids = append(ids, sc.ID)
		}
		for _, p := range ip.Pools {
			ids = append(ids, p.ID)
			for _, a := range p.Allocations {
				ids = append(ids, a.ID)
			}
		}
	}
	for _, d := range snap.Discoveries {
		if d.OwnerID == snap.AccountID {
			ids = append(ids, d.ID)
		}
	}
	return slices.DeleteFunc(ids, func(s string) bool { return s == "" })
}

// unexpressible names, for each thing the provider cannot express, a string its omission must hold: a VPC
// allocation's VPC, a member's id, a share's id, an associated discovery's name.
func unexpressible(snap *inventory.Snapshot) []string {
	var out []string
	for _, ip := range snap.IPAMs {
		for _, p := range ip.Pools {
			for _, a := range p.Allocations {
				if a.ResourceType == inventory.AllocationVPC {
					out = append(out, fmt.Sprintf("VPC allocation %s", a.CIDR), a.ResourceID)
				}
			}
		}
		for _, m := range ip.Members {
			out = append(out, "IPAM member "+m.ID)
		}
		for _, a := range ip.Associations {
			if a.DiscoveryID != ip.DefaultResourceDiscoveryID {
				out = append(out, "the association of resource discovery")
			}
		}
	}
	for _, sh := range snap.Shares {
		out = append(out, sh.ShareID)
	}
	return out
}

func mapValues(m map[string][]byte) []string {
	var out []string
	for _, v := range m {
		out = append(out, string(v))
	}
	slices.Sort(out)
	return out
}

// resourcesOfExport is the resource addresses of one configuration, every reference in it resolved.
func resourcesOfExport(t *testing.T, data []byte) (map[string]bool, map[string]string) {
	t.Helper()
	cfg := parseConfig(t, map[string][]byte{"main.tf": data})
	res := map[string]bool{}
	for addr, body := range cfg.resources {
		res[addr] = true
		for _, a := range body.Attributes {
			for _, tr := range a.Expr.Variables() {
				ref := strings.SplitN(traversalString(tr), ".", 3)
				if a.Name != "provider" && cfg.resources[ref[0]+"."+ref[1]] == nil {
					t.Errorf("%s: %s refers to %s, which is not written", addr, a.Name, traversalString(tr))
				}
			}
		}
	}
	return res, cfg.imports
}
