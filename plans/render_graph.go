package plans

import (
	"fmt"
	"io"
	"strings"

	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/encoding"
	"gonum.org/v1/gonum/graph/encoding/dot"
	"gonum.org/v1/gonum/graph/simple"
)

// The DOT rendering goes through gonum's encoder: the graph holds every node and every edge (an edge runs
// from the step that must finish first to the step that waits for it, labelled by its rule), and each IPAM
// is a "cluster_" subgraph that lists its nodes. gonum writes nodes and edges sorted by node id, and node ids
// follow the plan's (level, id) order, so the output is stable.

// dotNode is a step (or a blocker) as a DOT node; its DOT id is the step id, which Graphviz shows as the
// label.
type dotNode struct {
	id    int64
	name  string
	attrs encoding.Attributes // written where the node is declared in its cluster
}

func (n dotNode) ID() int64                        { return n.id }
func (n dotNode) DOTID() string                    { return n.name }
func (n dotNode) Attributes() []encoding.Attribute { return n.attrs }

// bareNode is the same node where the top-level graph mentions it: without attributes, so that they are
// written once, inside the cluster.
type bareNode struct {
	id   int64
	name string
}

func (n bareNode) ID() int64     { return n.id }
func (n bareNode) DOTID() string { return n.name }

type dotEdge struct {
	from, to graph.Node
	rule     string
}

func (e dotEdge) From() graph.Node         { return e.from }
func (e dotEdge) To() graph.Node           { return e.to }
func (e dotEdge) ReversedEdge() graph.Edge { return dotEdge{from: e.to, to: e.from, rule: e.rule} }
func (e dotEdge) Attributes() []encoding.Attribute {
	if e.rule == "" {
		return nil
	}
	return []encoding.Attribute{{Key: "label", Value: e.rule}}
}

type dotGraph struct {
	*simple.DirectedGraph
	name     string
	attrs    encoding.Attributes // graph-wide
	node     encoding.Attributes // defaults for every node
	edge     encoding.Attributes // defaults for every edge
	clusters []dot.Graph
}

func (g *dotGraph) DOTID() string { return g.name }
func (g *dotGraph) DOTAttributers() (graph, node, edge encoding.Attributer) {
	return &g.attrs, &g.node, &g.edge
}
func (g *dotGraph) Structure() []dot.Graph { return g.clusters }

