package plans

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipam-teardown/ipam-teardown/inventory"
)

// encodeJSON is how encode wrote a plan before it had its own encoder, and the reference it must match byte
// for byte.
func encodeJSON(t testing.TB, p *Plan) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func assertEncodeMatches(t *testing.T, p *Plan) {
	t.Helper()
	got, err := encode(p)
	if err != nil {
		t.Fatal(err)
	}
	want := encodeJSON(t, p)
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		lo := max(0, i-80)
		t.Fatalf("encode differs from encoding/json at byte %d:\n got: %q\nwant: %q", i,
			got[lo:min(len(got), i+80)], want[lo:min(len(want), i+80)])
	}
}

// TestEncodeMatchesJSON: the hand-written encoder writes exactly what encoding/json writes, for the fixtures,
// every golden plan file, a generated 10,000-step plan, and plans whose strings need escaping, whose slices
// and maps are nil or empty and whose optional fields are set or not.
func TestEncodeMatchesJSON(t *testing.T) {
	for name, p := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			assertEncodeMatches(t, p)
			if _, err := Marshal(p); err != nil {
				t.Fatal(err)
			}
			assertEncodeMatches(t, p) // canonical, with summary
		})
	}
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
			assertEncodeMatches(t, p)
			again, err := Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, data) {
				t.Fatalf("%s does not write back to the same bytes", path)
			}
		})
	}
	t.Run("generated-10k", func(t *testing.T) {
		p := largePlan(10_000)
		assertEncodeMatches(t, p)
		if _, err := Marshal(p); err != nil {
			t.Fatal(err)
		}
		assertEncodeMatches(t, p)
	})
	t.Run("nil-and-empty", func(t *testing.T) {
		assertEncodeMatches(t, &Plan{})
		assertEncodeMatches(t, &Plan{Steps: []Step{{}}, Blockers: []Blocker{{}}})
		assertEncodeMatches(t, &Plan{Steps: []Step{{Params: map[string]string{}, DependsOn: []Dependency{}, DryRunCodes: []string{}, Implies: []Implied{}}},
			Blockers: []Blocker{{HeldBack: []string{}, Pruned: []string{}}}})
	})
	weird := []string{"", "plain", `quote"`, `back\slash`, "<none> & co", "tab\there", "nl\nx\r", "\b\f\x00\x1f\x7f",
		"caf\u00e9 \u4e2d\u6587", "\u2028\u2029", "bad \xff utf8", "\xed\xa0\x80", "emoji \U0001F600", strings.Repeat("long ", 50)}
	for i, w := range weird {
		p := &Plan{
			PlanID: w, Region: w, Selector: inventory.Selector{Tags: map[string]string{w: w}},
			Steps: []Step{{ID: w, Action: w, Product: w, ResourceType: w, ResourceID: w, IPAMID: w, Region: w,
				Params: map[string]string{w: w, "b" + w: "", "a": w}, DependsOn: []Dependency{{ID: w, Rule: w}, {}},
				Level: -i, Rule: w, DryRunCodes: []string{w, w}, WaitFor: w,
				Implies: []Implied{{ResourceType: w, ResourceID: w, Reason: w}, {}}}, {Level: 1 << 40}},
			Blockers: []Blocker{{ResourceType: w, ResourceID: w, IPAMID: w, Reason: w, Rule: w, HeldBack: []string{w}, Pruned: []string{w, ""}},
				{HeldBack: nil}},
			Checksum: w,
		}
		t.Run("strings", func(t *testing.T) { assertEncodeMatches(t, p) })
	}
}

// FuzzEncode: for any strings and levels, encode writes what encoding/json writes.
func FuzzEncode(f *testing.F) {
	f.Add("delete-pool/ipam-pool-1", "RegionId", "cn-hangzhou", 3)
	f.Add("\u2028<&>\"\\", "\xff", "\x00", -1)
	f.Fuzz(func(t *testing.T, a, b, c string, level int) {
		p := &Plan{PlanID: a, Steps: []Step{{ID: a, Action: b, Region: c, IPAMID: c, Params: map[string]string{b: c, a: b},
			DependsOn: []Dependency{{ID: b, Rule: c}}, Level: level, DryRunCodes: []string{a}, WaitFor: b,
			Implies: []Implied{{ResourceType: a, ResourceID: b, Reason: c}}}},
			Blockers: []Blocker{{ResourceID: a, IPAMID: b, Reason: c, Rule: a, HeldBack: []string{b}, Pruned: []string{c}}}}
		assertEncodeMatches(t, p)
	})
}

// TestNeedsEscape: needsEscape agrees with the byte-at-a-time test for every byte value at every position of
// an otherwise plain word.
func TestNeedsEscape(t *testing.T) {
	for pos := range 8 {
		for c := range 256 {
			w := []byte("abcdefgh")
			w[pos] = byte(c)
			var word uint64
			for k := 7; k >= 0; k-- {
				word = word<<8 | uint64(w[k])
			}
			want := c < 0x20 || c > 0x7e || c == '"' || c == '\\'
			if got := needsEscape(word); got != want {
				t.Errorf("byte %#x at %d: needsEscape = %v, want %v", c, pos, got, want)
			}
		}
	}
}
