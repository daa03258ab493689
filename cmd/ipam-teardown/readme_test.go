package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// readmeLine is one line of a fenced sh block of README.md, with the section it is in.
type readmeLine struct {
	section string // the last ## or ### heading above it
	text    string // the line, comment included
	command string // the line without its comment and surrounding space
}

// readmeShLines returns the lines of README.md's ```sh blocks, empty lines left out.
func readmeShLines(t *testing.T) []readmeLine {
	t.Helper()
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []readmeLine
	section, inSh := "", false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```"):
			inSh = !inSh && strings.TrimPrefix(line, "```") == "sh"
		case inSh && strings.TrimSpace(line) != "":
			cmd, _, _ := strings.Cut(line, " #")
			lines = append(lines, readmeLine{section, line, strings.TrimSpace(cmd)})
		case strings.HasPrefix(line, "#"):
			section = strings.TrimSpace(strings.TrimLeft(line, "#"))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestReadmeCommands runs every ipam-teardown command of README.md's sh blocks, in order, through the
// program's entry point against an emulator started here (the sandbox topology, as the README's sim serve
// line loads it), and checks each exits as the README says: 0 unless readmeExits says otherwise with the
// README's words. Every other line is listed in readmeSkips with the reason it is not run; a line in neither
// (a new README command) is run and must succeed, and an entry that matches no README line fails the test,
// so that the lists follow the README.
func TestReadmeCommands(t *testing.T) {
	// The exit code the README gives a command, when not 0, and where it says so. The test has no terminal.
	readmeExits := map[string]struct {
		code int
		why  string
	}{
		"./ipam-teardown $E apply plan.json":         {exitRefused, `"When stdin is not a terminal it refuses unless --yes" (exit 3: no confirmation)`},
		"./ipam-teardown $E destroy --ipam ipam-abc": {exitRefused, `destroy is "inventory + plan + show + confirm + apply"; without a terminal or --yes the confirmation refuses (exit 3)`},
	}
	readmeSkips := map[string]string{
		"go test -race ./...":                           "the test suite itself",
		"go build -o ipam-teardown ./cmd/ipam-teardown": "the test runs the command's entry point (runMain) in process",
		"go run ./cmd/ipam-teardown sim serve --topology testdata/topologies/sandbox.yaml": "serves until interrupted; the test starts the same emulator and topology with simtest",
	}
	// The shell lines the test interprets itself rather than runs.
	const exportLine = "export ALIBABA_CLOUD_ACCESS_KEY_ID=sim-access-key ALIBABA_CLOUD_ACCESS_KEY_SECRET=sim-secret"

	s := simtest.Start(t, "../../testdata/topologies/sandbox.yaml")
	s.SetCredentialsEnv(t, ipamsim.DefaultAccount)
	// A second sandbox for destroy: apply has torn the first one down by then, as it would for a reader.
	s2 := simtest.Start(t, "../../testdata/topologies/sandbox.yaml")
	t.Setenv("ALIBABA_CLOUD_REGION_ID", "")
	lines := readmeShLines(t) // before the Chdir
	t.Chdir(t.TempDir())

	vars := map[string]string{}
	seen := map[string]bool{}
	ran := 0
	for _, l := range lines {
		seen[l.command] = true
		if why, ok := readmeSkips[l.command]; ok {
			t.Logf("skip %q: %s", l.command, why)
			continue
		}
		if l.command == exportLine {
			// The README's key must be the emulator's default key, which SetCredentialsEnv exported.
			for _, kv := range strings.Fields(strings.TrimPrefix(l.command, "export ")) {
				k, v, _ := strings.Cut(kv, "=")
				if os.Getenv(k) != v {
					t.Errorf("README: %s=%s, but the emulator's key is %s", k, v, os.Getenv(k))
				}
			}
			continue
		}
		if m := regexp.MustCompile(`^([A-Z]+)="(.*)"$`).FindStringSubmatch(l.command); m != nil {
			vars[m[1]] = m[2]
			continue
		}
		cmdline, pipe, piped := strings.Cut(l.command, " | ")
		args, ok := readmeArgs(cmdline)
		if !ok {
			t.Errorf("README line %q (%s) is no ipam-teardown command and not in readmeSkips", l.text, l.section)
			continue
		}
		srv := s
		if strings.Contains(cmdline, " destroy ") {
			srv = s2
		}
		if strings.ContainsAny(cmdline, `'"\`+"`") {
			t.Errorf("README line %q: quoting is not interpreted by this test; extend readmeArgs", l.text)
			continue
		}
		repl := strings.NewReplacer(
			"127.0.0.1:PORT", strings.TrimPrefix(srv.URL, "http://"),
			"POOL_ID", s.Refs["pool/corp"],
			"ipam-abc", srv.Refs["ipam/sandbox"],
		)
		var expanded []string
		for _, a := range args {
			if v, ok := vars[strings.TrimPrefix(a, "$")]; strings.HasPrefix(a, "$") && ok {
				expanded = append(expanded, strings.Fields(repl.Replace(v))...)
				continue
			}
			expanded = append(expanded, repl.Replace(a))
		}
		want := exitOK
		if e, ok := readmeExits[l.command]; ok {
			want = e.code
		}
		ran++
		start := time.Now()
		stdout, stderr, code := runMainIn(t, expanded...)
		t.Logf("%q: exit %d in %v", l.command, code, time.Since(start).Round(time.Millisecond))
		if code != want {
			t.Errorf("README line %q (%s): exit %d, want %d\nargs %q\nstderr:\n%s", l.text, l.section, code, want, expanded, stderr)
			continue
		}
		if piped && strings.HasPrefix(pipe, "dot ") && !strings.Contains(stdout, "digraph") {
			// dot(1) is not run (an outside tool); what the README pipes to it must be dot.
			t.Errorf("README line %q: stdout is not a dot graph:\n%.200s", l.text, stdout)
		}
		jsonRecords(t, stderr) // off a terminal, stderr is JSON records
	}
	for line := range readmeSkips {
		if !seen[line] {
			t.Errorf("readmeSkips lists %q, which README.md no longer has", line)
		}
	}
	for line := range readmeExits {
		if !seen[line] {
			t.Errorf("readmeExits lists %q, which README.md no longer has", line)
		}
	}
	if ran < 10 {
		t.Errorf("%d README commands run; the README's sh blocks were not found", ran)
	}

	// What the commands left behind is what the README says they write.
	for _, f := range []string{"snapshot.json", "plan.json", "plan-keep.json", "report.json"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("README commands did not write %s: %v", f, err)
		}
	}
	if p, err := plans.ReadFile("plan-keep.json"); err != nil || len(p.Blockers) == 0 {
		t.Errorf("plan --exclude POOL_ID: %v; want a plan with the pool as a blocker", err)
	}
	if dirs, _ := filepath.Glob("ipam-teardown-*/plan.json"); len(dirs) != 1 {
		t.Errorf("destroy kept %d plans in ./ipam-teardown-<plan id>/, want 1", len(dirs))
	}
}

