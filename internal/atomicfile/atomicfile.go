// Package atomicfile writes a file whole or not at all: the data goes to a temporary file in the same
// directory, is synced, and is renamed over the path. A reader never sees half a plan, report or snapshot, and
// a failed write (a full disk, an interrupt) leaves the file that was there untouched. The plan, the reports,
// the inventory snapshot and the Terraform export are all written this way, through this one function.
package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Write writes data to path with the permissions perm. The temporary file is named after path with a leading
// dot, so that a run killed between the two steps leaves a hidden file beside it, never a partial path.
func Write(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	// Synced before the rename: after a crash the path holds the old file or the whole new one, not an empty
	// one whose data never reached the disk.
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// CreateTemp makes the file 0600 whatever the umask; the caller says what the file is for.
	if err := os.Chmod(tmp, perm); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Occupied reports whether something may be at path, for a writer that must not write over it (a plan that
// has a journal, an earlier report): any answer of Stat but "no such file" counts, so that a file that cannot
// be read is not taken for absent. A path under a file (ENOTDIR) holds nothing.
func Occupied(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR)
}
