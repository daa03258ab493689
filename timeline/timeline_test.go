package timeline

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func readSmall(t *testing.T) *Report {
	t.Helper()
	r, err := ReadFile("testdata/small.json")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParseRefusesWhatIsNotAReport(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       []string // substrings of the error
	}{
		{"empty", "  \n", []string{"f.json", "empty file"}},
		{"not JSON", "steps: []", []string{"f.json", "not a report"}},
		{"array", `[{"id":"a"}]`, []string{"f.json", "not a report", "JSON object"}},
		{"plan file", `{"format_version":1,"plan_id":"p","steps":[{"id":"a","depends_on":[{"id":"b"}]}]}`, []string{"f.json", "a plan file, not a report"}},
		{"no outcome", `{"plan_id":"p","steps":[]}`, []string{"f.json", `no field "outcome"`}},
		{"no steps field", `{"plan_id":"p","outcome":"done"}`, []string{"f.json", `no field "steps"`}},
		{"wrong type", `{"plan_id":"p","outcome":"done","steps":[{"id":"a","outcome":"done","level":"one"}]}`, []string{"f.json", "steps.level", "string", "int"}},
		{"steps not a list", `{"plan_id":"p","outcome":"done","steps":{}}`, []string{"f.json", "field steps"}},
		{"no steps", `{"plan_id":"p","outcome":"refused","steps":[]}`, []string{"f.json", "plan p has no steps", "steps is empty"}},
		{"no id", `{"plan_id":"p","outcome":"done","steps":[{"outcome":"done"}]}`, []string{"f.json", "steps[0]: no id"}},
		{"twice", `{"plan_id":"p","outcome":"done","steps":[{"id":"a","outcome":"done"},{"id":"a","outcome":"done"}]}`, []string{"steps[1]", "twice"}},
		{"no step outcome", `{"plan_id":"p","outcome":"done","steps":[{"id":"a"}]}`, []string{"steps[0] (a): no outcome"}},
		{"unknown dependency", `{"plan_id":"p","outcome":"done","steps":[{"id":"a","outcome":"done","depends_on":["z"]}]}`, []string{"steps[0] (a)", "depends_on names z"}},
		{"end before start", `{"plan_id":"p","outcome":"done","steps":[{"id":"a","outcome":"done","start":"2026-01-01T00:00:01Z","end":"2026-01-01T00:00:00Z"}]}`, []string{"steps[0] (a)", "before start"}},
		{"negative L", `{"plan_id":"p","outcome":"done","bound":{"l_ms":-1},"steps":[{"id":"a","outcome":"done"}]}`, []string{"bound.l_ms"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.data), "f.json")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestReadFileMissing(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "nope.json"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.json") {
		t.Errorf("ReadFile of a missing file: %v", err)
	}
}

func TestParseSmall(t *testing.T) {
	r := readSmall(t)
	if r.PlanID != "plan-small" || len(r.Steps) != 8 || r.Bound == nil || r.Bound.Duration() != 640*time.Millisecond {
		t.Fatalf("parsed %+v", r)
	}
	start, end, ok := r.Span()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if !ok || !start.Equal(t0.Add(100*time.Millisecond)) || !end.Equal(t0.Add(1760*time.Millisecond)) {
		t.Errorf("Span = %v, %v, %v", start, end, ok)
	}
}

func TestCriticalPath(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	st := func(id string, level, start, end int, deps ...string) Step {
		return Step{ID: id, Level: level, Outcome: "done", Start: t0.Add(time.Duration(start) * time.Millisecond),
			Called: t0.Add(time.Duration(start+1) * time.Millisecond), End: t0.Add(time.Duration(end) * time.Millisecond), DependsOn: deps}
	}
	for _, tc := range []struct {
		name     string
		schedule string
		steps    []Step
		want     []string
	}{
		{"the dependency that ended last", "ready", []Step{
			st("a", 0, 0, 10), st("b", 0, 0, 50), st("x", 0, 0, 90),
			st("c", 1, 50, 80, "a", "b"), // b ended last of c's dependencies; x ended later but is not one
			st("d", 2, 80, 100, "c"),
		}, []string{"b", "c", "d"}},
		{"levels wait for the whole level", "levels", []Step{
			st("a", 0, 0, 10), st("x", 0, 0, 90),
			st("c", 1, 90, 120, "a"),
		}, []string{"x", "c"}},
		{"no dependencies recorded: by level", "ready", []Step{
			st("a", 0, 0, 10), st("x", 0, 0, 90),
			st("c", 1, 90, 120),
		}, []string{"x", "c"}},
		{"unstarted steps are not on it", "ready", []Step{
			st("a", 0, 0, 10), {ID: "s", Level: 1, Outcome: "skipped", DependsOn: []string{"a"}},
		}, []string{"a"}},
		{"nothing started", "ready", []Step{{ID: "s", Outcome: "not-started"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CriticalPath(&Report{Schedule: tc.schedule, Steps: tc.steps})
			if !slices.Equal(got, tc.want) {
				t.Errorf("CriticalPath = %q, want %q", got, tc.want)
			}
		})
	}
}

// elements parses doc as XML (strictly) and returns its elements' start tags in order.
func elements(t *testing.T, doc []byte) []xml.StartElement {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	var out []xml.StartElement
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			depth++
			out = append(out, e.Copy())
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 || len(out) == 0 {
		t.Fatalf("unbalanced or empty document (depth %d, %d elements)", depth, len(out))
	}
	return out
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// stepGroups returns the step ids of the <g id="step-..."> elements, counting each.
func stepGroups(els []xml.StartElement) map[string]int {
	ids := map[string]int{}
	for _, e := range els {
		if id := attr(e, "id"); e.Name.Local == "g" && strings.HasPrefix(id, "step-") {
			ids[strings.TrimPrefix(id, "step-")]++
		}
	}
	return ids
}

func checkSteps(t *testing.T, r *Report, els []xml.StartElement) {
	t.Helper()
	ids := stepGroups(els)
	for _, s := range r.Steps {
		if ids[s.ID] != 1 {
			t.Errorf("step %s: %d elements, want 1", s.ID, ids[s.ID])
		}
	}
	if len(ids) != len(r.Steps) {
		t.Errorf("%d step elements for %d steps", len(ids), len(r.Steps))
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./timeline -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (go test ./timeline -update rewrites it)", path)
	}
}

func TestSVG(t *testing.T) {
	r := readSmall(t)
	var b bytes.Buffer
	if err := Render(&b, r, "svg"); err != nil {
		t.Fatal(err)
	}
	els := elements(t, b.Bytes())
	if els[0].Name.Local != "svg" || els[0].Name.Space != "http://www.w3.org/2000/svg" {
		t.Errorf("root element %v", els[0].Name)
	}
	checkSteps(t, r, els)
	classes := map[string]string{}
	for _, e := range els {
		if strings.HasPrefix(attr(e, "id"), "step-") {
			classes[strings.TrimPrefix(attr(e, "id"), "step-")] = attr(e, "class")
		}
	}
	for id, want := range map[string][]string{
		"delete-cidr/ipam-pool-a/10.0.0.0/16":  {"retried", "crit"},
		"delete-ipam/ipam-a":                   {"crit", "outcome-done"},
		"delete-pool/ipam-pool-b":              {"failed", "retried"},
		"delete-ipam/ipam-b":                   {"outcome-skipped"},
		"release-allocation/ipam-pool-alloc-2": {"gone"},
	} {
		for _, w := range want {
			if !slices.Contains(strings.Fields(classes[id]), w) {
				t.Errorf("step %s: class %q lacks %s", id, classes[id], w)
			}
		}
	}
	if strings.Contains(classes["delete-pool/ipam-pool-b"], "crit") {
		t.Error("the failed step of the other IPAM is on the critical path")
	}
	// Two attempts, no retry: its dry run was repeated just before the call.
	if strings.Contains(classes["delete-pool/ipam-pool-a"], "retried") {
		t.Errorf("a rechecked step is marked retried: %q", classes["delete-pool/ipam-pool-a"])
	}
	s := b.String()
	// The CIDR queued 75 ms before its first call: an outline there, and in the legend; no other step queued.
	if n := strings.Count(s, `class="queue"`); n != 2 {
		t.Errorf("%d queue rectangles, want 2 (the legend's and the CIDR's)", n)
	}
	for _, want := range []string{
		`id="bound"`, `id="critical-path"`, "L = 640 ms", "execute took 1.66 s", "X/L = 2.59", "queued 75 ms, call 180 ms",
		"the pool &lt;b&gt; &amp; its children", // escaped
	} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	golden(t, "small.svg", b.Bytes())
}

func TestHTML(t *testing.T) {
	r := readSmall(t)
	var b bytes.Buffer
	if err := Render(&b, r, "html"); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("<!DOCTYPE html>\n<html")) {
		t.Errorf("no doctype: %.40q", b.String())
	}
	els := elements(t, b.Bytes())
	names := map[string]int{}
	rows := 0
	inBody := false
	for _, e := range els {
		names[e.Name.Local]++
		switch e.Name.Local {
		case "tbody":
			inBody = true
		case "tr":
			if inBody {
				rows++
			}
		case "script", "link", "img", "iframe":
			t.Errorf("the page has a <%s>: it must not load anything", e.Name.Local)
		}
		if src := attr(e, "src") + attr(e, "href"); src != "" {
			t.Errorf("<%s> refers to %s", e.Name.Local, src)
		}
	}
	if els[0].Name.Local != "html" || names["head"] != 1 || names["body"] != 1 || names["svg"] != 1 || names["table"] != 1 || names["dl"] != 1 {
		t.Errorf("page structure: root %s, elements %v", els[0].Name.Local, names)
	}
	if rows != len(r.Steps) {
		t.Errorf("%d table rows for %d steps", rows, len(r.Steps))
	}
	checkSteps(t, r, els)
	golden(t, "small.html", b.Bytes())
}

func TestRenderUnknownFormat(t *testing.T) {
	if err := Render(io.Discard, readSmall(t), "png"); err == nil || !strings.Contains(err.Error(), `"png"`) {
		t.Errorf("Render png: %v", err)
	}
}

// TestManySteps: a large run gets thin rows without labels, and still one element per step; a report whose
// steps never started (a refused run) and one with odd ids still render well-formed.
func TestManySteps(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	big := &Report{PlanID: "p", Outcome: "done", Schedule: "levels"}
	for i := range 1000 {
		s := t0.Add(time.Duration(i) * time.Millisecond)
		big.Steps = append(big.Steps, Step{ID: fmt.Sprintf("s%04d", i), Level: i / 100, IPAMID: fmt.Sprintf("ipam-%d", i%3),
			Outcome: "done", Attempts: 1, Start: s, Called: s.Add(time.Millisecond), End: s.Add(5 * time.Millisecond)})
	}
	refused := &Report{PlanID: "p", Outcome: "refused", Steps: []Step{{ID: `a<&"'>`, Outcome: "not-started"}, {ID: "b", Outcome: "not-started", IPAMID: "i"}}}
	for name, r := range map[string]*Report{"big": big, "refused": refused} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := SVG(&b, r); err != nil {
				t.Fatal(err)
			}
			checkSteps(t, r, elements(t, b.Bytes()))
			if name == "big" && strings.Contains(b.String(), `class="label"`) {
				t.Error("a chart of 1000 steps labels every row")
			}
		})
	}
}