// readmeArgs returns the arguments of a README command line that runs ipam-teardown, and false for any
// other line.
func readmeArgs(line string) ([]string, bool) {
	f := strings.Fields(line)
	switch {
	case len(f) >= 1 && (f[0] == "./ipam-teardown" || f[0] == "ipam-teardown"):
		return f[1:], true
	case len(f) >= 3 && f[0] == "go" && f[1] == "run" && f[2] == "./cmd/ipam-teardown":
		return f[3:], true
	}
	return nil, false
}

// TestReadmeMultiAccountPlan: the README's figures for the multi-account topology (14 steps in 4 levels,
// two blockers: the IPv6 VPC allocation and the pool's IPv6 CIDR).
func TestReadmeMultiAccountPlan(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, "../../testdata/topologies/multi-account.yaml")
	useDefaultKey(t, s)
	out := filepath.Join(t.TempDir(), "plan.json")
	if _, stderr, code := runMainIn(t, "--endpoint", s.URL, "--region", "cn-hangzhou", "plan", "--all", "-o", out); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	p, err := plans.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "the plan has 14 steps in 4 levels and two blockers") {
		t.Fatal("README.md no longer gives the multi-account figures this test checks; update both")
	}
	if p.Summary.Steps != 14 || p.Summary.Levels != 4 || len(p.Blockers) != 2 {
		t.Errorf("multi-account plan: %d steps in %d levels, %d blockers; README says 14 in 4, 2", p.Summary.Steps, p.Summary.Levels, len(p.Blockers))
	}
	for _, bl := range p.Blockers {
		if !strings.Contains(bl.Reason, "IPv6") {
			t.Errorf("blocker %s %s: %q; README says both are IPv6", bl.ResourceType, bl.ResourceID, bl.Reason)
		}
	}
}
