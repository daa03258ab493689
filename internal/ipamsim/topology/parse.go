package topology

import (
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/ipam-teardown/ipam-teardown/internal/yamlfile"
)

// Error is a fault in a topology: the file, the line (0 when unknown, as in generated topologies), the field
// path ("accounts[0].ipams[1].pools[0].cidrs[2]") and what is wrong.
type Error = yamlfile.Error

// fieldPath is a path into the document.
type fieldPath = yamlfile.Path

// Load reads and parses a topology file.
func Load(path string) (*Topology, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("topology: %w", err)
	}
	return Parse(data, path)
}

// Parse decodes a topology strictly (unknown fields are errors) and validates it completely; name is the
// file name used in error messages.
func Parse(data []byte, name string) (*Topology, error) {
	t := &Topology{name: name}
	root, err := yamlfile.Decode(data, name, t, Topology{}, ResourceDirectory{}, Account{}, IPAM{}, Scope{}, Pool{},
		Allocation{}, Discovery{}, Association{}, Member{}, Share{}, VPC{}, CIDRBlock{})
	if err != nil {
		if e, ok := err.(*Error); ok && e.Msg == "the file is empty" {
			e.Msg = "empty topology: want a mapping with accounts"
		}
		return nil, err
	}
	t.root = root
	if _, err := t.check(); err != nil {
		return nil, err
	}
	return t, nil
}

// lineOf returns the line of the node a path names, or of its nearest existing ancestor.
func lineOf(root *yaml.Node, p fieldPath) int { return yamlfile.LineOf(root, p) }
