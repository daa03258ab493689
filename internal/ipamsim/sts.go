package ipamsim

import "github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"

// Sts 2015-04-01 GetCallerIdentity: how a client learns which account its credentials belong to. The
// emulator's access keys are account (root) keys, so the identity is the account itself.

// productSts is the Sts product (wire maps version 2015-04-01 to it).
const productSts = wire.ProductSts

// registerSts registers the Sts actions.
func (s *Sim) registerSts(m handlerSet) {
	m.add(productSts, "GetCallerIdentity", s.getCallerIdentity)
}

// GetCallerIdentity answers {AccountId, IdentityType, Arn, PrincipalId, UserId} for the calling account.
// The call has no parameters and no RegionId.
func (s *Sim) getCallerIdentity(c *call) (map[string]any, error) {
	return map[string]any{
		"AccountId":    c.account,
		"IdentityType": "Account",
		"Arn":          "acs:ram::" + c.account + ":root",
		"PrincipalId":  c.account,
		"UserId":       c.account,
	}, nil
}
