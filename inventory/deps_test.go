package inventory_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestModelLinksNoSDK: the snapshot model, the planner, the plan file format and the timeline of a report read
// and write plain values; none of them may link the Alibaba SDK, its credentials chain or the client package
// built on them (package inventory/collect is where the SDK side lives). A new import that drags them in
// fails here.
func TestModelLinksNoSDK(t *testing.T) {
	// The go tool that runs this test (go test puts its GOROOT first in PATH) lists the dependencies.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go tool on PATH: %v", err)
	}
	forbidden := []string{
		"github.com/alibabacloud-go/",
		"github.com/aliyun/credentials-go",
		"github.com/ipam-teardown/ipam-teardown/internal/cloudapi",
	}
	const module = "github.com/ipam-teardown/ipam-teardown"
	for _, pkg := range []string{"./plans", "./planner", "./inventory", "./timeline", "./tfexport"} {
		cmd := exec.Command(goTool, "list", "-deps", "-f", `{{.ImportPath}}{{"\t"}}{{.Dir}}{{"\t"}}{{join .GoFiles " "}}`, pkg)
		cmd.Dir = ".." // the module root
		out, err := cmd.Output()
		if err != nil {
			var stderr string
			if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, stderr)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) < 2 {
			t.Fatalf("go list -deps %s listed %q", pkg, out)
		}
		for _, line := range lines {
			dep, rest, _ := strings.Cut(line, "\t")
			for _, f := range forbidden {
				if dep == f || strings.HasPrefix(dep, f) && (strings.HasSuffix(f, "/") || strings.HasPrefix(dep[len(f):], "/")) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
			if dep == module || strings.HasPrefix(dep, module+"/") {
				// Stat the module's own sources this verdict rests on: the test cache then reruns the test
				// when one of them changes, although only the go tool, not this binary, reads them.
				dir, files, _ := strings.Cut(rest, "\t")
				for _, name := range append(strings.Fields(files), ".") { // ".": a file added changes the directory
					if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
}
