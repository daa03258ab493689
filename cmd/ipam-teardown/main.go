// Command ipam-teardown decommissions Alibaba Cloud VPC IPAM instances: it inventories an IPAM, plans the
// teardown as a DAG of API calls ordered by the documented prerequisites, and applies the reviewed plan.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runMain(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// runMain runs one command line and returns its exit code. The error a run ends with is written to stderr
// like everything else there: a plain "ipam-teardown: ..." line on a console, an error record in JSON.
func runMain(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runMainPaced(ctx, args, stdin, stdout, stderr, pace{})
}

// runMainPaced is runMain with the executor's pace p (the tests shorten it).
func runMainPaced(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, p pace) int {
	root, g := newRoot(stdout, stderr)
	g.pace = p
	root.SetIn(stdin)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	err = explain(err, g.region)
	code := exitCode(err)
	log, lerr := g.stderrLog()
	if lerr != nil {
		// The log flags themselves are at fault (that is the error): report it in the automatic format.
		fallback := *g
		fallback.logFormat, fallback.logLevel = "auto", "info"
		log, _ = fallback.stderrLog()
	}
	log.Fail(err, code)
	return code
}

// Exit codes of the DESIGN contract.
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitRefused = 3
)

// usageError marks bad input: a wrong flag, an unreadable or invalid file. Nothing was changed.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError; the message should name the flag, file or field at fault.
func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// refusedError marks a run the tool declined on purpose (stale plan, lock held, blockers).
type refusedError struct{ err error }

func (e refusedError) Error() string { return e.err.Error() }
func (e refusedError) Unwrap() error { return e.err }

// exitCode is the one mapping from error kinds to exit codes. A run the executor refused (blockers, lock,
// drift, dry run, journal) deleted nothing: 3. Failed steps (executor.FailedError), an interrupt
// (executor.ErrInterrupted) and every other error: 1.
func exitCode(err error) int {
	var u usageError
	var r refusedError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &u):
		return exitUsage
	case errors.As(err, &r):
		return exitRefused
	}
	if _, ok := errors.AsType[*executor.RefusedError](err); ok {
		return exitRefused
	}
	if _, ok := errors.AsType[*executor.PlanError](err); ok {
		return exitUsage // a plan the executor cannot run as it is (steps without ipam_id): bad input
	}
	return exitFailed
}

// explain names the input at fault in an error the service or the inventory gave about it, after calls the
// tool could not have avoided: credentials it rejected (still exit 1, like a RAM denial: the command was
// right, the account's setup is not), a region it does not know and an --ipam id it does not list (exit 2,
// like a selection that matches nothing).
func explain(err error, region string) error {
	if e, ok := errors.AsType[*collect.IPAMNotFoundError](err); ok {
		return usagef("--ipam %s: no such IPAM in region %s (or not visible to this account, or excluded by the other selector flags); nothing was planned or changed", e.ID, e.Region)
	}
	switch code := cloudapi.Code(err); {
	case cloudapi.RejectsCredentials(code):
		return fmt.Errorf("the service rejected the credentials (%s): check ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and ALIBABA_CLOUD_SECURITY_TOKEN, or --profile; an expired security token needs a new one: %w", code, err)
	case strings.HasPrefix(code, "InvalidRegionId"):
		return usageError{fmt.Errorf("region %s (--region or ALIBABA_CLOUD_REGION_ID): the service knows no such region: %w", region, err)}
	}
	return err
}
