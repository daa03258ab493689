package tfexport

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// providerSource is the provider's registry address.
const providerSource = "aliyun/alicloud"

// single writes the whole export as one file: the header with every omission, the terraform and provider
// blocks, then each IPAM's tree and the discoveries.
func (b *builder) single() []byte {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	b.header(body, b.omitted)
	b.providers(body)
	for _, u := range b.units {
		b.unitBody(body, u, true)
	}
	return finish(f)
}

// split writes providers.tf, one file per IPAM and discoveries.tf (when it holds anything).
func (b *builder) split() []File {
	f := hclwrite.NewEmptyFile()
	b.header(f.Body(), nil)
	b.providers(f.Body())
	files := []File{{Name: "providers.tf", Data: finish(f)}}
	for _, u := range b.units {
		if len(u.blocks) == 0 && len(u.omitted) == 0 {
			continue
		}
		f := hclwrite.NewEmptyFile()
		b.header(f.Body(), u.omitted)
		b.unitBody(f.Body(), u, false)
		files = append(files, File{Name: u.file + ".tf", Data: finish(f)})
	}
	return files
}

func finish(f *hclwrite.File) []byte {
	out := hclwrite.Format(f.Bytes())
	return append(trimTrailingNewlines(out), '\n')
}

func trimTrailingNewlines(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
	}
	return b
}

// header is the comment block at the top of a file: what it is and what it leaves out, with the reasons.
func (b *builder) header(body *hclwrite.Body, omitted []Omission) {
	lines := []string{
		fmt.Sprintf("Written by ipam-teardown export --mode %s from the inventory of account %s in %s,", b.mode, b.snap.AccountID, b.snap.Region),
		fmt.Sprintf("collected %s (inventory %s).", b.snap.CollectedAt.UTC().Format("2006-01-02T15:04:05Z"), b.print),
	}
	switch b.mode {
	case Recreate:
		lines = append(lines, "terraform apply builds the tree again in an account without it.")
	case Adopt:
		lines = append(lines, "terraform plan shows only imports: the live resources come under Terraform unchanged.")
	}
	if len(omitted) > 0 {
		lines = append(lines, "", "Not in this configuration (the provider cannot express it, or it is no part of the tree to build):")
		for _, o := range omitted {
			lines = append(lines, "- "+o.String())
		}
	}
	comment(body, lines)
	body.AppendNewline()
}

// providers writes the terraform block and the provider configurations: the default one in the snapshot's
// region, and an alias for every other region a resource lives in.
func (b *builder) providers(body *hclwrite.Body) {
	tf := body.AppendNewBlock("terraform", nil).Body()
	rp := tf.AppendNewBlock("required_providers", nil).Body()
	rp.SetAttributeRaw("alicloud", hclwrite.TokensForObject([]hclwrite.ObjectAttrTokens{{
		Name: hclwrite.TokensForIdentifier("source"), Value: hclwrite.TokensForValue(cty.StringVal(providerSource)),
	}}))
	body.AppendNewline()
	p := body.AppendNewBlock("provider", []string{"alicloud"}).Body()
	p.SetAttributeValue("region", cty.StringVal(b.snap.Region))
	for _, r := range slices.Sorted(maps.Keys(b.regions)) {
		body.AppendNewline()
		p := body.AppendNewBlock("provider", []string{"alicloud"}).Body()
		p.SetAttributeValue("alias", cty.StringVal(alias(r)))
		p.SetAttributeValue("region", cty.StringVal(r))
	}
}

// alias is the provider alias of a region: cn-shanghai is alicloud.cn_shanghai.
func alias(region string) string { return snake(region) }

// unitBody writes one unit's blocks; in a single file, a comment line introduces each unit.
func (b *builder) unitBody(body *hclwrite.Body, u *unit, titled bool) {
	if len(u.blocks) == 0 {
		return
	}
	if titled {
		body.AppendNewline()
		comment(body, []string{u.title})
	}
	for i, bl := range u.blocks {
		if i > 0 || titled {
			body.AppendNewline()
		}
		b.write(body, bl)
	}
}

// write writes one resource, after its import block in adopt mode.
func (b *builder) write(body *hclwrite.Body, bl *block) {
	comment(body, bl.comment)
	if b.mode == Adopt {
		imp := body.AppendNewBlock("import", nil).Body()
		imp.SetAttributeTraversal("to", hcl.Traversal{hcl.TraverseRoot{Name: bl.typ}, hcl.TraverseAttr{Name: bl.name}})
		imp.SetAttributeValue("id", cty.StringVal(bl.importID))
		if bl.region != "" {
			imp.SetAttributeTraversal("provider", providerRef(bl.region))
		}
		body.AppendNewline()
	}
	res := body.AppendNewBlock("resource", []string{bl.typ, bl.name}).Body()
	if bl.region != "" {
		res.SetAttributeTraversal("provider", providerRef(bl.region))
	}
	for _, a := range bl.attrs {
		if a.ref != nil {
			res.SetAttributeTraversal(a.name, a.ref)
		} else {
			res.SetAttributeValue(a.name, a.val)
		}
	}
	if len(bl.dependsOn) > 0 {
		elems := make([]hclwrite.Tokens, 0, len(bl.dependsOn))
		for _, addr := range bl.dependsOn {
			typ, name, _ := strings.Cut(addr, ".")
			elems = append(elems, hclwrite.TokensForTraversal(hcl.Traversal{hcl.TraverseRoot{Name: typ}, hcl.TraverseAttr{Name: name}}))
		}
		res.SetAttributeRaw("depends_on", hclwrite.TokensForTuple(elems))
	}
}

func providerRef(region string) hcl.Traversal {
	return hcl.Traversal{hcl.TraverseRoot{Name: "alicloud"}, hcl.TraverseAttr{Name: alias(region)}}
}

// comment appends "# " lines; text from the snapshot is made one line first (oneLine), so that it cannot end
// the comment.
func comment(body *hclwrite.Body, lines []string) {
	if len(lines) == 0 {
		return
	}
	var toks hclwrite.Tokens
	for _, l := range lines {
		text := "#"
		if l = strings.TrimRight(oneLine(l), " "); l != "" {
			text += " " + l
		}
		toks = append(toks, &hclwrite.Token{Type: hclsyntax.TokenComment, Bytes: []byte(text + "\n")})
	}
	body.AppendUnstructuredTokens(toks)
}
