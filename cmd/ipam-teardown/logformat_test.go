package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// runMainIn runs a command line through the program's entry point (runMain, at the tests' pace), with stdout and stderr buffers
// (a pipe, not a terminal), and returns them with the exit code.
func runMainIn(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = runMainPaced(t.Context(), args, strings.NewReader(""), &out, &errb, testPace())
	return out.String(), errb.String(), code
}

// jsonRecords parses every non-empty line of stderr as a JSON object with a level and a message, failing the
// test for each that is not one.
func jsonRecords(t *testing.T, stderr string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for i, line := range strings.Split(stderr, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("stderr line %d is not a JSON object: %v\n%s", i+1, err, line)
			continue
		}
		if lvl, _ := rec["level"].(string); lvl == "" {
			t.Errorf("stderr line %d has no level: %s", i+1, line)
		}
		if msg, _ := rec["message"].(string); msg == "" {
			t.Errorf("stderr line %d has no message: %s", i+1, line)
		}
		recs = append(recs, rec)
	}
	return recs
}

// hasMessage reports whether a record's message contains s.
func hasMessage(recs []map[string]any, s string) bool {
	for _, r := range recs {
		if m, _ := r["message"].(string); strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// TestStderrIsJSON: with --log-format json, and with auto when stderr is not a terminal, every line a command
// writes on stderr is a JSON record with a level and a message: the inventory's progress, the plan and apply
// summaries, the demo's lines, and the error a run ends with. With --log-level warn no info record is
// written (per-step progress and a done run's summary are info), and a failure is still reported.
func TestStderrIsJSON(t *testing.T) {
	t.Parallel()
	url, refs, _, _ := startSandbox(t)
	ipamID := refs["ipam/sandbox"]
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.json")
	live := func(format, level string) []string {
		return []string{"--region", "cn-hangzhou", "--endpoint", url, "--log-format", format, "--log-level", level}
	}

	type step struct {
		name     string
		args     []string
		code     int
		messages []string // each in some record's message
	}
	steps := []step{
		{"inventory", append(live("json", "info"), "inventory", "--qps", "1000", "--ipam", ipamID, "-o", filepath.Join(dir, "snap.json")), 0,
			[]string{"inventory: done", "credentials resolved"}},
		{"inventory matching nothing", append(live("auto", "info"), "inventory", "--qps", "1000", "--name", "nosuch", "-o", filepath.Join(dir, "none.json")), 0,
			[]string{"inventory: no IPAM in cn-hangzhou matches"}},
		{"plan", append(live("auto", "info"), "plan", "--qps", "1000", "--ipam", ipamID, "-o", plan), 0,
			[]string{"written to " + plan, "inventory: done"}},
		{"apply without --yes", append(live("json", "info"), "apply", plan), exitRefused,
			[]string{"ipam-teardown: stdin is not a terminal"}},
		{"apply", append(live("json", "info"), "apply", plan, "--yes", "--qps", "1000"), 0,
			[]string{"step done", ": done in "}},
		{"bad flag", append(live("json", "info"), "inventory", "--no-such-flag"), exitUsage,
			[]string{"ipam-teardown: unknown flag: --no-such-flag"}},
		{"bad log format", []string{"--log-format", "xml", "version"}, exitUsage,
			[]string{`--log-format "xml"`}},
		{"demo", []string{"--log-format", "json", "demo", "--latency", "0s", "--delete-delay", "0s", "--qps", "1000", "--out-dir", filepath.Join(dir, "demo")}, 0,
			[]string{"demo: the IPAM", "apply "}},
	}
	for _, tt := range steps {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runMainIn(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", code, tt.code, stderr)
			}
			recs := jsonRecords(t, stderr)
			for _, m := range tt.messages {
				if !hasMessage(recs, m) {
					t.Errorf("no record says %q:\n%s", m, stderr)
				}
			}
		})
	}

	// The summary's fields, for a program reading the records.
	_, stderr, _ := runMainIn(t, append(live("json", "info"), "plan", "--qps", "1000", "--ipam", ipamID, "-o", filepath.Join(dir, "plan2.json"))...)
	for _, r := range jsonRecords(t, stderr) {
		if m, _ := r["message"].(string); strings.Contains(m, "written to") {
			if r["level"] != "info" || r["plan_id"] == nil || r["steps"] == nil || r["lines"] == nil {
				t.Errorf("plan summary record lacks level info, plan_id, steps or lines: %v", r)
			}
		}
	}

	// --log-level warn: nothing at info or below, whatever the command; a failure is still an error record.
	url2, refs2, _, _ := startSandbox(t)
	warnPlan := filepath.Join(dir, "warn-plan.json")
	warn := []string{"--region", "cn-hangzhou", "--endpoint", url2, "--log-format", "json", "--log-level", "warn"}
	for _, tt := range []step{
		{"warn inventory", append(warn, "inventory", "--qps", "1000", "--ipam", refs2["ipam/sandbox"], "-o", filepath.Join(dir, "w.json")), 0, nil},
		{"warn plan", append(warn, "plan", "--qps", "1000", "--ipam", refs2["ipam/sandbox"], "-o", warnPlan), 0, nil},
		{"warn apply", append(warn, "apply", warnPlan, "--yes", "--qps", "1000"), 0, nil},
		{"warn inventory of nothing", append(warn, "inventory", "--qps", "1000", "--name", "nosuch"), 0, []string{"no IPAM"}},
		{"warn apply again", append(warn, "apply", warnPlan, "--yes", "--qps", "1000", "--lock-ttl", "-1s"), exitUsage, []string{"--lock-ttl"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runMainIn(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", code, tt.code, stderr)
			}
			recs := jsonRecords(t, stderr)
			for _, r := range recs {
				if l, _ := zerolog.ParseLevel(r["level"].(string)); l < zerolog.WarnLevel {
					t.Errorf("a %s record under --log-level warn: %v", r["level"], r)
				}
			}
			for _, m := range tt.messages {
				if !hasMessage(recs, m) {
					t.Errorf("no record says %q:\n%s", m, stderr)
				}
			}
			if len(tt.messages) == 0 && len(recs) > 0 {
				t.Errorf("a run that went well wrote %d records at warn or above:\n%s", len(recs), stderr)
			}
		})
	}
}

