package catalog

import "testing"

func BenchmarkLookup(b *testing.B) {
	for b.Loop() {
		if _, ok := Lookup(ProductVpcIpam, "DeleteIpam"); !ok {
			b.Fatal("missing")
		}
	}
}
