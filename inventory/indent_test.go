package inventory

import (
	"bytes"
	"encoding/json"
	"testing"
)

// indentBoth indents compact JSON with encoding/json's Indent and with indentWriter, the latter fed in pieces
// of size chunk (so that escapes and brackets fall across writes), and returns both.
func indentBoth(t *testing.T, compact []byte, chunk int) (want, got []byte) {
	t.Helper()
	var w bytes.Buffer
	if err := json.Indent(&w, compact, "", "  "); err != nil {
		t.Fatal(err)
	}
	var g bytes.Buffer
	iw := newIndentWriter(&g)
	for i := 0; i < len(compact); i += chunk {
		iw.Write(compact[i:min(i+chunk, len(compact))])
	}
	if err := iw.Flush(); err != nil {
		t.Fatal(err)
	}
	return w.Bytes(), g.Bytes()
}

func TestIndentWriterMatchesIndent(t *testing.T) {
	for _, doc := range []string{
		`{}`, `[]`, `{"a":[]}`, `{"a":{},"b":[1,2,{"c":null}]}`,
		`{"s":"a \"quoted\" [string], with {brackets}: and \\ backslashes\\","t":"\u003chtml\u003e"}`,
		`[[[]],[{}],"x\\\"y"]`, `{"n":-1.5e+10,"b":true,"f":false}`,
	} {
		for _, chunk := range []int{1, 2, 3, 7, 1 << 20} {
			want, got := indentBoth(t, []byte(doc), chunk)
			if !bytes.Equal(want, got) {
				t.Errorf("%s in chunks of %d:\ngot  %s\nwant %s", doc, chunk, got, want)
			}
		}
	}
}

// FuzzIndentWriter: whatever compact JSON encoding/json writes for a value read from the input, the
// indentWriter indents it as json.Indent does, whatever the chunking.
func FuzzIndentWriter(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":"c\"d"}],"e":{}}`), uint8(3))
	f.Add([]byte(`["\\",[],{}]`), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		compact, err := json.Marshal(v)
		if err != nil {
			return
		}
		want, got := indentBoth(t, compact, int(chunk)+1)
		if !bytes.Equal(want, got) {
			t.Fatalf("compact %s:\ngot  %s\nwant %s", compact, got, want)
		}
	})
}
