package plans

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckKeysLayouts: checkKeys finds the top-level checksum's value (the range the file's hash leaves out)
// in every file Write wrote, and refuses a repeated key whatever the layout around it: the file as written,
// with a space more before a key, with CRLF line ends, compact.
func TestCheckKeysLayouts(t *testing.T) {
	files := map[string][]byte{}
	for name, p := range fixtures(t) {
		files[name] = mustMarshal(t, p)
	}
	golden, _ := filepath.Glob(filepath.Join("..", "planner", "testdata", "golden", "*.plan.json"))
	for _, path := range golden {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(path)] = b
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			start, end, err := checkKeys(data)
			if err != nil {
				t.Fatal(err)
			}
			want := bytes.LastIndex(data, []byte(`"sha256:`))
			if start != want || end != len(data)-len("\n}\n") {
				t.Errorf("checkKeys finds the checksum at [%d:%d], want [%d:%d]", start, end, want, len(data)-3)
			}
			layouts := map[string][]byte{
				"written":  data,
				"indented": bytes.Replace(data, []byte("\n  \"format_version\""), []byte("\n   \"format_version\""), 1),
				"crlf":     bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")),
				"compact":  compact(t, data),
			}
			for layout, b := range layouts {
				dup := bytes.Replace(b, []byte(`"region":`), []byte(`"region": "x", "region":`), 1)
				if _, _, err := checkKeys(dup); err == nil || !strings.Contains(err.Error(), `the plan: key "region" appears a second time`) {
					t.Errorf("%s: checkKeys of a repeated key = %v, want it refused", layout, err)
				}
			}
		})
	}
}

func compact(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
