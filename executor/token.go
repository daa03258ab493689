package executor

import (
	"crypto/sha256"
	"encoding/hex"
)

// maxClientToken is the longest ClientToken the API takes (reference 1.7, seed 003: at most 64 ASCII characters).
const maxClientToken = 64

// ClientToken derives the idempotency token of a step: stable for a plan and a step, so every retry of the step,
// in this run or a resumed one, sends the same token and the service applies the call at most once. It is the
// plan id and 32 hex digits of the step id's SHA-256 when that fits in 64 ASCII characters, and 48 hex digits of
// the hash of both otherwise (plan ids are ASCII; a longer or odd one is hashed away).
func ClientToken(planID, stepID string) string {
	step := sha256.Sum256([]byte(stepID))
	tok := planID + "-" + hex.EncodeToString(step[:16])
	if len(tok) <= maxClientToken && ascii(planID) {
		return tok
	}
	both := sha256.Sum256([]byte(planID + "\x00" + stepID))
	return "itd-" + hex.EncodeToString(both[:24])
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
