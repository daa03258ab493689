package plans

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"
	"unicode/utf8"
)

// assertDecodeAgrees checks decodeFast's contract on data: when it accepts, the strict encoding/json decoder
// accepts too and returns an equal plan (reflect.DeepEqual: nil and empty slices and maps differ). It returns
// whether decodeFast accepted.
func assertDecodeAgrees(t *testing.T, data []byte) bool {
	t.Helper()
	if !utf8.Valid(data) {
		return false // decode refuses it before either decoder sees it; decodeFast relies on that
	}
	fast, ok := decodeFast(data)
	if !ok {
		return false
	}
	slow, err := decodeStrict(data)
	if err != nil {
		t.Fatalf("decodeFast accepts what encoding/json refuses (%v):\n%.400s", err, data)
	}
	start, end, err := checkKeys(data)
	if err != nil {
		t.Fatalf("decodeFast accepts what checkKeys refuses (%v):\n%.400s", err, data)
	}
	if !fast.keysChecked || start != fast.checksumStart || end != fast.checksumEnd {
		t.Fatalf("decodeFast finds the checksum at [%d:%d] (keys checked: %v), checkKeys at [%d:%d]",
			fast.checksumStart, fast.checksumEnd, fast.keysChecked, start, end)
	}
	if !reflect.DeepEqual(fast.plan, slow) {
		t.Fatalf("decodeFast and encoding/json read different plans from\n%.400s\nfast: %+v\nslow: %+v", data, fast, slow)
	}
	return true
}

// planFiles returns the files Marshal writes for the fixtures, the golden plans and a generated 10,000-step
// plan, by name.
func planFiles(t testing.TB) map[string][]byte {
	files := map[string][]byte{}
	for name, p := range fixtures(t) {
		b, err := Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	golden, _ := filepath.Glob(filepath.Join("..", "planner", "testdata", "golden", "*.plan.json"))
	more, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	for _, path := range append(golden, more...) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files[path] = b
	}
	b, err := Marshal(largePlan(10_000))
	if err != nil {
		t.Fatal(err)
	}
	files["generated-10k"] = b
	return files
}

// TestDecodeFastMatchesJSON: decodeFast reads every plan file Marshal writes (so Read takes the fast path
// for them) into the plan encoding/json reads, and gives up, leaving the error to encoding/json, on
// variations it does not handle.
func TestDecodeFastMatchesJSON(t *testing.T) {
	for name, data := range planFiles(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			if !assertDecodeAgrees(t, data) {
				t.Fatal("decodeFast gives up on a file Marshal wrote")
			}
			// Accepted variations, which must still agree.
			for _, v := range [][]byte{
				bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")),
				bytes.ReplaceAll(data, []byte("  "), []byte("\t")),
				bytes.Replace(data, []byte(`"level": 1`), []byte(`"level": -0`), 1),
				// A case variant inside options: both refuse it (checkKeys walks options like any object).
				bytes.Replace(data, []byte(`"exclude": [`), []byte(`"Exclude": [], "exclude": [`), 1),
				// A summary that lies (Validate refuses it later) only sizes the slices differently.
				regexp.MustCompile(`("summary": \{\s*"steps": )\d+`).ReplaceAll(data, []byte("${1}123456789")),
				regexp.MustCompile(`("summary": \{\s*"steps": )\d+`).ReplaceAll(data, []byte("${1}0")),
			} {
				assertDecodeAgrees(t, v)
			}
			// Variations decodeFast leaves to encoding/json (which accepts some of them, refuses others).
			for i, v := range [][]byte{
				bytes.Replace(data, []byte(`"action"`), []byte(`"ACTION"`), 1),
				bytes.Replace(data, []byte(`"id": "`), []byte(`"id": "x", "id": "`), 1),
				bytes.Replace(data, []byte(`"level": 1`), []byte(`"level": 1.0`), 1),
				bytes.Replace(data, []byte(`"level": 1`), []byte(`"level": 01`), 1),
				bytes.Replace(data, []byte(`"level": 1`), []byte(`"level": 1e0`), 1),
				bytes.Replace(data, []byte(`"level": 1`), []byte(`"level": "1"`), 1),
				bytes.Replace(data, []byte(`"depends_on": [`), []byte(`"depends_on": null, "x": [`), 1),
				bytes.Replace(data, []byte(`"rule": "`), []byte(`"rule": "\u0038`), 1),
				bytes.Replace(data, []byte(`"rule": "`), []byte(`"rule": "a`+"\t"), 1),
				bytes.Replace(data, []byte(`"region": "`), []byte(`"extra": 1, "region": "`), 1),
				append(bytes.Clone(data), '{', '}'),
				repeatFirstParam(data),
				bytes.Replace(data, []byte(`"summary": {`), []byte(`"summary": {"Steps": 1, `), 1),
				// A summary whose counts overflow: only a capacity hint for decodeFast, which must not panic.
				regexp.MustCompile(`("summary": \{\s*"steps": )\d+`).ReplaceAll(data, []byte("${1}99999999999999999999999")),
				bytes.Replace(data, []byte(`"summary": {`), []byte(`"summary": {"steps": 1, `), 1),
				bytes.Replace(data, []byte(`"selector": {`), []byte(`"selector": {"Name": "x", `), 1),
				data[:len(data)/2],
			} {
				if bytes.Equal(v, data) {
					continue // the file has nothing to vary there (a plan without steps)
				}
				if assertDecodeAgrees(t, v) {
					t.Errorf("decodeFast accepted variation %d, which it should leave to encoding/json", i)
				}
			}
		})
	}
}

// FuzzDecodeFast: whatever decodeFast accepts, encoding/json accepts and reads the same.
func FuzzDecodeFast(f *testing.F) {
	for _, data := range planFiles(f) {
		if len(data) < 100_000 {
			f.Add(data)
			f.Add(bytes.ReplaceAll(data, []byte(`": "`), []byte(`":"`)))
		}
	}
	f.Add([]byte(`{"format_version": 1, "steps": [{"id": "a", "level": 7, "params": {}}], "summary": {"by_action": {}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		assertDecodeAgrees(t, data)
	})
}

// repeatFirstParam repeats the first key and value of the first params object of data (a key given twice in a
// map); it returns data when there is none.
func repeatFirstParam(data []byte) []byte {
	loc := regexp.MustCompile(`"params": \{\s*("[^"]*": "[^"]*")`).FindSubmatchIndex(data)
	if loc == nil {
		return data
	}
	out := append(bytes.Clone(data[:loc[3]]), ", "...)
	out = append(out, data[loc[2]:loc[3]]...)
	return append(out, data[loc[3]:]...)
}