func renderDOT(w io.Writer, p *Plan) error {
	top := &dotGraph{
		DirectedGraph: simple.NewDirectedGraph(),
		name:          "teardown",
		attrs: encoding.Attributes{
			{Key: "label", Value: "ipam-teardown plan " + p.PlanID + " (" + p.Region + ")"},
			{Key: "labelloc", Value: "t"},
			{Key: "rankdir", Value: "TB"},
		},
		node: encoding.Attributes{{Key: "shape", Value: "box"}, {Key: "fontname", Value: "Helvetica"}},
		edge: encoding.Attributes{{Key: "fontname", Value: "Helvetica"}, {Key: "fontsize", Value: "10"}},
	}
	clusters := map[string]*dotGraph{}
	cluster := func(ipam string) *dotGraph {
		if ipam == noIPAM {
			return nil
		}
		c, ok := clusters[ipam]
		if !ok {
			c = &dotGraph{
				DirectedGraph: simple.NewDirectedGraph(),
				name:          "cluster_" + ipam,
				attrs:         encoding.Attributes{{Key: "label", Value: ipamTitle(ipam)}, {Key: "style", Value: "rounded"}},
			}
			clusters[ipam] = c
		}
		return c
	}
	ids := make(map[string]int64, len(p.Steps))
	var next int64
	add := func(name, ipam string, attrs encoding.Attributes) int64 {
		id := next
		next++
		top.AddNode(bareNode{id: id, name: name})
		if c := cluster(ipam); c != nil {
			c.AddNode(dotNode{id: id, name: name, attrs: attrs})
		} else if len(attrs) > 0 {
			// Outside any cluster the node is declared at the top level, so it carries its attributes there.
			top.RemoveNode(id)
			top.AddNode(dotNode{id: id, name: name, attrs: attrs})
		}
		return id
	}
	for _, s := range p.Steps {
		var attrs encoding.Attributes
		if s.Action == "DeleteIpam" {
			attrs = encoding.Attributes{{Key: "style", Value: "bold"}}
		}
		ids[s.ID] = add(s.ID, s.IPAMID, attrs)
	}
	blockerNames := map[string]int{}
	for _, b := range p.Blockers {
		label := "blocker: " + stepResourceOf(b.ResourceType, b.ResourceID) + "\n" + b.Reason
		// One resource may block for two reasons; Graphviz would merge two nodes of one name.
		name := "blocker/" + b.ResourceID
		if blockerNames[name]++; blockerNames[name] > 1 {
			name = fmt.Sprintf("%s#%d", name, blockerNames[name])
		}
		add(name, b.IPAMID, encoding.Attributes{
			{Key: "label", Value: label},
			{Key: "shape", Value: "octagon"},
			{Key: "style", Value: "dashed"},
			{Key: "color", Value: "red"},
		})
	}
	for _, s := range p.Steps {
		to := top.Node(ids[s.ID])
		for _, d := range s.DependsOn {
			from, ok := ids[d.ID]
			if !ok || from == ids[s.ID] {
				return fmt.Errorf("plans: dot: steps[%q].depends_on names %q, which is not another step of the plan", s.ID, d.ID)
			}
			top.SetEdge(dotEdge{from: top.Node(from), to: to, rule: d.Rule})
		}
	}
	for _, g := range ipamGroups(p) {
		if c := clusters[g]; c != nil {
			top.clusters = append(top.clusters, c)
		}
	}
	b, err := dot.Marshal(top, "", "", "  ")
	if err != nil {
		return fmt.Errorf("plans: dot: %w", err)
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n")
	return err
}

// renderMermaid writes a Mermaid flowchart: one subgraph per IPAM, an arrow from each step to the steps that
// wait for it, labelled by rule, and the blockers as dashed hexagons. Node ids are derived from the step ids
// (and so stay the same from one plan to the next), made unique in the plan's order.
func renderMermaid(w io.Writer, p *Plan) error {
	ew := &errWriter{w: w}
	used := map[string]bool{}
	mid := func(prefix, s string) string {
		var b strings.Builder
		b.WriteString(prefix)
		for _, r := range s {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				b.WriteRune(r)
			} else {
				b.WriteByte('_')
			}
		}
		id := b.String()
		for n := 2; used[id]; n++ {
			id = fmt.Sprintf("%s_%d", b.String(), n)
		}
		used[id] = true
		return id
	}
	stepIDs := make(map[string]string, len(p.Steps))
	for _, s := range p.Steps {
		stepIDs[s.ID] = mid("s_", s.ID)
	}
	blockerIDs := make([]string, len(p.Blockers))
	for i, b := range p.Blockers {
		blockerIDs[i] = mid("b_", b.ResourceID)
	}

	stepsOf := map[string][]int{}
	for i, s := range p.Steps {
		stepsOf[s.IPAMID] = append(stepsOf[s.IPAMID], i)
	}
	blockersOf := map[string][]int{}
	for i, b := range p.Blockers {
		blockersOf[b.IPAMID] = append(blockersOf[b.IPAMID], i)
	}
	ew.printf("flowchart TD\n")
	for _, g := range ipamGroups(p) {
		indent := "  "
		if g != noIPAM {
			ew.printf("  subgraph %s[\"%s\"]\n", mid("g_", g), mermaidText(ipamTitle(g)))
			indent = "    "
		}
		for _, i := range stepsOf[g] {
			ew.printf("%s%s[\"%s\"]\n", indent, stepIDs[p.Steps[i].ID], mermaidText(p.Steps[i].ID))
		}
		for _, i := range blockersOf[g] {
			b := p.Blockers[i]
			ew.printf("%s%s{{\"blocker: %s<br/>%s\"}}\n", indent, blockerIDs[i],
				mermaidText(stepResourceOf(b.ResourceType, b.ResourceID)), mermaidText(b.Reason))
		}
		if g != noIPAM {
			ew.printf("  end\n")
		}
	}
	for _, s := range p.Steps {
		for _, d := range s.DependsOn {
			from, ok := stepIDs[d.ID]
			if !ok {
				return fmt.Errorf("plans: mermaid: steps[%q].depends_on names %q, which is not a step of the plan", s.ID, d.ID)
			}
			if d.Rule != "" {
				ew.printf("  %s -->|\"%s\"| %s\n", from, mermaidText(d.Rule), stepIDs[s.ID])
			} else {
				ew.printf("  %s --> %s\n", from, stepIDs[s.ID])
			}
		}
	}
	if len(p.Blockers) > 0 {
		ew.printf("  classDef blocker stroke:#c00,stroke-dasharray:4 3,color:#c00\n")
		ew.printf("  class %s blocker\n", strings.Join(blockerIDs, ","))
	}
	return ew.err
}

// mermaidText escapes s for a quoted Mermaid label: quotes and the characters Mermaid reads as markup become
// entity codes, line breaks become <br/>.
func mermaidText(s string) string {
	return visible(strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;", "\r\n", "<br/>", "\n", "<br/>", "\r", "<br/>").Replace(s))
}
