package plans

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// TestCheckKeysManyKeys: a map object (a step's params) may hold any number of keys, and a key given twice is
// refused wherever the two stand: both among the first keys, one there and one past them, or both past them
// (where the check keeps a map instead of searching every key read before, which took 13 s on a crafted file of
// 100,000 keys).
func TestCheckKeysManyKeys(t *testing.T) {
	var p *Plan
	for _, f := range fixtures(t) {
		if len(f.Steps) > 0 {
			p = f
			break
		}
	}
	data := mustMarshal(t, p)
	for _, tt := range []struct {
		name        string
		first, last int // the indexes of the two keys named k<first>
		n           int
	}{{"both early", 2, 9, 12}, {"early and late", 3, 30, 40}, {"both late", 20, 35, 40}, {"none", -1, -1, 5000}} {
		var extra strings.Builder
		for i := range tt.n {
			name := i
			if i == tt.last {
				name = tt.first
			}
			fmt.Fprintf(&extra, `"k%d": "v", `, name)
		}
		b := bytes.Replace(data, []byte(`"params": {`), []byte(`"params": {`+extra.String()), 1)
		_, _, err := checkKeys(b)
		if tt.first < 0 {
			if err != nil {
				t.Errorf("%s: %v, want no error", tt.name, err)
			}
			continue
		}
		if want := fmt.Sprintf(`key "k%d" appears a second time`, tt.first); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", tt.name, err, want)
		}
	}
}
