package main

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra/doc"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/cli from the command tree")

// cliDocsDir is the command reference, one markdown page per command, generated from the cobra tree.
const cliDocsDir = "../../docs/cli"

// TestCLIDocs: docs/cli is what cobra's doc generator writes for today's command tree, so a changed flag,
// help text or command shows there in the same commit. go test ./cmd/ipam-teardown -run TestCLIDocs -update
// rewrites it.
func TestCLIDocs(t *testing.T) {
	// Defaults that come from the environment would make the pages differ from machine to machine.
	t.Setenv("ALIBABA_CLOUD_REGION_ID", "")
	root := newRootCommand(nil, nil)
	root.DisableAutoGenTag = true // no date in the pages
	gen := t.TempDir()
	if err := doc.GenMarkdownTree(root, gen); err != nil {
		t.Fatal(err)
	}
	got := readDir(t, gen)
	if *updateDocs {
		if err := os.RemoveAll(cliDocsDir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(cliDocsDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, text := range got {
			if err := os.WriteFile(filepath.Join(cliDocsDir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := readDir(t, cliDocsDir)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("docs/cli is stale (-docs/cli +command tree); run go test ./cmd/ipam-teardown -run TestCLIDocs -update:\n%s", diff)
	}
	for _, page := range []string{"ipam-teardown.md", "ipam-teardown_apply.md", "ipam-teardown_sim_serve.md", "ipam-teardown_completion_bash.md"} {
		if _, ok := got[page]; !ok {
			t.Errorf("the reference has no %s: %v", page, keys(got))
		}
	}
}

// readDir returns the files of dir by name, with their text.
func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(data)
	}
	return files
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
