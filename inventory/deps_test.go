package inventory_test

import (
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestModelLinksNoSDK: the snapshot model, the planner and the plan file format read and write plain values;
// none of them may link the Alibaba SDK, its credentials chain or the client package built on them (package
// inventory/collect is where the SDK side lives). A new import that drags them in fails here.
func TestModelLinksNoSDK(t *testing.T) {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(goTool); err != nil {
		goTool = "go"
	}
	forbidden := []string{
		"github.com/alibabacloud-go/",
		"github.com/aliyun/credentials-go",
		"github.com/ipam-teardown/ipam-teardown/internal/cloudapi",
	}
	for _, pkg := range []string{"./plans", "./planner", "./inventory"} {
		cmd := exec.Command(goTool, "list", "-deps", pkg)
		cmd.Dir = ".." // the module root
		out, err := cmd.Output()
		if err != nil {
			var stderr string
			if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, stderr)
		}
		deps := strings.Fields(string(out))
		if len(deps) == 0 {
			t.Fatalf("go list -deps %s listed nothing", pkg)
		}
		for _, dep := range deps {
			for _, f := range forbidden {
				if dep == f || strings.HasPrefix(dep, f) && (strings.HasSuffix(f, "/") || strings.HasPrefix(dep[len(f):], "/")) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}
