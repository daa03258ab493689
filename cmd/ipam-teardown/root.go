package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/ipam-teardown/ipam-teardown/executor"
)

// version is set at build time with -ldflags "-X main.version=..."; otherwise the module version is used.
var version = ""

// toolVersion is the version a plan records: the -ldflags version, else the module version (vX.Y.Z after
// go install ...@vX.Y.Z, a pseudo-version after go build in a clone), else "(devel)".
func toolVersion() string {
	bi, _ := debug.ReadBuildInfo()
	return buildVersion(version, bi).version
}

// versionInfo is what the version command prints: the version and the VCS stamp go build embeds.
type versionInfo struct {
	version  string
	revision string // vcs.revision, "" when the build had no VCS
	time     string // vcs.time, the commit's time
	modified bool   // vcs.modified: the work tree had changes
}

// buildVersion reads the build's stamp; bi may be nil (no build info).
func buildVersion(ldflags string, bi *debug.BuildInfo) versionInfo {
	v := versionInfo{version: ldflags}
	if bi == nil {
		if v.version == "" {
			v.version = "(devel)"
		}
		return v
	}
	if v.version == "" {
		v.version = bi.Main.Version
	}
	if v.version == "" {
		v.version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.revision = s.Value
		case "vcs.time":
			v.time = s.Value
		case "vcs.modified":
			v.modified = s.Value == "true"
		}
	}
	return v
}

// String is the line after "ipam-teardown ": "v1.2.0", or with a VCS stamp
// "v0.0.0-...+dirty (revision 0123abcd..., 2026-12-07T04:00:00Z, modified)".
func (v versionInfo) String() string {
	if v.revision == "" {
		return v.version
	}
	extra := []string{"revision " + v.revision}
	if v.time != "" {
		extra = append(extra, v.time)
	}
	if v.modified {
		extra = append(extra, "modified")
	}
	return v.version + " (" + strings.Join(extra, ", ") + ")"
}

// versionLine is what version and --version print after the program's name.
func versionLine() string {
	bi, _ := debug.ReadBuildInfo()
	return buildVersion(version, bi).String()
}

// globalOptions are the flags every command shares.
type globalOptions struct {
	region           string
	endpoint         string
	insecureEndpoint bool
	profile          string
	logFormat        string
	logLevel         string
	pace             pace // no flag sets it: the zero value, the executor's own defaults

	stdout io.Writer
	stderr io.Writer
}

// pace is the timing that no flag sets: how soon the executor first looks at an asynchronous deletion, how
// soon a call or a step is retried, and where --qps auto starts. Its zero value leaves the defaults of the
// executor and cloudapi. The tests quicken it, as the executor's own tests do: their emulator deletes at once
// unless a test opens a window and has no rate limit unless a test sets one, and the default first look (half
// a second after each deletion) and slow start (from 10 calls a second) were most of their time.
type pace struct {
	pollInterval, retryInitial time.Duration
	qpsAutoStart               float64
}

// on returns o with the pace; zero fields stay zero, for the executor's defaults.
func (p pace) on(o executor.Options) executor.Options {
	o.PollInterval, o.RetryInitial = p.pollInterval, p.retryInitial
	return o
}

// logger builds the run's logger: logs and progress go to stderr, data to stdout. Commands write to stderr
// through stderrLog, which holds this logger.
func (g *globalOptions) logger() (zerolog.Logger, error) {
	level, err := parseLogLevel(g.logLevel)
	if err != nil {
		return zerolog.Nop(), err
	}
	format, err := g.format()
	if err != nil {
		return zerolog.Nop(), err
	}
	var w io.Writer = g.stderr
	if format == "console" {
		_, noColor := os.LookupEnv("NO_COLOR")
		if !isTerminal(g.stderr) {
			noColor = true
		}
		w = zerolog.ConsoleWriter{Out: g.stderr, NoColor: noColor, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger(), nil
}

// format is the log format in effect, console or json: auto is console when stderr is a terminal.
func (g *globalOptions) format() (string, error) {
	switch g.logFormat {
	case "auto":
		if isTerminal(g.stderr) {
			return "console", nil
		}
		return "json", nil
	case "json", "console":
		return g.logFormat, nil
	}
	return "", usagef("--log-format %q: want auto, console or json", g.logFormat)
}

// parseLogLevel accepts the levels the flag documents. zerolog.ParseLevel would also take "", "trace",
// "panic", "disabled" and numbers, and its error says "defaulting to NoLevel" when nothing defaults.
func parseLogLevel(s string) (zerolog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return zerolog.DebugLevel, nil
	case "info":
		return zerolog.InfoLevel, nil
	case "warn":
		return zerolog.WarnLevel, nil
	case "error":
		return zerolog.ErrorLevel, nil
	}
	return zerolog.NoLevel, usagef("--log-level %q: want debug, info, warn or error", s)
}

func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	root, _ := newRoot(stdout, stderr)
	return root
}

