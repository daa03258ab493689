package ipamsim

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"
)

// idGen makes resource ids that look like the service's (reference 1.9) and are deterministic: the n-th id
// of a Sim with a given IDSeed is always the same, so golden files and topologies are reproducible.
type idGen struct {
	seed int64
	n    uint64
}

func newIDGen(seed int64) *idGen { return &idGen{seed: seed} }

const (
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	mixedAlnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

// idLength is the length of the random part after the prefix, per the documented examples: 18 for IPAM,
// scope, pool and allocation ids, 21 for resource discoveries and their associations.
func idLength(prefix string) int {
	if strings.HasPrefix(prefix, "ipam-res-disco") {
		return 21
	}
	return 18
}

// token returns n characters from alphabet, derived from the seed and a counter.
func (g *idGen) token(n int, alphabet string) string {
	g.n++
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(g.seed))
	binary.BigEndian.PutUint64(buf[8:], g.n)
	var b strings.Builder
	b.Grow(n)
	for block := uint32(0); b.Len() < n; block++ {
		h := sha256.New()
		h.Write(buf[:])
		_ = binary.Write(h, binary.BigEndian, block)
		for _, c := range h.Sum(nil) {
			if b.Len() == n {
				break
			}
			b.WriteByte(alphabet[int(c)%len(alphabet)])
		}
	}
	return b.String()
}

// newID returns prefix + "-" + a lower-case alphanumeric suffix, e.g. newID("ipam-pool") ->
// "ipam-pool-6rcq3tobayc20t1abc". Prefixes: ipam, ipam-scope, ipam-pool, ipam-alloc, ipam-res-disco,
// ipam-res-disco-assoc, vpc (PERIPHERY may use others; "rs" shares want newShareID).
func (s *Sim) newID(prefix string) string {
	return prefix + "-" + s.ids.token(idLength(prefix), lowerAlnum)
}

// newShareID returns a Resource Sharing id such as "rs-qSkW1HBYab12".
func (s *Sim) newShareID() string {
	return "rs-" + s.ids.token(12, mixedAlnum)
}
