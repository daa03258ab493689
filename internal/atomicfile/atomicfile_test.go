package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	for _, tt := range []struct {
		data string
		perm os.FileMode
	}{{"first", 0o644}, {"second, longer", 0o600}} {
		if err := Write(path, []byte(tt.data), tt.perm); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != tt.data {
			t.Errorf("read back %q (%v), want %q", got, err, tt.data)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != tt.perm {
			t.Errorf("mode %v (%v), want %v", fi.Mode().Perm(), err, tt.perm)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want the file alone (no temporary file left)", len(entries))
	}
}

// TestWriteFailureKeepsTheFile: a write that cannot finish (here: the path is a directory, so the rename
// fails) leaves what was there, and no temporary file.
func TestWriteFailureKeepsTheFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "report.json")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "inside"), []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(target, []byte("new"), 0o644); err == nil {
		t.Fatal("Write over a non-empty directory succeeded")
	}
	if got, err := os.ReadFile(filepath.Join(target, "inside")); err != nil || string(got) != "kept" {
		t.Errorf("what was there: %q (%v)", got, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want the target alone", len(entries))
	}
	if err := Write(filepath.Join(dir, "no-such-dir", "f"), []byte("x"), 0o644); err == nil {
		t.Error("Write into a missing directory succeeded")
	}
}

// TestOccupied: a file or directory is there; a missing path, or one under a file, holds nothing.
func TestOccupied(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(file, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{file: true, dir: true, filepath.Join(dir, "none"): false, filepath.Join(file, "under"): false} {
		if got := Occupied(path); got != want {
			t.Errorf("Occupied(%s) = %v, want %v", path, got, want)
		}
	}
}
