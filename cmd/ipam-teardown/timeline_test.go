package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/executor"
)

// svgSteps parses doc strictly as XML and counts the <g id="step-..."> elements by step id.
func svgSteps(t *testing.T, doc []byte) map[string]int {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	ids := map[string]int{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return ids
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
		if e, ok := tok.(xml.StartElement); ok && e.Name.Local == "g" {
			for _, a := range e.Attr {
				if a.Name.Local == "id" && strings.HasPrefix(a.Value, "step-") {
					ids[strings.TrimPrefix(a.Value, "step-")]++
				}
			}
		}
	}
}

// TestTimelineOfADemo: the demo's report records L (the emulator's settings) and the steps' dependencies, its
// summary compares the execute time with L, and timeline draws that report as SVG and HTML, to a file or
// stdout, with one element per step. (Needs the executor.)
func TestTimelineOfADemo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	report := filepath.Join(dir, "report.json")
	_, stderr, err := runIn(t, t.Context(), strings.NewReader(""), "--log-format", "json", "demo",
		"--latency", "1ms", "--delete-delay", "50ms", "--out-dir", filepath.Join(dir, "out"), "--report", report)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr)
	}
	rep := readReport(t, report)
	b := rep.Bound
	if b == nil || b.Source != executor.BoundConfigured || b.Latency != 1 || b.DeleteDelay != 50 || b.Parallelism != executor.DefaultParallelism || b.QPS != 50 || b.L <= 50 {
		t.Errorf("the demo's bound: %+v; want the emulator's 1ms and 50ms, parallelism %d, 50 QPS", b, executor.DefaultParallelism)
	}
	deps := 0
	for _, s := range rep.Steps {
		deps += len(s.DependsOn)
	}
	if deps == 0 {
		t.Error("the report records no dependency")
	}
	if !strings.Contains(stderr, "execute took ") || !strings.Contains(stderr, ", L = ") || !strings.Contains(stderr, "(X/L = ") {
		t.Errorf("the summary does not compare the execute time with L:\n%s", stderr)
	}

	check := func(name string, doc []byte) {
		t.Helper()
		ids := svgSteps(t, doc)
		for _, s := range rep.Steps {
			if ids[s.ID] != 1 {
				t.Errorf("%s: step %s has %d elements, want 1", name, s.ID, ids[s.ID])
			}
		}
		if !bytes.Contains(doc, []byte(`id="bound"`)) || !bytes.Contains(doc, []byte(`id="critical-path"`)) {
			t.Errorf("%s lacks the L line or the critical path", name)
		}
	}
	svg := filepath.Join(dir, "run.svg")
	if _, stderr, err := run(t, "timeline", report, "-o", svg); err != nil {
		t.Fatalf("timeline -o %s: %v\n%s", svg, err, stderr)
	}
	data, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("<svg ")) {
		t.Errorf("%s is not an SVG: %.80q", svg, data)
	}
	check("svg file", data)

	html := filepath.Join(dir, "run.html") // the extension chooses the format
	if _, _, err := run(t, "timeline", report, "-o", html); err != nil {
		t.Fatal(err)
	}
	if data, err = os.ReadFile(html); err != nil || !bytes.HasPrefix(data, []byte("<!DOCTYPE html>")) {
		t.Fatalf("%s: %v, %.40q", html, err, data)
	}
	check("html file", data)

	out, _, err := run(t, "timeline", report, "-o", "-", "--format", "html")
	if err != nil || !strings.HasPrefix(out, "<!DOCTYPE html>") || !strings.Contains(out, `<table id="steps">`) {
		t.Fatalf("timeline -o - --format html: %v\n%.200s", err, out)
	}
	stdin, err := os.Open(report)
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	out, _, err = runIn(t, t.Context(), stdin, "timeline", "-")
	if err != nil || !strings.HasPrefix(out, "<?xml") {
		t.Fatalf("timeline - (stdin, stdout): %v\n%.200s", err, out)
	}
	check("stdout", []byte(out))
}

