package tfexport

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ipam-teardown/ipam-teardown/internal/atomicfile"
	"github.com/ipam-teardown/ipam-teardown/inventory"
)

// WriteRecreate writes the recreate configuration of snap to path, whole or not at all (a temporary file in
// the same directory, then a rename), creating the directory. destroy and cleanup --apply call it before the
// first mutating call of a teardown, so that the way back exists before anything is gone. It returns what the
// configuration leaves out.
func WriteRecreate(snap *inventory.Snapshot, path string) ([]Omission, error) {
	e, err := Build(snap, Recreate)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("recreate configuration %s: %w", path, err)
	}
	return e.Omitted, atomicfile.Write(path, e.File(), 0o644)
}
