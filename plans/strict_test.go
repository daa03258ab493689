package plans

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestDecodeSkipsTheWalkOnlyForCanonicalFiles: decode accepts a file Write wrote without checkKeys' walk, and
// finds its checksum where the walk finds it; a file in any other layout (the same plan re-indented) is
// walked, and still refused for a repeated key that encoding/json would have taken.
func TestDecodeSkipsTheWalkOnlyForCanonicalFiles(t *testing.T) {
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
			_, start, end, err := decode(data)
			if err != nil {
				t.Fatal(err)
			}
			wantStart, wantEnd, err := checkKeys(data)
			if err != nil {
				t.Fatal(err)
			}
			if start != wantStart || end != wantEnd {
				t.Errorf("decode finds the checksum at [%d:%d], checkKeys at [%d:%d]", start, end, wantStart, wantEnd)
			}
			// One space more before the first key: no longer what encode writes, so the key check runs.
			loose := bytes.Replace(data, []byte(`{`+"\n"+`  "format_version"`), []byte(`{`+"\n"+`   "format_version"`), 1)
			dup := bytes.Replace(loose, []byte(`"region": `), []byte(`"region": "x", "region": `), 1)
			if _, _, _, err := decode(dup); err == nil || !bytes.Contains([]byte(err.Error()), []byte(`key "region" appears a second time`)) {
				t.Errorf("decode of a re-indented file with a repeated key = %v, want the repeated key refused", err)
			}
		})
	}
}
