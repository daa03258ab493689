package ipamsim

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// Sts 2015-04-01: GetCallerIdentity, how a client learns which account its credentials belong to, and
// AssumeRole, which issues temporary credentials of a role of another (or the same) account. The emulator's
// permanent access keys are account keys, so their identity is the account itself; a temporary credential's
// identity is the assumed role's session (UNKNOWN 111).

// productSts is the Sts product (wire maps version 2015-04-01 to it).
const productSts = wire.ProductSts

// Limits of AssumeRole as the service documents them.
const (
	stsMinDuration     = 900 * time.Second
	stsMaxDuration     = 43200 * time.Second
	stsDefaultDuration = 3600 * time.Second
)

// validRoleName reports a RAM role name: 1-64 letters, digits, '.' and '-'.
func validRoleName(n string) bool { return len(n) >= 1 && len(n) <= 64 && onlyChars(n, ".-") }

// validSessionName reports an AssumeRole RoleSessionName: 2-64 letters, digits, '.', '@', '_' and '-'.
func validSessionName(n string) bool { return len(n) >= 2 && len(n) <= 64 && onlyChars(n, ".@_-") }

// onlyChars reports whether s holds only ASCII letters, digits and the given punctuation.
func onlyChars(s, punct string) bool {
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune(punct, r)) {
			return false
		}
	}
	return true
}

// parseRoleArn splits acs:ram::<account id>:role/<role name>.
func parseRoleArn(arn string) (account, name string, ok bool) {
	rest, ok := strings.CutPrefix(arn, "acs:ram::")
	if !ok {
		return "", "", false
	}
	account, name, ok = strings.Cut(rest, ":role/")
	if _, err := strconv.ParseUint(account, 10, 64); !ok || err != nil || name == "" || strings.Contains(name, "/") {
		return "", "", false
	}
	return account, name, true
}

// stsSession is one set of temporary credentials AssumeRole issued.
type stsSession struct {
	cred       wire.Credential // AccessKeyID STS.…, secret, token, and the role's account
	roleID     string
	assumedArn string // acs:ram::<account>:role/<name>/<session name>
	assumedID  string // <role id>:<session name>
	expires    time.Time
}

// registerSts registers the Sts actions.
func (s *Sim) registerSts(m handlerSet) {
	m.add(productSts, "GetCallerIdentity", s.getCallerIdentity)
	m.add(productSts, "AssumeRole", s.assumeRole)
}

// checkRoles validates account i's roles: well-formed, distinct names and trusted accounts the emulator knows.
func checkRoles(i int, a Account, known map[string]*Account) error {
	seen := map[string]bool{}
	for j, r := range a.Roles {
		where := fmt.Sprintf("ipamsim: Options.Accounts[%d].Roles[%d]", i, j)
		if !validRoleName(r.Name) {
			return fmt.Errorf("%s.Name %q is not a role name (1-64 letters, digits, '.', '-')", where, r.Name)
		}
		if seen[strings.ToLower(r.Name)] {
			return fmt.Errorf("%s.Name %q is listed twice in account %s", where, r.Name, a.ID)
		}
		seen[strings.ToLower(r.Name)] = true
		for k, id := range r.Trust {
			if _, ok := known[id]; !ok {
				return fmt.Errorf("%s.Trust[%d]: account %q is not an account of the emulator", where, k, id)
			}
		}
	}
	return nil
}

// LookupCredential implements wire.CredentialSource: the temporary credentials AssumeRole issued. An expired
// one is still found, so that the call answers InvalidSecurityToken.Expired (dispatch decides, on the
// emulator's clock) rather than an unknown key.
func (s *Sim) LookupCredential(accessKeyID string) (wire.Credential, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[accessKeyID]
	if !ok {
		return wire.Credential{}, false
	}
	return sess.cred, true
}

// session returns the temporary credential of an access key id, or nil for a permanent key.
func (s *Sim) session(accessKeyID string) *stsSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[accessKeyID]
}

