package plans

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSortStepsIsStable: sortSteps orders steps as a stable sort by (level, id) does, equal keys included.
func TestSortStepsIsStable(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 10, 1000} {
		steps := make([]Step, n)
		for i := range steps {
			// Few distinct keys, so that many steps compare equal; Rule records the original position.
			steps[i] = Step{ID: string(rune('a' + r.IntN(4))), Level: r.IntN(3), Rule: strings.Repeat("x", i)}
		}
		want := slices.Clone(steps)
		slices.SortStableFunc(want, compareStep)
		got := slices.Clone(steps)
		sortSteps(got)
		for i := range want {
			if got[i].ID != want[i].ID || got[i].Level != want[i].Level || got[i].Rule != want[i].Rule {
				t.Fatalf("n=%d: position %d holds %+v, want %+v", n, i, got[i], want[i])
			}
		}
	}
}

// containsFoldASCIIRef and mayHoldCredentialRef are the filter as it was first written, the reference the
// one-pass version must agree with.
func containsFoldASCIIRef(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		j := 0
		for ; j < len(sub); j++ {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				break
			}
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}

func mayHoldCredentialRef(s string) bool {
	return strings.Contains(s, "LTAI") || strings.Contains(s, "STS.") ||
		containsFoldASCIIRef(s, "key") || containsFoldASCIIRef(s, "token") || containsFoldASCIIRef(s, "hmac")
}

func TestMayHoldCredential(t *testing.T) {
	for _, s := range []string{"", "k", "ke", "key", "KEY", "xKeY", "monkey", "tok", "toKen", "HMAC", "hma", "LTAI", "ltai", "LTA",
		"STS.", "STS", "sts.", "delete-pool/ipam-pool-1", "cn-hangzhou", "8.1", "AccessKeyId", "\xffkey", "é-token", "\u212aey", "LLTAI", "SSTS."} {
		if got, want := mayHoldCredential(s), mayHoldCredentialRef(s); got != want {
			t.Errorf("mayHoldCredential(%q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzMayHoldCredential(f *testing.F) {
	f.Add("AccessKeyId")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := mayHoldCredential(s), mayHoldCredentialRef(s); got != want {
			t.Errorf("mayHoldCredential(%q) = %v, want %v", s, got, want)
		}
	})
}

// TestReadAll: readAll returns the whole of a reader that knows its size, one that does not, and a file, and
// stops at the limit (Read then refuses the file as too large).
func TestReadAll(t *testing.T) {
	data := []byte(strings.Repeat("0123456789", 1000))
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for name, tc := range map[string]struct {
		r     io.Reader
		limit int64
		want  []byte
	}{
		"bytes.Reader":       {bytes.NewReader(data), 1 << 20, data},
		"plain reader":       {io.MultiReader(bytes.NewReader(data)), 1 << 20, data},
		"file":               {f, 1 << 20, data},
		"over the limit":     {bytes.NewReader(data), 100, data[:100]},
		"empty bytes.Reader": {bytes.NewReader(nil), 100, nil},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := readAll(tc.r, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("got %d bytes, want %d", len(got), len(tc.want))
			}
		})
	}
}

func TestCredentialStarts(t *testing.T) {
	if len(credentialStarts) != 256 {
		t.Fatalf("credentialStarts has %d bytes, want 256", len(credentialStarts))
	}
	for c := range 256 {
		want := strings.ContainsRune("LSKkTtHh", rune(c))
		if got := credentialStarts[c] == 1; got != want {
			t.Errorf("credentialStarts[%q] = %v, want %v", rune(c), got, want)
		}
	}
}
