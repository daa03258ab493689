package plans

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Formats returns the names Render accepts, the default (text) first.
func Formats() []string { return []string{"text", "markdown", "json", "dot", "mermaid"} }

// Render writes p in the named format:
//   - text: for a terminal; the steps by level, each level's steps under their IPAM, with what each waits
//     for, what DeleteIpam removes implicitly, the blockers and the steps they hold back;
//   - markdown: a table to paste into a pull request, then the blockers;
//   - json: the plan file itself, exactly as Marshal writes it;
//   - dot: Graphviz, one cluster per IPAM, edges labelled by rule;
//   - mermaid: a flowchart for a pull request or wiki page.
//
// Render works on a canonical copy (see Marshal) and never changes p. Every format's output is a function of
// the plan alone, so renderings can be kept as golden files and diffed.
func Render(w io.Writer, p *Plan, format string) error {
	if p == nil {
		return fmt.Errorf("plans: Render of a nil plan")
	}
	c := clonePlan(p)
	canonicalize(c)
	c.Summarize()
	// Show the checksum the file of this plan has (or would have once written), whatever p.Checksum says.
	if sum, err := checksumOf(c); err == nil {
		c.Checksum = sum
	}
	bw := bufio.NewWriter(w)
	var err error
	switch format {
	case "text":
		err = renderText(bw, c)
	case "markdown":
		err = renderMarkdown(bw, c)
	case "json":
		var b []byte
		if b, err = Marshal(c); err == nil {
			_, err = bw.Write(b)
		}
	case "dot":
		err = renderDOT(bw, c)
	case "mermaid":
		err = renderMermaid(bw, c)
	default:
		return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats(), ", "))
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// clonePlan copies p deeply enough that canonicalize on the copy leaves p as it was.
func clonePlan(p *Plan) *Plan {
	c := *p
	c.Selector.IPAMIDs = slices.Clone(p.Selector.IPAMIDs)
	c.Selector.Tags = maps.Clone(p.Selector.Tags)
	c.Steps = slices.Clone(p.Steps)
	for i := range c.Steps {
		s := &c.Steps[i]
		s.Params = maps.Clone(s.Params)
		s.DependsOn = slices.Clone(s.DependsOn)
		s.DryRunCodes = slices.Clone(s.DryRunCodes)
		s.Implies = slices.Clone(s.Implies)
	}
	c.Blockers = slices.Clone(p.Blockers)
	for i := range c.Blockers {
		c.Blockers[i].HeldBack = slices.Clone(c.Blockers[i].HeldBack)
	}
	c.Summary.ByAction = maps.Clone(p.Summary.ByAction)
	return &c
}

// noIPAM groups the steps and blockers that belong to no single IPAM (a custom discovery used by none).
const noIPAM = ""

// ipamGroups returns the IPAM ids of the steps and blockers, sorted, with noIPAM last when present.
func ipamGroups(p *Plan) []string {
	seen := map[string]bool{}
	for _, s := range p.Steps {
		seen[s.IPAMID] = true
	}
	for _, b := range p.Blockers {
		seen[b.IPAMID] = true
	}
	ids := slices.Sorted(maps.Keys(seen))
	if len(ids) > 0 && ids[0] == noIPAM {
		ids = append(ids[1:], noIPAM)
	}
	return ids
}

func ipamTitle(id string) string {
	if id == noIPAM {
		return "Not under one IPAM"
	}
	return "IPAM " + id
}

