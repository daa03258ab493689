// Package topologies holds the example topologies of the emulator, embedded, so that the demo command runs
// from any directory. The YAML files beside this one are the source; README.md documents their format.
package topologies

import "embed"

//go:embed *.yaml
var files embed.FS

// Sandbox returns sandbox.yaml: one IPAM in cn-hangzhou with a custom scope, a three-level pool tree,
// allocations, a share, a custom discovery and members.
func Sandbox() []byte {
	data, err := files.ReadFile("sandbox.yaml")
	if err != nil {
		// The file is embedded at build time; its absence is a build defect, not a run-time condition.
		panic("topologies: sandbox.yaml is not embedded: " + err.Error())
	}
	return data
}

// File returns the embedded topology name (for example "multi-account.yaml").
func File(name string) ([]byte, error) { return files.ReadFile(name) }
