package plans

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoldenPlansWriteBack: every golden plan file reads and writes back to the same bytes, checksum
// included: the plan file's encoding (encoding/json, two-space indent, no HTML escaping) is the one the
// goldens were written with.
func TestGoldenPlansWriteBack(t *testing.T) {
	golden, err := filepath.Glob(filepath.Join("..", "planner", "testdata", "golden", "*.plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	golden = append(golden, more...)
	if len(golden) == 0 {
		t.Fatal("no golden plan files found")
	}
	for _, path := range golden {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Read(bytes.NewReader(data), path)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, data) {
				t.Fatalf("%s does not write back to the same bytes", path)
			}
		})
	}
}

// TestEncodeStrings: how encode writes the strings a plan may hold: HTML characters as they are (a reason
// like "<none>" stays readable in a diff), what JSON must escape escaped, the line and paragraph separators
// escaped as encoding/json always does.
func TestEncodeStrings(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<none> & co", `"<none> & co"`},
		{`quote" back\slash`, `"quote\" back\\slash"`},
		{"tab\there nl\n", `"tab\there nl\n"`},
		{"\x00\x1f", `"\u0000\u001f"`},
		{"\u2028\u2029", `"\u2028\u2029"`},
		{"caf\u00e9 \U0001F600", "\"caf\u00e9 \U0001F600\""},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			b, err := encode(&Plan{PlanID: tt.in})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), `"plan_id": `+tt.want+",\n") {
				t.Errorf("encode wrote %q as\n%s\nwant %s", tt.in, b, tt.want)
			}
		})
	}
}
