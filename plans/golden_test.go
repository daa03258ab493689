package plans

import (
	"bytes"
	"path/filepath"
	"testing"
)

// goldenExt is the file extension of each format's golden file.
var goldenExt = map[string]string{"text": "txt", "markdown": "md", "json": "json", "dot": "dot", "mermaid": "mmd"}

func TestRenderGolden(t *testing.T) {
	for name, p := range fixtures(t) {
		for _, format := range Formats() {
			t.Run(name+"/"+format, func(t *testing.T) {
				var buf bytes.Buffer
				if err := Render(&buf, p, format); err != nil {
					t.Fatal(err)
				}
				assertGolden(t, filepath.Join("testdata", "golden", name+"."+goldenExt[format]), buf.Bytes())
			})
		}
	}
}