// heldBackBy maps each held-back step id to the blockers that hold it back (as "type id").
func heldBackBy(p *Plan) map[string][]string {
	m := map[string][]string{}
	for _, b := range p.Blockers {
		for _, id := range b.HeldBack {
			m[id] = append(m[id], b.ResourceType+" "+b.ResourceID)
		}
	}
	return m
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// headline is the one-sentence summary every human format starts with.
func headline(p *Plan) string {
	s := p.Summary
	if s.Steps == 0 && s.Blockers == 0 {
		return "Nothing to do: no steps and no blockers."
	}
	line := "No steps"
	if s.Steps > 0 {
		line = fmt.Sprintf("%s in %s", plural(s.Steps, "step", "steps"), plural(s.Levels, "level", "levels"))
	}
	if s.Blockers == 0 {
		return line + "; no blockers."
	}
	verb := "hold"
	if s.Blockers == 1 {
		verb = "holds"
	}
	return line + fmt.Sprintf("; %s %s back %s that this plan does not contain.",
		plural(s.Blockers, "blocker", "blockers"), verb, plural(s.HeldBack, "step", "steps"))
}

// selectorText describes the selector as the flags that would reproduce it.
func selectorText(p *Plan) string {
	sel := p.Selector
	var parts []string
	for _, id := range sel.IPAMIDs {
		parts = append(parts, "--ipam "+id)
	}
	for _, k := range slices.Sorted(maps.Keys(sel.Tags)) {
		parts = append(parts, "--tag "+k+"="+sel.Tags[k])
	}
	if sel.Name != "" {
		parts = append(parts, "--name "+sel.Name)
	}
	if sel.OlderThan != 0 {
		parts = append(parts, "--older-than "+time.Duration(sel.OlderThan).String())
	}
	if sel.All {
		parts = append(parts, "--all")
	}
	if len(parts) == 0 {
		return "(none)"
	}
	return strings.Join(parts, " ")
}

func stepResource(s Step) string {
	return strings.TrimSpace(s.ResourceType + " " + s.ResourceID)
}

// renderText writes the plan for a terminal.
func renderText(w io.Writer, p *Plan) error {
	ew := &errWriter{w: w}
	ew.printf("Teardown plan %s\n", p.PlanID)
	ew.printf("  region     %s\n", p.Region)
	if p.AccountID != "" {
		ew.printf("  account    %s\n", p.AccountID)
	}
	ew.printf("  selector   %s\n", selectorText(p))
	ew.printf("  created    %s by ipam-teardown %s\n", p.CreatedAt.Format(time.RFC3339), p.ToolVersion)
	ew.printf("  inventory  %s\n", p.InventoryFingerprint)
	if p.Checksum != "" {
		ew.printf("  checksum   %s\n", p.Checksum)
	}
	ew.printf("\n%s\n", headline(p))
	if p.Summary.Steps > 0 {
		width := 0
		for _, a := range ActionNames() {
			width = max(width, len(a))
		}
		for _, a := range ActionNames() {
			if n := p.Summary.ByAction[a]; n > 0 {
				ew.printf("  %-*s %d\n", width, a, n)
			}
		}
	}

	groups := ipamGroups(p)
	// Steps are sorted by (level, id): walk each level's run once, bucketing it by IPAM, so the cost stays
	// linear in the number of steps however many IPAMs and levels there are.
	for start := 0; start < len(p.Steps); {
		level := p.Steps[start].Level
		end := start
		byIPAM := map[string][]Step{}
		for ; end < len(p.Steps) && p.Steps[end].Level == level; end++ {
			byIPAM[p.Steps[end].IPAMID] = append(byIPAM[p.Steps[end].IPAMID], p.Steps[end])
		}
		ew.printf("\nLevel %d: %s", level, plural(end-start, "step", "steps"))
		if level == 0 {
			ew.printf(", none waits for another step")
		} else {
			ew.printf(", each after the steps it names")
		}
		ew.printf("\n")
		for _, g := range groups {
			if steps := byIPAM[g]; len(steps) > 0 {
				ew.printf("  %s\n", ipamTitle(g))
				for _, s := range steps {
					textStep(ew, p, s)
				}
			}
		}
		start = end
	}

	if len(p.Blockers) > 0 {
		ew.printf("\nBlockers: the tool will not touch these, and what needs them gone is not planned\n")
		byIPAM := map[string][]Blocker{}
		for _, b := range p.Blockers {
			byIPAM[b.IPAMID] = append(byIPAM[b.IPAMID], b)
		}
		for _, g := range groups {
			if len(byIPAM[g]) > 0 {
				ew.printf("  %s\n", ipamTitle(g))
			}
			for _, b := range byIPAM[g] {
				ew.printf("    %s: %s", stepResourceOf(b.ResourceType, b.ResourceID), b.Reason)
				if b.Rule != "" {
					ew.printf(" [%s]", b.Rule)
				}
				ew.printf("\n")
				if len(b.HeldBack) > 0 {
					ew.printf("      holds back %s\n", strings.Join(b.HeldBack, ", "))
				}
				if len(b.Pruned) > 0 {
					ew.printf("      leaves out %s (they would only clear the way for what it holds back)\n", strings.Join(b.Pruned, ", "))
				}
			}
		}
		held := heldBackBy(p)
		if len(held) > 0 {
			ew.printf("\nHeld back: %s not in this plan until the blockers are gone\n", plural(len(held), "step", "steps"))
			for _, id := range slices.Sorted(maps.Keys(held)) {
				ew.printf("  %s (blocked by %s)\n", id, strings.Join(held[id], ", "))
			}
		}
	}
	return ew.err
}

func stepResourceOf(typ, id string) string { return strings.TrimSpace(typ + " " + id) }

func textStep(ew *errWriter, p *Plan, s Step) {
	ew.printf("    %s  %s %s", s.ID, s.Action, stepResource(s))
	if s.Region != p.Region {
		ew.printf(" in %s", s.Region)
	}
	if s.Rule != "" {
		ew.printf(" [%s]", s.Rule)
	}
	ew.printf("\n")
	if len(s.DependsOn) > 0 {
		deps := make([]string, len(s.DependsOn))
		for i, d := range s.DependsOn {
			deps[i] = d.ID
			if d.Rule != "" {
				deps[i] += " (" + d.Rule + ")"
			}
		}
		ew.printf("      after %s\n", strings.Join(deps, ", "))
	}
	if s.WaitFor != "" {
		ew.printf("      then waits until %s\n", s.WaitFor)
	}
	for _, im := range s.Implies {
		ew.printf("      also removes %s", stepResourceOf(im.ResourceType, im.ResourceID))
		if im.Reason != "" {
			ew.printf(": %s", im.Reason)
		}
		ew.printf("\n")
	}
}

// errWriter keeps the first write error so the renderers read as straight-line code.
type errWriter struct {
	w   io.Writer
	err error
}

// printf writes like fmt.Fprintf, with control characters in string arguments made visible: a plan's
// strings come from the API and the user, and must not move the cursor or recolour a reviewer's terminal.
func (e *errWriter) printf(format string, args ...any) {
	if e.err != nil {
		return
	}
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = visible(s)
		}
	}
	_, e.err = fmt.Fprintf(e.w, format, args...)
}

