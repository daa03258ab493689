package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// TestBuildVersion: what version prints for the stamps go install and go build leave in the binary.
func TestBuildVersion(t *testing.T) {
	stamp := func(version string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/ipam-teardown/ipam-teardown", Version: version}}
		for i := 0; i+1 < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	tests := []struct {
		name    string
		ldflags string
		bi      *debug.BuildInfo
		want    string
	}{
		{"no build info", "", nil, "(devel)"},
		{"go install @v1.2.0", "", stamp("v1.2.0"), "v1.2.0"},
		{"go run, no stamp", "", stamp(""), "(devel)"},
		{"go build in a clean clone", "", stamp("v0.0.0-20261207040000-0123456789ab",
			"vcs", "git", "vcs.revision", "0123456789abcdef", "vcs.time", "2026-12-07T04:00:00Z", "vcs.modified", "false"),
			"v0.0.0-20261207040000-0123456789ab (revision 0123456789abcdef, 2026-12-07T04:00:00Z)"},
		{"go build with local changes", "", stamp("(devel)",
			"vcs.revision", "0123456789abcdef", "vcs.time", "2026-12-07T04:00:00Z", "vcs.modified", "true"),
			"(devel) (revision 0123456789abcdef, 2026-12-07T04:00:00Z, modified)"},
		{"-ldflags -X main.version", "v9.9.9", stamp("v1.2.0", "vcs.revision", "abc"), "v9.9.9 (revision abc)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := buildVersion(tt.ldflags, tt.bi).String(); got != tt.want {
				t.Errorf("version = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestVersionOfABuild builds the command as a user does (go build in a clone) and asks it: version and
// --version print the same line, with the revision, its time and the modified flag of this work tree. go
// build stamps only a repository whose .git is a directory, which a git worktree's is not: there the build
// runs in a clone of HEAD with this work tree's changes copied in.
func TestVersionOfABuild(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the command")
	}
	git := func(dir string, args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Skipf("git %v: %v (no clone to stamp)", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	top := git(".", "rev-parse", "--show-toplevel")
	rev := git(top, "rev-parse", "HEAD")
	dirty := git(top, "status", "--porcelain") != ""
	src := top
	if fi, err := os.Stat(filepath.Join(top, ".git")); err != nil || !fi.IsDir() {
		src = filepath.Join(t.TempDir(), "clone")
		git(top, "clone", "--quiet", "--shared", top, src)
		changed := git(top, "ls-files", "--modified", "--others", "--exclude-standard", "-z")
		for _, f := range strings.Split(changed, "\x00") {
			if f == "" {
				continue
			}
			data, err := os.ReadFile(filepath.Join(top, f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Dir(filepath.Join(src, f)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(src, f), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	bin := filepath.Join(t.TempDir(), "ipam-teardown")
	build := exec.Command("go", "build", "-o", bin, "./cmd/ipam-teardown")
	build.Dir = src
	// A user's go build stamps the VCS; a GOFLAGS of this machine may say otherwise.
	build.Env = append(os.Environ(), "GOFLAGS="+os.Getenv("GOFLAGS")+" -buildvcs=true")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var lines []string
	for _, arg := range []string{"version", "--version"} {
		out, err := exec.Command(bin, arg).Output()
		if err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		lines = append(lines, strings.TrimSpace(string(out)))
	}
	if lines[0] != lines[1] {
		t.Errorf("version says %q, --version %q", lines[0], lines[1])
	}
	line := lines[0]
	// go build stamps a pseudo-version of the commit (v0.0.0-TIME-REV, +dirty when modified).
	if !strings.HasPrefix(line, "ipam-teardown v") {
		t.Errorf("version = %q, want the module version go build stamps", line)
	}
	if !strings.Contains(line, "(revision "+rev+", ") {
		t.Errorf("version = %q, want revision %s", line, rev)
	}
	if got := strings.HasSuffix(line, ", modified)"); got != dirty {
		t.Errorf("version = %q: modified = %v, want %v (git status)", line, got, dirty)
	}
}