func TestNiceTick(t *testing.T) {
	for _, tc := range []struct{ d, want time.Duration }{
		{5 * time.Millisecond, time.Millisecond},
		{1760 * time.Millisecond, 200 * time.Millisecond},
		{30 * time.Second, 5 * time.Second},
		{time.Hour, 10 * time.Minute},
	} {
		if got := niceTick(tc.d); got != tc.want {
			t.Errorf("niceTick(%v) = %v, want %v", tc.d, got, tc.want)
		}
	}
}

// TestRetriedInAnOldReport: a report from before the steps' retries counts every attempt after the first.
func TestRetriedInAnOldReport(t *testing.T) {
	r, err := Parse([]byte(`{"plan_id":"p","outcome":"done","steps":[
		{"id":"a","outcome":"done","attempts":3},
		{"id":"b","outcome":"done","attempts":3,"retries":0},
		{"id":"c","outcome":"done","attempts":2,"retries":1}]}`), "r.json")
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{2, 0, 1} {
		if got := r.Steps[i].Retried(); got != want {
			t.Errorf("step %s: Retried = %d, want %d", r.Steps[i].ID, got, want)
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"DeleteIpamPoolCidr ipam-pool-tapxho7e4zqa1eoexw/10.128.0.0/12", 30, "DeleteIpamPool…w/10.128.0.0/12"},
	} {
		if got := truncateMiddle(tc.s, tc.n); got != tc.want || len([]rune(got)) > tc.n {
			t.Errorf("truncateMiddle(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
	if got := truncate("abcdef", 4); got != "abc…" {
		t.Errorf("truncate = %q", got)
	}
}