// errTokenExpired is the service's answer to a temporary credential past its Expiration (UNKNOWN 111).
func errTokenExpired() *wire.Error {
	return wire.Errorf(http.StatusBadRequest, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.")
}

// GetCallerIdentity answers {AccountId, IdentityType, Arn, PrincipalId, UserId} for the calling account, or
// {AccountId, IdentityType AssumedRoleUser, Arn, PrincipalId, RoleId} for a role session. The call has no
// parameters and no RegionId.
func (s *Sim) getCallerIdentity(c *call) (map[string]any, error) {
	if sess := s.sessions[c.accessKey]; sess != nil { // dispatch holds s.mu
		return map[string]any{
			"AccountId":    c.account,
			"IdentityType": "AssumedRoleUser",
			"Arn":          sess.assumedArn,
			"PrincipalId":  sess.assumedID,
			"RoleId":       sess.roleID,
		}, nil
	}
	return map[string]any{
		"AccountId":    c.account,
		"IdentityType": "Account",
		"Arn":          "acs:ram::" + c.account + ":root",
		"PrincipalId":  c.account,
		"UserId":       c.account,
	}, nil
}

// assumeRole issues temporary credentials of RoleArn to a caller its trust policy names. Checks, in order:
// RoleArn and RoleSessionName present and well-formed, DurationSeconds in range, Policy absent (not
// modelled), the role exists (404 EntityNotExist.Role), the caller's account is trusted (403 NoPermission).
func (s *Sim) assumeRole(c *call) (map[string]any, error) {
	arn, name := c.params.Get("RoleArn"), c.params.Get("RoleSessionName")
	if arn == "" {
		return nil, errf("MissingRoleArn", "RoleArn is mandatory for this action.")
	}
	if name == "" {
		return nil, errf("MissingRoleSessionName", "RoleSessionName is mandatory for this action.")
	}
	roleAccount, roleName, ok := parseRoleArn(arn)
	if !ok {
		return nil, errf("InvalidParameter.RoleArn", "The parameter RoleArn is wrongly formed: %q; want acs:ram::<account id>:role/<role name>.", arn)
	}
	if !validSessionName(name) {
		return nil, errf("InvalidParameter.RoleSessionName", "The parameter RoleSessionName is wrongly formed: 2-64 letters, digits, '.', '@', '_', '-'.")
	}
	duration := stsDefaultDuration
	if n, ok, err := c.params.Int("DurationSeconds"); err != nil {
		return nil, errf("InvalidParameter.DurationSeconds", "The parameter DurationSeconds is not an integer.")
	} else if ok {
		duration = time.Duration(n) * time.Second
		if duration < stsMinDuration || duration > stsMaxDuration {
			return nil, errf("InvalidParameter.DurationSeconds", "The Min/Max value of DurationSeconds is 15min/12hr.")
		}
	}
	if c.params.Get("Policy") != "" {
		// UNKNOWN 111: session policies are not modelled; ignoring one would grant more than the service does.
		return nil, errf("InvalidParameter.Policy", "The emulator does not model session policies; call AssumeRole without Policy.")
	}
	role := s.findRole(roleAccount, roleName)
	if role == nil {
		return nil, wire.Errorf(http.StatusNotFound, "EntityNotExist.Role", "The specified Role not exists: %s.", arn)
	}
	trusted := false
	for _, id := range role.Trust {
		trusted = trusted || id == c.account
	}
	if !trusted {
		return nil, wire.Errorf(http.StatusForbidden, "NoPermission", "You are not authorized to do this action. You should be authorized by RAM. (The trust policy of %s does not name account %s.)", arn, c.account)
	}
	if c.dryRun {
		return nil, errDryRun
	}

	roleID := roleIDOf(roleAccount, role.Name)
	sess := &stsSession{
		cred: wire.Credential{
			AccessKeyID:     "STS." + randomToken(21),
			AccessKeySecret: randomToken(33),
			SecurityToken:   "CAIS" + randomToken(240),
			Account:         roleAccount,
		},
		roleID:     roleID,
		assumedArn: "acs:ram::" + roleAccount + ":role/" + strings.ToLower(role.Name) + "/" + name,
		assumedID:  roleID + ":" + name,
		expires:    c.now.Add(duration),
	}
	s.sessions[sess.cred.AccessKeyID] = sess
	return map[string]any{
		"Credentials": map[string]any{
			"AccessKeyId":     sess.cred.AccessKeyID,
			"AccessKeySecret": sess.cred.AccessKeySecret,
			"SecurityToken":   sess.cred.SecurityToken,
			"Expiration":      timestamp(sess.expires),
		},
		"AssumedRoleUser": map[string]any{
			"Arn":           sess.assumedArn,
			"AssumedRoleId": sess.assumedID,
		},
	}, nil
}

// findRole returns the role of account by name (RAM role names are case-insensitive), or nil.
func (s *Sim) findRole(account, name string) *Role {
	a, ok := s.accounts[account]
	if !ok {
		return nil
	}
	for i := range a.Roles {
		if strings.EqualFold(a.Roles[i].Name, name) {
			return &a.Roles[i]
		}
	}
	return nil
}

// roleIDOf is a role's id: 17 digits derived from its account and name, stable across runs.
func roleIDOf(account, name string) string {
	h := fnv.New64a()
	h.Write([]byte(account + ":" + strings.ToLower(name)))
	return strconv.FormatUint(1e16+h.Sum64()%9e16, 10)
}

// randomToken returns n bytes of crypto/rand as unpadded URL-safe base64. Temporary credentials are secrets
// and not part of the deterministic state, so they do not draw from the id generator.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("ipamsim: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
