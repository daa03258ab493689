package executor

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// maxClientToken is the longest ClientToken the API takes (reference 1.7, seed 003: at most 64 ASCII characters).
const maxClientToken = 64

// ClientToken derives the idempotency token of a step's first call: stable for a plan and a step, so a retry
// after a lost answer, in this run or a resumed one, sends the same token and the service applies the call at
// most once (StepToken has the rule for the calls after a refusal). It is the
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

// StepToken is the ClientToken of a step's real call after the service refused it refused times in this run.
// The rule, written here once: a call the service refused (a dependency code, a conflict, or a batch's
// not-found) took no effect, so the step's next call gets a new token, derived from the plan id, the step id
// and that count; every other repeat (throttled, a transient failure, a lost response) sends the token of the
// call before it, which may have run, so that the service applies it at most once. Why a new token after a
// refusal: what the service does with the token of a refused call is UNKNOWN (reference 1.7: the token is
// "unique per request"), and a service that remembered the refusal for it would answer every retry with that
// refusal until the step timed out; a new token cannot apply anything twice, since the refused call did
// nothing (Terraform too regenerates the token of several IPAM deletes on every attempt). A resumed run
// starts the count again: its first call sends ClientToken, which a lost answer of the earlier run may have
// applied (the resume's dry run then finds the resource gone).
func StepToken(planID, stepID string, refused int) string {
	if refused == 0 {
		return ClientToken(planID, stepID)
	}
	return ClientToken(planID, stepID+"#"+strconv.Itoa(refused))
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
