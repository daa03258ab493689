package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
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
		"go run ./cmd/ipam-teardown sim serve --topology testdata/topologies/sandbox.yaml --addr 127.0.0.1:8080": "serves until interrupted; the test starts the same emulator and topology with simtest (on a free port, which stands for 8080)",
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
		if l.section == cleanupWalkthrough {
			continue // TestReadmeCleanupWalkthrough runs it, as processes
		}
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
		cmdline, redirect, redirected := strings.Cut(cmdline, " > ")
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
			"127.0.0.1:8080", strings.TrimPrefix(srv.URL, "http://"),
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
		if redirected {
			if err := os.WriteFile(strings.TrimSpace(redirect), []byte(stdout), 0o644); err != nil {
				t.Fatal(err)
			}
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
	for _, f := range []string{"snapshot.json", "plan.json", "plan-keep.json", "report.json", "plan.mmd"} {
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

// cleanupWalkthrough is the README section whose commands TestReadmeCleanupWalkthrough runs (and
// TestReadmeCommands leaves to it).
const cleanupWalkthrough = "Try it against the emulator"

// TestReadmeCleanupWalkthrough runs README.md's cleanup walkthrough as a reader does, each command a process
// of its own in a directory that holds the clone's examples/: sim serve with the example topology and its
// HTTPS listener, the exports (SSL_CERT_FILE among them: a process reads it once, which is why these are
// processes), the preview and the --apply run. The listen addresses are the README's, changed for free
// ports. Then it checks what the README says the two runs select, skip and delete, against the reports and
// the emulator's state; and that the README's cleanup YAML is examples/cleanup.yaml.
func TestReadmeCleanupWalkthrough(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts processes")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("../../examples/cleanup.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```yaml\n"+string(example)+"```\n") {
		t.Error("README.md's cleanup config is not examples/cleanup.yaml")
	}
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(examples, filepath.Join(dir, "examples")); err != nil {
		t.Fatal(err)
	}
	// The environment of a fresh shell: no credentials but the exports, no region.
	env := []string{runMainEnv + "=1", "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"),
		"ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true", "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true"}
	command := func(args []string) *exec.Cmd {
		cmd := exec.CommandContext(t.Context(), os.Args[0], args...)
		cmd.Dir, cmd.Env = dir, env
		return cmd
	}

	var lines []readmeLine
	for _, l := range readmeShLines(t) {
		if l.section == cleanupWalkthrough {
			lines = append(lines, l)
		}
	}
	var serve *exec.Cmd
	addrs := map[string]string{} // README address -> the one in use
	simURL := ""                 // the README's address of the emulator
	runs := 0
	for _, l := range lines {
		switch {
		case l.command == "go build -o ipam-teardown ./cmd/ipam-teardown":
			continue // the test binary is the command
		case strings.HasPrefix(l.command, "export "):
			env = append(env, strings.Fields(strings.TrimPrefix(l.command, "export "))...)
			continue
		}
		args, ok := readmeArgs(l.command)
		if !ok {
			t.Fatalf("README line %q (%s): no ipam-teardown command", l.text, l.section)
		}
		if len(args) >= 2 && args[0] == "sim" && args[1] == "serve" {
			serve, simURL = startServeProcess(t, command, args, addrs)
			continue
		}
		if serve == nil {
			t.Fatalf("README line %q comes before sim serve", l.text)
		}
		for i := range args {
			for from, to := range addrs {
				args[i] = strings.ReplaceAll(args[i], from, to)
			}
		}
		out, err := command(append([]string{"--log-format", "json"}, args...)).CombinedOutput()
		if err != nil {
			t.Fatalf("README line %q: %v\n%s", l.text, err, out)
		}
		runs++
	}
	if runs != 2 {
		t.Fatalf("%d cleanup runs in the README's walkthrough, want the preview and the --apply run", runs)
	}

	// What the README says of the two runs.
	type seen struct{ selected, skipped []string }
	outcomes := func(path string) (string, seen) {
		rep := readCleanupReport(t, filepath.Join(dir, path))
		var s seen
		for _, a := range rep.Accounts {
			for _, r := range a.Regions {
				for _, ip := range r.IPAMs {
					if ip.Selected {
						s.selected = append(s.selected, ip.Name)
					} else {
						s.skipped = append(s.skipped, ip.Name)
					}
				}
				if r.Orphans != nil && r.Orphans.Steps > 0 {
					s.selected = append(s.selected, "orphans in "+r.Region)
				}
			}
		}
		slices.Sort(s.selected)
		slices.Sort(s.skipped)
		return rep.Outcome, s
	}
	want := seen{selected: []string{"orphans in cn-beijing", "sandbox-a", "sandbox-b"}, skipped: []string{"sandbox-kept", "sandbox-new"}}
	for _, run := range []struct{ report, outcome string }{{"preview/report.json", "previewed"}, {"nightly/report.json", "done"}} {
		if outcome, got := outcomes(run.report); outcome != run.outcome || !slices.Equal(got.selected, want.selected) || !slices.Equal(got.skipped, want.skipped) {
			t.Errorf("%s: outcome %s, selected %v, skipped %v; README says %s, %v, %v", run.report, outcome, got.selected, got.skipped, run.outcome, want.selected, want.skipped)
		}
	}
	resp, err := http.Get(addrs[simURL] + "/_sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	state, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for name, stays := range map[string]bool{"sandbox-a": false, "sandbox-b": false, "sandbox-orphan": false, "sandbox-kept": true, "sandbox-new": true, "prod-b": true} {
		if got := strings.Contains(string(state), `"`+name+`"`); got != stays {
			t.Errorf("after the --apply run, %s in the emulator's state: %v, want %v", name, got, stays)
		}
	}
}

// startServeProcess starts the README's sim serve line as a process, on free ports instead of the README's
// --addr and --tls-addr, and records in addrs which address stands for which; it stops at the test's end.
func startServeProcess(t *testing.T, command func([]string) *exec.Cmd, args []string, addrs map[string]string) (*exec.Cmd, string) {
	t.Helper()
	var readmeHTTP, readmeTLS string
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--addr":
			readmeHTTP, args[i+1] = args[i+1], "127.0.0.1:0"
		case "--tls-addr":
			readmeTLS, args[i+1] = args[i+1], "127.0.0.1:0"
		}
	}
	if readmeHTTP == "" || readmeTLS == "" {
		t.Fatalf("the README's sim serve line %q gives no --addr or no --tls-addr", args)
	}
	cmd := command(append([]string{"--log-format", "json"}, args...))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		t.Fatalf("sim serve wrote no line; stderr:\n%s", stderr.String())
	}
	go io.Copy(io.Discard, stdout) //nolint:errcheck // keep the pipe drained
	url, ok := strings.CutPrefix(sc.Text(), "listening on ")
	if !ok {
		t.Fatalf("sim serve's first line: %q", sc.Text())
	}
	addrs["http://"+readmeHTTP] = url
	// The HTTPS address is logged after the first line.
	tlsURL := ""
	for deadline := time.Now().Add(10 * time.Second); tlsURL == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, line := range strings.Split(stderr.String(), "\n") {
			var rec struct{ URL string }
			if json.Unmarshal([]byte(line), &rec) == nil && strings.HasPrefix(rec.URL, "https://") {
				tlsURL = rec.URL
			}
		}
	}
	if tlsURL == "" {
		t.Fatalf("sim serve logged no HTTPS address:\n%s", stderr.String())
	}
	addrs[readmeTLS] = strings.TrimPrefix(tlsURL, "https://")
	return cmd, "http://" + readmeHTTP
}
