package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/ipam-teardown/ipam-teardown/internal/atomicfile"
)

// fileRole is what a command does with one of its files.
type fileRole int

const (
	// fileInput is read and never written: a plan, a snapshot, a config.
	fileInput fileRole = iota
	// fileOutput is written whole (temporary file, then rename) in a directory that exists now.
	fileOutput
	// fileLater is written whole in a directory the command creates after its reads (destroy's out-dir):
	// only the collisions can be checked before the run.
	fileLater
	// fileJournal is appended to and read back to resume: an existing one is the resume state, not a
	// collision.
	fileJournal
)

// fileUse is one file of a command, named by the flag (or argument) that gave it.
type fileUse struct {
	flag string
	path string
	role fileRole
}

// checkFiles is the one check of a command's files, made before any call (exit 2 on a fault): every output
// can be written where it is asked for; no output is another of the command's files (the plan, the journal,
// an input, another output), whatever the spelling or link that names it; and no output replaces a plan
// that has a journal or a journal, the resume state of an interrupted run. "" and "-" (stdout) are no file.
func checkFiles(files ...fileUse) error {
	for i, f := range files {
		if isStdout(f.path) {
			continue
		}
		switch f.role {
		case fileOutput:
			if err := checkOutput(f.flag, f.path); err != nil {
				return err
			}
		case fileJournal:
			if err := checkFilePath(f.flag, f.path); err != nil {
				return err
			}
		}
		if f.role == fileOutput || f.role == fileLater {
			if err := keepsResumeState(f.flag, f.path); err != nil {
				return err
			}
		}
		for _, g := range files[:i] {
			if isStdout(g.path) || !sameFile(f.path, g.path) {
				continue
			}
			if f.role == fileInput || g.role == fileInput {
				out, in := f, g
				if f.role == fileInput {
					out, in = g, f
				}
				return usagef("%s %s: is the input %s (%s); write the output to another file", out.flag, out.path, in.path, in.flag)
			}
			return usagef("%s %s: is the same file as %s %s; each needs a file of its own", f.flag, f.path, g.flag, g.path)
		}
	}
	return nil
}

// keepsResumeState refuses to write over a plan that has a journal beside it, or over a journal whose plan
// is there: together they are the only way to resume an interrupted run.
func keepsResumeState(flag, path string) error {
	if !atomicfile.Occupied(path) {
		return nil
	}
	if atomicfile.Occupied(path + ".journal") {
		return usagef("%s %s: is a plan with a journal (%s.journal), an interrupted run's resume state: resume it with ipam-teardown apply %s, or write to another file",
			flag, path, path, path)
	}
	if plan, ok := strings.CutSuffix(path, ".journal"); ok && atomicfile.Occupied(plan) {
		return usagef("%s %s: is the journal of the plan %s, an interrupted run's resume state; write to another file", flag, path, plan)
	}
	return nil
}

// checkOutDir checks, before any call, a directory a command creates after its reads (destroy's --out-dir):
// the nearest part of it that exists must be a directory, so that the run does not list the service only to
// find that it cannot write its plan.
func checkOutDir(flag, dir string) error {
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		switch {
		case err == nil && fi.IsDir():
			return nil
		case err == nil && p == filepath.Clean(dir):
			return usagef("%s %s: is a file, not a directory", flag, dir)
		case err == nil:
			return usagef("%s %s: %s is a file, not a directory", flag, dir, p)
		case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
			return usagef("%s %s: %v", flag, dir, cause(err))
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// sameFile reports whether a and b name the same file: the same cleaned absolute path; both existing, the
// same inode (links, other spellings); or, not existing yet, the same name in the same directory reached
// through a link.
func sameFile(a, b string) bool {
	aa, errA := filepath.Abs(a)
	bb, errB := filepath.Abs(b)
	if errA == nil && errB == nil && aa == bb {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	if filepath.Base(a) != filepath.Base(b) {
		return false
	}
	da, errA := os.Stat(filepath.Dir(a))
	db, errB := os.Stat(filepath.Dir(b))
	return errA == nil && errB == nil && os.SameFile(da, db)
}

// unusedName is path when no file is there, else the first of name-2.ext, name-3.ext, ... that is free.
func unusedName(path string) string {
	ext := filepath.Ext(path)
	base := strings.TrimSuffix(path, ext)
	for n := 2; atomicfile.Occupied(path); n++ {
		path = fmt.Sprintf("%s-%d%s", base, n, ext)
	}
	return path
}
