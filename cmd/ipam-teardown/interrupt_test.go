//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/simtest"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// openPTY opens a pseudo-terminal pair: the child's stdin is the terminal end, so that apply prompts.
func openPTY(t *testing.T) (ptmx, pts *os.File) {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	pts, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pts.Close() })
	return ptmx, pts
}

// applyProcess starts `ipam-teardown apply` as a process of its own (the test binary running main) with
// stdin given, and returns it, its stderr, and a channel its exit arrives on.
func applyProcess(t *testing.T, stdin *os.File, args ...string) (*exec.Cmd, *syncBuffer, <-chan error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	stderr := &syncBuffer{}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &syncBuffer{}, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- cmd.Wait()
		close(done) // a second receive (the cleanup's) does not wait
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	return cmd, stderr, done
}

// waitFor waits until cond holds or the process ends; the bound only keeps a broken run from hanging the suite.
func waitFor(t *testing.T, what string, done <-chan error, stderr *syncBuffer, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if cond() {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("the apply ended (%v) before %s:\n%s", err, what, stderr)
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("no %s:\n%s", what, stderr)
}

// exitOf waits for the process's exit code; the bound only keeps a process that ignores the interrupt from
// hanging the suite (the old prompt waited for Enter; the old drain for the calls in flight, up to 30 s).
func exitOf(t *testing.T, what string, done <-chan error, stderr *syncBuffer) int {
	t.Helper()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: the apply did not exit:\n%s", what, stderr)
	}
	return -1
}

// Ctrl-C at the typed confirmation cancels it at once: exit 1, nothing changed, no Enter needed. The prompt
// used to swallow the interrupt until Enter.
func TestCtrlCAtConfirmation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	s := simtest.Start(t, "../../testdata/topologies/sandbox.yaml")
	s.SetCredentialsEnv(t, ipamsim.DefaultAccount)
	plan := planSandbox(t, s.URL, s.Refs["ipam/sandbox"])
	_, pts := openPTY(t)
	cmd, stderr, done := applyProcess(t, pts, "--endpoint", s.URL, "--log-format", "json", "apply", plan, "--qps", "1000")
	waitFor(t, "prompt", done, stderr, func() bool { return strings.Contains(stderr.String(), "to tear it down") })
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := exitOf(t, "Ctrl-C at the prompt", done, stderr); code != exitFailed {
		t.Errorf("exit %d, want %d\n%s", code, exitFailed, stderr)
	}
	for _, c := range s.Wire.Calls() {
		if a := c.Action; a != "GetCallerIdentity" && !strings.HasPrefix(a, "List") && !strings.HasPrefix(a, "Get") {
			t.Errorf("%s was called after the prompt was cancelled", a)
		}
	}
	if !strings.Contains(stderr.String(), "nothing was done") {
		t.Errorf("stderr does not say nothing was done:\n%s", stderr)
	}
}

// A second Ctrl-C while the run drains its calls in flight exits at once, after saying what the journal
// holds and how to resume. It used to do nothing: the run waited for the call in flight (here one that never
// answers) up to the drain timeout.
func TestSecondCtrlCForcesExit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	s := simtest.Start(t, "../../testdata/topologies/sandbox.yaml",
		simtest.WithFaults(1, wire.FaultRule{Action: "DisassociateResourceShare", Latency: time.Hour}))
	s.SetCredentialsEnv(t, ipamsim.DefaultAccount)
	plan := planSandbox(t, s.URL, s.Refs["ipam/sandbox"])
	journal := plan + ".journal"
	stdin, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	cmd, stderr, done := applyProcess(t, stdin, "--endpoint", s.URL, "--log-format", "json", "apply", plan, "--yes", "--qps", "1000")
	step := ""
	waitFor(t, "start of the share's disassociation in the journal", done, stderr, func() bool {
		data, _ := os.ReadFile(journal)
		for _, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, `"event":"start"`) && strings.Contains(line, `"step":"disassociate-share/`) {
				step = line
				return true
			}
		}
		return false
	})
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "interrupt", done, stderr, func() bool { return strings.Contains(stderr.String(), "interrupted: starting nothing new") })
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := exitOf(t, "second Ctrl-C", done, stderr); code != exitFailed {
		t.Errorf("exit %d, want %d\n%s", code, exitFailed, stderr)
	}
	for _, want := range []string{"second interrupt", filepath.Base(journal), "resume with"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	t.Logf("in flight at the interrupt: %s", step)
}

// On a terminal the drift check's listing lines go through the log above the live display ("INF inventory:
// ..."), as every other line of the run does. Written to stderr beside the display, they were drawn over by
// it and the display was drawn again under each (seen as four "drift 0/21" bars and no listing line).
func TestDriftListingAboveTheLiveDisplay(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	s := simtest.Start(t, "../../testdata/topologies/sandbox.yaml")
	s.SetCredentialsEnv(t, ipamsim.DefaultAccount)
	plan := planSandbox(t, s.URL, s.Refs["ipam/sandbox"])
	ptmx, pts := openPTY(t)
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	cmd := exec.Command(os.Args[0], "--endpoint", s.URL, "apply", plan, "--yes", "--qps", "1000")
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, pts, pts // stderr a terminal: the live display
	var screen syncBuffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			screen.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	if err := cmd.Run(); err != nil {
		t.Fatalf("apply on a terminal: %v\n%s", err, screen.String())
	}
	pts.Close()
	select {
	case <-copied:
	case <-time.After(5 * time.Second): // the reader ends when the terminal's last writer is gone
	}
	out := screen.String()
	if !strings.Contains(out, "re-reading the planned IPAMs") {
		t.Fatalf("no drift check on the screen:\n%s", out)
	}
	if !strings.Contains(out, "INF inventory: done in") {
		t.Errorf("the drift check's listing did not go through the log above the display:\n%s", out)
	}
}
