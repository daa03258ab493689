package planner

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// ruleIDPattern is what a rule id looks like: a reference section 8 rule ("8.5", "8.5/allocation"), a seed
// ("0.5/seed-001") or a reference section ("3.4").
var ruleIDPattern = regexp.MustCompile(`^(8\.[0-9]+(/[a-z]+)?|0\.5/seed-[0-9]{3}|[0-9]\.[0-9]+)$`)

// documentedRules returns the rule ids RULES.md documents: the first word of each heading, and the first
// cell of each table row.
func documentedRules(t *testing.T) map[string]bool {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "RULES.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	heading := regexp.MustCompile(`^#{2,4} +(\S+)`)
	row := regexp.MustCompile(`^\| *([^|\s]+) *\|`)
	ids := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := heading.FindStringSubmatch(sc.Text()); m != nil {
			ids[m[1]] = true
		} else if m := row.FindStringSubmatch(sc.Text()); m != nil {
			ids[m[1]] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// citedRules returns every rule id the planner's code holds as a string: its constants and the literals it
// passes (a blocker's rule, for example), found by parsing the package's non-test files, so that a new
// constant is covered without touching this test.
func citedRules(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	cited := map[string]string{} // id -> where
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if s, err := strconv.Unquote(lit.Value); err == nil && ruleIDPattern.MatchString(s) {
				cited[s] = fset.Position(lit.Pos()).String()
			}
			return true
		})
	}
	return cited
}

// TestRulesAreDocumented: every rule the planner cites, in Rules() or anywhere in its code, has its text in
// RULES.md at the repository root.
func TestRulesAreDocumented(t *testing.T) {
	t.Parallel()
	documented := documentedRules(t)
	for _, r := range Rules() {
		if !documented[r.ID] {
			t.Errorf("rule %s (%s before %s) has no heading or row in RULES.md", r.ID, r.Child, r.Parent)
		}
	}
	cited := citedRules(t)
	for _, must := range []string{"8.1", "8.20", "0.5/seed-000", "0.5/seed-001", "3.4"} {
		if _, ok := cited[must]; !ok {
			t.Errorf("found no %q in the planner's code; is citedRules still reading it?", must)
		}
	}
	for id, where := range cited {
		if !documented[id] {
			t.Errorf("%s: rule %s has no heading or row in RULES.md", where, id)
		}
	}
}