// newRoot is the root command and the global options its flags fill.
func newRoot(stdout, stderr io.Writer) (*cobra.Command, *globalOptions) {
	g := &globalOptions{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "ipam-teardown",
		Short: "Decommission Alibaba Cloud VPC IPAM instances safely: inventory, plan, review, apply",
		Long: `ipam-teardown tears down Alibaba Cloud VPC IP Address Manager (IPAM) instances.

It lists everything an IPAM holds (inventory), builds a plan of API calls ordered by the documented
prerequisites as a DAG and writes it to a file a person can review (plan), and renders that file for a
terminal, a pull request or a graph viewer (show). None of these makes a mutating call.

apply executes a reviewed plan: after a typed confirmation it locks the IPAMs, refuses a plan the world
has drifted from, dry-runs every step, then runs the steps in parallel as their dependencies finish,
with one rate limit, retries, waits for asynchronous deletions and a journal it resumes from. destroy
is inventory, plan, show and apply in one command. demo destroys a sample IPAM in an in-process
emulator; sim serves that emulator for your own runs. timeline draws a run from its report.

` + exitCodesHelp(exitCodes()) + `

cleanup has codes of its own (cleanup --help).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionLine(),
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	// --version and the version command print the same line.
	root.SetVersionTemplate("ipam-teardown {{.Version}}\n")
	pf := root.PersistentFlags()
	pf.StringVar(&g.region, "region", os.Getenv("ALIBABA_CLOUD_REGION_ID"), "region of the IPAM (hosted region); env ALIBABA_CLOUD_REGION_ID")
	pf.StringVar(&g.endpoint, "endpoint", "", "one endpoint URL for every product, https://HOST[:PORT] (http:// for a loopback host, e.g. http://127.0.0.1:8080 for the emulator)")
	pf.BoolVar(&g.insecureEndpoint, "insecure-endpoint", false, "allow a plain http:// --endpoint to a host that is not loopback (signed requests and security tokens cross the network in clear)")
	pf.StringVar(&g.profile, "profile", "", "aliyun CLI profile in ~/.aliyun/config.json (default: the standard credential chain)")
	pf.StringVar(&g.logFormat, "log-format", "auto", "log format: auto, console or json")
	pf.StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	// The endpoint and the log flags are checked before any command runs, whether or not it will call or
	// log. An explicitly empty endpoint (an unset shell variable) is an error rather than the regional
	// endpoints: the user meant somewhere else.
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if cmd.Flags().Changed("endpoint") || g.endpoint != "" {
			if err := g.validateEndpoint(); err != nil {
				return err
			}
		}
		_, err := g.logger()
		return err
	}

	// Each command lives in its own file; add it here.
	root.AddCommand(
		newVersionCommand(g),
		newShowCommand(g),
		newTimelineCommand(g),
		newInventoryCommand(g),
		newPlanCommand(g),
		newExportCommand(g),
		newApplyCommand(g),
		newDestroyCommand(g),
		newCleanupCommand(g),
		newDemoCommand(g),
		newSimCommand(g),
	)
	// cobra adds these when the command runs; added here, they are in the tree the completion, the rules
	// below and docs/cli see.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	rejectUnknownCommands(root)
	// The commands that call no service (or only their own emulator) do not offer --endpoint, --region,
	// --profile and --insecure-endpoint.
	for _, path := range []string{"version", "show", "timeline", "demo", "sim serve", "sim generate", "help",
		"completion bash", "completion zsh", "completion fish", "completion powershell"} {
		c, _, err := root.Find(strings.Fields(path))
		if err != nil {
			panic(err) // a command renamed: the tests catch it
		}
		quietCloudFlags(c)
	}
	registerCompletions(root)
	return root, g
}

// rejectUnknownCommands makes an unknown command a usage error (exit 2) like an unknown flag, on the root
// and on every command that only groups others (sim). Left to cobra, the root's "unknown command" error
// is untyped (exit 1), and a group command given a wrong word prints its help and exits 0.
func rejectUnknownCommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		rejectUnknownCommands(sub)
	}
	if !c.HasSubCommands() {
		leafArgsAreUsage(c)
		return
	}
	if c.Runnable() {
		return
	}
	c.SuggestionsMinimumDistance = 2 // cobra's own default, which SuggestionsFor does not apply
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, ", "))
		}
		return usagef("%s; see %s --help", msg, cmd.CommandPath())
	}
	// Runnable, so that cobra checks Args instead of printing the help; with no argument it still does.
	c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
}

// leafArgsAreUsage makes a command's wrong arguments a usage error (exit 2) whatever checks them: cobra's
// NoArgs (version, sim serve, sim generate, completion's shells) answered "unknown command" and exit 1, where
// the commands with checks of their own say "takes no arguments" and exit 2.
func leafArgsAreUsage(c *cobra.Command) {
	check := c.Args
	if check == nil {
		return
	}
	c.Args = func(cmd *cobra.Command, args []string) error {
		err := check(cmd, args)
		if err == nil || errors.As(err, new(usageError)) {
			return err
		}
		if check(cmd, nil) == nil {
			return usagef("%s takes no arguments, got %q", strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" "), args)
		}
		return usageError{err}
	}
}

func newVersionCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(g.stdout, "ipam-teardown", versionLine())
			return err
		},
	}
}
