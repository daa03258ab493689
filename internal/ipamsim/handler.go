package ipamsim

import (
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// Credentials returns the access keys of the emulator's accounts, for the wire layer and for clients.
func (s *Sim) Credentials() []wire.Credential {
	out := make([]wire.Credential, 0, len(s.opts.Accounts))
	for _, a := range s.opts.Accounts {
		out = append(out, wire.Credential{AccessKeyID: a.AccessKeyID, AccessKeySecret: a.AccessKeySecret, Account: a.ID})
	}
	return out
}

// Handler puts the HTTP protocol in front of the emulator: signature checks with the accounts' keys and the
// temporary credentials AssumeRole issued, the given
// faults decided under seed, and the call log.
func (s *Sim) Handler(faults []wire.FaultRule, seed int64) (*wire.Server, error) {
	now := s.opts.Now
	if now == nil {
		now = time.Now
	}
	return wire.NewServer(wire.Config{Backend: s, Credentials: s.Credentials(), Source: s, Faults: faults, Seed: seed, Now: now})
}