// TestTimelineBadInput: a missing file, a directory, a plan file, other JSON, a report without steps, a bad
// format or output path: exit 2, naming the file or the flag, and no output written.
func TestTimelineBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{"plan_id":"p","outcome":"done","steps":[{"id":"a","outcome":"done"}]}`)
	plan := write("plan.json", `{"format_version":1,"plan_id":"p","steps":[],"checksum":"x"}`)
	notJSON := write("notes.txt", "hello")
	other := write("other.json", `{"name":"x"}`)
	empty := write("empty.json", `{"plan_id":"plan-e","outcome":"refused","steps":[]}`)
	wrongType := write("wrong.json", `{"plan_id":"p","outcome":"done","steps":[{"id":"a","outcome":"done","attempts":"many"}]}`)
	out := filepath.Join(dir, "out.svg")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"timeline", filepath.Join(dir, "nope.json"), "-o", out}, []string{"nope.json", "no such file"}},
		{[]string{"timeline", dir, "-o", out}, []string{dir, "is a directory"}},
		{[]string{"timeline", plan, "-o", out}, []string{plan, "a plan file, not a report"}},
		{[]string{"timeline", notJSON, "-o", out}, []string{notJSON, "not a report"}},
		{[]string{"timeline", other, "-o", out}, []string{other, `no field "plan_id"`}},
		{[]string{"timeline", empty, "-o", out}, []string{empty, "no steps"}},
		{[]string{"timeline", wrongType, "-o", out}, []string{wrongType, "steps.attempts"}},
		{[]string{"timeline", good, "--format", "png", "-o", out}, []string{"--format", "png"}},
		{[]string{"timeline", good, "-o", filepath.Join(dir, "missing", "x.svg")}, []string{"-o", "does not exist"}},
		{[]string{"timeline", good, "-o", good}, []string{"-o", "is the input"}},
		{[]string{"timeline", good, "-o", dir}, []string{"-o", "is a directory"}},
		{[]string{"timeline"}, []string{"want exactly one report file"}},
	} {
		_, _, err := run(t, tc.args...)
		if exitCode(err) != exitUsage {
			t.Errorf("%q: exit %d (%v), want %d", tc.args, exitCode(err), err, exitUsage)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: error %q lacks %q", tc.args, err, w)
			}
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s was written by a refused command", out)
	}
}

func TestBoundLine(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []executor.StepReport{
		{ID: "a", Start: t0, Called: t0.Add(100 * time.Millisecond), End: t0.Add(100 * time.Millisecond)},
		{ID: "b", Start: t0.Add(100 * time.Millisecond), Called: t0.Add(200 * time.Millisecond), End: t0.Add(1200 * time.Millisecond)},
		{ID: "c", Outcome: executor.OutcomeSkipped},
	}
	for _, tc := range []struct {
		name string
		rep  executor.Report
		want string
	}{
		{"configured", executor.Report{Steps: steps, Bound: &executor.BoundReport{L: 600, Source: executor.BoundConfigured}},
			"execute took 1.2s, L = 600ms (X/L = 2.00)"},
		{"measured", executor.Report{Steps: steps, Bound: &executor.BoundReport{L: 400, Source: executor.BoundMeasured}},
			"execute took 1.2s, L = 400ms (X/L = 3.00; L from the latency and windows measured in this run)"},
		{"no bound", executor.Report{Steps: steps}, "execute took 1.2s, L unknown"},
		{"part of the plan", executor.Report{Steps: steps, Bound: &executor.BoundReport{L: 1100, Source: executor.BoundMeasured, Steps: 2}},
			"execute took 1.2s, L = 1.1s (X/L = 1.09; L from the latency and windows measured in this run; L of the 2 steps this run executed)"},
		{"nothing ran", executor.Report{Steps: steps[2:], Bound: &executor.BoundReport{L: 600}}, ""},
	} {
		if got := boundLine(&tc.rep); got != tc.want {
			t.Errorf("%s: boundLine = %q, want %q", tc.name, got, tc.want)
		}
	}
}