// visible returns s with every control character (C0, DEL, C1) written as a Go escape such as \x1b.
func visible(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// renderMarkdown writes a summary, a table of the steps and a table of the blockers, for a pull request.
func renderMarkdown(w io.Writer, p *Plan) error {
	ew := &errWriter{w: w}
	ew.printf("### Teardown plan %s\n\n", code(p.PlanID))
	ew.printf("Region %s", code(p.Region))
	if p.AccountID != "" {
		ew.printf(", account %s", code(p.AccountID))
	}
	ew.printf(", selector %s. Inventory %s, checksum %s.\n\n", code(selectorText(p)), code(p.InventoryFingerprint), code(p.Checksum))
	ew.printf("%s\n\n", headline(p))
	if len(p.Steps) > 0 {
		ew.printf("| Level | Step | Action | Resource | Region | Depends on | Rule |\n")
		ew.printf("|---:|---|---|---|---|---|---|\n")
		for _, s := range p.Steps {
			deps := make([]string, len(s.DependsOn))
			for i, d := range s.DependsOn {
				deps[i] = code(d.ID)
			}
			ew.printf("| %d | %s | %s | %s | %s | %s | %s |\n", s.Level, code(s.ID), cell(s.Action),
				cell(s.ResourceType)+" "+code(s.ResourceID), cell(s.Region), strings.Join(deps, "<br>"), cell(s.Rule))
		}
		ew.printf("\n")
	}
	var implied []string
	for _, s := range p.Steps {
		for _, im := range s.Implies {
			line := fmt.Sprintf("- %s %s, with %s", cell(im.ResourceType), code(im.ResourceID), code(s.ID))
			if im.Reason != "" {
				line += ": " + cell(im.Reason)
			}
			implied = append(implied, line)
		}
	}
	if len(implied) > 0 {
		ew.printf("Removed without a step of their own:\n\n")
		for _, line := range implied {
			ew.printf("%s\n", line)
		}
		ew.printf("\n")
	}
	if len(p.Blockers) > 0 {
		ew.printf("#### Blockers\n\n")
		ew.printf("| Resource | IPAM | Reason | Rule | Holds back | Leaves out |\n")
		ew.printf("|---|---|---|---|---|---|\n")
		codes := func(ids []string) string {
			out := make([]string, len(ids))
			for i, id := range ids {
				out[i] = code(id)
			}
			return strings.Join(out, "<br>")
		}
		for _, b := range p.Blockers {
			ipam := ""
			if b.IPAMID != "" {
				ipam = code(b.IPAMID)
			}
			ew.printf("| %s %s | %s | %s | %s | %s | %s |\n", cell(b.ResourceType), code(b.ResourceID), ipam, cell(b.Reason),
				cell(b.Rule), codes(b.HeldBack), codes(b.Pruned))
		}
	}
	return ew.err
}

// cell makes s safe inside a GitHub table cell: no line break, no column separator, no raw HTML.
func cell(s string) string {
	return visible(strings.NewReplacer("|", `\|`, "\r\n", " ", "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;").Replace(s))
}

// code wraps s in a code span; backticks inside it cannot occur in ids but are replaced rather than trusted.
func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + visible(strings.NewReplacer("`", "'", "|", `\|`, "\n", " ", "\r", " ").Replace(s)) + "`"
}
