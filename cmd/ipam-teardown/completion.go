package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ipam-teardown/ipam-teardown/executor"
	"github.com/ipam-teardown/ipam-teardown/plans"
	"github.com/ipam-teardown/ipam-teardown/tfexport"
	"github.com/ipam-teardown/ipam-teardown/timeline"
)

// logFormats and logLevels are the values --log-format and --log-level accept; the checks and the
// completion read them here.
func logFormats() []string { return []string{"auto", "console", "json"} }
func logLevels() []string  { return []string{"debug", "info", "warn", "error"} }

// inventoryFormats are inventory's --format values.
func inventoryFormats() []string { return []string{"json", "text"} }

// schedules are the --schedule values of apply, destroy and demo.
func schedules() []string {
	return []string{string(executor.ScheduleReady), string(executor.ScheduleLevels)}
}

// flagValues is the one list of an enumerated flag's values on cmd, nil for a flag that takes any value.
func flagValues(cmd *cobra.Command, name string) []string {
	switch name {
	case "format":
		switch cmd.Name() {
		case "show":
			return plans.Formats()
		case "timeline":
			return timeline.Formats()
		case "inventory":
			return inventoryFormats()
		}
	case "schedule":
		return schedules()
	case "log-format":
		return logFormats()
	case "log-level":
		return logLevels()
	case "mode":
		if cmd.Name() == "export" {
			return tfexport.Modes()
		}
	}
	return nil
}

// registerCompletions gives the shell completion (cobra's completion command and its __complete) the values
// of every enumerated flag, plan and report files for show, apply and timeline, YAML files for --config and
// --topology, and stops it offering files where a flag takes a word.
func registerCompletions(c *cobra.Command) {
	c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) { registerFlagCompletion(c, f.Name) })
	c.PersistentFlags().VisitAll(func(f *pflag.Flag) { registerFlagCompletion(c, f.Name) })
	switch c.Name() {
	case "show", "apply", "timeline":
		// One JSON file: a plan (show, apply) or a report (timeline).
		c.ValidArgsFunction = func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return []string{"json"}, cobra.ShellCompDirectiveFilterFileExt
		}
	}
	for _, sub := range c.Commands() {
		registerCompletions(sub)
	}
}

// registerFlagCompletion registers the completion of one of c's own flags.
func registerFlagCompletion(c *cobra.Command, name string) {
	var fn cobra.CompletionFunc
	if values := flagValues(c, name); values != nil {
		fn = cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
	} else if name == "config" || name == "topology" {
		fn = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
		}
	}
	if fn == nil {
		return
	}
	if err := c.RegisterFlagCompletionFunc(name, fn); err != nil {
		panic(err) // a flag registered twice: a programming error the tests catch
	}
}

// cloudFlags are the global flags that only a command calling the service reads.
func cloudFlags() []string { return []string{"endpoint", "insecure-endpoint", "region", "profile"} }

// quietCloudFlags stops cmd, which calls no service, from offering the global cloud flags in its help and
// completion: it gives cmd hidden flags of the same names that share the global flags' values, so that a
// script passing the same global flags to every command still runs, and a wrong value is refused as it is
// everywhere (TestEndpointFlag).
func quietCloudFlags(cmd *cobra.Command) {
	for _, name := range cloudFlags() {
		global := cmd.Root().PersistentFlags().Lookup(name)
		if global == nil {
			panic("no global flag --" + name) // renamed: the tests catch it
		}
		stand := *global
		stand.Hidden = true
		cmd.Flags().AddFlag(&stand)
	}
}