// TestStderrConsoleKeepsHumanLines: with --log-format console the summaries are the human text, not records.
func TestStderrConsoleKeepsHumanLines(t *testing.T) {
	t.Parallel()
	url, refs, _, _ := startSandbox(t)
	plan := filepath.Join(t.TempDir(), "plan.json")
	_, stderr, code := runMainIn(t, "--region", "cn-hangzhou", "--endpoint", url, "--log-format", "console",
		"plan", "--qps", "1000", "--ipam", refs["ipam/sandbox"], "-o", plan)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "\nplan ") || !strings.Contains(stderr, "\n  DeleteIpamPool ") || !strings.Contains(stderr, "review it with: ipam-teardown show "+plan) {
		t.Errorf("the console summary is not the human text:\n%s", stderr)
	}
	if strings.Contains(stderr, `"message"`) {
		t.Errorf("JSON on the console:\n%s", stderr)
	}
	_, stderr, code = runMainIn(t, "--log-format", "console", "apply")
	if code != exitUsage || !strings.HasPrefix(stderr, "ipam-teardown: apply: want exactly one plan file") {
		t.Errorf("exit %d, stderr %q; want %d and the plain error line", code, stderr, exitUsage)
	}
}

// TestStderrLog covers the writer's API on its own: levels, lines, prompts and failures in both formats.
func TestStderrLog(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"json", "console"} {
		var b bytes.Buffer
		g := &globalOptions{logFormat: format, logLevel: "warn", stderr: &b}
		out, err := g.stderrLog()
		if err != nil {
			t.Fatal(err)
		}
		out.Infof("hidden %d", 1)
		out.Text(zerolog.WarnLevel, "shown\n  row 1\n  row 2\n", map[string]any{"plan_id": "p"})
		w := out.Lines(zerolog.ErrorLevel)
		w.Write([]byte("line a\nline "))
		w.Write([]byte("b\n\n"))
		out.Prompt("Type yes: ")
		out.Fail(errors.New("boom"), 3)
		got := b.String()
		if strings.Contains(got, "hidden") {
			t.Errorf("%s: an info text under --log-level warn:\n%s", format, got)
		}
		if format == "console" {
			if want := "shown\n  row 1\n  row 2\nline a\nline b\nType yes: ipam-teardown: boom\n"; got != want {
				t.Errorf("console:\n%q\nwant\n%q", got, want)
			}
			continue
		}
		recs := jsonRecords(t, got)
		if len(recs) != 5 {
			t.Fatalf("json: %d records, want 5:\n%s", len(recs), got)
		}
		if r := recs[0]; r["message"] != "shown" || r["plan_id"] != "p" || len(r["lines"].([]any)) != 2 || r["level"] != "warn" {
			t.Errorf("text record %v", r)
		}
		if recs[1]["message"] != "line a" || recs[2]["message"] != "line b" || recs[2]["level"] != "error" {
			t.Errorf("line records %v %v", recs[1], recs[2])
		}
		if r := recs[3]; r["message"] != "Type yes:" || r["level"] != "warn" {
			t.Errorf("prompt record %v", r)
		}
		if r := recs[4]; r["message"] != "ipam-teardown: boom" || r["level"] != "error" || r["exit_code"] != 3.0 {
			t.Errorf("failure record %v", r)
		}
	}
}
