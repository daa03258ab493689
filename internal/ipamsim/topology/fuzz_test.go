package topology

import (
	"errors"
	"os"
	"reflect"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse, the loader of `sim serve --topology` and of every test's
// topology. It must never panic, an error it returns is an *Error (which names the file and, where it can,
// the line), and parsing is deterministic.
func FuzzParse(f *testing.F) {
	for _, path := range []string{
		"../../../testdata/topologies/sandbox.yaml",
		"../../../testdata/topologies/multi-account.yaml",
		"testdata/generated.golden.yaml",
	} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("accounts:\n  - id: \"1000000000000001\"\n"))
	f.Add([]byte("accounts: []\n---\naccounts: []\n"))
	f.Add([]byte("&a [*a]"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		topo, err := Parse(data, "fuzz.yaml")
		if err != nil {
			var te *Error
			if !errors.As(err, &te) || te.File != "fuzz.yaml" {
				t.Fatalf("error %T %q is not a topology *Error naming the file", err, err)
			}
			return
		}
		again, err := Parse(data, "fuzz.yaml")
		if err != nil {
			t.Fatalf("accepted once, refused the second time: %v", err)
		}
		if !reflect.DeepEqual(topo.Accounts, again.Accounts) {
			t.Fatal("two parses of the same bytes differ")
		}
	})
}
