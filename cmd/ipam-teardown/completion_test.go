package main

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// complete runs cobra's hidden __complete command, as the shell scripts of `ipam-teardown completion` do,
// and returns the candidates (their descriptions cut off) and the directive line.
func complete(t *testing.T, args ...string) (values []string, directive string) {
	t.Helper()
	stdout, stderr, code := runMainIn(t, append([]string{cobra.ShellCompRequestCmd}, args...)...)
	if code != exitOK {
		t.Fatalf("__complete %q: exit %d\n%s", args, code, stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if strings.HasPrefix(line, ":") {
			directive = line
			continue
		}
		v, _, _ := strings.Cut(line, "\t")
		values = append(values, v)
	}
	return values, directive
}

// directive is the line __complete ends with for d.
func directive(d cobra.ShellCompDirective) string { return ":" + strconv.Itoa(int(d)) }

// TestCompletionValues: the shell completes every enumerated flag with its values (and no file names), and
// the argument of show, apply and timeline with JSON files.
func TestCompletionValues(t *testing.T) {
	noFiles := directive(cobra.ShellCompDirectiveNoFileComp)
	jsonFiles := directive(cobra.ShellCompDirectiveFilterFileExt)
	tests := []struct {
		args      []string
		want      []string
		directive string
	}{
		{[]string{"show", "plan.json", "--format", ""}, []string{"text", "markdown", "json", "dot", "mermaid"}, noFiles},
		{[]string{"show", "plan.json", "-f", "m"}, []string{"text", "markdown", "json", "dot", "mermaid"}, noFiles}, // the shell filters
		{[]string{"timeline", "report.json", "--format", ""}, []string{"svg", "html"}, noFiles},
		{[]string{"inventory", "--format", ""}, []string{"json", "text"}, noFiles},
		{[]string{"apply", "plan.json", "--schedule", ""}, []string{"ready", "levels"}, noFiles},
		{[]string{"destroy", "--schedule", ""}, []string{"ready", "levels"}, noFiles},
		{[]string{"demo", "--schedule", ""}, []string{"ready", "levels"}, noFiles},
		{[]string{"--log-format", ""}, []string{"auto", "console", "json"}, noFiles},
		{[]string{"plan", "--log-level", ""}, []string{"debug", "info", "warn", "error"}, noFiles},
		{[]string{"export", "--mode", ""}, []string{"recreate", "adopt"}, noFiles},
		{[]string{"show", ""}, []string{"json"}, jsonFiles},
		{[]string{"apply", ""}, []string{"json"}, jsonFiles},
		{[]string{"timeline", ""}, []string{"json"}, jsonFiles},
		{[]string{"cleanup", "--config", ""}, []string{"yaml", "yml"}, jsonFiles},
		{[]string{"sim", "serve", "--topology", ""}, []string{"yaml", "yml"}, jsonFiles},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, d := complete(t, tt.args...)
			if !slices.Equal(got, tt.want) || d != tt.directive {
				t.Errorf("__complete %q = %q %s, want %q %s", tt.args, got, d, tt.want, tt.directive)
			}
		})
	}
}

// TestEveryEnumeratedFlagCompletes walks the whole command tree: every flag that takes one of a fixed set
// of values has a completion, so a new command's --format cannot be forgotten.
func TestEveryEnumeratedFlagCompletes(t *testing.T) {
	root := newRootCommand(nil, nil)
	enumerated := []string{"format", "schedule", "log-format", "log-level", "mode"}
	var walk func(c *cobra.Command)
	seen := 0
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if !slices.Contains(enumerated, f.Name) {
				return
			}
			seen++
			if _, ok := c.GetFlagCompletionFunc(f.Name); !ok {
				t.Errorf("%s --%s: no completion registered", c.CommandPath(), f.Name)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if seen < 8 {
		t.Errorf("%d enumerated flags found; the walk missed the tree", seen)
	}
}

// TestCloudFlagsOnlyWhereTheyWork: the commands that call no service do not offer --endpoint, --region,
// --profile or --insecure-endpoint, in their help or in completion, but still accept them (a script may pass
// the same global flags to every command); the commands that call the service offer them.
func TestCloudFlagsOnlyWhereTheyWork(t *testing.T) {
	tests := []struct {
		cmd   []string
		offer bool
	}{
		{[]string{"show"}, false},
		{[]string{"timeline"}, false},
		{[]string{"version"}, false},
		{[]string{"demo"}, false},
		{[]string{"sim", "serve"}, false},
		{[]string{"sim", "generate"}, false},
		{[]string{"completion", "bash"}, false},
		{[]string{"inventory"}, true},
		{[]string{"plan"}, true},
		{[]string{"apply"}, true},
		{[]string{"destroy"}, true},
		{[]string{"cleanup"}, true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.cmd, " "), func(t *testing.T) {
			flags, _ := complete(t, append(slices.Clone(tt.cmd), "--")...)
			help, _, code := runMainIn(t, append(slices.Clone(tt.cmd), "--help")...)
			if code != exitOK {
				t.Fatalf("--help: exit %d", code)
			}
			for _, name := range cloudFlags() {
				if got := slices.Contains(flags, "--"+name); got != tt.offer {
					t.Errorf("completion offers --%s: %v, want %v (%q)", name, got, tt.offer, flags)
				}
				if got := regexp.MustCompile(`(?m)^\s+--` + name + ` `).MatchString(help); got != tt.offer {
					t.Errorf("--help shows --%s: %v, want %v", name, got, tt.offer)
				}
			}
			if !slices.Contains(flags, "--log-level") {
				t.Errorf("completion lacks --log-level: %q", flags)
			}
		})
	}
	// Accepted where not offered, and checked as everywhere: a wrong value is wrong wherever it is.
	if out, stderr, code := runMainIn(t, "--endpoint", "http://127.0.0.1:1", "--region", "x", "version"); code != exitOK || !strings.HasPrefix(out, "ipam-teardown ") {
		t.Errorf("--endpoint ... version: exit %d, %q\n%s", code, out, stderr)
	}
	for _, cmd := range [][]string{{"version"}, {"show", "-"}, {"inventory", "--all"}} {
		if _, stderr, code := runMainIn(t, append([]string{"--endpoint", "ftp://nowhere"}, cmd...)...); code != exitUsage || !strings.Contains(stderr, "--endpoint") {
			t.Errorf("--endpoint ftp://nowhere %s: exit %d, want 2 naming --endpoint\n%s", cmd[0], code, stderr)
		}
	}
}

// TestQPSHelpNamesOneDefault: --help names the rate each command's --qps runs at once, the one it uses
// (demo: 50, the others: auto).
func TestQPSHelpNamesOneDefault(t *testing.T) {
	for _, tt := range []struct {
		cmd  string
		want string
	}{{"apply", "auto"}, {"destroy", "auto"}, {"plan", "auto"}, {"inventory", "auto"}, {"demo", "50"}} {
		help, _, _ := runMainIn(t, tt.cmd, "--help")
		line := regexp.MustCompile(`(?m)^\s+--qps .*$`).FindString(help)
		if strings.Count(line, "default") != 1 || !strings.HasSuffix(line, "(default "+tt.want+")") {
			t.Errorf("%s --help: %q, want one default, %s", tt.cmd, line, tt.want)
		}
	}
}
