package inventory

import (
	"bytes"
	"os"
	"testing"
)

// FuzzReadSnapshot feeds arbitrary bytes to ReadSnapshot, the reader of `plan --from-inventory`. It must never
// panic, and a snapshot it accepts is a fixed point of its canonical form: written out and read again, it
// gives the same bytes.
func FuzzReadSnapshot(f *testing.F) {
	// A real snapshot: `inventory --all` of testdata/topologies/multi-account.yaml served by `sim serve`.
	seed, err := os.ReadFile("testdata/multi-account.snapshot.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"region":"cn-hangzhou","account_id":"1","selector":{"all":true},"collected_at":"2026-01-01T00:00:00Z","ipams":[],"discoveries":[]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	f.Add(append(bytes.Clone(seed), `{}`...))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ReadSnapshot(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			return
		}
		out, err := s.CanonicalJSON()
		if err != nil {
			t.Fatalf("an accepted snapshot does not encode: %v", err)
		}
		s2, err := ReadSnapshot(bytes.NewReader(out), "canonical.json")
		if err != nil {
			t.Fatalf("the canonical form of an accepted snapshot is refused: %v\n%s", err, out)
		}
		out2, err := s2.CanonicalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("the canonical form is not a fixed point:\n%s\nthen\n%s", out, out2)
		}
	})
}
