package ipamsim

// PERIPHERY owns this file: Sts GetCallerIdentity.

// registerSts registers the Sts actions (PERIPHERY fills it).
func (s *Sim) registerSts(m handlerSet) {}
