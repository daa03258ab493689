package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipam-teardown/ipam-teardown/executor"
)

func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return runPaced(t, testPace(), args...)
}

// runPaced is run at the pace p.
func runPaced(t *testing.T, p pace, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd, g := newRoot(&out, &errb)
	g.pace = p
	cmd.SetArgs(args)
	err = cmd.ExecuteContext(t.Context())
	return out.String(), errb.String(), err
}

// testPace is the pace of the tests that run a command: the first look 10 ms after an asynchronous deletion
// (the emulator deletes at once unless a test opens a window), retries from 10 ms, and --qps auto from 500
// calls a second (the emulator has no limit unless a test sets one). At the default pace every apply waited
// half a second after each deletion and every command started at 10 calls a second: a test's time, not its
// point.
func testPace() pace {
	return pace{pollInterval: 10 * time.Millisecond, retryInitial: 10 * time.Millisecond, qpsAutoStart: 500}
}

// newTestRoot is newRootCommand at the tests' pace.
func newTestRoot(stdout, stderr io.Writer) *cobra.Command {
	root, g := newRoot(stdout, stderr)
	g.pace = testPace()
	return root
}

func TestVersionCommand(t *testing.T) {
	t.Parallel()
	out, _, err := run(t, "version")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "ipam-teardown ") {
		t.Errorf("version output = %q, want it to start with %q", out, "ipam-teardown ")
	}
}

func TestUnknownFlagIsUsageError(t *testing.T) {
	t.Parallel()
	_, _, err := run(t, "version", "--no-such-flag")
	if got := exitCode(err); got != exitUsage {
		t.Errorf("exit code = %d (err %v), want %d", got, err, exitUsage)
	}
}

// TestStrayArgumentIsUsageError: a word too many is exit 2 on every command, saying the command takes none;
// cobra's own check said "unknown command" with exit 1 on version, the completion shells and sim's commands.
func TestStrayArgumentIsUsageError(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"version", "extra"}, {"completion", "bash", "extra"}, {"sim", "generate", "extra"}, {"sim", "serve", "extra"}, {"demo", "extra"}} {
		_, _, err := run(t, args...)
		want := strings.Join(args[:len(args)-1], " ") + ` takes no arguments, got ["extra"]`
		if exitCode(err) != exitUsage || !strings.Contains(fmt.Sprint(err), want) {
			t.Errorf("%v: exit %d (%v), want %d and %q", args, exitCode(err), err, exitUsage, want)
		}
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{errors.New("boom"), exitFailed},
		{usagef("--qps %q: not a number", "x"), exitUsage},
		{refusedError{errors.New("stale plan")}, exitRefused},
		{&executor.RefusedError{Kind: executor.RefusedDrift, Msg: "drift"}, exitRefused},
		{fmt.Errorf("apply: %w", &executor.RefusedError{Kind: executor.RefusedLock, Msg: "lock held"}), exitRefused},
		{&executor.FailedError{Failed: []string{"delete-pool/ipam-pool-1"}}, exitFailed},
		{fmt.Errorf("apply: %w", executor.ErrInterrupted), exitFailed},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestBadLogFormatNamesFlag(t *testing.T) {
	t.Parallel()
	g := &globalOptions{logFormat: "xml", logLevel: "info", stderr: &bytes.Buffer{}}
	_, err := g.logger()
	if err == nil || !strings.Contains(err.Error(), "--log-format") {
		t.Fatalf("logger() error = %v, want one naming --log-format", err)
	}
}
