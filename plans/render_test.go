package plans

import (
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/gonum/graph/formats/dot"
	"gonum.org/v1/gonum/graph/formats/dot/ast"
)

func render(t *testing.T, p *Plan, format string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, p, format); err != nil {
		t.Fatalf("Render %s: %v", format, err)
	}
	return buf.String()
}

func TestRenderLeavesPlanAlone(t *testing.T) {
	t.Parallel()
	p := multiIPAMPlan(t) // not canonical: steps in fixture order, summary empty
	before := clonePlan(p)
	for _, f := range Formats() {
		render(t, p, f)
	}
	if diff := cmp.Diff(before, p); diff != "" {
		t.Errorf("Render changed the plan (-before +after):\n%s", diff)
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	err := Render(&buf, multiIPAMPlan(t), "yaml")
	if err == nil || !strings.Contains(err.Error(), `"yaml"`) || !strings.Contains(err.Error(), strings.Join(Formats(), ", ")) {
		t.Errorf("Render yaml = %v, want an error naming the format and listing the formats", err)
	}
	if buf.Len() != 0 {
		t.Errorf("Render yaml wrote %q", buf.String())
	}
}

func TestRenderJSONIsTheFile(t *testing.T) {
	t.Parallel()
	p := multiIPAMPlan(t)
	if got, want := render(t, p, "json"), string(mustMarshal(t, p)); got != want {
		t.Errorf("Render json differs from Marshal:\n%s", cmp.Diff(want, got))
	}
}

// TestRenderDOTStructure parses the DOT output and checks the graph it describes: one cluster per IPAM
// holding exactly that IPAM's steps and blockers, and one edge per dependency, labelled by its rule.
func TestRenderDOTStructure(t *testing.T) {
	t.Parallel()
	p := multiIPAMPlan(t)
	out := render(t, p, "dot")
	f, err := dot.ParseString(out)
	if err != nil {
		t.Fatalf("the DOT output does not parse: %v\n%s", err, out)
	}
	g := f.Graphs[0]
	if !g.Directed || !g.Strict {
		t.Errorf("graph is not a strict digraph")
	}
	unq := func(s string) string {
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
		return s
	}
	clusters := map[string][]string{}
	type edge struct{ from, to, label string }
	var edges []edge
	for _, st := range g.Stmts {
		switch st := st.(type) {
		case *ast.Subgraph:
			for _, s := range st.Stmts {
				if n, ok := s.(*ast.NodeStmt); ok {
					clusters[unq(st.ID)] = append(clusters[unq(st.ID)], unq(n.Node.ID))
				}
			}
		case *ast.EdgeStmt:
			e := edge{from: unq(st.From.(*ast.Node).ID), to: unq(st.To.Vertex.(*ast.Node).ID)}
			for _, a := range st.Attrs {
				if a.Key == "label" {
					e.label = unq(a.Val)
				}
			}
			edges = append(edges, e)
		}
	}
	wantClusters := map[string][]string{}
	var wantEdges []edge
	for _, s := range p.Steps {
		if s.IPAMID != "" {
			wantClusters["cluster_"+s.IPAMID] = append(wantClusters["cluster_"+s.IPAMID], s.ID)
		}
		for _, d := range s.DependsOn {
			wantEdges = append(wantEdges, edge{from: d.ID, to: s.ID, label: d.Rule})
		}
	}
	for _, b := range p.Blockers {
		wantClusters["cluster_"+b.IPAMID] = append(wantClusters["cluster_"+b.IPAMID], "blocker/"+b.ResourceID)
	}
	sortAll := cmp.Transformer("sort", func(in []string) []string { s := slices.Clone(in); slices.Sort(s); return s })
	if diff := cmp.Diff(wantClusters, clusters, sortAll); diff != "" {
		t.Errorf("clusters (-want +got):\n%s", diff)
	}
	byEdge := func(a, b edge) int { return strings.Compare(a.from+"\x00"+a.to, b.from+"\x00"+b.to) }
	slices.SortFunc(edges, byEdge)
	slices.SortFunc(wantEdges, byEdge)
	if diff := cmp.Diff(wantEdges, edges, cmp.AllowUnexported(edge{})); diff != "" {
		t.Errorf("edges (-want +got):\n%s", diff)
	}
}

// TestRenderMermaidStructure checks that every arrow joins two declared nodes, one per dependency, and
// that node ids do not depend on what else is in the plan.
func TestRenderMermaidStructure(t *testing.T) {
	t.Parallel()
	p := multiIPAMPlan(t)
	out := render(t, p, "mermaid")
	if !strings.HasPrefix(out, "flowchart TD\n") {
		t.Fatalf("not a top-down flowchart:\n%s", out)
	}
	decl := regexp.MustCompile(`(?m)^\s+([A-Za-z0-9_]+)(\["|\{\{")`)
	nodes := map[string]bool{}
	for _, m := range decl.FindAllStringSubmatch(out, -1) {
		if nodes[m[1]] {
			t.Errorf("node %s declared twice", m[1])
		}
		nodes[m[1]] = true
	}
	if want := len(p.Steps) + len(p.Blockers); len(nodes) != want {
		t.Errorf("%d nodes declared, want %d", len(nodes), want)
	}
	arrow := regexp.MustCompile(`(?m)^  (\S+) -->\|"([^"]*)"\| (\S+)$`)
	arrows := arrow.FindAllStringSubmatch(out, -1)
	deps := 0
	for _, s := range p.Steps {
		deps += len(s.DependsOn)
	}
	if len(arrows) != deps {
		t.Errorf("%d arrows, want one per dependency (%d)", len(arrows), deps)
	}
	for _, a := range arrows {
		if !nodes[a[1]] || !nodes[a[3]] {
			t.Errorf("arrow %q joins an undeclared node", a[0])
		}
	}
	if strings.Count(out, "  subgraph ") != 2 || strings.Count(out, "\n  end\n") != 2 {
		t.Errorf("want one subgraph per IPAM (2)")
	}

	// Dropping the other IPAM's steps leaves the remaining nodes' ids as they were.
	small := multiIPAMPlan(t)
	small.Steps = slices.DeleteFunc(small.Steps, func(s Step) bool { return s.IPAMID == "ipam-9f8e7d6c5b4a3f2e1d" })
	smallOut := render(t, small, "mermaid")
	for _, id := range []string{"s_delete_pool_ipam_pool_prod", "s_delete_ipam_ipam_0a1b2c3d4e5f6a7b8c"} {
		if !strings.Contains(out, id+"[") || !strings.Contains(smallOut, id+"[") {
			t.Errorf("node id %s is not stable across plans", id)
		}
	}
}

func TestMermaidIDsStayUnique(t *testing.T) {
	t.Parallel()
	// Two step ids that sanitize to the same Mermaid id.
	p := buildPlan(t, []stepSpec{
		{id: "delete-pool/a-b", action: "DeleteIpamPool", typ: "pool", resource: "a-b"},
		{id: "delete-pool/a_b", action: "DeleteIpamPool", typ: "pool", resource: "a_b", deps: []Dependency{dep("delete-pool/a-b", "8.3")}},
	}, nil)
	out := render(t, p, "mermaid")
	if !strings.Contains(out, `s_delete_pool_a_b["delete-pool/a-b"]`) || !strings.Contains(out, `s_delete_pool_a_b_2["delete-pool/a_b"]`) ||
		!strings.Contains(out, `s_delete_pool_a_b -->|"8.3"| s_delete_pool_a_b_2`) {
		t.Errorf("colliding ids not kept apart:\n%s", out)
	}
}

func TestMarkdownEscapesCells(t *testing.T) {
	t.Parallel()
	p := blockedOnlyPlan(t)
	p.Blockers[0].Reason = "a | b\nc <script>"
	out := render(t, p, "markdown")
	if !strings.Contains(out, `a \| b c &lt;script&gt;`) {
		t.Errorf("reason not escaped for a table cell:\n%s", out)
	}
	// Every row of a table has as many cells as its header: an unescaped | in a cell would add one.
	header := -1
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "|") {
			header = -1
			continue
		}
		cells := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
		if header < 0 {
			header = cells
		} else if cells != header {
			t.Errorf("table row with %d separators under a header with %d: %q", cells, header, line)
		}
	}
}

func TestRenderMakesControlCharactersVisible(t *testing.T) {
	t.Parallel()
	p := blockedOnlyPlan(t)
	p.Blockers[0].Reason = "red \x1b[31malert\x1b[0m\r\x07"
	for _, f := range []string{"text", "markdown", "mermaid", "dot"} {
		out := render(t, p, f)
		if strings.ContainsAny(out, "\x1b\x07\r") {
			t.Errorf("%s output carries raw control characters: %q", f, out)
		}
		if f == "text" && !strings.Contains(out, `red \x1b[31malert\x1b[0m\r\a`) {
			t.Errorf("text output does not show the escapes:\n%s", out)
		}
	}
}

func TestDOTKeepsTwoBlockersOfOneResource(t *testing.T) {
	t.Parallel()
	p := blockedOnlyPlan(t)
	second := p.Blockers[0]
	second.Reason = "zz: also excluded"
	second.HeldBack = []string{}
	p.Blockers = append(p.Blockers, second)
	out := render(t, p, "dot")
	if !strings.Contains(out, `"blocker/ipam-locked77" [`) || !strings.Contains(out, `"blocker/ipam-locked77#2" [`) {
		t.Errorf("two blockers of one resource are not two nodes:\n%s", out)
	}
}
